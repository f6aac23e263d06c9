"""Process new items: classify → enqueue alerts → dispatch; and the one-shot run of everything."""

from __future__ import annotations

from typing import Any

from prefect import flow

from vigia import pipeline, report
from vigia.flows.common import (
    build_digests,
    classify_and_dispatch,
    dispatch,
    ingest_all,
    settings_for,
)
from vigia.scrapers import SOURCES


@flow(name="process-items")
def process_items(
    db_path: str | None = None, sources_config: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Classify pending items, queue alerts for new matches and send the outbox."""
    settings = settings_for(db_path, sources_config)
    with pipeline.recorded_run(settings, "process") as run:
        classified, sent = classify_and_dispatch(settings)
        run.outcome(classified=classified, dispatch=sent)
    pipeline.publish_snapshot(settings)
    pipeline.raise_for_failures([], sent, classified)
    return {"classify": classified, "dispatch": sent}


@flow(name="vigia-run")
def vigia_run(
    sources: list[str] | None = None,
    db_path: str | None = None,
    sources_config: dict[str, Any] | None = None,
    command: str = "run",
    digest: bool = False,
) -> dict[str, Any]:
    """Run every source once, then process (``digest``: also send the digests now); the run
    fails after alerts if any source failed."""
    settings = settings_for(db_path, sources_config)
    with pipeline.recorded_run(settings, command) as run:
        pipeline.check_ready(settings, sources)
        ingests = ingest_all(settings, sources or list(SOURCES))
        classified, sent = classify_and_dispatch(settings, digest=digest)
        run.outcome(ingests, classified, sent)
    pipeline.publish_snapshot(settings)
    pipeline.raise_for_failures(ingests, sent, classified)
    return run.summary


@flow(name="send-digest")
def send_digest(db_path: str | None = None) -> dict[str, Any]:
    """Build each channel's digest of the alerts that waited for it, and send the outbox."""
    settings = settings_for(db_path, None)
    with pipeline.recorded_run(settings, "digest") as run:
        digests = build_digests(settings)
        sent = dispatch(settings)
        run.outcome(dispatch=sent)
    pipeline.publish_snapshot(settings)
    pipeline.raise_for_failures([], sent)
    return {"digests": digests, "dispatch": sent}


@flow(name="build-report")
def build_report(db_path: str | None = None, out_dir: str | None = None) -> str:
    """Write the static report of where each demand stands (from the readers' snapshot)."""
    settings = settings_for(db_path, None)
    target = out_dir or str(settings.db_path.parent / "report")
    return str(report.build_report(settings, target).index)
