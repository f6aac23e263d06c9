"""Hostile queries against `vigia query` and `vigia export`: the sandbox holds.

Each statement class a red-team run used against the query command is tried here through the
real CLI on a real store; the store, the campaign files and the file system must be untouched.
Items are constructed (a title carrying a spreadsheet formula and terminal escapes).
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tests.constructed import item
from vigia import cli, pipeline
from vigia.config import load_settings
from vigia.storage import open_store, run_query

HOSTILE_TITLE = '=HYPERLINK("http://evil.example","x") \x1b[2J\x1b[31mDECRETO\u202e'


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A store of two items, the live file and its readers' snapshot, as `vigia` would see it."""
    settings = load_settings({}, db_path=str(tmp_path / "vigia.duckdb"), sources_config={})
    with open_store(settings.db_path) as opened:
        opened.items.upsert(
            [
                item("d1", "gazette", HOSTILE_TITLE, "Se expide la Ley.", day=date(2019, 5, 27)),
                item("d2", "gazette", "-1 + 2", "@SUM(A1)", day=date(2019, 5, 28)),
            ],
            datetime.now(UTC),
        )
    pipeline.publish_snapshot(settings)
    monkeypatch.setenv("VIGIA_DB", str(settings.db_path))
    return settings.db_path


def _query(sql: str, *extra: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(["query", *extra, sql])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _items(path: Path) -> int:
    return run_query(path, "SELECT count(*) FROM items")[1][0][0]


@pytest.mark.parametrize(
    ("name", "sql"),
    [
        ("copy to a file", "COPY (SELECT * FROM items) TO '{target}'"),
        ("export database", "EXPORT DATABASE '{folder}'"),
        ("read a csv file", "SELECT * FROM read_csv_auto('{secret}')"),
        ("read a text file", "SELECT * FROM read_text('{secret}')"),
        ("read a blob", "SELECT * FROM read_blob('{secret}')"),
        ("list files", "SELECT * FROM glob('{folder}/*')"),
        ("attach the live store", "ATTACH '{live}' AS live"),
        ("attach a new file", "ATTACH '{folder}/new.duckdb' AS other"),
        ("install an extension", "INSTALL httpfs"),
        ("load an extension", "LOAD httpfs"),
        ("unlock the configuration", "SET enable_external_access = true"),
        ("raise the memory limit", "SET memory_limit = '20GB'"),
        ("delete rows", "DELETE FROM items"),
        ("a read, then a write", "SELECT 1; DELETE FROM items"),
        ("write through query()", "SELECT * FROM query('DELETE FROM items')"),
        ("checkpoint", "CHECKPOINT"),
        ("create in memory", "CREATE TABLE memory.main.t AS SELECT 1"),
    ],
)
def test_a_hostile_statement_is_refused_and_touches_nothing(
    store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, sql: str
) -> None:
    secret = tmp_path / "demands.yaml"
    secret.write_text("demands: []\n", encoding="utf-8")
    folder = tmp_path / "out"
    folder.mkdir()
    target = secret  # the campaign file a COPY would overwrite
    statement = sql.format(target=target, folder=folder, secret=secret, live=store)
    code, out, err = _query(statement, capsys=capsys)
    assert code == 2, name
    assert err.startswith("vigia: ") and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    assert "demands: []" not in out
    assert secret.read_text(encoding="utf-8") == "demands: []\n"
    assert list(folder.iterdir()) == []
    assert _items(store) == 2


def test_the_live_store_gets_the_same_sandbox(
    store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "copy.csv"
    code, _, err = _query(f"COPY items TO '{target}'", "--live", capsys=capsys)
    assert code == 2 and "only SELECT" in err
    code, _, err = _query("SELECT * FROM read_text('/etc/hostname')", "--live", capsys=capsys)
    assert code == 2 and "Permission" in err
    assert not target.exists()


def test_reads_still_work(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _query("SELECT count(*) AS n FROM items", capsys=capsys)
    assert code == 0 and out.splitlines()[2].strip() == "2"
    code, out, _ = _query("EXPLAIN SELECT * FROM items", capsys=capsys)
    assert code == 0 and "physical_plan" in out


def test_a_runaway_query_is_stopped_at_its_time_limit(
    store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sql = "SELECT count(*) FROM range(1000000000000) t(x) WHERE x % 7 = 3"
    code, _, err = _query(sql, "--timeout", "1", capsys=capsys)
    assert code == 2 and "stopped after 1 s" in err


def test_csv_output_keeps_formulas_as_text(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _query(
        "SELECT title, text, 1 - 3 AS number FROM items ORDER BY id",
        "--format",
        "csv",
        capsys=capsys,
    )
    assert code == 0
    rows = {row[0][:6]: row for row in csv.reader(io.StringIO(out))}
    assert rows["'=HYPE"][0].startswith("'=HYPERLINK(")
    assert rows["'-1 + "][1] == "'@SUM(A1)"
    assert rows["'-1 + "][2] == "-2"  # a number stays a number


def test_table_output_shows_control_characters_instead_of_obeying_them(
    store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _query("SELECT right(title, 20) FROM items ORDER BY id", capsys=capsys)
    assert code == 0
    assert "\x1b" not in out and "\u202e" not in out
    assert "\\x1b[2J" in out and "\\u202e" in out


def test_csv_export_keeps_formulas_as_text(store: Path, tmp_path: Path) -> None:
    code = cli.main(["export", "--format", "csv", str(tmp_path / "export")])
    assert code == 0
    with (tmp_path / "export" / "items.csv").open(encoding="utf-8") as handle:
        titles = {row["external_id"]: row for row in csv.DictReader(handle)}
    assert titles["d1"]["title"].startswith("'=HYPERLINK(")
    assert titles["d2"]["title"] == "'-1 + 2" and titles["d2"]["text"] == "'@SUM(A1)"
    assert titles["d1"]["version"] == "1"
