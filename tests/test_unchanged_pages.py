"""A page whose bytes did not change since the last run is not parsed again, even from a server
that sends no validators (the Corte IDH listings, served here by a local server from the
recorded advisory-opinions page); a changed page, or one whose run failed, is."""

from __future__ import annotations

from pathlib import Path

from pytest_httpserver import HTTPServer

from tests.conftest import LOCAL_HTTP_CONFIG, fixture_bytes
from vigia import pipeline
from vigia.config import load_settings
from vigia.storage import run_query

PAGE = fixture_bytes("corteidh/opiniones_consultivas_page.html")
HEADER = "text/html; charset=iso-8859-1"


def _ingest(
    httpserver: HTTPServer, db: Path, body: bytes, status: int = 200
) -> pipeline.IngestReport:
    httpserver.clear()
    httpserver.expect_request("/opiniones.cfm").respond_with_data(body, status, content_type=HEADER)
    config = {
        "http": LOCAL_HTTP_CONFIG,
        "sources": {"corteidh": {"listings": [{"url": httpserver.url_for("/opiniones.cfm")}]}},
    }
    settings = load_settings({}, db_path=str(db), sources_config=config)
    return pipeline.ingest_source(settings, "corteidh")


def test_an_unchanged_listing_is_not_parsed_and_a_changed_one_is(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    db = tmp_path / "vigia.duckdb"
    first = _ingest(httpserver, db, PAGE)
    assert first.fetched == first.new == 33 and first.not_modified == 0
    seen = run_query(db, "SELECT max(last_seen) FROM items")[1]

    again = _ingest(httpserver, db, PAGE)
    assert (again.not_modified, again.fetched, again.new) == (1, 0, 0)  # fetched, not parsed
    assert run_query(db, "SELECT max(last_seen) FROM items")[1] == seen  # nothing rewritten
    assert again.error is None and again.health == "ok"

    changed = _ingest(httpserver, db, PAGE + b"<!-- edited -->")
    assert (changed.not_modified, changed.fetched) == (0, 33)


def test_a_listing_whose_run_failed_is_read_again(httpserver: HTTPServer, tmp_path: Path) -> None:
    db = tmp_path / "vigia.duckdb"
    assert _ingest(httpserver, db, b"busy", status=503).error
    assert _ingest(httpserver, db, PAGE).fetched == 33
