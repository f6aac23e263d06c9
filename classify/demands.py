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

from vigia.classify.status import StartStatus, StatusPolicy, parse_policy, parse_start
from vigia.core.errors import ConfigError
from vigia.core.model import destination_parts, stored_destination
from vigia.core.text import fold
from vigia.core.yamlfile import load_yaml_text, read_config_text

LANGS = ("es", "en")
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLACK_CHANNEL = re.compile(r"^(#[a-z0-9][a-z0-9_-]{0,79}|[CG][A-Z0-9]{6,})$")

# What a campaign may take from another campaign's file (`lexicons_from`): the language and
# the policy, never the demands.
SHARED_KEYS = (
    "stance_cues",
    "reading",
    "official_acts",
    "authority",
    "urgent",
    "status",
    "scope",
    "abroad",
)
TOP_KEYS = {"version", "campaign", "default_channel", "demands", "lexicons_from", *SHARED_KEYS}
DEMAND_REQUIRED = {"id", "title", "text", "terms"}
DEMAND_OPTIONAL = {
    "channel",
    "destinations",
    "key_terms",
    "context",
    "context_from_title",
    "statement",
    "exclude",
    "stance",
    "yields_to",
    "keeper_terms",
    "shared_terms",
    "start",
    "wants",
    "ends",
}
# The frame of an act, for every demand (which way it moves a demand is read from acts: see
# READING_KEYS). proposal: only proposed, asked for or debated (caps an advance at mention);
# decided: a vote or enactment that lifts that cap;
# negation: words that turn an advance into its failure ("no ha publicado"); background: words
# that make an act the backdrop of the story, not its news ("desde que se creó"); contrast:
# words that open a sentence turning on what came before ("Sin embargo, …"), which is the news;
# setback: what happened called a move back ("un retroceso").
CUE_KINDS = ("proposal", "decided", "negation", "background", "contrast", "setback")
DEMAND_CUE_KINDS = ("advance", "regress")
# How a sentence is read for stance (see classify/reading.py): acts of six kinds, who acts
# (a state body or an external one) or speaks for the state, verbs that only report another's
# act, things every demand wants created or funded, money, abuses and accounts of things
# (neither is a step), the marks of a dissenting vote, words that say a count fell or rose or
# an amount stayed flat, words that put a duty off, and one member of a chamber named alone
# (their own act is a proposal).
ACT_KINDS = ("create", "end", "keep", "deny", "prosecute", "clear")
READING_KEYS = {
    "acts",
    "actors",
    "reporting",
    "instruments",
    "money",
    "abuses",
    "accounts",
    "dissent",
    "falls",
    "rises",
    "members",
    "places",
    "flat",
    "delays",
}
# voice: people who speak for the state by name (a president): what they deny, the state
# denies, but they are not taken as the doer of other acts ("…, garantiza López Obrador").
ACTOR_KINDS = ("state", "external", "voice")
SOURCE_KINDS = ("gazette", "court", "news", "other")
DEFAULT_AUTHORITY = {"gazette": 1.0, "court": 0.9, "news": 0.6, "other": 0.5}
STANCES = ("advance", "regress", "mention")
DEFAULT_URGENT = {"kinds": ("gazette", "court"), "stances": ("advance", "regress")}


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
    # Unambiguous names (a law, a registry, an institution): they count without context.
    key_terms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Cues that move this demand in particular ("eliminar el arraigo", "sin fondos").
    stance: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    # Demands that take an item this one reaches only through its broad terms.
    yields_to: tuple[str, ...] = ()
    # Key terms naming an institution that also keeps what a demand of ``yields_to`` tracks
    # (the search commission keeps the registry): in the body beside that demand's own key
    # terms they name its keeper and yield; in the title, the story is the institution's.
    keeper_terms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Per demand of ``yields_to``, terms this one keeps beside it: the subject both track
    # ("desaparición forzada" in a story of soldiers tried for it is the law's news too).
    shared_terms: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    # Whether a context word in the title lets the body's terms count (else: same sentence).
    context_from_title: bool = True
    # The demand asks for a statement: a prosecution pledged, officials cleared and its own cue
    # phrases are the step even when worded as a promise ("vowed … would be prosecuted"); an
    # external body's pledge is still only a mention.
    statement: bool = False
    # The demand's status before any match (e.g. as of the campaign's letter).
    start: StartStatus = field(default_factory=StartStatus)
    # What the demand wants created, funded, strengthened or obeyed, and what it wants ended:
    # the objects that give an act its direction ("elimina el fondo" vs "elimina el arraigo").
    wants: dict[str, tuple[str, ...]] = field(default_factory=dict)
    ends: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Where its alerts go when the file says ("slack:#x", "email:a@b.org"), in the outbox's
    # form; empty: the demand's channel (and the deployment's default email).
    destinations: tuple[str, ...] = ()


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
    # Document types whose publication in the gazette is itself a step ("DECRETO", "ACUERDO").
    official_acts: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # How much an act of each source kind weighs in a match's score.
    authority: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_AUTHORITY))
    # Alerts sent at once (these kinds of source with these stances); the rest wait for the
    # daily digest.
    urgent: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_URGENT))
    # Status levels and the rules by which matches move them.
    status: StatusPolicy = field(default_factory=lambda: parse_policy(None, "status"))
    # The generic lexicons stance is read with: acts by kind, actors by kind, reporting verbs,
    # instruments, money, dissent (each es/en phrase lists).
    reading: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    # Other countries: a gazette or court text whose title names one, and that names nothing
    # of ``scope``, is another state's.
    abroad: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def is_urgent(self, kind: str, stance: str) -> bool:
        """Whether an alert of this source kind and stance goes out at once."""
        return kind in self.urgent["kinds"] and stance in self.urgent["stances"]

    def demand(self, demand_id: str) -> Demand:
        """Return the demand with this id (KeyError if unknown)."""
        for demand in self.demands:
            if demand.id == demand_id:
                return demand
        raise KeyError(demand_id)


def load_demands(path: str | Path) -> Campaign:
    """Read, validate and return the campaign in ``path``; raise ConfigError on any problem."""
    path = Path(path)
    text = read_config_text(path, "demands file")
    data = load_yaml_text(text, str(path), "demands file")
    if isinstance(data, dict) and "lexicons_from" in data:
        data, text = _with_lexicons(data, path, text)
    return parse_campaign(data, str(path), text)


def _with_lexicons(data: dict[str, Any], path: Path, text: str) -> tuple[dict[str, Any], str]:
    """The campaign with the shared keys it does not write taken from the file it names; the
    text of both, so that an edit to either reclassifies."""
    source = data.pop("lexicons_from")
    if not isinstance(source, str) or not source.strip():
        raise ConfigError(f"{path}: lexicons_from must name a demands file")
    base_path = path.parent / source
    base_text = read_config_text(base_path, "demands file")
    base = load_yaml_text(base_text, str(base_path), "demands file")
    if not isinstance(base, dict) or "lexicons_from" in base:
        raise ConfigError(
            f"{path}: lexicons_from names {base_path}, which must be a demands file "
            "with lexicons of its own"
        )
    merged = {**{k: base[k] for k in SHARED_KEYS if k in base}, **data}
    return merged, text + "\n" + base_text


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
    status = parse_policy(data.get("status"), f"{where}: status")
    demands: list[Demand] = []
    for position, raw in enumerate(raw_demands, start=1):
        demand = _demand(raw, f"{where}: demand #{position}", default_channel, status.levels)
        if any(d.id == demand.id for d in demands):
            raise ConfigError(f"{where}: demand id '{demand.id}' appears twice; ids must be unique")
        demands.append(demand)
    _check_yields(demands, where)
    fingerprint = hashlib.sha256((raw_text or repr(data)).encode()).hexdigest()[:12]
    return Campaign(
        str(data.get("campaign", "")),
        default_channel,
        tuple(demands),
        _cues(data.get("stance_cues"), CUE_KINDS, f"{where}: stance_cues"),
        fingerprint,
        _terms(data.get("scope", {}), f"{where}: scope", required=False),
        _terms(data.get("official_acts", {}), f"{where}: official_acts", required=False),
        _authority(data.get("authority"), f"{where}: authority"),
        _urgent(data.get("urgent"), f"{where}: urgent"),
        status,
        _reading(data.get("reading"), f"{where}: reading"),
        _terms(data.get("abroad", {}), f"{where}: abroad", required=False),
    )


def _reading(raw: Any, where: str) -> dict[str, dict[str, tuple[str, ...]]]:
    raw = raw or {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} must map {', '.join(sorted(READING_KEYS))} to phrase lists")
    _no_unknown(raw, READING_KEYS, where)
    reading = {}
    for name in sorted(READING_KEYS - {"acts", "actors"}):
        reading[name] = _terms(raw.get(name, {}), f"{where}.{name}", required=False)
    for name, kinds in (("acts", ACT_KINDS), ("actors", ACTOR_KINDS)):
        groups = raw.get(name) or {}
        if not isinstance(groups, dict):
            raise ConfigError(f"{where}.{name} must map {'/'.join(kinds)} to es/en phrase lists")
        _no_unknown(groups, set(kinds), f"{where}.{name}")
        for kind in kinds:
            reading[f"{name}.{kind}"] = _terms(
                groups.get(kind, {}), f"{where}.{name}.{kind}", required=False
            )
    return reading


def _urgent(raw: Any, where: str) -> dict[str, tuple[str, ...]]:
    if raw is None:
        return dict(DEFAULT_URGENT)
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} must map kinds and stances to lists")
    _no_unknown(raw, {"kinds", "stances"}, where)
    urgent: dict[str, tuple[str, ...]] = dict(DEFAULT_URGENT)
    for name, allowed in (("kinds", SOURCE_KINDS), ("stances", STANCES)):
        values = raw.get(name, list(urgent[name]))
        if not isinstance(values, list) or not set(values) <= set(allowed):
            raise ConfigError(f"{where}.{name} must be a list drawn from {', '.join(allowed)}")
        urgent[name] = tuple(values)
    return urgent


def _cues(raw: Any, kinds: tuple[str, ...], where: str) -> dict[str, dict[str, tuple[str, ...]]]:
    raw = raw or {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} must map {'/'.join(kinds)} to es/en phrase lists")
    _no_unknown(raw, set(kinds), where)
    return {kind: _terms(raw.get(kind, {}), f"{where}.{kind}", required=False) for kind in kinds}


def _authority(raw: Any, where: str) -> dict[str, float]:
    if raw is None:
        return dict(DEFAULT_AUTHORITY)
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} must map source kinds ({', '.join(SOURCE_KINDS)}) to weights")
    _no_unknown(raw, set(SOURCE_KINDS), where)
    weights = dict(DEFAULT_AUTHORITY)
    for kind, weight in raw.items():
        if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0 < weight <= 1:
            raise ConfigError(f"{where}.{kind} must be a number in (0, 1], got {weight!r}")
        weights[kind] = float(weight)
    return weights


def _check_yields(demands: list[Demand], where: str) -> None:
    ids = {d.id for d in demands}
    for demand in demands:
        for other in demand.yields_to:
            if other not in ids or other == demand.id:
                raise ConfigError(
                    f"{where}: demand '{demand.id}': field 'yields_to' names '{other}', "
                    "which is not another demand of this file"
                )


def _demand(raw: Any, where: str, default_channel: str, levels: tuple[str, ...]) -> Demand:
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
    demand = Demand(
        id=demand_id,
        title={lang: title[lang].strip() for lang in LANGS},
        text=" ".join(raw["text"].split()),
        terms=_terms(raw["terms"], f"{where}: field 'terms'", required=False),
        channel=_channel(raw.get("channel", default_channel), f"{where}: field 'channel'"),
        context=_terms(raw.get("context", {}), f"{where}: field 'context'", required=False),
        exclude=_terms(raw.get("exclude", {}), f"{where}: field 'exclude'", required=False),
        key_terms=_terms(raw.get("key_terms", {}), f"{where}: field 'key_terms'", required=False),
        stance=_cues(raw.get("stance"), DEMAND_CUE_KINDS, f"{where}: field 'stance'"),
        yields_to=_yields(raw.get("yields_to", []), f"{where}: field 'yields_to'"),
        keeper_terms=_terms(
            raw.get("keeper_terms", {}), f"{where}: field 'keeper_terms'", required=False
        ),
        shared_terms=_shared(raw.get("shared_terms", {}), f"{where}: field 'shared_terms'"),
        start=parse_start(raw.get("start"), f"{where}: field 'start'", levels),
        context_from_title=_flag(
            raw.get("context_from_title", True), f"{where}: field 'context_from_title'"
        ),
        statement=_flag(raw.get("statement", False), f"{where}: field 'statement'"),
        wants=_terms(raw.get("wants", {}), f"{where}: field 'wants'", required=False),
        ends=_terms(raw.get("ends", {}), f"{where}: field 'ends'", required=False),
        destinations=_destinations(raw.get("destinations", []), f"{where}: field 'destinations'"),
    )
    if not any(demand.terms.values()) and not any(demand.key_terms.values()):
        raise ConfigError(f"{where}: fields 'terms' and 'key_terms' are empty; give a phrase")
    _check_keepers(demand, where)
    strays = [other for other in demand.shared_terms if other not in demand.yields_to]
    if strays:
        raise ConfigError(
            f"{where}: field 'shared_terms' names {', '.join(map(repr, strays))}, "
            "which field 'yields_to' does not"
        )
    return demand


def _check_keepers(demand: Demand, where: str) -> None:
    # A keeper term is a key term that can yield: outside 'key_terms' it would never be found,
    # and without 'yields_to' there is nothing to yield to.
    if any(demand.keeper_terms.values()) and not demand.yields_to:
        raise ConfigError(f"{where}: field 'keeper_terms' needs 'yields_to' (whose keeper?)")
    for lang, phrases in demand.keeper_terms.items():
        keys = {fold(p) for p in demand.key_terms.get(lang, ())}
        strays = [p for p in phrases if fold(p) not in keys]
        if strays:
            raise ConfigError(
                f"{where}: field 'keeper_terms'.{lang} lists {', '.join(map(repr, strays))}, "
                f"which field 'key_terms'.{lang} does not"
            )


def _flag(raw: Any, where: str) -> bool:
    if not isinstance(raw, bool):
        raise ConfigError(f"{where} must be true or false, got {raw!r}")
    return raw


def _yields(raw: Any, where: str) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
        raise ConfigError(f"{where} must be a list of demand ids")
    return tuple(raw)


def _shared(raw: Any, where: str) -> dict[str, dict[str, tuple[str, ...]]]:
    if not isinstance(raw, dict) or not all(isinstance(k, str) for k in raw):
        raise ConfigError(f"{where} must map demand ids to terms by language")
    return {other: _terms(terms, f"{where}.{other}", required=True) for other, terms in raw.items()}


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
        phrases = [" ".join(v.split()) for v in values]
        if lang == "es":
            phrases += [_contracted(p) for p in phrases]  # unchanged ones are dropped below
        terms[lang] = tuple(dict.fromkeys(phrases))
    if required and not any(terms.values()):
        raise ConfigError(f"{where} is empty; give at least one phrase in es or en")
    return terms


# Spanish joins "a"/"de" with a following "el": "llama a" is also "llama al (Gobierno)".
_CONTRACTIONS = {"a": "al", "de": "del"}


def _contracted(phrase: str) -> str:
    *head, last = phrase.split(" ")
    return " ".join([*head, _CONTRACTIONS[last]]) if head and last in _CONTRACTIONS else phrase


def _channel(value: Any, where: str) -> str:
    if not isinstance(value, str) or not SLACK_CHANNEL.match(value):
        raise ConfigError(
            f"{where} must be a Slack channel like '#vigia-arraigo' or an id like "
            f"'C0123ABCD', got {value!r}"
        )
    return value


def _destinations(raw: Any, where: str) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
        raise ConfigError(f"{where} must be a list like ['slack:#vigia-x', 'email:a@b.org']")
    # Only the form is checked here; which kinds exist, and their addresses, the channels know
    # (checked when the deployment's routes are built).
    found = []
    for value in raw:
        if not destination_parts(value.strip())[1]:
            raise ConfigError(f"{where}: {value!r} names no address ('kind:address')")
        found.append(stored_destination(value.strip()))
    return tuple(dict.fromkeys(found))


def _no_unknown(raw: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = set(raw) - allowed
    if unknown:
        raise ConfigError(
            f"{where}: unknown field(s) {', '.join(sorted(map(str, unknown)))}; "
            f"allowed: {', '.join(sorted(allowed))}"
        )
