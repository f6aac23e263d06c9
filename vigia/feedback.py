"""Campaigners' verdicts on alerts: the Slack buttons' endpoint, the export, precision per demand.

The endpoint verifies every request with slack-sdk's SignatureVerifier (the app's signing
secret; a bad or stale signature is refused with 401) and records one row per verdict with the
person and the time. The export writes the verdicts as labelled items in the evaluation format.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from slack_sdk.signature import SignatureVerifier

from vigia.alerts.channels.slack_blocks import (
    CONFIRM_ACTION_PREFIX,
    FEEDBACK_ACTION_PREFIX,
    FEEDBACK_BUTTONS,
)
from vigia.clock import now
from vigia.config import Settings
from vigia.core.errors import ConfigError
from vigia.storage import open_store

log = logging.getLogger(__name__)
ACTIONS_PATH = "/slack/actions"
MAX_BODY = 64 * 1024  # Slack's interaction payloads are a few kilobytes
REPLIES = {
    "relevant": "Gracias: marcada como relevante / Thanks: marked relevant",
    "not_relevant": "Gracias: marcada como no relevante / Thanks: marked not relevant",
    "wrong_direction": "Gracias: dirección en duda / Thanks: direction disputed",
}


@dataclass(frozen=True)
class Verdict:
    """One person's verdict on one alert, from a button."""

    key: str
    verdict: str
    user_id: str
    user_name: str
    channel: str | None
    message_ts: str | None


def verdicts_from(payload: dict[str, Any]) -> list[Verdict]:
    """The verdicts in a Slack ``block_actions`` payload (other payloads carry none)."""
    if payload.get("type") != "block_actions":
        return []
    user = payload.get("user") or {}
    channel = (payload.get("channel") or {}).get("id")
    message_ts = (payload.get("container") or {}).get("message_ts")
    verdicts = []
    for action in payload.get("actions") or []:
        action_id = str(action.get("action_id", ""))
        verdict = action_id.removeprefix(FEEDBACK_ACTION_PREFIX)
        if action_id.startswith(FEEDBACK_ACTION_PREFIX) and verdict in FEEDBACK_BUTTONS:
            verdicts.append(
                Verdict(
                    key=str(action.get("value", "")),
                    verdict=verdict,
                    user_id=str(user.get("id", "")),
                    user_name=str(user.get("username") or user.get("name") or ""),
                    channel=channel,
                    message_ts=message_ts,
                )
            )
    return verdicts


class FeedbackEndpoint:
    """Checks a request's signature, then records the verdicts it carries."""

    def __init__(self, settings: Settings, signing_secret: str) -> None:
        if not signing_secret.strip():
            raise ConfigError("SLACK_SIGNING_SECRET is not set: the endpoint cannot verify Slack")
        self.settings = settings
        self.verifier = SignatureVerifier(signing_secret)

    def handle(self, body: bytes, headers: Mapping[str, str]) -> tuple[int, dict[str, Any]]:
        """HTTP status and JSON answer for one POST from Slack."""
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return 400, {"error": "the body is not UTF-8"}
        if not self.verifier.is_valid_request(text, dict(headers)):
            return 401, {"error": "invalid or stale signature"}
        try:
            payload = json.loads(parse_qs(text)["payload"][0])
        except (KeyError, IndexError, json.JSONDecodeError):
            return 400, {"error": "expected a form field 'payload' holding JSON"}
        try:
            confirmations = confirmations_from(payload)
            verdicts = [] if confirmations else verdicts_from(payload)
        except (AttributeError, TypeError):
            # Signed, but not shaped as Slack sends it (a list, actions that are not objects).
            return 400, {"error": "the payload is not a Slack interaction"}
        if confirmations:
            return 200, self._confirm(confirmations)
        recorded = 0
        with open_store(self.settings.db_path) as store:
            for verdict in verdicts:
                recorded += store.record_feedback(
                    verdict.key,
                    verdict.verdict,
                    verdict.user_id,
                    verdict.user_name,
                    now(),
                    verdict.channel,
                    verdict.message_ts,
                )
        if not verdicts:
            return 200, {}
        reply = REPLIES[verdicts[-1].verdict] if recorded else "Alerta desconocida / Unknown alert"
        # Visible only to the person who pressed the button; the alert itself stays as sent.
        return 200, {"response_type": "ephemeral", "replace_original": False, "text": reply}

    def _confirm(self, confirmations: list[tuple[str, str, str]]) -> dict[str, Any]:
        # A person confirms, from the digest, a status move only the press backed.
        from vigia import status
        from vigia.classify.status import label

        replies = []
        for demand_id, item_id, who in confirmations:
            try:
                changes = status.confirm(self.settings, demand_id, item_id, who)
            except ConfigError as exc:
                replies.append(str(exc))
                continue
            replies += [
                f"{c.demand_id}: {label(c.before)} → {label(c.after)} ({c.since})" for c in changes
            ] or [f"{demand_id}: confirmado / confirmed"]
        return {"response_type": "ephemeral", "replace_original": False, "text": "\n".join(replies)}


def confirmations_from(payload: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(demand, item, who) for each confirm button in a Slack ``block_actions`` payload."""
    if payload.get("type") != "block_actions":
        return []
    user = payload.get("user") or {}
    who = str(user.get("username") or user.get("name") or user.get("id") or "slack")
    found = []
    for action in payload.get("actions") or []:
        if str(action.get("action_id", "")).startswith(CONFIRM_ACTION_PREFIX):
            demand_id, _, item_id = str(action.get("value", "")).partition("|")
            if demand_id and item_id:
                found.append((demand_id, item_id, who))
    return found


def make_server(endpoint: FeedbackEndpoint, host: str, port: int) -> ThreadingHTTPServer:
    """An HTTP server answering Slack's interactivity requests at /slack/actions."""

    class Handler(BaseHTTPRequestHandler):
        # A client that sends its request a byte at a time loses its connection, not a thread.
        timeout = 10

        def do_POST(self) -> None:  # noqa: N802 - the http.server API
            declared = (self.headers.get("Content-Length") or "").strip()
            if self.path != ACTIONS_PATH:
                self._answer(404, {"error": f"POST interactions to {ACTIONS_PATH}"})
            elif not declared.isdigit():
                # Missing, negative or not a number: read nothing (a negative read would wait
                # for the client to close the connection).
                self._answer(400, {"error": "a Content-Length of 0 or more bytes is required"})
            elif int(declared) > MAX_BODY:
                self._answer(413, {"error": "request too large"})
            else:
                body = self.rfile.read(int(declared))
                self._answer(*endpoint.handle(body, dict(self.headers.items())))

        def _answer(self, status: int, answer: dict[str, Any]) -> None:
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            log.info("%s %s", self.address_string(), format % args)

    return ThreadingHTTPServer((host, port), Handler)


def start_in_thread(server: ThreadingHTTPServer) -> threading.Thread:
    """Serve in a daemon thread (tests, embedding); ``server.shutdown()`` stops it."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return thread


def export_rows(settings: Settings) -> list[dict[str, Any]]:
    """Verdicts as labelled items in the format of eval/dev.jsonl, one line per item.

    An item's labels are the demands someone confirmed (the classifier's stance, or no stance
    when someone disputed the direction); demands marked not relevant get no label.
    """
    with open_store(settings.db_path) as store:
        rows = store.feedback_items()
    by_item: dict[str, dict[str, Any]] = {}
    for row in rows:
        item = row["item"]
        entry = by_item.setdefault(
            item.id,
            {
                "id": item.id,
                "source_kind": item.kind if item.kind in ("gazette", "court", "news") else "other",
                "lang": item.lang or None,
                "published": item.published.isoformat() if item.published else None,
                "url": item.url,
                "title": item.title,
                "body": item.text,
                "labels": [],
                "verdicts": [],
            },
        )
        entry["verdicts"].append(
            {
                "demand": row["demand_id"],
                "verdict": row["verdict"],
                "classified_stance": row["stance"],
                "by": row["user_name"] or row["user_id"],
                "at": row["at"].isoformat() if hasattr(row["at"], "isoformat") else row["at"],
            }
        )
    for entry in by_item.values():
        entry["labels"] = _labels(entry["verdicts"])
        people = sorted({v["by"] for v in entry["verdicts"]})
        entry["note"] = f"From Slack feedback by {', '.join(people)}."
    return list(by_item.values())


def _labels(verdicts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # Per demand, the latest verdict wins when people disagree.
    latest: dict[str, dict[str, Any]] = {}
    for verdict in sorted(verdicts, key=lambda v: str(v["at"])):
        latest[verdict["demand"]] = verdict
    labels = []
    for demand, verdict in sorted(latest.items()):
        if verdict["verdict"] == "relevant":
            labels.append({"demand": demand, "stance": verdict["classified_stance"]})
        elif verdict["verdict"] == "wrong_direction":
            labels.append({"demand": demand, "stance": None})
    return labels


def precision_by_demand(settings: Settings) -> dict[str, tuple[int, int]]:
    """Per demand: (alerts judged relevant, alerts judged at all), latest verdict per person."""
    with open_store(settings.db_path) as store:
        rows = store.feedback_items()
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        counts[row["demand_id"]][1] += 1
        counts[row["demand_id"]][0] += row["verdict"] in ("relevant", "wrong_direction")
    return {demand: (right, total) for demand, (right, total) in sorted(counts.items())}


def format_precision(counts: dict[str, tuple[int, int]]) -> str:
    """The table `vigia eval --feedback` prints."""
    if not counts:
        return "no feedback recorded yet (the buttons under each alert record it)"
    lines = [f"{'demand':<40} {'precision':>9} {'relevant':>9} {'judged':>7}"]
    for demand, (right, total) in counts.items():
        lines.append(f"{demand:<40} {right / total:>9.2f} {right:>9} {total:>7}")
    right = sum(r for r, _ in counts.values())
    total = sum(t for _, t in counts.values())
    lines.append(f"{'all demands':<40} {right / total:>9.2f} {right:>9} {total:>7}")
    return "\n".join(lines)
