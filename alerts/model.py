"""What an alert needs to say: the outbox row joined with its match and item."""

from __future__ import annotations

from dataclasses import dataclass

from vigia.scrapers.base import Item


@dataclass(frozen=True)
class PendingAlert:
    """One outbox row waiting to go out, with the match and item it is about."""

    key: str
    demand_id: str
    channel: str
    attempts: int
    stance: str
    score: float
    evidence: str
    rule: str
    item: Item
    thread_key: str | None = None
    tier: str = "now"


@dataclass(frozen=True)
class Notice:
    """A message for operators about a source (not a demand), keyed so it is sent once."""

    key: str
    kind: str  # "health" or "recovery"
    source: str
    channel: str
    summary: str
