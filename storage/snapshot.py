"""Readers' snapshot: a copy of the store refreshed after each run, so reading never blocks
writing and writing never blocks reading.

DuckDB lets one process write a file, or several read it, not both. Researchers and reports
read ``vigia.read.duckdb``; the pipeline replaces it atomically after each run, and a reader
holding the old copy keeps reading it undisturbed.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from vigia.storage.db import connect


def snapshot_path(path: str | Path) -> Path:
    """Where the readers' snapshot of the store at ``path`` lives."""
    path = Path(path)
    return path.with_name(f"{path.stem}.read{path.suffix}")


def refresh_snapshot(path: str | Path, *, lock_timeout: float = 120.0) -> Path:
    """Copy the store to its snapshot, consistently and atomically; return the snapshot path."""
    path, target = Path(path), snapshot_path(path)
    partial = target.with_name(target.name + ".partial")
    # Holding the writer's lock: no transaction is half-written while the file is copied, and
    # the checkpoint has moved everything from the write-ahead log into the file.
    with connect(path, lock_timeout=lock_timeout) as conn:
        conn.execute("CHECKPOINT")
        shutil.copyfile(path, partial)
    os.replace(partial, target)
    return target


def readable_path(path: str | Path) -> Path:
    """The snapshot when there is one, else the store itself."""
    snapshot = snapshot_path(path)
    return snapshot if snapshot.exists() else Path(path)
