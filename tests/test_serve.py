"""`vigia serve`: prefect.yaml becomes served deployments on a real local Prefect server."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests
import yaml

from tests.polling import free_port, wait_for
from vigia.demo.replay import demo_sources_config
from vigia.storage import run_query

ROOT = Path(__file__).resolve().parents[1]


def test_prefect_yaml_becomes_scheduled_and_triggered_deployments():
    from vigia.flows.serve import deployments_from_yaml

    deployments = {d.name: d for d in deployments_from_yaml(ROOT / "prefect.yaml")}
    assert set(deployments) == {
        "gazette",
        "courts",
        "news",
        "watch",
        "process",
        "digest",
        "report",
        "backfill",
    }
    gazette = deployments["gazette"]
    assert [s.schedule.cron for s in gazette.schedules] == [
        "30 8 * * *",
        "30 20 * * *",
        "30 23 * * *",
    ]
    assert {s.schedule.timezone for d in deployments.values() for s in d.schedules} == {
        "America/Mexico_City"
    }
    [trigger] = deployments["process"].triggers
    assert trigger.expect == {"vigia.items.new"}
    assert deployments["news"].entrypoint.endswith("ingest.py:ingest_news")


def _api(url: str, path: str) -> list[dict]:
    try:
        return requests.post(f"{url}{path}", json={}, timeout=5).json()
    except requests.RequestException:
        return []


@pytest.mark.long(seconds=66)
@pytest.mark.prefect
def test_serve_runs_deployments_chains_processing_on_events_and_stops_cleanly(
    replay: str, tmp_path: Path
):
    config_file = tmp_path / "sources.yaml"
    config_file.write_text(yaml.safe_dump(demo_sources_config(replay)), encoding="utf-8")
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env |= {
        "VIGIA_DATA_DIR": str(tmp_path),
        "VIGIA_DB": str(tmp_path / "vigia.duckdb"),
        "VIGIA_SOURCES": str(config_file),
        "PYTHONUNBUFFERED": "1",
    }
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "vigia.cli", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deployments = wait_for(
            lambda: len(d := _api(api, "/deployments/filter")) == 8 and d,
            180,
            "eight served deployments",
        )
        assert (tmp_path / "prefect" / "prefect.db").exists()  # the server's state is ours
        news = next(d for d in deployments if d["name"] == "news")
        # The fresh server may answer 503 while it is still busy registering schedules.
        wait_for(
            lambda: (
                requests.post(
                    f"{api}/deployments/{news['id']}/create_flow_run", json={}, timeout=10
                ).status_code
                == 201
            ),
            60,
            "a news flow run",
        )
        process_id = next(d["id"] for d in deployments if d["name"] == "process")

        def processed() -> bool:
            runs = [r for r in _api(api, "/flow_runs/filter") if r["deployment_id"] == process_id]
            # The hourly schedule (at :45) may also run it, before the news is in: only the
            # run the event created counts.
            return any(r["state_type"] == "COMPLETED" and not r.get("auto_scheduled") for r in runs)

        wait_for(processed, 180, "the event-triggered process run")
    finally:
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=90)
        log.close()
    assert code == 0
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{api}/health", timeout=2)
    items, waiting = run_query(
        tmp_path / "vigia.duckdb",
        """
        SELECT (SELECT count(*) FROM items WHERE source = 'news'),
               (SELECT count(*) FROM alerts WHERE tier = 'digest' AND status = 'pending')""",
    )[1][0]
    # The triggered run classified the news and queued its alerts for the daily digest.
    assert items == 86 and waiting > 0


def test_serve_on_a_port_another_program_holds_says_so_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from vigia import cli

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.setenv("VIGIA_DATA_DIR", str(tmp_path))
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        assert cli.main(["serve", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert f"cannot serve on 127.0.0.1:{port}" in err and "--port" in err
    assert err.count("\n") == 1
    assert not (tmp_path / "prefect-server.log").exists()  # nothing was started
