"""SIGKILL in the middle of classification, then a rerun: the same rows as a clean run.

A run is killed at each moment where a partial write used to be left behind: after an item's
matches were recorded but before its alerts were queued, and after its alerts but before the
demand's status moves. The process kills itself there (the store's own methods are wrapped to
send the signal; nothing else changes), a normal run follows, and the store must hold exactly
what one clean run writes. Items are constructed.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.constructed import ARRAIGO_RULING, REGISTRY_DECREE, REGISTRY_STRUCK_DOWN, REGISTRY_VOTE
from vigia import pipeline
from vigia.config import load_settings
from vigia.storage import open_store, run_query

ROOT = Path(__file__).resolve().parents[2]
ITEMS = [REGISTRY_VOTE, REGISTRY_DECREE, REGISTRY_STRUCK_DOWN, ARRAIGO_RULING]

KILLED_RUN = """
import os, signal, sys
from vigia.storage import outbox, status
from vigia import pipeline
from vigia.config import load_settings

repository, method = sys.argv[2].split(".")
owner = {"outbox": outbox.OutboxRepository, "statuses": status.StatusRepository}[repository]

def die(self, *args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

setattr(owner, method, die)
pipeline.classify_pending(load_settings({}, db_path=sys.argv[1], sources_config={}))
"""

ROWS = {
    "matches": "SELECT item_id, demand_id, stance, rule FROM matches ORDER BY ALL",
    "alerts": "SELECT key, kind, demand_id, item_id, status, tier FROM alerts ORDER BY ALL",
    "moves": "SELECT demand_id, status, item_id, stance, confirmed FROM status_changes "
    "ORDER BY ALL",
    "classified": "SELECT id, classifier_version FROM items ORDER BY ALL",
}


def _rows(db: Path) -> dict[str, list[tuple]]:
    return {name: run_query(db, sql)[1] for name, sql in ROWS.items()}


@pytest.fixture
def stores(tmp_path: Path) -> tuple[Path, Path]:
    """Two copies of one store of unclassified items: one for a clean run, one to kill."""
    clean = tmp_path / "clean.duckdb"
    with open_store(clean) as store:
        store.items.upsert(ITEMS, datetime.now(UTC))
    killed = tmp_path / "killed.duckdb"
    shutil.copy(clean, killed)
    return clean, killed


@pytest.mark.parametrize("moment", ["outbox.enqueue_alerts", "statuses.record_moves"])
def test_a_run_killed_during_classification_is_completed_by_the_next(
    stores: tuple[Path, Path], moment: str
) -> None:
    clean, killed = stores
    pipeline.classify_pending(load_settings({}, db_path=str(clean), sources_config={}))
    expected = _rows(clean)
    assert expected["matches"] and expected["alerts"] and expected["moves"]

    done = subprocess.run(
        [sys.executable, "-c", KILLED_RUN, str(killed), moment],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    # The kill left nothing half done: no match without its alerts and moves.
    assert run_query(killed, "SELECT count(*) FROM matches")[1] == [(0,)]

    pipeline.classify_pending(load_settings({}, db_path=str(killed), sources_config={}))
    assert _rows(killed) == expected
