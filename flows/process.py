"""Process new items: classify → enqueue alerts → dispatch; and the one-shot run of everything."""

from __future__ import annotations

from typing import Any

from prefect import flow

from flows.common import announce_items, announce_matches, classify, dispatch, ingest, settings_for
from scrapers import SOURCES
from vigia import pipeline


@flow(name="process-items")
def process_items(
    db_path: str | None = None, sources_config: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Classify pending items, queue alerts for new matches and send the outbox."""
    settings = settings_for(db_path, sources_config)
    classified = classify(settings)
    announce_matches(classified)
    sent = dispatch(settings)
    pipeline.raise_for_failures([], sent)
    return {"classify": classified, "dispatch": sent}


@flow(name="vigia-run")
def vigia_run(
    sources: list[str] | None = None,
    db_path: str | None = None,
    sources_config: dict[str, Any] | None = None,
    command: str = "run",
) -> dict[str, Any]:
    """Run every source once, then process; the run fails after alerts if any source failed."""
    settings = settings_for(db_path, sources_config)
    run_id = pipeline.start_run(settings, command)
    ingests = [ingest(settings, name) for name in sources or list(SOURCES)]
    for report in ingests:
        announce_items(report)
    classified = classify(settings)
    announce_matches(classified)
    sent = dispatch(settings)
    summary = pipeline.finish_run(settings, run_id, ingests, classified, sent)
    pipeline.raise_for_failures(ingests, sent)
    return summary
