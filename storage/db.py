"""Open the DuckDB store with a lock retry, and apply ordered migrations.

DuckDB lets one process hold a database file at a time, even for readers
(docs/reference/STACK.md §2.2). Every command therefore opens short-lived
connections and retries while another process holds the lock.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Protocol

import duckdb

from vigia.core.errors import StorageError

log = logging.getLogger(__name__)

LOCK_MESSAGE = "Could not set lock"
DEFAULT_LOCK_TIMEOUT = 120.0
# DuckDB's buffer pool defaults to 80% of RAM and, measured on a growing store, a process's
# peak memory grew with the store; a fixed cap keeps a long backfill's memory flat.
MEMORY_LIMIT = os.environ.get("VIGIA_DUCKDB_MEMORY_LIMIT", "256MB")
ROW_GROUP_SIZE = 2048  # the smallest DuckDB accepts (a multiple of its vector size)
SCHEMA = "vigia"


class Executes(Protocol):
    """What a migration needs of a connection (a DuckDB connection, or a lake's DDL filter)."""

    def execute(self, sql: str, params: Any = None) -> Any:
        """Run one statement."""


def _schema_v1(conn: Executes) -> None:
    conn.execute("""
        CREATE TABLE items (
            id VARCHAR PRIMARY KEY,
            source VARCHAR NOT NULL,
            kind VARCHAR NOT NULL,
            external_id VARCHAR NOT NULL,
            url VARCHAR NOT NULL,
            title VARCHAR NOT NULL,
            text VARCHAR NOT NULL,
            published DATE,
            lang VARCHAR NOT NULL,
            content_hash VARCHAR NOT NULL,
            meta JSON,
            version INTEGER NOT NULL DEFAULT 1,
            first_seen TIMESTAMPTZ NOT NULL,
            last_seen TIMESTAMPTZ NOT NULL,
            classified_hash VARCHAR,
            classifier_version VARCHAR
        )""")
    conn.execute("""
        CREATE TABLE item_versions (
            item_id VARCHAR NOT NULL,
            version INTEGER NOT NULL,
            content_hash VARCHAR NOT NULL,
            title VARCHAR NOT NULL,
            text VARCHAR NOT NULL,
            seen_at TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (item_id, version)
        )""")
    conn.execute("""
        CREATE TABLE matches (
            item_id VARCHAR NOT NULL,
            demand_id VARCHAR NOT NULL,
            stance VARCHAR NOT NULL,
            score DOUBLE NOT NULL,
            evidence VARCHAR NOT NULL,
            evidence_field VARCHAR NOT NULL,
            evidence_start INTEGER NOT NULL,
            evidence_end INTEGER NOT NULL,
            rule VARCHAR NOT NULL,
            classifier_version VARCHAR NOT NULL,
            matched_at TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (item_id, demand_id)
        )""")
    conn.execute("""
        CREATE TABLE alerts (
            key VARCHAR PRIMARY KEY,
            kind VARCHAR NOT NULL,
            demand_id VARCHAR NOT NULL,
            item_id VARCHAR NOT NULL,
            channel VARCHAR NOT NULL,
            status VARCHAR NOT NULL DEFAULT 'pending',
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error VARCHAR,
            created_at TIMESTAMPTZ NOT NULL,
            sent_at TIMESTAMPTZ,
            sent_via VARCHAR,
            slack_channel VARCHAR,
            slack_ts VARCHAR
        )""")
    conn.execute("""
        CREATE TABLE source_state (
            source VARCHAR PRIMARY KEY,
            cursor VARCHAR,
            last_attempt_at TIMESTAMPTZ,
            last_success_at TIMESTAMPTZ,
            consecutive_failures INTEGER NOT NULL DEFAULT 0,
            last_error VARCHAR,
            items_last_seen INTEGER
        )""")
    conn.execute("""
        CREATE TABLE http_validators (
            url VARCHAR PRIMARY KEY,
            source VARCHAR NOT NULL,
            etag VARCHAR,
            last_modified VARCHAR,
            updated_at TIMESTAMPTZ NOT NULL
        )""")
    conn.execute("""
        CREATE TABLE runs (
            run_id VARCHAR PRIMARY KEY,
            command VARCHAR NOT NULL,
            started_at TIMESTAMPTZ NOT NULL,
            finished_at TIMESTAMPTZ,
            status VARCHAR NOT NULL,
            summary JSON
        )""")
    conn.execute("""
        CREATE VIEW match_details AS
        SELECT m.item_id, i.source, i.kind, i.published, i.title, i.url, i.lang,
               m.demand_id, m.stance, m.score, m.evidence, m.rule, m.classifier_version,
               m.matched_at
        FROM matches m JOIN items i ON i.id = m.item_id""")


def _source_health_v2(conn: Executes) -> None:
    for statement in (
        "ALTER TABLE source_state ADD COLUMN last_new_at TIMESTAMPTZ",
        "ALTER TABLE source_state ADD COLUMN consecutive_empty INTEGER DEFAULT 0",
        "ALTER TABLE source_state ADD COLUMN health_status VARCHAR DEFAULT 'ok'",
        "ALTER TABLE source_state ADD COLUMN health_since TIMESTAMPTZ",
        "ALTER TABLE source_state ADD COLUMN first_attempt_at TIMESTAMPTZ",
        # Operator notices (source health) share the outbox but concern no demand or item.
        "ALTER TABLE alerts ADD COLUMN payload JSON",
        "ALTER TABLE alerts ALTER COLUMN demand_id DROP NOT NULL",
        "ALTER TABLE alerts ALTER COLUMN item_id DROP NOT NULL",
    ):
        conn.execute(statement)


def _backfill_v3(conn: Executes) -> None:
    # Backfilled items are "quiet": classified and stored, but their alerts are suppressed.
    conn.execute("ALTER TABLE items ADD COLUMN quiet BOOLEAN DEFAULT false")
    conn.execute("""
        CREATE TABLE backfill_checkpoints (
            job VARCHAR NOT NULL,
            source VARCHAR NOT NULL,
            chunk_start DATE NOT NULL,
            chunk_end DATE NOT NULL,
            items INTEGER NOT NULL,
            new_items INTEGER NOT NULL,
            done_at TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (job, chunk_start)
        )""")


def _events_v4(conn: Executes) -> None:
    # The story an item tells; several outlets' items of one story share it (one alert).
    conn.execute("ALTER TABLE items ADD COLUMN event_id VARCHAR")
    conn.execute("UPDATE items SET event_id = id")


def _snapshots_v5(conn: Executes) -> None:
    conn.execute("""
        CREATE TABLE page_snapshots (
            source VARCHAR NOT NULL,
            name VARCHAR NOT NULL,
            text VARCHAR NOT NULL,
            saved_at TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (source, name)
        )""")


def _outbox_v6(conn: Executes) -> None:
    for statement in (
        # now: sent at once; digest: waits for the channel's daily digest.
        "ALTER TABLE alerts ADD COLUMN tier VARCHAR DEFAULT 'now'",
        "ALTER TABLE alerts ADD COLUMN next_attempt_at TIMESTAMPTZ",
        # Set when a dispatcher starts sending; a row left 'sending' is checked in Slack first.
        "ALTER TABLE alerts ADD COLUMN claimed_at TIMESTAMPTZ",
        # Alerts of one story (an item, or the event several outlets share) form one thread.
        "ALTER TABLE alerts ADD COLUMN thread_key VARCHAR",
        "ALTER TABLE alerts ADD COLUMN digest_key VARCHAR",
        "UPDATE alerts SET thread_key = key WHERE kind = 'match'",
    ):
        conn.execute(statement)
    conn.execute("""
        CREATE TABLE feedback (
            alert_key VARCHAR NOT NULL,
            item_id VARCHAR NOT NULL,
            demand_id VARCHAR NOT NULL,
            stance VARCHAR NOT NULL,
            verdict VARCHAR NOT NULL,
            user_id VARCHAR NOT NULL,
            user_name VARCHAR,
            given_at TIMESTAMPTZ NOT NULL,
            channel VARCHAR,
            message_ts VARCHAR
        )""")


def _status_v7(conn: Executes) -> None:
    # The campaign's demands, copied from demands.yaml at each classification (for views).
    conn.execute("""
        CREATE TABLE demands (
            id VARCHAR PRIMARY KEY,
            position INTEGER NOT NULL,
            title_es VARCHAR NOT NULL,
            title_en VARCHAR NOT NULL,
            channel VARCHAR NOT NULL,
            start_status VARCHAR NOT NULL,
            start_date DATE,
            start_note VARCHAR
        )""")
    # Append-only: a row is never updated or deleted; a confirmation is a new row.
    conn.execute("""
        CREATE TABLE status_changes (
            demand_id VARCHAR NOT NULL,
            status VARCHAR NOT NULL,
            effective_date DATE NOT NULL,
            recorded_at TIMESTAMPTZ NOT NULL,
            item_id VARCHAR NOT NULL,
            kind VARCHAR NOT NULL,
            source VARCHAR NOT NULL,
            url VARCHAR,
            title VARCHAR,
            quote VARCHAR,
            stance VARCHAR NOT NULL,
            rule VARCHAR NOT NULL,
            confirmed BOOLEAN NOT NULL,
            confirmed_by VARCHAR
        )""")
    for statement in VIEWS_V7:
        conn.execute(statement)


VIEWS_V7 = (
    """CREATE VIEW demand_timeline AS
       SELECT s.demand_id, d.title_es, d.title_en, s.effective_date, s.status, s.confirmed,
              s.confirmed_by, s.kind AS source_kind, s.source, s.title, s.url, s.quote, s.stance,
              s.rule, s.item_id, s.recorded_at
       FROM status_changes s JOIN demands d ON d.id = s.demand_id""",
    # Where each demand stood as the store said it at a moment: the history is append-only,
    # so "what did we say on 1 January 2020" is this macro at that moment.
    """CREATE MACRO demand_status_as_of(as_of) AS TABLE
       WITH latest AS (
           SELECT *, row_number() OVER (
               PARTITION BY demand_id ORDER BY effective_date DESC, recorded_at DESC) AS n
           FROM status_changes WHERE confirmed AND recorded_at <= as_of),
       pending AS (
           SELECT p.demand_id, count(*) AS n FROM status_changes p
           WHERE NOT p.confirmed AND p.recorded_at <= as_of AND NOT EXISTS (
               SELECT 1 FROM status_changes c WHERE c.confirmed AND c.recorded_at <= as_of
               AND c.demand_id = p.demand_id AND c.item_id = p.item_id AND c.status = p.status)
           GROUP BY p.demand_id)
       SELECT d.id AS demand_id, d.title_es, d.title_en,
              coalesce(l.status, d.start_status) AS status,
              coalesce(l.effective_date, d.start_date) AS since,
              l.kind AS source_kind, l.title AS evidence_title, l.url AS evidence_url,
              l.quote AS evidence_quote, l.item_id AS evidence_item_id,
              (SELECT max(effective_date) FROM status_changes m
               WHERE m.demand_id = d.id AND m.confirmed AND m.recorded_at <= as_of)
                  AS last_movement,
              coalesce(p.n, 0) AS pending_confirmations
       FROM demands d
       LEFT JOIN latest l ON l.demand_id = d.id AND l.n = 1
       LEFT JOIN pending p ON p.demand_id = d.id
       ORDER BY d.position""",
    """CREATE VIEW demand_status_now AS
       SELECT * FROM demand_status_as_of(TIMESTAMPTZ '9999-12-31 00:00:00+00')""",
    """CREATE VIEW matches_recent AS
       SELECT * FROM match_details
       WHERE matched_at >= now() - INTERVAL 30 DAY""",
    """CREATE VIEW items_by_source_day AS
       SELECT source, kind, coalesce(published, CAST(first_seen AS DATE)) AS day,
              count(*) AS items
       FROM items GROUP BY ALL""",
    """CREATE VIEW source_health AS
       SELECT source, health_status, health_since, last_attempt_at, last_success_at,
              consecutive_failures, consecutive_empty, last_error, items_last_seen, last_new_at
       FROM source_state""",
    """CREATE VIEW alerts_sent AS
       SELECT a.key, a.kind, a.demand_id, a.item_id, a.channel, a.tier, a.sent_at, a.sent_via,
              a.slack_channel, a.slack_ts, a.thread_key, a.digest_key, i.title, i.url
       FROM alerts a LEFT JOIN items i ON i.id = a.item_id
       WHERE a.status = 'sent'""",
)


def _runs_v8(conn: Executes) -> None:
    # Who runs it (host, process) so a run whose process died can be closed at the next start,
    # and why a run failed or stopped, in one line.
    conn.execute("ALTER TABLE runs ADD COLUMN host VARCHAR")
    conn.execute("ALTER TABLE runs ADD COLUMN pid INTEGER")
    conn.execute("ALTER TABLE runs ADD COLUMN cause VARCHAR")


def _true_dates_v9(conn: Executes) -> None:
    # Where a move's date comes from: the item's publication ("published"), a date its text
    # states ("stated"), or, when neither is known, the day Vigía first saw it ("first_seen"),
    # which is not the day of the event and is shown as such.
    for view in ("demand_status_now", "demand_timeline"):
        conn.execute(f"DROP VIEW {view}")
    conn.execute("DROP MACRO TABLE demand_status_as_of")
    conn.execute("ALTER TABLE status_changes ADD COLUMN date_basis VARCHAR DEFAULT 'published'")
    conn.execute("""
        UPDATE status_changes s SET date_basis = 'first_seen'
        WHERE (SELECT i.published FROM items i WHERE i.id = s.item_id) IS NULL""")
    for statement in VIEWS_V9:
        conn.execute(statement)


_STATUS_AT = """
       WITH latest AS (
           SELECT s.*, row_number() OVER (
               PARTITION BY s.demand_id ORDER BY s.effective_date DESC, s.recorded_at DESC) AS n
           FROM status_changes s WHERE s.confirmed AND {known_s} AND {happened_s}{stands_s}),
       pending AS (
           SELECT p.demand_id, count(*) AS n FROM status_changes p
           WHERE NOT p.confirmed AND {known_p}{stands_p} AND NOT EXISTS (
               SELECT 1 FROM status_changes c WHERE c.confirmed AND {known_c}
               AND c.demand_id = p.demand_id AND c.item_id = p.item_id AND c.status = p.status)
           GROUP BY p.demand_id)
       SELECT d.id AS demand_id, d.title_es, d.title_en,
              coalesce(l.status, d.start_status) AS status,
              coalesce(l.effective_date, d.start_date) AS since,
              l.kind AS source_kind, l.title AS evidence_title, l.url AS evidence_url,
              l.quote AS evidence_quote, l.item_id AS evidence_item_id,
              (SELECT max(effective_date) FROM status_changes m
               WHERE m.demand_id = d.id AND m.confirmed AND {known_m} AND {happened_m}{stands_m})
                  AS last_movement,
              coalesce(p.n, 0) AS pending_confirmations,
              l.date_basis AS since_basis
       FROM demands d
       LEFT JOIN latest l ON l.demand_id = d.id AND l.n = 1
       LEFT JOIN pending p ON p.demand_id = d.id
       ORDER BY d.position"""


def _status_at(known: str, happened: str, heard: str | None = None) -> str:
    """The body of a status macro; ``known`` and ``happened`` are conditions on ``{a}``, the
    row's alias. With ``heard`` (a condition on ``f``, a verdict), a move counts only while the
    latest verdict heard on its alert does not set it aside."""
    stands = "" if heard is None else " AND " + _STANDS.format(heard=heard)
    return _STATUS_AT.format(
        **{f"known_{a}": known.format(a=a) for a in "spcm"},
        **{f"happened_{a}": happened.format(a=a) for a in "sm"},
        **{f"stands_{a}": stands.replace("{a}", a) for a in "spm"},
    )


# A move stands unless the latest verdict on the alert of its match (same item, demand and
# stance) said the match was not relevant or its direction wrong. A direction corrected is a
# move of its own, of the stance the person named.
_STANDS = """coalesce((SELECT max_by(f.verdict, f.given_at) FROM feedback f
           WHERE f.item_id = {{a}}.item_id AND f.demand_id = {{a}}.demand_id
           AND f.stance = {{a}}.stance AND {heard}), 'relevant') = 'relevant'"""


VIEWS_V9 = (
    """CREATE VIEW demand_timeline AS
       SELECT s.demand_id, d.title_es, d.title_en, s.effective_date, s.status, s.confirmed,
              s.confirmed_by, s.kind AS source_kind, s.source, s.title, s.url, s.quote, s.stance,
              s.rule, s.item_id, s.recorded_at, s.date_basis
       FROM status_changes s JOIN demands d ON d.id = s.demand_id""",
    # "As the store said on": only what had been recorded by then.
    "CREATE MACRO demand_status_as_of(as_of) AS TABLE"
    + _status_at(known="{a}.recorded_at <= as_of", happened="TRUE"),
    # "As things stood on": what happened by that day, by everything known today.
    "CREATE MACRO demand_status_on(day) AS TABLE"
    + _status_at(known="TRUE", happened="{a}.effective_date <= day"),
    """CREATE VIEW demand_status_now AS
       SELECT * FROM demand_status_as_of(TIMESTAMPTZ '9999-12-31 00:00:00+00')""",
)


def stands(alias: str) -> str:
    """The condition that the status move ``alias`` stands by every verdict heard so far."""
    return _STANDS.format(heard="TRUE").replace("{a}", alias)


def _verdicts_set_aside_v16(conn: Executes) -> None:
    # Campaigners' verdicts correct the record: a move whose alert was judged not relevant, or
    # given the wrong direction, no longer counts (from the verdict on, as of any moment).
    for view in ("demand_status_now", "demand_timeline"):
        conn.execute(f"DROP VIEW {view}")
    for macro in ("demand_status_as_of", "demand_status_on"):
        conn.execute(f"DROP MACRO TABLE {macro}")
    for statement in VIEWS_V16:
        conn.execute(statement)


VIEWS_V16 = (
    """CREATE VIEW demand_timeline AS
       SELECT s.demand_id, d.title_es, d.title_en, s.effective_date, s.status, s.confirmed,
              s.confirmed_by, s.kind AS source_kind, s.source, s.title, s.url, s.quote, s.stance,
              s.rule, s.item_id, s.recorded_at, s.date_basis,
              NOT """
    + stands("s")
    + """ AS set_aside
       FROM status_changes s JOIN demands d ON d.id = s.demand_id""",
    "CREATE MACRO demand_status_as_of(as_of) AS TABLE"
    + _status_at(known="{a}.recorded_at <= as_of", happened="TRUE", heard="f.given_at <= as_of"),
    "CREATE MACRO demand_status_on(day) AS TABLE"
    + _status_at(known="TRUE", happened="{a}.effective_date <= day", heard="TRUE"),
    """CREATE VIEW demand_status_now AS
       SELECT * FROM demand_status_as_of(TIMESTAMPTZ '9999-12-31 00:00:00+00')""",
)


def _digest_repair_v10(conn: Executes) -> None:
    # Before marking a digest sent became one transaction, a crash between its two writes left
    # the alerts it carried "in digest" under a sent digest; they were delivered.
    conn.execute("""
        UPDATE alerts a SET status = 'sent', sent_at = d.sent_at,
               sent_via = 'digest ' || d.sent_via, slack_channel = d.slack_channel,
               slack_ts = d.slack_ts
        FROM alerts d
        WHERE a.status = 'in_digest' AND d.key = a.digest_key AND d.status = 'sent'""")


def _channel_neutral_v11(conn: Executes) -> None:
    # The outbox serves several channels: where a message landed (a Slack channel id, an email
    # address) and the channel's reference to it (a Slack ts, a Message-ID). Rows keep their
    # values; the view that showed the old names is rebuilt on the new ones.
    conn.execute("DROP VIEW alerts_sent")
    conn.execute("ALTER TABLE alerts RENAME COLUMN slack_channel TO delivery_place")
    conn.execute("ALTER TABLE alerts RENAME COLUMN slack_ts TO delivery_ref")
    conn.execute("""CREATE VIEW alerts_sent AS
       SELECT a.key, a.kind, a.demand_id, a.item_id, a.channel, a.tier, a.sent_at, a.sent_via,
              a.delivery_place, a.delivery_ref, a.thread_key, a.digest_key, i.title, i.url
       FROM alerts a LEFT JOIN items i ON i.id = a.item_id
       WHERE a.status = 'sent'""")


def _final_days_v12(conn: Executes) -> None:
    # The days a dated source read in full once they could no longer change: not fetched again.
    conn.execute("""CREATE TABLE final_days (
        source VARCHAR NOT NULL,
        day DATE NOT NULL,
        final_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (source, day))""")


def _campaigns_v13(conn: Executes) -> None:
    # Several campaigns over one ingest: which one each demand belongs to (its file's name).
    conn.execute("ALTER TABLE demands ADD COLUMN campaign VARCHAR")


def _body_digests_v14(conn: Executes) -> None:
    # A page's body as last read whole (SHA-256), so an unchanged page is not parsed again.
    conn.execute("ALTER TABLE http_validators ADD COLUMN body_digest VARCHAR")


def _corrected_stances_v15(conn: Executes) -> None:
    # The direction a campaigner says was right, when they said the alert's was wrong.
    conn.execute("ALTER TABLE feedback ADD COLUMN corrected_stance VARCHAR")


# Ordered and append-only: never edit a released migration, add a new one.
MIGRATIONS: list[tuple[int, str, Callable[[Executes], None]]] = [
    (1, "items, versions, matches, alerts outbox, source state, runs", _schema_v1),
    (
        2,
        "source health: empty runs, last new item, alert status; notices in the outbox",
        _source_health_v2,
    ),
    (3, "quiet (backfilled) items and backfill checkpoints", _backfill_v3),
    (4, "event ids: one story across outlets", _events_v4),
    (5, "snapshots of watched pages", _snapshots_v5),
    (6, "outbox: tiers, retry times, claims, threads, digests; feedback", _outbox_v6),
    (7, "demands, append-only status changes, researchers' views", _status_v7),
    (8, "runs: host, process and cause", _runs_v8),
    (9, "status moves: where their dates come from; demand_status_on", _true_dates_v9),
    (10, "alerts left 'in digest' under a sent digest", _digest_repair_v10),
    (11, "outbox: channel-neutral delivery_place and delivery_ref", _channel_neutral_v11),
    (12, "final days of dated sources", _final_days_v12),
    (13, "demands: the campaign each belongs to", _campaigns_v13),
    (14, "pages' body digests", _body_digests_v14),
    (15, "feedback: the direction a campaigner says was right", _corrected_stances_v15),
    (16, "status: moves set aside by campaigners' verdicts", _verdicts_set_aside_v16),
]


class UnitOfWork:
    """One open connection and its transaction; the repositories of a Store share it."""

    def __init__(self, conn: duckdb.DuckDBPyConnection) -> None:
        self.conn = conn
        self._depth = 0

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """The block's writes commit together or not at all; a nested block joins the outer.

        DuckDB has no nested transactions, and a use-case (classifying a batch: matches, alerts,
        status moves) must be able to make one step of several repositories' methods that each
        keep their own writes together when called alone.
        """
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self.conn.execute("BEGIN TRANSACTION")
        self._depth = 1
        try:
            yield
        except BaseException:
            self._depth = 0
            self.conn.execute("ROLLBACK")
            raise
        self._depth = 0
        self.conn.execute("COMMIT")


def migrate(conn: Executes) -> list[int]:
    """Apply the migrations this database lacks, each in its own transaction; return them."""
    conn.execute("""CREATE TABLE IF NOT EXISTS _migrations (
        version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)""")
    done = {row[0] for row in conn.execute("SELECT version FROM _migrations").fetchall()}
    applied = []
    for version, name, apply in MIGRATIONS:
        if version in done:
            continue
        conn.execute("BEGIN TRANSACTION")
        try:
            apply(conn)
            conn.execute("INSERT INTO _migrations VALUES (?, ?, now())", [version, name])
            conn.execute("COMMIT")
        except Exception:
            conn.execute("ROLLBACK")
            raise
        applied.append(version)
    return applied


@contextmanager
def connect(
    path: str | Path, *, read_only: bool = False, lock_timeout: float = DEFAULT_LOCK_TIMEOUT
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the store, waiting up to ``lock_timeout`` s for another process to let go of it."""
    path = Path(path)
    if read_only and not path.exists():
        raise StorageError(f"no store at {path}; run `vigia demo` or `vigia run` first")
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = _open_with_retry(str(path), read_only, lock_timeout)
    try:
        if not read_only:
            migrate(conn)
        yield conn
    finally:
        conn.close()


def _attach(path: str, read_only: bool) -> duckdb.DuckDBPyConnection:
    # Attached rather than opened directly, to set the row-group size: DuckDB rewrites the
    # row group being appended to when it checkpoints, so with its default of 122,880 rows
    # the memory of each write grew with the store; small row groups keep that rewrite small.
    conn = duckdb.connect(config={"memory_limit": MEMORY_LIMIT})
    options = f"ROW_GROUP_SIZE {ROW_GROUP_SIZE}" + (", READ_ONLY" if read_only else "")
    try:
        conn.execute(f"ATTACH '{_quoted(path)}' AS {SCHEMA} ({options})")
        conn.execute(f"USE {SCHEMA}")
    except Exception:
        conn.close()
        raise
    return conn


def _quoted(path: str) -> str:
    return path.replace("'", "''")


def _open_with_retry(path: str, read_only: bool, timeout: float) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + timeout
    delay = 0.05
    while True:
        try:
            return _attach(path, read_only)
        except duckdb.IOException as exc:
            if LOCK_MESSAGE not in str(exc) or time.monotonic() >= deadline:
                raise StorageError(f"cannot open {path}: {exc}") from exc
            log.info("store %s is locked by another process; retrying in %.2fs", path, delay)
            time.sleep(delay)
            delay = min(delay * 2, 1.0)


class Repository:
    """One table's (or a few tables') reads and writes, through the unit of work it shares."""

    def __init__(self, work: UnitOfWork) -> None:
        self.work = work
        self.conn = work.conn

    def transaction(self) -> AbstractContextManager[None]:
        """Group writes into the shared transaction (see UnitOfWork.transaction)."""
        return self.work.transaction()

    def changed(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one INSERT, UPDATE or DELETE and return how many rows it changed.

        Used instead of ``RETURNING`` and ``ON CONFLICT``, which DuckLake refuses: a guarded
        write (``WHERE NOT EXISTS``, ``AND status = 'pending'``) is exact because the store has
        one writer at a time (see ``vigia.storage``).
        """
        row = self.conn.execute(sql, list(params)).fetchone()
        return int(row[0]) if row else 0
