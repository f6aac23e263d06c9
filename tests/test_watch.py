"""Watched pages: a snapshot first, nothing on an unchanged page, a diff item on a change."""

from __future__ import annotations

from pathlib import Path

from pytest_httpserver import HTTPServer

from tests.conftest import LOCAL_HTTP_CONFIG, fixture_bytes
from vigia import pipeline
from vigia.config import load_settings
from vigia.storage import run_query

REAL = fixture_bytes("sidof/nota_5788395.html")  # the recorded SIDOF page, ticker and all
# Constructed change: the recorded page with a sentence added to its title block.
ADDED = "Se publica el Registro Nacional de Detenciones con datos actualizados."
CHANGED = REAL.replace(b'id="tituloNota">', f'id="tituloNota">{ADDED} '.encode(), 1)
# Constructed volatile change only: another "cited on" date, which the ignore pattern drops.
RECITED = REAL.replace(b"citado el 01-08-2026", b"citado el 02-08-2026")


def settings_for(db: Path, url: str):
    config = {
        "http": LOCAL_HTTP_CONFIG,
        "sources": {
            "watch": {
                "pages": [{"name": "nota", "url": url, "ignore": ["citado el"], "lang": "es"}]
            }
        },
    }
    return load_settings({}, db_path=str(db), sources_config=config)


def test_watched_page_changes_become_classified_diff_items(httpserver: HTTPServer, db_path: Path):
    assert CHANGED != REAL and RECITED != REAL
    settings = settings_for(db_path, httpserver.url_for("/nota"))
    for body in (REAL, RECITED, CHANGED):
        httpserver.expect_ordered_request("/nota").respond_with_data(
            body, content_type="text/html; charset=UTF-8"
        )
    first = pipeline.ingest_source(settings, "watch")
    assert first.ok and first.new == 0  # a first fetch only records the snapshot
    second = pipeline.ingest_source(settings, "watch")
    assert second.new == 0  # only the ignored "citado el" line changed
    third = pipeline.ingest_source(settings, "watch")
    assert third.new == 1
    [(title, text, kind, meta, seen)] = run_query(
        db_path, "SELECT title, text, kind, meta, published FROM items"
    )[1]
    assert seen == settings.window("watch").days[-1]  # dated the day it was seen, there
    assert kind == "page" and title.startswith("Cambio en la página vigilada:")
    assert text.splitlines()[0].startswith(f"+ {ADDED}")
    assert '"added":1' in meta.replace(" ", "") and '"removed":1' in meta.replace(" ", "")
    pipeline.classify_pending(settings)
    [(demand, stance)] = run_query(db_path, "SELECT demand_id, stance FROM matches")[1]
    assert (demand, stance) == ("detention-registry", "advance")


def test_unreachable_watched_page_is_a_warning_not_a_crash(httpserver: HTTPServer, db_path: Path):
    httpserver.expect_request("/gone").respond_with_data("", status=404)
    report = pipeline.ingest_source(settings_for(db_path, httpserver.url_for("/gone")), "watch")
    assert not report.ok and "404" in report.error
