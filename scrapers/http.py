"""One polite HTTP client for every source.

Order of concerns, as in scrapelib: throttle per host, then retry transient
failures with backoff, then cap the body. Retries live here and only here;
Prefect retries whole sources, so attempts never multiply against a
government site.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from scrapers.base import Page
from scrapers.errors import FetchError, TooLarge

log = logging.getLogger(__name__)

DEFAULT_USER_AGENT = "Vigia/0.1 (+https://github.com/vigia-monitor/vigia; human-rights monitoring)"
TRANSIENT_STATUSES = (429, 500, 502, 503, 504)


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

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> HttpSettings:
        """Build settings from the ``http`` block of sources.yaml."""
        known = {k: v for k, v in config.items() if k in cls.__dataclass_fields__}
        return cls(**known)


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
        self.throttle = HostThrottle(self.settings.min_interval)

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

    def _request(
        self,
        method: str,
        url: str,
        role: str,
        *,
        context: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Page:
        self.throttle.wait(url)
        timeout = (self.settings.connect_timeout, self.settings.read_timeout)
        try:
            response = self.session.request(method, url, timeout=timeout, stream=True, **kwargs)
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
