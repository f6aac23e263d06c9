"""Probe what DuckLake 1.5.5 accepts of the SQL our store uses, and how it settles races.

Not part of the test suite or a dependency: it reads the extension files from the
`duckdb-extension-ducklake` (and `-postgres`) 1.5.5 wheels (pip download, unzip). The catalog is
a DuckDB file in a temporary folder, or a PostgreSQL database when a connection string is given.

    .venv/bin/python scripts/probe_ducklake.py path/to/ducklake.duckdb_extension
    .venv/bin/python scripts/probe_ducklake.py ducklake.duckdb_extension \
        postgres.duckdb_extension "dbname=lake host=127.0.0.1 port=55432 user=postgres"
"""

from __future__ import annotations

import sys
import tempfile

import duckdb

STATEMENTS = [
    "CREATE TABLE a (key VARCHAR PRIMARY KEY, status VARCHAR)",
    "INSERT INTO b VALUES ('k1', 'pending') RETURNING key",
    "INSERT INTO b VALUES ('k1', 'pending') ON CONFLICT DO NOTHING",
    "UPDATE b SET status = 'sending' WHERE key = 'k1' RETURNING key",
    "CREATE INDEX i ON b (key)",
    "CREATE VIEW v AS SELECT * FROM b",
    "CREATE MACRO m(x) AS TABLE SELECT * FROM b WHERE key = x",
    "ALTER TABLE b ADD COLUMN c INTEGER",
    "ALTER TABLE b RENAME COLUMN c TO d",
]


def main(extension: str, postgres: str | None = None, dsn: str | None = None) -> None:
    """Print, for each statement, whether DuckLake takes it; then two races."""
    with tempfile.TemporaryDirectory() as folder:
        db = duckdb.connect(config={"allow_unsigned_extensions": "true"})
        db.install_extension(extension)
        db.load_extension("ducklake")
        catalog = f"{folder}/cat.ducklake"
        if postgres and dsn:
            db.install_extension(postgres)
            db.load_extension("postgres")
            catalog = f"postgres:{dsn}"
        db.execute(f"ATTACH 'ducklake:{catalog}' AS lake (DATA_PATH '{folder}/data/')")
        db.execute("USE lake")
        db.execute("CREATE TABLE b (key VARCHAR NOT NULL, status VARCHAR)")
        for sql in STATEMENTS:
            try:
                db.execute(sql)
                print(f"ok      {sql}", flush=True)
            except duckdb.Error as exc:
                print(f"refused {sql}\n        {str(exc).splitlines()[0]}")
        db.execute("INSERT INTO b (key, status) VALUES ('k0', 'pending')")
        _race(
            db,
            "INSERT INTO b (key, status) SELECT 'k2', 'pending' "
            "WHERE NOT EXISTS (SELECT 1 FROM b WHERE key = 'k2')",
            "guarded insert",
        )
        print(
            "        rows with key k2:",
            db.execute("SELECT count(*) FROM b WHERE key = 'k2'").fetchone()[0],
        )
        _race(
            db, "UPDATE b SET status = 'sending' WHERE key = 'k0' AND status = 'pending'", "claim"
        )


def _race(db: duckdb.DuckDBPyConnection, sql: str, what: str) -> None:
    first, second = db.cursor(), db.cursor()
    for cursor in (first, second):
        cursor.execute("USE lake")
        cursor.execute("BEGIN")
        cursor.execute(sql)
    for name, cursor in (("first", first), ("second", second)):
        try:
            cursor.execute("COMMIT")
            print(f"{what}: {name} committed")
        except duckdb.Error as exc:
            print(f"{what}: {name} refused: {str(exc).splitlines()[0]}")


if __name__ == "__main__":
    main(*sys.argv[1:4])
