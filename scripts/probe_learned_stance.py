"""Would a learned stance scorer beat the rules? A probe, not part of Vigía.

Trains a multinomial logistic regression on the write part's correctly found (item, demand)
pairs, from the rule's stance, its vote shares, each reading (kind, setting, actor) and the
stems of the sentences read, and scores it by five folds on the write part and once on the
check part, beside the rules on the same pairs. Needs scikit-learn, which Vigía does not
depend on:

    .venv/bin/pip install scikit-learn && .venv/bin/python scripts/probe_learned_stance.py
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from vigia.classify import matcher
from vigia.classify.demands import load_demands
from vigia.classify.evaluate import Split, gold_item
from vigia.classify.text import stem
from vigia.core.text import fold

ROOT = Path(__file__).resolve().parents[1]
WORD = re.compile(r"[a-z]{3,}")
FEATURE_SETS = {
    "all": {"rule", "votes", "readings", "stems"},
    "no rule stance": {"votes", "readings", "stems"},
    "readings only": {"readings"},
    "stems only": {"stems"},
}


class _Recording(matcher.Classifier):
    """The classifier, remembering for each match the verdicts and sentences behind its stance."""

    seen: dict[tuple[str, str], tuple[str, list[Any], list[str], Any]]

    def _stance(self, item, demand, hits, lowered, spans):  # type: ignore[no-untyped-def]
        stance, chosen = super()._stance(item, demand, hits, lowered, spans)
        rules, title = self._rules[demand.id], lowered[matcher.TITLE]
        actor = "state" if item.kind in matcher.SCOPED_BY_SOURCE else ""
        in_title = any(h.field == matcher.TITLE for h in hits)
        verdicts = self._verdicts(
            demand,
            rules,
            title,
            matcher.TITLE,
            (0, len(title)),
            1.5 if in_title else 0.5,
            False,
            actor,
        )
        texts = [title]
        for sentence, weight in matcher._stance_window(hits, spans):
            text = lowered[matcher.BODY][sentence[0] : sentence[1]]
            texts.append(text)
            verdicts += self._verdicts(
                demand,
                rules,
                text,
                matcher.BODY,
                sentence,
                weight,
                self._proposal_only(title),
                actor,
            )
        self.seen[(item.external_id, demand.id)] = (stance, verdicts, texts, item)
        return stance, chosen


def _features(stance: str, verdicts: list[Any], texts: list[str], item: Any, use: set[str]):
    found: Counter[str] = Counter()
    if "rule" in use:
        found["rule=" + stance] += 1
    votes: Counter[str] = Counter()
    for verdict in verdicts:
        votes[verdict.stance] += verdict.weight
        if "readings" in use:
            found["verdict=" + verdict.stance] += 1
            kind = re.search(r"\[(\w+)\]", verdict.cue or "")
            if kind:
                found[f"verdict={verdict.stance}:{kind.group(1)}"] += 1
            for setting in ("negated", "only proposed", "external"):
                if setting in (verdict.cue or ""):
                    found[f"setting={setting}:{verdict.stance}"] += 1
    if "votes" in use:
        total = sum(votes.values()) or 1
        for name in ("advance", "regress", "mention"):
            found["share=" + name] = votes[name] / total
    if "stems" in use:
        for text in texts:
            for word in WORD.findall(fold(text)):
                found["stem=" + stem(word, item.lang or "es")] = 1
    return found


def main() -> None:
    rows = [json.loads(line) for line in (ROOT / "eval/dev.jsonl").open(encoding="utf-8")]
    parts = Split.load(ROOT / "eval/split.json").partition(rows)
    classifier = _Recording(load_demands(ROOT / "demands.yaml"))
    classifier.seen = {}
    pairs: dict[str, list[tuple[tuple[Any, ...], str, str]]] = {"write": [], "check": []}
    for part, part_rows in parts.items():
        for row in part_rows:
            item = gold_item(row)
            gold = {label["demand"]: label["stance"] for label in row["labels"]}
            for match in classifier.classify(item):
                if match.demand_id in gold:
                    seen = classifier.seen[(item.external_id, match.demand_id)]
                    pairs[part].append((seen, gold[match.demand_id], match.stance))
    write, check = pairs["write"], pairs["check"]
    rules_write = np.mean([found == gold for _, gold, found in write])
    rules_check = np.mean([found == gold for _, gold, found in check])
    print(
        f"pairs: write {len(write)}, check {len(check)}; rules: {rules_write:.3f} / {rules_check:.3f}"
    )
    labels = np.array([gold for _, gold, _ in write])
    for name, use in FEATURE_SETS.items():
        for c in (0.1, 0.3, 1.0, 3.0):
            folds = StratifiedKFold(5, shuffle=True, random_state=1)
            scores = []
            for train, test in folds.split(np.zeros(len(labels)), labels):
                vectors = DictVectorizer()
                x = vectors.fit_transform([_features(*write[i][0], use) for i in train])
                model = LogisticRegression(C=c, max_iter=2000).fit(x, labels[train])
                guess = model.predict(
                    vectors.transform([_features(*write[i][0], use) for i in test])
                )
                scores.append(np.mean(guess == labels[test]))
            vectors = DictVectorizer()
            x = vectors.fit_transform([_features(*seen, use) for seen, _, _ in write])
            model = LogisticRegression(C=c, max_iter=2000).fit(x, labels)
            guess = model.predict(
                vectors.transform([_features(*seen, use) for seen, _, _ in check])
            )
            on_check = np.mean(guess == np.array([gold for _, gold, _ in check]))
            print(f"{name:15} C={c:<4} 5-fold on write {np.mean(scores):.3f}  check {on_check:.3f}")


if __name__ == "__main__":
    main()
