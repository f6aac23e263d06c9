"""Prefect across hosts, proven on one: a real Prefect server, a `process` work pool and two
workers as separate processes, `prefect deploy --all` of the repository's prefect.yaml, and the
ingest and process deployments run at once on both workers against one lake store (catalog in
a real PostgreSQL), the replayed sources and a fake Slack."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from tests.conftest import fill_from_replay
from tests.fake_slack import FakeSlack
from tests.polling import free_port, wait_for
from tests.postgres import PostgresServer
from vigia.demo.replay import demo_sources_config
from vigia.scrapers import SOURCES
from vigia.storage import DuckLake, run_query

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
INGESTS = ("ingest-gazette/gazette", "ingest-courts/courts", "ingest-news/news")
TERMINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


def _flow_runs(api: str) -> list[dict[str, Any]]:
    """Flow runs due by now: those created to run, and scheduled ones whose time came (the
    deployments' cron schedules keep a few future runs waiting, which are not counted)."""
    try:
        answer = requests.post(f"{api}/flow_runs/filter", json={"limit": 200}, timeout=10)
    except requests.RequestException:
        return []
    if not answer.ok:
        return []
    now = datetime.now(UTC)
    return [
        run
        for run in answer.json()
        if run["state_type"] != "SCHEDULED"
        or datetime.fromisoformat(run["expected_start_time"]) <= now
    ]


def _prefect(env: dict[str, str], *args: str) -> None:
    done = subprocess.run(
        [str(BIN / "prefect"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def _reference_keys(replay: str, folder: Path) -> tuple[int, int, set[str]]:
    """Items, matches and alert keys of one process running the same steps on a DuckDB file."""
    db = fill_from_replay(replay, folder / "reference.duckdb")
    items, matches = run_query(
        db, "SELECT (SELECT count(*) FROM items), (SELECT count(*) FROM matches)"
    )[1][0]
    keys = {row[0] for row in run_query(db, "SELECT key FROM alerts WHERE kind = 'match'")[1]}
    return items, matches, keys


@pytest.mark.long(seconds=240)
@pytest.mark.prefect
def test_two_workers_run_the_deployments_at_once_on_one_lake_each_item_and_alert_once(
    replay: str, postgres: PostgresServer, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    assert set(SOURCES) >= {"gazette", "scjn", "scjn_press", "corteidh", "news"}
    lake = DuckLake(postgres.new_database(), f"{tmp_path}/lake/")
    with lake.open():
        pass  # created (and migrated) before the workers start, as a first run would
    home = tmp_path / "campaign"  # the campaign folder every worker runs its flows in
    home.mkdir()
    (home / "sources.yaml").write_text(yaml.safe_dump(demo_sources_config(replay)), "utf-8")
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "VIGIA_", "SLACK_"))
    }
    env |= {
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "PREFECT_API_URL": api,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PYTHONUNBUFFERED": "1",
        # The Prefect server's own database in PostgreSQL too, as across hosts: on SQLite it
        # answered 503 to a worker while two workers and the flows polled it.
        "PREFECT_API_DATABASE_CONNECTION_URL": postgres.sqlalchemy_url(postgres.new_database()),
        # Shorter waits than a deployment needs: workers ask for work every 2 s, and a run
        # waiting for its deployment's one slot asks again after 3 s.
        "PREFECT_WORKER_QUERY_SECONDS": "2",
        "PREFECT_SERVER_DEPLOYMENTS_CONCURRENCY_SLOT_WAIT_SECONDS": "3",
        "VIGIA_HOME": str(home),
        "VIGIA_STORE": f"ducklake:postgres:{lake.catalog}",
        "VIGIA_DATA_PATH": str(lake.data_path),
        "VIGIA_DATA_DIR": str(home / "data"),
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_API_URL": fake_slack.base_url,
        "VIGIA_SLACK_MIN_INTERVAL": "0",
    }
    logs = {
        name: (tmp_path / f"{name}.log").open("w") for name in ("server", "worker-a", "worker-b")
    }
    processes = [
        subprocess.Popen(
            [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=logs["server"],
            stderr=subprocess.STDOUT,
        )
    ]
    try:
        wait_for(lambda: _up(api), 180, "the Prefect server")
        _prefect(env, "work-pool", "create", "vigia", "--type", "process")
        _prefect(env, "--no-prompt", "deploy", "--all")
        for name in ("worker-a", "worker-b"):
            processes.append(
                subprocess.Popen(
                    [str(BIN / "prefect"), "worker", "start", "--pool", "vigia", "--name", name],
                    cwd=home,
                    env=env,
                    stdout=logs[name],
                    stderr=subprocess.STDOUT,
                )
            )
        for deployment in (*INGESTS, "process-items/process"):
            _prefect(env, "deployment", "run", deployment)

        # The researcher's query answers while the flows write.
        queries = 0
        while not _settled(api, minimum=len(INGESTS) + 1):
            answer = subprocess.run(
                [str(BIN / "vigia"), "query", "SELECT count(*) FROM items"],
                cwd=home,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert answer.returncode == 0, answer.stderr
            queries += 1
            time.sleep(2)
        # One more processing run, after every ingest: whatever an earlier one missed.
        _prefect(env, "deployment", "run", "process-items/process")
        wait_for(lambda: _settled(api, minimum=len(INGESTS) + 2), 300, "the last process run")
        states = Counter(run["state_type"] for run in _flow_runs(api))
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            process.wait(timeout=60)
        for log in logs.values():
            log.close()

    assert set(states) == {"COMPLETED"}, states
    # Both workers took flow runs from the pool.
    for name in ("worker-a", "worker-b"):
        log_text = (tmp_path / f"{name}.log").read_text()
        assert "submission of flow run" in log_text.lower(), log_text[-3000:]
    assert queries >= 1

    items, distinct, matches = run_query(
        lake, "SELECT count(*), count(DISTINCT id), (SELECT count(*) FROM matches) FROM items"
    )[1][0]
    sent = {
        row[0]
        for row in run_query(
            lake, "SELECT key FROM alerts WHERE status = 'sent' AND kind = 'match'"
        )[1]
    }
    keys = {row[0] for row in run_query(lake, "SELECT key FROM alerts WHERE kind = 'match'")[1]}
    ref_items, ref_matches, ref_keys = _reference_keys(replay, tmp_path)
    assert (items, matches, keys) == (ref_items, ref_matches, ref_keys)
    assert items == distinct
    posted = Counter(fake_slack.keys_posted())
    assert sent and all(posted[key] == 1 for key in sent)  # every alert posted, none twice
    assert max(posted.values()) == 1


def _up(api: str) -> bool:
    try:
        return requests.get(f"{api}/health", timeout=2).ok
    except requests.RequestException:
        return False


def _settled(api: str, minimum: int) -> bool:
    """At least ``minimum`` flow runs exist and every one has ended."""
    runs = _flow_runs(api)
    return len(runs) >= minimum and all(r["state_type"] in TERMINAL for r in runs)
