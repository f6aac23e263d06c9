"""The classifier compiled by mypyc: the same matches as its sources, and never a stale build."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.typecheck import MAPPED, linked_layout
from vigia.classify import native

ROOT = Path(__file__).resolve().parents[1]
# Classifies every line of the files given and prints the build that ran, then the matches.
CLASSIFY_ALL = """
import json, sys
from vigia.classify import Classifier, load_demands, native
from vigia.classify.evaluate import gold_item
classifier = Classifier(load_demands(sys.argv[1]))
found = []
for path in sys.argv[2:]:
    for line in open(path, encoding="utf-8"):
        item = gold_item(json.loads(line))
        found.append([[m.demand_id, m.stance, m.score, m.evidence, m.evidence_field, m.evidence_start,
                       m.evidence_end, m.rule]
                      for m in classifier.classify(item)])
print(native.build())
print(json.dumps(found))
"""
WHICH_BUILD = "from vigia.classify import native; print(native.build())"


@pytest.fixture(scope="module")
def compiled() -> None:
    if not native.is_current():
        if os.environ.get("VIGIA_REQUIRE_COMPILED"):
            pytest.fail("the classifier is not compiled: `make compile` failed (see its output)")
        pytest.skip("the classifier is not compiled (`make compile` needs a C compiler)")


def _run(code: str, *args: str, compiled: bool = True, path: Path | None = None):
    env = {**os.environ, "VIGIA_COMPILED": "1" if compiled else "0"}
    prefix = f"import sys; sys.path.insert(0, {str(path)!r}); " if path else ""
    done = subprocess.run(
        [sys.executable, "-c", prefix + code, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def test_compiled_classifier_finds_what_its_sources_find(compiled: None) -> None:
    data = [str(ROOT / "eval/dev.jsonl"), str(ROOT / "eval/constructed.jsonl")]
    demands = str(ROOT / "demands.yaml")
    fast = _run(CLASSIFY_ALL, demands, *data).stdout.splitlines()
    slow = _run(CLASSIFY_ALL, demands, *data, compiled=False).stdout.splitlines()
    assert (fast[0], slow[0]) == ("compiled (mypyc)", "Python sources")
    fast_matches, slow_matches = json.loads(fast[1]), json.loads(slow[1])
    assert len(fast_matches) > 700 and sum(map(len, fast_matches)) > 500
    assert fast_matches == slow_matches


# Constructed, not recorded: texts no source sent, at the edges of what the reader handles.
ODD_TEXTS = [
    "",
    " ",
    "...",
    "¿?¡!—“”«»",
    "arraigo",
    "ARRAIGO" * 500,
    "a" * 20_000,
    "El Senado aprobó eliminar el arraigo." * 300,
    "no no no no se no ha no eliminó el arraigo, que que que obliga",
    "Se\u0301 expide la Ley Nacional del Registro de Detenciones\u200b.",
    "1999 2014 en 2012 hace años desaparición forzada 2099 en en en",
    "por por por por la SEDENA por el fuero militar que promovieron los",
    "\ud800 tortura \udfff Protocolo de Estambul",
    "ｔｏｒｔｕｒａ en México: la CNDH condena",
    "Torture\n\n\nIstanbul Protocol\r\nMexico rejected the rapporteur's findings.",
]


def test_compiled_classifier_reads_odd_texts_as_its_sources_do(
    compiled: None, tmp_path: Path
) -> None:
    odd = tmp_path / "odd.jsonl"
    rows = [
        {"id": f"odd-{n}", "title": title, "body": body, "lang": "es", "source_kind": kind}
        for n, (title, body, kind) in enumerate(
            (a, b, kind) for a in ODD_TEXTS[:6] for b in ODD_TEXTS for kind in ("gazette", "press")
        )
    ]
    odd.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    demands = str(ROOT / "demands.yaml")
    fast = _run(CLASSIFY_ALL, demands, str(odd)).stdout.splitlines()
    slow = _run(CLASSIFY_ALL, demands, str(odd), compiled=False).stdout.splitlines()
    assert json.loads(fast[1]) == json.loads(slow[1])
    assert any(json.loads(fast[1])), "no odd text named a demand: the test reads nothing"


def _checkout_copy(tmp_path: Path) -> Path:
    """A checkout whose classify/ is a copy (with its build), its other folders linked."""
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    (checkout / "vigia").symlink_to(ROOT / "vigia")
    for folder in MAPPED:
        if folder != "classify":
            (checkout / folder).symlink_to(ROOT / folder)
    shutil.copytree(
        ROOT / "classify", checkout / "classify", ignore=shutil.ignore_patterns("__pycache__")
    )
    return linked_layout(tmp_path / "layout", checkout)


def test_an_edited_source_runs_instead_of_its_older_build(compiled: None, tmp_path: Path) -> None:
    layout = _checkout_copy(tmp_path)
    assert _run(WHICH_BUILD, path=layout).stdout.strip() == "compiled (mypyc)"

    with open(tmp_path / "checkout/classify/reading.py", "a", encoding="utf-8") as source:
        source.write("\n# edited after the build\n")
    ran = _run(WHICH_BUILD, path=layout)
    assert ran.stdout.strip() == "Python sources"
    assert "changed since they were compiled" in ran.stderr


def test_a_build_missing_a_module_is_not_used(compiled: None, tmp_path: Path) -> None:
    layout = _checkout_copy(tmp_path)
    folder = tmp_path / "checkout/classify"
    next(folder.glob("text.*.so")).unlink()
    assert not native.is_current(folder)
    assert _run(WHICH_BUILD, path=layout).stdout.strip() == "Python sources"
