"""Render alerts (pure) and deliver them (Slack or console)."""

from alerts.model import PendingAlert
from alerts.render import Message, escape_mrkdwn, render_alert, render_console
from alerts.send import (
    ConsoleSender,
    Delivery,
    DeliveryFailed,
    Sender,
    SlackSender,
    sender_from_env,
)

__all__ = [
    "ConsoleSender",
    "Delivery",
    "DeliveryFailed",
    "Message",
    "PendingAlert",
    "Sender",
    "SlackSender",
    "escape_mrkdwn",
    "render_alert",
    "render_console",
    "sender_from_env",
]
