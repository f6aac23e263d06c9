"""The DuckDB store: schema, migrations and every SQL statement Vigía runs."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from vigia.storage.db import connect, migrate
from vigia.storage.outbox import alert_key
from vigia.storage.query import export, run_query
from vigia.storage.repo import Store, UpsertReport
from vigia.storage.snapshot import readable_path, refresh_snapshot, snapshot_path


@contextmanager
def open_reader(path: str | Path, *, lock_timeout: float = 30.0) -> Iterator[Store]:
    """Open the store (or its snapshot) read-only, as a Store whose reads are all it may do."""
    with connect(path, read_only=True, lock_timeout=lock_timeout) as conn:
        yield Store(conn)


@contextmanager
def open_store(path: str | Path, *, lock_timeout: float = 120.0) -> Iterator[Store]:
    """Open the store for writing (migrated), as a Store, for one short unit of work."""
    with connect(path, lock_timeout=lock_timeout) as conn:
        yield Store(conn)


__all__ = [
    "Store",
    "UpsertReport",
    "alert_key",
    "connect",
    "export",
    "migrate",
    "open_reader",
    "open_store",
    "readable_path",
    "refresh_snapshot",
    "run_query",
    "snapshot_path",
]
