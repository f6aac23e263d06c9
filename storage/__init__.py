"""The store: schema, migrations and every SQL statement Vigía runs.

Use-cases receive a ``Storage`` (where the state lives) and open it for one short unit of work
at a time; ``DuckDBFile`` is the embedded default, ``DuckLake`` the store many hosts share.
"""

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol

from vigia.core.errors import StorageError
from vigia.storage.db import connect, migrate
from vigia.storage.lake import DuckLake, parse_lake, redacted
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
    processes (a dispatcher, a researcher's reader) get their turn.

    Writers take turns: one unit of work writes at a time (a DuckDB file's lock, a lake's
    advisory lock in its PostgreSQL catalog). The repositories rely on it: a write guarded by
    ``WHERE NOT EXISTS`` or by a row's status is exact, with no keys to conflict on.
    """

    @property
    def location(self) -> str:
        """Where it is, for messages (a path, a catalog)."""

    def open(self) -> AbstractContextManager[Store]:
        """The store, migrated, for reading and writing."""

    def reader(self) -> AbstractContextManager[Store]:
        """The store (or its readers' snapshot) for reading only."""

    def read_connection(self, *, live: bool = False) -> AbstractContextManager[Any]:
        """A read-only DuckDB connection of its own (for the researchers' sandbox and exports);
        ``live`` reads the store itself rather than its readers' copy, where there is one."""

    def readable_paths(self, conn: Any) -> list[str]:
        """Folders a sandboxed reader of this store must still be allowed to read."""

    def refresh_readers(self) -> None:
        """Bring what readers read up to date after a run."""

    def compact(self, keep: timedelta) -> dict[str, int]:
        """Reclaim space and merge small pieces, keeping history for ``keep``; say what changed."""


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

    def read_connection(self, *, live: bool = False) -> AbstractContextManager[Any]:
        """The file, or its readers' snapshot unless ``live``, read-only."""
        return connect(self.path if live else readable_path(self.path), read_only=True)

    def readable_paths(self, conn: Any) -> list[str]:
        """None: the whole store is in the attached file."""
        return []

    def refresh_readers(self) -> None:
        """Copy the file to the readers' snapshot."""
        refresh_snapshot(self.path)

    def compact(self, keep: timedelta) -> dict[str, int]:
        """Checkpoint the file (its write-ahead log into the file, freed blocks reused); a file
        keeps no history, so ``keep`` has nothing to act on."""
        before = self.path.stat().st_size if self.path.exists() else 0
        with connect(self.path) as conn:
            conn.execute("CHECKPOINT")
        return {"bytes_before": before, "bytes_after": self.path.stat().st_size}


def storage_from(setting: str | None, default_file: Path, data_path: str | None) -> Storage:
    """The store a ``VIGIA_STORE`` value names: unset, ``default_file`` (the settings turn
    ``duckdb:PATH`` into that path); or ``ducklake:postgres:<libpq connection string>`` with its
    data files under ``data_path``."""
    setting = (setting or "").strip()
    if not setting:
        return DuckDBFile(default_file)
    if setting.startswith("ducklake:"):
        return parse_lake(setting, data_path)
    raise StorageError(
        f"{redacted(setting)!r}: use 'duckdb:PATH' (a DuckDB file) or "
        "'ducklake:postgres:<libpq connection string>' (a lake with a PostgreSQL catalog)"
    )


__all__ = [
    "DuckDBFile",
    "DuckLake",
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
    "storage_from",
]
