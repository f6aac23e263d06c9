"""Benchmark: the lake store beside the DuckDB file, measured side by side in one run.

1. The README's queries on a generated store of 1 million items (bench/queries.py builds it),
   copied into a lake with `vigia store migrate`'s copy: seconds on each, and the ratio.
2. The cost of one small unit of work (open the store, queue one message, close): the file
   opens its file each time; the lake takes the writers' lock in PostgreSQL and commits to
   its catalog.
3. Two processes writing small units at once versus one: how far the writers' lock serialises.
4. Compaction of the lake after those small commits.

PostgreSQL is started from the machine's binaries, as the tests do (tests/postgres.py).

    .venv/bin/python bench/lake.py [--items 1000000] [--units 200]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from queries import generate, readme_queries  # noqa: E402

from tests.postgres import start_postgres  # noqa: E402
from vigia.storage import DuckDBFile, DuckLake, Storage, run_query  # noqa: E402

UNITS = textwrap.dedent(
    """
    import sys, time
    from datetime import UTC, datetime
    sys.path.insert(0, {root!r})
    from vigia.storage import DuckDBFile, DuckLake
    store = {store}
    now = datetime.now(UTC)
    for n in range({units}):
        with store.open() as s:
            s.outbox.queue_message(f"{{sys.argv[1]}}:{{n}}", "status", "#x", {{}}, now)
    """
)


def timed(action) -> float:  # noqa: ANN001
    """Seconds one call takes."""
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def queries(file: DuckDBFile, lake: DuckLake) -> None:
    """Each README query three times on each store, as `vigia query` runs it (a new read-only
    connection each time) and in an open session (one connection, the query alone)."""
    print("\nREADME queries, median of 3 (cold: a new connection each, as `vigia query`;")
    print("warm: in an open session); ratios lake/file:")
    cold, warm = [], []
    with file.read_connection(live=True) as file_session, lake.read_connection() as lake_session:
        for sql in readme_queries():
            file_cold = statistics.median(
                timed(partial(run_query, file.path, sql)) for _ in range(3)
            )
            lake_cold = statistics.median(timed(partial(run_query, lake, sql)) for _ in range(3))
            file_warm = statistics.median(
                timed(partial(_fetch, file_session, sql)) for _ in range(3)
            )
            lake_warm = statistics.median(
                timed(partial(_fetch, lake_session, sql)) for _ in range(3)
            )
            cold.append(lake_cold / file_cold)
            warm.append(lake_warm / file_warm)
            print(
                f"  cold file {file_cold:6.3f} lake {lake_cold:6.3f} ×{cold[-1]:5.2f}"
                f"  warm file {file_warm:6.3f} lake {lake_warm:6.3f} ×{warm[-1]:5.2f}  {sql[:50]}"
            )
    print(
        f"  geometric means: cold ×{statistics.geometric_mean(cold):.2f}, "
        f"warm ×{statistics.geometric_mean(warm):.2f}"
    )


def _fetch(conn: Any, sql: str) -> None:
    conn.execute(sql).fetchall()


def small_units(name: str, storage: Storage, units: int) -> list[float]:
    """Seconds per small unit of work (open, queue one message, commit, close)."""
    now = datetime.now(UTC)
    seconds = []
    for n in range(units):
        started = time.perf_counter()
        with storage.open() as store:
            store.outbox.queue_message(f"bench:{name}:{n}", "status", "#x", {}, now)
        seconds.append(time.perf_counter() - started)
    return seconds


def describe(label: str, seconds: list[float]) -> None:
    """Median and 95th percentile in milliseconds."""
    p95 = statistics.quantiles(seconds, n=20)[-1]
    print(
        f"  {label:<38} median {statistics.median(seconds) * 1e3:7.1f} ms  p95 {p95 * 1e3:7.1f} ms"
    )


def writers(store_code: str, processes: int, units: int) -> float:
    """Units per second when ``processes`` processes each write ``units`` small units at once."""
    code = UNITS.format(root=str(ROOT), store=store_code, units=units)
    started = time.perf_counter()
    running = [
        subprocess.Popen([sys.executable, "-c", code, f"w{processes}-{p}"], cwd=ROOT)
        for p in range(processes)
    ]
    for process in running:
        if process.wait() != 0:
            raise SystemExit("a writer failed")
    return processes * units / (time.perf_counter() - started)


def main() -> None:
    """Run the four measurements and print them."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--units", type=int, default=200)
    args = parser.parse_args()
    server = start_postgres()
    try:
        with tempfile.TemporaryDirectory() as scratch:
            file = DuckDBFile(Path(scratch) / "bench.duckdb")
            seconds = generate(file.path, args.items)
            print(f"generated file store: {args.items:,} items in {seconds:.1f} s")
            lake = DuckLake(server.new_database(), f"{scratch}/lake/")
            print(f"copied into the lake in {timed(lambda: lake.copy_from(file.path)):.1f} s")
            queries(file, lake)

            # Small units on new, empty stores of each kind: the same work on both.
            print(f"\nOne small unit of work ({args.units} in a row, one process, empty stores):")
            small_file = DuckDBFile(Path(scratch) / "small.duckdb")
            small_lake = DuckLake(server.new_database(), f"{scratch}/small-lake/")
            describe("DuckDB file", small_units("file", small_file, args.units))
            describe("lake (PostgreSQL catalog)", small_units("lake", small_lake, args.units))

            print(f"\nSmall units per second, {args.units} per process:")
            for label, code in (
                (
                    "DuckDB file",
                    f"DuckDBFile(__import__('pathlib').Path({str(small_file.path)!r}))",
                ),
                ("lake", f"DuckLake({small_lake.catalog!r}, {small_lake.data_path!r})"),
            ):
                one, two = writers(code, 1, args.units), writers(code, 2, args.units)
                print(
                    f"  {label:<12} 1 process {one:6.1f}/s  2 processes {two:6.1f}/s"
                    f"  ×{two / one:.2f}"
                )

            # The small lake after its 1,000 small commits: inlined rows and many snapshots.
            took = timed(lambda: print(f"\ncompaction: {small_lake.compact(timedelta(0))}"))
            print(f"compaction took {took:.1f} s")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
