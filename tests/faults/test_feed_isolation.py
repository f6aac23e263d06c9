"""One bad feed costs nothing but itself: its neighbours' items are stored, the source stays
healthy, and the feed gets its own failures and notices.

The good feed is one of the constructed replay feeds; the bad ones are a recorded HTML page
(the Corte IDH's advisory opinions) served where a feed should be, and a 503.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from pytest_httpserver import HTTPServer

from tests.conftest import LOCAL_HTTP_CONFIG, fixture_bytes
from vigia import pipeline
from vigia.config import load_settings
from vigia.storage import open_store, run_query


def test_an_html_page_and_a_failing_feed_cost_only_themselves(
    httpserver: HTTPServer, db_path: Path
) -> None:
    httpserver.expect_request("/good.xml").respond_with_data(
        fixture_bytes("replay/feeds/prensa-es.constructed.xml"), content_type="application/rss+xml"
    )
    httpserver.expect_request("/page.html").respond_with_data(
        fixture_bytes("corteidh/opiniones_consultivas_page.html"), content_type="text/html"
    )
    httpserver.expect_request("/down.xml").respond_with_data("down", status=503)
    feeds = [
        {"name": "good", "url": httpserver.url_for("/good.xml")},
        {"name": "html", "url": httpserver.url_for("/page.html")},
        {"name": "down", "url": httpserver.url_for("/down.xml")},
    ]
    config = {
        "http": LOCAL_HTTP_CONFIG,
        "health": {"channel": "#vigia-ops", "max_failures": 2},
        "sources": {"news": {"feeds": feeds}},
    }
    settings = load_settings({}, db_path=str(db_path), sources_config=config)

    reports = [pipeline.ingest_source(settings, "news") for _ in range(3)]
    first = reports[0]
    assert first.error is None and first.new > 0 and first.health == "ok"
    assert len(first.warnings) == 2
    assert any("html" in w and "unreadable" in w for w in first.warnings)
    assert any("503" in w for w in first.warnings)

    stored = run_query(db_path, "SELECT DISTINCT meta->>'feed' FROM items")[1]
    assert stored == [("good",)]
    health = dict(run_query(db_path, "SELECT source, consecutive_failures FROM source_state")[1])
    assert health == {"news": 0, "news/good": 0, "news/html": 3, "news/down": 3}
    notices = run_query(
        db_path, "SELECT payload->>'source' FROM alerts WHERE kind = 'health' ORDER BY 1"
    )[1]
    assert notices == [("news/down",), ("news/html",)]  # once each, none for the source
    # The digest's coverage lists the source and, of its feeds, only those failing.
    with open_store(db_path) as store:
        coverage = {
            row["source"]: row for row in store.outbox.coverage(datetime.now(UTC) - timedelta(1))
        }
    assert sorted(coverage) == ["news", "news/down", "news/html"]
    assert coverage["news"]["items_read"] == first.new and coverage["news/html"]["items_read"] == 0
