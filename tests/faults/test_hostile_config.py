"""Hostile or broken configuration files: one clear line naming the file, at once.

The files are constructed: a "billion laughs" alias bomb, an oversized file, a syntax error,
a wrong type for the egress allow list.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from vigia.classify import load_demands
from vigia.scrapers.errors import ConfigError

from vigia import cli
from vigia.config import load_settings

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
        ("http: [1, 2]", "http block must be a mapping"),
        ("http: {retries: -1}", "retries must not be negative"),
        ("http: {respect_robots: 'no'}", "respect_robots must be true or false"),
        ("health: {max_failures: many}", "health.max_failures must be a whole number"),
        ("sources: {news: {feeds: x}}", "sources.news.feeds must be a list"),
        ("sources: {news: {feeds: [{name: a}]}}", "feeds item 1 needs a url"),
    ],
)
def test_a_wrong_type_in_the_sources_file_is_one_line_before_anything_runs(
    tmp_path: Path, config: str, message: str
) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text(config + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as refused:
        load_settings({"VIGIA_SOURCES": str(path)})
    assert str(path) in str(refused.value)
