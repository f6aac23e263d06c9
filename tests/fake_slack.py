"""A fake Slack Web API on 127.0.0.1 for tests: real HTTP, records every call.

slack-sdk's WebClient talks to it through ``base_url`` (SLACK_API_URL). Tests
queue scripted answers (429 with Retry-After, 500, ``ok: false`` errors);
anything not scripted is answered as Slack would: ``chat.postMessage`` stores the
message (with its metadata and thread) in its channel, ``conversations.history``
returns a channel's top-level messages (replies are not listed there, as in Slack),
``conversations.replies`` a thread, ``conversations.list`` the channels. ``on_post``
runs before a post is answered, so a test can stop the client at that moment.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable
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
    # Messages per channel id, as Slack stores them.
    history: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # Called with the post's body before it is answered; returning False drops the post
    # (the client never gets an answer and nothing is stored).
    on_post: Callable[[dict[str, Any]], bool] | None = None
    # Channel names conversations.list reports (without '#'); a channel posted to joins them.
    known_names: list[str] = field(default_factory=list)

    @staticmethod
    def channel_id(channel: str) -> str:
        """The id this fake gives a channel name (ids pass through)."""
        if not channel.startswith("#"):
            return channel
        return "C" + hashlib.sha1(channel.encode()).hexdigest()[:8].upper()

    def keys_posted(self) -> list[str]:
        """The outbox keys of every stored message, in order."""
        return [
            m["metadata"]["event_payload"]["key"]
            for messages in self.history.values()
            for m in messages
            if m.get("metadata")
        ]

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
            if method == "chat.postMessage" and status == 200 and not answer:
                if state.on_post is not None and state.on_post(body) is False:
                    self.close_connection = True
                    return  # dropped: no answer, nothing stored
                answer = _store_post(state, body)
            elif status == 200 and not answer:
                answer = _read(state, method, body)
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


def _store_post(state: FakeSlack, body: dict[str, Any]) -> dict[str, Any]:
    name = str(body.get("channel", ""))
    channel = state.channel_id(name)
    with state.lock:
        # In Slack a channel one can post to exists, so conversations.list names it too.
        if name.startswith("#") and name[1:] not in state.known_names:
            state.known_names.append(name[1:])
        ts = f"{time.time():.6f}"
        message = {"type": "message", "ts": ts, "text": body.get("text", "")}
        if body.get("metadata"):
            message["metadata"] = body["metadata"]
        if body.get("thread_ts"):
            message["thread_ts"] = body["thread_ts"]
        state.history.setdefault(channel, []).append(message)
    return {"ok": True, "channel": channel, "ts": ts, "message": message}


def _read(state: FakeSlack, method: str, body: dict[str, Any]) -> dict[str, Any]:
    if method in ("conversations.history", "conversations.replies"):
        oldest = float(body.get("oldest") or 0)
        thread = str(body.get("ts", ""))
        with state.lock:
            messages = [
                # Slack returns metadata only when include_all_metadata is set.
                m if _truthy(body.get("include_all_metadata")) else _without_metadata(m)
                for m in state.history.get(str(body.get("channel")), [])
                if float(m["ts"]) >= oldest
                and (
                    # History: top-level messages only. Replies: the parent and its replies.
                    m.get("thread_ts") in (None, m["ts"])
                    if method == "conversations.history"
                    else thread in (m["ts"], m.get("thread_ts"))
                )
            ]
        if method == "conversations.replies":
            return {"ok": True, "messages": messages, "has_more": False}
        return {"ok": True, "messages": list(reversed(messages)), "has_more": False}
    if method == "conversations.list":
        channels = [{"id": state.channel_id(f"#{n}"), "name": n} for n in state.known_names]
        return {"ok": True, "channels": channels}
    return {"ok": True}


def _truthy(value: Any) -> bool:
    return value in (True, "true", "True", "1", 1)


def _without_metadata(message: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in message.items() if k != "metadata"}


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
