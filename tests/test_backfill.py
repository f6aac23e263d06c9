"""Backfill: chunked, checkpointed, resumable after an interruption or a kill, and quiet."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
import yaml

from vigia import pipeline
from vigia.alerts import ConsoleChannel
from vigia.backfill import chunks, run_backfill
from vigia.config import load_settings
from vigia.core.errors import ConfigError
from vigia.demo.replay import base_url, demo_sources_config, replay_server
from vigia.storage import run_query

ROOT = Path(__file__).resolve().parents[1]


def sidof_days(requests: list[str]) -> list[str]:
    return [r.rsplit("/", 1)[-1] for r in requests if "/sidof/dof/sidof/notas/" in r]


def test_chunks_cover_the_range_without_overlap():
    spans = chunks(date(2017, 1, 1), date(2017, 1, 20), 7)
    assert spans == [
        (date(2017, 1, 1), date(2017, 1, 7)),
        (date(2017, 1, 8), date(2017, 1, 14)),
        (date(2017, 1, 15), date(2017, 1, 20)),
    ]
    with pytest.raises(ConfigError):
        chunks(date(2017, 2, 1), date(2017, 1, 1), 7)


def test_news_cannot_be_backfilled(db_path: Path):
    with pytest.raises(ConfigError, match="cannot backfill 'news'"):
        run_backfill(
            load_settings({}, db_path=str(db_path), sources_config={}),
            "news",
            date(2020, 1, 1),
            date(2020, 1, 2),
        )


def test_backfill_stores_quietly_and_a_rerun_fetches_nothing(db_path: Path):
    with replay_server() as server:
        settings = load_settings(
            {}, db_path=str(db_path), sources_config=demo_sources_config(base_url(server))
        )
        report = run_backfill(
            settings, "gazette", date(2017, 6, 1), date(2017, 11, 30), chunk_days=30
        )
        assert (report.chunks_total, report.chunks_done, report.errors) == (7, 7, [])
        assert report.items == 2 and report.matches >= 2  # the torture and disappearance laws
        requests_first = len(server.requests_seen)
        again = run_backfill(
            settings, "gazette", date(2017, 6, 1), date(2017, 11, 30), chunk_days=30
        )
        assert again.chunks_skipped == 7 and again.chunks_done == 0
        assert len(server.requests_seen) == requests_first
    statuses = dict(
        run_query(
            db_path, "SELECT status, count(*) FROM alerts WHERE kind = 'match' GROUP BY status"
        )[1]
    )
    assert statuses == {"suppressed": report.matches}
    # The same ingest path as a run: the source's state and health are recorded.
    [(health,)] = run_query(
        db_path, "SELECT health_status FROM source_health WHERE source = 'gazette'"
    )[1]
    assert health == "ok"
    # The history the backfill rebuilt is recorded, its status changes never sent.
    sent = run_query(
        db_path, "SELECT count(*) FROM alerts WHERE kind = 'status' AND status <> 'suppressed'"
    )[1]
    assert sent == [(0,)]
    assert pipeline.dispatch_alerts(settings, ConsoleChannel(io.StringIO())).sent == 0
    runs = run_query(db_path, "SELECT command, status, finished_at IS NOT NULL FROM runs")[1]
    assert runs == [("backfill gazette 2017-06-01..2017-11-30", "ok", True)] * 2


def test_interrupted_backfill_resumes_without_refetching_finished_chunks(db_path: Path):
    class Interrupt(Exception):
        pass

    def stop_after_two(report) -> None:
        if report.chunks_done == 2:
            raise Interrupt

    with replay_server() as server:
        settings = load_settings(
            {}, db_path=str(db_path), sources_config=demo_sources_config(base_url(server))
        )
        with pytest.raises(Interrupt):
            run_backfill(
                settings,
                "gazette",
                date(2019, 5, 20),
                date(2019, 6, 16),
                chunk_days=7,
                progress=stop_after_two,
            )
        first_days = sidof_days(server.requests_seen)
        assert len(first_days) == 14
        server.requests_seen.clear()
        report = run_backfill(
            settings, "gazette", date(2019, 5, 20), date(2019, 6, 16), chunk_days=7
        )
        assert (report.chunks_skipped, report.chunks_done) == (2, 2)
        assert not set(sidof_days(server.requests_seen)) & set(first_days)
    [(title,)] = run_query(db_path, "SELECT title FROM items WHERE source = 'gazette'")[1]
    assert title == "DECRETO por el que se expide la Ley Nacional del Registro de Detenciones."


@pytest.mark.long(seconds=43)
def test_killed_backfill_process_resumes(db_path: Path, tmp_path: Path):
    with replay_server() as server:
        config = demo_sources_config(base_url(server))
        config["http"]["min_interval"] = 0.02  # slow enough to be killed mid-way
        sources_file = tmp_path / "sources.yaml"
        sources_file.write_text(yaml.safe_dump(config), encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIA_")}
        env |= {"VIGIA_DB": str(db_path), "VIGIA_SOURCES": str(sources_file)}
        command = [
            sys.executable,
            "-m",
            "vigia.cli",
            "backfill",
            "--source",
            "gazette",
            "--from",
            "2014-01-01",
            "--to",
            "2014-06-30",
            "--chunk-days",
            "7",
        ]
        child = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 60
        while len(sidof_days(server.requests_seen)) < 60 and time.monotonic() < deadline:
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
        checkpointed = run_query(
            db_path, "SELECT chunk_start, chunk_end FROM backfill_checkpoints"
        )[1]
        assert 0 < len(checkpointed) < 26
        finished_days = {
            d
            for start, end in checkpointed
            for d in (date.fromordinal(o) for o in range(start.toordinal(), end.toordinal() + 1))
        }
        server.requests_seen.clear()
        config["http"]["min_interval"] = 0
        settings = load_settings({}, db_path=str(db_path), sources_config=config)
        report = run_backfill(
            settings, "gazette", date(2014, 1, 1), date(2014, 6, 30), chunk_days=7
        )
        assert report.errors == [] and report.chunks_skipped == len(checkpointed)
        refetched = {
            date(int(d[6:]), int(d[3:5]), int(d[:2])) for d in sidof_days(server.requests_seen)
        }
        assert not refetched & finished_days
    total = run_query(db_path, "SELECT count(*) FROM backfill_checkpoints")[1][0][0]
    titles = {t for (t,) in run_query(db_path, "SELECT title FROM items")[1]}
    assert total == 26
    assert "PROGRAMA Nacional de Derechos Humanos 2014-2018." in titles
