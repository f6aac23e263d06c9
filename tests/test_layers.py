"""Imports point one way, bottom to top: core ← scrapers, classify ← storage ← alerts ← the
application ← entry points (the CLI, the Prefect-server launcher, the Slack endpoint, the demo's
replay server) and flows. A lower room that imports a higher one fails here, with the line."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ROOMS = {"core": 0, "scrapers": 1, "classify": 1, "storage": 2, "alerts": 3, "app": 4, "entry": 5}
# Modules of vigia/ that are entry points rather than use-cases.
ENTRY_POINTS = {
    "vigia.cli",
    "vigia.feedback",
    "vigia.prefect_server",
    "vigia.progress",
}
FOLDERS = ("core", "scrapers", "classify", "storage", "alerts", "flows", "demo", "vigia")


def room_of(module: str) -> str | None:
    """The room a ``vigia.…`` module lives in (None for anything not ours)."""
    parts = module.split(".")
    if parts[0] != "vigia":
        return None
    if len(parts) > 1 and parts[1] in ROOMS:
        return parts[1]
    if len(parts) > 1 and parts[1] in ("flows", "demo"):
        return "entry"
    return "entry" if ".".join(parts[:2]) in ENTRY_POINTS else "app"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts if parts[0] == "vigia" else ["vigia", *parts])


def _imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
    return found


def _wrong_way(importer: str, imported: str) -> bool:
    if importer == imported:
        return False
    if {importer, imported} == {"scrapers", "classify"}:
        return True  # siblings: neither reads the other
    return ROOMS[imported] > ROOMS[importer]


def upward_imports(paths: list[Path]) -> list[str]:
    """Every import of a higher room (or of a sibling) from a lower one, as file:line."""
    wrong = []
    for path in paths:
        mine = room_of(_module_name(path))
        for line, module in _imports(path):
            theirs = room_of(module)
            if mine and theirs and _wrong_way(mine, theirs):
                wrong.append(
                    f"{path.relative_to(ROOT)}:{line} ({mine}) imports {module} ({theirs})"
                )
    return wrong


def _our_files() -> list[Path]:
    return [path for folder in FOLDERS for path in sorted((ROOT / folder).rglob("*.py"))]


def test_no_room_imports_a_room_above_it() -> None:
    assert upward_imports(_our_files()) == []


def test_core_imports_nothing_of_ours() -> None:
    ours = [
        f"{path.name}: {module}"
        for path in sorted((ROOT / "core").glob("*.py"))
        for _, module in _imports(path)
        if room_of(module) not in (None, "core")
    ]
    assert ours == []


def test_storage_and_alerts_know_no_particular_source() -> None:
    # A display name a source wants shown travels in the item's metadata, not by import.
    registry = {"vigia.scrapers", "vigia.scrapers.base"}
    leaks = [
        f"{path.relative_to(ROOT)}: {module}"
        for folder in ("storage", "alerts")
        for path in sorted((ROOT / folder).rglob("*.py"))
        for _, module in _imports(path)
        if module.startswith("vigia.scrapers") and module not in registry
    ]
    assert leaks == []


@pytest.mark.parametrize(
    ("room", "line", "caught"),
    [
        ("storage", "from vigia.alerts.channels.slack import SlackChannel", True),
        ("classify", "from vigia.scrapers.http import HttpClient", True),
        ("core", "import vigia.storage", True),
        ("alerts", "from vigia.storage import open_store", False),
        ("flows", "from vigia.pipeline import run_all", False),
    ],
)
def test_the_check_catches_an_upward_import(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, room: str, line: str, caught: bool
) -> None:
    # A constructed module placed in a room of a copy of the layout.
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    (tmp_path / room).mkdir()
    module = tmp_path / room / "constructed.py"
    module.write_text(line + "\n", encoding="utf-8")
    assert bool(upward_imports([module])) is caught
