"""One flow per kind of source: fetch → parse → store, then announce new items."""

from __future__ import annotations

from typing import Any

from prefect import flow

from flows.common import announce_items, ingest, settings_for
from vigia.pipeline import IngestReport


def _ingest(
    source: str, db_path: str | None, sources_config: dict[str, Any] | None
) -> IngestReport:
    report = ingest(settings_for(db_path, sources_config), source)
    announce_items(report)
    if not report.ok:
        raise RuntimeError(f"source {source} failed: {report.error}")
    return report


@flow(name="ingest-gazette")
def ingest_gazette(
    db_path: str | None = None, sources_config: dict[str, Any] | None = None
) -> IngestReport:
    """Read the Diario Oficial (SIDOF, DOF fallback) for the configured days."""
    return _ingest("gazette", db_path, sources_config)


@flow(name="ingest-courts")
def ingest_courts(
    db_path: str | None = None, sources_config: dict[str, Any] | None = None
) -> IngestReport:
    """Read SCJN rulings for the configured queries."""
    return _ingest("scjn", db_path, sources_config)


@flow(name="ingest-news")
def ingest_news(
    db_path: str | None = None, sources_config: dict[str, Any] | None = None
) -> IngestReport:
    """Read the configured news feeds."""
    return _ingest("news", db_path, sources_config)


@flow(name="ingest-watch")
def ingest_watch(
    db_path: str | None = None, sources_config: dict[str, Any] | None = None
) -> IngestReport:
    """Compare the watched pages with their last version."""
    return _ingest("watch", db_path, sources_config)


INGEST_FLOWS = {
    "gazette": ingest_gazette,
    "scjn": ingest_courts,
    "news": ingest_news,
    "watch": ingest_watch,
}
