"""Slack through slack-sdk: Block Kit rendering at send time, the outbox key as message metadata,
and a history look-up that settles a post a crash left unrecorded."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from functools import partial
from typing import Any
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

from vigia.alerts.channels.base import Delivery, DeliveryFailed
from vigia.alerts.channels.slack_blocks import render_blocks
from vigia.alerts.content import Outgoing
from vigia.classify.demands import SLACK_CHANNEL

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


class SlackChannel:
    """Post messages with slack-sdk's WebClient, retrying rate limits and dropped connections."""

    name = "slack"
    address_pattern = SLACK_CHANNEL
    address_example = "slack:#vigia-arraigo"

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

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> SlackChannel | None:
        """Slack when SLACK_BOT_TOKEN is set (SLACK_API_URL overrides the API base), else None.

        VIGIA_SLACK_MIN_INTERVAL sets the seconds between two posts to one channel (default 1).
        """
        token = env.get("SLACK_BOT_TOKEN", "").strip()
        if not token:
            return None
        interval = float(env.get("VIGIA_SLACK_MIN_INTERVAL") or 1.0)
        return cls(token, env.get("SLACK_API_URL") or None, min_interval=interval)

    def reference(self, message: Outgoing) -> str | None:
        """Slack names a message (its ts) only when it takes it."""
        return None

    def send(self, message: Outgoing) -> Delivery:
        """Render and post one message; the outbox key rides along as message metadata."""
        channel = message.address
        rendered = render_blocks(message)
        self._pace(channel)
        extra: dict[str, Any] = {"thread_ts": message.thread_ref} if message.thread_ref else {}
        with _slack_errors(f"Slack refused the message for {channel}"):
            response = self.client.chat_postMessage(
                channel=channel,
                text=rendered.text,
                blocks=rendered.blocks,
                unfurl_links=False,
                unfurl_media=False,
                metadata={"event_type": METADATA_EVENT, "event_payload": {"key": message.key}},
                **extra,
            )
        channel_id = response.get("channel")
        if channel_id:
            self._channel_ids[channel] = channel_id
        return Delivery(via=self.name, place=channel_id, ref=response.get("ts"))

    def find_sent(
        self,
        key: str,
        address: str,
        since: datetime,
        place: str | None = None,
        thread_ref: str | None = None,
    ) -> Delivery | None:
        """Look ``key`` up in the message metadata of the channel's history since ``since``.

        A reply is not in the channel's history: with ``thread_ref`` (the story's first ts)
        the thread is read (conversations.replies) instead.
        """
        channel, thread_ts = address, thread_ref
        channel_id = place or self._channel_id(channel)
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
                        return Delivery(via=self.name, place=channel_id, ref=found.get("ts"))
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
