"""A local HTTP server on 127.0.0.1 that replays recorded and constructed source pages.

It answers the way the real sites do, by the replay routes each source declares beside its
code (``Source.replay_routes``: a path pattern and the files under the recorded pages that
answer it). The pages are tests/fixtures, installed as the package ``vigia.pages``; INDEX.md
there gives each file's origin.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml

from vigia.scrapers import SOURCES
from vigia.scrapers.base import ReplayRoute

# Installed packages live on disk (wheels are never imported zipped here), so a Path will do.
FIXTURES = Path(str(resources.files("vigia.pages")))
REPLAY = FIXTURES / "replay"
# A value that names a file: no separators, no "..".
_SAFE_FIELD = re.compile(r"[\w-]*")


def replay_file(route: ReplayRoute, fields: dict[str, str]) -> Path | None:
    """The first of the route's files that exists, named with ``fields``."""
    # Fields come from the request: one that could climb out of the pages names no file.
    safe = {key: value for key, value in fields.items() if _SAFE_FIELD.fullmatch(value)}
    for template in route.files:
        try:
            name = template.format_map(safe)
        except KeyError:
            continue  # a field this request does not carry (or not safely)
        path = FIXTURES / name
        if path.is_file():
            return path
    return None


class ReplayHandler(BaseHTTPRequestHandler):
    """Serve replay files by the conventions in the module docstring."""

    server_version = "VigiaReplay/1"
    requests_seen: list[str]

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        """Answer a GET by the sources' replay routes."""
        self._answer("GET", {})

    def do_POST(self) -> None:  # noqa: N802
        """Answer a POST (a search API) by the sources' replay routes."""
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except json.JSONDecodeError:
            return self.send_error(400)
        self._answer("POST", body if isinstance(body, dict) else {})

    def _answer(self, method: str, body: dict[str, Any]) -> None:
        self.server.requests_seen.append(f"{method} {self.path}")  # type: ignore[attr-defined]
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        # Read at each request: a source registered after import (a test's) is replayed too.
        for route in (r for source in SOURCES.values() for r in source.replay_routes):
            found = re.fullmatch(route.path, url.path) if route.method == method else None
            if found is None:
                continue
            fields = {**query, **found.groupdict()}
            fields |= route.fields(query, body) if route.fields else {}
            path = replay_file(route, fields)
            if path is None:
                return self.send_error(404)
            return self._file(path, route.content_type, etag=route.etag)
        return self.send_error(404)

    def _file(self, path: Path, content_type: str, *, etag: bool = False) -> None:
        data = path.read_bytes()
        tag = f'"{hashlib.sha1(data).hexdigest()[:16]}"'
        if etag and self.headers.get("If-None-Match") == tag:
            self.send_response(304)
            self.send_header("ETag", tag)
            self.end_headers()
            return
        self._bytes(data, content_type, tag if etag else None)

    def _bytes(self, data: bytes, content_type: str, etag: str | None = None) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        if etag:
            self.send_header("ETag", etag)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Stay quiet: the demo prints its own summary."""


@contextmanager
def replay_server() -> Iterator[ThreadingHTTPServer]:
    """Run the replay server on a free port of 127.0.0.1 for the duration of the block."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), ReplayHandler)
    server.requests_seen = []  # type: ignore[attr-defined]
    with serving(server):
        yield server


@contextmanager
def serving(server: ThreadingHTTPServer) -> Iterator[ThreadingHTTPServer]:
    """Serve ``server`` from a background thread for the duration of the block."""
    thread = threading.Thread(target=server.serve_forever, name="vigia-local", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def base_url(server: ThreadingHTTPServer) -> str:
    """http://127.0.0.1:PORT of a running replay server."""
    host, port = server.server_address[:2]
    return f"http://{host!s}:{port}"


def demo_sources_config(base: str) -> dict[str, Any]:
    """The demo's sources config with every fetch URL pointed at the replay server."""
    template = Template((REPLAY / "sources.demo.yaml").read_text(encoding="utf-8"))
    address = urlsplit(base).netloc  # 127.0.0.1:PORT, the one local address the demo may use
    return yaml.safe_load(template.substitute(REPLAY=base, REPLAY_ADDRESS=address))
