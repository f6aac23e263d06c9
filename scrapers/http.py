"""One polite HTTP client for every source.

Order of concerns, as in scrapelib: throttle per host, then retry transient
failures with backoff, then cap the body. Retries live here and only here;
Prefect retries whole sources, so attempts never multiply against a
government site.
"""

from __future__ import annotations

import hashlib
import http.client
import logging
import os
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import certifi
import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NameResolutionError
from urllib3.util.retry import Retry

from vigia.core.errors import (
    DeadlineExceeded,
    Disallowed,
    EgressDenied,
    FetchError,
    RetryLater,
    TooLarge,
)
from vigia.scrapers.base import Page
from vigia.scrapers.egress import EgressPolicy
from vigia.scrapers.robots import ALLOW_ALL, DISALLOW_ALL, RobotsRules, parse_robots

log = logging.getLogger(__name__)

DEFAULT_USER_AGENT = "Vigia/0.1 (+https://github.com/vigia-monitor/vigia; human-rights monitoring)"
TRANSIENT_STATUSES = (429, 500, 502, 503, 504)
BUNDLED_INTERMEDIATES = Path(__file__).parent / "certs" / "dof-intermediates.pem"


@dataclass(frozen=True)
class HttpSettings:
    """Politeness knobs; defaults suit government sites that throttle bursts."""

    user_agent: str = DEFAULT_USER_AGENT
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    retries: int = 3
    backoff_factor: float = 1.0
    max_bytes: int = 20_000_000
    min_interval: float = 1.0  # seconds between two requests to the same host
    respect_robots: bool = True
    extra_ca_file: str = str(BUNDLED_INTERMEDIATES)  # added to certifi's roots; "" for none
    # A request's whole life, retries and waits included; a slow drip cannot stretch it.
    request_deadline: float = 120.0
    # One source's fetching in one run (one client); 0 for none.
    source_deadline: float = 900.0
    # A longer Retry-After is not waited for: the request fails as RetryLater, the next run
    # tries again.
    max_retry_after: float = 300.0
    max_robots_bytes: int = 512_000  # RFC 9309 asks crawlers to read at least 500 KiB
    max_redirects: int = 5
    # Private, loopback or link-local addresses the client may still connect to (see egress).
    allow_addresses: tuple[str, ...] = ()

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> HttpSettings:
        """Build settings from the ``http`` block of sources.yaml; unknown keys and values of
        the wrong type are errors (TypeError naming the key)."""
        if not isinstance(config, dict):
            raise TypeError("the http block must be a mapping of settings")
        config = dict(config)
        per_second = config.pop("max_requests_per_second", None)
        if per_second:
            config["min_interval"] = 1.0 / _typed("max_requests_per_second", per_second, float)
        unknown = set(config) - set(cls.__dataclass_fields__)
        if unknown:
            raise TypeError(f"unknown http setting(s) {sorted(unknown)}")
        defaults = cls()
        for key, value in config.items():
            config[key] = _typed(key, value, type(getattr(defaults, key)))
        return cls(**config)


def _typed(key: str, value: Any, kind: type) -> Any:
    """``value`` as the setting's type, or a TypeError that names the key and what it got."""
    if kind is tuple:
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise TypeError(f"{key} must be a list of strings, not {value!r}")
        return tuple(value)
    if kind is bool:
        if not isinstance(value, bool):
            raise TypeError(f"{key} must be true or false, not {value!r}")
        return value
    if kind in (int, float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError(f"{key} must be a number, not {value!r}")
        if value < 0:
            raise TypeError(f"{key} must not be negative, not {value!r}")
        return kind(value)
    if not isinstance(value, str):
        raise TypeError(f"{key} must be text, not {value!r}")
    return value


def ca_bundle(extra_ca_file: str) -> str | bool:
    """The base CA bundle plus our extra certificates, as a path for requests' ``verify``.

    The base is the operator's REQUESTS_CA_BUNDLE (or CURL_CA_BUNDLE) when it names a
    file, so corporate roots keep working, and certifi's roots otherwise.
    """
    if not extra_ca_file:
        return True
    base = next(
        (
            Path(os.environ[name])
            for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")
            if os.environ.get(name) and Path(os.environ[name]).is_file()
        ),
        Path(certifi.where()),
    )
    combined = base.read_bytes() + b"\n" + Path(extra_ca_file).read_bytes()
    digest = hashlib.sha256(combined).hexdigest()[:16]
    path = Path(tempfile.gettempdir()) / f"vigia-ca-{digest}.pem"
    if not path.exists():
        partial = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        partial.write_bytes(combined)
        partial.replace(path)  # atomic, so concurrent runs never read half a bundle
    return str(path)


# -- the request in flight: deadline, egress policy, watchdog ---------------------------------
# urllib3 makes the connections and sleeps between retries deep inside requests; what it needs
# to know of the request in flight travels in a thread-local, set by HttpClient around each one.
_state = threading.local()
_DEFAULT_POLICY = EgressPolicy()


@dataclass
class _Flight:
    deadline: float  # time.monotonic() by which the request must be over
    policy: EgressPolicy
    max_retry_after: float
    expired: bool = False
    timers: list[threading.Timer] = field(default_factory=list)
    # Every socket the request used: a response that closes its connection keeps reading
    # from a socket the connection object no longer holds.
    sockets: list[socket.socket] = field(default_factory=list)

    def expire(self) -> None:
        """Cut the connections a request is still reading at its deadline."""
        self.expired = True
        for sock in self.sockets:
            try:
                # shutdown wakes a thread blocked in recv; close alone would not.
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Refused(Exception):
    """A connection reached an address the policy does not allow (raised inside urllib3)."""


class _Overdue(Exception):
    """The request's deadline passed before it could go on (raised inside urllib3)."""


class _LongWait(Exception):
    """The server asked to wait longer than the cap (raised inside urllib3)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(seconds)
        self.seconds = seconds


def _flight() -> _Flight | None:
    return getattr(_state, "flight", None)


def _policy() -> EgressPolicy:
    flight = _flight()
    return flight.policy if flight is not None else _DEFAULT_POLICY


class _Guarded:
    """Connection behaviour shared by HTTP and HTTPS: the egress check and the watchdog."""

    host: str
    port: int
    sock: Any

    def _new_conn(self) -> socket.socket:
        # Before connecting, so no packet goes to a refused address; after, on the address
        # actually reached, so a name that changes its answer in between gains nothing.
        policy = _policy()
        try:
            resolved = socket.getaddrinfo(self.host, self.port, type=socket.SOCK_STREAM)
        except OSError:
            resolved = []  # let the connection fail with its own, named, error
        for *_, address in resolved:
            ip, port = str(address[0]), int(address[1])
            if not policy.allows(ip, port):
                raise _Refused(f"{ip} port {port}")
        sock = super()._new_conn()  # type: ignore[misc]
        host, port = sock.getpeername()[:2]
        if not policy.allows(host, port):
            sock.close()
            raise _Refused(f"{host} port {port}")
        flight = _flight()
        if flight is not None:
            flight.sockets.append(sock)
        return sock

    def request(self, *args: Any, **kwargs: Any) -> None:
        flight = _flight()
        if flight is not None:
            remaining = flight.deadline - time.monotonic()
            if remaining <= 0:
                raise _Overdue()
            if self.sock is not None:  # a kept-alive connection, or TLS already set up
                flight.sockets.append(self.sock)
            timer = threading.Timer(remaining, flight.expire)
            timer.daemon = True
            timer.start()
            flight.timers.append(timer)
        super().request(*args, **kwargs)  # type: ignore[misc]


class _GuardedHTTPConnection(_Guarded, HTTPConnection):
    pass


class _GuardedHTTPSConnection(_Guarded, HTTPSConnection):
    pass


class _GuardedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection


_GUARDED_POOLS = {"http": _GuardedHTTPPool, "https": _GuardedHTTPSPool}


class _GuardedAdapter(HTTPAdapter):
    """Every connection, redirects and proxies included, is made by the guarded classes."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _GUARDED_POOLS

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        manager.pool_classes_by_scheme = _GUARDED_POOLS
        return manager


class _BoundedRetry(Retry):
    """urllib3's retry, but no wait past the request's deadline or over the Retry-After cap."""

    def sleep_for_retry(self, response: Any) -> bool:
        wait = self.get_retry_after(response)
        if not wait:
            return False
        flight = _flight()
        if flight is not None:
            if wait > flight.max_retry_after:
                raise _LongWait(wait)
            if time.monotonic() + wait > flight.deadline:
                raise _Overdue()
        time.sleep(wait)
        return True

    def _sleep_backoff(self) -> None:
        flight = _flight()
        if flight is not None and time.monotonic() + self.get_backoff_time() > flight.deadline:
            raise _Overdue()
        super()._sleep_backoff()


def _network_cause(exc: BaseException) -> str:
    """What went wrong on the network, named: DNS, refused, reset, TLS, timeout."""
    if isinstance(exc, requests.exceptions.SSLError):
        return "TLS failed"
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return "connecting timed out"
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return "timed out waiting for the server"
    if isinstance(exc, requests.exceptions.TooManyRedirects):
        return "too many redirects"
    seen: list[BaseException] = []
    pending: list[Any] = [exc]
    while pending and len(seen) < 12:
        current = pending.pop()
        if not isinstance(current, BaseException) or current in seen:
            continue
        seen.append(current)
        if isinstance(current, NameResolutionError | socket.gaierror):
            return "DNS lookup failed"
        if isinstance(current, ConnectionRefusedError):
            return "connection refused"
        if isinstance(current, ConnectionResetError):
            return "connection reset by the server"
        if isinstance(current, http.client.IncompleteRead):
            return "the server hung up before sending the whole body"
        pending += [*current.args, getattr(current, "reason", None)]
        pending += [current.__cause__, current.__context__]
    return "network error"


class HostThrottle:
    """Keep at least ``min_interval`` seconds between requests to one host."""

    def __init__(self, min_interval: float) -> None:
        self.min_interval = min_interval
        self._last: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, url: str) -> None:
        """Sleep until this host may be asked again."""
        host = urlsplit(url).netloc
        with self._lock:
            now = time.monotonic()
            ready_at = self._last.get(host, 0.0) + self.min_interval
            delay = max(0.0, ready_at - now)
            self._last[host] = now + delay
        if delay:
            time.sleep(delay)


class HttpClient:
    """A requests session with timeouts, deadlines, a User-Agent, bounded retries, a size cap
    and an egress policy. One client serves one source's run: its source deadline starts at
    creation."""

    def __init__(self, settings: HttpSettings | None = None) -> None:
        self.settings = settings or HttpSettings()
        self.policy = EgressPolicy(self.settings.allow_addresses)
        self.session = requests.Session()
        self.session.headers["User-Agent"] = self.settings.user_agent
        self.session.max_redirects = self.settings.max_redirects
        retry = _BoundedRetry(
            total=self.settings.retries,
            connect=self.settings.retries,
            read=self.settings.retries,
            status=self.settings.retries,
            backoff_factor=self.settings.backoff_factor,
            backoff_max=60,
            status_forcelist=TRANSIENT_STATUSES,
            # POST is included because the court search API is a read-only POST.
            allowed_methods=frozenset({"GET", "HEAD", "POST"}),
            respect_retry_after_header=True,
            raise_on_status=False,
        )
        adapter = _GuardedAdapter(max_retries=retry)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        # Verification stays on; the bundle only completes chains that servers send short.
        # It is passed on every request because requests lets REQUESTS_CA_BUNDLE override
        # a session-level ``verify``.
        self.verify = ca_bundle(self.settings.extra_ca_file)
        self.throttle = HostThrottle(self.settings.min_interval)
        self.bytes_received = 0
        self._robots: dict[str, RobotsRules | FetchError] = {}
        self.start_budget()

    def start_budget(self) -> None:
        """Start a new source deadline: one source's run (or one chunk of a backfill)."""
        budget = self.settings.source_deadline
        self._source_deadline = time.monotonic() + budget if budget > 0 else float("inf")

    def get(
        self,
        url: str,
        role: str,
        *,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        validators: tuple[str | None, str | None] | None = None,
        context: dict[str, Any] | None = None,
    ) -> Page:
        """GET a page; with ``validators`` (etag, last-modified) a 304 returns an empty body."""
        request_headers = dict(headers or {})
        if validators:
            etag, last_modified = validators
            if etag:
                request_headers["If-None-Match"] = etag
            if last_modified:
                request_headers["If-Modified-Since"] = last_modified
        return self._request(
            "GET", url, role, params=params, headers=request_headers, context=context
        )

    def post_json(
        self,
        url: str,
        role: str,
        payload: Any,
        *,
        headers: dict[str, str] | None = None,
        context: dict[str, Any] | None = None,
    ) -> Page:
        """POST a JSON body (search APIs) and return the page."""
        return self._request(
            "POST", url, role, json=payload, headers=headers or {}, context=context
        )

    def close(self) -> None:
        """Release pooled connections."""
        self.session.close()

    def robots(self, url: str) -> RobotsRules:
        """The robots.txt rules of the URL's host, fetched once per client.

        A robots.txt that cannot be reached for a network reason fails every request to its
        host in this run, with that reason (RFC 9309: an unreachable file means crawl nothing).
        """
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._robots:
            try:
                self._robots[origin] = self._fetch_robots(origin)
            except FetchError as exc:
                self._robots[origin] = exc
        rules = self._robots[origin]
        if isinstance(rules, FetchError):
            raise type(rules)(f"robots.txt unreachable: {rules}", url=url, status=rules.status)
        return rules

    def _fetch_robots(self, origin: str) -> RobotsRules:
        self.throttle.wait(origin)
        url = f"{origin}/robots.txt"
        response, body = self._exchange(
            "GET", url, cap=self.settings.max_robots_bytes, truncate=True
        )
        if response.status_code >= 500:
            log.warning("robots.txt of %s answered %s: not fetching from it", origin, response)
            return DISALLOW_ALL
        if response.status_code >= 400:
            return ALLOW_ALL  # no robots.txt: everything is allowed
        return parse_robots(body.decode("utf-8", errors="replace"), self.settings.user_agent)

    def _request(
        self,
        method: str,
        url: str,
        role: str,
        *,
        context: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Page:
        if urlsplit(url).scheme not in ("http", "https"):
            raise FetchError(f"{url}: only http and https URLs are fetched", url=url)
        if self.settings.respect_robots and not self.robots(url).allows(url):
            raise Disallowed(f"robots.txt of {urlsplit(url).netloc} disallows {url}", url=url)
        self.throttle.wait(url)
        response, body = self._exchange(method, url, cap=self.settings.max_bytes, **kwargs)
        if response.status_code >= 400:
            raise FetchError(
                f"{method} {response.url} answered HTTP {response.status_code}",
                url=url,
                status=response.status_code,
            )
        return self._page(response, body, role, context)

    def _exchange(
        self, method: str, url: str, *, cap: int, truncate: bool = False, **kwargs: Any
    ) -> tuple[requests.Response, bytes]:
        """Send one request under the deadlines and the egress policy; read its body capped.

        The body is empty for a 304 or an error status; ``truncate`` keeps the first ``cap``
        bytes of a longer body instead of failing.
        """
        timeout = (self.settings.connect_timeout, self.settings.read_timeout)
        with self._in_flight(url) as flight:
            try:
                response = self.session.request(
                    method, url, timeout=timeout, stream=True, verify=self.verify, **kwargs
                )
            except (_Refused, _Overdue, _LongWait, requests.RequestException) as exc:
                raise self._failure(exc, method, url, flight) from exc
            with response:
                if response.status_code == 304 or response.status_code >= 400:
                    return response, b""
                try:
                    body = self._read_capped(response, url, cap, truncate, flight.deadline)
                except (
                    _Overdue,
                    requests.RequestException,
                    urllib3.exceptions.HTTPError,
                    OSError,
                ) as exc:
                    raise self._failure(exc, method, url, flight) from exc
            if flight.expired:
                raise self._failure(_Overdue(), method, url, flight)
        return response, body

    @contextmanager
    def _in_flight(self, url: str) -> Iterator[_Flight]:
        now = time.monotonic()
        if now >= self._source_deadline:
            raise DeadlineExceeded(
                f"{url} not fetched: the source's {self.settings.source_deadline:g} s for this "
                "run are spent",
                url=url,
            )
        flight = _Flight(
            deadline=min(now + self.settings.request_deadline, self._source_deadline),
            policy=self.policy,
            max_retry_after=self.settings.max_retry_after,
        )
        _state.flight = flight
        try:
            yield flight
        finally:
            _state.flight = None
            for timer in flight.timers:
                timer.cancel()

    def _failure(self, exc: BaseException, method: str, url: str, flight: _Flight) -> FetchError:
        if isinstance(exc, _Refused):
            return EgressDenied(
                f"{method} {url} led to {exc}, a private or reserved address; if that is "
                "intended, list it under http.allow_addresses in sources.yaml",
                url=url,
            )
        if isinstance(exc, _LongWait):
            return RetryLater(
                f"{url} asked to wait {exc.seconds:.0f} s (Retry-After), over the "
                f"{self.settings.max_retry_after:g} s cap; the next run tries again",
                url=url,
            )
        if isinstance(exc, _Overdue) or flight.expired:
            return DeadlineExceeded(
                f"{method} {url} passed its deadline ({self.settings.request_deadline:g} s for "
                "a request, "
                f"{self.settings.source_deadline:g} s for the source's run)",
                url=url,
            )
        # After read retries run out urllib3 surfaces a ConnectionError, not a Timeout.
        return FetchError(f"{method} {url} failed: {_network_cause(exc)} ({exc})", url=url)

    def _read_capped(
        self,
        response: requests.Response,
        url: str,
        cap: int,
        truncate: bool = False,
        deadline: float = float("inf"),
    ) -> bytes:
        declared = response.headers.get("Content-Length")
        if not truncate and declared and declared.isdigit() and int(declared) > cap:
            raise TooLarge(f"{url} declares {declared} bytes, over the {cap}-byte cap", url=url)
        chunks: list[bytes] = []
        size = 0
        # read1 returns what one read of the socket gives, so a drip of single bytes comes
        # back to this loop (and its deadline) instead of filling a 64 KiB read for hours.
        # Bytes are decoded, so a gzip bomb is caught at its decoded size.
        while True:
            chunk = response.raw.read1(65536, decode_content=True)
            if not chunk:
                break
            if time.monotonic() > deadline:
                raise _Overdue()
            size += len(chunk)
            if size > cap:
                if truncate:
                    chunks.append(chunk[: len(chunk) - (size - cap)])
                    size = cap
                    break
                raise TooLarge(f"{url} is over the {cap}-byte cap", url=url)
            chunks.append(chunk)
        self.bytes_received += size
        return b"".join(chunks)

    @staticmethod
    def _page(
        response: requests.Response, body: bytes, role: str, context: dict[str, Any] | None
    ) -> Page:
        return Page(
            url=response.url,
            body=body,
            role=role,
            content_type=response.headers.get("Content-Type"),
            status=response.status_code,
            etag=response.headers.get("ETag"),
            last_modified=response.headers.get("Last-Modified"),
            context=dict(context or {}),
        )
