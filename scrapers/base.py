"""The item model and the Source interface every scraper implements.

A source has two halves: ``fetch`` does the I/O through the shared polite
HTTP client and returns raw pages; ``parse`` turns those pages into items
without touching the network, so tests can feed it recorded bytes.
"""

from __future__ import annotations

import hashlib
import logging
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool

from vigia.core.errors import EmptyResult, FetchError, VigiaError
from vigia.core.model import Item

if TYPE_CHECKING:
    from vigia.scrapers.http import HttpClient

log = logging.getLogger(__name__)

_WEB_ADDRESS = re.compile(r"https?://[^\s/]+\S*")


def _web_address(value: str) -> str:
    if not _WEB_ADDRESS.fullmatch(value):
        raise ValueError("must be an absolute http:// or https:// address")
    return value


# An address a source is read from: sources.yaml gives absolute http(s) URLs only.
WebAddress = Annotated[str, AfterValidator(_web_address)]
Phrase = Annotated[str, Field(min_length=1)]
Count = Annotated[int, Field(ge=0)]


class SourceSettings(BaseModel):
    """The keys every source takes in sources.yaml; each source's model adds its own.

    A key left out is not filled in here: the source's own default applies.
    """

    model_config = ConfigDict(extra="forbid")

    days_back: Count | None = None
    dates: list[date] | None = None
    expects_items: StrictBool | None = None
    max_silence_hours: Annotated[float, Field(gt=0)] | None = None


@dataclass(frozen=True)
class Page:
    """Raw bytes of one HTTP response, tagged with the role it plays for the parser."""

    url: str
    body: bytes
    role: str
    content_type: str | None = None
    status: int = 200
    etag: str | None = None
    last_modified: str | None = None
    context: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


def failed_page(exc: FetchError, **context: Any) -> Page:
    """Record a failed request among the pages, so one failure does not hide the rest."""
    return Page(
        url=exc.url,
        body=b"",
        role="error",
        status=exc.status or 0,
        context={"error": str(exc), **context},
    )


@dataclass(frozen=True)
class Window:
    """What a run asks a source for: gazette days, court years, feed validators."""

    days: tuple[date, ...]
    validators: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    # External ids already stored with their full text: a source may skip refetching them.
    known: frozenset[str] = frozenset()
    # Last snapshot of each watched page, by name.
    previous: dict[str, str] = field(default_factory=dict)
    # The SHA-256 of each page's body the last time it was read, by URL (see unchanged_roles).
    digests: dict[str, str] = field(default_factory=dict)

    @property
    def years(self) -> tuple[int, ...]:
        """Distinct years covered by the window, newest first."""
        return tuple(sorted({d.year for d in self.days}, reverse=True))


@dataclass
class SourceResult:
    """What one source produced in one run: items, pages seen, or the error that stopped it."""

    source: str
    items: list[Item] = field(default_factory=list)
    error: str | None = None
    error_type: str | None = None
    warnings: list[str] = field(default_factory=list)
    pages: int = 0
    not_modified: int = 0
    validators: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    snapshots: dict[str, str] = field(default_factory=dict)
    # Each part of a source that fails on its own (a news feed), with its error or None.
    units: dict[str, str | None] = field(default_factory=dict)
    # The days (ISO dates) some request of which failed: they are not final yet.
    failed_days: set[str] = field(default_factory=set)
    # The SHA-256 of each body read whole this run, by URL, to recognise it unchanged next run.
    digests: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when the source ran to the end."""
        return self.error is None


@dataclass(frozen=True)
class ReplayRoute:
    """How the demo's local server answers one kind of request to this source, from the
    recorded pages (``tests/fixtures``, installed as ``vigia.pages``).

    ``path`` is a regular expression over the URL path; ``files`` are candidate files under the
    pages, formatted with the path's named groups, the query's fields and what ``fields`` reads
    from the request (a POST's JSON body); the first that exists is served, else 404.
    """

    path: str
    files: tuple[str, ...]
    content_type: str
    method: str = "GET"
    etag: bool = False  # answer a matching If-None-Match with 304, as feeds do
    fields: Callable[[dict[str, str], dict[str, Any]], dict[str, str]] | None = None


class Source(ABC):
    """A place Vigía reads. Subclasses set ``name``, ``kind`` and a docstring."""

    name: ClassVar[str]
    kind: ClassVar[str]
    # Whether items are asked for by publication day (the gazette) rather than "what is new".
    dated: ClassVar[bool] = False
    # The keys this source takes in sources.yaml, checked when settings load.
    settings: ClassVar[type[SourceSettings]] = SourceSettings
    # Days per chunk when its past is read (`vigia backfill`); None: it keeps no history to ask.
    backfill_chunk_days: ClassVar[int | None] = None
    # Whether items telling the same story (the press) are grouped into one event.
    groups_stories: ClassVar[bool] = False
    # Where the source's days begin: "today" and "the last N days" are counted there.
    time_zone: ClassVar[str] = "America/Mexico_City"
    # How `vigia demo` replays it offline (paths as in the demo's sources config).
    replay_routes: ClassVar[tuple[ReplayRoute, ...]] = ()
    # For a dated source whose days stop changing: how many days after a day its listing is
    # final, so a day read in full once that long after is never fetched again. None: never.
    final_after_days: ClassVar[int | None] = None
    # Roles of pages whose parser reads a 304 as "nothing new": such a page whose bytes are
    # those of the last run is handed to it as a 304, so it is not parsed again (a server that
    # sends no validators still costs its bytes, no longer the parsing and the writes).
    unchanged_roles: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config

    @classmethod
    def configure(
        cls, config: dict[str, Any], demand_terms: Mapping[str, tuple[str, ...]]
    ) -> dict[str, Any]:
        """The config to run with, given each demand's search terms (its id → its names, the
        most specific first); by default the config as written. A source whose queries come
        from the campaign (the news search feeds) builds them here."""
        return config

    @abstractmethod
    def fetch(self, http: HttpClient, window: Window) -> list[Page]:
        """Download the raw pages this source needs for the window (I/O only)."""

    @abstractmethod
    def parse(self, pages: list[Page]) -> list[Item]:
        """Turn raw pages into items (pure: no network, no clock)."""

    def snapshots(self, pages: list[Page]) -> dict[str, str]:
        """Texts to remember for the next run (watched pages); none by default."""
        return {}


def _units(pages: list[Page]) -> dict[str, str | None]:
    # A page names its unit in ``context["unit"]``; a unit fails when any of its pages did.
    units: dict[str, str | None] = {}
    for page in pages:
        unit = page.context.get("unit")
        if unit:
            error = page.context.get("error") if page.role == "error" else None
            units[str(unit)] = units.get(str(unit)) or error
    return units


def body_digest(body: bytes) -> str:
    """The SHA-256 of a page's body, as hex."""
    return hashlib.sha256(body).hexdigest()


def _unchanged_as_304(
    pages: list[Page], digests: dict[str, str], before: dict[str, str]
) -> list[Page]:
    # A page whose body is the last run's reaches its parser as a 304 (see unchanged_roles).
    return [
        replace(p, status=304, body=b"")
        if p.url in digests and before.get(p.url) == digests[p.url]
        else p
        for p in pages
    ]


def _digests_to_keep(pages: list[Page], result: SourceResult) -> dict[str, str]:
    # A page is skipped next time only if nothing of it failed this time, and only after a run
    # that found items: a source that keeps answering an empty page must go on counting empty
    # runs (its health notices), which a skipped page would hide.
    if not result.items:
        return {}
    failed = {unit for unit, error in result.units.items() if error}
    return {
        p.url: result.digests[p.url]
        for p in pages
        if p.url in result.digests and p.context.get("unit") not in failed
    }


def run_source(source: Source, http: HttpClient, window: Window) -> SourceResult:
    """Fetch and parse one source; any VigiaError is captured in the result, never raised."""
    result = SourceResult(source=source.name)
    try:
        pages = source.fetch(http, window)
        result.digests = {
            p.url: body_digest(p.body)
            for p in pages
            if p.role in source.unchanged_roles and p.status == 200
        }
        pages = _unchanged_as_304(pages, result.digests, window.digests)
        result.pages = len(pages)
        result.not_modified = sum(1 for p in pages if p.status == 304)
        result.warnings = [p.context.get("error", p.url) for p in pages if p.role == "error"]
        result.validators = {
            p.url: (p.etag, p.last_modified)
            for p in pages
            if p.role != "error" and (p.etag or p.last_modified)
        }
        result.units = _units(pages)
        result.failed_days = {
            str(p.context["day"]) for p in pages if p.role == "error" and "day" in p.context
        }
        result.items = source.parse(pages)
        result.snapshots = source.snapshots(pages)
        result.digests = _digests_to_keep(pages, result)
        usable = [p for p in pages if p.role != "error"]
        if not usable and pages:
            raise EmptyResult(f"{source.name}: every request failed: {result.warnings[0]}")
    except VigiaError as exc:
        result.error, result.error_type = str(exc), type(exc).__name__
        result.items, result.digests = [], {}
    except Exception as exc:  # noqa: BLE001 - a parser bug must not stop the other sources
        log.exception("source %s failed unexpectedly", source.name)
        result.error = f"{source.name}: unexpected {type(exc).__name__}: {exc}"
        result.error_type, result.items, result.digests = "ParseError", [], {}
    return result
