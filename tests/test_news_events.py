"""News: search feeds generated from the demands, and one story from several outlets alerted once."""

from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from pytest_httpserver import HTTPServer

from tests.conftest import LOCAL_HTTP_CONFIG
from vigia import dispatch, pipeline
from vigia.alerts import ConsoleChannel
from vigia.classify import load_demands
from vigia.classify.events import assign_events, normalise_url, similar_titles
from vigia.config import load_settings
from vigia.core.model import Story
from vigia.scrapers.news import search_feeds
from vigia.storage import run_query

ROOT = Path(__file__).resolve().parents[1]

# Constructed feeds (not recorded) in the shape SOURCES.md §5 documents for Google News search
# results and for an outlet's own RSS; the headlines and text are written by us.
STORY = "Publican la Ley Nacional del Registro de Detenciones en el Diario Oficial"
BODY = "El Diario Oficial de la Federación publicó la Ley Nacional del Registro de Detenciones."
GOOGLE_NEWS = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><generator>NFE/5.0</generator>
<title>"registro de detenciones" - Google Noticias</title>
<item><title>{STORY} - Proceso</title>
<link>https://news.google.com/rss/articles/CBMiAAA?oc=5</link>
<guid isPermaLink="false">CBMiAAA</guid><pubDate>Mon, 27 May 2019 23:00:00 GMT</pubDate>
<description>{BODY}</description><source url="https://www.proceso.com.mx">Proceso</source></item>
</channel></rss>"""
OUTLET = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>La Jornada</title>
<item><title>Publican en el Diario Oficial la Ley Nacional del Registro de Detenciones</title>
<link>https://www.jornada.com.mx/2019/05/28/politica/registro.html?utm_source=rss</link>
<pubDate>Tue, 28 May 2019 06:00:00 GMT</pubDate><description>{BODY}</description></item>
<item><title>Lluvias en el Valle de México</title>
<link>https://www.jornada.com.mx/2019/05/28/capital/lluvias.html</link>
<description>Se esperan lluvias fuertes.</description></item>
</channel></rss>"""


def test_urls_are_normalised_for_comparison():
    assert normalise_url("https://www.jornada.com.mx/a/b.html?utm_source=rss&id=3") == (
        "jornada.com.mx/a/b.html?id=3"
    )
    assert normalise_url("http://amp.example.org/nota/amp/") == normalise_url(
        "https://example.org/nota"
    )


def test_near_duplicate_titles_are_one_story_and_different_ones_are_not():
    assert similar_titles(
        STORY, "Publican en el Diario Oficial la Ley Nacional del Registro de Detenciones"
    )
    assert not similar_titles(
        STORY, "Critican la Ley Nacional del Registro de Detenciones por opaca"
    )
    assert not similar_titles("Tortura", "Tortura")  # too short to judge


def test_events_join_a_recent_story_or_start_their_own():
    recent = [Story("a", "a", "https://x.org/1", STORY)]
    new = [
        Story("b", "b", "https://y.org/2?utm_source=t", f"{STORY} hoy"),
        Story("c", "c", "https://y.org/3", "Lluvias fuertes en el Valle de México"),
        Story("d", "d", "https://y.org/3/", "Otro titular distinto del anterior"),
    ]
    assert assign_events(new, recent) == {"b": "a", "c": "c", "d": "c"}


def test_search_feeds_come_from_each_demands_terms():
    campaign = load_demands(ROOT / "demands.yaml")
    feeds = search_feeds(
        pipeline.demand_terms(campaign),
        {
            "url": "https://news.google.com/rss/search?q={query}&hl=es-419",
            "terms_per_demand": 2,
            "when": "7d",
        },
    )
    assert len(feeds) == 12
    registry = next(f for f in feeds if f["name"] == "search-detention-registry")
    query = parse_qs(urlsplit(registry["url"]).query)["q"][0]
    assert query == (
        '"registro nacional de detenciones" OR "ley nacional del registro de detenciones" when:7d'
    )


def test_one_story_from_two_outlets_is_stored_twice_and_alerted_once(
    httpserver: HTTPServer, db_path: Path
):
    httpserver.expect_request("/rss/search").respond_with_data(
        GOOGLE_NEWS, content_type="application/rss+xml"
    )
    httpserver.expect_request("/jornada.xml").respond_with_data(
        OUTLET, content_type="application/rss+xml"
    )
    config = {
        "http": LOCAL_HTTP_CONFIG,
        "sources": {
            "news": {
                "feeds": [{"name": "la-jornada", "url": httpserver.url_for("/jornada.xml")}],
                "search_feeds": {
                    "url": httpserver.url_for("/rss/search") + "?q={query}",
                    "terms_per_demand": 1,
                },
            }
        },
    }
    settings = load_settings({}, db_path=str(db_path), sources_config=config)
    report = pipeline.ingest_source(settings, "news")
    assert report.ok and report.new == 3  # the search answers 12 times with one story, stored once
    titles = dict(run_query(db_path, "SELECT title, meta->>'outlet' FROM items")[1])
    assert titles[STORY] == "Proceso"  # " - Proceso" removed from the title
    events = run_query(db_path, "SELECT count(DISTINCT event_id) FROM items")[1][0][0]
    assert events == 2  # the registry story (two outlets) and the rain
    pipeline.classify_pending(settings)
    out = io.StringIO()
    assert len(dispatch.build_digests(settings)) == 1  # press items wait for the digest
    sent = pipeline.dispatch_alerts(settings, ConsoleChannel(out))
    matched = run_query(
        db_path, "SELECT count(*) FROM matches WHERE demand_id = 'detention-registry'"
    )[1][0][0]
    assert matched == 2 and sent.sent == 1 and sent.alerts_in_digests == 2
    # One line for the story, naming the second outlet.
    [section] = [
        line for line in out.getvalue().splitlines() if line.startswith("Registro nacional")
    ]
    assert section.endswith("(1)")
    assert out.getvalue().count("(+1: ") == 1
