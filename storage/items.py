"""Items: idempotent upserts keyed on the item id, versions of changed texts, stories.

Every statement is parameterized; batches go in as lists through ``unnest`` rather than
``executemany`` (30x faster in DuckDB, docs/reference/STACK.md §2.3).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from vigia.core.model import Item, Story
from vigia.storage.db import Repository
from vigia.storage.rows import ITEM_FIELDS, item_from_row


@dataclass(frozen=True)
class UpsertReport:
    """Which items a batch added and which it changed."""

    new_ids: list[str]
    changed_ids: list[str]
    unchanged: int


class ItemRepository(Repository):
    """Items, their versions and the stories (events) they belong to."""

    def upsert(self, items: Iterable[Item], now: datetime, *, quiet: bool = False) -> UpsertReport:
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
            # The row exists: these items were found stored. Read, then write: the store has
            # one writer at a time (storage/__init__.py), and a lake takes no RETURNING.
            version = self.conn.execute(
                "SELECT version + 1 FROM items WHERE id = ?", [item.id]
            ).fetchall()[0][0]
            self.conn.execute(
                "UPDATE items SET url = ?, title = ?, text = ?, published = ?, lang = ?, "
                "content_hash = ?, meta = ?::JSON, version = ?, last_seen = ? WHERE id = ?",
                [
                    item.url,
                    item.title,
                    item.text,
                    item.published,
                    item.lang,
                    item.content_hash,
                    json.dumps(item.meta, ensure_ascii=False),
                    version,
                    now,
                    item.id,
                ],
            )
            self.conn.execute(
                "INSERT INTO item_versions VALUES (?, ?, ?, ?, ?, ?)",
                [item.id, version, item.content_hash, item.title, item.text, now],
            )

    def to_classify(
        self, classifier_version: str, limit: int = 5000, skip: Sequence[str] = ()
    ) -> list[Item]:
        """Items never classified, changed since, or classified by another classifier version;
        but not those in ``skip`` (the ones the classifier failed on in this run)."""
        # Ids first, texts second: a scan that projected the text column read every stored
        # text, so memory grew with the store.
        pending = self.conn.execute(
            "SELECT id, first_seen FROM items WHERE (classified_hash IS DISTINCT FROM content_hash "
            "OR classifier_version IS DISTINCT FROM ?) AND id NOT IN (SELECT unnest(?::VARCHAR[])) "
            "ORDER BY first_seen, id LIMIT ?",
            [classifier_version, list(skip), limit],
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

    def ids_starting(self, ref: str, limit: int = 2) -> list[str]:
        """Ids of stored items that start with ``ref`` (at most ``limit``)."""
        rows = self.conn.execute(
            "SELECT id FROM items WHERE starts_with(id, ?) ORDER BY id LIMIT ?", [ref, limit]
        ).fetchall()
        return [row[0] for row in rows]

    def with_url_containing(self, fragment: str, limit: int = 50) -> list[tuple[str, str]]:
        """(id, url) of stored items whose address contains ``fragment`` (at most ``limit``)."""
        rows = self.conn.execute(
            "SELECT id, url FROM items WHERE contains(url, ?) ORDER BY id LIMIT ?",
            [fragment, limit],
        ).fetchall()
        return [(row[0], row[1]) for row in rows]

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

    def to_reclassify(self, after: str, limit: int = 2000) -> list[Item]:
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

    def per_source(self) -> dict[str, int]:
        """Stored items per source."""
        return dict(
            self.conn.execute(
                "SELECT source, count(*) FROM items GROUP BY source ORDER BY source"
            ).fetchall()
        )

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
            "final_days",
        }:
            raise ValueError(f"unknown table {table}")
        return int(self.conn.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])


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
