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
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

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


@dataclass
class EvalReport:
    """Everything `vigia eval` prints."""

    items: int = 0
    negatives: int = 0
    negatives_flagged: int = 0
    per_demand: dict[str, DemandScore] = field(default_factory=dict)
    stance_confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    # Per gold stance, every label, found or not (those found are in stance_confusion).
    labels_by_stance: Counter[str] = field(default_factory=Counter)
    wrong: list[dict[str, Any]] = field(default_factory=list)

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
    """Score the classifier on labelled rows."""
    report = EvalReport(per_demand={d.id: DemandScore() for d in classifier.campaign.demands})
    for row in rows:
        report.items += 1
        gold = {label["demand"]: label["stance"] for label in row.get("labels", [])}
        found = {m.demand_id: m for m in classifier.classify(gold_item(row))}
        if not gold:
            report.negatives += 1
            report.negatives_flagged += bool(found)
        report.labels_by_stance.update(s for s in gold.values() if s is not None)
        for demand in gold.keys() | found.keys():
            score = report.per_demand.setdefault(demand, DemandScore())
            if demand in gold and demand in found:
                score.tp += 1
                # A label without a stance (disputed direction, from feedback) counts for
                # relevance only.
                if gold[demand] is not None:
                    report.stance_confusion[(gold[demand], found[demand].stance)] += 1
            elif demand in found:
                score.fp += 1
            else:
                score.fn += 1
        if set(gold) != set(found) or any(
            found[d].stance != s for d, s in gold.items() if d in found and s is not None
        ):
            report.wrong.append(
                {
                    "id": row.get("id"),
                    "gold": gold,
                    "found": {d: m.stance for d, m in found.items()},
                }
            )
    return report


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
        lines.append(
            f"{name:<7}{report.items:>6}{report.micro.f1:>10.3f}{report.macro_f1:>10.3f}"
            f"{report.stance_accuracy:>8.3f}{report.negatives_share:>10.1%}"
            + "".join(f"{report.end_to_end_recall(s):>9.2f}" for s in STANCES)
        )
    if "write" in parts and "check" in parts:
        gap = parts["write"].micro.f1 - parts["check"].micro.f1
        lines.append(f"gap in micro-F1, write part minus check part: {gap:+.3f}")
    return "\n".join(lines)
