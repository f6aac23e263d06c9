"""`vigia eval` and `vigia classify` on a small constructed gold file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vigia import cli
from vigia.classify import load_demands

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


def _split_folder(tmp_path: Path, check_share: float) -> Path:
    gold = tmp_path / "dev.jsonl"
    gold.write_text(GOLD.read_text(encoding="utf-8"), encoding="utf-8")
    split = {"seed": "test-seed", "check_share": check_share, "read_before_split": ["c1"]}
    (tmp_path / "split.json").write_text(json.dumps(split), encoding="utf-8")
    return gold


def test_split_keeps_items_read_before_it_in_the_write_part():
    from vigia.classify.evaluate import Split

    everything_checked = Split("seed", 1.0, frozenset({"c1"}))
    assert everything_checked.part_of("c1") == "write"
    assert everything_checked.part_of("c2") == "check"
    # The part depends on the id and the seed only, so items added later keep the old split.
    half = Split("seed", 0.5, frozenset())
    parts = {f"item-{n}": half.part_of(f"item-{n}") for n in range(200)}
    assert parts == {f"item-{n}": half.part_of(f"item-{n}") for n in range(200)}
    assert 60 < list(parts.values()).count("check") < 140


def test_eval_scores_both_parts_and_withholds_the_check_part(tmp_path: Path, capsys):
    gold = _split_folder(tmp_path, check_share=1.0)  # c1 written from; c2, c3, c4 checked
    assert cli.main(["eval", str(gold)]) == 0
    out = capsys.readouterr().out
    summary = {line.split()[0]: line.split() for line in out.splitlines()[:7] if line}
    assert summary["write"][1] == "1" and summary["check"][1] == "3"
    assert summary["write"][2] == "1.000"  # the decree, found with its stance
    assert "gap in micro-F1, write part minus check part: +" in out
    assert "end-to-end recall (right demand and stance): advance 1/1 (1.00), regress 0/1" in out
    # The stance confusion as a matrix: gold per row, found per column.
    assert any(line.split() == ["regress", "0", "0", "1"] for line in out.splitlines())
    # Wrong items of the check part are counted, not shown.
    assert '"id": "c2"' not in out and "--show-check lists them" in out
    assert cli.main(["eval", str(gold), "--show-check"]) == 0
    assert '"id": "c2"' in capsys.readouterr().out


def test_eval_shows_a_dash_where_a_part_has_nothing_to_score(tmp_path: Path, capsys):
    gold = _split_folder(tmp_path, check_share=0.0)  # every item in the write part
    assert cli.main(["eval", str(gold)]) == 0
    out = capsys.readouterr().out
    summary = {line.split()[0]: line.split() for line in out.splitlines()[:7] if line}
    assert summary["check"] == ["check", "0", "-", "-", "-", "-", "-", "-", "-"]
    assert summary["write"][2] != "-"
    # No gap, and no interval, between a part and an empty one.
    assert "gap in micro-F1" not in out and "  gap " not in out


def test_eval_gives_each_figure_an_interval_that_holds_it(tmp_path: Path, capsys):
    assert cli.main(["eval", str(GOLD)]) == 0
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if line.startswith("  all ") and " to " in line)
    words = line.split()
    micro = (float(words[2]), float(words[4]))
    assert micro[0] <= 0.80 <= micro[1] and micro[0] < micro[1]  # 4 items: a wide interval
    # Seeded: the same file prints the same intervals.
    assert cli.main(["eval", str(GOLD)]) == 0
    assert line in capsys.readouterr().out
    gold = _split_folder(tmp_path, check_share=1.0)
    assert cli.main(["eval", str(gold)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [w.split()[0] for w in lines if w.startswith("  ") and " to " in w] == [
        "all",
        "write",
        "check",
        "gap",
    ]


def test_intervals_narrow_as_items_grow_and_vanish_when_all_agree():
    from vigia.classify.evaluate import Outcome, intervals, score

    def outcomes(n: int) -> list[Outcome]:
        # Constructed: half the items found with the right stance, half missed.
        return [Outcome(k, {"arraigo-abolition": "advance"}, {}) for k in range(n)] + [
            Outcome(n + k, {"arraigo-abolition": "advance"}, {"arraigo-abolition": "advance"})
            for k in range(n)
        ]

    few, many = (intervals([score(outcomes(n), ["arraigo-abolition"])])[0] for n in (5, 500))
    assert (
        few["micro-F1"][0] < many["micro-F1"][0] < 0.667 < many["micro-F1"][1] < few["micro-F1"][1]
    )
    assert few["stance"] == many["stance"] == (1.0, 1.0)
    right = score(outcomes(5)[5:], ["arraigo-abolition"])
    left = score(outcomes(5), ["arraigo-abolition"])
    *_, gap = intervals([right, left])
    assert 0 < gap["micro-F1"][0] <= gap["micro-F1"][1] <= 1


def test_eval_names_a_missing_file(tmp_path: Path, capsys):
    assert cli.main(["eval", str(tmp_path / "nothing.jsonl")]) == 2
    assert "nothing.jsonl: cannot read (No such file" in capsys.readouterr().err


def test_eval_defaults_to_the_repository_file(capsys):
    assert cli.main(["eval"]) == 0
    out = capsys.readouterr().out
    assert "eval/dev.jsonl (241 items)" in out
    assert out.count("\n== ") == 3  # all items, check part, write part


def test_constructed_sentences_score_against_the_demands_they_name(capsys):
    """Every label of eval/constructed.jsonl names a demand of demands.yaml, so none is scored
    against a demand that no longer exists (a renamed id would show as a missed label)."""
    root = Path(__file__).resolve().parents[1]
    demand_ids = {d.id for d in load_demands(root / "demands.yaml").demands}
    rows = [json.loads(line) for line in (root / "eval/constructed.jsonl").open(encoding="utf-8")]
    assert {label["demand"] for row in rows for label in row["labels"]} <= demand_ids
    assert all("constructed" in row["note"] for row in rows)
    assert cli.main(["eval", str(root / "eval/constructed.jsonl"), "--no-split"]) == 0
    assert f"eval/constructed.jsonl ({len(rows)} items)" in capsys.readouterr().out
