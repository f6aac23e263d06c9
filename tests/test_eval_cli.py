"""`vigia eval` and `vigia classify` on a small constructed gold file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vigia import cli

GOLD = Path(__file__).parent / "fixtures" / "gold_small.constructed.jsonl"


def test_eval_prints_scores_stance_and_wrong_items(capsys: pytest.CaptureFixture):
    assert cli.main(["eval", str(GOLD)]) == 0
    out = capsys.readouterr().out
    assert "relevance micro P 1.00 R 0.67 F1 0.80; macro F1 0.67" in out
    assert "stance accuracy on correctly found matches 0.50 (2 pairs)" in out
    assert "negatives flagged 0/1 (0.0%)" in out
    assert "stance confusion (gold → found): advance→advance 1, regress→mention 1" in out
    assert "items wrong: 2 of 4" in out
    assert '"id": "c2"' in out and '"id": "c4"' in out and '"id": "c1"' not in out
    detention = next(line for line in out.splitlines() if line.startswith("detention-registry"))
    assert detention.split()[1:4] == ["1.00", "1.00", "1.00"]


def test_classify_writes_one_line_of_matches_per_item(tmp_path: Path):
    out = tmp_path / "matches.jsonl"
    assert cli.main(["classify", "--in", str(GOLD), "--out", str(out)]) == 0
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [line["id"] for line in lines] == ["c1", "c2", "c3", "c4"]
    [match] = lines[0]["matches"]
    assert (match["demand"], match["stance"]) == ("detention-registry", "advance")
    assert match["evidence"] == "Se expide la Ley Nacional del Registro de Detenciones."
    assert lines[2]["matches"] == [] and lines[3]["matches"] == []


def test_classify_names_the_broken_line(tmp_path: Path, capsys: pytest.CaptureFixture):
    broken = tmp_path / "in.jsonl"
    broken.write_text('{"id": "a", "title": "x"}\n{not json\n', encoding="utf-8")
    assert cli.main(["classify", "--in", str(broken), "--out", str(tmp_path / "o.jsonl")]) == 2
    assert "in.jsonl:2: not JSON" in capsys.readouterr().err
