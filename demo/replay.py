"""A local HTTP server on 127.0.0.1 that replays recorded and constructed source pages.

It answers the way the real sites do, by convention over the recorded pages in
tests/fixtures, installed as the package ``vigia.pages`` (INDEX.md there gives each
file's origin):

- ``GET /sidof/dof/sidof/notas/{DD-MM-YYYY}``: the day's SIDOF JSON, or SIDOF's
  empty 200 for a day with no file;
- ``GET /sidof/notas/docFuente/{cod}``: the nota's document, or 404;
- ``GET /dof/index_111.php?year=&month=&day=&edicion=``: the recorded index, or
  the DOF homepage (HTTP 200) as the real site answers for "no edition";
- ``POST /bj/api/v1/bj/busqueda``: search results for the body's ``q`` and year;
- ``GET /scjn/multimedia/comunicados`` and its release pages: SCJN press releases;
- ``GET /corteidh/{listing}.cfm``: a Corte IDH jurisprudence listing;
- ``GET /feeds/{name}.xml``: a feed, with ETag and 304 on ``If-None-Match``.
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

# Installed packages live on disk (wheels are never imported zipped here), so a Path will do.
FIXTURES = Path(str(resources.files("vigia.pages")))
REPLAY = FIXTURES / "replay"
EMPTY_SIDOF = {
    "messageCode": 200,
    "response": "OK",
    "NotasMatutinas": [],
    "NotasVespertinas": [],
    "NotasExtraordinarias": [],
}
DOF_NO_EDITION = FIXTURES / "dof" / "index_2026-07-26_EMPTY.html"


def _slug(text: str) -> str:
    return text.lower().translate(str.maketrans("áéíóúñ ", "aeioun-"))


class ReplayHandler(BaseHTTPRequestHandler):
    """Serve replay files by the conventions in the module docstring."""

    server_version = "VigiaReplay/1"
    requests_seen: list[str]

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        """Answer a GET from the replay files."""
        self.server.requests_seen.append(f"GET {self.path}")  # type: ignore[attr-defined]
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if m := re.fullmatch(r"/sidof/dof/sidof/notas/(\d{2}-\d{2}-\d{4})", url.path):
            path = REPLAY / "sidof" / f"notas_{m.group(1)}.constructed.json"
            if path.exists():
                return self._file(path, "application/json; charset=utf-8")
            return self._bytes(json.dumps(EMPTY_SIDOF).encode(), "application/json")
        if m := re.fullmatch(r"/sidof/notas/docFuente/(\d+)", url.path):
            return self._first_of(
                [
                    FIXTURES / "sidof" / f"docFuente_{m.group(1)}.html",
                    REPLAY / "sidof" / f"docFuente_{m.group(1)}.constructed.html",
                ],
                "text/html; charset=UTF-8",
            )
        if url.path == "/dof/index_111.php":
            name = (
                f"index_{query.get('year')}-{query.get('month')}-{query.get('day')}_"
                f"{query.get('edicion')}.html"
            )
            # No recorded index for that day and edition: the real site's "no edition" answer.
            return self._first_of(
                [FIXTURES / "dof" / name, DOF_NO_EDITION], "text/html; charset=UTF-8"
            )
        if url.path == "/scjn/multimedia/comunicados":
            return self._first_of(
                [FIXTURES / "scjn" / "comunicados.constructed.html"], "text/html; charset=utf-8"
            )
        if m := re.fullmatch(r"/scjn/multimedia/comunicados/noticia/[\d-]+/([\w-]+)", url.path):
            return self._first_of(
                [FIXTURES / "scjn" / f"comunicado_{m.group(1)}.constructed.html"],
                "text/html; charset=utf-8",
            )
        if m := re.fullmatch(r"/corteidh/(\w+)\.cfm", url.path):
            # The real site declares ISO-8859-1 over UTF-8 bytes; so do we.
            return self._first_of(
                [
                    FIXTURES / "corteidh" / f"{m.group(1)}_page.html",
                    FIXTURES / "corteidh" / f"{m.group(1)}.constructed.html",
                ],
                "text/html; charset=iso-8859-1",
            )
        if m := re.fullmatch(r"/feeds/([\w-]+)\.xml", url.path):
            return self._first_of(
                [REPLAY / "feeds" / f"{m.group(1)}.constructed.xml"],
                "application/rss+xml; charset=utf-8",
                etag=True,
            )
        return self.send_error(404)

    def do_POST(self) -> None:  # noqa: N802
        """Answer the court search API from the replay files."""
        self.server.requests_seen.append(f"POST {self.path}")  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        if urlsplit(self.path).path != "/bj/api/v1/bj/busqueda":
            return self.send_error(404)
        years = (body.get("filtros") or {}).get("anio") or [""]
        path = (
            REPLAY / "bj" / f"busqueda_{_slug(str(body.get('q', '')))}_{years[0]}.constructed.json"
        )
        if body.get("page", 1) != 1 or not path.exists():
            path = REPLAY / "bj" / "busqueda_empty.constructed.json"
        return self._file(path, "application/json; charset=utf-8")

    def _first_of(self, paths: list[Path], content_type: str, *, etag: bool = False) -> None:
        """Serve the first existing file of ``paths``, or answer 404."""
        found = next((path for path in paths if path.exists()), None)
        if found is None:
            return self.send_error(404)
        return self._file(found, content_type, etag=etag)

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
