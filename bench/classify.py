"""Benchmark: classifier speed beside a bare one-pass scan and a naive loop.

Items are the real texts of eval/dev.jsonl: as they are, repeated to 20,000, and each body
followed by the start of the next item's body to make about 600 characters, repeated to 5,000;
the 1 MB decree is a recorded gazette text repeated to 1 MB with one relevant sentence at its
end. Three baselines: the bare scan folds each text once and runs one compiled regex of every
demand's terms over it, a plain alternation (the issue's yardstick: the classifier's target is
at most twice its time); the same scan with its alternatives shared as a trie, as the
classifier's own lexicons are (a plain alternation slows with every term added, so its ratio
flatters a longer term list); the naive loop searches every term separately, one word-bounded
regex each, as a page-change monitor's keyword list would (timed on the first 1,000 padded
items: it is slow). The classifier and the scans take turns within each of five rounds, and the
best round of each is kept. The classifier is the build ``make`` compiled with mypyc, if there
is one; the first line says which ran.

    .venv/bin/python bench/classify.py [path/to/dev.jsonl]
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from vigia.classify import Campaign, Classifier, load_demands, native  # noqa: E402
from vigia.classify.evaluate import gold_item  # noqa: E402
from vigia.classify.text import trie_pattern  # noqa: E402
from vigia.core.model import Item  # noqa: E402
from vigia.core.text import fold  # noqa: E402
from vigia.scrapers.text import html_to_text  # noqa: E402


def naive_matches(item: Item, patterns: dict[str, list[re.Pattern[str]]]) -> list[str]:
    """The demands with any term found, one regex search per term."""
    text = fold(f"{item.title}\n{item.text}")
    return [demand for demand, terms in patterns.items() if any(p.search(text) for p in terms)]


def bare_scan(item: Item, pattern: re.Pattern[str]) -> int:
    """How many terms one pass of one regex finds in the folded text."""
    return sum(1 for _ in pattern.finditer(fold(f"{item.title}\n{item.text}")))


def folded_terms(campaign: Campaign) -> list[str]:
    """Every demand's terms and key terms, folded, longest first."""
    found = {
        fold(t)
        for d in campaign.demands
        for group in (d.key_terms, d.terms)
        for phrases in group.values()
        for t in phrases
    }
    return sorted(found, key=len, reverse=True)


def plain_scan(campaign: Campaign) -> re.Pattern[str]:
    """The issue's yardstick: one word-bounded regex, a plain alternation of every term."""
    return re.compile(rf"(?<!\w)(?:{'|'.join(map(re.escape, folded_terms(campaign)))})(?!\w)")


def _padded(item: Item, following: dict) -> Item:
    """The item with the next item's body appended, to about 600 characters in all."""
    room = max(0, 600 - len(item.title) - len(item.text) - 1)
    return replace(item, text=f"{item.text} {following['body'][:room]}".strip())


def rates(runs: dict[str, Callable[[Item], object]], items: list[Item]) -> dict[str, float]:
    """Time each run over every item, print its rate and return its seconds (best of five).

    The runs take turns within each round: this machine's speed drifts by up to 30 % in a
    minute, and a ratio of two runs timed minutes apart measured the drift as much as the code.
    """
    best = dict.fromkeys(runs, float("inf"))
    for _ in range(5):
        for label, run in runs.items():
            started = time.perf_counter()
            for item in items:
                run(item)
            best[label] = min(best[label], time.perf_counter() - started)
    for label, seconds in best.items():
        per_second = len(items) / seconds
        print(f"{label:<34} {len(items):>6} items in {seconds:6.2f} s = {per_second:8.0f} items/s")
    return best


def main() -> None:
    """Print one line per measurement."""
    dev = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "eval/dev.jsonl")
    rows = [json.loads(line) for line in dev.read_text(encoding="utf-8").splitlines()]
    real = [gold_item(row) for row in rows]
    padded = [_padded(item, rows[(n + 1) % len(rows)]) for n, item in enumerate(real)]
    campaign = load_demands(ROOT / "demands.yaml")
    classifier = Classifier(campaign)
    # `make compile` builds it; VIGIA_COMPILED=0 times the sources.
    print(f"classifier build: {native.build()}")
    terms = folded_terms(campaign)
    one_regex = plain_scan(campaign)
    # The same scan with the alternatives shared as a trie, as the classifier's own lexicons
    # are: a plain alternation slows with every term added, so it flatters a longer list.
    trie_body = trie_pattern([re.escape(c) for c in t] for t in terms)
    trie_regex = re.compile(rf"(?<!\w)(?:{trie_body})(?!\w)")
    patterns = {
        d.id: [
            re.compile(rf"(?<!\w){re.escape(fold(t))}(?!\w)")
            for group in (d.key_terms, d.terms)
            for terms in group.values()
            for t in terms
        ]
        for d in campaign.demands
    }
    for name, items, count in (("real", real, 20_000), ("padded", padded, 5_000)):
        items = (items * (count // len(items) + 1))[:count]
        chars = sum(len(i.title) + len(i.text) for i in items) / len(items)
        print(f"{name} items, {chars:.0f} characters on average")
        timed = rates(
            {
                "classifier": classifier.classify,
                "bare one-regex scan": lambda i: bare_scan(i, one_regex),
                "bare scan, regex as a trie": lambda i: bare_scan(i, trie_regex),
            },
            items,
        )
        if name == "padded":
            naive = {"naive per-demand, per-term loop": lambda i: naive_matches(i, patterns)}
            rates(naive, items[:1000])
        ours, scan, trie = timed.values()
        print(f"classifier time / bare scan time: {ours / scan:.2f} (as a trie: {ours / trie:.2f})")

    decree_text = html_to_text((ROOT / "tests/fixtures/sidof/docFuente_5788395.html").read_text())
    body = (decree_text + "\n") * (1_000_000 // len(decree_text) + 1)
    decree = Item(
        "gazette",
        "gazette",
        "bench",
        "https://example.org",
        "DECRETO",
        body[:1_000_000] + "\nSe expide la Ley Nacional del Registro de Detenciones.",
        None,
        "es",
    )
    for label, run in (
        ("classifier", classifier.classify),
        ("naive per-demand, per-term loop", lambda i: naive_matches(i, patterns)),
    ):
        started = time.perf_counter()
        found = run(decree)
        seconds = time.perf_counter() - started
        print(f"1 MB decree, {label:<31} {seconds:6.3f} s ({len(found)} match(es))")


if __name__ == "__main__":
    main()
