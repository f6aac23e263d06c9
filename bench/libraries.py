"""Our hand-written parts beside the libraries that could replace them, on our own material.

Prints, for the recorded pages, how much mojibake our charset rule, bs4's UnicodeDammit (given
the declared charset) and charset-normalizer leave; for the 241 dev texts, the dates our
stated-date reader and dateparser's search find and how long each takes; and what our URL
key and courlan make of feed URLs with tracking, AMP and mobile variants.

    .venv/bin/python bench/libraries.py
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from bs4 import UnicodeDammit
from charset_normalizer import from_bytes
from courlan import normalize_url
from dateparser.search import search_dates

from vigia.classify.events import normalise_url
from vigia.scrapers.text import decode, stated_date

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
# The charsets the sites declare (docs/reference/SOURCES.md): the DOF and the Corte IDH say
# ISO-8859-1 over bytes that are mostly UTF-8.
DECLARED = {"dof": "ISO-8859-1", "sidof": "UTF-8", "corteidh": "iso-8859-1"}
FEED_URLS = [
    "https://www.jornada.com.mx/2024/05/01/politica/003n1pol?utm_source=rss&utm_medium=feed",
    "https://amp.eluniversal.com.mx/nacion/ley-desaparicion/amp",
    "https://m.proceso.com.mx/nacional/2024/5/1/arraigo.html?fbclid=abc",
]


def _mojibake(text: str) -> int:
    return text.count("Ã") + text.count("\ufffd")


def charsets() -> None:
    print("mojibake marks left (Ã or U+FFFD): ours / UnicodeDammit / charset-normalizer")
    for folder, charset in DECLARED.items():
        for path in sorted((FIXTURES / folder).glob("*.html")):
            body = path.read_bytes()
            ours = decode(body, f"text/html; charset={charset}")
            dammit = UnicodeDammit(body, known_definite_encodings=[charset]).unicode_markup
            guessed = str(from_bytes(body).best())
            counts = " / ".join(str(_mojibake(t)) for t in (ours, dammit, guessed))
            print(f"  {folder}/{path.name:38} {counts}")


def dates() -> None:
    rows = [json.loads(line) for line in (ROOT / "eval" / "dev.jsonl").open(encoding="utf-8")]
    texts = [f"{row['title']}. {row['body']}" for row in rows]
    started = time.perf_counter()
    ours = [stated_date(text) for text in texts]
    ours_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    theirs = [search_dates(text, languages=["es", "en"]) for text in texts]
    theirs_ms = (time.perf_counter() - started) * 1000
    print(f"stated dates in {len(texts)} dev texts:")
    print(f"  ours: {sum(d is not None for d in ours)} found in {ours_ms:.0f} ms")
    print(f"  dateparser: {sum(bool(d) for d in theirs)} found in {theirs_ms:.0f} ms")
    print("  dateparser's first finds:", [found[0][0] for found in theirs if found][:12])


def urls() -> None:
    print("URL keys: ours | courlan.normalize_url(strict=True)")
    for url in FEED_URLS:
        print(f"  {normalise_url(url)} | {normalize_url(url, strict=True)}")


if __name__ == "__main__":
    charsets()
    dates()
    urls()
