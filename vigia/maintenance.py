"""Operating the store: move a DuckDB file into a lake, and compact either."""

from __future__ import annotations

from datetime import timedelta

from vigia.config import Settings
from vigia.core.errors import ConfigError, StorageError
from vigia.storage import DuckDBFile
from vigia.storage.lake import parse_lake
from vigia.storage.transfer import TableCheck

# How long a lake keeps its past snapshots (time travel) unless told otherwise.
DEFAULT_KEEP_DAYS = 7


def migrate_store(settings: Settings, to: str, data_path: str | None) -> list[TableCheck]:
    """Copy the configured DuckDB-file store into the empty lake ``to``; return the per-table
    comparison (the caller reports any difference)."""
    source = settings.storage
    if not isinstance(source, DuckDBFile):
        raise ConfigError(
            f"the store to copy from is {source.location}; `store migrate` copies a DuckDB file "
            "(set VIGIA_DB or VIGIA_STORE=duckdb:PATH)"
        )
    if not source.path.exists():
        raise ConfigError(f"no store at {source.path} to copy")
    try:
        target = parse_lake(to, data_path or settings.env.get("VIGIA_DATA_PATH"))
    except StorageError as exc:
        raise ConfigError(f"--to: {exc}") from exc
    with source.open():
        pass  # the file migrated to this version's schema, as the lake will be
    return target.copy_from(source.path)


def compact_store(settings: Settings, keep_days: float | None) -> dict[str, int]:
    """Compact the configured store, keeping ``keep_days`` of a lake's history (or
    VIGIA_LAKE_KEEP_DAYS, or 7)."""
    days = keep_days if keep_days is not None else settings.env.get("VIGIA_LAKE_KEEP_DAYS")
    try:
        keep = timedelta(days=float(days if days is not None else DEFAULT_KEEP_DAYS))
    except ValueError as exc:
        raise ConfigError(f"VIGIA_LAKE_KEEP_DAYS={days!r}: a number of days, please") from exc
    return settings.storage.compact(keep)
