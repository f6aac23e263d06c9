"""One flow per kind of source: fetch → parse → store, then announce new items."""

from __future__ import annotations

from typing import Any

from prefect import flow

from flows.common import announce_items, ingest, settings_for
from vigia.pipeline import IngestReport


def _ingest(
    sources: list[str], db_path: str | None, sources_config: dict[str, Any] | None
) -> list[IngestReport]:
    settings = settings_for(db_path, sources_config)
    reports = [ingest(settings, source) for source in sources]
    for report in reports:
        announce_items(report)
    failed = [f"{r.source}: {r.error}" for r in reports if not r.ok]
    if failed:
        raise RuntimeError(f"source(s) failed: {'; '.join(failed)}")
    return reports


@flow(name="ingest-gazette")
def ingest_gazette(
    db_path: str | None = None, sources_config: dict[str, Any] | None = None
) -> list[IngestReport]:
    """Read the Diario Oficial (SIDOF, DOF fallback) for the configured days."""
    return _ingest(["gazette"], db_path, sources_config)


@flow(name="ingest-courts")
def ingest_courts(
    db_path: str | None = None, sources_config: dict[str, Any] | None = None
) -> list[IngestReport]:
    """Read SCJN rulings and press releases, and Corte IDH judgments concerning Mexico."""
    return _ingest(["scjn", "scjn_press", "corteidh"], db_path, sources_config)


@flow(name="ingest-news")
def ingest_news(
    db_path: str | None = None, sources_config: dict[str, Any] | None = None
) -> list[IngestReport]:
    """Read the configured news feeds."""
    return _ingest(["news"], db_path, sources_config)


@flow(name="ingest-watch")
def ingest_watch(
    db_path: str | None = None, sources_config: dict[str, Any] | None = None
) -> list[IngestReport]:
    """Compare the watched pages with their last version."""
    return _ingest(["watch"], db_path, sources_config)
