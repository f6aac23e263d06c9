"""Accent- and case-insensitive phrase matching with Snowball stems, keeping offsets into the text.

Texts are searched in their folded form (lower case, accents stripped one character for one),
so every offset found is also an offset into the original text.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Generic, TypeVar, cast

import snowballstemmer

from vigia.core.text import fold

# A sentence ends at . ! ? ; or a line break, followed by space and a likely sentence start.
# The mark is matched, not looked behind for: a pattern that opens with one character class lets
# the engine skip ahead to the next mark, where a lookbehind is tried at every character (two
# alternatives that open with different classes also make it try every character).
_SENTENCE_END = re.compile(r"[.!?;\n](?:(?<=\n)\n*|(?<=[.!?;])\s+(?=[\"“¿¡(\[A-ZÁÉÍÓÚÑÜ0-9]))")
_WORD = re.compile(r"\w+")
# Stems shorter than this are too ambiguous to extend ("mes", "ley"); such words match as
# written, with an optional plural ending.
_MIN_STEM = 4
# How many letters an inflection may add to a stem ("recomend" -> "recomendaciones").
_MAX_ENDING = 9
# How many surface forms a lexicon remembers the phrase of (a hostile text may hold millions).
_RESOLVED_LIMIT = 100_000
STEMMER_LANGUAGES = {"es": "spanish", "en": "english"}


@cache
def _stemmer(lang: str) -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer(STEMMER_LANGUAGES[lang])


@lru_cache(maxsize=200_000)
def stem(word: str, lang: str) -> str:
    """The Snowball stem of a folded word in ``lang`` (es or en)."""
    return _stemmer(lang).stemWord(word)


def _word_atoms(word: str, lang: str) -> list[str]:
    root = stem(word, lang)
    if len(root) < _MIN_STEM or not word.startswith(root):
        # Too short to extend: the word, singular or plural ("fosa", "fosas"; "ley", "leyes").
        return [*map(re.escape, _singular(word)), "(?:e?s)?"]
    # A listed word longer than its stem plus the usual ending still matches itself
    # ("responsabilidades" stems to "respons").
    ending = max(_MAX_ENDING, len(word) - len(root))
    return [*map(re.escape, root), rf"\w{{0,{ending}}}"]


def trie_pattern(alternatives: Iterable[list[str]]) -> str:
    """One regex for many alternatives given as lists of atoms, their common prefixes shared.

    Python's regex engine tries every branch of an alternation at every position; a trie makes
    it try each first letter once, which is what keeps a lexicon of hundreds of phrases fast.
    A longer alternative is preferred to its own prefix, as with longest-first alternation.
    """
    trie: dict[str, dict] = {}
    for atoms in alternatives:
        node = trie
        for atom in atoms:
            node = node.setdefault(atom, {})
        node[""] = {}
    return _render(trie)


def _render(node: dict[str, dict]) -> str:
    # Literal letters before patterns, so a phrase's next letter is tried before "any ending".
    atoms = sorted((a for a in node if a), key=lambda a: (len(a) > 2 and a[0] in "\\(", a))
    branches = [atom + _render(node[atom]) for atom in atoms]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if "" in node:
        return f"(?:{body})?" if len(branches) == 1 else body + "?"
    return body


def _word_bounded(body: str) -> re.Pattern[str] | None:
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)") if body else None


class _WordScan:
    """A word-bounded alternation, looked for from the gap before each word.

    A pattern that opens with a look-behind is entered at every character; one that opens with
    a non-word character lets the engine skip ahead from gap to gap (about an eighth faster on
    the demands' terms). Spans found are the same as the look-behind's.
    """

    def __init__(self, body: str) -> None:
        self._first = re.compile(rf"(?:{body})(?!\w)")
        # Read only in a text beyond Latin-1 (curly quotes, a dash) by the scans below.
        self._after_gap = Lazy(lambda: re.compile(rf"\W((?:{body})(?!\w))"))

    def _reading(self, text: str) -> tuple[re.Pattern[str], str]:
        # The pattern that reads ``text``, and the text it reads: ``text`` or one with the same
        # spans to find.
        return self._after_gap(), text

    def _gap_from(self, text: str, start: int, end: int) -> tuple[tuple[int, int] | None, int]:
        # A match at the text's very start has no gap before it; elsewhere the gap is the
        # character before ``start``.
        if start > 0:
            return None, start - 1
        first = self._first.match(text, 0, end)
        return (first.span(), first.end()) if first is not None else (None, 0)

    def search(self, text: str, start: int, end: int) -> tuple[int, int] | None:
        """The span of the first match in ``text[start:end]``, or None."""
        pattern, text = self._reading(text)
        first, gap = self._gap_from(text, start, end)
        if first is not None:
            return first
        found = pattern.search(text, gap, end)
        return found.span(1) if found is not None else None

    def finditer(self, text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
        """The spans of every match in ``text[start:end]``, left to right, none overlapping."""
        pattern, text = self._reading(text)
        first, gap = self._gap_from(text, start, end)
        if first is not None:
            yield first
        for found in pattern.finditer(text, gap, end):
            yield found.span(1)


class _PhraseScan(_WordScan):
    """A ``_WordScan`` that reads a text all in ASCII (most folded texts) or all in Latin-1
    (most accented ones) with its classes written out for those characters: the engine tests
    such a class against a table, where ``\\w`` asks Unicode's database about each character
    (up to four look-ups for a space). The spans found are the same."""

    def __init__(self, body: str) -> None:
        super().__init__(body)
        after_gap = rf"\W((?:{body})(?!\w))"
        self._ascii = re.compile(_written_out(after_gap, _ASCII_CLASSES), re.ASCII)
        self._latin1 = re.compile(_written_out(after_gap, _LATIN1_CLASSES))

    def _reading(self, text: str) -> tuple[re.Pattern[str], str]:
        if text.isascii():
            return self._ascii, text
        return (self._latin1, text) if _latin1(text) is not None else super()._reading(text)


class _WordsScan(_WordScan):
    """A ``_WordScan`` whose pattern tells characters apart only as word or non-word
    (``\\w``, ``\\W``, letters, digits): it reads a text in Latin-1 with every gap a
    space, so the engine skips from space to space as a string search does, where it otherwise
    tests every character. The spans found are the same."""

    def __init__(self, body: str) -> None:
        super().__init__(body)
        # In such a text a word character is anything but a space, and a gap is a space.
        self._after_space = re.compile(_written_out(rf"\W((?:{body})(?!\w))", _SPACED_CLASSES))

    def _reading(self, text: str) -> tuple[re.Pattern[str], str]:
        spaced = _gaps_as_spaces(text)
        return (self._after_space, spaced) if spaced is not None else super()._reading(text)


def _latin1(text: str) -> bytes | None:
    # ``text`` in Latin-1, or None beyond it. A copy, for a text stored one byte a character:
    # what the scans ask.
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return None


# Every non-word character of Latin-1 as a space; word characters as they are.
_GAPS_TO_SPACES = bytes(c if re.match(r"\w", chr(c)) else 0x20 for c in range(256))
# The spaced texts kept: a sentence is scanned by several lexicons, one after the other, and a
# whole document by a window at a time (spacing it anew for each window would take time
# growing with its length squared). Short texts by the hundred, and the latest long one.
_SPACED: dict[str, str] = {}
_SPACED_KEPT = 512
_SPACED_LONG = 5_000  # characters
_SPACED_LATEST_LONG: dict[str, str] = {}


def _gaps_as_spaces(text: str) -> str | None:
    """``text`` with each non-word character a space (the same words, at the same offsets);
    None for a text with a character beyond Latin-1."""
    kept = _SPACED if len(text) <= _SPACED_LONG else _SPACED_LATEST_LONG
    spaced = kept.get(text)
    if spaced is not None:
        return spaced
    raw = _latin1(text)
    if raw is None:
        return None
    spaced = raw.translate(_GAPS_TO_SPACES).decode("latin-1")
    if len(kept) >= (_SPACED_KEPT if kept is _SPACED else 1):
        kept.clear()
    kept[text] = spaced
    return spaced


def _ranges_of(escape: str, below: int, flags: int) -> str:
    # The characters under ``below`` that ``escape`` matches with ``flags``, as the inside of a
    # class of ranges, word characters written as themselves: the class is written out wherever
    # the escape was, thousands of times, and the parser's time grows with its length.
    test = re.compile(escape, flags)
    ranges: list[list[int]] = []
    for code in (c for c in range(below) if test.match(chr(c))):
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return "".join(_in_class(a) + (f"-{_in_class(b)}" if b > a else "") for a, b in ranges)


def _in_class(code: int) -> str:
    return chr(code) if chr(code).isalnum() or chr(code) == "_" else f"\\x{code:02x}"


def _classes(below: int, flags: int) -> dict[str, str]:
    # ``\\W`` as "not a word character": its own list would hold every punctuation mark.
    word, space = _ranges_of(r"\w", below, flags), _ranges_of(r"\s", below, flags)
    return {r"\w": f"[{word}]", r"\W": f"[^{word}]", r"\s": f"[{space}]"}


_ASCII_CLASSES = _classes(128, re.ASCII)
_LATIN1_CLASSES = _classes(256, 0)
_SPACED_CLASSES = {r"\w": "[^ ]", r"\W": " "}
_ESCAPE_OR_CHARACTER = re.compile(r"\\.|.", re.DOTALL)


def _written_out(pattern: str, classes: Mapping[str, str]) -> str:
    """``pattern`` with each of the ``classes`` escapes written out as its characters; for a
    pattern with a class of its own (which such an escape may be inside), unchanged."""
    tokens = _ESCAPE_OR_CHARACTER.findall(pattern)
    if "[" in tokens:
        return pattern
    return "".join(classes.get(token, token) for token in tokens)


def _singular(word: str) -> str:
    if word.endswith("es") and len(word) > 4:
        return word[:-2]
    if word.endswith("s") and len(word) > 3:
        return word[:-1]
    return word


def _same_word(found: str, wanted: str, lang: str) -> bool:
    # The regex admits any ending after the stem; only inflections of the word count
    # ("militares" for "militar"), not a word that shares a short stem ("periódico" and
    # "periodistas" both stem to "period"), so most of the word must be shared as written,
    # and a derivation the listed word lacks makes another word ("información" is no
    # "informe", "estudiantes" no "estudio", "plenamente" no "pleno").
    if found in (wanted, wanted + "s", wanted + "es"):
        return True
    if _derived(found) and not _derived(wanted):
        return False
    shared = len(os.path.commonprefix([found, wanted]))
    return shared >= len(wanted) - 3 and stem(found, lang) == stem(wanted, lang)


# Spanish endings that make a noun of a verb, an agent, a present participle or an adverb.
# (One string split, not a tuple literal: the formatter would give each ending a line.)
_DERIVATIONS = tuple("cion ciones miento mientos dor dora dores doras ante antes mente".split())


def _derived(word: str) -> bool:
    return word.endswith(_DERIVATIONS)


class Found:
    """One phrase found in a folded text, with the tags of the lists it came from."""

    # A plain class, not a NamedTuple or a dataclass: a scan makes one per phrase found, and
    # mypyc builds a plain class without calling back into the interpreter.
    __slots__ = ("start", "end", "phrase", "tags")

    def __init__(
        self, start: int, end: int, phrase: str, tags: frozenset[Hashable] = frozenset()
    ) -> None:
        self.start = start
        self.end = end
        self.phrase = phrase
        self.tags = tags

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Found) and (self.start, self.end, self.phrase, self.tags) == (
            other.start,
            other.end,
            other.phrase,
            other.tags,
        )

    def __repr__(self) -> str:
        return f"Found({self.start}, {self.end}, {self.phrase!r}, {set(self.tags)!r})"


@dataclass
class _Entry:
    phrase: str
    lang: str
    words: tuple[str, ...]
    tags: set[Hashable] = field(default_factory=set)


class Lexicon:
    """Phrases in one or more languages, matched as words with their inflections.

    ``phrases`` maps a language code to its phrases. Matching folds accents and case;
    each word of a phrase also matches its inflected forms (same Snowball stem).
    Build one with ``Lexicon.tagged`` to scan a text once for many lists and learn, for
    each phrase found, which lists hold it.
    """

    def __init__(
        self,
        phrases: Mapping[str, Iterable[str]],
        tagged_lists: Iterable[tuple[Hashable, Mapping[str, Iterable[str]]]] | None = None,
    ) -> None:
        # (``tagged`` passes its lists here: a class compiled by mypyc has no ``__new__`` to
        # call on its own.)
        self._build([(None, phrases)] if tagged_lists is None else tagged_lists)

    @classmethod
    def tagged(cls, lists: Iterable[tuple[Hashable, Mapping[str, Iterable[str]]]]) -> Lexicon:
        """One lexicon for several tagged phrase lists."""
        return cls({}, lists)

    def _build(self, lists: Iterable[tuple[Hashable, Mapping[str, Iterable[str]]]]) -> None:
        entries: dict[tuple[str, tuple[str, ...]], _Entry] = {}
        for tag, phrases in lists:
            for lang, group in phrases.items():
                for phrase in group:
                    words = tuple(_WORD.findall(fold(phrase)))
                    if words:
                        entry = entries.setdefault((lang, words), _Entry(phrase, lang, words))
                        if tag is not None:
                            entry.tags.add(tag)
        self._resolved: dict[str, tuple[str, frozenset[Hashable]] | None] = {}
        self._exact: dict[tuple[str, ...], list[_Entry]] = {}
        self._stemmed: dict[tuple[str, tuple[str, ...]], list[_Entry]] = {}
        alternatives = []
        for entry in entries.values():
            self._exact.setdefault(entry.words, []).append(entry)
            stems = tuple(stem(w, entry.lang) for w in entry.words)
            self._stemmed.setdefault((entry.lang, stems), []).append(entry)
            atoms = []
            for position, word in enumerate(entry.words):
                atoms += ([r"\W+"] if position else []) + _word_atoms(word, entry.lang)
            alternatives.append(atoms)
        # Longest first, so "tortura sexual" wins over "tortura".
        body = trie_pattern(alternatives)
        self._scan = _WordsScan(body) if body else None
        # An alternation takes the first branch that matches, not the longest, so a phrase
        # whose start another branch's "any ending" swallows is never found whole ("detainees"
        # takes "detained" from "detained persons"). The scan itself finds such phrases, once;
        # they are tried again where the scan finds something, and the longer find wins.
        self._shadowed = None
        shadowed = [
            atoms
            for entry, atoms in zip(entries.values(), alternatives, strict=True)
            if not self._finds_whole(" ".join(entry.words))
        ]
        if shadowed:
            self._shadowed = _word_bounded(trie_pattern(shadowed))

    def _finds_whole(self, text: str) -> bool:
        found = self.search(text)
        return found is not None and found.start == 0 and found.end == len(text)

    def __bool__(self) -> bool:
        return self._scan is not None

    def finditer(self, folded: str, start: int = 0, end: int | None = None) -> Iterator[Found]:
        """Phrases found in ``folded[start:end]`` (a text already passed through ``fold``)."""
        if self._scan is None:
            return
        end = len(folded) if end is None else end
        shadowed, reached = self._shadowed, start
        for begin, finish in self._scan.finditer(folded, start, end):
            if begin < reached:
                continue
            # A shadowed phrase begins where the scan finds its swallowing neighbour.
            longer = shadowed.match(folded, begin, end) if shadowed else None
            if longer is not None and longer.end() > finish:
                phrase = self._phrase_of(longer.group(0))
                if phrase is not None:
                    reached = longer.end()
                    yield Found(longer.start(), longer.end(), phrase[0], phrase[1])
                    continue
            phrase = self._phrase_of(folded[begin:finish])
            if phrase is not None:
                reached = finish
                yield Found(begin, finish, phrase[0], phrase[1])

    def may_hold(self, folded: str) -> bool:
        """False when no phrase can be in ``folded``: a quick test before scanning lexicons
        whose phrases this one's include (a phrase one of them finds, this pattern matches)."""
        return self._scan is not None and self._scan.search(folded, 0, len(folded)) is not None

    def search(self, folded: str, start: int = 0, end: int | None = None) -> Found | None:
        """The first phrase found in ``folded[start:end]``, or None."""
        if self._scan is None:
            return None
        end = len(folded) if end is None else end
        if self._shadowed is not None:
            return next(self.finditer(folded, start, end), None)
        # A search per call, not a generator: context and exclusions ask this once per hit.
        while (span := self._scan.search(folded, start, end)) is not None:
            phrase = self._phrase_of(folded[span[0] : span[1]])
            if phrase is not None:
                return Found(span[0], span[1], phrase[0], phrase[1])
            start = span[1]
        return None

    def _phrase_of(self, surface: str) -> tuple[str, frozenset[Hashable]] | None:
        # The same few inflected forms come back item after item; each is resolved once.
        try:
            return self._resolved[surface]
        except KeyError:
            pass
        entries = self._entries_for(tuple(_WORD.findall(surface)))
        phrase = (
            (entries[0].phrase, frozenset(t for e in entries for t in e.tags)) if entries else None
        )
        if len(self._resolved) >= _RESOLVED_LIMIT:
            self._resolved.clear()
        self._resolved[surface] = phrase
        return phrase

    def _entries_for(self, words: tuple[str, ...]) -> list[_Entry]:
        exact = self._exact.get(words)
        if exact:
            return exact
        inflected = [
            entry
            for lang in STEMMER_LANGUAGES
            for entry in self._stemmed.get((lang, tuple(stem(w, lang) for w in words)), ())
            if all(_same_word(f, w, lang) for f, w in zip(words, entry.words, strict=True))
        ]
        return inflected or self._plural_of(words)

    def _plural_of(self, words: tuple[str, ...]) -> list[_Entry]:
        # A word too short to stem matched "as written plus s/es": look it up without the ending.
        for cut in ("es", "s"):
            trimmed = tuple(w[: -len(cut)] if w.endswith(cut) else w for w in words)
            if trimmed in self._exact:
                return self._exact[trimmed]
        return []


def lower(text: str) -> str:
    """Lower-case ``text`` without changing its length, so offsets stay valid."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c.lower()[:1] or c for c in text)


def _phrase_body(phrases: Iterable[str], *, fold_accents: bool) -> str:
    # Longest first, lower-case (or folded), words joined by any spacing, as one trie.
    normalise = fold if fold_accents else str.lower
    alternatives = sorted(
        {normalise(p).strip() for p in phrases if p.strip()}, key=len, reverse=True
    )
    return trie_pattern(
        [
            atom
            for n, word in enumerate(p.split())
            for atom in ([r"\s+"] if n else []) + [*map(re.escape, word)]
        ]
        for p in alternatives
    )


_Reader = TypeVar("_Reader")
_Built = TypeVar("_Built")


class Lazy(Generic[_Built]):
    """A value built by ``build`` on the first call, then kept: a lexicon compiled on first use.

    (Not ``functools.cached_property``: a class compiled by mypyc has no instance dict to keep
    it in.)
    """

    def __init__(self, build: Callable[[], _Built]) -> None:
        self._build: Callable[[], _Built] | None = build
        self._value: _Built | None = None

    def __call__(self) -> _Built:
        """The value, built now if this is the first call."""
        if self._build is not None:
            self._value, self._build = self._build(), None
        # (Built above: ``_value`` is typed optional only to start empty.)
        return cast(_Built, self._value)


class _ByAccents(Generic[_Reader]):
    """One reader for texts with accents, one for texts that lost them all (a URL slug, an OCR
    copy): "publicó" is a verb and "Público" is not, unless no accent is left to tell."""

    def __init__(self, accented: _Reader | None, folded: _Reader | None) -> None:
        self._accented = accented
        self._folded = folded

    def _for(self, text: str) -> _Reader | None:
        return self._folded if text.isascii() else self._accented


class CuePhrases(_ByAccents[_PhraseScan]):
    """Literal cue phrases found as whole words, read with their accents or, in a text that
    lost them all, folded. Finds are (start, end) spans of the lower-cased text."""

    def __init__(self, phrases: Iterable[str]) -> None:
        phrases = list(phrases)
        # Two arguments, not ``*`` a generator: mypyc passes such a generator on as one.
        with_accents, without = (
            _PhraseScan(body) if (body := _phrase_body(phrases, fold_accents=folded)) else None
            for folded in (False, True)
        )
        super().__init__(with_accents, without)

    def finditer(self, text: str) -> Iterator[tuple[int, int]]:
        """The span of every cue in ``text`` (lower-cased)."""
        scan = self._for(text)
        return scan.finditer(text, 0, len(text)) if scan is not None else iter(())

    def search(self, text: str) -> tuple[int, int] | None:
        """The span of the first cue in ``text``, or None."""
        scan = self._for(text)
        return scan.search(text, 0, len(text)) if scan is not None else None


class CuePatterns(_ByAccents[re.Pattern[str]]):
    """Cue phrases in a pattern of their own shape, made by ``build(phrases, fold_accents=)``
    (a negation ending before a word, a word opening a sentence), read as ``CuePhrases`` are."""

    def __init__(
        self, phrases: Iterable[str], build: Callable[..., re.Pattern[str] | None]
    ) -> None:
        phrases = list(phrases)
        super().__init__(build(phrases, fold_accents=False), build(phrases, fold_accents=True))

    def search(self, text: str, start: int = 0, end: int | None = None) -> re.Match[str] | None:
        """The first match in ``text[start:end]``."""
        pattern = self._for(text)
        if pattern is None:
            return None
        return pattern.search(text, start, len(text) if end is None else end)

    def match(self, text: str, start: int = 0, end: int | None = None) -> re.Match[str] | None:
        """A match that begins ``text[start:end]``, if the pattern finds one there."""
        pattern = self._for(text)
        if pattern is None:
            return None
        return pattern.match(text, start, len(text) if end is None else end)


# A period after these does not end a sentence: an initial ("Juan E. Méndez") or an abbreviation.
_NOT_AN_END = re.compile(
    r"(?:^|[\s(])(?:[A-ZÁÉÍÓÚÑ]|Sr|Sra|Dr|Dra|Lic|Mtro|Mtra|Gral|Art|art|Arts|núm|Núm|No|"
    r"no|pp|Vs|vs|Mr|Mrs|Ms|St|Jr|etc|Fracc|fracc)\.$"
)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Start and end offsets of each sentence of ``text``."""
    spans = []
    start = 0
    for boundary in _SENTENCE_END.finditer(text):
        # The sentence ends after its mark, or where its line breaks begin.
        end = boundary.start() + (text[boundary.start()] != "\n")
        if end <= start:
            continue
        if _NOT_AN_END.search(text[max(start, end - 7) : end]):
            continue
        spans.append((start, end))
        start = boundary.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


__all__ = [
    "CuePatterns",
    "CuePhrases",
    "Found",
    "Lazy",
    "Lexicon",
    "fold",
    "lower",
    "sentence_spans",
    "stem",
]
