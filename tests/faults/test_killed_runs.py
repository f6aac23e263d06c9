"""SIGKILL at random moments of whole runs, then a run to the end: nothing lost, nothing twice.

A run here is the pipeline's own steps, in a child process, without Prefect (whose start would
take most of the time): every source read from the replay server of recorded pages, then
classification, digests and dispatch to the fake Slack. Runs are killed at seeded random
moments; a last run completes. The store must then hold what one clean run writes, and Slack
must have every message once.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fake_slack import FakeSlack
from vigia.storage import run_query

ROOT = Path(__file__).resolve().parents[2]

RUN = """
import re, sys
from pathlib import Path
from vigia.scrapers import SOURCES
from vigia import dispatch, pipeline
from vigia.config import load_settings
from vigia.demo.replay import demo_sources_config

settings = load_settings(db_path=sys.argv[1], sources_config=demo_sources_config(sys.argv[2]))
for name in SOURCES:
    pipeline.ingest_source(settings, name)
pipeline.classify_pending(settings)
dispatch.build_digests(settings)
dispatch.dispatch_alerts(settings)
# The run's own peak memory (VmHWM starts afresh with the program).
peak = re.search(r"VmHWM:\\s+(\\d+) kB", Path("/proc/self/status").read_text()).group(1)
Path(sys.argv[1] + ".peak-kb").write_text(peak)
"""
# A whole run, every source and the outbox, stays well inside a small machine.
PEAK_CAP_KB = 400_000

ROWS = {
    "items": "SELECT id, content_hash FROM items ORDER BY ALL",
    "matches": "SELECT item_id, demand_id, stance FROM matches ORDER BY ALL",
    "match alerts": "SELECT key, status FROM alerts WHERE kind = 'match' ORDER BY ALL",
    "moves": "SELECT demand_id, status, item_id, confirmed FROM status_changes ORDER BY ALL",
}


def _start(db: Path, replay: str, slack: FakeSlack) -> subprocess.Popen:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_API_URL": slack.base_url,
        "VIGIA_SLACK_MIN_INTERVAL": "0",
    }
    return subprocess.Popen(
        [sys.executable, "-c", RUN, str(db), replay],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _run(db: Path, replay: str, slack: FakeSlack, kill_after: float | None) -> int:
    child = _start(db, replay, slack)
    if kill_after is not None:
        time.sleep(kill_after)
        child.send_signal(signal.SIGKILL)
    return child.wait(120)


def _rows(db: Path) -> dict[str, list[tuple]]:
    return {name: run_query(db, sql)[1] for name, sql in ROWS.items()}


@pytest.mark.long(seconds=41)
def test_runs_killed_at_random_moments_lose_nothing_and_send_nothing_twice(
    tmp_path: Path, replay: str, fake_slack: FakeSlack
) -> None:
    clean = tmp_path / "clean.duckdb"
    assert _run(clean, replay, fake_slack, None) == 0
    assert int(Path(f"{clean}.peak-kb").read_text()) < PEAK_CAP_KB
    expected = _rows(clean)
    assert expected["matches"] and {s for _, s in expected["match alerts"]} == {"sent"}

    fake_slack.history.clear()
    fake_slack.calls.clear()
    killed = tmp_path / "killed.duckdb"
    # Seeded, so a failure can be replayed; spread over the run's ~5 s (ingest, classify, send).
    moments = random.Random("vigia-kill-2026").sample([x / 10 for x in range(5, 60)], 5)
    # On the development machine the kills fell before any item, mid-ingest (85 of 171 items),
    # after classification, mid-dispatch (15 of 25 messages), and one run finished.
    for moment in sorted(moments):
        _run(killed, replay, fake_slack, moment)
    assert _run(killed, replay, fake_slack, None) == 0

    # Digests may have been cut differently, so their messages are not compared one to one;
    # every row is, and every message in Slack is one the store records as sent, once.
    found = _rows(killed)
    # Each table's missing and extra rows, so a failure shows what was lost or doubled.
    differences = {
        table: {
            "missing": sorted(set(rows) - set(found[table])),
            "extra": sorted(set(found[table]) - set(rows)),
            "counts": (len(rows), len(found[table])),
        }
        for table, rows in expected.items()
        if found[table] != rows
    }
    assert not differences, differences
    posted = fake_slack.keys_posted()
    sent = run_query(killed, "SELECT key FROM alerts WHERE sent_via = 'slack'")[1]
    assert len(posted) == len(set(posted)) and sorted(posted) == sorted(k for (k,) in sent)


def test_two_runs_at_once_on_one_store_both_finish_and_send_once(
    tmp_path: Path, replay: str, fake_slack: FakeSlack
) -> None:
    db = tmp_path / "vigia.duckdb"
    first, second = _start(db, replay, fake_slack), _start(db, replay, fake_slack)
    # One waits for the other's short writes (the store's lock is retried), neither fails.
    assert (first.wait(180), second.wait(180)) == (0, 0)
    clean = tmp_path / "clean.duckdb"
    fake_slack.history.clear()
    assert _run(clean, replay, fake_slack, None) == 0
    assert _rows(db) == _rows(clean)
    sent = run_query(db, "SELECT key FROM alerts WHERE sent_via = 'slack'")[1]
    posted_together = [k for (k,) in sent]
    assert len(posted_together) == len(set(posted_together))
