"""The command line behaves like a well-kept tool: every command explains itself, the logging
options work on either side of the subcommand, exit codes are documented and kept."""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import pytest

from vigia import cli


def _commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    """Every (sub)command path and its parser."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield (*path, name), sub
                yield from _commands(sub, (*path, name))


def test_every_command_and_option_has_a_description(capsys: pytest.CaptureFixture[str]) -> None:
    commands = list(_commands(cli._parser()))
    assert len(commands) == 21  # every command and its subcommands
    for path, parser in commands:
        assert parser.description and len(parser.description) > 10, path
        for action in parser._actions:
            if action.option_strings or action.dest not in ("help",):
                assert action.help, (path, action.dest)
        with pytest.raises(SystemExit) as done:
            cli.main([*path, "--help"])
        assert done.value.code == 0
        shown = capsys.readouterr().out
        assert parser.description in shown and "exit codes:" in shown, path


def test_version_and_choices_are_shown(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["--version"])
    assert capsys.readouterr().out.startswith("vigia 0.")
    with pytest.raises(SystemExit):
        cli.main(["backfill", "--help"])
    assert "gazette, scjn" in capsys.readouterr().out
    with pytest.raises(SystemExit) as refused:
        cli.main(["run", "--source", "nowhere"])
    assert refused.value.code == 2 and "invalid choice: 'nowhere'" in capsys.readouterr().err


def test_logging_options_work_after_the_subcommand_and_speak_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "vigia.duckdb")
    assert cli.main(["--db", db, "status", "-v", "--log-format", "json"]) == 0
    assert logging.getLogger().level == logging.DEBUG
    logging.getLogger("vigia.test").warning("a source is slow")
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line]
    assert {"level": "warning", "logger": "vigia.test", "message": "a source is slow"}.items() <= (
        lines[-1].items()
    )
    assert cli.main(["--db", db, "status", "--quiet"]) == 0
    assert logging.getLogger().level == logging.ERROR
