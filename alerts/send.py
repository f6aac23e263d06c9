"""Deliver rendered alerts: to Slack through slack-sdk, or to the console when no token is set."""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol, TextIO

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

from alerts.render import Message
from scrapers.errors import AlertError

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
# Errors that no retry can fix: the row is marked failed with the reason.
PERMANENT_SLACK_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "is_archived",
        "msg_too_long",
        "invalid_blocks",
        "no_permission",
        "missing_scope",
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
    """Slack refused or could not take a message; ``permanent`` says whether to retry later."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


class Sender(Protocol):
    """Anything that can deliver a rendered alert."""

    name: str

    def send(self, message: Message, console_text: str) -> Delivery:
        """Deliver one message or raise DeliveryFailed."""


class ConsoleSender:
    """Print alerts to a stream: the default when SLACK_BOT_TOKEN is not set."""

    name = "console"

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout

    def send(self, message: Message, console_text: str) -> Delivery:
        """Write the console rendering followed by a blank line."""
        print(console_text + "\n", file=self.stream, flush=True)
        return Delivery(via=self.name)


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
                ConnectionErrorRetryHandler(max_retry_count=2),
                RateLimitErrorRetryHandler(max_retry_count=3),
            ],
        )
        self.min_interval = min_interval  # Slack allows about one message per second per channel
        self._last_post: dict[str, float] = {}
        self._lock = threading.Lock()

    def send(self, message: Message, console_text: str) -> Delivery:
        """Post one message; the outbox key rides along as message metadata."""
        self._pace(message.channel)
        try:
            response = self.client.chat_postMessage(
                channel=message.channel,
                text=message.text,
                blocks=message.blocks,
                unfurl_links=False,
                unfurl_media=False,
                metadata={"event_type": "vigia_alert", "event_payload": {"key": message.key}},
            )
        except SlackApiError as exc:
            error = str(exc.response.get("error", "")) if exc.response is not None else ""
            status = exc.response.status_code if exc.response is not None else None
            permanent = error in PERMANENT_SLACK_ERRORS
            raise DeliveryFailed(
                f"Slack refused the message for {message.channel}: "
                f"{error or 'HTTP ' + str(status)}",
                permanent=permanent,
            ) from None
        except (OSError, ValueError) as exc:
            # URLError or socket errors after slack-sdk's own retries; no token in the text.
            raise DeliveryFailed(
                f"Slack unreachable: {type(exc).__name__}: {exc}", permanent=False
            ) from None
        return Delivery(via=self.name, channel=response.get("channel"), ts=response.get("ts"))

    def _pace(self, channel: str) -> None:
        with self._lock:
            wait = self._last_post.get(channel, 0.0) + self.min_interval - time.monotonic()
            self._last_post[channel] = time.monotonic() + max(wait, 0.0)
        if wait > 0:
            time.sleep(wait)


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
