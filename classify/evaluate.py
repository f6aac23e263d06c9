"""Measure the classifier against hand-labelled items (the format of ../shared/eval/dev.jsonl).

Relevance is scored per (item, demand) pair; stance accuracy only on pairs the classifier found
correctly; "negatives flagged" is the share of items labelled with no demand that got a match.
"""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from classify.lang import detect_language
from classify.matcher import Classifier
from scrapers.base import Item
from scrapers.errors import ConfigError


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
        lang = row.get("lang") if row.get("lang") in ("es", "en") else None
        return Item(
            source=str(row.get("source_kind", "other")),
            kind=str(row.get("source_kind", "other")),
            external_id=str(row["id"]),
            url=str(row.get("url", "")),
            title=title,
            text=body,
            published=published,
            lang=lang or detect_language(f"{title}\n{body}"),
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


def format_report(report: EvalReport) -> str:
    """The human-readable summary `vigia eval` prints."""
    micro = report.micro
    lines = [f"{'demand':<40} {'P':>5} {'R':>5} {'F1':>5}   tp  fp  fn"]
    for demand, s in sorted(report.per_demand.items()):
        lines.append(
            f"{demand:<40} {s.precision:5.2f} {s.recall:5.2f} {s.f1:5.2f} "
            f"{s.tp:4d}{s.fp:4d}{s.fn:4d}"
        )
    flagged = report.negatives_flagged / report.negatives if report.negatives else 0.0
    lines += [
        f"relevance micro P {micro.precision:.2f} R {micro.recall:.2f} F1 {micro.f1:.2f}; "
        f"macro F1 {report.macro_f1:.2f}",
        f"stance accuracy on correctly found matches {report.stance_accuracy:.2f} "
        f"({sum(report.stance_confusion.values())} pairs)",
        f"negatives flagged {report.negatives_flagged}/{report.negatives} ({flagged:.1%})",
        "stance confusion (gold → found): "
        + ", ".join(f"{g}→{f} {n}" for (g, f), n in sorted(report.stance_confusion.items())),
        f"items wrong: {len(report.wrong)} of {report.items}",
    ]
    lines += [f"  {json.dumps(w, ensure_ascii=False)}" for w in report.wrong]
    return "\n".join(lines)
