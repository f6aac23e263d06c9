"""The README is a contract: its queries run, its demands example parses, its sources exist."""

from __future__ import annotations

import csv
import io
import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import fill_from_replay
from vigia import cli
from vigia.classify.demands import parse_campaign
from vigia.core.model import KINDS
from vigia.scrapers import SOURCES
from vigia.storage import run_query

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def store(replay: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store filled by the pipeline steps (no Prefect) from the replayed sources."""
    return fill_from_replay(replay, tmp_path_factory.mktemp("store") / "vigia.duckdb")


def readme_queries() -> list[list[str]]:
    return [
        shlex.split(line)[2:] for line in README.splitlines() if line.startswith("vigia query ")
    ]


def test_readme_has_example_queries():
    assert len(readme_queries()) >= 5


@pytest.mark.parametrize("args", readme_queries(), ids=lambda a: a[-1][:50])
def test_every_readme_query_runs(store: Path, args: list[str], capsys: pytest.CaptureFixture):
    assert cli.main(["--db", str(store), "query", *args]) == 0
    out = capsys.readouterr().out
    assert out.strip()
    if "--format" not in args:
        assert re.search(r"\(\d+ rows?\)$", out.strip())


def test_query_formats(store: Path, capsys: pytest.CaptureFixture):
    sql = "SELECT source, count(*) AS n FROM items GROUP BY source ORDER BY source"
    assert cli.main(["--db", str(store), "query", sql]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["source", "n"] and table[-1] == "(5 rows)"
    assert table[2].split() == ["corteidh", "35"]
    assert cli.main(["--db", str(store), "query", "--format", "csv", sql]) == 0
    assert list(csv.reader(io.StringIO(capsys.readouterr().out))) == [
        ["source", "n"],
        ["corteidh", "35"],
        ["gazette", "43"],
        ["news", "86"],
        ["scjn", "5"],
        ["scjn_press", "2"],
    ]
    assert cli.main(["--db", str(store), "query", "--format", "json", sql]) == 0
    assert json.loads(capsys.readouterr().out)[3] == {"source": "scjn", "n": 5}


def test_bad_sql_and_writes_are_reported_not_raised(store: Path, capsys: pytest.CaptureFixture):
    assert cli.main(["--db", str(store), "query", "SELEKT 1"]) == 2
    assert "query failed" in capsys.readouterr().err
    assert cli.main(["--db", str(store), "query", "DROP TABLE items"]) == 2
    assert cli.main(["--db", str(store), "query", "SELECT count(*) FROM items"]) == 0


def test_readme_demands_example_is_a_valid_campaign():
    block = re.search(r"```yaml\n(version: 1.*?)```", README, re.S).group(1)
    campaign = parse_campaign(yaml.safe_load(block))
    assert [d.id for d in campaign.demands] == ["arraigo-abolition"]


def test_every_source_is_documented_and_has_a_recorded_fixture():
    fixtures = {
        "gazette": "dof/index_2026-07-31_MAT.html",
        "scjn": "replay/bj/busqueda_desaparicion-forzada_2021.constructed.json",
        "news": "replay/feeds/prensa-es.constructed.xml",
        "watch": "sidof/nota_5788395.html",
        "corteidh": "corteidh/opiniones_consultivas_page.html",
        "scjn_press": "scjn/comunicados.constructed.html",
    }
    for name, source in SOURCES.items():
        assert source.name == name and source.kind in KINDS
        assert source.__doc__ and source.__doc__.strip()
        assert f"| `{name}` |" in README
        assert (ROOT / "tests" / "fixtures" / fixtures[name]).exists()
        index = (ROOT / "tests/fixtures/INDEX.md").read_text(encoding="utf-8")
        assert f"`{fixtures[name]}`" in index or f"`{Path(fixtures[name]).parent}/" in index


def test_plain_duckdb_cli_reads_the_store(store: Path):
    duckdb_cli = shutil.which("duckdb", path=str(Path(sys.executable).parent))
    assert duckdb_cli, "the duckdb-cli package installs `duckdb` next to python"
    sql = "SELECT count(*) FROM match_details WHERE demand_id = 'detention-registry'"
    done = subprocess.run(
        [duckdb_cli, "-readonly", "-csv", str(store), "-c", sql],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    count = done.stdout.splitlines()[1]
    assert count == str(run_query(store, sql)[1][0][0]) and int(count) > 0


def _readme_command_rows() -> list[str]:
    return re.findall(r"^\| `(vigia [^`]+)`", README, flags=re.MULTILINE)


def _as_argv(usage: str) -> list[str]:
    """A README usage line as one command line: optional parts in, the first of alternatives."""
    usage = re.sub(r"\[([^\]]*?) \\\| [^\]]*\]", r"\1", usage)  # [--as-of D \| --on D]
    usage = re.sub(r"(\w+)(?:\\\|[\w-]+)+", r"\1", usage)  # table\|csv\|json
    return shlex.split(usage.replace("[", "").replace("]", ""))[1:]


def test_the_readme_command_table_lists_every_command_and_each_line_parses():
    rows = _readme_command_rows()
    parser = cli._parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    assert {_as_argv(row)[0] for row in rows} == set(commands)
    for row in rows:
        args = parser.parse_args(_as_argv(row))  # argparse exits on an unknown option
        assert args.handler.__name__.startswith("cmd_"), row


def _readme_shell_commands() -> list[list[str]]:
    """Every `vigia …` command in the README's sh blocks, as argv without the program."""
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", README, flags=re.DOTALL):
        for line in block.splitlines():
            lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
            lexer.whitespace_split = True
            words: list[str] = []
            for word in [*lexer, ";"]:
                if word not in ("&&", ";", "|", ">", "||"):
                    words.append(word)
                    continue
                # One command ends: drop VAR=value prefixes, keep it if it runs vigia.
                while words and re.match(r"^[A-Z_]+=", words[0]):
                    words.pop(0)
                if words and words[0].rsplit("/", 1)[-1] == "vigia":
                    commands.append(words[1:])
                words = []
    return commands


def test_every_vigia_command_in_the_readme_parses():
    commands = _readme_shell_commands()
    assert len(commands) >= 15
    parser = cli._parser()
    for argv in commands:
        assert parser.parse_args(argv).handler.__name__.startswith("cmd_"), argv
