"""Watched pages: a page's main text compared with its last version; a change is an item.

For pages that publish no feed: the protection mechanism's statistics, the
missing-persons registry's public counter. Each page is fetched with
conditional GET, reduced to its main text (a CSS ``selector``, else ``main``,
``article`` or ``body`` without navigation), lines matching ``ignore``
patterns are dropped (tickers, "cited on" dates), and the text is diffed with
the previous snapshot. The first fetch only records a snapshot.
"""

from __future__ import annotations

import difflib
import hashlib
import logging
from datetime import date
from typing import Any, Literal

import regex
from pydantic import BaseModel, ConfigDict, field_validator

from vigia.core.errors import ConfigError, FetchError
from vigia.core.model import Item
from vigia.core.text import one_line
from vigia.scrapers.base import (
    Page,
    Phrase,
    Source,
    SourceSettings,
    WebAddress,
    Window,
    failed_page,
)
from vigia.scrapers.http import HttpClient
from vigia.scrapers.text import decode, html_to_text, soup

log = logging.getLogger(__name__)

MAX_DIFF_LINES = 200


class WatchedPage(BaseModel):
    """A page watched for changes: its name, address, the part read and lines ignored."""

    model_config = ConfigDict(extra="forbid")

    name: Phrase
    url: WebAddress
    selector: str | None = None
    ignore: list[str] = []
    lang: Literal["es", "en", ""] = ""

    @field_validator("ignore")
    @classmethod
    def _patterns_compile(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            try:
                _ignore_pattern(pattern)
            except ConfigError as exc:
                raise ValueError(str(exc).removeprefix("watch: ")) from exc
        return patterns


class WatchSettings(SourceSettings):
    """The watched pages' keys in sources.yaml."""

    pages: list[WatchedPage] | None = None


class WatchedPagesSource(Source):
    """Pages listed in sources.yaml whose text is compared with the last version seen."""

    name = "watch"
    kind = "page"
    settings = WatchSettings
    unchanged_roles = frozenset({"watch"})

    def fetch(self, http: HttpClient, window: Window) -> list[Page]:
        """GET every watched page with its stored validators; one failure stops no other."""
        pages = []
        for spec in self.config.get("pages", []):
            context = {
                "page": spec["name"],
                "previous": window.previous.get(spec["name"]),
                # The day the change is seen dates it; parse reads no clock.
                "seen_on": window.days[-1].isoformat() if window.days else None,
            }
            try:
                pages.append(
                    http.get(
                        spec["url"],
                        "watch",
                        context=context,
                        validators=window.validators.get(spec["url"]),
                    )
                )
            except FetchError as exc:
                pages.append(failed_page(exc, page=spec["name"]))
        return pages

    def parse(self, pages: list[Page]) -> list[Item]:
        """One item per page whose main text differs from the previous snapshot."""
        items = []
        for page in pages:
            if page.role != "watch" or page.status == 304 or page.context.get("previous") is None:
                continue
            title, text = self.main_text(page)
            item = self._change(page, title, page.context["previous"], text)
            if item is not None:
                items.append(item)
        return items

    def snapshots(self, pages: list[Page]) -> dict[str, str]:
        """The main text of every page fetched in full, to compare with next time."""
        return {
            page.context["page"]: self.main_text(page)[1]
            for page in pages
            if page.role == "watch" and page.status != 304
        }

    def main_text(self, page: Page) -> tuple[str, str]:
        """The page's title and main text, volatile lines removed."""
        spec = self._spec(page.context["page"])
        tree = soup(decode(page.body, page.content_type))
        title = one_line(tree.title.get_text()) if tree.title else spec["name"]
        for tag in tree(["nav", "header", "footer", "script", "style", "noscript", "form"]):
            tag.decompose()
        root = (tree.select_one(spec["selector"]) if spec.get("selector") else None) or (
            tree.find("main") or tree.find("article") or tree.body or tree
        )
        ignore = [_ignore_pattern(p) for p in spec.get("ignore", [])]
        lines = [
            line
            for line in html_to_text(str(root)).splitlines()
            if not any(_matches_in_time(p, line) for p in ignore)
        ]
        return title, "\n".join(lines)

    def _change(self, page: Page, title: str, before: str, after: str) -> Item | None:
        if before == after:
            return None
        spec = self._spec(page.context["page"])
        diff = [
            line
            for line in difflib.ndiff(before.splitlines(), after.splitlines())
            if line[:2] in ("+ ", "- ")
        ]
        # Added lines first: they carry the news; removed ones give context.
        ordered = [d for d in diff if d.startswith("+")] + [d for d in diff if d.startswith("-")]
        digest = hashlib.sha256(after.encode()).hexdigest()[:16]
        return Item(
            source=self.name,
            kind=self.kind,
            external_id=f"{spec['name']}:{digest}",
            url=spec["url"],
            title=f"Cambio en la página vigilada: {title}",
            text="\n".join(ordered[:MAX_DIFF_LINES]),
            published=date.fromisoformat(seen) if (seen := page.context.get("seen_on")) else None,
            lang=spec.get("lang", ""),
            meta={
                "page": spec["name"],
                "added": sum(d.startswith("+") for d in diff),
                "removed": sum(d.startswith("-") for d in diff),
            },
        )

    def _spec(self, name: str) -> dict[str, Any]:
        return next(p for p in self.config.get("pages", []) if p["name"] == name)


# An operator's pattern meets hostile text: a pattern that backtracks badly on some line is
# given this long, then the line is kept (a spurious change is better than a hung run).
IGNORE_TIMEOUT_SECONDS = 0.5


def _ignore_pattern(pattern: str) -> regex.Pattern[str]:
    try:
        return regex.compile(pattern, regex.IGNORECASE | regex.VERSION0)
    except regex.error as exc:
        raise ConfigError(f"watch: ignore pattern {pattern!r} is not a valid regex: {exc}") from exc


def _matches_in_time(pattern: regex.Pattern[str], line: str) -> bool:
    try:
        return pattern.search(line, timeout=IGNORE_TIMEOUT_SECONDS) is not None
    except TimeoutError:
        log.warning(
            "ignore pattern %r gave up on a line after %s s",
            pattern.pattern,
            IGNORE_TIMEOUT_SECONDS,
        )
        return False
