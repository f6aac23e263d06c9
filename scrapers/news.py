"""News RSS/Atom feeds: fetched by our HTTP client, guarded, then parsed by feedparser.

feedparser only ever sees bytes that passed the guard: a size cap (in the
client) and no internal DTD subset, because its lenient fallback parser
expands entities without limit (a 160 KB feed took 49 s and 5.7 GB; see
docs/reference/STACK.md §4.2). Feeds are fetched with conditional GET; a 304
means nothing to parse.
"""

from __future__ import annotations

import calendar
import io
import logging
import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal
from urllib.parse import quote

import feedparser
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool

from vigia.core.errors import FetchError, ParseError
from vigia.core.model import Item
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
from vigia.scrapers.text import decode, html_to_text

log = logging.getLogger(__name__)

_DOCTYPE_WITH_SUBSET = re.compile(rb"<!DOCTYPE[^\[>]*\[.*?\]\s*>", re.S | re.I)
_FIRST_ELEMENT = re.compile(rb"<[A-Za-z]")


class Feed(BaseModel):
    """One RSS or Atom feed: its name in logs and health, its address, its language."""

    model_config = ConfigDict(extra="forbid")

    name: Phrase | None = None
    url: WebAddress
    lang: Literal["es", "en", ""] = ""


def _has_query_slot(url: str) -> str:
    if "{query}" not in url:
        raise ValueError("must hold {query}, where each demand's search terms go")
    return url


class SearchFeeds(BaseModel):
    """A news search feed per demand, its query made from the demand's terms."""

    model_config = ConfigDict(extra="forbid")

    url: Annotated[WebAddress, AfterValidator(_has_query_slot)]
    terms_per_demand: Annotated[int, Field(ge=1)] = 3
    when: str = ""
    lang: Literal["es", "en"] = "es"


class NewsSettings(SourceSettings):
    """The news feeds' keys in sources.yaml."""

    feeds: list[Feed] | None = None
    search_feeds: SearchFeeds | None = None
    extract_articles: StrictBool | None = None
    min_text_chars: Count | None = None
    max_articles: Count | None = None


class NewsFeedsSource(Source):
    """News outlets' RSS/Atom feeds listed in sources.yaml."""

    name = "news"
    kind = "news"
    replay_routes = (
        ReplayRoute(
            r"/feeds/(?P<name>[\w-]+)\.xml",
            ("replay/feeds/{name}.constructed.xml",),
            "application/rss+xml; charset=utf-8",
            etag=True,
        ),
    )
    settings = NewsSettings
    groups_stories = True
    unchanged_roles = frozenset({"feed"})

    @classmethod
    def configure(
        cls, config: dict[str, Any], demand_terms: Mapping[str, tuple[str, ...]]
    ) -> dict[str, Any]:
        """Add one search feed per demand when ``search_feeds`` asks for them."""
        config = dict(config)
        spec = config.pop("search_feeds", None)
        if spec:
            config["feeds"] = [*config.get("feeds", []), *search_feeds(demand_terms, spec)]
        return config

    @property
    def feeds(self) -> list[dict[str, Any]]:
        return list(self.config.get("feeds", []))

    def fetch(self, http: HttpClient, window: Window) -> list[Page]:
        """GET every feed with its stored ETag/Last-Modified; one failed or unreadable feed
        stops no other (each is its own unit of failure)."""
        pages = []
        for feed in self.feeds:
            url = str(feed["url"])
            name = str(feed.get("name", url))
            context = {"feed": name, "unit": name, "lang": feed.get("lang", "")}
            try:
                page = http.get(url, "feed", validators=window.validators.get(url), context=context)
            except FetchError as exc:
                pages.append(failed_page(exc, **context))
                continue
            pages.append(_readable(page))
        if self.config.get("extract_articles"):
            # Stories stored with their article text are neither fetched nor parsed again:
            # the feed's short summary would otherwise replace the article as a "change".
            pages = [
                replace(p, context=p.context | {"known": sorted(window.known)})
                if p.role == "feed"
                else p
                for p in pages
            ]
            pages += self._fetch_articles(http, pages, window.known)
        return pages

    def _fetch_articles(
        self, http: HttpClient, feeds: list[Page], known: frozenset[str]
    ) -> list[Page]:
        """The linked pages of new entries whose feed gives only a short summary."""
        wanted = [
            link
            for page in feeds
            if page.role == "feed" and page.status != 304
            for link in self._summary_only_links(page, known)
        ]
        pages: list[Page] = []
        for link in dict.fromkeys(wanted):
            if len(pages) >= int(self.config.get("max_articles", 20)):
                break
            try:
                pages.append(http.get(link, "article", context={"link": link}))
            except FetchError as exc:
                pages.append(failed_page(exc, link=link))
        return pages

    def _summary_only_links(self, page: Page, known: frozenset[str]) -> list[str]:
        minimum = int(self.config.get("min_text_chars", 400))
        links = []
        for item in self._feed_items(page, {}):
            # Search-result links (Google News) lead to a script page, not to the article.
            if item.external_id in known or "news.google.com" in item.url:
                continue
            if len(item.text) < minimum:
                links.append(item.url)
        return links

    def parse(self, pages: list[Page]) -> list[Item]:
        """Items from every feed page that changed since the last run, with article texts."""
        articles = {p.context["link"]: extract_article(p) for p in pages if p.role == "article"}
        items: dict[str, Item] = {}
        for page in pages:
            if page.role != "feed" or page.status == 304:
                continue
            known = set(page.context.get("known", ()))
            for item in self._feed_items(page, articles):
                if item.external_id in known and item.url not in articles:
                    continue
                items.setdefault(item.id, item)
        return list(items.values())

    def _feed_items(self, page: Page, articles: dict[str, str]) -> list[Item]:
        parsed = parse_feed_bytes(page.body, page.content_type)
        feed_lang = _lang(parsed.feed.get("language")) or _lang(page.context.get("lang"))
        outlet = one_line(parsed.feed.get("title") or page.context.get("feed") or "")
        items = []
        for entry in parsed.entries:
            link = str(entry.get("link") or "").strip()
            if not link.startswith(("http://", "https://")):
                continue
            summary = entry.get("summary") or ""
            content = entry.get("content") or []
            body = content[0].get("value", "") if content else summary
            # Search feeds (Google News) name the outlet per entry and append it to the title.
            entry_outlet = one_line((entry.get("source") or {}).get("title") or "")
            title = one_line(entry.get("title") or "")
            if entry_outlet and title.endswith(f" - {entry_outlet}"):
                title = title[: -len(entry_outlet) - 3]
            items.append(
                Item(
                    source=self.name,
                    kind=self.kind,
                    external_id=str(entry.get("id") or link),
                    url=link,
                    title=title,
                    text=_longer(html_to_text(body), articles.get(link, "")),
                    published=_entry_date(entry),
                    lang=_lang(entry.get("language")) or feed_lang or "",
                    meta={"outlet": entry_outlet or outlet, "feed": page.context.get("feed", "")},
                )
            )
        return items


def _readable(page: Page) -> Page:
    """The feed page, or an error page in its place when it is not a feed (HTML, garbage)."""
    if page.status == 304:
        return page
    try:
        parse_feed_bytes(page.body, page.content_type)
    except ParseError as exc:
        error = f"{page.context.get('feed')}: {page.url} is unreadable: {exc}"
        return replace(page, body=b"", role="error", context={**page.context, "error": error})
    return page


def parse_feed_bytes(data: bytes, content_type: str | None = None) -> Any:
    """Parse a feed with feedparser after removing any internal DTD subset.

    Raises ParseError when an entity declaration survives, or when the bytes
    hold no feed at all.
    """
    prolog_end = _FIRST_ELEMENT.search(data)
    prolog = data[: prolog_end.start()] if prolog_end else data
    prolog = _DOCTYPE_WITH_SUBSET.sub(b"", prolog)
    if b"<!ENTITY" in prolog.upper():
        raise ParseError("feed declares entities; refused")
    guarded = prolog + (data[prolog_end.start() :] if prolog_end else b"")
    headers = {"content-type": content_type} if content_type else {}
    # Always a file object: feedparser treats bare bytes as a path and would open it.
    parsed = feedparser.parse(io.BytesIO(guarded), response_headers=headers)
    if not parsed.get("version") and not parsed.entries:
        raise ParseError(f"not an RSS or Atom feed ({parsed.get('bozo_exception', 'no entries')})")
    if parsed.get("bozo"):
        log.info("feed parsed leniently: %s", parsed.get("bozo_exception"))
    return parsed


def extract_article(page: Page) -> str:
    """The main text of an article page (trafilatura), or "" when none is found."""
    import trafilatura  # lxml-based and slow to import: only when articles are fetched

    text = trafilatura.extract(
        decode(page.body, page.content_type),
        include_comments=False,
        include_tables=False,
        favor_precision=True,
    )
    return text or ""


def _longer(summary: str, article: str) -> str:
    return article if len(article) > len(summary) else summary


def _entry_date(entry: Any) -> date | None:
    stamp = entry.get("published_parsed") or entry.get("updated_parsed")
    if not stamp:
        return None
    return datetime.fromtimestamp(calendar.timegm(stamp), tz=UTC).date()


def _lang(value: Any) -> str:
    return str(value or "").strip().lower()[:2]


def search_feeds(
    demand_terms: Mapping[str, tuple[str, ...]], spec: dict[str, Any]
) -> list[dict[str, Any]]:
    """One search feed per demand: its first names, quoted and OR-ed, in ``spec['url']``."""
    template = str(spec["url"])
    per_demand = int(spec.get("terms_per_demand", 3))
    when = str(spec.get("when", "")).strip()
    feeds = []
    for demand_id, terms in demand_terms.items():
        query = " OR ".join(f'"{term}"' for term in terms[:per_demand])
        query += f" when:{when}" if when else ""
        feeds.append(
            {
                "name": f"search-{demand_id}",
                "url": template.format(query=quote(query)),
                "lang": spec.get("lang", "es"),
            }
        )
    return feeds
