"""The application's one clock: every use-case asks it the time, so a run agrees with itself."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)
