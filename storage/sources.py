"""Per-source state: last attempt and success, failures, health, HTTP validators, watched
pages' snapshots and backfill checkpoints."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from vigia.scrapers.base import SourceResult
from vigia.storage.db import Repository


class SourceRepository(Repository):
    """What the store remembers of each source between runs."""

    def validators(self, source: str) -> dict[str, tuple[str | None, str | None]]:
        """Stored ETag / Last-Modified per URL of a source."""
        rows = self.conn.execute(
            "SELECT url, etag, last_modified FROM http_validators WHERE source = ?", [source]
        ).fetchall()
        return {url: (etag, modified) for url, etag, modified in rows}

    def record_result(
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
        return self.state(result.source)

    def state(self, source: str) -> dict[str, Any]:
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

    def states(self) -> list[dict[str, Any]]:
        """Every source's state as dicts (for summaries)."""
        cursor = self.conn.execute("SELECT * FROM source_state ORDER BY source")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

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

    def final_days(self, source: str) -> set[date]:
        """The days of a source read in full once they could no longer change."""
        rows = self.conn.execute("SELECT day FROM final_days WHERE source = ?", [source])
        return {row[0] for row in rows.fetchall()}

    def record_final_days(self, source: str, days: Sequence[date], now: datetime) -> int:
        """Remember days read in full and final; return how many were new."""
        if not days:
            return 0
        added = self.conn.execute(
            """INSERT INTO final_days
               SELECT ?, unnest(?), ? ON CONFLICT DO NOTHING RETURNING day""",
            [source, list(days), now],
        ).fetchall()
        return len(added)
