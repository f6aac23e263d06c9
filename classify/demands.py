"""Load and validate demands.yaml into typed objects.

The file is the campaign: another campaign or country is another file, not
code. Every error names the demand and the field, and says how to fix it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from scrapers.errors import ConfigError

LANGS = ("es", "en")
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_CHANNEL = re.compile(r"^(#[a-z0-9][a-z0-9_-]{0,79}|[CG][A-Z0-9]{6,})$")

TOP_KEYS = {"version", "campaign", "default_channel", "stance_cues", "scope", "demands"}
DEMAND_REQUIRED = {"id", "title", "text", "terms"}
DEMAND_OPTIONAL = {"channel", "context", "exclude"}


@dataclass(frozen=True)
class Demand:
    """One demand of the campaign, with the words that find it in both languages."""

    id: str
    title: dict[str, str]
    text: str
    terms: dict[str, tuple[str, ...]]
    channel: str
    context: dict[str, tuple[str, ...]] = field(default_factory=dict)
    exclude: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Campaign:
    """The whole demands file: demands, stance cues, default channel and a content fingerprint."""

    name: str
    default_channel: str
    demands: tuple[Demand, ...]
    stance_cues: dict[str, dict[str, tuple[str, ...]]]
    fingerprint: str
    # Words that place an item in the campaign's country; news and other items need one.
    scope: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def demand(self, demand_id: str) -> Demand:
        """Return the demand with this id (KeyError if unknown)."""
        for demand in self.demands:
            if demand.id == demand_id:
                return demand
        raise KeyError(demand_id)


def load_demands(path: str | Path) -> Campaign:
    """Read, validate and return the campaign in ``path``; raise ConfigError on any problem."""
    path = Path(path)
    try:
        raw_text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the demands file ({exc.strerror})") from exc
    try:
        data = yaml.safe_load(raw_text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    return parse_campaign(data, str(path), raw_text)


def parse_campaign(data: Any, where: str = "demands.yaml", raw_text: str = "") -> Campaign:
    """Validate an already-parsed demands document."""
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: the top level must be a mapping with a 'demands' list")
    _no_unknown(data, TOP_KEYS, where)
    default_channel = _channel(
        data.get("default_channel", "#vigia-alerts"), f"{where}: default_channel"
    )
    raw_demands = data.get("demands")
    if not isinstance(raw_demands, list) or not raw_demands:
        raise ConfigError(f"{where}: 'demands' must be a non-empty list")
    demands: list[Demand] = []
    for position, raw in enumerate(raw_demands, start=1):
        demand = _demand(raw, f"{where}: demand #{position}", default_channel)
        if any(d.id == demand.id for d in demands):
            raise ConfigError(f"{where}: demand id '{demand.id}' appears twice; ids must be unique")
        demands.append(demand)
    cues = data.get("stance_cues") or {}
    if not isinstance(cues, dict):
        raise ConfigError(f"{where}: stance_cues must map advance/regress to term lists")
    _no_unknown(cues, {"advance", "regress"}, f"{where}: stance_cues")
    stance_cues = {
        s: _terms(cues.get(s, {}), f"{where}: stance_cues.{s}", required=False)
        for s in ("advance", "regress")
    }
    scope = _terms(data.get("scope", {}), f"{where}: scope", required=False)
    fingerprint = hashlib.sha256((raw_text or repr(data)).encode()).hexdigest()[:12]
    return Campaign(
        str(data.get("campaign", "")),
        default_channel,
        tuple(demands),
        stance_cues,
        fingerprint,
        scope,
    )


def _demand(raw: Any, where: str, default_channel: str) -> Demand:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: each demand must be a mapping")
    demand_id = raw.get("id")
    if not isinstance(demand_id, str) or not _ID.match(demand_id):
        raise ConfigError(
            f"{where}: field 'id' must be lower-case words joined by '-', got {demand_id!r}"
        )
    where = f"{where.split(':')[0]}: demand '{demand_id}'"
    missing = DEMAND_REQUIRED - raw.keys()
    if missing:
        raise ConfigError(f"{where}: missing field(s) {', '.join(sorted(missing))}")
    _no_unknown(raw, DEMAND_REQUIRED | DEMAND_OPTIONAL, where)
    title = raw["title"]
    if not isinstance(title, dict) or not all(
        isinstance(title.get(lang), str) and title[lang].strip() for lang in LANGS
    ):
        raise ConfigError(f"{where}: field 'title' needs non-empty 'es' and 'en' strings")
    if not isinstance(raw["text"], str) or not raw["text"].strip():
        raise ConfigError(f"{where}: field 'text' must hold the demand as the letter words it")
    return Demand(
        id=demand_id,
        title={lang: title[lang].strip() for lang in LANGS},
        text=" ".join(raw["text"].split()),
        terms=_terms(raw["terms"], f"{where}: field 'terms'", required=True),
        channel=_channel(raw.get("channel", default_channel), f"{where}: field 'channel'"),
        context=_terms(raw.get("context", {}), f"{where}: field 'context'", required=False),
        exclude=_terms(raw.get("exclude", {}), f"{where}: field 'exclude'", required=False),
    )


def _terms(raw: Any, where: str, *, required: bool) -> dict[str, tuple[str, ...]]:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} must map language codes (es, en) to lists of phrases")
    _no_unknown(raw, set(LANGS), where)
    terms: dict[str, tuple[str, ...]] = {}
    for lang in LANGS:
        values = raw.get(lang) or []
        if not isinstance(values, list) or not all(
            isinstance(v, str) and v.strip() for v in values
        ):
            raise ConfigError(f"{where}.{lang} must be a list of non-empty strings")
        terms[lang] = tuple(" ".join(v.split()) for v in values)
    if required and not any(terms.values()):
        raise ConfigError(f"{where} is empty; give at least one phrase in es or en")
    return terms


def _channel(value: Any, where: str) -> str:
    if not isinstance(value, str) or not _CHANNEL.match(value):
        raise ConfigError(
            f"{where} must be a Slack channel like '#vigia-arraigo' or an id like "
            f"'C0123ABCD', got {value!r}"
        )
    return value


def _no_unknown(raw: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = set(raw) - allowed
    if unknown:
        raise ConfigError(
            f"{where}: unknown field(s) {', '.join(sorted(map(str, unknown)))}; "
            f"allowed: {', '.join(sorted(allowed))}"
        )
