"""The channels that deliver the outbox, and which one takes each destination.

A destination names its kind of channel (``#vigia-arraigo`` is Slack, ``email:a@b.org`` is
email). A kind with no channel configured (no Slack token, no SMTP server) goes to the
console, so nothing queued is dropped for want of a setting.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from vigia.alerts.channels.base import Channel, ChannelKind, Delivery, DeliveryFailed
from vigia.alerts.channels.console import ConsoleChannel
from vigia.alerts.channels.email import EmailChannel, SmtpSettings
from vigia.alerts.channels.slack import SlackChannel
from vigia.core.errors import ConfigError
from vigia.core.model import destination_parts, stored_destination

# Every kind of channel a destination can name, by the prefix it is named with.
CHANNEL_KINDS: dict[str, ChannelKind] = {"slack": SlackChannel, "email": EmailChannel}


class Channels:
    """The channel for each kind of destination, with the console for the kinds left unset."""

    def __init__(self, configured: Mapping[str, Channel], fallback: Channel | None = None) -> None:
        self.configured = dict(configured)
        self.fallback = fallback or ConsoleChannel()

    @classmethod
    def only(cls, channel: Channel) -> Channels:
        """Every destination through one channel (a test's console, a forced Slack)."""
        return cls({}, fallback=channel)

    def for_destination(self, destination: str) -> Channel:
        """The channel that delivers to ``destination``."""
        return self.configured.get(destination_parts(destination)[0], self.fallback)

    @property
    def names(self) -> str:
        """The channels in use, e.g. 'slack+email' or 'console'."""
        return "+".join(self.configured) or self.fallback.name

    def close(self) -> None:
        """Let go of any open connection (an SMTP session)."""
        for channel in [*self.configured.values(), self.fallback]:
            close = getattr(channel, "close", None)
            if close is not None:
                close()


def channels_from_env(env: Mapping[str, str] | None = None) -> Channels:
    """Each kind of channel the environment configures (Slack with SLACK_BOT_TOKEN, email with
    VIGIA_SMTP_URL), and the console for the rest."""
    env = os.environ if env is None else env
    configured = {}
    for kind, channel_class in CHANNEL_KINDS.items():
        channel = channel_class.from_env(env)
        if channel is not None:
            configured[kind] = channel
    return Channels(configured)


def checked_destination(destination: str, where: str) -> str:
    """A destination whose kind exists and whose address has that kind's shape, in the
    outbox's form; ConfigError naming ``where`` otherwise."""
    kind, address = destination_parts(destination.strip())
    channel_class = CHANNEL_KINDS.get(kind)
    if channel_class is None or not channel_class.address_pattern.match(address):
        examples = ", ".join(f"'{c.address_example}'" for c in CHANNEL_KINDS.values())
        raise ConfigError(f"{where}: {destination!r} is not a destination; write {examples}")
    return stored_destination(destination.strip())


__all__ = [
    "CHANNEL_KINDS",
    "Channel",
    "ChannelKind",
    "Channels",
    "ConsoleChannel",
    "Delivery",
    "DeliveryFailed",
    "EmailChannel",
    "SlackChannel",
    "SmtpSettings",
    "channels_from_env",
    "checked_destination",
]
