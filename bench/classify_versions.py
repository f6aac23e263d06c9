"""Benchmark: this checkout's classifier beside an earlier commit's, in alternating runs.

This machine's speed drifts by up to 30% between runs, so "no slower than before" is only
told side by side. The earlier commit is checked out in a temporary git worktree and laid out
the way the wheel installs it (vigia.classify from classify/, …) so that its own code runs; each
round times both versions, each in its own process, on the real items of eval/dev.jsonl × 20
(best of five passes), and the medians are printed at the end.

    .venv/bin/python bench/classify_versions.py c073163 [--rounds 8]

Both run from their Python sources, so that rules are compared, not builds (an earlier commit
has no compiled build); ``VIGIA_COMPILED=1`` times this checkout's compiled build instead.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scripts.typecheck import earlier_checkout, linked_layout  # noqa: E402 - shared with mypy

# Run in a fresh interpreter with the version's layout first on sys.path.
TIMER = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
from vigia.classify import Classifier, load_demands
from vigia.classify.evaluate import gold_item
from vigia.classify.matcher import RULES_VERSION
root = sys.argv[2]
rows = [json.loads(line) for line in open(root + "/eval/dev.jsonl", encoding="utf-8")]
items = [gold_item(row) for row in rows] * 20
classifier = Classifier(load_demands(root + "/demands.yaml"))
for item in items[: len(rows)]:
    classifier.classify(item)
best = float("inf")
for _ in range(5):
    started = time.perf_counter()
    for item in items:
        classifier.classify(item)
    best = min(best, time.perf_counter() - started)
print(RULES_VERSION, len(items) / best)
"""


def rate(layout: Path, checkout: Path) -> tuple[str, float]:
    """The version's name and its items per second, from one fresh process."""
    done = subprocess.run(
        [sys.executable, "-c", TIMER, str(layout), str(checkout)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "VIGIA_COMPILED": os.environ.get("VIGIA_COMPILED", "0")},
    )
    version, per_second = done.stdout.split()
    return version, float(per_second)


def main() -> None:
    """Check out the earlier commit, alternate the two versions, print both medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("commit", help="the earlier commit to compare with")
    parser.add_argument("--rounds", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vigia-versions-") as scratch:
        with earlier_checkout(args.commit, Path(scratch) / "checkout") as earlier:
            versions = {
                "this checkout": (linked_layout(Path(scratch) / "now"), ROOT),
                args.commit: (linked_layout(Path(scratch) / "then", earlier), earlier),
            }
            rates: dict[str, list[float]] = {name: [] for name in versions}
            names: dict[str, str] = {}
            for round_number in range(1, args.rounds + 1):
                # Which runs first swaps every round, so that neither always runs in the
                # other's wake.
                order = list(versions.items())[:: 1 if round_number % 2 else -1]
                for name, (layout, checkout) in order:
                    names[name], per_second = rate(layout, checkout)
                    rates[name].append(per_second)
                line = ", ".join(f"{names[n]} {rates[n][-1]:,.0f}" for n in versions)
                print(f"round {round_number}: {line} items/s")
        for name, values in rates.items():
            print(
                f"{name} ({names[name]}): median {statistics.median(values):,.0f} items/s "
                f"({min(values):,.0f}–{max(values):,.0f})"
            )


if __name__ == "__main__":
    main()
