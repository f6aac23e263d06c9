"""Decoding and text extraction shared by the HTML and JSON sources."""

from __future__ import annotations

import re
import unicodedata
import warnings
from datetime import date

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning

_CHARSET = re.compile(r"charset=([\w.:-]+)", re.I)
_BLOCK_TAGS = ("p", "div", "br", "h1", "h2", "h3", "h4", "li", "tr", "td", "table", "section")


# Charsets that decode any byte string, so a wrong claim of them never fails loudly.
_SINGLE_BYTE = {
    "iso-8859-1",
    "latin-1",
    "latin1",
    "l1",
    "windows-1252",
    "cp1252",
    "us-ascii",
    "ascii",
}


def decode(body: bytes, content_type: str | None = None) -> str:
    """Decode bytes: header charset, then strict UTF-8, then cp1252 (SOURCES.md §1.4).

    A single-byte charset in the header is tried after strict UTF-8, not before: both the
    DOF and the Corte IDH declare ISO-8859-1 over bytes that are UTF-8, and Latin-1 would
    "succeed" with mojibake. Bytes that are valid UTF-8 are almost never real Latin-1 text.
    """
    declared = _CHARSET.search(content_type or "")
    charset = declared.group(1).lower() if declared else ""
    candidates = ["utf-8", charset] if charset in _SINGLE_BYTE else [charset, "utf-8"]
    candidates = [c for c in candidates if c]
    for encoding in candidates:
        try:
            return unicodedata.normalize("NFC", body.decode(encoding))
        except (UnicodeDecodeError, LookupError):
            continue
    # cp1252 rather than latin-1: the DOF uses 0x91-0x94 curly quotes.
    return unicodedata.normalize("NFC", body.decode("cp1252", errors="replace"))


def soup(markup: str) -> BeautifulSoup:
    """Parse HTML with the stdlib parser (lenient with the DOF's unclosed tags)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        return BeautifulSoup(markup, "html.parser")


def html_to_text(markup: str | BeautifulSoup) -> str:
    """Visible text of HTML (markup or a parsed tree), one paragraph per line, entities resolved.

    A tree passed in is consumed: its script, style and head elements are removed.
    """
    tree = soup(markup) if isinstance(markup, str) else markup
    for tag in tree(["script", "style", "head"]):
        tag.decompose()
    for tag in tree.find_all(_BLOCK_TAGS):
        tag.insert_before("\n")
    lines = (" ".join(line.split()) for line in tree.get_text().splitlines())
    return "\n".join(line for line in lines if line)


def _month_numbers(names: str) -> dict[str, int]:
    return {name: number for number, name in enumerate(names.split(), start=1)}


_MONTHS = _month_numbers(
    "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre"
)
_SPANISH_DATE = re.compile(r"\b(\d{1,2}) de (\w+) de (\d{4})", re.IGNORECASE)


_ENGLISH_MONTHS = _month_numbers(
    "january february march april may june july august september october november december"
)
_ENGLISH_DATE = re.compile(
    r"\b(?:(\d{1,2}) ([A-Za-z]+),? (\d{4})|([A-Za-z]+) (\d{1,2}), (\d{4}))\b"
)


def stated_date(text: str) -> date | None:
    """The first full date a text states: "27 de mayo de 2019", "27 May 2019", "May 27, 2019"."""
    found = spanish_date(text)
    if found:
        return found
    for match in _ENGLISH_DATE.finditer(text):
        day, month, year = match.group(1, 2, 3) if match.group(1) else match.group(5, 4, 6)
        number = _ENGLISH_MONTHS.get(month.lower())
        if number:
            try:
                return date(int(year), number, int(day))
            except ValueError:
                continue
    return None


def spanish_date(text: str) -> date | None:
    """The first "D de MES de YYYY" date in a Spanish text, or None."""
    for found in _SPANISH_DATE.finditer(text):
        month = _MONTHS.get(found.group(2).lower())
        if month:
            try:
                return date(int(found.group(3)), month, int(found.group(1)))
            except ValueError:
                continue
    return None
