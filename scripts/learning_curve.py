"""How earlier rules carry over to text they were not written from, version by version.

Every round of ``eval/constructed.jsonl`` was committed with the rules written from it, so the
parent of the commit that first holds a round is the rules as they stood when that round was
first scored. This script checks such commits out (temporary git worktrees, laid out as the
wheel installs them, as ``bench/classify_versions.py`` does), runs their classifier from its
sources, and scores what it finds with today's labels and today's split:

    .venv/bin/python scripts/learning_curve.py --before 35 111 158 --rounds 158-169
        the rules as they stood before each named round, on eval/dev.jsonl's write and check
        parts and on the constructed rounds named (take rounds none of them had seen)
    .venv/bin/python scripts/learning_curve.py --at 012481f
        any commit, on the same sets
    .venv/bin/python scripts/learning_curve.py --first-passes [--group 25]
        every round scored on the rules before it (its first pass, replayed), summed by group

For the check part only aggregate figures are printed, never its items. A round's labels may have
changed after its first scoring (eval/README.md lists each change), so a replayed first pass can
differ by an item or two from the one recorded when the round was written.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scripts.typecheck import earlier_checkout, linked_layout  # noqa: E402 - shared with mypy

CONSTRUCTED = "eval/constructed.jsonl"
_ROUND = re.compile(r"constructed-r(\d+)-")
# Run in a fresh interpreter with the version's layout first on sys.path; argv: layout,
# checkout, labelled rows (JSONL). Prints {id: {demand: stance}}.
PROGRAM = """
import json, sys
sys.path[:0] = [sys.argv[1], sys.argv[2]]
try:
    from vigia.classify import Classifier, load_demands
    from vigia.classify.evaluate import gold_item
except ImportError:  # before the code was one package, vigia (before commit cc4e496)
    from classify import Classifier, load_demands
    from classify.evaluate import gold_item
classifier = Classifier(load_demands(sys.argv[2] + "/demands.yaml"))
found = {}
for line in open(sys.argv[3], encoding="utf-8"):
    row = json.loads(line)
    found[row["id"]] = {m.demand_id: m.stance for m in classifier.classify(gold_item(row))}
print(json.dumps(found))
"""


def round_of(item_id: str) -> int | None:
    """The round a constructed item was written in."""
    found = _ROUND.match(item_id)
    return int(found.group(1)) if found else None


def rules_before_rounds() -> dict[int, str]:
    """Round → the commit before the one that first held it (the rules it was first scored on)."""
    git = ["git", "-C", str(ROOT)]
    history = subprocess.run(
        [*git, "log", "--reverse", "--format=%H", "--", CONSTRUCTED],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    before: dict[int, str] = {}
    for commit in history:
        shown = subprocess.run([*git, "show", f"{commit}:{CONSTRUCTED}"], capture_output=True)
        rounds = {int(n) for n in re.findall(rb'"id": "constructed-r(\d+)-', shown.stdout)}
        new = rounds - before.keys()
        if new:
            parent = subprocess.run(
                [*git, "rev-parse", f"{commit}^"], check=True, capture_output=True, text=True
            ).stdout.strip()
            before |= dict.fromkeys(new, parent)
    return before


def found_by(commit: str, rows: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    """What ``commit``'s classifier finds in ``rows``, run from that commit's sources."""
    with tempfile.TemporaryDirectory() as scratch:
        scratch_path = Path(scratch)
        items = scratch_path / "items.jsonl"
        items.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
        with earlier_checkout(commit, scratch_path / "checkout") as checkout:
            layout = linked_layout(scratch_path / "layout", checkout)
            env = {**os.environ, "VIGIA_COMPILED": "0"}
            run = subprocess.run(
                [sys.executable, "-c", PROGRAM, str(layout), str(checkout), str(items)],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
    return json.loads(run.stdout)


def summary(rows: list[dict[str, Any]], found: dict[str, dict[str, str]]) -> str:
    """Items wholly right, micro-F1, stance on the pairs found, and labels caught with the right
    demand and stance (end to end), for ``rows``."""
    from vigia.classify.evaluate import Outcome, score

    outcomes = [Outcome(r["id"], _gold(r), found[r["id"]]) for r in rows]
    report = score(outcomes, [])
    right = sum(o.gold == o.found for o in outcomes)
    stance_right = sum(n for (gold, said), n in report.stance_confusion.items() if gold == said)
    caught = ", ".join(
        f"{stance} {report.caught(stance)}/{report.labels_by_stance[stance]}"
        for stance in ("advance", "regress", "mention")
    )
    return (
        f"{right}/{len(rows)} right, micro-F1 {report.micro.f1:.3f}, stance "
        f"{stance_right}/{report.stance_confusion.total()} = {report.stance_accuracy:.3f}; "
        f"end to end {caught}"
    )


def _gold(row: dict[str, Any]) -> dict[str, str | None]:
    return {label["demand"]: label["stance"] for label in row.get("labels", [])}


def _rows(path: str) -> list[dict[str, Any]]:
    with open(ROOT / path, encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def _span(text: str) -> range:
    first, _, last = text.partition("-")
    return range(int(first), int(last or first) + 1)


def curve(versions: dict[str, str], rounds: range) -> None:
    """Each version (name → commit) on dev's two parts and on ``rounds``."""
    from vigia.classify.evaluate import Split

    dev = _rows("eval/dev.jsonl")
    parts = Split.load(ROOT / "eval" / "split.json").partition(dev)
    constructed = [r for r in _rows(CONSTRUCTED) if round_of(r["id"]) in rounds]
    for name, commit in versions.items():
        found = found_by(commit, dev + constructed)
        print(f"{name} ({commit[:10]}):")
        for name, rows in (("write", parts["write"]), ("check", parts["check"])):
            print(f"  dev {name} part: {summary(rows, found)}")
        if constructed:
            print(f"  rounds {rounds.start}-{rounds.stop - 1}: {summary(constructed, found)}")


def first_passes(group: int) -> None:
    """Every round on the rules before it, summed over groups of ``group`` rounds."""
    by_round: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in _rows(CONSTRUCTED):
        by_round[round_of(row["id"]) or 0].append(row)
    by_commit: dict[str, list[int]] = defaultdict(list)
    for round_number, commit in rules_before_rounds().items():
        by_commit[commit].append(round_number)
    found: dict[str, dict[str, str]] = {}
    for commit, rounds in by_commit.items():
        found |= found_by(commit, [row for n in rounds for row in by_round[n]])
    numbers = sorted(by_round)
    for start in range(0, len(numbers), group):
        chunk = numbers[start : start + group]
        rows = [row for n in chunk for row in by_round[n]]
        print(f"rounds {chunk[0]}-{chunk[-1]}: {summary(rows, found)}")
    everything = [row for n in numbers for row in by_round[n]]
    print(f"all rounds: {summary(everything, found)}")


def main() -> int:
    """Print the figures the options ask for."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=int, nargs="+", help="rounds whose earlier rules to score")
    parser.add_argument("--at", nargs="+", default=[], help="commits to score as well")
    parser.add_argument(
        "--rounds", type=_span, default=None, help="constructed rounds, e.g. 158-169"
    )
    parser.add_argument(
        "--first-passes", action="store_true", help="replay every round's first pass"
    )
    parser.add_argument("--group", type=int, default=25, help="rounds summed together")
    args = parser.parse_args()
    if args.first_passes:
        first_passes(args.group)
    versions = {f"at {commit}": commit for commit in args.at}
    if args.before:
        before = rules_before_rounds()
        versions |= {f"rules before round {n}": before[n] for n in args.before}
    if versions:
        curve(versions, args.rounds or range(0))
    if not (args.first_passes or versions):
        parser.error("give --before ROUND... or --at COMMIT... [--rounds A-B], or --first-passes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
