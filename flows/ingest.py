"""One flow per kind of source: fetch → parse → store, then announce new items."""

from __future__ import annotations

from typing import Any

from prefect import flow

from vigia.flows.common import ingest_all, settings_for
from vigia.pipeline import IngestReport, raise_for_failures, recorded_run


def _ingest(
    sources: list[str], db_path: str | None, sources_config: dict[str, Any] | None
) -> list[IngestReport]:
    settings = settings_for(db_path, sources_config)
    with recorded_run(settings, f"ingest {' '.join(sources)}") as run:
        reports = ingest_all(settings, sources)
        run.outcome(reports)
    raise_for_failures(reports, None)
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
