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
from vigia.classify.campaigns import CampaignsClassifier
from vigia.config import load_settings
from vigia.core.errors import RunFailed
from vigia.core.model import Item, Match
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


def test_an_item_the_classifier_fails_on_holds_back_no_other(
    stores: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    clean, faulty = stores
    pipeline.classify_pending(load_settings({}, db_path=str(clean), sources_config={}))
    expected = _rows(clean)
    assert REGISTRY_DECREE.id in {item_id for item_id, *_ in expected["matches"]}

    # A constructed fault: the real classifier, except that it raises on one item, as a bug
    # met on one odd text would.
    real = CampaignsClassifier.classify

    def classify(self: CampaignsClassifier, item: Item) -> list[Match]:
        if item.id == REGISTRY_DECREE.id:
            raise IndexError("constructed fault\x1b[31m on one item")
        return real(self, item)

    monkeypatch.setattr(CampaignsClassifier, "classify", classify)
    settings = load_settings({}, db_path=str(faulty), sources_config={})
    report = pipeline.classify_pending(settings)

    assert list(report.failed) == [REGISTRY_DECREE.id]
    assert report.classified == len(ITEMS) - 1
    others = {i.id for i in ITEMS} - {REGISTRY_DECREE.id}
    found = _rows(faulty)
    assert found["matches"] == [m for m in expected["matches"] if m[0] in others]
    unclassified = [row for row in found["classified"] if row[1] is None]
    assert unclassified == [(REGISTRY_DECREE.id, None)]
    # The run says which item failed and why, and fails after everything else was done.
    with pytest.raises(RunFailed, match=f"failed on 1 item.*{REGISTRY_DECREE.id}: IndexError"):
        pipeline.raise_for_failures([], None, report)

    # Once the classifier is fixed, the next run classifies the item left over, as a clean
    # run would have, and its alerts go out once.
    monkeypatch.setattr(CampaignsClassifier, "classify", real)
    assert pipeline.classify_pending(settings).classified == 1
    assert _rows(faulty) == expected
