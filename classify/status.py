"""Where a demand stands: the rules that turn a classified match into a status move (pure).

The rules live in demands.yaml (`status:`) and nowhere else, so a campaign decides which stance
from which kind of source moves which status; the first rule that fits a match wins. A move
backed only by the press (`confirm: true`) waits for a person's confirmation or an
authoritative source.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from vigia.core.errors import ConfigError

DEFAULT_LEVELS = (
    "no_action",
    "proposed",
    "approved_by_chamber",
    "published",
    "in_force",
    "upheld",
    "regressed",
    "struck_down",
)
# Each label says what happened to the demand, never to the practice it targets: "upheld" or
# "struck down" beside "Abolish arraigo" would read as the court upholding or striking down
# arraigo, the opposite of what the status means.
STATUS_LABELS = {
    "no_action": ("Sin acción", "No action"),
    "proposed": ("Propuesta", "Proposed"),
    "approved_by_chamber": ("Aprobada por una cámara", "Approved by a chamber"),
    "published": ("Publicada en el DOF", "Published in the gazette"),
    "in_force": ("En vigor", "In force"),
    "upheld": ("Respaldada por un tribunal", "Backed by a court"),
    "regressed": ("Retroceso", "Regressed"),
    "struck_down": ("Anulada por un tribunal", "Undone by a court"),
}


@dataclass(frozen=True)
class StatusRule:
    """Which stance from which kind of source moves a demand to which status."""

    kind: str
    stance: str
    to: str
    when: tuple[str, ...] = ()
    confirm: bool = False

    def fits(self, kind: str, stance: str, evidence: str) -> bool:
        """Whether a match of this source kind, stance and evidence falls under the rule."""
        if kind != self.kind or stance != self.stance:
            return False
        text = evidence.lower()
        return not self.when or any(phrase in text for phrase in self.when)

    def describe(self) -> str:
        """The rule in one line, stored with each move it makes."""
        when = f" saying {' / '.join(self.when)}" if self.when else ""
        return f"{self.kind} {self.stance}{when} -> {self.to}" + (
            " (needs confirmation)" if self.confirm else ""
        )


@dataclass(frozen=True)
class StartStatus:
    """A demand's status before the pipeline saw anything (e.g. as of the 2014 letter)."""

    status: str = "no_action"
    since: date | None = None
    note: str = ""


@dataclass(frozen=True)
class StatusPolicy:
    """The status levels and the rules that move a demand between them."""

    levels: tuple[str, ...] = DEFAULT_LEVELS
    rules: tuple[StatusRule, ...] = ()

    def rule_for(self, kind: str, stance: str, evidence: str) -> StatusRule | None:
        """The first rule that fits a match, or None (a mention moves nothing by default)."""
        return next((r for r in self.rules if r.fits(kind, stance, evidence)), None)


def label(status: str, lang: str = "es") -> str:
    """A status in words, in Spanish or English (the id itself for a campaign's own level)."""
    names = STATUS_LABELS.get(status)
    return names[0 if lang == "es" else 1] if names else status.replace("_", " ")


def parse_policy(raw: Any, where: str) -> StatusPolicy:
    """The `status:` block of demands.yaml, validated; defaults when absent."""
    raw = {} if raw is None else raw
    if not isinstance(raw, dict) or set(raw) - {"levels", "rules"}:
        raise ConfigError(f"{where} must be a mapping with 'levels' and 'rules'")
    levels = raw.get("levels", list(DEFAULT_LEVELS))
    if not isinstance(levels, list) or not levels or not all(isinstance(x, str) for x in levels):
        raise ConfigError(f"{where}.levels must be a non-empty list of status names")
    # The rules live in the campaign's file only: without them a demand keeps its start.
    rules = raw.get("rules", [])
    if not isinstance(rules, list):
        raise ConfigError(f"{where}.rules must be a list of rules")
    return StatusPolicy(
        tuple(levels), tuple(_rule(r, f"{where}.rules[{n}]", levels) for n, r in enumerate(rules))
    )


def _rule(raw: Any, where: str, levels: Sequence[str]) -> StatusRule:
    allowed = {"kind", "stance", "to", "when", "confirm"}
    if not isinstance(raw, dict) or not {"kind", "stance", "to"} <= set(raw) <= allowed:
        raise ConfigError(f"{where} needs kind, stance and to (optional: when, confirm)")
    if raw["kind"] not in ("gazette", "court", "news", "other"):
        raise ConfigError(f"{where}.kind must be gazette, court, news or other")
    if raw["stance"] not in ("advance", "regress", "mention"):
        raise ConfigError(f"{where}.stance must be advance, regress or mention")
    if raw["to"] not in levels:
        raise ConfigError(f"{where}.to is {raw['to']!r}, which is not one of the status levels")
    when = raw.get("when", [])
    if not isinstance(when, list) or not all(isinstance(w, str) for w in when):
        raise ConfigError(f"{where}.when must be a list of phrases")
    return StatusRule(
        raw["kind"],
        raw["stance"],
        raw["to"],
        tuple(w.lower() for w in when),
        bool(raw.get("confirm", False)),
    )


def parse_start(raw: Any, where: str, levels: Sequence[str]) -> StartStatus:
    """A demand's `start:` field: its status and date before any match."""
    if raw is None:
        return StartStatus()
    if not isinstance(raw, dict) or set(raw) - {"status", "date", "note"}:
        raise ConfigError(f"{where} must be a mapping with status, date and note")
    status = raw.get("status", "no_action")
    if status not in levels:
        raise ConfigError(f"{where}.status is {status!r}, which is not one of the status levels")
    since = raw.get("date")
    if since is not None and not isinstance(since, date):
        try:
            since = date.fromisoformat(str(since))
        except ValueError as exc:
            raise ConfigError(f"{where}.date must be YYYY-MM-DD, got {since!r}") from exc
    return StartStatus(status, since, str(raw.get("note", "")))
