"""The console: every message as plain text on a stream, the default when no channel is set.

A console keeps no history: a message a crash interrupted is printed again.
"""

from __future__ import annotations

import sys
from typing import TextIO

from vigia.alerts.channels.base import Delivery, WithoutHistory
from vigia.alerts.content import Outgoing
from vigia.alerts.plain import plain_text
from vigia.core.text import for_terminal


class ConsoleChannel(WithoutHistory):
    """Print messages to a stream (stdout by default)."""

    name = "console"

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout

    def send(self, message: Outgoing) -> Delivery:
        """Write the destination and the plain text, then a blank line, control characters
        escaped (a scraped title must not drive the operator's terminal)."""
        text = f"[{message.destination}] {plain_text(message)}"
        print(for_terminal(text) + "\n", file=self.stream, flush=True)
        return Delivery(via=self.name)
