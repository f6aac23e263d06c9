"""The Slack channel's way back: the endpoint for the buttons under alerts and digests.

Every request is verified with slack-sdk's SignatureVerifier (the app's signing secret; a bad
or stale signature is refused with 401) and read into the verdicts and confirmations it carries.
What to do with them (record a verdict, confirm a status move) is the application's: it hands
the server an ``ActionHandler``.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

from slack_sdk.signature import SignatureVerifier
from slack_sdk.webhook import WebhookClient

from vigia.alerts.channels.slack_blocks import (
    BLOCKS_LIMIT,
    CONFIRM_ACTION_PREFIX,
    CORRECTIONS,
    DIGEST_MENU_BLOCK,
    FEEDBACK_ACTION_PREFIX,
    FEEDBACK_BLOCK,
    FEEDBACK_BUTTONS,
    VERDICT_MENU,
    WRONG_DIRECTION,
)
from vigia.core.errors import AlertError, ConfigError

log = logging.getLogger(__name__)
ACTIONS_PATH = "/slack/actions"
MAX_BODY = 64 * 1024  # Slack's interaction payloads are a few kilobytes


@dataclass(frozen=True)
class Verdict:
    """One person's verdict on one alert, from a button or the direction menu.

    A button names the alert by its key; a menu, whose values Slack cuts at 150 characters,
    by its ``alert_ref`` (``key`` is then empty). ``stance`` is the direction the person says
    was right, when they said one.
    """

    key: str
    verdict: str
    user_id: str
    user_name: str
    channel: str | None
    message_ts: str | None
    ref: str | None = None
    stance: str | None = None

    @property
    def by(self) -> str:
        """Who gave it, as shown: their name, else their id."""
        return self.user_name or self.user_id


def verdicts_from(payload: dict[str, Any]) -> list[Verdict]:
    """The verdicts in a Slack ``block_actions`` payload (other payloads carry none)."""
    if payload.get("type") != "block_actions":
        return []
    user = payload.get("user") or {}
    who: dict[str, Any] = {
        "user_id": str(user.get("id", "")),
        "user_name": str(user.get("username") or user.get("name") or ""),
        "channel": (payload.get("channel") or {}).get("id"),
        "message_ts": (payload.get("container") or {}).get("message_ts"),
    }
    verdicts = []
    for action in payload.get("actions") or []:
        action_id = str(action.get("action_id", ""))
        verdict = action_id.removeprefix(FEEDBACK_ACTION_PREFIX)
        if action_id.startswith(VERDICT_MENU):
            verdicts += _chosen(action, who)
        elif action_id.startswith(FEEDBACK_ACTION_PREFIX) and verdict in BUTTON_VERDICTS:
            verdicts.append(Verdict(key=str(action.get("value", "")), verdict=verdict, **who))
    return verdicts


# The buttons' verdicts, with the one of messages sent before the menu replaced its button.
BUTTON_VERDICTS = (*FEEDBACK_BUTTONS, WRONG_DIRECTION)


def _chosen(action: dict[str, Any], who: dict[str, Any]) -> list[Verdict]:
    # A menu's choice: "verdict:ref" or "stance:ref". Anything else is not ours to record.
    choice, _, ref = str((action.get("selected_option") or {}).get("value", "")).partition(":")
    verdict = chosen_verdict(choice, ref, who) if ref else None
    return [verdict] if verdict is not None else []


def chosen_verdict(choice: str, ref: str, who: Mapping[str, Any]) -> Verdict | None:
    """The verdict a menu option or an email link names by its choice (a button's verdict, or
    the direction that was right) on the alert ``ref``; None for any other choice. ``who``:
    user_id, user_name, channel and message_ts."""
    if choice in FEEDBACK_BUTTONS:
        return Verdict(key="", verdict=choice, ref=ref, **who)
    if choice in CORRECTIONS:
        return Verdict(key="", verdict=WRONG_DIRECTION, ref=ref, stance=choice, **who)
    return None


@dataclass(frozen=True)
class Interaction:
    """What one press of a button asks: verdicts on alerts, or confirmations of status moves
    as (demand, item, who); with the message pressed in and where to replace it."""

    verdicts: list[Verdict] = field(default_factory=list)
    confirmations: list[tuple[str, str, str]] = field(default_factory=list)
    message: dict[str, Any] | None = None
    response_url: str | None = None
    command: SlashCommand | None = None


@dataclass(frozen=True)
class SlashCommand:
    """A slash command typed in Slack: its text after the command, and who typed it."""

    text: str
    user_id: str
    user_name: str


VERDICTS_BLOCK = "vigia_verdicts"
VERDICT_LINES = 10  # Slack: elements of a context block
REPLACE_TIMEOUT = 5  # seconds: a person waits for the reply


def show_verdict(
    response_url: str,
    message: Mapping[str, Any],
    line: str,
    api_url: str | None = None,
    ref: str | None = None,
) -> bool:
    """Replace the message a verdict was given in with itself and a line saying who judged
    how, through the interaction's ``response_url``; False when not done.

    Under an alert the lines (the last ten) stand above its buttons; in a digest, above the
    menu of the demand whose story ``ref`` (the alert's reference) is, each line opening with
    the story's number. Only through Slack's own hosts (or ``api_url``'s, the API base
    configured), and a failure is logged, never raised: the verdict is recorded either way.
    """
    blocks = [b for b in message.get("blocks") or [] if isinstance(b, dict)]
    place = _judged_place(blocks, ref)
    if place is None or not _slack_host(response_url, api_url):
        return False
    under, lines_block, story = place
    earlier = [b for b in blocks if b.get("block_id") == lines_block]
    kept = [b for b in blocks if b.get("block_id") != lines_block]
    if len(kept) >= BLOCKS_LIMIT:
        return False  # a full digest: one more block and Slack refuses the whole message
    lines = [
        *(earlier[0].get("elements") or [] if earlier else []),
        {"type": "mrkdwn", "text": story + line},
    ]
    judged = {"type": "context", "block_id": lines_block, "elements": lines[-VERDICT_LINES:]}
    at = next(n for n, b in enumerate(kept) if b.get("block_id") == under)
    try:
        answer = WebhookClient(response_url, timeout=REPLACE_TIMEOUT).send(
            text=str(message.get("text", "")),
            blocks=[*kept[:at], judged, *kept[at:]],
            replace_original=True,
        )
    except Exception as exc:  # noqa: BLE001 - any failure of the network leaves the verdict recorded
        log.warning("could not show the verdict on the message: %s", exc)
        return False
    return answer.status_code == 200


def _judged_place(blocks: list[dict[str, Any]], ref: str | None) -> tuple[str, str, str] | None:
    # (the block the lines stand above, the lines' block, what opens a line): an alert's
    # buttons, or the digest menu that offers the story ``ref``; None for another message.
    if any(b.get("block_id") == FEEDBACK_BLOCK for b in blocks):
        return FEEDBACK_BLOCK, VERDICTS_BLOCK, ""
    for block in blocks:
        block_id = str(block.get("block_id", ""))
        if not (ref and block_id.startswith(DIGEST_MENU_BLOCK)):
            continue
        menus = [m for m in block.get("elements") or [] if isinstance(m, dict)]
        groups = [g for m in menus for g in m.get("option_groups") or [] if isinstance(g, dict)]
        # The menu's groups are the demand's stories, in the order they are numbered.
        for number, group in enumerate(groups, start=1):
            values = [
                str(o.get("value", "")) for o in group.get("options") or [] if isinstance(o, dict)
            ]
            if any(v.endswith(f":{ref}") for v in values):
                suffix = block_id.removeprefix(DIGEST_MENU_BLOCK)
                return block_id, f"{VERDICTS_BLOCK}_{suffix}", f"{number}. "
    return None


def _slack_host(url: str, api_url: str | None) -> bool:
    # Slack sends response URLs on its own hosts; anything else in a signed payload is not
    # followed, but for the API base the operator configured (GovSlack, a proxy, tests).
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname and parts.hostname.endswith(SLACK_HOSTS):
        return True
    configured = urlsplit(api_url) if api_url else None
    return bool(
        configured and (parts.scheme, parts.netloc) == (configured.scheme, configured.netloc)
    )


SLACK_HOSTS = (".slack.com", ".slack-gov.com")


class Refused(AlertError):
    """A request that is not a signed Slack interaction: the HTTP status and why."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


class SlackRequests:
    """Reads Slack's interaction requests, refusing any whose signature does not hold."""

    def __init__(self, signing_secret: str) -> None:
        if not signing_secret.strip():
            raise ConfigError("SLACK_SIGNING_SECRET is not set: the endpoint cannot verify Slack")
        self.verifier = SignatureVerifier(signing_secret)

    def read(self, body: bytes, headers: Mapping[str, str]) -> Interaction:
        """The interaction a POST carries, or Refused."""
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise Refused(400, "the body is not UTF-8") from None
        if not self.verifier.is_valid_request(text, dict(headers)):
            raise Refused(401, "invalid or stale signature")
        form = parse_qs(text)
        if "command" in form and "payload" not in form:
            # A slash command sends its fields as the form itself.
            first = {name: values[0] for name, values in form.items()}
            user_id = first.get("user_id", "")
            command = SlashCommand(first.get("text", ""), user_id, first.get("user_name", user_id))
            return Interaction(command=command)
        try:
            payload = json.loads(form["payload"][0])
        except (KeyError, IndexError, json.JSONDecodeError):
            raise Refused(400, "expected a form field 'payload' holding JSON") from None
        try:
            confirmations = confirmations_from(payload)
            verdicts = [] if confirmations else verdicts_from(payload)
            message = payload.get("message")
            response_url = payload.get("response_url")
        except (AttributeError, TypeError):
            # Signed, but not shaped as Slack sends it (a list, actions that are not objects).
            raise Refused(400, "the payload is not a Slack interaction") from None
        return Interaction(
            verdicts,
            confirmations,
            message if isinstance(message, dict) else None,
            response_url if isinstance(response_url, str) else None,
        )


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


class ActionHandler(Protocol):
    """What answers a request: the HTTP status and the JSON (Slack) or page (a link) to send."""

    def handle(self, body: bytes, headers: Mapping[str, str]) -> tuple[int, dict[str, Any]]:
        """Answer one POST from Slack."""

    def verdict_page(self, method: str, fields: Mapping[str, str]) -> tuple[int, str]:
        """Answer a verdict link from an email: GET shows what it says, POST records it."""


LINK_PATH = "/verdict"  # the email links' page (alerts/channels/verdict_links)
# The links' pages show nothing from elsewhere and post only back here.
_PAGE_HEADERS = {
    "Content-Type": "text/html; charset=utf-8",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def make_server(endpoint: ActionHandler, host: str, port: int) -> ThreadingHTTPServer:
    """An HTTP server answering Slack's interactivity requests at /slack/actions, and the
    verdict links of emails at /verdict."""

    class Handler(BaseHTTPRequestHandler):
        # A client that sends its request a byte at a time loses its connection, not a thread.
        timeout = 10

        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            path, _, query = self.path.partition("?")
            if path != LINK_PATH or len(query) > MAX_BODY:
                self._page(404, "<p>Nada aquí / Nothing here.</p>")
            else:
                self._page(*endpoint.verdict_page("GET", _fields(query)))

        def do_POST(self) -> None:  # noqa: N802 - the http.server API
            declared = (self.headers.get("Content-Length") or "").strip()
            # A link's page posts back to its own address, query and all.
            path = self.path.partition("?")[0]
            if path not in (ACTIONS_PATH, LINK_PATH):
                self._answer(404, {"error": f"POST interactions to {ACTIONS_PATH}"})
            elif not declared.isdigit():
                # Missing, negative or not a number: read nothing (a negative read would wait
                # for the client to close the connection).
                self._answer(400, {"error": "a Content-Length of 0 or more bytes is required"})
            elif int(declared) > MAX_BODY:
                self._answer(413, {"error": "request too large"})
            elif path == LINK_PATH:
                form = self.rfile.read(int(declared)).decode("utf-8", "replace")
                self._page(*endpoint.verdict_page("POST", _fields(form)))
            else:
                body = self.rfile.read(int(declared))
                self._answer(*endpoint.handle(body, dict(self.headers.items())))

        def _answer(self, status: int, answer: dict[str, Any]) -> None:
            self._send(status, json.dumps(answer).encode(), {"Content-Type": "application/json"})

        def _page(self, status: int, page: str) -> None:
            self._send(status, page.encode(), _PAGE_HEADERS)

        def _send(self, status: int, data: bytes, headers: Mapping[str, str]) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            log.info("%s %s", self.address_string(), format % args)

    return ThreadingHTTPServer((host, port), Handler)


def _fields(encoded: str) -> dict[str, str]:
    # A query string or a form: each field's first value.
    return {name: values[0] for name, values in parse_qs(encoded).items()}


def start_in_thread(server: ThreadingHTTPServer) -> threading.Thread:
    """Serve in a daemon thread (tests, embedding); ``server.shutdown()`` stops it."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return thread
