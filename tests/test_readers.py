"""Readers and writers at the same time, and exports that round-trip.

A reader is a separate process holding a read-only DuckDB connection, as a researcher's
`duckdb` session would; the writer is the real pipeline. Items are constructed.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest

from tests.constructed import item
from vigia import cli, pipeline
from vigia.config import load_settings
from vigia.core.model import Item
from vigia.storage import export, open_store, refresh_snapshot, run_query, snapshot_path

READER = """
import sys
from vigia.storage.db import connect
with connect(sys.argv[1], read_only=True) as conn:
    for line in sys.stdin:  # one query per line, answered while the connection stays open
        print(conn.execute(line).fetchone()[0], flush=True)
"""


def _decree(n: int) -> Item:
    title = f"DECRETO {n} por el que se expide la Ley Nacional del Registro de Detenciones"
    return item(f"d{n}", "gazette", title, title, day=date(2019, 5, 27))


@pytest.fixture
def settings(tmp_path: Path):
    settings = load_settings({}, db_path=str(tmp_path / "vigia.duckdb"), sources_config={})
    with open_store(settings.db_path) as store:
        store.items.upsert([_decree(1)], datetime.now(UTC))
    pipeline.classify_pending(settings)
    pipeline.publish_snapshot(settings)
    return settings


def test_a_reader_session_does_not_block_a_run_and_keeps_its_view(settings):
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(snapshot_path(settings.db_path))],
        cwd=Path(__file__).resolve().parents[1],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        count = "SELECT count(*) FROM items\n"
        reader.stdin.write(count)
        reader.stdin.flush()
        assert reader.stdout.readline().strip() == "1"
        # A run writes while the reader's session is open; a blocked writer would fail here.
        with open_store(settings.db_path, lock_timeout=5) as store:
            store.items.upsert([_decree(2), _decree(3)], datetime.now(UTC))
        pipeline.classify_pending(settings)
        refresh_snapshot(settings.db_path, lock_timeout=5)
        # The open session still reads its own copy; a new reader sees the run's items.
        reader.stdin.write(count)
        reader.stdin.flush()
        assert reader.stdout.readline().strip() == "1"
        path = snapshot_path(settings.db_path)
        assert run_query(path, "SELECT count(*) FROM items")[1] == [(3,)]
    finally:
        reader.stdin.close()
        reader.wait(30)


def test_a_run_holding_the_store_does_not_block_a_researchers_query(settings, capsys):
    writer = duckdb.connect(str(settings.db_path))  # as a run in progress holds it
    try:
        assert (
            cli.main(
                [
                    "--db",
                    str(settings.db_path),
                    "query",
                    "--format",
                    "csv",
                    "SELECT count(*) AS n FROM matches",
                ]
            )
            == 0
        )
        assert capsys.readouterr().out.splitlines() == ["n", "1"]
    finally:
        writer.close()


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_export_round_trips_every_table_and_view(settings, tmp_path: Path, fmt: str):
    files = export(snapshot_path(settings.db_path), tmp_path / "out", fmt)
    names = {f.stem for f in files}
    assert {"demand_status_now", "demand_timeline", "items", "matches", "alerts_sent"} <= names
    reader = "read_parquet" if fmt == "parquet" else "read_csv_auto"
    conn = duckdb.connect()
    try:
        for file in files:
            original = run_query(settings.db_path, f"SELECT count(*) FROM {file.stem}")[1][0][0]
            copied = conn.execute(f"SELECT count(*) FROM {reader}('{file}')").fetchone()[0]
            assert copied == original, file.name
        status = conn.execute(
            f"SELECT demand_id, status FROM {reader}('{tmp_path}/out/demand_status_now.{fmt}') "
            "ORDER BY demand_id"
        ).fetchall()
    finally:
        conn.close()
    assert (
        status
        == run_query(
            settings.db_path, "SELECT demand_id, status FROM demand_status_now ORDER BY demand_id"
        )[1]
    )
    assert dict(status)["detention-registry"] == "published"
