"""The things every room passes around: items, matches, stories and outbox messages.

Plain frozen dataclasses with no behaviour beyond identity; nothing here imports our code.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

# Every Source.kind; alerts and reports label items by it.
KINDS = ("gazette", "court", "news", "page")
# How each kind is named to campaigners, (Spanish, English); "other" is the evaluation's name
# for any kind that is not a gazette, a court or the press.
KIND_NAMES = {
    "gazette": ("Diario Oficial (DOF)", "Official Gazette"),
    "court": ("Tribunal", "Court"),
    "news": ("Prensa", "Press"),
    "page": ("Página vigilada", "Watched page"),
    "other": ("Otra", "Other"),
}


def kind_name(kind: str, lang: str = "es") -> str:
    """The name of a kind of source in ``lang`` ('es', 'en' or 'both'); the kind if unknown."""
    es, en = KIND_NAMES.get(kind, (kind, kind))
    return {"es": es, "en": en}.get(lang, f"{es} / {en}")


def stable_id(source: str, external_id: str) -> str:
    """Return the id an item keeps across runs: SHA-1 of source and external id."""
    return hashlib.sha1(f"{source}:{external_id}".encode()).hexdigest()


# Hex digits of an alert's reference: 96 bits, short enough for any field Slack limits.
ALERT_REF_LENGTH = 24


def alert_ref(key: str) -> str:
    """A short stand-in for an alert's key where length is limited (a Slack option's value
    holds 150 characters; a key holds a demand id and a destination of any length)."""
    return hashlib.sha256(key.encode()).hexdigest()[:ALERT_REF_LENGTH]


def compact_meta(meta: dict[str, Any]) -> dict[str, Any]:
    """Item metadata without empty values, so stored JSON carries only what the source said."""
    return {key: value for key, value in meta.items() if value not in (None, "")}


@dataclass(frozen=True)
class Item:
    """One published thing: a gazette nota, a court ruling, a news story."""

    source: str
    kind: str
    external_id: str
    url: str
    title: str
    text: str
    published: date | None
    lang: str
    meta: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def id(self) -> str:
        """Stable id, the store's primary key."""
        return stable_id(self.source, self.external_id)

    @property
    def content_hash(self) -> str:
        """SHA-256 of what a reader sees; a change makes a new stored version."""
        payload = json.dumps([self.title, self.text], ensure_ascii=False)
        return hashlib.sha256(payload.encode()).hexdigest()


@dataclass(frozen=True)
class Match:
    """An item found relevant to a demand, with stance, score and evidence."""

    item_id: str
    demand_id: str
    stance: str
    score: float
    evidence: str
    evidence_field: str
    evidence_start: int
    evidence_end: int
    rule: str
    classifier_version: str


@dataclass(frozen=True)
class Story:
    """What event matching needs from a stored item."""

    item_id: str
    event_id: str
    url: str
    title: str


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


# Where an outbox row goes. A bare Slack channel ("#vigia-arraigo", "C0123ABCD") is how rows
# were stored before there was a second channel, so Slack keeps that form; every other kind
# of channel is written "<kind>:<address>" ("email:team@example.org").
SLACK = "slack"


def destination_parts(destination: str) -> tuple[str, str]:
    """(channel kind, address) of an outbox destination: 'email:a@b.org' → ('email', 'a@b.org');
    '#x' and 'slack:#x' → ('slack', '#x')."""
    kind, sep, address = destination.partition(":")
    if sep and kind.isalpha() and not destination.startswith("#"):
        return kind.lower(), address
    return SLACK, destination


def stored_destination(destination: str) -> str:
    """The form a destination is stored in: Slack's bare, every other kind prefixed."""
    kind, address = destination_parts(destination)
    return address if kind == SLACK else f"{kind}:{address}"
