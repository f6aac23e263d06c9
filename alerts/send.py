"""Deliver rendered alerts: to Slack through slack-sdk, or to the console when no token is set."""

from __future__ import annotations

import os
import re
import socket
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, Protocol, TextIO
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import (
    ConnectionErrorRetryHandler,
    HttpRequest,
    HttpResponse,
    RateLimitErrorRetryHandler,
    RetryState,
)

from vigia.alerts.render import Message
from vigia.core.errors import AlertError
from vigia.core.text import for_terminal

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
METADATA_EVENT = "vigia_alert"
# History is searched from a little before the claim, for clock differences with Slack.
HISTORY_MARGIN_SECONDS = 300
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{6,}$")
# Errors of the deployment, not of one message (the token or the app's grants): every message
# would fail alike, so dispatch stops and leaves them queued until an operator fixes it.
DEPLOYMENT_SLACK_ERRORS = frozenset(
    {
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "missing_scope",
        "no_permission",
        "not_allowed_token_type",
        "team_access_not_granted",
        "ekm_access_denied",
    }
)
# Errors of one message that no retry can fix: that row is marked failed with the reason.
PERMANENT_SLACK_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "msg_too_long",
        "invalid_blocks",
        "restricted_action",
    }
)


@dataclass(frozen=True)
class Delivery:
    """Where a message landed: the sender, and for Slack the channel id and message ts."""

    via: str
    channel: str | None = None
    ts: str | None = None


class DeliveryFailed(AlertError):
    """Slack refused or could not take a message.

    ``permanent``: no retry can help this message. ``ambiguous``: the request may have reached
    Slack (a timeout or a reset after sending), so it must be looked up before it is sent
    again. ``deployment``: the token or the app's grants are wrong, so no message can go until
    an operator fixes them; the message itself is fine.
    """

    def __init__(
        self, message: str, *, permanent: bool, ambiguous: bool = False, deployment: bool = False
    ) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.ambiguous = ambiguous
        self.deployment = deployment


class UnsentConnectionRetryHandler(ConnectionErrorRetryHandler):
    """Retry only connections that cannot have delivered the request (refused, unresolved).

    slack-sdk's default also retries a reset or a dropped answer, which would post a message
    twice when Slack had already stored it; those are settled by the history look-up instead.
    """

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return response is None and _never_sent(error)


def _never_sent(error: BaseException | None) -> bool:
    reason = getattr(error, "reason", None)
    return isinstance(error, URLError) and isinstance(
        reason, ConnectionRefusedError | socket.gaierror
    )


class Sender(Protocol):
    """Anything that can deliver a rendered alert."""

    name: str

    def send(self, message: Message, console_text: str) -> Delivery:
        """Deliver one message or raise DeliveryFailed."""

    def find_sent(
        self,
        channel: str,
        key: str,
        since: datetime,
        channel_id: str | None = None,
        thread_ts: str | None = None,
    ) -> Delivery | None:
        """The message carrying outbox ``key`` if it reached the channel after ``since``
        (as a reply in ``thread_ts``'s thread when given).

        None when it did not (or when the sender cannot tell: the console); raises
        DeliveryFailed when the channel's history cannot be read.
        """


class ConsoleSender:
    """Print alerts to a stream: the default when SLACK_BOT_TOKEN is not set."""

    name = "console"

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout

    def send(self, message: Message, console_text: str) -> Delivery:
        """Write the console rendering followed by a blank line, control characters escaped
        (a scraped title must not drive the operator's terminal)."""
        print(for_terminal(console_text) + "\n", file=self.stream, flush=True)
        return Delivery(via=self.name)

    def find_sent(
        self,
        channel: str,
        key: str,
        since: datetime,
        channel_id: str | None = None,
        thread_ts: str | None = None,
    ) -> Delivery | None:
        """A console keeps no history: an interrupted message is printed again."""
        return None


class SlackSender:
    """Post alerts with slack-sdk's WebClient, retrying rate limits and dropped connections."""

    name = "slack"

    def __init__(
        self,
        token: str,
        base_url: str | None = None,
        *,
        min_interval: float = 1.0,
        timeout: int = 15,
    ) -> None:
        self.client = WebClient(
            token=token,
            base_url=base_url or DEFAULT_SLACK_API_URL,
            timeout=timeout,
            # Passing a list replaces slack-sdk's default (connection errors only).
            retry_handlers=[
                UnsentConnectionRetryHandler(max_retry_count=2),
                RateLimitErrorRetryHandler(max_retry_count=3),
            ],
        )
        self.min_interval = min_interval  # Slack allows about one message per second per channel
        self._last_post: dict[str, float] = {}
        self._channel_ids: dict[str, str] = {}
        self._lock = threading.Lock()

    def send(self, message: Message, console_text: str) -> Delivery:
        """Post one message; the outbox key rides along as message metadata."""
        self._pace(message.channel)
        extra: dict[str, Any] = {"thread_ts": message.thread_ts} if message.thread_ts else {}
        with _slack_errors(f"Slack refused the message for {message.channel}"):
            response = self.client.chat_postMessage(
                channel=message.channel,
                text=message.text,
                blocks=message.blocks,
                unfurl_links=False,
                unfurl_media=False,
                metadata={"event_type": METADATA_EVENT, "event_payload": {"key": message.key}},
                **extra,
            )
        channel_id = response.get("channel")
        if channel_id:
            self._channel_ids[message.channel] = channel_id
        return Delivery(via=self.name, channel=channel_id, ts=response.get("ts"))

    def find_sent(
        self,
        channel: str,
        key: str,
        since: datetime,
        channel_id: str | None = None,
        thread_ts: str | None = None,
    ) -> Delivery | None:
        """Look ``key`` up in the message metadata of the channel's history since ``since``.

        A reply is not in the channel's history: with ``thread_ts`` the thread is read
        (conversations.replies) instead.
        """
        channel_id = channel_id or self._channel_id(channel)
        oldest = f"{since.timestamp() - HISTORY_MARGIN_SECONDS:.6f}"
        cursor = None
        read = (
            partial(self.client.conversations_replies, ts=thread_ts)
            if thread_ts
            else self.client.conversations_history
        )
        with _slack_errors(f"cannot read the history of {channel}"):
            while True:
                page = read(
                    channel=channel_id,
                    oldest=oldest,
                    include_all_metadata=True,
                    limit=200,
                    **({"cursor": cursor} if cursor else {}),
                )
                for found in page.get("messages") or []:
                    metadata = found.get("metadata") or {}
                    if (metadata.get("event_payload") or {}).get("key") == key:
                        return Delivery(via=self.name, channel=channel_id, ts=found.get("ts"))
                cursor = (page.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    return None

    def _channel_id(self, channel: str) -> str:
        # History needs a channel id; a name is resolved from earlier posts or the channel list.
        if _CHANNEL_ID.match(channel):
            return channel
        if channel in self._channel_ids:
            return self._channel_ids[channel]
        name = channel.lstrip("#")
        cursor = None
        with _slack_errors(f"cannot find the id of {channel} (grant channels:read)"):
            while True:
                page = self.client.conversations_list(
                    types="public_channel,private_channel",
                    exclude_archived=True,
                    limit=1000,
                    **({"cursor": cursor} if cursor else {}),
                )
                for found in page.get("channels") or []:
                    if found.get("name") == name:
                        self._channel_ids[channel] = found["id"]
                        return str(found["id"])
                cursor = (page.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    raise DeliveryFailed(f"no channel named {channel}", permanent=False)

    def _pace(self, channel: str) -> None:
        with self._lock:
            wait = self._last_post.get(channel, 0.0) + self.min_interval - time.monotonic()
            self._last_post[channel] = time.monotonic() + max(wait, 0.0)
        if wait > 0:
            time.sleep(wait)


@contextmanager
def _slack_errors(what: str) -> Iterator[None]:
    """Turn slack-sdk's errors into DeliveryFailed, saying whether a retry can help."""
    try:
        yield
    except SlackApiError as exc:
        error = str(exc.response.get("error", "")) if exc.response is not None else ""
        status = exc.response.status_code if exc.response is not None else None
        raise DeliveryFailed(
            f"{what}: {error or 'HTTP ' + str(status)}",
            permanent=error in PERMANENT_SLACK_ERRORS,
            deployment=error in DEPLOYMENT_SLACK_ERRORS,
        ) from None
    except (OSError, ValueError) as exc:
        # URLError or socket errors after slack-sdk's own retries; no token in the text.
        raise DeliveryFailed(
            f"Slack unreachable: {type(exc).__name__}: {exc}",
            permanent=False,
            ambiguous=not _never_sent(exc),
        ) from None


def sender_from_env(env: Mapping[str, str] | None = None, *, min_interval: float = 1.0) -> Sender:
    """Slack when SLACK_BOT_TOKEN is set (SLACK_API_URL overrides the API base), else the console.

    VIGIA_SLACK_MIN_INTERVAL sets the seconds between two posts to one channel (default 1).
    """
    env = os.environ if env is None else env
    token = env.get("SLACK_BOT_TOKEN", "").strip()
    if not token:
        return ConsoleSender()
    interval = float(env.get("VIGIA_SLACK_MIN_INTERVAL") or min_interval)
    return SlackSender(token, env.get("SLACK_API_URL") or None, min_interval=interval)
