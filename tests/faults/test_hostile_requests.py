"""Hostile requests to the Slack interactivity endpoint: a clear 4xx, and the endpoint goes on.

Requests are constructed: wrong and negative lengths, oversized bodies, signed payloads of the
wrong shape, bodies that are not UTF-8. After each, a well-formed signed verdict still lands.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
import requests

from tests.constructed import REGISTRY_DECREE
from vigia import pipeline
from vigia.config import load_settings
from vigia.demo.replay import serving
from vigia.feedback import ACTIONS_PATH, FeedbackEndpoint, make_server
from vigia.storage import open_store, run_query

SECRET = "constructed-signing-secret-0123456789"


@pytest.fixture
def endpoint(tmp_path: Path) -> Iterator[tuple[str, str, Path]]:
    db = tmp_path / "vigia.duckdb"
    settings = load_settings(db_path=str(db), sources_config={})
    with open_store(db) as store:
        store.items.upsert([REGISTRY_DECREE], datetime.now(UTC))
    pipeline.classify_pending(settings)
    [(key,)] = run_query(db, "SELECT key FROM alerts WHERE kind = 'match'")[1]
    with serving(make_server(FeedbackEndpoint(settings, SECRET), "127.0.0.1", 0)) as server:
        host, port = server.server_address[:2]
        yield f"http://{host}:{port}{ACTIONS_PATH}", key, db


def _signed(body: bytes) -> dict[str, str]:
    # Slack's v0 scheme over the raw bytes (slack-sdk's helper wants text; some bodies here
    # are not).
    stamp = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), f"v0:{stamp}:".encode() + body, hashlib.sha256)
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": f"v0={digest.hexdigest()}",
    }


def _form(payload: object) -> bytes:
    return urlencode({"payload": json.dumps(payload)}).encode()


def _raw(url: str, head: str, body: bytes = b"") -> bytes:
    """Send a hand-written request (requests would fix the headers) and return the answer."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=15) as conn:
        conn.sendall(head.encode() + b"\r\n\r\n" + body)
        conn.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    return answer


def _verdict_lands(url: str, key: str, db: Path) -> bool:
    body = _form(
        {
            "type": "block_actions",
            "user": {"id": "U1", "username": "ana"},
            "actions": [{"action_id": "vigia_feedback_relevant", "value": key}],
        }
    )
    answer = requests.post(url, data=body, headers=_signed(body), timeout=10)
    count = run_query(db, "SELECT count(*) FROM feedback")[1][0][0]
    return answer.status_code == 200 and count >= 1


@pytest.mark.parametrize(
    ("length", "status"), [("abc", b"400"), ("-1", b"400"), ("", b"400"), ("999999999", b"413")]
)
def test_a_bad_content_length_is_refused_at_once(endpoint, length: str, status: bytes) -> None:
    url, key, db = endpoint
    header = f"\r\nContent-Length: {length}" if length else ""
    started = time.monotonic()
    answer = _raw(url, f"POST {ACTIONS_PATH} HTTP/1.1\r\nHost: x{header}", b"payload=x")
    assert answer.split(b" ")[1] == status, answer[:200]
    assert time.monotonic() - started < 5
    assert _verdict_lands(url, key, db)


@pytest.mark.parametrize(
    "payload",
    [
        ["a", "list"],
        {"type": "block_actions", "actions": "not a list"},
        {"type": "block_actions", "actions": [1, 2]},
        {"type": "block_actions", "user": "someone", "actions": []},
        {"type": "block_actions", "actions": 5},
    ],
)
def test_a_signed_payload_of_the_wrong_shape_gets_400(endpoint, payload: object) -> None:
    url, key, db = endpoint
    body = _form(payload)
    answer = requests.post(url, data=body, headers=_signed(body), timeout=10)
    assert answer.status_code == 400 and "error" in answer.json()
    assert _verdict_lands(url, key, db)


def test_a_body_that_is_not_utf8_gets_400(endpoint) -> None:
    url, key, db = endpoint
    body = b"payload=\xff\xfe\xfa"
    answer = requests.post(url, data=body, headers=_signed(body), timeout=10)
    assert answer.status_code == 400
    assert _verdict_lands(url, key, db)
