"""The store's contract, held by both backends: the DuckDB file and a DuckLake on a real
PostgreSQL catalog. Every test runs once per backend (the ``storage`` fixture).

Items here are constructed (named so below), shaped like the gazette's recorded ones.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from vigia.core.errors import StorageError
from vigia.core.model import Item, Match, Notice
from vigia.scrapers.base import SourceResult
from vigia.storage import DuckLake, Storage, export, run_query
from vigia.storage.db import MIGRATIONS

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def constructed_item(
    n: int, text: str = "Se expide la Ley Nacional del Registro de Detenciones."
) -> Item:
    """A constructed gazette item (not a recorded one)."""
    return Item(
        source="gazette",
        kind="gazette",
        external_id=f"99000{n:04d}",
        url=f"https://sidof.segob.gob.mx/notas/99000{n:04d}",
        title=f"DECRETO número {n}",
        text=text,
        published=date(2019, 5, 27),
        lang="es",
        meta={"edition": "MAT"},
    )


def match_of(item: Item, demand: str = "detention-registry") -> Match:
    """A match of an item, as the classifier records them."""
    return Match(
        item.id,
        demand,
        "advance",
        0.9,
        item.text,
        "text",
        0,
        10,
        "rule",
        "v1",
    )


def test_a_new_store_is_migrated_to_the_last_version(storage: Storage) -> None:
    with storage.open() as store:
        versions = [
            row[0]
            for row in store.conn.execute("SELECT version FROM _migrations ORDER BY 1").fetchall()
        ]
    assert versions == [version for version, _, _ in MIGRATIONS]


def test_items_are_stored_once_and_changed_texts_are_versioned(storage: Storage) -> None:
    first = [constructed_item(n) for n in range(3)]
    with storage.open() as store:
        report = store.items.upsert(first, NOW)
    assert len(report.new_ids) == 3
    changed = constructed_item(1, text="Texto corregido del decreto.")
    with storage.open() as store:
        again = store.items.upsert([*first[::2], changed], NOW + timedelta(hours=1))
    assert (again.new_ids, again.changed_ids, again.unchanged) == ([], [changed.id], 2)
    columns, rows = run_query(storage, "SELECT id, version FROM items ORDER BY id", live=True)
    assert sorted(rows) == sorted([(first[0].id, 1), (changed.id, 2), (first[2].id, 1)])
    _, versions = run_query(storage, "SELECT count(*) FROM item_versions", live=True)
    assert versions == [(4,)]


def test_a_match_alerts_once_per_destination(storage: Storage) -> None:
    item = constructed_item(7)
    with storage.open() as store:
        store.items.upsert([item], NOW)
        new = store.matches.record([item], [match_of(item)], "v1", NOW)
        routes = {"detention-registry": ["#vigia-detencion", "email:team@example.org"]}
        added = store.outbox.enqueue_alerts(new, routes, NOW)
        added_again = store.outbox.enqueue_alerts(new, routes, NOW)
        renewed = store.matches.record([item], [match_of(item)], "v1", NOW)
    assert (added, added_again, renewed) == (2, 0, [])


def test_a_row_is_claimed_once_and_a_digest_carries_its_alerts(storage: Storage) -> None:
    items = [constructed_item(n) for n in range(2)]
    routes = {"detention-registry": ["#vigia-detencion"]}
    with storage.open() as store:
        store.items.upsert(items, NOW)
        new = store.matches.record(items, [match_of(i) for i in items], "v1", NOW)
        store.outbox.enqueue_alerts(
            new, routes, NOW, tiers={(i.id, "detention-registry"): "digest" for i in items}
        )
        members = [a.key for a in store.outbox.digest_alerts()]
        queued = store.outbox.queue_digest(
            "digest:1", "#vigia-detencion", members, {"content": "digest"}, NOW
        )
        queued_again = store.outbox.queue_digest("digest:1", "#vigia-detencion", members, {}, NOW)
        first, second = store.outbox.claim("digest:1", NOW), store.outbox.claim("digest:1", NOW)
        kind, carried = store.outbox.mark_sent("digest:1", "console", "C1", "1.0", NOW)
    assert (queued, queued_again, first, second) == (True, False, True, False)
    assert (kind, carried) == ("digest", 2)
    assert run_query(storage, "SELECT status, count(*) FROM alerts GROUP BY 1", live=True)[1] == [
        ("sent", 3)
    ]


def test_notices_and_messages_are_queued_once(storage: Storage) -> None:
    notice = Notice("health:gazette:1", "health", "gazette", "#vigia-ops", "DOF unreachable")
    with storage.open() as store:
        counts = [store.outbox.enqueue_notice(notice, NOW) for _ in range(2)]
        queued = [
            store.outbox.queue_message("status:1", "status", "#x", {"a": 1}, NOW) for _ in range(2)
        ]
        due = store.outbox.due_notices(NOW)
    assert counts == [1, 0] and queued == [True, False]
    assert [n.summary for n in due] == ["DOF unreachable"]


def test_source_state_counts_failures_and_keeps_validators(storage: Storage) -> None:
    failed = SourceResult("corteidh", error="timeout")
    ok = SourceResult(
        "corteidh", items=[constructed_item(1)], validators={"https://x/1": ("e1", None)}
    )
    with storage.open() as store:
        store.sources.record_result(failed, NOW)
        twice = store.sources.record_result(failed, NOW)
        recovered = store.sources.record_result(ok, NOW)
        store.sources.record_result(
            SourceResult("corteidh", not_modified=1, validators={"https://x/1": ("e2", "Mon")}), NOW
        )
        validators = store.sources.validators("corteidh")
    assert twice["consecutive_failures"] == 2 and twice["health_status"] == "ok"
    assert recovered["consecutive_failures"] == 0 and recovered["last_error"] is None
    assert validators == {"https://x/1": ("e2", "Mon")}


def test_final_days_checkpoints_and_snapshots_are_recorded_once(storage: Storage) -> None:
    days = [date(2026, 11, 1), date(2026, 11, 2)]
    with storage.open() as store:
        added = store.sources.record_final_days("gazette", days, NOW)
        again = store.sources.record_final_days("gazette", [*days, date(2026, 11, 3)], NOW)
        for _ in range(2):
            store.sources.record_checkpoint("job", "gazette", days[0], days[1], 5, 2, NOW)
        store.sources.save_snapshots("watch", {"page": "v1"}, NOW)
        store.sources.save_snapshots("watch", {"page": "v2"}, NOW)
        chunks, snapshots = store.sources.done_chunks("job"), store.sources.snapshots("watch")
    assert (added, again) == (2, 1)
    assert chunks == {days[0]} and snapshots == {"page": "v2"}


def test_researchers_views_and_macros_answer(storage: Storage) -> None:
    with storage.open() as store:
        store.items.upsert([constructed_item(1)], NOW)
    _, rows = run_query(storage, "SELECT count(*) FROM demand_status_now", live=True)
    assert rows == [(0,)]  # no demands copied yet: an empty answer, not an error
    _, rows = run_query(
        storage,
        "SELECT * FROM demand_status_as_of(TIMESTAMPTZ '2020-01-01 00:00:00+00')",
        live=True,
    )
    assert rows == []
    _, rows = run_query(storage, "SELECT source, items FROM items_by_source_day", live=True)
    assert rows == [("gazette", 1)]


def test_the_sandbox_holds_on_both(storage: Storage) -> None:
    with storage.open() as store:
        store.items.upsert([constructed_item(1)], NOW)
    for sql, refused in (
        ("DELETE FROM items", "only SELECT"),
        ("SELECT * FROM read_csv('/etc/passwd')", "disabled"),
        ("SELECT * FROM postgres_query('x', 'SELECT 1')", "outside the store"),
        ("SELECT * FROM query('SELECT 1')", "outside the store"),
        ("EXPLAIN ANALYZE SELECT * FROM postgres_query('x', 'SELECT 1')", "outside the store"),
    ):
        with pytest.raises(StorageError, match=refused):
            run_query(storage, sql, live=True)


def test_export_writes_every_table(storage: Storage, tmp_path: Path) -> None:
    with storage.open() as store:
        store.items.upsert([constructed_item(1)], NOW)
    files = export(storage, tmp_path / "out", "csv", live=True)
    assert (tmp_path / "out" / "items.csv") in files
    assert "DECRETO número 1" in (tmp_path / "out" / "items.csv").read_text()


def test_the_last_run_of_a_process_is_its_own(storage: Storage) -> None:
    with storage.open() as store:
        store.runs.start("r1", "run", NOW, "host-a", 10)
        store.runs.start("r2", "run", NOW + timedelta(seconds=1), "host-b", 10)
        store.runs.finish("r1", "ok", {"sent": 1}, NOW)
        mine, latest = store.runs.last("host-a", 10), store.runs.last()
    assert mine is not None and latest is not None
    assert (mine["run_id"], mine["summary"], latest["run_id"]) == ("r1", {"sent": 1}, "r2")


# -- the lake across processes ----------------------------------------------------------------

WORKER = textwrap.dedent(
    """
    import json, sys
    from datetime import UTC, datetime
    from tests.test_store_contract import constructed_item
    from vigia.storage import DuckLake

    lake = DuckLake(sys.argv[1], sys.argv[2])
    now = datetime.now(UTC)
    claimed = []
    for n in range(40):
        with lake.open() as store:
            store.items.upsert([constructed_item(n)], now)
        with lake.open() as store:
            if store.outbox.claim(f"status:{n}", now):
                claimed.append(n)
    print(json.dumps(claimed))
    """
)


def test_two_processes_on_one_lake_store_each_item_once_and_claim_each_row_once(
    lake: DuckLake,
) -> None:
    with lake.open() as store:
        for n in range(40):
            store.outbox.queue_message(f"status:{n}", "status", "#x", {}, NOW)
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, lake.catalog, str(lake.data_path)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [worker.communicate(timeout=300) for worker in workers]
    assert [w.returncode for w in workers] == [0, 0], [err for _, err in outputs]
    claims = [json.loads(out) for out, _ in outputs]
    assert sorted(claims[0] + claims[1]) == list(range(40))  # every row claimed, none twice
    _, rows = run_query(lake, "SELECT count(*), count(DISTINCT id) FROM items")
    assert rows == [(40, 40)]


def test_a_reader_of_a_lake_that_does_not_exist_is_told_so(postgres) -> None:  # noqa: ANN001
    lake = DuckLake(postgres.new_database())
    with pytest.raises(StorageError, match="no lake at that catalog yet"):
        run_query(lake, "SELECT 1")


def test_a_mistyped_store_setting_is_refused_with_the_forms() -> None:
    from vigia.config import load_settings
    from vigia.core.errors import ConfigError

    with pytest.raises(ConfigError, match="ducklake:postgres:<libpq connection string>"):
        load_settings({"VIGIA_STORE": "postgres://db/vigia"})
    with pytest.raises(ConfigError, match="^VIGIA_STORE=") as refused:
        load_settings({"VIGIA_STORE": "postgresql://vigia:hunter2@db/vigia"})
    assert "hunter2" not in str(refused.value)


def test_a_compaction_elsewhere_does_not_break_the_next_unit_of_work(lake: DuckLake) -> None:
    # Another process's handle on the same lake (no data path given: it reads it from the
    # catalog); its compaction writes out inlined rows and drops the catalog tables that held
    # them, which this process's attached connection still knew.
    elsewhere = DuckLake(lake.catalog)
    with lake.open() as store:
        store.items.upsert([constructed_item(n) for n in range(3)], NOW)
    elsewhere.compact(timedelta(0))
    with lake.open() as store:
        store.items.upsert([constructed_item(3)], NOW)
        assert store.items.per_source() == {"gazette": 4}


def test_a_catalog_password_never_shows_in_what_vigia_prints() -> None:
    from tests.polling import free_port

    closed = free_port()  # nothing listens there
    for catalog in (
        f"dbname=vigia host=127.0.0.1 port={closed} user=vigia password=hunter2",
        f"postgresql://vigia:hunter2@127.0.0.1:{closed}/vigia",
    ):
        lake = DuckLake(catalog, "/nonexistent/")
        assert "hunter2" not in lake.location
        with pytest.raises(StorageError) as refused:
            run_query(lake, "SELECT 1")
        assert "hunter2" not in str(refused.value)


OPENER = textwrap.dedent(
    """
    import sys
    from vigia.storage import DuckLake
    with DuckLake(sys.argv[1], sys.argv[2]).open() as store:
        store.items.per_source()
    """
)


def test_processes_opening_a_new_lake_at_the_same_moment_all_succeed(lake: DuckLake) -> None:
    openers = [
        subprocess.Popen(
            [sys.executable, "-c", OPENER, lake.catalog, str(lake.data_path)],
            cwd=ROOT,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(6)
    ]
    errors = [opener.communicate(timeout=300)[1] for opener in openers]
    assert [o.returncode for o in openers] == [0] * 6, errors
