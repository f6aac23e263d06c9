"""What every channel is: something that renders an outgoing message, delivers it, and can tell
whether a message it was sending before a crash got through."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from vigia.alerts.content import Outgoing
from vigia.core.errors import AlertError


@dataclass(frozen=True)
class Delivery:
    """Where a message landed: the channel that took it, the place inside that channel (a
    Slack channel id) and the channel's own reference to it (a Slack ts, an email
    Message-ID), which later messages of the same story answer."""

    via: str
    place: str | None = None
    ref: str | None = None


class DeliveryFailed(AlertError):
    """The channel refused or could not take a message.

    ``permanent``: no retry can help this message. ``ambiguous``: the request may have reached
    the channel (a timeout or a reset after sending), so it must be looked up before it is sent
    again. ``deployment``: the credentials or the app's grants are wrong, so no message can go
    until an operator fixes them; the message itself is fine.
    """

    def __init__(
        self, message: str, *, permanent: bool, ambiguous: bool = False, deployment: bool = False
    ) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.ambiguous = ambiguous
        self.deployment = deployment


class Channel(Protocol):
    """A way to reach people: renders each message its own way and delivers it."""

    name: str

    def reference(self, message: Outgoing) -> str | None:
        """The reference the message will carry, when it is known before sending (an email's
        Message-ID); it is recorded with the claim. None when the channel assigns it."""

    def send(self, message: Outgoing) -> Delivery:
        """Render and deliver one message, or raise DeliveryFailed."""

    def find_sent(
        self,
        key: str,
        address: str,
        since: datetime,
        place: str | None = None,
        thread_ref: str | None = None,
    ) -> Delivery | None:
        """The message carrying outbox ``key`` if it reached ``address`` after ``since`` (as
        an answer to ``thread_ref`` when given).

        None when it did not, or when the channel cannot tell; raises DeliveryFailed when the
        channel cannot be asked.
        """


class WithoutHistory:
    """The defaults of a channel that cannot be asked what it already took (the console, SMTP)
    and names a message only when it takes it: an interrupted message is sent again."""

    def reference(self, message: Outgoing) -> str | None:
        """No reference is known before sending."""
        return None

    def find_sent(
        self,
        key: str,
        address: str,
        since: datetime,
        place: str | None = None,
        thread_ref: str | None = None,
    ) -> Delivery | None:
        """Nothing can be looked up: the message goes again."""
        return None


class ChannelKind(Protocol):
    """A kind of channel as the registry knows it: how its addresses look, and how it is
    configured from the environment."""

    address_pattern: re.Pattern[str]
    address_example: str  # as a destination: 'email:team@example.org'

    def from_env(self, env: Mapping[str, str]) -> Channel | None:
        """The channel the environment configures, or None when it configures none."""
