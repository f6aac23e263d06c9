"""A fake Slack Web API on 127.0.0.1 for tests: real HTTP, records every call.

slack-sdk's WebClient talks to it through ``base_url`` (SLACK_API_URL). Tests
queue scripted answers (429 with Retry-After, 500, ``ok: false`` errors);
anything not scripted gets a successful ``chat.postMessage`` reply.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs


@dataclass
class Call:
    """One request the fake received."""

    method: str
    body: dict[str, Any]
    headers: dict[str, str]
    at: float


@dataclass
class FakeSlack:
    """State shared with the handler: recorded calls and scripted answers."""

    calls: list[Call] = field(default_factory=list)
    script: list[tuple[int, dict[str, Any], dict[str, str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/api/"

    def answer_next(
        self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        """Script the next answer (FIFO)."""
        self.script.append((status, body, headers or {}))

    def posted(self) -> list[dict[str, Any]]:
        """Bodies of chat.postMessage calls that were answered ok."""
        return [c.body for c in self.calls if c.method == "chat.postMessage" and c.body.get("_ok")]


def _handler(state: FakeSlack) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            if "json" in (self.headers.get("Content-Type") or ""):
                body = json.loads(raw or "{}")
            else:
                body = {k: v[0] for k, v in parse_qs(raw).items()}
            method = self.path.rsplit("/", 1)[-1]
            with state.lock:
                call = Call(method, body, dict(self.headers), time.monotonic())
                state.calls.append(call)
                status, answer, headers = state.script.pop(0) if state.script else (200, {}, {})
            if status == 200 and not answer:
                answer = {
                    "ok": True,
                    "channel": "C0FAKE",
                    "ts": f"{time.time():.6f}",
                    "message": {"text": body.get("text", "")},
                }
            body["_ok"] = status == 200 and answer.get("ok", False)
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    return Handler


def start_fake_slack() -> FakeSlack:
    """Start the fake on a free port; call ``stop_fake_slack`` when done."""
    state = FakeSlack()
    state.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    threading.Thread(target=state.server.serve_forever, daemon=True).start()
    return state


def stop_fake_slack(state: FakeSlack) -> None:
    """Shut the fake down."""
    if state.server is not None:
        state.server.shutdown()
        state.server.server_close()
