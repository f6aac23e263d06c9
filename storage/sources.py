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
            "SELECT url, etag, last_modified FROM http_validators WHERE source = ? "
            "AND (etag IS NOT NULL OR last_modified IS NOT NULL)",
            [source],
        ).fetchall()
        return {url: (etag, modified) for url, etag, modified in rows}

    def digests(self, source: str) -> dict[str, str]:
        """The SHA-256 of each page of a source as it was last read whole, by URL."""
        rows = self.conn.execute(
            "SELECT url, body_digest FROM http_validators WHERE source = ? "
            "AND body_digest IS NOT NULL",
            [source],
        ).fetchall()
        return dict(rows)

    def record_result(
        self, result: SourceResult, now: datetime, *, new_items: int = 0
    ) -> dict[str, Any]:
        """Update a source's state after a run and return it.

        Success resets the failure count, an error adds one; a successful run that read
        nothing (no items, no 304) adds one empty run; new items move ``last_new_at``.
        """
        empty = result.ok and not result.items and not result.not_modified
        # MERGE rather than INSERT … ON CONFLICT: a lake has no keys to conflict on.
        self.conn.execute(
            """
            MERGE INTO source_state AS s
            USING (SELECT ?::VARCHAR AS source, ?::TIMESTAMPTZ AS last_attempt_at,
                          ?::TIMESTAMPTZ AS last_success_at, ?::INTEGER AS consecutive_failures,
                          ?::VARCHAR AS last_error, ?::INTEGER AS items_last_seen,
                          ?::TIMESTAMPTZ AS last_new_at, ?::INTEGER AS consecutive_empty,
                          ?::TIMESTAMPTZ AS first_attempt_at) AS e
            ON s.source = e.source
            WHEN MATCHED THEN UPDATE SET
                last_attempt_at = e.last_attempt_at,
                last_success_at = coalesce(e.last_success_at, s.last_success_at),
                consecutive_failures = CASE WHEN e.last_error IS NULL THEN 0
                                            ELSE s.consecutive_failures + 1 END,
                last_error = e.last_error,
                items_last_seen = coalesce(e.items_last_seen, s.items_last_seen),
                last_new_at = coalesce(e.last_new_at, s.last_new_at),
                consecutive_empty = CASE WHEN e.last_error IS NOT NULL
                                         THEN s.consecutive_empty
                                         WHEN e.consecutive_empty = 1
                                         THEN s.consecutive_empty + 1 ELSE 0 END
            WHEN NOT MATCHED THEN INSERT (source, last_attempt_at, last_success_at,
                consecutive_failures, last_error, items_last_seen, last_new_at, consecutive_empty,
                first_attempt_at)
            VALUES (e.source, e.last_attempt_at, e.last_success_at, e.consecutive_failures,
                e.last_error, e.items_last_seen, e.last_new_at, e.consecutive_empty,
                e.first_attempt_at)""",
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
        for url in result.validators.keys() | result.digests.keys():
            etag, modified = result.validators.get(url, (None, None))
            self.conn.execute(
                """
                MERGE INTO http_validators AS v
                USING (SELECT ?::VARCHAR AS url, ?::VARCHAR AS source, ?::VARCHAR AS etag,
                              ?::VARCHAR AS last_modified, ?::TIMESTAMPTZ AS updated_at,
                              ?::VARCHAR AS body_digest) AS e
                ON v.url = e.url
                WHEN MATCHED THEN UPDATE SET etag = e.etag, last_modified = e.last_modified,
                    updated_at = e.updated_at,
                    body_digest = coalesce(e.body_digest, v.body_digest)
                WHEN NOT MATCHED THEN INSERT (url, source, etag, last_modified, updated_at,
                    body_digest)
                VALUES (e.url, e.source, e.etag, e.last_modified, e.updated_at, e.body_digest)""",
                [url, result.source, etag, modified, now, result.digests.get(url)],
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
                """
                MERGE INTO page_snapshots AS p
                USING (SELECT ?::VARCHAR AS source, ?::VARCHAR AS name, ?::VARCHAR AS text,
                              ?::TIMESTAMPTZ AS saved_at) AS e
                ON p.source = e.source AND p.name = e.name
                WHEN MATCHED THEN UPDATE SET text = e.text, saved_at = e.saved_at
                WHEN NOT MATCHED THEN INSERT VALUES (e.source, e.name, e.text, e.saved_at)""",
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
            "INSERT INTO backfill_checkpoints SELECT ?, ?, ?, ?, ?, ?, ? WHERE NOT EXISTS "
            "(SELECT 1 FROM backfill_checkpoints WHERE job = ? AND chunk_start = ?)",
            [job, source, first, last, items, new_items, now, job, first],
        )

    def final_days(self, source: str) -> set[date]:
        """The days of a source read in full once they could no longer change."""
        rows = self.conn.execute("SELECT day FROM final_days WHERE source = ?", [source])
        return {row[0] for row in rows.fetchall()}

    def record_final_days(self, source: str, days: Sequence[date], now: datetime) -> int:
        """Remember days read in full and final; return how many were new."""
        if not days:
            return 0
        return self.changed(
            """INSERT INTO final_days
               SELECT * FROM (SELECT ?::VARCHAR AS source, unnest(?::DATE[]) AS day,
                                     ?::TIMESTAMPTZ AS final_at) n
               WHERE NOT EXISTS (SELECT 1 FROM final_days f
                                 WHERE f.source = n.source AND f.day = n.day)""",
            [source, sorted(set(days)), now],
        )
