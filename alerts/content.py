"""What a message says, before any channel shapes it: the outgoing message and its parts.

The outbox keeps content (a match, a notice, a status change, a digest), never a channel's
markup; the dispatcher turns each due row into an ``Outgoing`` and the channel that owns its
destination renders and delivers it. The labels and the cutting rules every channel shares
live here too, so Slack, the console and email say the same thing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from vigia.classify.demands import Demand
from vigia.core.model import Notice, PendingAlert, destination_parts, kind_name

STANCE_LABELS = {
    "advance": ("▲", "Avance", "Advance"),
    "regress": ("▼", "Retroceso", "Regress"),
    "mention": ("●", "Mención", "Mention"),
}
NOTICE_LABELS = {
    "health": ("⚠", "Fuente con problemas", "Source problem"),
    "recovery": ("✓", "Fuente restablecida", "Source recovered"),
}
QUOTE_LIMIT = 700
TITLE_LIMIT = 300
DIGEST_LINES_PER_DEMAND = 15
CONFIRM_SHOWN = 5  # the first moves waiting; the rest: `vigia status`
_SENTENCE_END = re.compile(r"[.!?;](?=\s)")


@dataclass(frozen=True)
class AlertBody:
    """A match alert: the match with its item, and the demand it moves."""

    alert: PendingAlert
    demand: Demand


@dataclass(frozen=True)
class StatusBody:
    """A demand whose status changed; ``before`` and ``after`` carry status, since,
    source_kind and the evidence's title, url and quote."""

    demand: Demand
    before: Any
    after: Any


@dataclass(frozen=True)
class DigestBody:
    """One destination's daily digest: its alerts, the moves waiting for a person, coverage."""

    day: str
    alerts: list[PendingAlert]
    demands: Mapping[str, Demand]
    coverage: list[dict[str, Any]] = field(default_factory=list)
    pending: list[Any] = field(default_factory=list)

    def by_demand(self) -> list[tuple[Demand, list[list[PendingAlert]]]]:
        """The alerts grouped by demand (in title order), then by story."""
        grouped: dict[str, dict[str, list[PendingAlert]]] = {}
        for alert in self.alerts:
            stories = grouped.setdefault(alert.demand_id, {})
            stories.setdefault(alert.thread_key or alert.key, []).append(alert)
        order = sorted(grouped, key=lambda d: self.demands[d].title["es"])
        return [(self.demands[d], list(grouped[d].values())) for d in order]


@dataclass(frozen=True)
class Prerendered:
    """A row an earlier version queued already rendered for Slack (text and blocks)."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)


Body = AlertBody | Notice | StatusBody | DigestBody | Prerendered


@dataclass(frozen=True)
class Outgoing:
    """One outbox row on its way: its key, where it goes, what it says, and the channel's
    reference of the story's first message when it continues one (a Slack ts, a Message-ID)."""

    key: str
    destination: str
    body: Body
    thread_ref: str | None = None

    @property
    def address(self) -> str:
        """The destination without its kind: '#vigia-arraigo', 'team@example.org'."""
        return destination_parts(self.destination)[1]


def stored_outgoing(
    key: str,
    destination: str,
    payload: dict[str, Any],
    demands: Mapping[str, Demand],
    members: list[PendingAlert],
) -> Outgoing:
    """An outbox row kept as content (a status change or a digest) made ready to render."""
    content = payload.get("content")
    body: Body
    if content == "status":
        before, after = (SimpleNamespace(**payload[side]) for side in ("before", "after"))
        body = StatusBody(demands[payload["demand_id"]], before, after)
    elif content == "digest":
        pending = [SimpleNamespace(**move) for move in payload.get("pending", [])]
        body = DigestBody(payload["day"], members, demands, payload.get("coverage", []), pending)
    else:
        body = Prerendered(str(payload.get("text", "")), list(payload.get("blocks", [])))
    return Outgoing(key, destination, body)


def cut(text: str, limit: int) -> str:
    """Shorten text to ``limit`` characters, at a sentence end when one is near, with '…'."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    ends = [m.end() for m in _SENTENCE_END.finditer(head)]
    if ends and ends[-1] > limit // 2:
        return head[: ends[-1]] + " …"
    kept, space, _ = head.rpartition(" ")
    # A text with no space to cut at (a URL as a title) is cut inside its word.
    return (kept if space else head[: limit - 2]) + " …"


def stance_label(stance: str) -> tuple[str, str, str]:
    """(marker, Spanish, English) of a stance; an unknown stance reads as a mention."""
    return STANCE_LABELS.get(stance, STANCE_LABELS["mention"])


def source_label(kind: str) -> str:
    """How a kind of source is named to campaigners (in Spanish: the alert's first language)."""
    return kind_name(kind) if kind else ""


def item_context(meta: Mapping[str, Any]) -> list[str]:
    """The details of an item worth showing: edition, section, issuer, court, case, outlet."""
    # A source puts a display name beside a code ("edition_name": "Matutina"); show that.
    keys = (
        ("edition_name", "edición"),
        ("section", "sección"),
        ("issuer", ""),
        ("court", ""),
        ("case", ""),
        ("outlet", ""),
    )
    bits = []
    for key, label in keys:
        value = meta.get(key) or (meta.get("edition") if key == "edition_name" else None)
        if value:
            bits.append(f"{label} {value}".strip())
    return bits


@dataclass(frozen=True)
class StoryLine:
    """One story of a digest: its first item's stance marker, title, link, source and date,
    and how many other items (outlets) told it, naming the first three."""

    marker: str
    title: str
    url: str
    source: str
    date: str
    others: int
    other_names: list[str]


def story_line(story: list[PendingAlert], title_limit: int = 150) -> StoryLine:
    """What a digest shows of a story (its alerts, the first one leading)."""
    first = story[0]
    item = first.item
    return StoryLine(
        marker=stance_label(first.stance)[0],
        title=cut(item.title or item.url, title_limit),
        url=item.url,
        source=source_label(item.kind),
        date=item.published.isoformat() if item.published else "s/f",
        others=len(story) - 1,
        other_names=[a.item.meta.get("outlet") or a.item.source for a in story[1:4]],
    )


def confirm_command(move: Any) -> str:
    """The command that confirms a status move waiting for a person (where no button can)."""
    return f"vigia status confirm {move.demand_id} --item {str(move.item_id)[:12]}"


def failing_sources(coverage: list[dict[str, Any]]) -> list[str]:
    """The sources of a digest's coverage that are failing."""
    return [str(c["source"]) for c in coverage if c.get("consecutive_failures")]
