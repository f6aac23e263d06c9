"""Benchmark: the README's queries on a generated store of 1 million items.

The store is generated (not real data): 1,000,000 items over 2014–2026 across the five
sources, 10 % of them matched to a demand (stances and kinds in proportion), one status move
per 200 matches, an alert per match. It is built with the pipeline's migrations and filled
with bulk SQL, then every `vigia query` line of README.md is timed as a researcher would run it
(a new read-only connection each time).

    .venv/bin/python bench/queries.py [--items 1000000] [--keep PATH]
"""

from __future__ import annotations

import argparse
import shlex
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from vigia.classify import load_demands  # noqa: E402
from vigia.classify.campaigns import Campaigns  # noqa: E402
from vigia.storage import connect, open_store, run_query  # noqa: E402

SOURCES = ("gazette", "scjn", "scjn_press", "corteidh", "news")
KINDS = ("gazette", "court", "court", "court", "news")


def generate(path: Path, items: int) -> float:
    """Fill a new store with generated rows; return the seconds it took."""
    started = time.perf_counter()
    campaign = load_demands(ROOT / "demands.yaml")
    demands = [d.id for d in campaign.demands]
    with open_store(path) as store:
        store.statuses.sync_demands(Campaigns((campaign,), ("demands",)))
    with connect(path) as conn:
        conn.execute(
            f"""
            INSERT INTO items (id, source, kind, external_id, url, title, text, published, lang,
                               content_hash, meta, version, first_seen, last_seen, quiet, event_id)
            SELECT md5(i::VARCHAR), {_pick(SOURCES, "hash(i) % 5")}, {_pick(KINDS, "hash(i) % 5")},
                   i::VARCHAR, 'https://example.org/' || i, 'Generated item ' || i,
                   repeat('Texto generado para medir consultas. ', 5) || i,
                   DATE '2014-01-01' + CAST(i % 4700 AS INTEGER), 'es', md5('h' || i), '{{}}', 1,
                   TIMESTAMPTZ '2014-01-01' + to_days(CAST(i % 4700 AS INTEGER)),
                   TIMESTAMPTZ '2014-01-01' + to_days(CAST(i % 4700 AS INTEGER)), false,
                   md5(i::VARCHAR)
            FROM range({items}) t(i)"""
        )
        conn.execute(
            f"""
            INSERT INTO matches SELECT md5(i::VARCHAR), {_pick(demands, "hash(i + 1) % 12")},
                   {_pick(("advance", "regress", "mention", "mention"), "hash(i + 2) % 4")}, 0.5,
                   'Evidencia generada ' || i, 'text', 0, 20, 'generated', 'bench',
                   TIMESTAMPTZ '2014-01-01' + to_days(CAST(i % 4700 AS INTEGER))
            FROM range(0, {items}, 10) t(i)"""
        )
        conn.execute(
            """
            INSERT INTO alerts (key, kind, demand_id, item_id, channel, status, created_at,
                                sent_at, sent_via, tier, thread_key)
            SELECT 'match:' || demand_id || ':' || item_id, 'match', demand_id, item_id,
                   '#vigia-alerts', 'sent', matched_at, matched_at, 'slack', 'digest',
                   'match:' || demand_id || ':' || item_id
            FROM matches"""
        )
        conn.execute(
            """
            INSERT INTO status_changes
            SELECT m.demand_id, CASE WHEN m.stance = 'advance' THEN 'published' ELSE 'regressed'
                   END, i.published, m.matched_at, m.item_id, i.kind, i.source, i.url, i.title,
                   m.evidence, m.stance, 'generated', true, NULL, 'published'
            FROM matches m JOIN items i ON i.id = m.item_id
            WHERE m.stance <> 'mention' AND hash(m.item_id) % 200 = 0"""
        )
        conn.execute(
            f"""
            INSERT INTO source_state (source, last_attempt_at, last_success_at,
                                      consecutive_failures, items_last_seen)
            SELECT s, now(), now(), 0, {items // 5} FROM unnest({list(SOURCES)}) t(s)"""
        )
        conn.execute("CHECKPOINT")
    return time.perf_counter() - started


def _pick(values: tuple[str, ...] | list[str], index: str) -> str:
    listed = ", ".join(f"'{v}'" for v in values)
    return f"([{listed}])[CAST({index} AS INTEGER) + 1]"


def readme_queries() -> list[str]:
    """The SQL of every `vigia query` line in README.md."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return [
        shlex.split(line)[-1] for line in readme.splitlines() if line.startswith("vigia query ")
    ]


def main() -> None:
    """Generate the store, then print one timing line per README query."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--keep", help="write the store here and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(args.keep) if args.keep else Path(scratch) / "bench.duckdb"
        seconds = generate(path, args.items)
        size = path.stat().st_size / 1e6
        print(f"generated store: {args.items:,} items in {seconds:.1f} s, {size:.0f} MB")
        for sql in readme_queries():
            started = time.perf_counter()
            _, rows = run_query(path, sql)
            elapsed = time.perf_counter() - started
            print(f"{elapsed:7.3f} s {len(rows):>8} rows  {sql[:90]}")


if __name__ == "__main__":
    main()
