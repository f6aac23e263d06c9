"""One polite HTTP client for every source.

Order of concerns, as in scrapelib: throttle per host, then retry transient
failures with backoff, then cap the body. Retries live here and only here;
Prefect retries whole sources, so attempts never multiply against a
government site.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import certifi
import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from scrapers.base import Page
from scrapers.errors import Disallowed, FetchError, TooLarge
from scrapers.robots import ALLOW_ALL, DISALLOW_ALL, RobotsRules, parse_robots

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

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> HttpSettings:
        """Build settings from the ``http`` block of sources.yaml; unknown keys are errors."""
        config = dict(config)
        per_second = config.pop("max_requests_per_second", None)
        if per_second:
            config["min_interval"] = 1.0 / float(per_second)
        unknown = set(config) - set(cls.__dataclass_fields__)
        if unknown:
            raise TypeError(f"unknown http setting(s) {sorted(unknown)}")
        return cls(**config)


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
    """A requests session with timeouts, a User-Agent, bounded retries and a size cap."""

    def __init__(self, settings: HttpSettings | None = None) -> None:
        self.settings = settings or HttpSettings()
        self.session = requests.Session()
        self.session.headers["User-Agent"] = self.settings.user_agent
        retry = Retry(
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
        adapter = HTTPAdapter(max_retries=retry)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        # Verification stays on; the bundle only completes chains that servers send short.
        # It is passed on every request because requests lets REQUESTS_CA_BUNDLE override
        # a session-level ``verify``.
        self.verify = ca_bundle(self.settings.extra_ca_file)
        self.throttle = HostThrottle(self.settings.min_interval)
        self.bytes_received = 0
        self._robots: dict[str, RobotsRules] = {}

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
        """The robots.txt rules of the URL's host, fetched once per client."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._robots:
            self._robots[origin] = self._fetch_robots(origin)
        return self._robots[origin]

    def _fetch_robots(self, origin: str) -> RobotsRules:
        self.throttle.wait(origin)
        timeout = (self.settings.connect_timeout, self.settings.read_timeout)
        try:
            response = self.session.get(f"{origin}/robots.txt", timeout=timeout, verify=self.verify)
        except requests.RequestException as exc:
            # RFC 9309 §2.3.1.4: an unreachable robots.txt means "crawl nothing" for now.
            log.warning("robots.txt of %s unreachable (%s): not fetching from it", origin, exc)
            return DISALLOW_ALL
        self.bytes_received += len(response.content)
        if response.status_code >= 500:
            return DISALLOW_ALL
        if response.status_code >= 400:
            return ALLOW_ALL  # no robots.txt: everything is allowed
        text = response.content[:512_000].decode("utf-8", errors="replace")
        return parse_robots(text, self.settings.user_agent)

    def _request(
        self,
        method: str,
        url: str,
        role: str,
        *,
        context: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Page:
        if self.settings.respect_robots and not self.robots(url).allows(url):
            raise Disallowed(f"robots.txt of {urlsplit(url).netloc} disallows {url}", url=url)
        self.throttle.wait(url)
        timeout = (self.settings.connect_timeout, self.settings.read_timeout)
        try:
            response = self.session.request(
                method, url, timeout=timeout, stream=True, verify=self.verify, **kwargs
            )
        except requests.RequestException as exc:
            # After read retries run out urllib3 surfaces a ConnectionError, not a Timeout.
            raise FetchError(f"{method} {url} failed: {exc}", url=url) from exc
        with response:
            if response.status_code == 304:
                return self._page(response, b"", role, context)
            if response.status_code >= 400:
                raise FetchError(
                    f"{method} {response.url} answered HTTP {response.status_code}",
                    url=url,
                    status=response.status_code,
                )
            body = self._read_capped(response, url)
        return self._page(response, body, role, context)

    def _read_capped(self, response: requests.Response, url: str) -> bytes:
        cap = self.settings.max_bytes
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > cap:
            raise TooLarge(f"{url} declares {declared} bytes, over the {cap}-byte cap", url=url)
        chunks: list[bytes] = []
        size = 0
        try:
            # iter_content yields decoded bytes, so a gzip bomb is caught at the decoded size.
            for chunk in response.iter_content(chunk_size=65536):
                size += len(chunk)
                if size > cap:
                    raise TooLarge(f"{url} is over the {cap}-byte cap", url=url)
                chunks.append(chunk)
        except requests.RequestException as exc:
            raise FetchError(f"reading {url} failed: {exc}", url=url) from exc
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
