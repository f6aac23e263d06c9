"""A hostile web server on 127.0.0.1 for the fault suite: everything here is constructed.

Each path misbehaves in one way a real server (or an attacker's) can: redirects into private
addresses, bodies and headers that drip a byte at a time, a Retry-After of an hour, robots.txt
files that are huge, compressed bombs or crafted to make a matcher backtrack. A second,
"internal" server stands for a service on the same machine that must never be reached; it
counts the requests it gets.
"""

from __future__ import annotations

import gzip
import socket
import struct
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from vigia.demo.replay import serving

# A robots.txt whose rules make a backtracking matcher try every split of a long path.
PATHOLOGICAL_ROBOTS = "User-agent: *\n" + "".join(
    f"Disallow: /{'*a' * 40}{n}b$\n" for n in range(200)
)
# 2 MB of zeros, gzip-compressed to about 2 KB; decoded, it would be 2 GB if repeated 1,000
# times, which is what the bomb path sends.
_ZEROS = gzip.compress(b"\0" * 2_000_000, compresslevel=9)
# "Billion laughs": nine levels of ten references, 10^9 copies of "lol" if expanded.
_ENTITIES = '<!ENTITY lol "lol">' + "".join(
    f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">'
    for n in range(1, 10)
)
ENTITY_BOMB_FEED = (
    f'<?xml version="1.0"?><!DOCTYPE lolz [{_ENTITIES}]><rss version="2.0"><channel>'
    "<title>t</title><item><title>Tortura en México &lol9;</title>"
    "<link>https://example.org/bomb</link></item></channel></rss>"
).encode()
EXTERNAL_ENTITY_FEED = (
    b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    b'<rss version="2.0"><channel><title>t</title><item><title>Tortura &xxe;</title>'
    b"<link>https://example.org/xxe</link></item></channel></rss>"
)
UTF16_FEED = (
    '<?xml version="1.0" encoding="UTF-16"?><rss version="2.0"><channel><title>t</title>'
    "<item><title>Desaparición forzada en México</title>"
    "<link>https://example.org/utf16</link></item></channel></rss>"
).encode("utf-16")
LATIN1_FEED = (
    '<?xml version="1.0"?><rss version="2.0"><channel><title>Hostil</title>'
    "<item><title>Reforma sobre desaparición y tortura en México</title>"
    "<link>https://example.org/latin1</link><description>Publicación en Latin-1."
    "</description></item></channel></rss>"
).encode("latin-1")


class _Handler(BaseHTTPRequestHandler):
    server: _HostileServer

    def log_message(self, *args: object) -> None:  # quiet test output
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self.server.paths.append(self.path)
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        route = getattr(self, "_" + parts.path.strip("/").replace("-", "_").replace(".", "_"), None)
        if route is None:
            self._send(404, b"not here")
        else:
            route(query)

    def _send(self, status: int, body: bytes, **headers: str) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _ok(self, query: dict[str, str]) -> None:
        self._send(200, b"fine", Content_Type="text/plain")

    def _redirect(self, query: dict[str, str]) -> None:
        self._send(302, b"", Location=query["to"])

    def _retry_after(self, query: dict[str, str]) -> None:
        self._send(503, b"busy", Retry_After=query.get("seconds", "3600"))

    def _drip_body(self, query: dict[str, str]) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "1000000")
        self.end_headers()
        self._drip(b"x")

    def _drip_headers(self, query: dict[str, str]) -> None:
        self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        self._drip(b"a")

    def _drip(self, byte: bytes) -> None:
        try:
            for _ in range(600):  # at most 2 minutes, so a broken test cannot hang forever
                self.wfile.write(byte)
                self.wfile.flush()
                time.sleep(0.2)
        except OSError:
            pass  # the client hung up: what the test wants

    def _truncated(self, query: dict[str, str]) -> None:
        # Promises 100,000 bytes, sends 10 and hangs up.
        self.send_response(200)
        self.send_header("Content-Length", "100000")
        self.end_headers()
        self.wfile.write(b"<rss><chan")
        self.wfile.flush()
        self.close_connection = True

    def _reset(self, query: dict[str, str]) -> None:
        # Half a body, then a TCP reset (linger 0 makes close send RST, not FIN).
        self.send_response(200)
        self.send_header("Content-Length", "100000")
        self.end_headers()
        self.wfile.write(b"x" * 1000)
        self.wfile.flush()
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def _empty(self, query: dict[str, str]) -> None:
        self._send(200, b"", Content_Type="application/rss+xml")

    def _latin1_feed(self, query: dict[str, str]) -> None:
        # Declared UTF-8, written in Latin-1: a mis-encoded feed.
        self._send(200, LATIN1_FEED, Content_Type="application/rss+xml; charset=utf-8")

    def _loop(self, query: dict[str, str]) -> None:
        self._send(302, b"", Location="/loop")

    def _entity_bomb(self, query: dict[str, str]) -> None:
        self._send(200, ENTITY_BOMB_FEED, Content_Type="application/rss+xml")

    def _external_entity(self, query: dict[str, str]) -> None:
        self._send(200, EXTERNAL_ENTITY_FEED, Content_Type="application/rss+xml")

    def _utf16_feed(self, query: dict[str, str]) -> None:
        self._send(200, UTF16_FEED, Content_Type="application/rss+xml")

    def _robots_txt(self, query: dict[str, str]) -> None:
        kind = self.server.robots
        if kind == "huge":
            self._send(200, b"User-agent: *\n" + b"Disallow: /private/page\n" * 150_000)
        elif kind == "bomb":
            self.send_response(200)
            self.send_header("Content-Encoding", "gzip")
            self.end_headers()
            try:
                for _ in range(1000):
                    self.wfile.write(_ZEROS)
            except OSError:
                pass
        elif kind == "pathological":
            self._send(200, PATHOLOGICAL_ROBOTS.encode())
        else:
            self._send(404, b"")


class _HostileServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.paths: list[str] = []
        self.robots = ""

    @property
    def base(self) -> str:
        """http://127.0.0.1:PORT"""
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def address(self) -> str:
        """127.0.0.1:PORT, as http.allow_addresses takes it."""
        host, port = self.server_address[:2]
        return f"{host}:{port}"


@contextmanager
def hostile_server() -> Iterator[_HostileServer]:
    """Run a hostile server for the duration of the block."""
    with serving(_HostileServer()) as server:
        yield server
