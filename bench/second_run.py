"""Measure the bytes a second run fetches when nothing is new, against the first run.

Runs every source twice against the replay server (recorded and constructed pages, see
tests/fixtures/INDEX.md) into a fresh store and prints bytes received per source.

    .venv/bin/python bench/second_run.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from vigia import pipeline  # noqa: E402
from vigia.config import load_settings  # noqa: E402
from vigia.demo.replay import base_url, demo_sources_config, replay_server  # noqa: E402
from vigia.scrapers import SOURCES  # noqa: E402


def main() -> None:
    """Two runs, same store, same replay server; one line per source and a total."""
    with tempfile.TemporaryDirectory() as folder, replay_server() as server:
        settings = load_settings(
            {}, db_path=f"{folder}/v.duckdb", sources_config=demo_sources_config(base_url(server))
        )
        runs = [
            {name: pipeline.ingest_source(settings, name) for name in SOURCES} for _ in range(2)
        ]
    for name in SOURCES:
        first, second = runs[0][name], runs[1][name]
        print(
            f"{name:<8} first run {first.bytes_fetched:>9,} B ({first.new} new items)   "
            f"second run {second.bytes_fetched:>7,} B ({second.new} new, "
            f"{second.not_modified} page(s) not parsed: 304 or unchanged)"
        )
    total = [sum(r.bytes_fetched for r in run.values()) for run in runs]
    print(
        f"total    first run {total[0]:>9,} B   second run {total[1]:>7,} B "
        f"({100 * total[1] / total[0]:.1f} % of the first)"
    )


if __name__ == "__main__":
    main()
