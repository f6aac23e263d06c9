"""Decoding and text extraction shared by the HTML and JSON sources."""

from __future__ import annotations

import re
import unicodedata
import warnings

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning

_CHARSET = re.compile(r"charset=([\w.:-]+)", re.I)
_BLOCK_TAGS = ("p", "div", "br", "h1", "h2", "h3", "h4", "li", "tr", "td", "table", "section")


def decode(body: bytes, content_type: str | None = None) -> str:
    """Decode bytes: header charset, then strict UTF-8, then cp1252 (SOURCES.md §1.4)."""
    declared = _CHARSET.search(content_type or "")
    candidates = [declared.group(1)] if declared else []
    candidates += ["utf-8"]
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


def one_line(text: str) -> str:
    """Collapse all whitespace to single spaces (titles, table cells)."""
    return " ".join(unicodedata.normalize("NFC", text).replace("\xa0", " ").split())
