"""Text helpers every room needs: accent folding, one-line titles, terminal-safe output."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Control characters (but tab and newline) and the bidirectional overrides that can make a
# terminal line read otherwise than it is.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def for_terminal(text: str) -> str:
    """``text`` with control characters shown as escapes, so it cannot drive a terminal."""
    return _UNPRINTABLE.sub(_escaped, text)


def _escaped(found: re.Match[str]) -> str:
    code = ord(found.group(0))
    return f"\\x{code:02x}" if code < 256 else f"\\u{code:04x}"


def one_line(text: str) -> str:
    """Collapse all whitespace to single spaces (titles, table cells)."""
    return " ".join(unicodedata.normalize("NFC", text).replace("\xa0", " ").split())


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    if _NOT_A_WORD.match(char):
        # A typographic quote, a dash or an inverted mark parts words as a space does; as one,
        # a folded Spanish or English text stays ASCII, which regexes read faster.
        return " "
    base = unicodedata.normalize("NFKD", char)[:1] or char
    return base.lower()[:1] or char


_NOT_A_WORD = re.compile(r"\W")


class _FoldTable(dict[int, int]):
    """Code point → folded code point, filled in as characters are met.

    Every lookup ``str.translate`` makes must hit: a missing key costs it an exception, which
    made folding a mostly-ASCII Spanish text twice as slow.
    """

    def __missing__(self, code: int) -> int:
        folded = ord(_fold_char(chr(code)))
        if len(self) < _FOLD_TABLE_LIMIT:
            # Bounded: a hostile text may hold every code point there is.
            self[code] = folded
        return folded


_FOLD_TABLE_LIMIT = 1 << 16
_FOLD_TABLE = _FoldTable({code: ord(chr(code).lower()) for code in range(128)})


def fold(text: str) -> str:
    """Lower-case and strip accents one character for one, so offsets stay valid; a
    character that is not part of a word (beyond ASCII: “, —, ¿) becomes a space."""
    if text.isascii():
        return text.lower()
    return text.translate(_FOLD_TABLE)
