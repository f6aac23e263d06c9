"""A DuckLake store: the tables' data in Parquet files under a data path, their catalog in
PostgreSQL, so that processes on several hosts write and read one store.

Writers take turns through one PostgreSQL advisory lock, held for each unit of work exactly as
DuckDB holds a file's lock: every invariant the file store keeps (an item stored once, an alert
claimed once) holds unchanged, with no retry logic in any repository. DuckLake alone would not
keep them: it has no unique keys, and two transactions that insert the same key both commit
(docs/design/ducklake.md). Readers take no lock: each reads the lake's last snapshot.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from vigia.core.errors import StorageError
from vigia.storage.db import MEMORY_LIMIT, SCHEMA, migrate
from vigia.storage.repo import Store
from vigia.storage.transfer import TableCheck, copy_tables

PREFIX = "ducklake:postgres:"
EXTENSIONS = ("ducklake", "postgres")
COPY_MEMORY_LIMIT = "2GB"
# Counts compactions, so that every process attaches the lake again after one.
MAINTENANCE_TABLE = "vigia_lake_maintenance"
# One lake per catalog database: the lock's number needs only to be Vigía's own.
WRITERS_LOCK = int.from_bytes(hashlib.sha256(b"vigia-writers").digest()[:8], "big", signed=True)
SETUP_LOCK = WRITERS_LOCK ^ 1  # held while the maintenance table is made


@dataclass(frozen=True)
class DuckLake:
    """A lake whose catalog is a PostgreSQL database (``catalog`` is its libpq connection
    string) and whose data files go under ``data_path`` (needed when the lake is created)."""

    catalog: str
    data_path: str | None = None
    lock_timeout: float = 120.0
    _process: _LakeProcess = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_process", _LakeProcess.of(self.catalog, self.data_path))

    @property
    def location(self) -> str:
        """The catalog, without its password."""
        return PREFIX + redacted(self.catalog)

    @contextmanager
    def open(self) -> Iterator[Store]:
        """The lake for one unit of work, once the other writers have let go of it."""
        with self._process.writer(self.lock_timeout) as conn:
            yield Store(conn)

    @contextmanager
    def reader(self) -> Iterator[Store]:
        """The lake's last snapshot, read-only; never waits for a writer."""
        with self._process.cursor(read_only=True) as conn:
            yield Store(conn)

    @contextmanager
    def read_connection(self, *, live: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection of its own to the lake, read-only (a researcher's sandbox locks it)."""
        conn = _attach(self.catalog, self.data_path, read_only=True)
        try:
            yield conn
        finally:
            conn.close()

    def readable_paths(self, conn: duckdb.DuckDBPyConnection) -> list[str]:
        """The folders a sandboxed reader must still read: the lake's data files."""
        row = conn.execute(
            f"SELECT value FROM ducklake_options('{SCHEMA}') WHERE option_name = 'data_path'"
        ).fetchone()
        return [row[0]] if row and row[0] else []

    def refresh_readers(self) -> None:
        """Nothing to do: readers read the lake's last snapshot."""

    def copy_from(self, source: Path) -> list[TableCheck]:
        """Copy a DuckDB-file store into this lake, which must be empty; return each table's
        rows and checksum on both sides."""
        with self._process.writer(self.lock_timeout) as conn:
            try:
                conn.execute(f"ATTACH '{_quoted(str(source))}' AS copy_source (READ_ONLY)")
            except duckdb.Error as exc:
                raise StorageError(
                    f"cannot read {source} (stop the runs that write it first): {exc}"
                ) from exc
            # A one-off by the operator: reading a million items' texts on both sides for the
            # checksums needs more than the cap that keeps the pipeline's processes small.
            limit = conn.execute("SELECT current_setting('memory_limit')").fetchone()
            conn.execute(f"SET memory_limit = '{COPY_MEMORY_LIMIT}'")
            try:
                return copy_tables(conn, "copy_source", SCHEMA)
            finally:
                conn.execute("DETACH copy_source")
                conn.execute(f"SET memory_limit = '{limit[0] if limit else MEMORY_LIMIT}'")

    def compact(self, keep: timedelta) -> dict[str, int]:
        """Write inlined rows to Parquet, merge small files, forget snapshots older than
        ``keep`` and delete the files only they used; return files and snapshots before and
        after."""
        with self._process.writer(self.lock_timeout) as conn:
            before = _lake_counts(conn)
            older_than = datetime.now(UTC) - keep
            conn.execute(f"CALL ducklake_flush_inlined_data('{SCHEMA}')")
            conn.execute(f"CALL ducklake_merge_adjacent_files('{SCHEMA}')")
            conn.execute(
                f"CALL ducklake_expire_snapshots('{SCHEMA}', older_than => ?)", [older_than]
            )
            conn.execute(
                f"CALL ducklake_cleanup_old_files('{SCHEMA}', older_than => ?)", [older_than]
            )
            after = _lake_counts(conn)
            self._process.compacted()
        return {
            "files_before": before[0],
            "files_after": after[0],
            "snapshots_before": before[1],
            "snapshots_after": after[1],
        }


def redacted(text: str) -> str:
    """Text (a connection string, an error quoting one) with any password hidden, in the
    key=value or the URI form."""
    hidden = re.sub(r"password=\S+", "password=…", text)
    return re.sub(r"(://[^:/@\s]+):[^@\s]+@", r"\1:…@", hidden)


def parse_lake(url: str, data_path: str | None) -> DuckLake:
    """The lake a ``ducklake:postgres:<libpq connection string>`` setting names."""
    catalog = url[len(PREFIX) :].strip()
    if not url.startswith(PREFIX) or not catalog:
        raise StorageError(
            f"{redacted(url)!r}: a lake is named 'ducklake:postgres:<libpq connection string>', "
            "e.g. 'ducklake:postgres:dbname=vigia host=db.example.org user=vigia'"
        )
    return DuckLake(catalog, data_path or None)


class _LakeProcess:
    """What one process keeps of one lake: an attached connection per mode (attaching costs
    0.2–0.35 s, a unit of work a few ms) and the writers' lock."""

    _known: dict[tuple[str, str | None], _LakeProcess] = {}
    _known_lock = threading.Lock()

    def __init__(self, catalog: str, data_path: str | None) -> None:
        self.catalog = catalog
        self.data_path = data_path
        self._conns: dict[bool, duckdb.DuckDBPyConnection] = {}
        self._seen: dict[bool, int] = {}  # the compaction generation each connection saw
        self._session_lock = threading.Lock()
        self._conns_lock = threading.Lock()
        self._turn = threading.Lock()  # this process's writers queue here first
        self._session: Any = None  # the PostgreSQL session that holds the advisory lock
        self._migrated = False

    @classmethod
    def of(cls, catalog: str, data_path: str | None) -> _LakeProcess:
        """The one instance for this lake in this process."""
        with cls._known_lock:
            key = (catalog, data_path)
            if key not in cls._known:
                cls._known[key] = cls(catalog, data_path)
            return cls._known[key]

    @contextmanager
    def cursor(self, *, read_only: bool) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor of the attached connection, in the store's schema.

        An attached connection caches the lake's table layout, and a compaction in another
        process (inlined rows written out, their catalog tables dropped) leaves that cache
        pointing at tables that are gone: the connection is attached again after every
        compaction, and after any error.
        """
        generation = self._generation()
        with self._conns_lock:
            if self._seen.get(read_only) != generation:
                self._conns.pop(read_only, None)
            if read_only not in self._conns:
                self._conns[read_only] = _attach(self.catalog, self.data_path, read_only)
                self._seen[read_only] = generation
            base = self._conns[read_only]
        conn = base.cursor()
        try:
            conn.execute(f"USE {SCHEMA}")
            yield conn
        except duckdb.Error:
            with self._conns_lock:
                if self._conns.get(read_only) is base:
                    del self._conns[read_only]
            raise
        finally:
            conn.close()

    def compacted(self) -> None:
        """Tell every process that the lake was compacted: they attach it again."""
        self._lock_session().execute(
            f"UPDATE {MAINTENANCE_TABLE} SET generation = generation + 1 WHERE id = 1"
        )

    def _generation(self) -> int:
        session = self._lock_session()
        row = session.execute(f"SELECT generation FROM {MAINTENANCE_TABLE} WHERE id = 1").fetchone()
        return int(row[0]) if row else 0

    @contextmanager
    def writer(self, timeout: float) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor for one unit of work, holding the writers' lock until it ends."""
        with self._turn, self._advisory_lock(timeout), self.cursor(read_only=False) as conn:
            if not self._migrated:
                migrate(LakeDDL(conn))
                self._migrated = True
            yield conn

    @contextmanager
    def _advisory_lock(self, timeout: float) -> Iterator[None]:
        import psycopg

        session = self._lock_session()
        try:
            session.execute(f"SET lock_timeout = '{int(timeout * 1000)}ms'")
            session.execute("SELECT pg_advisory_lock(%s)", [WRITERS_LOCK])
        except psycopg.errors.LockNotAvailable as exc:
            raise StorageError(
                f"the lake's writers' lock was held by another process for {timeout:g} s"
            ) from exc
        except psycopg.OperationalError as exc:
            self._session = None  # a broken session is opened again next time
            raise StorageError(f"cannot reach the lake's catalog: {redacted(str(exc))}") from exc
        try:
            yield
        finally:
            try:
                session.execute("SELECT pg_advisory_unlock(%s)", [WRITERS_LOCK])
            except psycopg.Error:
                # The session is gone, and PostgreSQL released its lock with it.
                self._session = None

    def _lock_session(self) -> Any:
        import psycopg

        with self._session_lock:
            if self._session is None or self._session.closed:
                try:
                    session = psycopg.connect(self.catalog, autocommit=True)
                    # Our one table in the catalog database, beside DuckLake's own. Created
                    # under a lock: two processes' CREATE TABLE IF NOT EXISTS at the same
                    # moment on a new database can both try, and one fails.
                    with session.transaction():
                        session.execute("SELECT pg_advisory_xact_lock(%s)", [SETUP_LOCK])
                        session.execute(
                            f"CREATE TABLE IF NOT EXISTS {MAINTENANCE_TABLE} "
                            "(id integer PRIMARY KEY, generation bigint NOT NULL)"
                        )
                        session.execute(
                            f"INSERT INTO {MAINTENANCE_TABLE} VALUES (1, 0) ON CONFLICT DO NOTHING"
                        )
                except psycopg.Error as exc:
                    raise StorageError(
                        f"cannot reach the lake's catalog: {redacted(str(exc))}"
                    ) from exc
                self._session = session
            return self._session


class LakeDDL:
    """The connection, as the migrations see it on a lake: the same statements, with what
    DuckLake refuses in table definitions taken out.

    Keys become NOT NULL columns (uniqueness is the writers' lock's job), and a boolean column
    added later gets no default (DuckLake adds columns with literal defaults only; every insert
    names the column).
    """

    _COLUMN_KEY = re.compile(r"\bPRIMARY KEY\b(?!\s*\()")
    _TABLE_KEY = re.compile(r",\s*PRIMARY KEY\s*\([^)]*\)")
    _ADDED_BOOLEAN_DEFAULT = re.compile(r"(ADD COLUMN \w+ BOOLEAN) DEFAULT \w+")

    def __init__(self, conn: duckdb.DuckDBPyConnection) -> None:
        self.conn = conn

    def execute(self, sql: str, params: Any = None) -> duckdb.DuckDBPyConnection:
        """Run a migration's statement in the lake's dialect."""
        sql = self._TABLE_KEY.sub("", sql)
        sql = self._COLUMN_KEY.sub("NOT NULL", sql)
        sql = self._ADDED_BOOLEAN_DEFAULT.sub(r"\1", sql)
        return self.conn.execute(sql, params)


def _lake_counts(conn: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """Data files of every table, and snapshots kept."""
    tables = conn.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = ?", [SCHEMA]
    ).fetchall()
    files = 0
    for (table,) in tables:  # the function takes a literal table name only
        listed = conn.execute(f"SELECT count(*) FROM ducklake_list_files('{SCHEMA}', ?)", [table])
        files += _first_int(listed.fetchone())
    snapshots = conn.execute(f"SELECT count(*) FROM ducklake_snapshots('{SCHEMA}')").fetchone()
    return files, _first_int(snapshots)


def _first_int(row: tuple[Any, ...] | None) -> int:
    return int(row[0]) if row else 0


def _attach(catalog: str, data_path: str | None, read_only: bool) -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect(config={"memory_limit": MEMORY_LIMIT})
    try:
        _load_extensions(conn)
        options = [f"DATA_PATH '{_quoted(data_path)}'"] if data_path else []
        if read_only:
            options.append("READ_ONLY")
        clause = f" ({', '.join(options)})" if options else ""
        conn.execute(f"ATTACH '{_quoted('ducklake:postgres:' + catalog)}' AS {SCHEMA}{clause}")
        conn.execute(f"USE {SCHEMA}")
    except duckdb.Error as exc:
        conn.close()
        message = redacted(str(exc).strip().splitlines()[0])
        if read_only and "does not exist" in message:
            raise StorageError(
                "no lake at that catalog yet; run `vigia demo` or `vigia run` with this "
                "VIGIA_STORE first"
            ) from exc
        raise StorageError(f"cannot open the lake: {message}") from exc
    return conn


def _load_extensions(conn: duckdb.DuckDBPyConnection) -> None:
    # From the wheels on the package index (duckdb-extension-ducklake, -postgres), never from
    # DuckDB's extension repository: no machine running Vigía needs the internet.
    for name in EXTENSIONS:
        try:
            folder = importlib.resources.files(f"duckdb_extension_{name}")
        except ModuleNotFoundError as exc:
            raise StorageError(
                f"the lake store needs the package duckdb-extension-{name}=={duckdb.__version__}"
                " (pip install 'vigia[lake]')"
            ) from exc
        path = folder / "extensions" / f"v{duckdb.__version__}" / f"{name}.duckdb_extension"
        conn.install_extension(str(path))
        conn.load_extension(name)


def _quoted(text: str) -> str:
    return text.replace("'", "''")
