"""Benchmark: instructions executed per item (valgrind's callgrind), a measure that barely drifts.

This machine's wall-clock speed drifts by up to 30 % within minutes, and a slow stretch can
move the ratio of two rates as well. A count of executed instructions moved by about half a
percent between two runs of the same commit (2,397,802 and 2,384,948 on rules-13), so it
settles "no slower than before" to that margin. It is not a measure of time: an instruction
of the regex engine's tight loops costs less time than one of the interpreter's. On rules-13
the count's ratio to the bare scan (2.47) matched the best quiet wall-clock ratio (2.48); on
rules-15, whose speed-ups cut mostly regex instructions, the count fell 15 % and the time
7.5 %, and the count's ratio (1.93) sits below the wall-clock ones (2.2 to 2.8). Time a
change with bench/classify_versions.py as well.

It counts three programs on the real items of eval/dev.jsonl: this checkout's classifier, the
bare one-regex scan of bench/classify.py (the issue's yardstick), and, when a commit is given,
that commit's classifier (checked out in a temporary worktree, as bench/classify_versions.py
does). Each figure is the count of a run that goes over the items twice, less that of a run
that only loads and warms up, divided by the items done. Needs valgrind; under it a run takes
a minute or two.

    .venv/bin/python bench/classify_instructions.py [earlier-commit]

Both classifiers run from their Python sources, so that the count compares rules, not builds
(an earlier commit has no compiled build); ``VIGIA_COMPILED=1`` counts this checkout's build
compiled by ``make compile`` instead.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scripts.typecheck import earlier_checkout, linked_layout  # noqa: E402 - shared with mypy

PASSES = 2
# Run under valgrind with the version's layout first on sys.path; argv: layout, checkout,
# what to run ("classifier" or "bare"), passes.
PROGRAM = """
import importlib.util, json, sys
sys.path.insert(0, sys.argv[1])
from vigia.classify import Classifier, load_demands
from vigia.classify.evaluate import gold_item
from vigia.core.text import fold
root, what, passes = sys.argv[2], sys.argv[3], int(sys.argv[4])
rows = [json.loads(line) for line in open(root + "/eval/dev.jsonl", encoding="utf-8")]
items = [gold_item(row) for row in rows]
campaign = load_demands(root + "/demands.yaml")
if what == "classifier":
    run = Classifier(campaign).classify
else:
    spec = importlib.util.spec_from_file_location("bench_classify", sys.argv[5])
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    scan = bench.plain_scan(campaign)
    run = lambda item: bench.bare_scan(item, scan)
for item in items:
    run(item)
for item in items * passes:
    run(item)
"""
_COLLECTED = re.compile(r"Collected : (\d+)")
_ENV = {**os.environ, "VIGIA_COMPILED": os.environ.get("VIGIA_COMPILED", "0")}


def instructions(layout: Path, checkout: Path, what: str, passes: int) -> int:
    """Instructions callgrind counted for one run of the program."""
    command = [
        "valgrind",
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        "-c",
        PROGRAM,
        str(layout),
        str(checkout),
        what,
        str(passes),
        str(ROOT / "bench" / "classify.py"),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=True, env=_ENV)
    found = _COLLECTED.search(done.stderr)
    if found is None:
        raise SystemExit(f"callgrind printed no count:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def per_item(layout: Path, checkout: Path, what: str) -> float:
    """Instructions per item: the passes' count less the warm-up's, over the items done."""
    items = sum(1 for _ in (checkout / "eval" / "dev.jsonl").open(encoding="utf-8"))
    extra = instructions(layout, checkout, what, PASSES) - instructions(layout, checkout, what, 0)
    return extra / (items * PASSES)


def main() -> None:
    """Print instructions per item for each program, and the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("commit", nargs="?", help="an earlier commit to count beside this one")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vigia-instructions-") as scratch:
        now = linked_layout(Path(scratch) / "now")
        bare = per_item(now, ROOT, "bare")
        ours = per_item(now, ROOT, "classifier")
        print(f"bare one-regex scan       {bare:12,.0f} instructions/item")
        print(f"this checkout             {ours:12,.0f} instructions/item ({ours / bare:.2f}x)")
        if args.commit:
            then = _earlier(Path(scratch), args.commit)
            print(f"{args.commit:<25} {then:12,.0f} instructions/item ({then / bare:.2f}x)")
            print(f"this checkout / {args.commit}: {ours / then:.3f}")


def _earlier(scratch: Path, commit: str) -> float:
    with earlier_checkout(commit, scratch / "checkout") as checkout:
        return per_item(linked_layout(scratch / "then", checkout), checkout, "classifier")


if __name__ == "__main__":
    main()
