"""Runs tell the truth: every run ends with a status and a cause, even when its process died
or its configuration was wrong; a damaged store gives one line and is left as it was."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from vigia import cli, pipeline
from vigia.config import load_settings
from vigia.storage import open_store, run_query

ROOT = Path(__file__).resolve().parents[2]


def _runs(db: Path) -> list[tuple]:
    return run_query(
        db, "SELECT command, status, cause IS NOT NULL, finished_at IS NOT NULL FROM runs"
    )[1]


def test_a_run_whose_process_died_is_closed_at_the_next_start(tmp_path: Path) -> None:
    settings = load_settings({}, db_path=str(tmp_path / "vigia.duckdb"), sources_config={})
    # A process that started a run and was gone before it could finish it.
    started = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from vigia import pipeline; from vigia.config import load_settings; "
            "pipeline.start_run(load_settings({}, db_path=sys.argv[1], sources_config={}), 'run')",
            str(settings.db_path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert started.returncode == 0, started.stderr
    assert _runs(settings.db_path) == [("run", "running", False, False)]
    pipeline.start_run(settings, "run")
    [(status, cause)] = run_query(
        settings.db_path, "SELECT status, cause FROM runs WHERE status <> 'running'"
    )[1]
    assert status == "died" and "stopped before the run ended" in cause


def test_a_wrong_campaign_file_is_one_line_and_a_closed_failed_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    demands = tmp_path / "demands.yaml"
    demands.write_text("demands: {not: a list}\n", encoding="utf-8")
    db = tmp_path / "vigia.duckdb"
    monkeypatch.setenv("VIGIA_DEMANDS", str(demands))
    assert cli.main(["--db", str(db), "run", "--source", "watch"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("vigia: ") and len(err.splitlines()) == 1 and str(demands) in err
    [(command, status, has_cause, finished)] = _runs(db)
    assert (command, status, has_cause, finished) == ("run", "failed", True, True)


@pytest.mark.parametrize("damage", ["truncated", "not a database"])
def test_a_damaged_store_gives_one_line_and_is_left_as_it_was(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], damage: str
) -> None:
    db = tmp_path / "vigia.duckdb"
    with open_store(db):
        pass
    whole = db.read_bytes()
    db.write_bytes(whole[: len(whole) // 3] if damage == "truncated" else b"hello\n" * 1000)
    before = db.read_bytes()
    for command in (
        ["run", "--source", "watch"],
        ["status"],
        ["dispatch"],
        ["query", "--live", "SELECT 1"],
    ):
        assert cli.main(["--db", str(db), *command]) == 2, command
        err = capsys.readouterr().err.strip()
        assert err.startswith(f"vigia: cannot open {db}") and len(err.splitlines()) == 1, err
    assert db.read_bytes() == before


def test_a_dispatch_from_the_command_line_is_a_recorded_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "vigia.duckdb"
    assert cli.main(["--db", str(db), "dispatch"]) == 0
    assert _runs(db) == [("dispatch", "ok", False, True)]
