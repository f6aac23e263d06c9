"""Would a learned stance scorer beat the rules? A probe, not part of Vigía.

For every (item, demand) pair the classifier finds and the labels confirm, a multinomial logistic
regression learns the gold stance from what the match carries: the stems of its evidence sentence
and of the item's title, the act kinds its rule names, its demand, and (in one of the feature
sets) the rule's own stance. It is scored by five folds on the write part and once on the check
part, beside the rules on the same pairs, trained on the write part alone or with our
constructed items added (they are always in training, never scored). Only what a Match exposes
is read, so the probe follows the classifier's changes. Needs scikit-learn, which Vigía does not
depend on:

    .venv/bin/pip install scikit-learn && .venv/bin/python scripts/probe_learned_stance.py
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from vigia.classify import Classifier
from vigia.classify.demands import load_demands
from vigia.classify.evaluate import Split, gold_item
from vigia.classify.text import stem
from vigia.core.text import fold

ROOT = Path(__file__).resolve().parents[1]
WORD = re.compile(r"[a-z0-9]{3,}")
ACT_KIND = re.compile(r"\[(\w+)\]")


class Pair(NamedTuple):
    """One found and labelled (item, demand) pair: its features, gold and rule stances."""

    item_id: str
    features: dict[str, float]
    gold: str
    rule: str


def _stems(text: str, lang: str, prefix: str) -> dict[str, float]:
    words = [stem(word, lang) for word in WORD.findall(fold(text.lower()))]
    found = {f"{prefix}{word}": 1.0 for word in words}
    found.update({f"{prefix}{a}_{b}": 1.0 for a, b in zip(words, words[1:], strict=False)})
    return found


def pairs_of(rows: list[dict[str, Any]], classifier: Classifier) -> list[Pair]:
    """The labelled pairs the classifier finds in ``rows``."""
    pairs = []
    for row in rows:
        item = gold_item(row)
        gold = {label["demand"]: label["stance"] for label in row.get("labels", [])}
        for match in classifier.classify(item):
            if match.demand_id not in gold:
                continue
            features = _stems(match.evidence, item.lang or "es", "evidence=")
            features |= _stems(item.title, item.lang or "es", "title=")
            features |= {f"act={kind}": 1.0 for kind in ACT_KIND.findall(match.rule)}
            features[f"demand={match.demand_id}"] = 1.0
            features[f"rule={match.stance}"] = 1.0
            pairs.append(Pair(row["id"], features, gold[match.demand_id], match.stance))
    return pairs


def _without_rule(features: dict[str, float]) -> dict[str, float]:
    return {name: value for name, value in features.items() if not name.startswith("rule=")}


def _fit_and_score(train: list[Pair], test: list[Pair], use_rule: bool, strength: float) -> float:
    shape = (lambda f: f) if use_rule else _without_rule
    vectors = DictVectorizer()
    x = vectors.fit_transform([shape(p.features) for p in train])
    model = LogisticRegression(C=strength, max_iter=3000).fit(x, [p.gold for p in train])
    guess = model.predict(vectors.transform([shape(p.features) for p in test]))
    return float(np.mean(guess == np.array([p.gold for p in test])))


def main() -> None:
    rows = [json.loads(line) for line in (ROOT / "eval/dev.jsonl").open(encoding="utf-8")]
    constructed_rows = [
        json.loads(line) for line in (ROOT / "eval/constructed.jsonl").open(encoding="utf-8")
    ]
    parts = Split.load(ROOT / "eval/split.json").partition(rows)
    classifier = Classifier(load_demands(ROOT / "demands.yaml"))
    write, check = (pairs_of(parts[name], classifier) for name in ("write", "check"))
    constructed = pairs_of(constructed_rows, classifier)

    def rules_on(pairs: list[Pair]) -> float:
        return float(np.mean([p.rule == p.gold for p in pairs]))

    print(
        f"pairs: write {len(write)}, check {len(check)}, constructed {len(constructed)}; "
        f"rules: write {rules_on(write):.3f}, check {rules_on(check):.3f}"
    )
    folds = list(GroupKFold(5).split(write, groups=[p.item_id for p in write]))
    for extra_name, extra in (("write", []), ("write+constructed", constructed)):
        for use_rule in (True, False):
            for strength in (0.3, 1.0, 3.0):
                on_folds = [
                    _fit_and_score(
                        [write[i] for i in train] + extra,
                        [write[i] for i in test],
                        use_rule,
                        strength,
                    )
                    for train, test in folds
                ]
                on_check = _fit_and_score(write + extra, check, use_rule, strength)
                features = "rule+text" if use_rule else "text only"
                print(
                    f"trained on {extra_name:17} {features:9} C={strength:<3} "
                    f"5-fold on write {np.mean(on_folds):.3f}  check {on_check:.3f}"
                )


if __name__ == "__main__":
    main()
