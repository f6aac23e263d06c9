"""Backfill a source over a date range, in chunks, with a checkpoint after each chunk.

A killed backfill resumes where it stopped: finished chunks are recorded in
``backfill_checkpoints`` and skipped; notas already stored with their text are
not fetched again. Historical items are classified and stored "quiet": their
alerts are recorded as suppressed unless the caller asks for alerts. Memory
does not grow with the range: each chunk is stored and dropped before the next.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

from vigia.config import Settings
from vigia.core.errors import ConfigError
from vigia.pipeline import (
    classify_pending,
    dispatch_alerts,
    ingest_source,
    now,
    recorded_run,
)
from vigia.scrapers import SOURCES
from vigia.scrapers.base import Window
from vigia.scrapers.http import HttpClient


def backfillable() -> dict[str, int]:
    """Sources whose APIs can be asked about past dates, and their natural chunk in days."""
    return {
        name: source.backfill_chunk_days
        for name, source in SOURCES.items()
        if source.backfill_chunk_days
    }


@dataclass
class BackfillReport:
    """What a backfill did, for the CLI, the flow and the benchmark."""

    job: str
    source: str
    chunks_total: int
    chunks_skipped: int = 0
    chunks_done: int = 0
    items: int = 0
    new_items: int = 0
    matches: int = 0
    bytes_fetched: int = 0
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)

    @property
    def items_per_second(self) -> float:
        """Items stored per second of wall time."""
        return self.items / self.seconds if self.seconds else 0.0


Progress = Callable[[BackfillReport], None]


def chunks(start: date, end: date, days: int) -> list[tuple[date, date]]:
    """Consecutive [first, last] day ranges of at most ``days`` days covering start..end."""
    if end < start:
        raise ConfigError(f"backfill range is empty: {start} is after {end}")
    if days < 1:
        raise ConfigError("chunk size must be at least one day")
    spans = []
    first = start
    while first <= end:
        last = min(first + timedelta(days=days - 1), end)
        spans.append((first, last))
        first = last + timedelta(days=1)
    return spans


def run_backfill(
    settings: Settings,
    source: str,
    start: date,
    end: date,
    *,
    chunk_days: int | None = None,
    alert: bool = False,
    progress: Progress | None = None,
) -> BackfillReport:
    """Walk start..end in chunks: fetch, store quietly, checkpoint, classify; resume if rerun."""
    if source not in backfillable():
        raise ConfigError(
            f"cannot backfill {source!r}: its API keeps no history we can ask; "
            f"backfillable: {', '.join(backfillable())}"
        )
    with recorded_run(settings, f"backfill {source} {start}..{end}") as run:
        report = _walk(settings, source, start, end, chunk_days, alert, progress)
        run.summary = {"backfill": asdict(report)}
        run.cause = "; ".join(report.errors[:5])
    if alert:
        dispatch_alerts(settings)
    return report


def _walk(
    settings: Settings,
    source: str,
    start: date,
    end: date,
    chunk_days: int | None,
    alert: bool,
    progress: Progress | None,
) -> BackfillReport:
    plan = chunks(start, end, chunk_days or backfillable()[source])
    job = f"{source}:{start.isoformat()}:{end.isoformat()}"
    report = BackfillReport(job, source, len(plan))
    with settings.storage.open() as store:
        done = store.sources.done_chunks(job)
    started = time.monotonic()
    http = HttpClient(settings.http)
    try:
        for first, last in plan:
            if first in done:
                report.chunks_skipped += 1
            else:
                # Each chunk is one run's worth of fetching: a long backfill is not one
                # source run that overstays its deadline.
                http.start_budget()
                _run_chunk(settings, source, http, job, first, last, alert, report)
            report.bytes_fetched = http.bytes_received
            report.seconds = time.monotonic() - started
            if progress:
                progress(report)
    finally:
        http.close()
    return report


def _run_chunk(
    settings: Settings,
    source: str,
    http: HttpClient,
    job: str,
    first: date,
    last: date,
    alert: bool,
    report: BackfillReport,
) -> None:
    days = tuple(first + timedelta(days=n) for n in range((last - first).days + 1))
    # The same path as a run (language, story grouping, source health), with quiet alerts.
    ingested = ingest_source(settings, source, Window(days=days), http=http, quiet=not alert)
    if ingested.error:
        # No checkpoint: the chunk is tried again when the backfill is rerun.
        report.errors.append(f"{first}..{last}: {ingested.error}")
        return
    with settings.storage.open() as store:
        store.sources.record_checkpoint(
            job, source, first, last, ingested.fetched, ingested.new, now()
        )
    classified = classify_pending(settings)
    report.matches += classified.new_matches
    report.errors += [
        f"item {item}: classifier failed: {why}" for item, why in classified.failed.items()
    ]
    report.chunks_done += 1
    report.items += ingested.fetched
    report.new_items += ingested.new
