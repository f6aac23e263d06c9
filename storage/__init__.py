"""The DuckDB store: schema, migrations and every SQL statement Vigía runs.

Use-cases receive a ``Storage`` (where the state lives) and open it for one short unit of work
at a time; ``DuckDBFile`` is the embedded default.
"""

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

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


class Storage(Protocol):
    """Where Vigía's state lives. Opened for one short unit of work at a time, so other
    processes (a dispatcher, a researcher's reader) get their turn."""

    @property
    def location(self) -> str:
        """Where it is, for messages (a path, a catalog)."""

    def open(self) -> AbstractContextManager[Store]:
        """The store, migrated, for reading and writing."""

    def reader(self) -> AbstractContextManager[Store]:
        """The store (or its readers' snapshot) for reading only."""


@dataclass(frozen=True)
class DuckDBFile:
    """The embedded default: one DuckDB file, one writing process at a time."""

    path: Path

    @property
    def location(self) -> str:
        """The file's path."""
        return str(self.path)

    def open(self) -> AbstractContextManager[Store]:
        """The file for one unit of work, waiting for another writer to let go."""
        return open_store(self.path)

    def reader(self) -> AbstractContextManager[Store]:
        """The file (or its snapshot, while a writer holds it) read-only."""
        return open_reader(readable_path(self.path))


__all__ = [
    "DuckDBFile",
    "Storage",
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
