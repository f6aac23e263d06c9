"""Runs: who ran what, when, and how it ended."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from vigia.storage.db import Repository


class RunRepository(Repository):
    """One row per command or flow run."""

    def start(self, run_id: str, command: str, now: datetime, host: str, pid: int) -> None:
        """Record that a run began, on which host and in which process."""
        self.conn.execute(
            "INSERT INTO runs (run_id, command, started_at, status, host, pid) "
            "VALUES (?, ?, ?, 'running', ?, ?)",
            [run_id, command, now, host, pid],
        )

    def open(self) -> list[tuple[str, str | None, int | None, datetime]]:
        """Runs never closed: (run id, host, process id, start)."""
        return self.conn.execute(
            "SELECT run_id, host, pid, started_at FROM runs WHERE finished_at IS NULL"
        ).fetchall()

    def finish(
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

    def last(self, host: str | None = None, pid: int | None = None) -> dict[str, Any] | None:
        """The most recent run (of one process, when ``host`` and ``pid`` are given: several
        may share a store), with its summary decoded."""
        row = self.conn.execute(
            "SELECT run_id, command, started_at, finished_at, status, summary FROM runs "
            "WHERE (? IS NULL OR host = ?) AND (? IS NULL OR pid = ?) "
            "ORDER BY started_at DESC LIMIT 1",
            [host, host, pid, pid],
        ).fetchone()
        if row is None:
            return None
        keys = ("run_id", "command", "started_at", "finished_at", "status", "summary")
        run = dict(zip(keys, row, strict=True))
        run["summary"] = json.loads(run["summary"]) if run["summary"] else {}
        return run
