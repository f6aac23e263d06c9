"""Ad hoc, read-only SQL for researchers (`vigia query`), in a sandbox.

Researchers share this command, so a query can only read the store it is given: the store is
attached read-only, then DuckDB's access to files, other databases and extensions is switched off
and its settings locked, and only one SELECT (or EXPLAIN of one) is accepted. A query that runs
past its time limit is interrupted.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from vigia.core.errors import StorageError
from vigia.storage.db import connect

if TYPE_CHECKING:
    from vigia.storage import Storage

QUERY_TIME_LIMIT = 120.0
_READS = {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN}
# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Functions that reach past the store: a lake's PostgreSQL catalog, or SQL built at run time
# (which the check of the statement's tree cannot see).
_OUTSIDE_FUNCTIONS = ("postgres_", "query", "query_table")
_CATALOG_PREFIX = "__ducklake_metadata"


@contextmanager
def reading(
    where: Storage | str | Path, *, live: bool = False, lock_timeout: float = 30.0
) -> Iterator[tuple[duckdb.DuckDBPyConnection, list[str]]]:
    """A read-only connection to a store (or to the DuckDB file at a path), with the folders a
    sandbox must leave readable."""
    if isinstance(where, str | Path):
        with connect(where, read_only=True, lock_timeout=lock_timeout) as conn:
            yield conn, []
        return
    with where.read_connection(live=live) as conn:
        yield conn, where.readable_paths(conn)


def run_query(
    where: Storage | str | Path,
    sql: str,
    *,
    live: bool = False,
    lock_timeout: float = 30.0,
    time_limit: float = QUERY_TIME_LIMIT,
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run one read-only statement in the sandbox and return column names and rows."""
    with reading(where, live=live, lock_timeout=lock_timeout) as (conn, readable):
        _sandbox(conn, readable)
        _check_one_read(conn, sql)
        # The timer interrupts the running statement, fetching included, from another thread.
        timer = threading.Timer(time_limit, conn.interrupt)
        timer.start()
        try:
            cursor = conn.execute(sql)
            if cursor.description is None:
                return [], []
            return [d[0] for d in cursor.description], cursor.fetchall()
        except duckdb.InterruptException as exc:
            raise StorageError(
                f"query stopped after {time_limit:g} s (its time limit); narrow it with WHERE "
                "or LIMIT"
            ) from exc
        except duckdb.Error as exc:
            raise StorageError(f"query failed: {_first_line(exc)}") from exc
        finally:
            timer.cancel()


def _sandbox(conn: duckdb.DuckDBPyConnection, readable: list[str]) -> None:
    if readable:  # a lake's data files, which its tables read
        conn.execute("SET allowed_directories = ?", [readable])
    conn.execute("SET enable_external_access = false")
    conn.execute("SET lock_configuration = true")


def _check_one_read(conn: duckdb.DuckDBPyConnection, sql: str) -> None:
    try:
        statements = conn.extract_statements(sql)
    except duckdb.Error as exc:
        raise StorageError(f"query failed: {_first_line(exc)}") from exc
    if len(statements) != 1:
        raise StorageError(f"one statement per query, please ({len(statements)} given)")
    kind = statements[0].type
    if kind not in _READS:
        raise StorageError(
            f"only SELECT (or EXPLAIN) may run here, not {kind.name}: the store is read-only"
        )
    # EXPLAIN ANALYZE runs its statement: the statement it explains is checked the same way.
    _check_stays_inside(conn, re.sub(r"^\s*EXPLAIN\s+(ANALYZE\s+)?", "", sql, flags=re.IGNORECASE))


def _check_stays_inside(conn: duckdb.DuckDBPyConnection, sql: str) -> None:
    # A lake's catalog is a PostgreSQL database the connection holds open; a query may read the
    # lake's tables, not that database.
    row = conn.execute("SELECT json_serialize_sql(?)", [sql]).fetchone()
    tree = json.loads(row[0]) if row else {}
    for key, value in _walk(tree):
        if not isinstance(value, str):
            continue
        name = value.lower()
        if key == "function_name" and name.startswith(_OUTSIDE_FUNCTIONS):
            raise StorageError(f"{value}() reaches outside the store and cannot run here")
        if key in ("catalog_name", "catalog", "schema_name", "schema") and name.startswith(
            _CATALOG_PREFIX
        ):
            raise StorageError("the lake's catalog database cannot be read here; query its tables")


def _walk(node: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield key, value
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def spreadsheet_safe(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula, prefixed with ' so it stays text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_rows(rows: Iterable[tuple[Any, ...]]) -> Iterable[tuple[Any, ...]]:
    """Rows with every text cell made spreadsheet-safe (for CSV output)."""
    return (tuple(spreadsheet_safe(v) for v in row) for row in rows)


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


def export(
    where: Storage | str | Path, out_dir: str | Path, fmt: str, *, live: bool = False
) -> list[Path]:
    """Write every exported table and view to ``out_dir`` as Parquet or CSV; return the files.

    CSV cells a spreadsheet would run as formulas get a leading ' (Parquet keeps them as they are).
    """
    if fmt not in ("parquet", "csv"):
        raise StorageError(f"unknown export format {fmt!r}: use parquet or csv")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    options = "FORMAT PARQUET, COMPRESSION ZSTD" if fmt == "parquet" else "FORMAT CSV, HEADER"
    written = []
    with reading(where, live=live, lock_timeout=120.0) as (conn, _):
        for name in EXPORTED:
            target = out / f"{name}.{fmt}"
            quoted = str(target).replace("'", "''")
            select = _csv_safe_select(conn, name) if fmt == "csv" else f"SELECT * FROM {name}"
            try:
                conn.execute(f"COPY ({select}) TO '{quoted}' ({options})")
            except duckdb.Error as exc:
                raise StorageError(f"cannot export {name}: {exc}") from exc
            written.append(target)
    return written


def _csv_safe_select(conn: duckdb.DuckDBPyConnection, name: str) -> str:
    columns = conn.execute(f"DESCRIBE SELECT * FROM {name}").fetchall()
    starts = "".join({"-": r"\-", "\t": r"\t", "\r": r"\r"}.get(c, c) for c in FORMULA_STARTS)
    parts = []
    for column, kind, *_ in columns:
        ident = '"' + column.replace('"', '""') + '"'
        if kind == "VARCHAR":
            parts.append(
                f"CASE WHEN regexp_matches({ident}, '^[{starts}]') THEN '''' || {ident} "
                f"ELSE {ident} END AS {ident}"
            )
        else:
            parts.append(ident)
    return f"SELECT {', '.join(parts)} FROM {name}"
