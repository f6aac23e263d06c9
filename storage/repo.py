"""Idempotent reads and writes of items, matches, the alert outbox, source state and runs.

The only module that writes SQL (with storage/db.py). Every statement is
parameterized; batches go in as lists through ``unnest`` rather than
``executemany`` (30x faster in DuckDB, docs/reference/STACK.md §2.3).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import duckdb

from vigia.core.model import Item, Match, Story
from vigia.scrapers.base import SourceResult
from vigia.storage.outbox import Outbox
from vigia.storage.rows import ITEM_FIELDS, item_from_row
from vigia.storage.status import Statuses


@dataclass(frozen=True)
class UpsertReport:
    """Which items a batch added and which it changed."""

    new_ids: list[str]
    changed_ids: list[str]
    unchanged: int


class Store(Outbox, Statuses):
    """Operations on one open DuckDB connection."""

    def __init__(self, conn: duckdb.DuckDBPyConnection) -> None:
        self.conn = conn

    # -- items -------------------------------------------------------------
    def upsert_items(
        self, items: Iterable[Item], now: datetime, *, quiet: bool = False
    ) -> UpsertReport:
        """Insert new items, version changed ones, touch unchanged ones; keyed on Item.id.

        ``quiet`` marks newly inserted items as historical: their alerts are suppressed.
        """
        batch = {item.id: item for item in items}  # DuckDB keeps the first of duplicate keys
        if not batch:
            return UpsertReport([], [], 0)
        known = dict(
            self.conn.execute(
                "SELECT id, content_hash FROM items WHERE id IN (SELECT unnest(?))", [list(batch)]
            ).fetchall()
        )
        new = [i for k, i in batch.items() if k not in known]
        changed = [i for k, i in batch.items() if k in known and known[k] != i.content_hash]
        unchanged = [k for k, i in batch.items() if known.get(k) == i.content_hash]
        with self.transaction():
            self._insert_items(new, now, quiet)
            self._update_items(changed, now)
            if unchanged:
                self.conn.execute(
                    "UPDATE items SET last_seen = ? WHERE id IN (SELECT unnest(?))",
                    [now, unchanged],
                )
        return UpsertReport([i.id for i in new], [i.id for i in changed], len(unchanged))

    def _insert_items(self, items: Sequence[Item], now: datetime, quiet: bool) -> None:
        if not items:
            return
        cols = _item_columns(items)
        self.conn.execute(
            """
            INSERT INTO items (id, source, kind, external_id, url, title, text, published, lang,
                               content_hash, meta, version, first_seen, last_seen, quiet)
            SELECT unnest(?), unnest(?), unnest(?), unnest(?), unnest(?), unnest(?), unnest(?),
                   unnest(?::DATE[]), unnest(?), unnest(?), unnest(?)::JSON, 1, ?, ?, ?""",
            [*cols, now, now, quiet],
        )
        self.conn.execute(
            """
            INSERT INTO item_versions (item_id, version, content_hash, title, text, seen_at)
            SELECT unnest(?), 1, unnest(?), unnest(?), unnest(?), ?""",
            [cols[0], cols[9], cols[5], cols[6], now],
        )

    def _update_items(self, items: Sequence[Item], now: datetime) -> None:
        for item in items:
            version = self.conn.execute(
                "UPDATE items SET url = ?, title = ?, text = ?, published = ?, lang = ?, "
                "content_hash = ?, meta = ?::JSON, version = version + 1, last_seen = ? "
                "WHERE id = ? RETURNING version",
                [
                    item.url,
                    item.title,
                    item.text,
                    item.published,
                    item.lang,
                    item.content_hash,
                    json.dumps(item.meta, ensure_ascii=False),
                    now,
                    item.id,
                ],
            ).fetchall()[0][0]  # the row exists: these items were found stored
            self.conn.execute(
                "INSERT INTO item_versions VALUES (?, ?, ?, ?, ?, ?)",
                [item.id, version, item.content_hash, item.title, item.text, now],
            )

    def items_to_classify(self, classifier_version: str, limit: int = 5000) -> list[Item]:
        """Items never classified, changed since, or classified by another classifier version."""
        # Ids first, texts second: a scan that projected the text column read every stored
        # text, so memory grew with the store.
        pending = self.conn.execute(
            "SELECT id, first_seen FROM items WHERE classified_hash IS DISTINCT FROM content_hash "
            "OR classifier_version IS DISTINCT FROM ? ORDER BY first_seen, id LIMIT ?",
            [classifier_version, limit],
        ).fetchall()
        if not pending:
            return []
        # The first_seen bound lets DuckDB skip older row groups by their min/max.
        rows = self.conn.execute(
            f"SELECT {ITEM_FIELDS} FROM items WHERE first_seen >= ? "
            "AND id IN (SELECT unnest(?)) ORDER BY first_seen, id",
            [pending[0][1], [row[0] for row in pending]],
        ).fetchall()
        return [item_from_row(row) for row in rows]

    def known_ids(self, source: str, days: Sequence[date]) -> frozenset[str]:
        """External ids of a source's items published on these days and stored with text."""
        if not days:
            return frozenset()
        # A plain range lets DuckDB skip row groups by their min/max, so the cost stays
        # flat as the store grows; the exact days are filtered here.
        rows = self.conn.execute(
            "SELECT external_id, published FROM items WHERE source = ? "
            "AND published BETWEEN ? AND ? AND text <> ''",
            [source, min(days), max(days)],
        ).fetchall()
        wanted = set(days)
        return frozenset(external_id for external_id, day in rows if day in wanted)

    def recent_stories(self, kind: str, since: datetime, exclude: Sequence[str]) -> list[Story]:
        """Stories of one kind first seen since a time, except the given items."""
        rows = self.conn.execute(
            "SELECT id, coalesce(event_id, id), url, title FROM items "
            "WHERE kind = ? AND first_seen >= ? AND id NOT IN (SELECT unnest(?))",
            [kind, since, list(exclude)],
        ).fetchall()
        return [Story(*row) for row in rows]

    def stories(self, ids: Sequence[str]) -> list[Story]:
        """These items as stories, in the given order."""
        rows = dict(
            (row[0], row)
            for row in self.conn.execute(
                "SELECT id, coalesce(event_id, id), url, title FROM items "
                "WHERE id IN (SELECT unnest(?))",
                [list(ids)],
            ).fetchall()
        )
        return [Story(*rows[i]) for i in ids if i in rows]

    def set_event_ids(self, events: dict[str, str]) -> None:
        """Record which event each item belongs to."""
        if events:
            self.conn.execute(
                "UPDATE items SET event_id = e.event_id FROM "
                "(SELECT unnest(?) AS id, unnest(?) AS event_id) e WHERE items.id = e.id",
                [list(events), list(events.values())],
            )

    def event_ids(self, ids: Sequence[str]) -> dict[str, str]:
        """The event of each item (its own id when it has none)."""
        return dict(
            self.conn.execute(
                "SELECT id, coalesce(event_id, id) FROM items WHERE id IN (SELECT unnest(?))",
                [list(ids)],
            ).fetchall()
        )

    def recent_ids(self, source: str, since: datetime) -> frozenset[str]:
        """External ids of a source's items stored with text and first seen since a time."""
        rows = self.conn.execute(
            "SELECT external_id FROM items WHERE source = ? AND first_seen >= ? AND text <> ''",
            [source, since],
        ).fetchall()
        return frozenset(row[0] for row in rows)

    def snapshots(self, source: str) -> dict[str, str]:
        """The last saved text of each watched page of a source."""
        rows = self.conn.execute(
            "SELECT name, text FROM page_snapshots WHERE source = ?", [source]
        ).fetchall()
        return dict(rows)

    def save_snapshots(self, source: str, texts: dict[str, str], now: datetime) -> None:
        """Remember each page's text for the next comparison."""
        for name, text in texts.items():
            self.conn.execute(
                "INSERT INTO page_snapshots VALUES (?, ?, ?, ?) ON CONFLICT (source, name) "
                "DO UPDATE SET text = excluded.text, saved_at = excluded.saved_at",
                [source, name, text, now],
            )

    def classified_unchanged(self, ids: Sequence[str]) -> set[str]:
        """Which of these items were classified before with the text they hold now."""
        rows = self.conn.execute(
            "SELECT id FROM items WHERE classified_hash = content_hash "
            "AND id IN (SELECT unnest(?))",
            [list(ids)],
        ).fetchall()
        return {row[0] for row in rows}

    def stale_ids(self, ids: Sequence[str], classifier_version: str) -> set[str]:
        """Which of these items are unclassified, changed, or classified by another version."""
        rows = self.conn.execute(
            "SELECT id FROM items WHERE id IN (SELECT unnest(?)) AND (classified_hash IS DISTINCT "
            "FROM content_hash OR classifier_version IS DISTINCT FROM ?)",
            [list(ids), classifier_version],
        ).fetchall()
        return {row[0] for row in rows}

    def stances(self, ids: Sequence[str]) -> dict[tuple[str, str], str]:
        """The stored stance of every (item, demand) match of these items."""
        rows = self.conn.execute(
            "SELECT item_id, demand_id, stance FROM matches WHERE item_id IN (SELECT unnest(?))",
            [list(ids)],
        ).fetchall()
        return {(item_id, demand_id): stance for item_id, demand_id, stance in rows}

    def first_seen(self, ids: Sequence[str]) -> dict[str, date]:
        """The day each of these items was first stored."""
        rows = self.conn.execute(
            "SELECT id, CAST(first_seen AS DATE) FROM items WHERE id IN (SELECT unnest(?))",
            [list(ids)],
        ).fetchall()
        return dict(rows)

    def titles(self, ids: Sequence[str]) -> dict[str, str]:
        """The title of each of these items."""
        rows = self.conn.execute(
            "SELECT id, title FROM items WHERE id IN (SELECT unnest(?))", [list(ids)]
        ).fetchall()
        return dict(rows)

    def items_to_reclassify(self, after: str, limit: int = 2000) -> list[Item]:
        """Stored items in id order after ``after``, whatever their classifier version."""
        ids = [
            row[0]
            for row in self.conn.execute(
                "SELECT id FROM items WHERE id > ? ORDER BY id LIMIT ?", [after, limit]
            ).fetchall()
        ]
        if not ids:
            return []
        rows = self.conn.execute(
            f"SELECT {ITEM_FIELDS} FROM items WHERE id IN (SELECT unnest(?)) ORDER BY id", [ids]
        ).fetchall()
        return [item_from_row(row) for row in rows]

    def quiet_ids(self, ids: Sequence[str]) -> set[str]:
        """Which of these items are historical (backfilled without alerts)."""
        rows = self.conn.execute(
            "SELECT id FROM items WHERE quiet AND id IN (SELECT unnest(?))", [list(ids)]
        ).fetchall()
        return {row[0] for row in rows}

    def count(self, table: str) -> int:
        """Rows in one of our tables (for summaries and tests)."""
        if table not in {
            "items",
            "item_versions",
            "matches",
            "alerts",
            "runs",
            "source_state",
            "backfill_checkpoints",
            "feedback",
            "status_changes",
        }:
            raise ValueError(f"unknown table {table}")
        return int(self.conn.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])

    # -- matches -----------------------------------------------------------
    def record_matches(
        self,
        items: Sequence[Item],
        matches: Sequence[Match],
        classifier_version: str,
        now: datetime,
    ) -> list[Match]:
        """Replace the matches of these items and mark them classified; return matches that are new.

        A match is new when the item had no match for that demand before, so a
        re-run or a changed text never raises a second alert for the same pair.
        """
        ids = [item.id for item in items]
        if not ids:
            return []
        before = set(
            self.conn.execute(
                "SELECT item_id, demand_id FROM matches WHERE item_id IN (SELECT unnest(?))", [ids]
            ).fetchall()
        )
        with self.transaction():
            self.conn.execute("DELETE FROM matches WHERE item_id IN (SELECT unnest(?))", [ids])
            if matches:
                columns = list(
                    zip(
                        *[
                            (
                                m.item_id,
                                m.demand_id,
                                m.stance,
                                m.score,
                                m.evidence,
                                m.evidence_field,
                                m.evidence_start,
                                m.evidence_end,
                                m.rule,
                                m.classifier_version,
                            )
                            for m in matches
                        ],
                        strict=True,
                    )
                )
                self.conn.execute(
                    """
                    INSERT INTO matches SELECT unnest(?), unnest(?), unnest(?), unnest(?),
                        unnest(?), unnest(?), unnest(?), unnest(?), unnest(?), unnest(?), ?""",
                    [*map(list, columns), now],
                )
            self.conn.execute(
                "UPDATE items SET classified_hash = content_hash, classifier_version = ? "
                "WHERE id IN (SELECT unnest(?))",
                [classifier_version, ids],
            )
        return [m for m in matches if (m.item_id, m.demand_id) not in before]

    # -- source state and HTTP validators ------------------------------------
    def validators(self, source: str) -> dict[str, tuple[str | None, str | None]]:
        """Stored ETag / Last-Modified per URL of a source."""
        rows = self.conn.execute(
            "SELECT url, etag, last_modified FROM http_validators WHERE source = ?", [source]
        ).fetchall()
        return {url: (etag, modified) for url, etag, modified in rows}

    def record_source_result(
        self, result: SourceResult, now: datetime, *, new_items: int = 0
    ) -> dict[str, Any]:
        """Update a source's state after a run and return it.

        Success resets the failure count, an error adds one; a successful run that read
        nothing (no items, no 304) adds one empty run; new items move ``last_new_at``.
        """
        empty = result.ok and not result.items and not result.not_modified
        self.conn.execute(
            """
            INSERT INTO source_state AS s (source, last_attempt_at, last_success_at,
                consecutive_failures, last_error, items_last_seen, last_new_at, consecutive_empty,
                first_attempt_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (source) DO UPDATE SET
                last_attempt_at = excluded.last_attempt_at,
                last_success_at = coalesce(excluded.last_success_at, s.last_success_at),
                consecutive_failures = CASE WHEN excluded.last_error IS NULL THEN 0
                                            ELSE s.consecutive_failures + 1 END,
                last_error = excluded.last_error,
                items_last_seen = coalesce(excluded.items_last_seen, s.items_last_seen),
                last_new_at = coalesce(excluded.last_new_at, s.last_new_at),
                consecutive_empty = CASE WHEN excluded.last_error IS NOT NULL
                                         THEN s.consecutive_empty
                                         WHEN excluded.consecutive_empty = 1
                                         THEN s.consecutive_empty + 1 ELSE 0 END""",
            [
                result.source,
                now,
                now if result.ok else None,
                0 if result.ok else 1,
                result.error,
                len(result.items) if result.ok else None,
                now if new_items else None,
                1 if empty else 0,
                now,
            ],
        )
        for url, (etag, modified) in result.validators.items():
            self.conn.execute(
                """
                INSERT INTO http_validators VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (url) DO UPDATE SET etag = excluded.etag,
                    last_modified = excluded.last_modified, updated_at = excluded.updated_at""",
                [url, result.source, etag, modified, now],
            )
        return self.source_state(result.source)

    def source_state(self, source: str) -> dict[str, Any]:
        """One source's state as a dict (empty when the source never ran)."""
        cursor = self.conn.execute(
            "SELECT * FROM source_state WHERE source = ?",
            [source],
        )
        names = [d[0] for d in cursor.description]
        row = cursor.fetchone()
        return dict(zip(names, row, strict=True)) if row else {}

    def set_health(self, source: str, status: str, since: datetime | None) -> None:
        """Record a source's health status after a notice decision."""
        self.conn.execute(
            "UPDATE source_state SET health_status = ?, health_since = ? WHERE source = ?",
            [status, since, source],
        )

    def source_states(self) -> list[dict[str, Any]]:
        """Every source's state as dicts (for summaries)."""
        cursor = self.conn.execute("SELECT * FROM source_state ORDER BY source")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    # -- backfill ----------------------------------------------------------------
    def done_chunks(self, job: str) -> set[date]:
        """First days of the chunks of a backfill job that are finished."""
        rows = self.conn.execute(
            "SELECT chunk_start FROM backfill_checkpoints WHERE job = ?", [job]
        ).fetchall()
        return {row[0] for row in rows}

    def record_checkpoint(
        self,
        job: str,
        source: str,
        first: date,
        last: date,
        items: int,
        new_items: int,
        now: datetime,
    ) -> None:
        """Mark one chunk of a backfill job as finished."""
        self.conn.execute(
            "INSERT INTO backfill_checkpoints VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (job, chunk_start) DO NOTHING",
            [job, source, first, last, items, new_items, now],
        )

    # -- summaries -------------------------------------------------------------
    def items_per_source(self) -> dict[str, int]:
        """Stored items per source."""
        return dict(
            self.conn.execute(
                "SELECT source, count(*) FROM items GROUP BY source ORDER BY source"
            ).fetchall()
        )

    def matches_per_demand(self) -> dict[str, dict[str, int]]:
        """Matches per demand, split by stance."""
        counts: dict[str, dict[str, int]] = {}
        for demand, stance, n in self.conn.execute(
            "SELECT demand_id, stance, count(*) FROM matches GROUP BY ALL ORDER BY ALL"
        ).fetchall():
            counts.setdefault(demand, {})[stance] = n
        return counts

    def alerts_by_status(self) -> dict[str, int]:
        """Outbox rows per status (pending, sent, failed)."""
        return dict(
            self.conn.execute(
                "SELECT status, count(*) FROM alerts GROUP BY status ORDER BY status"
            ).fetchall()
        )

    def last_run(self) -> dict[str, Any] | None:
        """The most recent run, with its summary decoded."""
        row = self.conn.execute(
            "SELECT run_id, command, started_at, finished_at, status, summary FROM runs "
            "ORDER BY started_at DESC LIMIT 1"
        ).fetchone()
        if row is None:
            return None
        keys = ("run_id", "command", "started_at", "finished_at", "status", "summary")
        run = dict(zip(keys, row, strict=True))
        run["summary"] = json.loads(run["summary"]) if run["summary"] else {}
        return run

    # -- runs ----------------------------------------------------------------
    def start_run(self, run_id: str, command: str, now: datetime, host: str, pid: int) -> None:
        """Record that a run began, on which host and in which process."""
        self.conn.execute(
            "INSERT INTO runs (run_id, command, started_at, status, host, pid) "
            "VALUES (?, ?, ?, 'running', ?, ?)",
            [run_id, command, now, host, pid],
        )

    def open_runs(self) -> list[tuple[str, str | None, int | None, datetime]]:
        """Runs never closed: (run id, host, process id, start)."""
        return self.conn.execute(
            "SELECT run_id, host, pid, started_at FROM runs WHERE finished_at IS NULL"
        ).fetchall()

    def finish_run(
        self,
        run_id: str,
        status: str,
        summary: dict[str, Any] | None,
        now: datetime,
        cause: str | None = None,
    ) -> None:
        """Record how a run ended: its status, its summary and, when it failed, why."""
        self.conn.execute(
            "UPDATE runs SET finished_at = ?, status = ?, summary = coalesce(?::JSON, summary), "
            "cause = ? WHERE run_id = ?",
            [
                now,
                status,
                None if summary is None else json.dumps(summary, ensure_ascii=False, default=str),
                None if cause is None else cause[:2000],
                run_id,
            ],
        )


def _item_columns(items: Sequence[Item]) -> list[list[Any]]:
    return [
        [i.id for i in items],
        [i.source for i in items],
        [i.kind for i in items],
        [i.external_id for i in items],
        [i.url for i in items],
        [i.title for i in items],
        [i.text for i in items],
        [i.published for i in items],
        [i.lang for i in items],
        [i.content_hash for i in items],
        [json.dumps(i.meta, ensure_ascii=False) for i in items],
    ]
