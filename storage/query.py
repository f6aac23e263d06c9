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


# Tables and views a researcher may want elsewhere, in this order.
EXPORTED = (
    "demand_status_now",
    "demand_timeline",
    "matches_recent",
    "match_details",
    "items_by_source_day",
    "source_health",
    "alerts_sent",
    "demands",
    "status_changes",
    "items",
    "item_versions",
    "matches",
    "alerts",
    "feedback",
    "source_state",
    "runs",
)


def export(path: str | Path, out_dir: str | Path, fmt: str) -> list[Path]:
    """Write every exported table and view to ``out_dir`` as Parquet or CSV; return the files."""
    if fmt not in ("parquet", "csv"):
        raise StorageError(f"unknown export format {fmt!r}: use parquet or csv")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    options = "FORMAT PARQUET, COMPRESSION ZSTD" if fmt == "parquet" else "FORMAT CSV, HEADER"
    written = []
    with connect(path, read_only=True) as conn:
        for name in EXPORTED:
            target = out / f"{name}.{fmt}"
            quoted = str(target).replace("'", "''")
            try:
                conn.execute(f"COPY (SELECT * FROM {name}) TO '{quoted}' ({options})")
            except duckdb.Error as exc:
                raise StorageError(f"cannot export {name}: {exc}") from exc
            written.append(target)
    return written
