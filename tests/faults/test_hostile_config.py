"""Hostile or broken configuration files: one clear line naming the file, at once.

The files are constructed: a "billion laughs" alias bomb, an oversized file, a syntax error,
a wrong type for the egress allow list.
"""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest

from vigia import cli
from vigia.classify import load_demands
from vigia.config import load_settings
from vigia.core.errors import ConfigError

BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + n)}: &{chr(98 + n)} [*{chr(97 + n)}, *{chr(97 + n)}, *{chr(97 + n)}, "
    f"*{chr(97 + n)}, *{chr(97 + n)}, *{chr(97 + n)}, *{chr(97 + n)}, *{chr(97 + n)}, "
    f"*{chr(97 + n)}, *{chr(97 + n)}]\n"
    for n in range(9)
)


def test_an_alias_bomb_in_the_demands_file_is_refused_at_once(tmp_path: Path) -> None:
    path = tmp_path / "demands.yaml"
    path.write_text(BOMB, encoding="utf-8")
    started = time.monotonic()
    with pytest.raises(ConfigError, match=r"demands.yaml.*aliases") as refused:
        load_demands(path)
    assert time.monotonic() - started < 2
    assert "line 2" in str(refused.value)


def test_an_alias_bomb_in_the_sources_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text(BOMB, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"sources.yaml.*aliases"):
        load_settings({"VIGIA_SOURCES": str(path)})


def test_an_oversized_config_file_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    path = tmp_path / "demands.yaml"
    path.write_text("# padding\n" * 300_000, encoding="utf-8")
    with pytest.raises(ConfigError, match="over 2,000,000 bytes"):
        load_demands(path)


def test_a_syntax_error_names_the_file_and_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "demands.yaml"
    path.write_text("demands:\n  - id: x\n    title: [unclosed\n", encoding="utf-8")
    monkeypatch.setenv("VIGIA_DEMANDS", str(path))
    monkeypatch.setenv("VIGIA_DB", str(tmp_path / "vigia.duckdb"))
    assert cli.main(["status"]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "line" in err and "<unicode string>" not in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("http: {max_bytes: lots}", "max_bytes must be a number"),
        ("http: {allow_addresses: 5}", "allow_addresses must be a list of strings"),
        ("http: [1, 2]", "http: input should be a valid dictionary"),
        ("http: {retries: -1}", "retries must not be negative"),
        ("http: {respect_robots: 'no'}", "respect_robots must be true or false"),
        ("htpp: {}", "htpp: unknown key; allowed: health, http, sources"),
        ("health: {max_failures: many}", "health.max_failures: input should be a valid integer"),
        ("health: {max_empty_runs: 0}", "health.max_empty_runs: input should be greater than"),
        ("sources: {gazete: {}}", "sources.gazete: unknown key; allowed: corteidh, gazette"),
        ("sources: {gazette: {dayz_back: 2}}", "sources.gazette.dayz_back: unknown key; allowed"),
        ("sources: {gazette: {editions: [MAT, NIGHT]}}", "editions, item 2: input should be 'MAT'"),
        ("sources: {gazette: {full_text: 'yes'}}", "full_text: input should be a valid boolean"),
        ("sources: {scjn: {page_size: 0}}", "sources.scjn.page_size: input should be greater"),
        ("sources: {news: {feeds: x}}", "sources.news.feeds: input should be a valid list"),
        ("sources: {news: {feeds: [{name: a}]}}", "sources.news.feeds, item 1, url: missing"),
        ("sources: {news: {feeds: [{url: 'https://x.mx/f', lnag: es}]}}", "lnag: unknown key"),
        (
            "sources: {corteidh: {listings: [{url: 'file:///etc/passwd'}]}}",
            "listings, item 1, url: must be an absolute http:// or https:// address",
        ),
        ("sources: {news: {search_feeds: {url: 'https://x.mx/'}}}", "must hold {query}"),
        (
            "sources: {watch: {pages: [{name: a, url: 'https://x.mx/', ignore: ['(']}]}}",
            "pages, item 1, ignore: ignore pattern '\\(' is not a valid regex",
        ),
        ("sources: {gazette: {dates: [2026-02-30]}}", "line 1, column 29: '2026-02-30' is not a"),
    ],
)
def test_a_wrong_key_type_or_value_in_the_sources_file_is_one_line_before_anything_runs(
    tmp_path: Path, config: str, message: str
) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text(config + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as refused:
        load_settings({"VIGIA_SOURCES": str(path)})
    assert str(refused.value).startswith(f"{path}: ")
    assert "\n" not in str(refused.value)


def test_a_bad_sources_file_stops_every_command_with_exit_2_and_no_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text("sources: {news: {feeds: [{url: 'https://x.mx/f', lnag: es}]}}\n")
    monkeypatch.setenv("VIGIA_SOURCES", str(path))
    monkeypatch.setenv("VIGIA_DB", str(tmp_path / "vigia.duckdb"))
    for command in (
        ["status"],
        ["demo"],
        ["run"],
        ["dispatch"],
        ["report", "--out", str(tmp_path / "r")],
        ["query", "SELECT 1"],
    ):
        assert cli.main(command) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "lnag" in err and "Traceback" not in err


def test_a_good_sources_file_keeps_only_the_keys_given(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text(
        "sources:\n  gazette: {days_back: 3, dates: [2026-07-31]}\n  watch:\nhealth:\n",
        encoding="utf-8",
    )
    settings = load_settings({"VIGIA_SOURCES": str(path)})
    assert settings.sources == {
        "gazette": {"days_back": 3, "dates": [date(2026, 7, 31)]},
        "watch": {},
    }
    assert settings.window("gazette").days == (date(2026, 7, 31),)


def test_a_missing_demands_file_is_one_line_from_demo_and_run_before_anything_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("VIGIA_DEMANDS", str(tmp_path / "missing.yaml"))
    monkeypatch.setenv("VIGIA_DB", str(tmp_path / "vigia.duckdb"))
    for command in (["demo"], ["run"]):
        assert cli.main(command) == 2
        out, err = capsys.readouterr()
        assert out == ""  # not even the replay server's address
        assert err.count("\n") == 1 and "missing.yaml: cannot read the demands file" in err
