"""Supreme Court (SCJN) rulings from the Buscador Jurídico search API.

``POST {bj_url}/busqueda`` searches the ``sentencias_pub`` index (published
rulings, one per engrose) by query and year; results page through
``totalPaginas``. Elasticsearch caps a search at 10,000 hits, so every query
is sliced by year. See docs/reference/SOURCES.md §3.2.
"""

from __future__ import annotations

import json
import logging
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import Field

from vigia.core.errors import FetchError, ParseError
from vigia.core.model import Item, compact_meta
from vigia.core.text import one_line
from vigia.scrapers.base import (
    Count,
    Page,
    Phrase,
    ReplayRoute,
    Source,
    SourceSettings,
    WebAddress,
    Window,
    failed_page,
)
from vigia.scrapers.http import HttpClient
from vigia.scrapers.text import html_to_text

log = logging.getLogger(__name__)

NULL_DATE = "01/01/0001"  # the API's sentinel for "no date"


class ScjnSettings(SourceSettings):
    """The SCJN rulings search's keys in sources.yaml."""

    bj_url: WebAddress | None = None
    public_url: WebAddress | None = None
    index: Phrase | None = None
    page_size: Annotated[int, Field(ge=1, le=500)] | None = None
    max_pages: Count | None = None
    queries: list[Phrase] | None = None


class ScjnRulingsSource(Source):
    """SCJN rulings (sentencias) matching the configured queries, via the Buscador Jurídico API."""

    name = "scjn"
    kind = "court"
    replay_routes = (
        ReplayRoute(
            r"/bj/api/v1/bj/busqueda",
            (
                "replay/bj/busqueda_{search}.constructed.json",
                "replay/bj/busqueda_empty.constructed.json",
            ),
            "application/json; charset=utf-8",
            method="POST",
            fields=lambda query, body: {"search": _replay_search(body)},
        ),
    )
    settings = ScjnSettings
    backfill_chunk_days = 366

    @property
    def api_url(self) -> str:
        return str(self.config.get("bj_url", "https://bj.scjn.gob.mx/api/v1/bj")).rstrip("/")

    @property
    def public_url(self) -> str:
        return str(self.config.get("public_url", "https://bj.scjn.gob.mx")).rstrip("/")

    def fetch(self, http: HttpClient, window: Window) -> list[Page]:
        """Run every configured query for every year of the window, page by page."""
        pages: list[Page] = []
        for query in self.config.get("queries", []):
            for year in window.years:
                pages += self._search(http, str(query), year)
        return pages

    def _search(self, http: HttpClient, query: str, year: int) -> list[Page]:
        pages: list[Page] = []
        size = int(self.config.get("page_size", 50))
        max_pages = int(self.config.get("max_pages", 5))
        headers = {
            "Accept": "application/json",
            "Origin": self.public_url,
            "Referer": f"{self.public_url}/",
        }
        for number in range(1, max_pages + 1):
            body = search_body(
                query, year, number, size, self.config.get("index", "sentencias_pub")
            )
            try:
                page = http.post_json(
                    f"{self.api_url}/busqueda",
                    "bj-search",
                    body,
                    headers=headers,
                    context={"query": query, "year": year, "page": number},
                )
            except FetchError as exc:
                pages.append(failed_page(exc, query=query, year=year))
                break
            pages.append(page)
            if number >= _total_pages(page):
                break
        return pages

    def parse(self, pages: list[Page]) -> list[Item]:
        """Build one item per ruling; the same ruling found by two queries is kept once."""
        items: dict[str, Item] = {}
        for page in pages:
            if page.role != "bj-search":
                continue
            for result in search_results(page):
                item = self._item(result)
                if item is not None:
                    items.setdefault(item.id, item)
        return list(items.values())

    def _item(self, result: dict[str, Any]) -> Item | None:
        ruling_id = str(result.get("idEngrose") or result.get("id") or "")
        if not ruling_id:
            return None
        case = " ".join(
            filter(
                None,
                [
                    one_line(str(result.get("tipoAsunto") or "")),
                    one_line(str(result.get("numExpediente") or "")),
                ],
            )
        )
        organ = one_line(str(result.get("organoRadicacion") or ""))
        summary = one_line(str(result.get("rubro") or ""))
        title = f"{case} ({organ})" if organ else case
        if summary:
            title = f"{title}: {summary}" if title else summary
        return Item(
            source=self.name,
            kind=self.kind,
            external_id=ruling_id,
            url=f"{self.public_url}/documento/sentencias_pub/{ruling_id}",
            title=title,
            text=_extracts_text(result.get("extractos")),
            published=_ruling_date(result.get("fechaResolucion")),
            lang="es",
            meta=compact_meta(
                {
                    "case": case,
                    "court": organ,
                    "ponente": one_line(str(result.get("ponente") or "")),
                    "vote": one_line(str(result.get("votacion") or "")),
                    "document": result.get("archivoURL"),
                }
            ),
        )


def search_body(query: str, year: int, page: int, size: int, index: str) -> dict[str, Any]:
    """The JSON body the Buscador Jurídico expects (all keys, as the web app sends them)."""
    return {
        "q": query,
        "page": page,
        "size": size,
        "indice": index,
        "fuente": None,
        "extractos": 200,
        "semantica": 0,
        "filtros": {"anio": [str(year)]},
        "sortField": "",
        "sortDireccion": "",
    }


def search_results(page: Page) -> list[dict[str, Any]]:
    """The ``resultados`` list of a search response."""
    try:
        data = json.loads(page.body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ParseError(f"Buscador Jurídico answer at {page.url} is not JSON: {exc}") from exc
    results = data.get("resultados") if isinstance(data, dict) else None
    if not isinstance(results, list):
        raise ParseError(f"Buscador Jurídico answer at {page.url} has no 'resultados' list")
    return [r for r in results if isinstance(r, dict)]


def _total_pages(page: Page) -> int:
    try:
        return int(json.loads(page.body.decode("utf-8")).get("totalPaginas") or 1)
    except (ValueError, AttributeError, UnicodeDecodeError):
        return 1


def _extracts_text(extracts: Any) -> str:
    if isinstance(extracts, str):
        return html_to_text(extracts)
    if isinstance(extracts, list):
        parts = [
            e if isinstance(e, str) else " ".join(str(v) for v in e.values())
            for e in extracts
            if isinstance(e, str | dict)
        ]
        return "\n".join(html_to_text(p) for p in parts)
    return ""


def _ruling_date(value: Any) -> date | None:
    text = str(value or "").strip()[:10]
    if not text or text == NULL_DATE:
        return None
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _replay_search(body: dict[str, Any]) -> str:
    # The replay's file for a search: the query's words and the year; later pages are empty.
    if body.get("page", 1) != 1:
        return ""
    words = str(body.get("q", "")).lower().translate(str.maketrans("áéíóúñ ", "aeioun-"))
    years = (body.get("filtros") or {}).get("anio") or [""]
    return f"{words}_{years[0]}"
