"""Render alerts (pure) and deliver them (Slack or console)."""

from vigia.alerts.render import (
    Message,
    console_notice,
    escape_mrkdwn,
    render_alert,
    render_console,
    render_notice,
)
from vigia.alerts.send import (
    ConsoleSender,
    Delivery,
    DeliveryFailed,
    Sender,
    SlackSender,
    sender_from_env,
)
from vigia.core.model import Notice, PendingAlert

__all__ = [
    "ConsoleSender",
    "Delivery",
    "DeliveryFailed",
    "Message",
    "Notice",
    "PendingAlert",
    "Sender",
    "SlackSender",
    "console_notice",
    "escape_mrkdwn",
    "render_alert",
    "render_console",
    "render_notice",
    "sender_from_env",
]
