"""Benchmark: ingest and classify a large replay with one worker, then with two at once, on
each store (the DuckDB file, and a lake on PostgreSQL), side by side in one run.

The replay is constructed: 40 RSS feeds of 50 entries each (2,000 items) served from
127.0.0.1, whose titles and texts are the 241 real, hand-labelled items of eval/dev.jsonl
reused under new ids. One worker ingests all feeds and classifies; two workers each ingest
half of the feeds at the same moment, then one classifies (as the `process` deployment, one at a
time, would). Two workers reading one source would not happen in a deployment (one slot per
source): the split stands for two sources of the same size, and shows what the store's writers'
lock leaves of the parallelism.

    .venv/bin/python bench/workers.py [--feeds 40] [--entries 50]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from tests.postgres import start_postgres  # noqa: E402

WORKER = textwrap.dedent(
    """
    import json, sys, time
    sys.path.insert(0, {root!r})
    from vigia import pipeline
    from vigia.config import load_settings
    env, config, classify = json.loads(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3] == "1"
    settings = load_settings(env, sources_config=config)
    started = time.perf_counter()
    if config["sources"]["news"]["feeds"]:
        report = pipeline.ingest_source(settings, "news")
        assert report.ok, report.error
    ingested = time.perf_counter()
    if classify:
        pipeline.classify_pending(settings)
    print(json.dumps([ingested - started, time.perf_counter() - ingested]))
    """
)


def feeds(entries: int, count: int) -> dict[str, bytes]:
    """Constructed RSS feeds of real item texts, by path."""
    rows = [json.loads(line) for line in (ROOT / "eval" / "dev.jsonl").open(encoding="utf-8")]
    served = {}
    for f in range(count):
        items = []
        for e in range(entries):
            row = rows[(f * entries + e) % len(rows)]
            day = datetime(2026, 11, 1 + e % 28, 12, tzinfo=UTC)
            items.append(
                f"<item><title>{escape(row['title'])}</title>"
                f"<link>https://example.org/{f}/{e}</link><guid>bench-{f}-{e}</guid>"
                f"<pubDate>{format_datetime(day)}</pubDate>"
                f"<description>{escape(row['body'])}</description></item>"
            )
        channel = f"<channel><title>feed {f}</title>{''.join(items)}</channel>"
        served[f"/feed-{f}.xml"] = (
            f'<?xml version="1.0"?><rss version="2.0">{channel}</rss>'.encode()
        )
    return served


def serve(served: dict[str, bytes]) -> ThreadingHTTPServer:
    """Serve the feeds on 127.0.0.1 in a thread."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            body = served.get(self.path)
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def config(base: str, paths: list[str]) -> dict:
    """A sources config of these feeds only, with no politeness delay (all on one host)."""
    return {
        "http": {
            "min_interval": 0,
            "retries": 0,
            "respect_robots": False,
            "allow_addresses": ["127.0.0.1"],
        },
        "sources": {
            "news": {
                "feeds": [
                    {"name": p.strip("/").removesuffix(".xml"), "url": base + p, "lang": "es"}
                    for p in paths
                ],
                "extract_articles": False,
            }
        },
    }


def run(env: dict[str, str], configs: list[dict], classify_in_first: bool) -> tuple[float, list]:
    """Start one worker per config at once; return the wall time and each one's timings."""
    started = time.perf_counter()
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                WORKER.format(root=str(ROOT)),
                json.dumps(env),
                json.dumps(c),
                "1" if (classify_in_first and n == 0) else "0",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n, c in enumerate(configs)
    ]
    outputs = [w.communicate() for w in workers]
    for worker, (_, err) in zip(workers, outputs, strict=True):
        if worker.returncode:
            raise SystemExit(f"a worker failed ({worker.returncode}):\n{err[-3000:]}")
    timings = [json.loads(out) for out, _ in outputs]
    return time.perf_counter() - started, timings


def measure(label: str, store_env: dict[str, str], base: str, paths: list[str]) -> None:
    """One worker, then two, on fresh stores of one kind."""
    one_env, two_env = store_env["one"], store_env["two"]
    wall_one, [(ingest_one, classify_one)] = run(one_env, [config(base, paths)], True)
    halves = [paths[: len(paths) // 2], paths[len(paths) // 2 :]]
    wall_two, timings = run(two_env, [config(base, h) for h in halves], False)
    _, [(_, classify_two)] = run(two_env, [config(base, [])], True)
    print(
        f"  {label:<6} 1 worker: ingest {ingest_one:6.1f} s, classify {classify_one:5.1f} s"
        f" (wall {wall_one:5.1f} s) | 2 workers: ingest wall {wall_two:6.1f} s"
        f" ({timings[0][0]:.1f} s and {timings[1][0]:.1f} s), classify {classify_two:5.1f} s"
        f" | ingest 1/2 ×{ingest_one / wall_two:.2f}"
    )


def main() -> None:
    """Build the replay, start PostgreSQL, and measure both stores."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--feeds", type=int, default=40)
    parser.add_argument("--entries", type=int, default=50)
    args = parser.parse_args()
    served = feeds(args.entries, args.feeds)
    server = serve(served)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    paths = sorted(served)
    postgres = start_postgres()
    try:
        with tempfile.TemporaryDirectory() as scratch:
            print(f"{args.feeds} constructed feeds x {args.entries} entries of real texts:")
            files = {n: {"VIGIA_DB": f"{scratch}/{n}.duckdb"} for n in ("one", "two")}
            measure("file", files, base, paths)
            lakes = {
                n: {
                    "VIGIA_STORE": f"ducklake:postgres:{postgres.new_database()}",
                    "VIGIA_DATA_PATH": f"{scratch}/lake-{n}/",
                }
                for n in ("one", "two")
            }
            measure("lake", lakes, base, paths)
    finally:
        postgres.stop()
        server.shutdown()


if __name__ == "__main__":
    main()
