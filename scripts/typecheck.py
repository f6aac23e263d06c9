"""Type-check the package as it installs (vigia.core, vigia.scrapers, …), strict on vigia.core.

The repository's folders become subpackages of ``vigia`` only when installed, and mypy reads
folders, not import hooks; so this lays out links in build/typecheck/vigia the way the wheel
does and runs mypy there, with the settings in pyproject.toml.

    .venv/bin/python scripts/typecheck.py
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The folders the wheel maps into vigia.<name> (pyproject.toml, tool.setuptools.package-dir).
MAPPED = ("core", "scrapers", "classify", "storage", "alerts", "flows", "demo")


def linked_layout(target: Path, checkout: Path = ROOT) -> Path:
    """``target``/vigia laid out as the wheel installs ``checkout``: vigia/'s files, and each
    mapped folder the checkout has, as links. Returns ``target``."""
    shutil.rmtree(target, ignore_errors=True)
    package = target / "vigia"
    package.mkdir(parents=True)
    for entry in (checkout / "vigia").iterdir():
        if entry.name != "__pycache__":
            (package / entry.name).symlink_to(entry)
    for folder in MAPPED:
        if (checkout / folder).is_dir():  # an older checkout may predate a folder
            (package / folder).symlink_to(checkout / folder)
    return target


@contextmanager
def earlier_checkout(commit: str, target: Path) -> Iterator[Path]:
    """``commit`` checked out at ``target`` in a temporary git worktree, removed afterwards."""
    git = ["git", "-C", str(ROOT), "worktree"]
    subprocess.run([*git, "add", "--detach", str(target), commit], check=True, capture_output=True)
    try:
        yield target
    finally:
        subprocess.run([*git, "remove", "--force", str(target)], check=False, capture_output=True)


def main() -> int:
    """Run mypy on the linked layout; its exit code is ours."""
    layout = linked_layout(ROOT / "build" / "typecheck")
    command = [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml")]
    return subprocess.run([*command, "-p", "vigia"], cwd=layout).returncode


if __name__ == "__main__":
    sys.exit(main())
