"""SCJN press releases (comunicados): the Court announces its rulings here first.

The listing page ``https://www.scjn.gob.mx/multimedia/comunicados`` holds a
table in ``#main-content``; each row links to one release and carries its
date ("DD/MM/YYYY" or "DD de MES de YYYY"). New releases' pages are fetched
and reduced to their main text (trafilatura, as for news articles); releases
already stored are not fetched again. See SOURCES.md §3.5 (selectors only: no
recorded page exists, so the tests use a constructed one).
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime
from urllib.parse import urljoin, urlsplit

from vigia.core.errors import FetchError, ParseError
from vigia.core.model import Item
from vigia.core.text import one_line
from vigia.scrapers.base import (
    Count,
    Page,
    ReplayRoute,
    Source,
    SourceSettings,
    WebAddress,
    Window,
    failed_page,
)
from vigia.scrapers.http import HttpClient
from vigia.scrapers.news import extract_article
from vigia.scrapers.text import decode, soup, spanish_date

_NUMERIC_DATE = re.compile(r"\b(\d{2})/(\d{2})/(\d{4})\b")


class ScjnPressSettings(SourceSettings):
    """The SCJN press releases' keys in sources.yaml."""

    url: WebAddress | None = None
    public_url: WebAddress | None = None
    max_releases: Count | None = None


class ScjnPressSource(Source):
    """SCJN press releases (comunicados de prensa), with each new release's text."""

    name = "scjn_press"
    kind = "court"
    replay_routes = (
        ReplayRoute(
            r"/scjn/multimedia/comunicados",
            ("scjn/comunicados.constructed.html",),
            "text/html; charset=utf-8",
        ),
        ReplayRoute(
            r"/scjn/multimedia/comunicados/noticia/[\d-]+/(?P<slug>[\w-]+)",
            ("scjn/comunicado_{slug}.constructed.html",),
            "text/html; charset=utf-8",
        ),
    )
    settings = ScjnPressSettings
    unchanged_roles = frozenset({"press-listing"})

    @property
    def public_url(self) -> str:
        return str(self.config.get("public_url", "https://www.scjn.gob.mx")).rstrip("/")

    def fetch(self, http: HttpClient, window: Window) -> list[Page]:
        """GET the listing, then the pages of releases not stored yet (at most ``max_releases``)."""
        url = str(self.config.get("url", "https://www.scjn.gob.mx/multimedia/comunicados"))
        try:
            listing = http.get(url, "press-listing")
        except FetchError as exc:
            return [failed_page(exc)]
        listing = replace(listing, context={"known": sorted(window.known)})
        pages = [listing]
        fresh = [r for r in releases(listing) if _release_id(r["url"]) not in window.known]
        for release in fresh[: int(self.config.get("max_releases", 20))]:
            try:
                pages.append(
                    http.get(release["url"], "press-release", context={"link": release["url"]})
                )
            except FetchError as exc:
                pages.append(failed_page(exc, link=release["url"]))
        return pages

    def parse(self, pages: list[Page]) -> list[Item]:
        """One item per listed release; stored ones are left out unless fetched again."""
        texts = {p.context["link"]: extract_article(p) for p in pages if p.role == "press-release"}
        items = []
        for page in pages:
            if page.role != "press-listing" or page.status == 304:
                continue
            known = set(page.context.get("known", ()))
            for release in releases(page):
                release_id = _release_id(release["url"])
                if release_id in known and release["url"] not in texts:
                    continue
                items.append(
                    Item(
                        source=self.name,
                        kind=self.kind,
                        external_id=release_id,
                        url=self.public_url + release_id,
                        title=release["title"],
                        # Empty until the page is read, so a failed page is tried again next run.
                        text=texts.get(release["url"], ""),
                        published=release["date"],
                        lang="es",
                        meta={
                            "court": "Suprema Corte de Justicia de la Nación",
                            "category": "comunicado",
                        },
                    )
                )
        return items


def releases(page: Page) -> list[dict]:
    """Title, URL and date of every row of the press-release listing."""
    tree = soup(decode(page.body, page.content_type))
    table = tree.select_one("#main-content table")
    if table is None:
        raise ParseError(f"no press-release table in #main-content at {page.url}")
    found = []
    for row in table.select("tbody tr"):
        link = row.select_one("a[href]")
        if link is None or not one_line(link.get_text()):
            continue
        text = one_line(row.get_text(" "))
        found.append(
            {
                "url": urljoin(page.url, str(link["href"])),
                "title": one_line(link.get_text()),
                "date": _row_date(text),
            }
        )
    return found


def _release_id(url: str) -> str:
    # The path (and query) alone, so the same release keeps its id whatever host served it.
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _row_date(text: str) -> date | None:
    numeric = _NUMERIC_DATE.search(text)
    if numeric:
        try:
            return datetime.strptime(numeric.group(0), "%d/%m/%Y").date()
        except ValueError:
            return None
    return spanish_date(text)
