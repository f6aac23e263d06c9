"""Ad hoc, read-only SQL for researchers (`vigia query`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from scrapers.errors import StorageError
from storage.db import connect


def run_query(
    path: str | Path, sql: str, *, lock_timeout: float = 30.0
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run ``sql`` on a read-only connection and return column names and rows."""
    with connect(path, read_only=True, lock_timeout=lock_timeout) as conn:
        try:
            cursor = conn.execute(sql)
        except duckdb.Error as exc:
            raise StorageError(f"query failed: {exc}") from exc
        if cursor.description is None:
            return [], []
        return [d[0] for d in cursor.description], cursor.fetchall()
