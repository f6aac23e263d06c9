"""Backfill as a Prefect deployment: the same resumable walk as `vigia backfill`."""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from vigia.backfill import BackfillReport, run_backfill
from vigia.flows.common import settings_for, source_slot


@task(name="backfill-range", cache_policy=NO_CACHE)
def backfill_range(
    settings: Any, source: str, start: date, end: date, chunk_days: int | None, alert: bool
) -> BackfillReport:
    """Walk the range chunk by chunk (checkpointed, so a retry resumes), holding the source's
    slot: an ingest of the same source on another worker waits."""
    with source_slot(source):
        return run_backfill(settings, source, start, end, chunk_days=chunk_days, alert=alert)


@flow(name="backfill")
def backfill(
    source: str,
    date_from: date,
    date_to: date,
    chunk_days: int | None = None,
    alert: bool = False,
    db_path: str | None = None,
    sources_config: dict[str, Any] | None = None,
) -> BackfillReport:
    """Backfill one source; the run fails if any chunk failed (rerun to retry only those)."""
    report = backfill_range(
        settings_for(db_path, sources_config), source, date_from, date_to, chunk_days, alert
    )
    if report.errors:
        raise RuntimeError(f"{len(report.errors)} chunk(s) failed: {report.errors[:3]}")
    return report
