"""Would a learned relevance model find demands the rules miss? A probe, not part of Vigía.

For each demand, a logistic regression over the stems (one and two words) of an item's title
and text is trained on four fifths of the write part and scores the fifth it did not see; a
demand it gives at least the threshold's probability is added to the rules' demands for that
item. Five folds over the write part, rules alone beside rules plus model; the check part is not
used (a model that does not help on the folds is not worth a look there). Needs scikit-learn,
which Vigía does not depend on:

    .venv/bin/pip install scikit-learn && .venv/bin/python scripts/probe_learned_relevance.py
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold

from vigia.classify import Classifier
from vigia.classify.demands import load_demands
from vigia.classify.evaluate import Split, gold_item
from vigia.classify.text import stem
from vigia.core.text import fold

ROOT = Path(__file__).resolve().parents[1]
WORD = re.compile(r"[a-z]{3,}")
THRESHOLDS = (0.5, 0.6, 0.7, 0.8)


def stems(row: dict[str, Any]) -> str:
    """The item's words as stems, its title twice (titles name what a story is about)."""
    text = fold(f"{row['title']} . {row['title']} . {row['body']}")
    return " ".join(stem(word, row["lang"]) for word in WORD.findall(text))


def gold(row: dict[str, Any]) -> set[str]:
    """The demands an item is labelled with."""
    return {label["demand"] for label in row["labels"]}


def micro(predicted: dict[str, set[str]], rows: list[dict[str, Any]]) -> str:
    """Micro precision, recall and F1 of demands found, as one line."""
    tp = sum(len(gold(r) & predicted[r["id"]]) for r in rows)
    fp = sum(len(predicted[r["id"]] - gold(r)) for r in rows)
    fn = sum(len(gold(r) - predicted[r["id"]]) for r in rows)
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    f1 = 2 * precision * recall / (precision + recall)
    return f"P {precision:.3f} R {recall:.3f} F1 {f1:.3f} (tp {tp}, fp {fp}, fn {fn})"


def fold_probabilities(rows: list[dict[str, Any]], demands: list[str], c: float):
    """Each item's probability per demand, from a model that did not see the item."""
    texts = [stems(r) for r in rows]
    probabilities: list[dict[str, float]] = [{} for _ in rows]
    for train, test in KFold(5, shuffle=True, random_state=0).split(texts):
        vectors = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
        x_train = vectors.fit_transform([texts[i] for i in train])
        x_test = vectors.transform([texts[i] for i in test])
        for demand in demands:
            labels = np.array([demand in gold(rows[i]) for i in train])
            if labels.sum() < 2:
                continue
            model = LogisticRegression(C=c, class_weight="balanced", max_iter=2000)
            scores = model.fit(x_train, labels).predict_proba(x_test)[:, 1]
            for position, i in enumerate(test):
                probabilities[i][demand] = scores[position]
    return probabilities


def main() -> None:
    """Print rules alone, then rules plus the model at each C and threshold."""
    rows = [json.loads(line) for line in (ROOT / "eval/dev.jsonl").open(encoding="utf-8")]
    write = Split.load(ROOT / "eval/split.json").partition(rows)["write"]
    campaign = load_demands(ROOT / "demands.yaml")
    classifier = Classifier(campaign)
    rules = {r["id"]: {m.demand_id for m in classifier.classify(gold_item(r))} for r in write}
    print(f"write part, {len(write)} items; rules alone: {micro(rules, write)}")
    for c in (1.0, 3.0, 10.0):
        probabilities = fold_probabilities(write, [d.id for d in campaign.demands], c)
        for threshold in THRESHOLDS:
            union = {
                r["id"]: rules[r["id"]] | {d for d, p in probabilities[i].items() if p >= threshold}
                for i, r in enumerate(write)
            }
            print(f"C={c:<4} p>={threshold}: rules + model {micro(union, write)}")


if __name__ == "__main__":
    main()
