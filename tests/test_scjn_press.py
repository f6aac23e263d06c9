"""SCJN press releases: listing rows, release texts, and no refetch of stored releases."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from tests.conftest import fixture_bytes
from vigia import pipeline
from vigia.config import load_settings
from vigia.demo.replay import base_url, demo_sources_config, replay_server
from vigia.scrapers.base import Page
from vigia.scrapers.scjn_press import releases
from vigia.storage import run_query


def test_listing_rows_give_title_link_and_date_in_either_format():
    page = Page(
        url="https://www.scjn.gob.mx/multimedia/comunicados",
        role="press-listing",
        body=fixture_bytes("scjn/comunicados.constructed.html"),
    )
    rows = releases(page)
    assert [r["date"] for r in rows] == [date(2023, 1, 24), date(2014, 2, 25)]
    assert rows[1]["url"] == (
        "https://www.scjn.gob.mx/scjn/multimedia/comunicados/noticia/2014-02-25/arraigo"
    )
    assert rows[1]["title"].startswith("La SCJN determina que los estados no tienen competencia")


def test_release_ids_do_not_depend_on_the_host_that_served_them(db_path: Path):
    for _ in range(2):  # two replay servers, two ports: the demo run twice
        with replay_server() as server:
            settings = load_settings(
                {}, db_path=str(db_path), sources_config=demo_sources_config(base_url(server))
            )
            report = pipeline.ingest_source(settings, "scjn_press")
    assert report.new == 0
    urls = [u for (u,) in run_query(db_path, "SELECT url FROM items ORDER BY url")[1]]
    assert urls == [
        "https://www.scjn.gob.mx/scjn/multimedia/comunicados/noticia/2014-02-25/arraigo",
        "https://www.scjn.gob.mx/scjn/multimedia/comunicados/noticia/2023-01-24/registro-detenciones",
    ]


def test_release_text_is_classified_and_not_fetched_twice(db_path: Path):
    with replay_server() as server:
        settings = load_settings(
            {}, db_path=str(db_path), sources_config=demo_sources_config(base_url(server))
        )
        first = pipeline.ingest_source(settings, "scjn_press")
        assert first.ok and first.new == 2 and len(first.warnings) == 1  # one release page is 404
        server.requests_seen.clear()
        second = pipeline.ingest_source(settings, "scjn_press")
        fetched = [r for r in server.requests_seen if "/noticia/" in r]
    # The stored release is not fetched again; the one whose page failed is tried again.
    assert second.new == 0 and second.changed == 0
    assert fetched == ["GET /scjn/multimedia/comunicados/noticia/2023-01-24/registro-detenciones"]
    pipeline.classify_pending(settings)
    rows = dict(
        run_query(
            db_path, "SELECT demand_id, stance FROM match_details WHERE source = 'scjn_press'"
        )[1]
    )
    assert rows["arraigo-abolition"] == "advance"  # "declaró la invalidez" of state arraigo
    assert "detention-registry" in rows
