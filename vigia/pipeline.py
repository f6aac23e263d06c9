"""The pipeline's steps as plain functions: ingest a source, classify new items, dispatch alerts.

Flows wrap each step in one Prefect task; tests and the CLI can call them
directly. Each step opens the store briefly and lets go, so a researcher's
query or another flow run is never blocked for long.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from vigia import health, status
from vigia.classify import Campaign
from vigia.classify.campaigns import Campaigns, CampaignsClassifier
from vigia.classify.events import assign_events
from vigia.classify.lang import detect_language
from vigia.clock import now
from vigia.config import Settings
from vigia.core.errors import ConfigError, RunFailed, VigiaError
from vigia.core.model import Item, Match
from vigia.core.text import one_line
from vigia.dispatch import DispatchReport, dispatch_alerts  # noqa: F401 - the pipeline's last step
from vigia.health import HealthPolicy
from vigia.scrapers import SOURCES
from vigia.scrapers.base import Source, SourceResult, Window, run_source
from vigia.scrapers.http import HttpClient
from vigia.storage import Store

log = logging.getLogger(__name__)

# How far back a news story may be matched as the same event as a new one.
EVENT_WINDOW = timedelta(days=3)
# How far back stored items of undated sources (feeds) count as known: feeds rarely keep more.
KNOWN_WINDOW = timedelta(days=30)
# A run still open after this long, on another host, is taken as abandoned.
ABANDONED_AFTER = timedelta(hours=24)


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
    final_days_skipped: int = 0  # days already read in full once final: not fetched

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
    by_demand: Counter[str] = field(default_factory=Counter)
    changes: list[MatchChange] = field(default_factory=list)
    titles: dict[str, str] = field(default_factory=dict)
    status_changes: list[status.StatusChange] = field(default_factory=list)
    # Items the classifier failed on, with why: left unclassified for the next run.
    failed: dict[str, str] = field(default_factory=dict)
    dry_run: bool = False

    @property
    def status_moves(self) -> list[status.StatusChange]:
        """The status changes that moved a demand's status (not only its evidence)."""
        return [change for change in self.status_changes if change.moved]

    @property
    def new_by_demand(self) -> dict[str, int]:
        """New matches per demand, in demand order."""
        return dict(sorted(self.by_demand.items()))

    def summary(self) -> dict[str, Any]:
        """The counts, for the run record (the changes themselves are printed, not stored)."""
        return {
            "classified": self.classified,
            "matches": self.matches,
            "new_matches": self.new_matches,
            "alerts_enqueued": self.alerts_enqueued,
            "alerts_suppressed": self.alerts_suppressed,
            "new_by_demand": self.new_by_demand,
            "changes": {kind: self.count(kind) for kind in ("new", "dropped", "stance")},
            "status_changes": [
                f"{c.demand_id}: {c.before} -> {c.after}" for c in self.status_changes
            ],
            "failed": dict(self.failed),
        }

    def count(self, kind: str) -> int:
        """How many changes of one kind ('new', 'dropped', 'stance')."""
        return sum(1 for change in self.changes if change.kind == kind)


def ingest_source(
    settings: Settings,
    name: str,
    window: Window | None = None,
    *,
    http: HttpClient | None = None,
    quiet: bool = False,
) -> IngestReport:
    """Fetch, parse and store one source, and record its state; errors land in the report.

    The one ingest path: a run reads the source's usual window; a backfill passes each chunk's
    days, its own client (one politeness budget across chunks) and ``quiet`` (the items are
    history: their alerts are recorded, never sent).
    """
    if name not in SOURCES:
        raise ConfigError(f"unknown source {name!r}; registered: {', '.join(SOURCES)}")
    source = SOURCES[name](source_config(settings, name))
    window = window or settings.window(name)
    with settings.storage.open() as store:
        final = store.sources.final_days(name) if source.final_after_days is not None else set()
        days = tuple(day for day in window.days if day not in final)
        skipped = len(window.days) - len(days)
        if window.days and not days:
            # Every day asked for was read in full once final: nothing to fetch, nothing to
            # count as an attempt (an empty run would look like a failing source).
            return IngestReport(source=name, final_days_skipped=len(window.days))
        known = (
            store.items.known_ids(name, days)
            if source.dated
            else store.items.recent_ids(name, now() - KNOWN_WINDOW)
        )
        window = Window(
            days=days,
            validators=store.sources.validators(name),
            known=known,
            previous=store.sources.snapshots(name),
            digests=store.sources.digests(name),
        )
    client = http or HttpClient(settings.http)
    try:
        result = run_source(source, client, window)
    finally:
        if http is None:
            client.close()
    policy = HealthPolicy.for_source(settings.health, settings.sources.get(name, {}))
    items = with_language(result.items)
    with settings.storage.open() as store:
        upsert = store.items.upsert(items, now(), quiet=quiet)
        store.sources.save_snapshots(name, result.snapshots, now())
        if source.groups_stories and upsert.new_ids:
            recent = store.items.recent_stories(source.kind, now() - EVENT_WINDOW, upsert.new_ids)
            store.items.set_event_ids(assign_events(store.items.stories(upsert.new_ids), recent))
        changed = len(upsert.new_ids) + len(upsert.changed_ids)
        state = store.sources.record_result(result, now(), new_items=changed)
        store.sources.record_final_days(name, _now_final(source, window, result), now())
        status = _update_health(store, name, state, policy)
        _record_units(store, settings, result, source_healthy=status == health.OK)
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
        bytes_fetched=client.bytes_received,
        final_days_skipped=skipped,
    )
    log.info("ingested %s: %s", name, asdict(report))
    return report


def _now_final(source: Source, window: Window, result: SourceResult) -> list[date]:
    """The days this run read in full that can no longer change (none if the run failed)."""
    if source.final_after_days is None or not result.ok:
        return []
    today = now().astimezone(ZoneInfo(source.time_zone)).date()
    last_final = today - timedelta(days=source.final_after_days)
    return [d for d in window.days if d <= last_final and d.isoformat() not in result.failed_days]


def _record_units(
    store: Store, settings: Settings, result: SourceResult, *, source_healthy: bool
) -> None:
    # Each feed of a source keeps its own health, as "news/<feed>": a feed that keeps failing
    # raises the same notices as a source, while the source's other feeds go on. A source of
    # one feed is its feed; while the whole source is unhealthy, its own notice says it all.
    if len(result.units) < 2:
        return
    policy = HealthPolicy.for_source(settings.health, {})
    for unit, error in result.units.items():
        name = f"{result.source}/{unit}"
        items = [i for i in result.items if i.meta.get("feed") == unit]
        # Empty runs are counted but never alerted on: a feed promises no items.
        state = store.sources.record_result(
            SourceResult(source=name, items=items, error=error), now()
        )
        if source_healthy:
            _update_health(store, name, state, policy)


def _update_health(store: Store, name: str, state: dict[str, Any], policy: HealthPolicy) -> str:
    """Move a source's (or feed's) health on from its recorded state; queue any notice."""
    status, since, notice = health.transition(name, state, policy, now())
    store.sources.set_health(name, status, since)
    if notice:
        store.outbox.enqueue_notice(notice, now())
    return status


def source_config(settings: Settings, name: str) -> dict[str, Any]:
    """A source's config as it runs: as written, completed by the source from the campaign."""
    config = dict(settings.sources.get(name, {}))
    return SOURCES[name].configure(config, demand_terms(settings.campaigns))


def demand_terms(campaigns: Campaign | Campaigns) -> dict[str, tuple[str, ...]]:
    """Each demand's names for searching, the most specific first.

    Key terms (a law's or an institution's name) come first: they find the demand alone,
    where a broad term ("base de datos") would bring mostly noise. Spanish before English.
    """
    found = {}
    for demand in campaigns.demands:
        groups = (demand.key_terms, demand.terms)
        found[demand.id] = next(
            (tuple(g[lang]) for g in groups for lang in ("es", "en") if g.get(lang)), ()
        )
    return found


def classify_pending(settings: Settings) -> ClassifyReport:
    """Classify items that are new, changed or classified by an older rule set; queue alerts.

    New content alerts; an unchanged item reclassified under new rules records its new
    matches with suppressed alerts (see ``reclassify``), so editing demands.yaml never floods
    the channels with old items.
    """
    classifier, routes = _classifier(settings)
    report = ClassifyReport()
    with settings.storage.open() as store:
        # The views list every demand of the current file, moved or not.
        store.statuses.sync_demands(classifier.campaigns)
        while batch := store.items.to_classify(
            classifier.version, limit=2000, skip=sorted(report.failed)
        ):
            _classify_batch(store, classifier, routes, batch, report, alert_reclassified=False)
    return report


def reclassify(
    settings: Settings,
    *,
    everything: bool = False,
    dry_run: bool = False,
    alert_new: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ClassifyReport:
    """Re-run the classifier on stored items and report new, dropped and stance-changed matches.

    By default only items classified by another classifier version; ``everything`` re-reads
    all. Alerts already sent are never sent again; new matches of unchanged items are recorded
    with suppressed alerts unless ``alert_new``. ``dry_run`` reports without writing.
    ``progress(read, total)`` is told after each batch.
    """
    classifier, routes = _classifier(settings)
    report = ClassifyReport(dry_run=dry_run)
    with settings.storage.open() as store:
        after, read, total = "", 0, store.items.count("items")
        while batch := store.items.to_reclassify(after):
            after = batch[-1].id
            read += len(batch)
            if not everything:
                stale = store.matches.stale_ids([i.id for i in batch], classifier.version)
                batch = [i for i in batch if i.id in stale]
            if batch:
                _classify_batch(
                    store, classifier, routes, batch, report, alert_reclassified=alert_new
                )
            if progress:
                progress(read, max(total, read))
        report.titles = store.items.titles(sorted({c.item_id for c in report.changes}))
    return report


def with_language(items: list[Item]) -> list[Item]:
    """The items, each with its language: as declared, or detected from its text."""
    return [
        item
        if item.lang
        else replace(item, lang=detect_language(f"{item.title}\n{item.text}") or "")
        for item in items
    ]


def _classifier(settings: Settings) -> tuple[CampaignsClassifier, dict[str, list[str]]]:
    return CampaignsClassifier(settings.campaigns), settings.routes


def _classify_batch(
    store: Store,
    classifier: CampaignsClassifier,
    routes: dict[str, list[str]],
    batch: list[Item],
    report: ClassifyReport,
    *,
    alert_reclassified: bool,
) -> None:
    batch, matches = _classify_each(classifier, batch, report)
    before = store.matches.stances([item.id for item in batch])
    report.classified += len(batch)
    report.matches += len(matches)
    report.changes.extend(match_changes(before, matches))
    if report.dry_run or not batch:
        return
    # One step: a run killed halfway leaves the batch unclassified, and the next run redoes
    # all of it; never matches recorded with their alerts or status moves missing.
    with store.transaction():
        _record_batch(store, classifier, routes, batch, matches, report, alert_reclassified)


def _classify_each(
    classifier: CampaignsClassifier, batch: list[Item], report: ClassifyReport
) -> tuple[list[Item], list[Match]]:
    """The items the classifier read, and their matches.

    An item it fails on is reported and left unclassified, so one odd text never holds back
    the others, and the next run (or a fixed classifier) tries it again.
    """
    read, matches = [], []
    for item in batch:
        try:
            found = classifier.classify(item)
        except Exception as exc:  # noqa: BLE001 - a bug met on one item must not stop the rest
            report.failed[item.id] = one_line(f"{type(exc).__name__}: {exc}")[:300]
            log.exception("classifying item %s failed; it is left for the next run", item.id)
            continue
        read.append(item)
        matches += found
    return read, matches


def _record_batch(
    store: Store,
    classifier: CampaignsClassifier,
    routes: dict[str, list[str]],
    batch: list[Item],
    matches: list[Match],
    report: ClassifyReport,
    alert_reclassified: bool,
) -> None:
    ids = [item.id for item in batch]
    reclassified = store.matches.classified_unchanged(ids)
    new = store.matches.record(batch, matches, classifier.version, now())
    report.new_matches += len(new)
    quiet = store.items.quiet_ids([m.item_id for m in new])
    if not alert_reclassified:
        quiet |= reclassified
    loud = [m for m in new if m.item_id not in quiet]
    by_id = {item.id: item for item in batch}
    campaigns = classifier.campaigns
    tiers = {
        (m.item_id, m.demand_id): (
            "now"
            if campaigns.owner(m.demand_id).is_urgent(by_id[m.item_id].kind, m.stance)
            else "digest"
        )
        for m in loud
    }
    report.alerts_enqueued += store.outbox.enqueue_alerts(loud, routes, now(), tiers=tiers)
    report.alerts_suppressed += store.outbox.enqueue_alerts(
        [m for m in new if m.item_id in quiet], routes, now(), status="suppressed"
    )
    report.by_demand.update(m.demand_id for m in new)
    # Each campaign moves its demands by its own status policy.
    for campaign in campaigns.all:
        own = [m for m in matches if campaigns.owner(m.demand_id) is campaign]
        report.status_changes.extend(
            _record_statuses(store, campaign, routes, own, by_id, {m.item_id for m in loud})
        )


def _record_statuses(
    store: Store,
    campaign: Campaign,
    routes: dict[str, list[str]],
    matches: list[Match],
    items: dict[str, Item],
    alerting: set[str],
) -> list[status.StatusChange]:
    # Moves of historical or reclassified items rebuild the history without alerting.
    changes = []
    undated = [i.id for i in items.values() if i.published is None]
    first_seen = store.items.first_seen(undated) if undated else {}
    for alert, group in ((True, alerting), (False, set(items) - alerting)):
        grouped = [m for m in matches if m.item_id in group]
        moves = status.moves_for(campaign, grouped, items, first_seen)
        changes += status.apply_moves(store, routes, moves, now(), alert=alert)
    return changes


@dataclass(frozen=True)
class MatchChange:
    """One (item, demand) pair whose match appeared, disappeared or changed stance."""

    item_id: str
    demand_id: str
    before: str | None
    after: str | None

    @property
    def kind(self) -> str:
        """'new', 'dropped' or 'stance'."""
        if self.before is None:
            return "new"
        return "dropped" if self.after is None else "stance"


def match_changes(before: dict[tuple[str, str], str], matches: list[Match]) -> list[MatchChange]:
    """What changed between the stored stances of some items and their new matches."""
    after = {(m.item_id, m.demand_id): m.stance for m in matches}
    changes = [
        MatchChange(item_id, demand_id, before.get((item_id, demand_id)), stance)
        for (item_id, demand_id), stance in after.items()
        if before.get((item_id, demand_id)) != stance
    ]
    changes += [
        MatchChange(item_id, demand_id, stance, None)
        for (item_id, demand_id), stance in before.items()
        if (item_id, demand_id) not in after
    ]
    return sorted(changes, key=lambda c: (c.kind, c.demand_id, c.item_id))


def failure_cause(
    ingests: Sequence[IngestReport],
    dispatch: DispatchReport | None,
    classified: ClassifyReport | None = None,
) -> str:
    """Why a run failed, in one line ("" when nothing did)."""
    problems = [f"source {r.source}: {r.error}" for r in ingests if not r.ok]
    if classified and classified.failed:
        first, why = next(iter(classified.failed.items()))
        problems.append(
            f"the classifier failed on {len(classified.failed)} item(s), left for the next "
            f"run (first: {first}: {why})"
        )
    if dispatch and (dispatch.failed or dispatch.unsettled or dispatch.stopped):
        if dispatch.failed:
            problems.append(f"{dispatch.failed} alert(s) failed for good")
        if dispatch.unsettled:
            problems.append(f"{dispatch.unsettled} interrupted alert(s) could not be checked")
        problems += dispatch.errors[:5]
    return "; ".join(problems)


def raise_for_failures(
    ingests: list[IngestReport],
    dispatch: DispatchReport | None,
    classified: ClassifyReport | None = None,
) -> None:
    """Fail the run, after everything else went out, if a source, an item or an alert failed."""
    cause = failure_cause(ingests, dispatch, classified)
    if cause:
        raise RunFailed("run finished with failures: " + cause)


def check_ready(settings: Settings, sources: list[str] | None = None) -> None:
    """Fail before any work with one clear error if the campaign, a source name or the store
    is wrong: such errors fail the same way on every retry."""
    _ = settings.campaigns  # read (and checked) here, before any work
    unknown = sorted(set(sources or ()) - set(SOURCES))
    if unknown:
        raise ConfigError(
            f"unknown source(s) {', '.join(unknown)}; registered: {', '.join(SOURCES)}"
        )
    with settings.storage.open():
        pass  # opens (and migrates) the store, or says why it cannot


def start_run(settings: Settings, command: str) -> str:
    """Record a new run and return its id; first close the runs whose process died."""
    run_id = uuid.uuid4().hex
    host, pid = socket.gethostname(), os.getpid()
    with settings.storage.open() as store:
        for open_id, open_host, open_pid, started in store.runs.open():
            cause = _why_abandoned(open_host, open_pid, started, host)
            if cause:
                store.runs.finish(open_id, "died", None, now(), cause)
        store.runs.start(run_id, command, now(), host, pid)
    return run_id


def _why_abandoned(host: str | None, pid: int | None, started: datetime, here: str) -> str:
    # On this host a dead process is certain; elsewhere only age tells (no run lasts a day).
    if host == here and pid is not None and not _alive(pid):
        return f"process {pid} on {host} stopped before the run ended (killed or crashed)"
    if now() - started > ABANDONED_AFTER:
        return f"still open after {ABANDONED_AFTER}; its process on {host or '?'} is gone"
    return ""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True


@dataclass
class RunRecord:
    """A run in progress: the block that runs it fills in its summary and, if it failed, why."""

    run_id: str
    summary: dict[str, Any] = field(default_factory=dict)
    cause: str = ""

    def outcome(
        self,
        ingests: Sequence[IngestReport] = (),
        classified: ClassifyReport | None = None,
        dispatch: DispatchReport | None = None,
    ) -> None:
        """Record what the run did and, when a source or an alert failed, why."""
        self.summary = {"sources": {r.source: asdict(r) for r in ingests}}
        if classified is not None:
            self.summary["classify"] = classified.summary()
        if dispatch is not None:
            self.summary["dispatch"] = asdict(dispatch)
        self.cause = failure_cause(ingests, dispatch, classified)


@contextmanager
def recorded_run(settings: Settings, command: str) -> Iterator[RunRecord]:
    """Record a run around the block: started, then closed with its status and cause, also
    when the block raises (a killed process is closed by the next start)."""
    record = RunRecord(start_run(settings, command))
    try:
        yield record
    except BaseException as exc:
        abort_run(settings, record.run_id, exc)
        raise
    with settings.storage.open() as store:
        status = "failed" if record.cause else "ok"
        store.runs.finish(record.run_id, status, record.summary, now(), record.cause or None)


def record_refused_run(settings: Settings, command: str, error: BaseException) -> None:
    """Record a run refused before it began (its configuration was wrong), if the store opens."""
    try:
        run_id = start_run(settings, command)
    except VigiaError:
        return  # the store itself is the problem: there is nowhere to record it
    abort_run(settings, run_id, error)


def abort_run(settings: Settings, run_id: str, error: BaseException) -> None:
    """Close a run that stopped on an error, with the error as its cause."""
    cause = f"{type(error).__name__}: {error}".splitlines()[0]
    with settings.storage.open() as store:
        store.runs.finish(run_id, "failed", None, now(), cause)


def publish_snapshot(settings: Settings) -> None:
    """Refresh the readers' snapshot (researchers, reports) after a run's writes."""
    settings.storage.refresh_readers()
