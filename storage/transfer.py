"""Copy every table of one attached store into another, and prove nothing was lost: a row count
and an order-free checksum per table, compared on both sides."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from vigia.core.errors import StorageError

# The migrations' own bookkeeping: each store keeps its own.
NOT_COPIED = frozenset({"_migrations"})


@dataclass(frozen=True)
class TableCheck:
    """One table's rows and checksum in the source and in the copy."""

    table: str
    rows: int
    checksum: int
    copied_rows: int
    copied_checksum: int

    @property
    def equal(self) -> bool:
        """True when the copy holds the same rows."""
        return (self.rows, self.checksum) == (self.copied_rows, self.copied_checksum)


def copy_tables(conn: duckdb.DuckDBPyConnection, source: str, target: str) -> list[TableCheck]:
    """Copy every table of the attached database ``source`` into the empty, migrated ``target``
    in one transaction, then compare them; return the comparison per table."""
    tables = _tables(conn, source)
    occupied = [t for t in tables if _count(conn, target, t)]
    if occupied:
        raise StorageError(
            f"the target already holds rows in {', '.join(occupied)}; copy into an empty store"
        )
    conn.execute("BEGIN TRANSACTION")
    try:
        for table in tables:
            # By name: the two stores were migrated alike, but a column's position is not
            # what identifies it.
            conn.execute(
                f"INSERT INTO {target}.main.{table} BY NAME SELECT * FROM {source}.main.{table}"
            )
        conn.execute("COMMIT")
    except duckdb.Error as exc:
        conn.execute("ROLLBACK")
        raise StorageError(f"copy failed, nothing was written: {exc}") from exc
    return [
        TableCheck(table, *_fingerprint(conn, source, table), *_fingerprint(conn, target, table))
        for table in tables
    ]


def _tables(conn: duckdb.DuckDBPyConnection, database: str) -> list[str]:
    rows = conn.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'main' "
        "ORDER BY table_name",
        [database],
    ).fetchall()
    return [row[0] for row in rows if row[0] not in NOT_COPIED]


def _count(conn: duckdb.DuckDBPyConnection, database: str, table: str) -> int:
    row = conn.execute(f"SELECT count(*) FROM {database}.main.{table}").fetchone()
    return int(row[0]) if row else 0


def _fingerprint(conn: duckdb.DuckDBPyConnection, database: str, table: str) -> tuple[int, int]:
    # Each row's columns hashed together in name order, summed: the same rows give the same
    # sum whatever their order or the columns' positions. (Hashing the values, not a JSON text
    # of the row, keeps a million items within the store's memory cap.)
    columns = sorted(
        row[0]
        for row in conn.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = ? "
            "AND schema_name = 'main' AND table_name = ?",
            [database, table],
        ).fetchall()
    )
    values = ", ".join(f'"{c}"' for c in columns)
    row = conn.execute(
        f"SELECT count(*), coalesce(sum(hash({values})), 0)::HUGEINT FROM {database}.main.{table}"
    ).fetchone()
    return (int(row[0]), int(row[1])) if row else (0, 0)
