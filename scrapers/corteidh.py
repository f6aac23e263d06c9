"""Inter-American Court of Human Rights (Corte IDH): judgments and opinions from its listings.

The jurisprudence pages (``casos_sentencias.cfm``, ``opiniones_consultivas.cfm``)
list one ``li.search-result`` per document: a category in ``span.title``, then
the Court's citation ("Corte IDH. Caso … Vs. México. … Sentencia de 7 de
noviembre de 2022. Serie C No. 470."), then links to the PDF. A listing may
``require`` a word in the citation, so only cases concerning Mexico are kept.
The page declares ISO-8859-1; we decode defensively. See SOURCES.md §4.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin

from pydantic import BaseModel, ConfigDict

from vigia.core.errors import FetchError, ParseError
from vigia.core.model import Item
from vigia.core.text import fold, one_line
from vigia.scrapers.base import (
    Page,
    ReplayRoute,
    Source,
    SourceSettings,
    WebAddress,
    Window,
    failed_page,
)
from vigia.scrapers.http import HttpClient
from vigia.scrapers.text import decode, soup, spanish_date

_SERIES = re.compile(r"Serie ([A-Z]) No\. ?(\d+)")


class Listing(BaseModel):
    """One Corte IDH listing page, and a word its entries must hold (``require``)."""

    model_config = ConfigDict(extra="forbid")

    url: WebAddress
    require: str = ""


class CorteIdhSettings(SourceSettings):
    """The Inter-American Court's keys in sources.yaml."""

    listings: list[Listing] | None = None


class CorteIdhSource(Source):
    """Corte IDH judgments and advisory opinions, from the Court's jurisprudence listings."""

    name = "corteidh"
    kind = "court"
    # The real site declares ISO-8859-1 over UTF-8 bytes; so does the replay.
    replay_routes = (
        ReplayRoute(
            r"/corteidh/(?P<listing>\w+)\.cfm",
            ("corteidh/{listing}_page.html", "corteidh/{listing}.constructed.html"),
            "text/html; charset=iso-8859-1",
        ),
    )
    settings = CorteIdhSettings
    unchanged_roles = frozenset({"corteidh-listing"})

    def fetch(self, http: HttpClient, window: Window) -> list[Page]:
        """GET each configured listing page, conditionally when the Court's server gave it an
        ETag or Last-Modified before; one failure does not stop the others."""
        pages = []
        for listing in self.config.get("listings", []):
            context = {"require": listing.get("require", "")}
            url, validators = listing["url"], window.validators.get(listing["url"])
            try:
                pages.append(
                    http.get(url, "corteidh-listing", validators=validators, context=context)
                )
            except FetchError as exc:
                pages.append(failed_page(exc, **context))
        return pages

    def parse(self, pages: list[Page]) -> list[Item]:
        """One item per listed document whose citation has the listing's required word."""
        items: dict[str, Item] = {}
        for page in pages:
            if page.role != "corteidh-listing" or page.status == 304:
                continue  # a listing unchanged since the last run holds nothing new
            required = fold(page.context.get("require", ""))
            for entry in listing_entries(page):
                if required and required not in fold(entry["citation"]):
                    continue
                item = self._item(entry)
                items.setdefault(item.id, item)
        return list(items.values())

    def _item(self, entry: dict[str, Any]) -> Item:
        return Item(
            source=self.name,
            kind=self.kind,
            external_id=entry["series"] or entry["url"],
            url=entry["url"],
            title=entry["citation"],
            text=entry["citation"],
            published=entry["date"],
            lang="es",
            meta={
                "court": "Corte Interamericana de Derechos Humanos",
                "case": entry["series"],
                "category": entry["category"],
            },
        )


def listing_entries(page: Page) -> list[dict[str, Any]]:
    """Category, citation, date, series and document URL of each entry of a listing page."""
    tree = soup(decode(page.body, page.content_type))
    results = tree.select("li.search-result")
    if not results:
        raise ParseError(f"no jurisprudence entries at {page.url}; has the layout changed?")
    entries = []
    for result in results:
        category = result.select_one("span.title")
        category_text = one_line(category.get_text()) if category else ""
        pdf = result.select_one('a[href$=".pdf"]')
        href = pdf.get("href") if pdf is not None else None
        for noise in result.select("table, span.title"):
            noise.decompose()
        citation = _citation(one_line(result.get_text(" ")))
        if not citation or not href:
            continue
        series = _SERIES.search(citation)
        entries.append(
            {
                "category": category_text,
                "citation": citation,
                "date": spanish_date(citation),
                "series": f"Serie {series.group(1)} No. {series.group(2)}" if series else "",
                "url": urljoin(page.url, str(href)),
            }
        )
    return entries


def _citation(text: str) -> str:
    # The citation ends with its series number; links and votes follow it.
    text = text.removeprefix("Corte IDH.").strip()
    series = _SERIES.search(text)
    return text[: series.end()] + "." if series else text
