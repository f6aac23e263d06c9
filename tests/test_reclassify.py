"""`vigia reclassify` after demands.yaml changes: what changed, and no alert sent twice.

The items are constructed (short texts written for the test), stored in a real DuckDB file.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.constructed import REGISTRY_DECREE
from tests.constructed import item as _item
from vigia import cli, dispatch, pipeline
from vigia.alerts import ConsoleChannel
from vigia.config import load_settings
from vigia.storage import open_store, run_query

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


ITEMS = [
    REGISTRY_DECREE,
    _item(
        "debate",
        "news",
        "Diputados debaten el arraigo en México",
        "La Cámara de Diputados discute una reforma sobre el arraigo de detenidos.",
    ),
    _item(
        "arrests",
        "news",
        "Policía de México anota a las personas arrestadas",
        "La policía de México lleva un padrón de personas arrestadas en cada operativo.",
    ),
]


def _edit(demands: Path) -> None:
    """Three edits an operator might make: a new term, a new cue and a new exclusion."""
    text = demands.read_text(encoding="utf-8")
    edits = {
        # The third item now matches the detention registry.
        "           registro inmediato de la detención, registro de personas detenidas]": (
            "           registro inmediato de la detención, registro de personas detenidas,"
            " padrón de personas arrestadas]"
        ),
        # "una reforma sobre el arraigo" now counts as a regress: the second item changes stance.
        "        es: [amplía el arraigo, ampliación del arraigo,": (
            "        es: [una reforma sobre el arraigo, amplía el arraigo, ampliación del arraigo,"
        ),
        # The decree's sentence is now excluded: its match is dropped.
        "    text: >-\n      Establish an accessible national database recording all detentions.": (
            "    text: >-\n      Establish an accessible national database recording all detentions."
            "\n    exclude:\n      es: [se expide la ley nacional]"
        ),
    }
    for old, new in edits.items():
        assert old in text, old
        text = text.replace(old, new)
    demands.write_text(text, encoding="utf-8")


@pytest.fixture()
def store_with_alerts_sent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    demands = tmp_path / "demands.yaml"
    demands.write_text((ROOT / "demands.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    db = tmp_path / "v.duckdb"
    monkeypatch.setenv("VIGIA_DEMANDS", str(demands))
    settings = load_settings(db_path=str(db), sources_config={})
    with open_store(db) as store:
        store.items.upsert(ITEMS, NOW)
    pipeline.classify_pending(settings)
    first = pipeline.dispatch_alerts(settings, ConsoleChannel(io.StringIO()))
    assert first.alerts_at_once == 1  # the decree (and its status change: published)
    # The arraigo debate (press, a mention) waits for the daily digest.
    assert len(dispatch.build_digests(settings)) == 1
    assert pipeline.dispatch_alerts(settings, ConsoleChannel(io.StringIO())).digests == 1
    return settings, demands, db


def _stances(db: Path) -> dict[str, str]:
    _, rows = run_query(
        db,
        "SELECT i.external_id, m.stance FROM matches m JOIN items i ON i.id = m.item_id",
    )
    return dict(rows)


def test_reclassify_reports_new_dropped_and_changed_and_alerts_nothing_twice(
    store_with_alerts_sent, capsys: pytest.CaptureFixture
):
    settings, demands, db = store_with_alerts_sent
    assert _stances(db) == {"decree": "advance", "debate": "mention"}
    _edit(demands)

    assert cli.main(["--db", str(db), "reclassify", "--dry-run"]) == 0
    dry = capsys.readouterr().out
    assert "would change: 1 new, 1 dropped, 1 stance changed" in dry
    assert _stances(db) == {"decree": "advance", "debate": "mention"}  # nothing written

    assert cli.main(["--db", str(db), "reclassify"]) == 0
    out, err = capsys.readouterr()
    assert "reclassify: 3/3 · items" in err  # progress goes to stderr, out stays the report
    assert "reclassified 3 item(s); 2 match(es) now" in out
    assert "changed: 1 new, 1 dropped, 1 stance changed" in out
    lines = out.splitlines()
    assert any(
        line.split()[:5] == ["new", "detention-registry", "-", "->", "mention"] for line in lines
    )
    assert any(
        line.split()[:5] == ["dropped", "detention-registry", "advance", "->", "-"]
        for line in lines
    )
    assert any(
        line.split()[:5] == ["stance", "arraigo-abolition", "mention", "->", "regress"]
        for line in lines
    )
    assert "alerts: 0 queued, 1 recorded without sending" in out
    assert _stances(db) == {"debate": "regress", "arrests": "mention"}

    # The changed stance and the old item's new match send nothing; a second pass has no work.
    assert pipeline.dispatch_alerts(settings, ConsoleChannel(io.StringIO())).alerts_at_once == 0
    assert cli.main(["--db", str(db), "reclassify"]) == 0
    assert "reclassified 0 item(s)" in capsys.readouterr().out


def test_reclassify_alert_new_queues_the_new_match_once(store_with_alerts_sent, capsys):
    settings, demands, db = store_with_alerts_sent
    _edit(demands)
    assert cli.main(["--db", str(db), "reclassify", "--alert-new"]) == 0
    assert "alerts: 1 queued, 0 recorded without sending" in capsys.readouterr().out
    # A press mention: it goes out with the next digest, once.
    assert len(dispatch.build_digests(settings)) == 1
    assert pipeline.dispatch_alerts(settings, ConsoleChannel(io.StringIO())).sent == 1
    assert cli.main(["--db", str(db), "reclassify", "--all", "--alert-new"]) == 0
    assert dispatch.build_digests(settings) == []
    assert pipeline.dispatch_alerts(settings, ConsoleChannel(io.StringIO())).sent == 0


def test_classify_detects_the_language_of_lines_that_do_not_give_it(tmp_path: Path):
    source = tmp_path / "in.jsonl"
    lines = [
        {
            "id": "en-1",
            "source_kind": "news",
            "title": "Mexico's Congress approves the general law against torture",
            "body": "The Mexican Congress approved the general law against torture on Wednesday.",
        },
        {"id": "es-1", "source_kind": "news", "title": "Nada que ver", "body": "Hoy llovió mucho."},
    ]
    source.write_text("\n".join(json.dumps(line) for line in lines), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert cli.main(["classify", "--in", str(source), "--out", str(out)]) == 0
    first, second = (json.loads(line) for line in out.read_text(encoding="utf-8").splitlines())
    assert (first["lang"], second["lang"]) == ("en", "es")
    [match] = first["matches"]
    assert (match["demand"], match["stance"]) == ("torture-investigation-istanbul", "advance")
    assert second["matches"] == []
