"""Rule-based classifier: which demands an item concerns, which way it moves them, and why.

Pure functions over an Item and a Campaign. Each match carries the evidence
sentence with its offsets and the rule that fired, so an alert can explain
itself and a researcher can audit it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from classify.demands import Campaign, Demand
from classify.text import fold, phrase_pattern, sentence_spans
from scrapers.base import Item

RULES_VERSION = "rules-2"  # bump when a code change can change a match
SCOPED_BY_SOURCE = ("gazette", "court")
TITLE = "title"
BODY = "text"


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
class _Hit:
    field: str
    start: int
    end: int
    term: str
    sentence: tuple[int, int]


class Classifier:
    """Compiled patterns for a campaign; build once, call ``classify`` per item."""

    def __init__(self, campaign: Campaign) -> None:
        self.campaign = campaign
        self.version = f"{RULES_VERSION}+{campaign.fingerprint}"

    @cached_property
    def _patterns(self) -> dict[str, tuple[re.Pattern[str] | None, ...]]:
        def compiled(groups: dict[str, tuple[str, ...]]) -> re.Pattern[str] | None:
            return phrase_pattern(p for phrases in groups.values() for p in phrases)

        return {
            d.id: (compiled(d.terms), compiled(d.context), compiled(d.exclude))
            for d in self.campaign.demands
        }

    @cached_property
    def _cues(self) -> dict[str, re.Pattern[str] | None]:
        # Cues keep their accents: folded, "publicó" would match "Ministerio Público".
        return {
            stance: phrase_pattern((p for ps in groups.values() for p in ps), fold_accents=False)
            for stance, groups in self.campaign.stance_cues.items()
        }

    @cached_property
    def _scope(self) -> re.Pattern[str] | None:
        return phrase_pattern(p for phrases in self.campaign.scope.values() for p in phrases)

    def classify(self, item: Item) -> list[Match]:
        """Return one Match per demand the item concerns (empty when it concerns none)."""
        fields = {TITLE: item.title, BODY: item.text}
        folded = {name: fold(value) for name, value in fields.items()}
        if not self._in_scope(item, folded):
            return []
        lowered = {name: value.lower() for name, value in fields.items()}
        spans = {name: sentence_spans(value) for name, value in fields.items()}
        matches = []
        for demand in self.campaign.demands:
            hits = self._hits(demand, folded, spans)
            if hits:
                matches.append(self._match(item, demand, hits, fields, lowered))
        return matches

    def _in_scope(self, item: Item, folded: dict[str, str]) -> bool:
        # The campaign's own state's gazette and courts are in scope by nature; press and other
        # texts must name the country or its institutions (same topics abroad are not ours).
        if self._scope is None or item.kind in SCOPED_BY_SOURCE:
            return True
        return any(self._scope.search(text) for text in folded.values())

    def _hits(
        self, demand: Demand, folded: dict[str, str], spans: dict[str, list[tuple[int, int]]]
    ) -> list[_Hit]:
        terms, context, exclude = self._patterns[demand.id]
        if terms is None:
            return []
        hits = []
        for name, text in folded.items():
            for found in terms.finditer(text):
                sentence = _containing(spans[name], found.start())
                window = text[sentence[0] : sentence[1]]
                if exclude is not None and exclude.search(window):
                    continue
                # Context may sit in the same sentence or in the title (a decree's title
                # often carries the legal frame that the body sentence leaves implicit).
                if context is not None and not (
                    context.search(window) or context.search(folded[TITLE])
                ):
                    continue
                hits.append(_Hit(name, found.start(), found.end(), found.group(0), sentence))
        return hits

    def _match(
        self,
        item: Item,
        demand: Demand,
        hits: list[_Hit],
        fields: dict[str, str],
        lowered: dict[str, str],
    ) -> Match:
        best = _best_sentence(hits, lambda h: self._has_cue(lowered[h.field][slice(*h.sentence)]))
        start, end = best.sentence
        evidence = fields[best.field][start:end].strip()
        stance, cue = self._stance(lowered[best.field][start:end], lowered[TITLE])
        terms = sorted({h.term for h in hits})
        in_title = any(h.field == TITLE for h in hits)
        score = min(
            1.0,
            0.5
            + 0.1 * (len(terms) - 1)
            + (0.2 if in_title else 0.0)
            + (0.1 if stance != "mention" else 0.0),
        )
        rule = f"terms {', '.join(repr(t) for t in terms[:5])}" + (" in title" if in_title else "")
        if cue:
            rule += f"; {stance} cue {cue!r}"
        return Match(
            item.id,
            demand.id,
            stance,
            round(score, 2),
            evidence,
            best.field,
            start,
            end,
            rule,
            self.version,
        )

    def _has_cue(self, sentence: str) -> bool:
        return any(p is not None and p.search(sentence) for p in self._cues.values())

    def _stance(self, sentence: str, title: str) -> tuple[str, str]:
        for text in (sentence, title):
            for stance in ("regress", "advance"):
                pattern = self._cues.get(stance)
                found = pattern.search(text) if pattern else None
                if found:
                    return stance, found.group(0)
        return "mention", ""


def _containing(spans: list[tuple[int, int]], offset: int) -> tuple[int, int]:
    for start, end in spans:
        if start <= offset < end:
            return start, end
    return offset, offset


def _best_sentence(hits: list[_Hit], has_cue: Callable[[_Hit], bool]) -> _Hit:
    # A body sentence before the title; among them one that says which way things moved
    # (a stance cue), then the one with most distinct terms, then the earliest.
    by_sentence: dict[tuple[str, tuple[int, int]], set[str]] = {}
    for hit in hits:
        by_sentence.setdefault((hit.field, hit.sentence), set()).add(hit.term)
    ranked = sorted(
        hits,
        key=lambda h: (
            h.field == BODY,
            has_cue(h),
            len(by_sentence[(h.field, h.sentence)]),
            -h.start,
        ),
        reverse=True,
    )
    return ranked[0]
