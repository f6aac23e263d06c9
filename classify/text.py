"""Accent- and case-insensitive matching that keeps offsets into the original text."""

from __future__ import annotations

import re
from collections.abc import Iterable

from scrapers.text import fold

# A sentence ends at . ! ? ; or a line break, followed by space and a likely sentence start.
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=[\"“¿¡(\[A-ZÁÉÍÓÚÑÜ0-9])|\n+")


def phrase_pattern(phrases: Iterable[str], *, fold_accents: bool = True) -> re.Pattern[str] | None:
    """One regex for many phrases: word-bounded, lower-case, optional plural ending.

    With ``fold_accents`` the phrases are accent-folded too, to search folded text.
    """
    normalise = fold if fold_accents else str.lower
    alternatives = sorted(
        {normalise(p).strip() for p in phrases if p.strip()}, key=len, reverse=True
    )
    if not alternatives:
        return None
    body = "|".join(r"\s+".join(re.escape(word) for word in p.split()) for p in alternatives)
    return re.compile(rf"(?<!\w)(?:{body})(?:e?s)?(?!\w)")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Start and end offsets of each sentence of ``text``."""
    spans = []
    start = 0
    for boundary in _SENTENCE_END.finditer(text):
        if boundary.start() > start:
            spans.append((start, boundary.start()))
        start = boundary.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans
