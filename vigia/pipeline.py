"""The pipeline's steps as plain functions: ingest a source, classify new items, dispatch alerts.

Flows wrap each step in one Prefect task; tests and the CLI can call them
directly. Each step opens the store briefly and lets go, so a researcher's
query or another flow run is never blocked for long.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from alerts import (
    DeliveryFailed,
    Message,
    Sender,
    console_notice,
    render_alert,
    render_console,
    render_notice,
    sender_from_env,
)
from classify import Campaign, Classifier, load_demands
from classify.events import assign_events
from scrapers import SOURCES
from scrapers.base import Window, run_source
from scrapers.errors import ConfigError, RunFailed
from scrapers.http import HttpClient
from storage import open_store
from vigia import health
from vigia.config import Settings
from vigia.health import HealthPolicy

log = logging.getLogger(__name__)

# How far back a news story may be matched as the same event as a new one.
EVENT_WINDOW = timedelta(days=3)
# How far back stored items of undated sources (feeds) count as known: feeds rarely keep more.
KNOWN_WINDOW = timedelta(days=30)


@dataclass
class IngestReport:
    """What ingesting one source did."""

    source: str
    fetched: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    pages: int = 0
    not_modified: int = 0
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    health: str = health.OK
    bytes_fetched: int = 0

    @property
    def ok(self) -> bool:
        """True when the source ran to the end."""
        return self.error is None


@dataclass
class ClassifyReport:
    """What classifying pending items did."""

    classified: int = 0
    matches: int = 0
    new_matches: int = 0
    alerts_enqueued: int = 0
    alerts_suppressed: int = 0
    new_by_demand: dict[str, int] = field(default_factory=dict)


@dataclass
class DispatchReport:
    """What sending the outbox did."""

    sent: int = 0
    failed: int = 0
    retry_later: int = 0
    via: str = ""
    errors: list[str] = field(default_factory=list)


def now() -> datetime:
    """The current time in UTC (one place, so reports agree)."""
    return datetime.now(UTC)


def ingest_source(settings: Settings, name: str, window: Window | None = None) -> IngestReport:
    """Fetch, parse and store one source, and record its state; errors land in the report."""
    if name not in SOURCES:
        raise ConfigError(f"unknown source {name!r}; registered: {', '.join(SOURCES)}")
    source = SOURCES[name](source_config(settings, name))
    window = window or settings.window(name)
    with open_store(settings.db_path) as store:
        known = (
            store.known_ids(name, window.days)
            if source.dated
            else store.recent_ids(name, now() - KNOWN_WINDOW)
        )
        window = Window(
            days=window.days,
            validators=store.validators(name),
            known=known,
            previous=store.snapshots(name),
        )
    http = HttpClient(settings.http)
    try:
        result = run_source(source, http, window)
    finally:
        http.close()
    policy = HealthPolicy.for_source(settings.health, settings.sources.get(name, {}))
    with open_store(settings.db_path) as store:
        upsert = store.upsert_items(result.items, now())
        store.save_snapshots(name, result.snapshots, now())
        if source.kind == "news" and upsert.new_ids:
            recent = store.recent_stories("news", now() - EVENT_WINDOW, upsert.new_ids)
            store.set_event_ids(assign_events(store.stories(upsert.new_ids), recent))
        changed = len(upsert.new_ids) + len(upsert.changed_ids)
        state = store.record_source_result(result, now(), new_items=changed)
        status, since, notice = health.transition(name, state, policy, now())
        store.set_health(name, status, since)
        if notice:
            store.enqueue_notice(notice, now())
    report = IngestReport(
        source=name,
        fetched=len(result.items),
        new=len(upsert.new_ids),
        changed=len(upsert.changed_ids),
        unchanged=upsert.unchanged,
        pages=result.pages,
        not_modified=result.not_modified,
        error=result.error,
        warnings=result.warnings,
        health=status,
        bytes_fetched=http.bytes_received,
    )
    log.info("ingested %s: %s", name, asdict(report))
    return report


def source_config(settings: Settings, name: str) -> dict[str, Any]:
    """A source's config, with news search feeds generated from the demands when asked."""
    config = dict(settings.sources.get(name, {}))
    spec = config.pop("search_feeds", None)
    if name == "news" and spec:
        campaign = load_demands(settings.demands_path)
        config["feeds"] = [*config.get("feeds", []), *search_feeds(campaign, spec)]
    return config


def search_feeds(campaign: Campaign, spec: dict[str, Any]) -> list[dict[str, Any]]:
    """One search feed per demand: its first Spanish names, quoted and OR-ed, in ``spec['url']``.

    Key terms (a law's or an institution's name) come first: they find the demand alone,
    where a broad term ("base de datos") would bring mostly noise.
    """
    template = str(spec["url"])
    per_demand = int(spec.get("terms_per_demand", 3))
    when = str(spec.get("when", "")).strip()
    feeds = []
    for demand in campaign.demands:
        groups = (demand.key_terms, demand.terms)
        terms = next((g[lang] for g in groups for lang in ("es", "en") if g.get(lang)), ())[
            :per_demand
        ]
        query = " OR ".join(f'"{term}"' for term in terms) + (f" when:{when}" if when else "")
        feeds.append(
            {
                "name": f"search-{demand.id}",
                "url": template.format(query=quote(query)),
                "lang": spec.get("lang", "es"),
            }
        )
    return feeds


def classify_pending(settings: Settings) -> ClassifyReport:
    """Classify items that are new, changed or classified by an older rule set; queue alerts."""
    campaign = load_demands(settings.demands_path)
    classifier = Classifier(campaign)
    channels = {d.id: d.channel for d in campaign.demands}
    report = ClassifyReport()
    by_demand: Counter[str] = Counter()
    with open_store(settings.db_path) as store:
        while batch := store.items_to_classify(classifier.version, limit=2000):
            matches = [m for item in batch for m in classifier.classify(item)]
            new = store.record_matches(batch, matches, classifier.version, now())
            report.classified += len(batch)
            report.matches += len(matches)
            report.new_matches += len(new)
            quiet = store.quiet_ids([m.item_id for m in new])
            loud = [m for m in new if m.item_id not in quiet]
            report.alerts_enqueued += store.enqueue_alerts(loud, channels, now())
            report.alerts_suppressed += store.enqueue_alerts(
                [m for m in new if m.item_id in quiet], channels, now(), status="suppressed"
            )
            by_demand.update(m.demand_id for m in new)
    report.new_by_demand = dict(sorted(by_demand.items()))
    return report


def dispatch_alerts(settings: Settings, sender: Sender | None = None) -> DispatchReport:
    """Send operator notices, then every pending alert; the store is opened only briefly."""
    sender = sender or sender_from_env(settings.env)
    campaign = load_demands(settings.demands_path)
    with open_store(settings.db_path) as store:
        notices, pending = store.pending_notices(), store.pending_alerts()
    report = DispatchReport(via=sender.name)
    outgoing = [(render_notice(n), console_notice(n)) for n in notices]
    for alert in pending:
        message = render_alert(alert, campaign.demand(alert.demand_id))
        outgoing.append((message, render_console(message, alert)))
    for message, console_text in outgoing:
        _deliver(settings, sender, message, console_text, report)
    return report


def _deliver(
    settings: Settings, sender: Sender, message: Message, console_text: str, report: DispatchReport
) -> None:
    try:
        delivery = sender.send(message, console_text)
    except DeliveryFailed as exc:
        with open_store(settings.db_path) as store:
            store.mark_failed(message.key, str(exc), permanent=exc.permanent)
        report.failed += exc.permanent
        report.retry_later += not exc.permanent
        report.errors.append(f"{message.key}: {exc}")
        return
    with open_store(settings.db_path) as store:
        store.mark_sent(message.key, delivery.via, delivery.channel, delivery.ts, now())
    report.sent += 1


def raise_for_failures(ingests: list[IngestReport], dispatch: DispatchReport | None) -> None:
    """Fail the run, after everything else went out, if a source or an alert failed."""
    problems = [f"source {r.source}: {r.error}" for r in ingests if not r.ok]
    if dispatch and dispatch.failed:
        problems += [f"{dispatch.failed} alert(s) failed for good"] + dispatch.errors[:5]
    if problems:
        raise RunFailed("run finished with failures: " + "; ".join(problems))


def start_run(settings: Settings, command: str) -> str:
    """Record a new run and return its id."""
    run_id = uuid.uuid4().hex
    with open_store(settings.db_path) as store:
        store.start_run(run_id, command, now())
    return run_id


def finish_run(
    settings: Settings,
    run_id: str,
    ingests: list[IngestReport],
    classified: ClassifyReport,
    dispatch: DispatchReport,
) -> dict[str, Any]:
    """Record the run's outcome and return its summary."""
    summary = {
        "sources": {r.source: asdict(r) for r in ingests},
        "classify": asdict(classified),
        "dispatch": asdict(dispatch),
    }
    failed = any(not r.ok for r in ingests) or dispatch.failed
    with open_store(settings.db_path) as store:
        store.finish_run(run_id, "failed" if failed else "ok", summary, now())
    return summary
