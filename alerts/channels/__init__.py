"""The channels that deliver the outbox, and which one takes each destination.

A destination names its kind of channel (``#vigia-arraigo`` is Slack, ``email:a@b.org`` is
email). A kind with no channel configured (no Slack token, no SMTP server) goes to the
console, so nothing queued is dropped for want of a setting.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from vigia.alerts.channels.base import Channel, Delivery, DeliveryFailed
from vigia.alerts.channels.console import ConsoleChannel
from vigia.alerts.channels.email import EmailChannel, SmtpSettings, email_from_env
from vigia.alerts.channels.slack import SlackChannel, slack_from_env
from vigia.core.model import destination_parts


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


def channels_from_env(
    env: Mapping[str, str] | None = None, *, smtp_password: str | None = None
) -> Channels:
    """Slack when SLACK_BOT_TOKEN is set, email when VIGIA_SMTP_URL is set, the console for the
    rest."""
    env = os.environ if env is None else env
    configured: dict[str, Channel] = {}
    slack = slack_from_env(env)
    if slack is not None:
        configured["slack"] = slack
    email = email_from_env(env, password=smtp_password)
    if email is not None:
        configured["email"] = email
    return Channels(configured)


__all__ = [
    "Channel",
    "Channels",
    "ConsoleChannel",
    "Delivery",
    "DeliveryFailed",
    "EmailChannel",
    "SlackChannel",
    "SmtpSettings",
    "channels_from_env",
]
