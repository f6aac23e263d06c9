"""Language of an item that did not declare one (Spanish or English), with lingua."""

from __future__ import annotations

from functools import lru_cache

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

_LANGUAGES = {Language.SPANISH: "es", Language.ENGLISH: "en"}
# Enough text to decide; detection cost grows with length and a decree's first pages suffice.
_SAMPLE = 2000


@lru_cache(maxsize=1)
def _detector() -> LanguageDetector:
    return LanguageDetectorBuilder.from_languages(*_LANGUAGES).build()


def detect_language(text: str) -> str | None:
    """'es' or 'en' for a text in one of them, None when there is too little to tell."""
    sample = text[:_SAMPLE]
    if sum(c.isalpha() for c in sample) < 12:
        return None
    found = _detector().detect_language_of(sample)
    return _LANGUAGES.get(found) if found is not None else None
