"""The lake store end to end: `vigia demo` twice at once on one lake, `vigia store migrate` and
`compact`, and the researcher's commands answering the same on the lake as on the file."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from tests.conftest import fill_from_replay
from tests.postgres import PostgresServer
from tests.test_cli_readme import readme_queries
from vigia import cli
from vigia.storage import DuckLake, run_query

ROOT = Path(__file__).resolve().parents[1]
COUNTS = """SELECT (SELECT count(*) FROM items), (SELECT count(DISTINCT id) FROM items),
    (SELECT count(*) FROM matches), (SELECT count(*) FROM alerts),
    (SELECT count(DISTINCT key) FROM alerts), (SELECT count(*) FROM alerts WHERE status = 'sent'),
    (SELECT count(*) FROM status_changes), (SELECT count(*) FROM item_versions),
    (SELECT count(*) FROM alerts WHERE status = 'suppressed' AND kind = 'status')"""


@pytest.fixture(scope="module")
def file_store(replay: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A DuckDB file filled by the pipeline's steps from the replayed sources."""
    return fill_from_replay(replay, tmp_path_factory.mktemp("file") / "vigia.duckdb")


def lake_setting(lake: DuckLake) -> str:
    return f"ducklake:postgres:{lake.catalog}"


def test_migrate_copies_every_table_and_the_lake_answers_as_the_file(
    file_store: Path,
    lake: DuckLake,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    migrate = ["store", "migrate", "--to", lake_setting(lake), "--data-path", str(lake.data_path)]
    assert cli.main(["--db", str(file_store), *migrate]) == 0
    out = capsys.readouterr().out
    assert "every count and checksum equal" in out
    assert "items" in out and "DIFFERENT" not in out
    # Copying again would duplicate everything: refused.
    assert cli.main(["--db", str(file_store), *migrate]) != 0
    assert "copy into an empty store" in capsys.readouterr().err

    for args in readme_queries():
        assert cli.main(["--db", str(file_store), "query", "--live", *args]) == 0
        on_file = capsys.readouterr().out
        with monkeypatch.context() as env:
            env.setenv("VIGIA_STORE", lake_setting(lake))
            assert cli.main(["query", *args]) == 0
        # The same rows (ties in an ORDER BY may come in either order).
        assert sorted(capsys.readouterr().out.splitlines()) == sorted(on_file.splitlines()), args


def test_compact_leaves_the_answers_unchanged(
    file_store: Path,
    lake: DuckLake,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    lake.copy_from(file_store)
    before = run_query(lake, COUNTS)
    monkeypatch.setenv("VIGIA_STORE", lake_setting(lake))
    assert cli.main(["store", "compact", "--keep-days", "0"]) == 0
    out = capsys.readouterr().out
    assert "files after" in out and "snapshots after" in out
    changes = lake.compact(keep=timedelta(0))
    # Everything inlined was written out at the first compaction; history older than now is
    # gone, so only the snapshots of the compactions themselves remain.
    assert changes["files_after"] >= 1
    assert changes["snapshots_after"] <= 3
    assert run_query(lake, COUNTS) == before


def _demo(env: dict[str, str], folder: Path) -> subprocess.Popen[str]:
    folder.mkdir(parents=True)
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "vigia"), "demo"],
        cwd=folder,
        env={**os.environ, "VIGIA_DATA_DIR": str(folder / "data"), **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.long(seconds=115)
def test_two_demos_at_once_on_one_lake_store_and_send_as_one_run_on_a_file(
    postgres: PostgresServer, tmp_path: Path
) -> None:
    lake = DuckLake(postgres.new_database(), f"{tmp_path}/lake/")
    on_lake = {"VIGIA_STORE": lake_setting(lake), "VIGIA_DATA_PATH": str(lake.data_path)}
    runs = [
        _demo(on_lake, tmp_path / "a"),
        _demo(on_lake, tmp_path / "b"),
        _demo({"VIGIA_DB": str(tmp_path / "file" / "vigia.duckdb")}, tmp_path / "file"),
    ]
    outputs = [run.communicate(timeout=600) for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0], [err[-2000:] for _, err in outputs]

    lake_counts = run_query(lake, COUNTS)[1][0]
    file_counts = run_query(tmp_path / "file" / "vigia.duckdb", COUNTS)[1][0]
    assert lake_counts == file_counts
    items, distinct_items, _, alerts, keys, sent, _, _, same_status = lake_counts
    # Each once, each sent but for a status's newer evidence (recorded, not sent).
    assert items == distinct_items and alerts == keys == sent + same_status
    # Every message printed once across the two processes, as many as the file's one run.
    printed = [out.count("\n[") + out.startswith("[") for out, _ in outputs]
    assert printed[0] + printed[1] == printed[2] > 0
