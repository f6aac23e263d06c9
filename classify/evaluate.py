"""Measure the classifier against hand-labelled items (the format of eval/dev.jsonl).

Relevance is scored per (item, demand) pair; stance accuracy only on pairs the classifier found
correctly; "negatives flagged" is the share of items labelled with no demand that got a match;
end-to-end recall per gold stance counts a label as caught only when its demand was found with
the right stance. A split file divides the labelled items once into the part rules are written
from and a check part nobody reads while writing them; both are scored, and the gap between them
says whether the rules carry over to text they were not written from.
"""

from __future__ import annotations

import hashlib
import json
import random
import statistics
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

from vigia.classify.demands import STANCES
from vigia.classify.lang import detect_language
from vigia.classify.matcher import Classifier
from vigia.core.errors import ConfigError
from vigia.core.model import Item


@dataclass
class DemandScore:
    """True positives, false positives and false negatives for one demand."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        """Share of found pairs that are right."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        """Share of labelled pairs that were found."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


class Outcome(NamedTuple):
    """One labelled item's gold demands and stances beside what the classifier found."""

    id: Any
    gold: dict[str, str | None]
    found: dict[str, str]


@dataclass
class EvalReport:
    """Everything `vigia eval` prints."""

    negatives: int = 0
    negatives_flagged: int = 0
    per_demand: dict[str, DemandScore] = field(default_factory=dict)
    stance_confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    # Per gold stance, every label, found or not (those found are in stance_confusion).
    labels_by_stance: Counter[str] = field(default_factory=Counter)
    # Item by item, so that the figures can be recomputed on resamples or parts of the items.
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def items(self) -> int:
        """How many labelled items were scored."""
        return len(self.outcomes)

    @property
    def wrong(self) -> list[dict[str, Any]]:
        """The items whose demands or stances differ from their labels."""
        return [
            {"id": o.id, "gold": o.gold, "found": o.found}
            for o in self.outcomes
            if set(o.gold) != set(o.found)
            or any(o.found[d] != s for d, s in o.gold.items() if d in o.found and s is not None)
        ]

    @property
    def micro(self) -> DemandScore:
        """All demands' counts pooled."""
        total = DemandScore()
        for score in self.per_demand.values():
            total.tp, total.fp, total.fn = (
                total.tp + score.tp,
                total.fp + score.fp,
                total.fn + score.fn,
            )
        return total

    @property
    def macro_f1(self) -> float:
        """Mean F1 over the demands that have labels or predictions."""
        scores = [s.f1 for s in self.per_demand.values() if s.tp + s.fp + s.fn]
        return sum(scores) / len(scores) if scores else 0.0

    @property
    def negatives_share(self) -> float:
        """Share of negative items that got a match."""
        return self.negatives_flagged / self.negatives if self.negatives else 0.0

    def end_to_end_recall(self, stance: str) -> float:
        """Share of gold labels of this stance found with the right demand and stance."""
        total = self.labels_by_stance[stance]
        return self.caught(stance) / total if total else 0.0

    def caught(self, stance: str) -> int:
        """Gold labels of this stance found with the right demand and stance."""
        return self.stance_confusion[(stance, stance)]

    @property
    def stance_accuracy(self) -> float:
        """Right stance among correctly found pairs."""
        total = sum(self.stance_confusion.values())
        right = sum(n for (gold, got), n in self.stance_confusion.items() if gold == got)
        return right / total if total else 0.0


def gold_item(row: dict[str, Any]) -> Item:
    """An Item from one labelled line (or one `vigia classify` input line)."""
    try:
        published = date.fromisoformat(row["published"]) if row.get("published") else None
        title = unicodedata.normalize("NFC", str(row.get("title") or ""))
        body = unicodedata.normalize("NFC", str(row.get("body") or ""))
        lang = str(row["lang"]) if row.get("lang") in ("es", "en") else None
        return Item(
            source=str(row.get("source_kind", "other")),
            kind=str(row.get("source_kind", "other")),
            external_id=str(row["id"]),
            url=str(row.get("url", "")),
            title=title,
            text=body,
            published=published,
            lang=lang or detect_language(f"{title}\n{body}") or "",
        )
    except (KeyError, ValueError) as exc:
        raise ConfigError(f"item {row.get('id', '?')}: {exc}") from exc


def evaluate(rows: Iterable[dict[str, Any]], classifier: Classifier) -> EvalReport:
    """Score the classifier on labelled rows.

    A row exported from campaigners' verdicts (it lists ``verdicts``) is labelled only for the
    demands someone judged: a demand found there that nobody judged is neither right nor wrong.
    """
    outcomes = []
    for row in rows:
        found = {m.demand_id: m.stance for m in classifier.classify(gold_item(row))}
        if "verdicts" in row:
            judged = {verdict["demand"] for verdict in row["verdicts"]}
            found = {demand: stance for demand, stance in found.items() if demand in judged}
        gold = {label["demand"]: label["stance"] for label in row.get("labels", [])}
        outcomes.append(Outcome(row.get("id"), gold, found))
    return score(outcomes, [d.id for d in classifier.campaign.demands])


def score(outcomes: Iterable[Outcome], demands: Iterable[str]) -> EvalReport:
    """The figures of a set of item outcomes (every demand listed gets a row, even unseen)."""
    report = EvalReport(per_demand={demand: DemandScore() for demand in demands})
    for outcome in outcomes:
        report.outcomes.append(outcome)
        gold, found = outcome.gold, outcome.found
        if not gold:
            report.negatives += 1
            report.negatives_flagged += bool(found)
        report.labels_by_stance.update(s for s in gold.values() if s is not None)
        for demand in gold.keys() | found.keys():
            counts = report.per_demand.setdefault(demand, DemandScore())
            if demand in gold and demand in found:
                counts.tp += 1
                # A label without a stance (disputed direction, from feedback) counts for
                # relevance only.
                stance = gold[demand]
                if stance is not None:
                    report.stance_confusion[(stance, found[demand])] += 1
            elif demand in found:
                counts.fp += 1
            else:
                counts.fn += 1
    return report


# The figures given an interval, and how each is read from a report (None: nothing to score,
# as in a resample that drew no found pair).
INTERVAL_FIGURES: dict[str, Callable[[EvalReport], float | None]] = {
    "micro-F1": lambda r: r.micro.f1 if r.micro.tp + r.micro.fp + r.micro.fn else None,
    "stance": lambda r: r.stance_accuracy if r.stance_confusion.total() else None,
}
RESAMPLES = 1000


def _resampled(report: EvalReport, rng: random.Random) -> EvalReport:
    # The items drawn again, as many as there are, with replacement.
    drawn = rng.choices(report.outcomes, k=len(report.outcomes))
    return score(drawn, report.per_demand)


def intervals(
    reports: Sequence[EvalReport], *, resamples: int = RESAMPLES, seed: int = 0
) -> list[dict[str, tuple[float, float]]]:
    """A 95 % bootstrap interval of each figure, per report, and of the first minus the last.

    A figure on a few dozen items moves by several points when a few items are swapped for
    others of the same kind: the interval says how far. Each report's items are resampled
    with replacement ``resamples`` times (seeded, so the interval is reproducible); for two
    reports, each resample of the first is paired with one of the second for the difference.
    """
    rng = random.Random(seed)
    drawn = [[_resampled(report, rng) for _ in range(resamples)] for report in reports]
    values = [
        {name: [figure(r) for r in rounds] for name, figure in INTERVAL_FIGURES.items()}
        for rounds in drawn
    ]
    if len(reports) == 2:
        values.append(
            {
                name: [
                    None if a is None or b is None else a - b
                    for a, b in zip(values[0][name], values[1][name], strict=True)
                ]
                for name in INTERVAL_FIGURES
            }
        )
    return [{name: _middle_95(v) for name, v in figures.items()} for figures in values]


def _middle_95(values: list[float | None]) -> tuple[float, float]:
    scored = [v for v in values if v is not None]
    if len(scored) < 2:
        # Nothing, or one resample, to spread: the interval is that value (or nothing, 0).
        only = scored[0] if scored else 0.0
        return only, only
    cuts = statistics.quantiles(scored, n=40, method="inclusive")
    return cuts[0], cuts[-1]


@dataclass(frozen=True)
class Split:
    """A fixed division of a labelled file into the part rules are written from and a check part.

    Items read before the split was made always belong to the write part; every other item goes
    to the check part when its id, hashed with the seed, falls below ``check_share``. The hash of
    the id, not its line, decides, so items added later keep the split of the ones before them.
    """

    seed: str
    check_share: float
    read_before_split: frozenset[str]

    @classmethod
    def load(cls, path: str | Path) -> Split:
        """Read a split file (see eval/split.json)."""
        try:
            raw = json.loads(Path(path).read_text(encoding="utf-8"))
            return cls(
                str(raw["seed"]),
                float(raw["check_share"]),
                frozenset(map(str, raw.get("read_before_split", []))),
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"{path}: not a usable split file ({exc})") from exc

    def part_of(self, item_id: str) -> str:
        """'write' or 'check'."""
        if item_id in self.read_before_split:
            return "write"
        digest = hashlib.sha256(f"{self.seed}:{item_id}".encode()).digest()
        return "check" if int.from_bytes(digest[:4], "big") / 2**32 < self.check_share else "write"

    def parts_of(self, report: EvalReport) -> dict[str, EvalReport]:
        """A whole file's report divided into its write and check parts' reports."""
        outcomes: dict[str, list[Outcome]] = {"write": [], "check": []}
        for outcome in report.outcomes:
            outcomes[self.part_of(str(outcome.id))].append(outcome)
        return {name: score(part, report.per_demand) for name, part in outcomes.items()}

    def partition(self, rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
        """Labelled rows by part: {"write": [...], "check": [...]}."""
        parts: dict[str, list[dict[str, Any]]] = {"write": [], "check": []}
        for row in rows:
            parts[self.part_of(str(row.get("id")))].append(row)
        return parts


def format_report(report: EvalReport, *, list_wrong: bool = True) -> str:
    """The human-readable summary `vigia eval` prints for one set of items."""
    micro = report.micro
    lines = [f"{'demand':<40} {'P':>5} {'R':>5} {'F1':>5}   tp  fp  fn"]
    for demand, s in sorted(report.per_demand.items()):
        lines.append(
            f"{demand:<40} {s.precision:5.2f} {s.recall:5.2f} {s.f1:5.2f} "
            f"{s.tp:4d}{s.fp:4d}{s.fn:4d}"
        )
    lines += [
        f"relevance micro P {micro.precision:.2f} R {micro.recall:.2f} F1 {micro.f1:.2f}; "
        f"macro F1 {report.macro_f1:.2f}",
        f"stance accuracy on correctly found matches {report.stance_accuracy:.2f} "
        f"({sum(report.stance_confusion.values())} pairs)",
        f"negatives flagged {report.negatives_flagged}/{report.negatives} "
        f"({report.negatives_share:.1%})",
        "end-to-end recall (right demand and stance): "
        + ", ".join(
            f"{stance} {report.caught(stance)}/{report.labels_by_stance[stance]} "
            f"({report.end_to_end_recall(stance):.2f})"
            for stance in STANCES
        ),
        "stance confusion (gold → found): "
        + ", ".join(f"{g}→{f} {n}" for (g, f), n in sorted(report.stance_confusion.items())),
        *confusion_matrix(report),
        f"items wrong: {len(report.wrong)} of {report.items}",
    ]
    if list_wrong:
        lines += [f"  {json.dumps(w, ensure_ascii=False)}" for w in report.wrong]
    return "\n".join(lines)


def confusion_matrix(report: EvalReport) -> list[str]:
    """The stance confusion as a table: gold stance per row, found stance per column."""
    lines = [f"  {'gold → found':<14}" + "".join(f"{s:>9}" for s in STANCES)]
    for gold in STANCES:
        cells = "".join(f"{report.stance_confusion[(gold, got)]:>9}" for got in STANCES)
        lines.append(f"  {gold:<14}{cells}")
    return lines


def format_split_summary(parts: dict[str, EvalReport]) -> str:
    """One line per part (all, write, check) with the headline figures, then the gap."""
    header = (
        f"{'part':<7}{'items':>6}{'micro-F1':>10}{'macro-F1':>10}{'stance':>8}"
        f"{'neg.flag':>10}{'e2e adv':>9}{'e2e reg':>9}{'e2e men':>9}"
    )
    lines = [header]
    for name, report in parts.items():
        relevance = report.micro.tp + report.micro.fp + report.micro.fn
        lines.append(
            f"{name:<7}{report.items:>6}"
            + _cell(report.micro.f1, relevance, 10, ".3f")
            + _cell(report.macro_f1, relevance, 10, ".3f")
            + _cell(report.stance_accuracy, report.stance_confusion.total(), 8, ".3f")
            + _cell(report.negatives_share, report.negatives, 10, ".1%")
            + "".join(
                _cell(report.end_to_end_recall(s), report.labels_by_stance[s], 9, ".2f")
                for s in STANCES
            )
        )
    if _both_parts_scored(parts):
        gap = parts["write"].micro.f1 - parts["check"].micro.f1
        lines.append(f"gap in micro-F1, write part minus check part: {gap:+.3f}")
    return "\n".join(lines)


def _cell(value: float, scored: int, width: int, form: str) -> str:
    # A figure, or "-" where nothing was there to score (no check part, no regress label):
    # a zero would read as a failure.
    return f"{value:>{width}{form}}" if scored else f"{'-':>{width}}"


def _both_parts_scored(parts: dict[str, EvalReport]) -> bool:
    # A gap needs a write part and a check part that each hold items.
    return all(name in parts and parts[name].items for name in ("write", "check"))


def format_intervals(parts: dict[str, EvalReport]) -> str:
    """The 95 % bootstrap intervals of micro-F1 and stance per part, and of the gap."""
    lines = [f"95% intervals (the items resampled {RESAMPLES:,} times, seed 0):"]
    named = {name: report for name, report in parts.items() if name not in ("write", "check")}
    for name, report in named.items():
        lines.append(_interval_line(name, intervals([report])[0]))
    if _both_parts_scored(parts):
        write, check, gap = intervals([parts["write"], parts["check"]])
        lines += [
            _interval_line("write", write),
            _interval_line("check", check),
            _interval_line("gap", gap, signed=True),
        ]
    return "\n".join(lines)


def _interval_line(name: str, figures: dict[str, tuple[float, float]], signed: bool = False) -> str:
    number = "{:+.3f}" if signed else "{:.3f}"
    cells = "".join(
        f"  {figure} {number.format(low)} to {number.format(high)}"
        for figure, (low, high) in figures.items()
    )
    return f"  {name:<6}{cells}"
