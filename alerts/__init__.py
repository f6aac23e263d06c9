"""Alerts: what a message says (content), how each channel renders and delivers it."""

from vigia.alerts.channels import (
    CHANNEL_KINDS,
    Channel,
    Channels,
    ConsoleChannel,
    Delivery,
    DeliveryFailed,
    EmailChannel,
    SlackChannel,
    SmtpSettings,
    channels_from_env,
)
from vigia.alerts.content import (
    AlertBody,
    DigestBody,
    Outgoing,
    Prerendered,
    StatusBody,
    stored_outgoing,
)

__all__ = [
    "CHANNEL_KINDS",
    "AlertBody",
    "Channel",
    "Channels",
    "ConsoleChannel",
    "Delivery",
    "DeliveryFailed",
    "DigestBody",
    "EmailChannel",
    "Outgoing",
    "Prerendered",
    "SlackChannel",
    "SmtpSettings",
    "StatusBody",
    "channels_from_env",
    "stored_outgoing",
]
