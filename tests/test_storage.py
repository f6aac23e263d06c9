"""The DuckDB store: migrations, idempotent upserts, versions, matches, outbox, state, locks."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest

from vigia.classify import Classifier, load_demands
from vigia.core.errors import StorageError
from vigia.core.model import Item
from vigia.scrapers.base import SourceResult
from vigia.storage import connect, open_store, run_query
from vigia.storage.db import MIGRATIONS

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def decree(text: str = "Se expide la Ley Nacional del Registro de Detenciones.") -> Item:
    return Item(
        source="gazette",
        kind="gazette",
        external_id="990000004",
        url="https://sidof.segob.gob.mx/notas/990000004",
        title="DECRETO por el que se expide la Ley Nacional del Registro de Detenciones.",
        text=text,
        published=date(2019, 5, 27),
        lang="es",
        meta={"edition": "VES"},
    )


def unrelated() -> Item:
    return Item(
        source="news",
        kind="news",
        external_id="n1",
        url="https://example.org/n1",
        title="Aumentan las remesas",
        text="Crecieron este año.",
        published=None,
        lang="es",
    )


def test_migrations_are_recorded_and_applied_once(db_path: Path):
    with connect(db_path) as conn:
        first = conn.execute("SELECT version, name FROM _migrations").fetchall()
    with connect(db_path) as conn:
        again = conn.execute("SELECT version FROM _migrations").fetchall()
    assert [v for v, _ in first] == [m[0] for m in MIGRATIONS]
    assert len(again) == len(first)


def test_upserting_the_same_items_twice_stores_them_once(db_path: Path):
    with open_store(db_path) as store:
        first = store.items.upsert([decree(), unrelated(), decree()], NOW)
        second = store.items.upsert([decree(), unrelated()], NOW)
        assert len(first.new_ids) == 2 and second.new_ids == [] and second.unchanged == 2
        assert store.items.count("items") == 2 and store.items.count("item_versions") == 2


def test_changed_content_becomes_a_new_version(db_path: Path):
    with open_store(db_path) as store:
        store.items.upsert([decree()], NOW)
        report = store.items.upsert([decree("Texto corregido del decreto.")], NOW)
        assert report.changed_ids == [decree().id]
    columns, rows = run_query(db_path, "SELECT version, text FROM item_versions ORDER BY version")
    assert rows == [
        (1, "Se expide la Ley Nacional del Registro de Detenciones."),
        (2, "Texto corregido del decreto."),
    ]


def test_matches_are_new_once_and_alerts_are_queued_once(db_path: Path):
    classifier = Classifier(load_demands(ROOT / "demands.yaml"))
    with open_store(db_path) as store:
        store.items.upsert([decree(), unrelated()], NOW)
        todo = store.items.to_classify(classifier.version)
        matches = [m for i in todo for m in classifier.classify(i)]
        new = store.matches.record(todo, matches, classifier.version, NOW)
        assert [m.demand_id for m in new] == ["detention-registry"]
        assert store.outbox.enqueue_alerts(new, {"detention-registry": ["#x"]}, NOW) == 1
        assert store.outbox.enqueue_alerts(new, {"detention-registry": ["#x"]}, NOW) == 0
        # A destination added later gets its own copy; the first keeps its key and is not resent.
        routes = {"detention-registry": ["#x", "email:team@example.org"]}
        assert store.outbox.enqueue_alerts(new, routes, NOW) == 1
        assert store.items.to_classify(classifier.version) == []
        # A corrected text is classified again, but the pair is not new: no second alert.
        store.items.upsert(
            [decree("Se expide la Ley Nacional del Registro de Detenciones. Fe de erratas.")], NOW
        )
        todo = store.items.to_classify(classifier.version)
        again = store.matches.record(
            todo, [m for i in todo for m in classifier.classify(i)], classifier.version, NOW
        )
        assert [i.id for i in todo] == [decree().id] and again == []
        first, second = store.outbox.due_alerts(NOW)
        assert first.item.meta == {"edition": "VES"} and first.channel == "#x"
        assert (
            second.channel == "email:team@example.org"
            and second.key == f"{first.key}>{second.channel}"
        )


def test_source_state_counts_failures_and_resets_on_success(db_path: Path):
    with open_store(db_path) as store:
        store.sources.record_result(SourceResult("news", error="boom"), NOW)
        store.sources.record_result(SourceResult("news", error="boom again"), NOW)
        assert store.sources.states()[0]["consecutive_failures"] == 2
        ok = SourceResult(
            "news", items=[unrelated()], validators={"https://f/x.xml": ('"e"', None)}
        )
        store.sources.record_result(ok, NOW)
        [state] = store.sources.states()
        assert state["consecutive_failures"] == 0 and state["items_last_seen"] == 1
        assert store.sources.validators("news") == {"https://f/x.xml": ('"e"', None)}


def test_query_is_read_only(db_path: Path):
    with open_store(db_path) as store:
        store.items.upsert([unrelated()], NOW)
    with pytest.raises(StorageError):
        run_query(db_path, "DELETE FROM items")
    assert run_query(db_path, "SELECT count(*) FROM items")[1] == [(1,)]


def test_query_without_a_store_says_how_to_make_one(tmp_path: Path):
    with pytest.raises(StorageError, match="vigia demo"):
        run_query(tmp_path / "none.duckdb", "SELECT 1")


def test_writer_waits_for_another_process_to_release_the_lock(db_path: Path):
    with open_store(db_path):
        pass
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True); "
                "time.sleep(1.5); c.close()"
            ),
            str(db_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    started = time.monotonic()
    with open_store(db_path, lock_timeout=20) as store:
        store.items.upsert([unrelated()], NOW)
    waited = time.monotonic() - started
    holder.wait(timeout=10)
    assert 0.5 < waited < 15
    assert run_query(db_path, "SELECT count(*) FROM items")[1] == [(1,)]


def test_lock_held_past_the_timeout_is_a_storage_error(db_path: Path):
    conn = duckdb.connect(str(db_path))
    try:
        holder = subprocess.run(
            [
                sys.executable,
                "-c",
                (
                    "import sys; from storage import open_store\n"
                    "try:\n    open_store(sys.argv[1], lock_timeout=0.5).__enter__()\n"
                    "except Exception as e:\n    print(type(e).__name__)"
                ),
                str(db_path),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=ROOT,
        )
    finally:
        conn.close()
    assert holder.stdout.strip() == "StorageError"


def test_a_changed_demands_file_reclassifies_everything_without_new_alerts(tmp_path: Path):
    import shutil

    from vigia import pipeline
    from vigia.config import load_settings

    demands = tmp_path / "demands.yaml"
    shutil.copy(ROOT / "demands.yaml", demands)
    settings = load_settings(
        {"VIGIA_DEMANDS": str(demands)}, db_path=str(tmp_path / "v.duckdb"), sources_config={}
    )
    with open_store(settings.db_path) as store:
        store.items.upsert([decree(), unrelated()], NOW)
    first = pipeline.classify_pending(settings)
    assert (first.classified, first.alerts_enqueued) == (2, 1)
    demands.write_text(
        demands.read_text(encoding="utf-8").replace(
            "      es: [registro nacional de detenciones,",
            "      es: [registro de personas detenidas, registro nacional de detenciones,",
        ),
        encoding="utf-8",
    )
    again = pipeline.classify_pending(settings)
    assert again.classified == 2 and again.new_matches == 0 and again.alerts_enqueued == 0
    assert pipeline.classify_pending(settings).classified == 0
