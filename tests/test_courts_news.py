"""Court and news parsers, paging, feed guards and conditional GET over real HTTP."""

from __future__ import annotations

from datetime import date

import pytest
from pytest_httpserver import HTTPServer

from tests.conftest import FAST_HTTP as FAST
from tests.conftest import fixture_bytes
from vigia.core.errors import ParseError
from vigia.scrapers.base import Page, Window, run_source
from vigia.scrapers.courts import ScjnRulingsSource
from vigia.scrapers.http import HttpClient
from vigia.scrapers.news import NewsFeedsSource, parse_feed_bytes


def test_court_results_become_items_with_case_and_court():
    page = Page(
        url="x",
        role="bj-search",
        body=fixture_bytes("replay/bj/busqueda_desaparicion-forzada_2021.constructed.json"),
    )
    [item] = ScjnRulingsSource({}).parse([page])
    assert item.kind == "court"
    assert item.title.startswith("AMPARO EN REVISIÓN 1077/2019 (PRIMERA SALA)")
    assert item.published == date(2021, 11, 19)
    assert "acciones urgentes" in item.text
    assert item.url == "https://bj.scjn.gob.mx/documento/sentencias_pub/990002"


def test_court_search_pages_through_results(httpserver: HTTPServer):
    def answer(page_number: int, total_pages: int) -> dict:
        return {
            "total": 2,
            "totalPaginas": total_pages,
            "resultados": [
                {
                    "idEngrose": 100 + page_number,
                    "tipoAsunto": "AMPARO DIRECTO",
                    "numExpediente": f"{page_number}/2024",
                    "organoRadicacion": "PRIMERA SALA",
                    "fechaResolucion": "01/01/0001",
                    "rubro": "ARRAIGO",
                    "extractos": "texto",
                }
            ],
        }

    for number in (1, 2):
        httpserver.expect_ordered_request(
            "/busqueda", method="POST", json={**_body(number)}
        ).respond_with_json(answer(number, 2))
    source = ScjnRulingsSource(
        {"bj_url": httpserver.url_for("/").rstrip("/"), "queries": ["arraigo"], "page_size": 1}
    )
    result = run_source(source, HttpClient(FAST), Window(days=(date(2024, 3, 1),)))
    assert result.ok and result.pages == 2
    assert [i.external_id for i in result.items] == ["101", "102"]
    assert result.items[0].published is None  # the API's 01/01/0001 sentinel


def _body(page: int) -> dict:
    return {
        "q": "arraigo",
        "page": page,
        "size": 1,
        "indice": "sentencias_pub",
        "fuente": None,
        "extractos": 200,
        "semantica": 0,
        "filtros": {"anio": ["2024"]},
        "sortField": "",
        "sortDireccion": "",
    }


def test_rss_and_atom_feeds_parse_to_items():
    rss = Page(
        url="x",
        role="feed",
        body=fixture_bytes("replay/feeds/prensa-es.constructed.xml"),
        context={"feed": "prensa-es", "lang": "es"},
    )
    atom = Page(
        url="y",
        role="feed",
        body=fixture_bytes("replay/feeds/press-en.constructed.xml"),
        context={"feed": "press-en", "lang": "en"},
    )
    items = NewsFeedsSource({}).parse([rss, atom])
    assert len(items) == 52
    langs = {i.lang for i in items}
    assert langs == {"es", "en"}
    assert all(i.url.startswith("http") and i.title for i in items)


def test_feed_with_entity_declarations_is_refused():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "' + b"x" * 1000 + b'">]>'
        b"<rss><channel><item><title>&a;&a;&a;</title></item></channel></rss>"
    )
    parsed = parse_feed_bytes(bomb)  # the internal subset is removed, so nothing expands
    assert parsed.entries[0].title.count("x") == 0
    with pytest.raises(ParseError):
        parse_feed_bytes(b'<?xml version="1.0"?><!ENTITY b "y"><rss/>')


def test_bytes_that_look_like_a_path_are_not_opened_as_a_file():
    with pytest.raises(ParseError):
        parse_feed_bytes(b"/etc/passwd")


def test_feed_conditional_get_sends_validators_and_skips_304(httpserver: HTTPServer):
    feed = fixture_bytes("replay/feeds/prensa-es.constructed.xml")
    httpserver.expect_ordered_request("/feed.xml").respond_with_data(
        feed, headers={"ETag": '"v1"'}, content_type="application/rss+xml"
    )
    httpserver.expect_ordered_request(
        "/feed.xml", headers={"If-None-Match": '"v1"'}
    ).respond_with_data("", status=304)
    source = NewsFeedsSource({"feeds": [{"name": "f", "url": httpserver.url_for("/feed.xml")}]})
    first = run_source(source, HttpClient(FAST), Window(days=()))
    assert len(first.items) == 39 and first.validators
    second = run_source(source, HttpClient(FAST), Window(days=(), validators=first.validators))
    assert second.ok and second.items == [] and second.not_modified == 1


def test_one_broken_feed_does_not_stop_the_others(httpserver: HTTPServer):
    httpserver.expect_request("/good.xml").respond_with_data(
        fixture_bytes("replay/feeds/press-en.constructed.xml"), content_type="application/atom+xml"
    )
    httpserver.expect_request("/gone.xml").respond_with_data("no", status=404)
    source = NewsFeedsSource(
        {
            "feeds": [
                {"url": httpserver.url_for("/gone.xml")},
                {"url": httpserver.url_for("/good.xml")},
            ]
        }
    )
    result = run_source(source, HttpClient(FAST), Window(days=()))
    assert result.ok
    assert len(result.items) == 13
    assert "404" in result.warnings[0]


def test_source_whose_every_request_fails_reports_an_error(httpserver: HTTPServer):
    httpserver.expect_request("/gone.xml").respond_with_data("no", status=404)
    source = NewsFeedsSource({"feeds": [{"url": httpserver.url_for("/gone.xml")}]})
    result = run_source(source, HttpClient(FAST), Window(days=()))
    assert not result.ok and result.error_type == "EmptyResult"
    assert "gone.xml" in result.error and "404" in result.error


class _BrokenParser(NewsFeedsSource):
    """A constructed source whose parser has a bug."""

    def parse(self, pages):
        raise KeyError("codNota")


def test_a_parser_bug_is_reported_as_the_source_error(httpserver: HTTPServer):
    httpserver.expect_request("/feed.xml").respond_with_data(
        fixture_bytes("replay/feeds/press-en.constructed.xml")
    )
    source = _BrokenParser({"feeds": [{"url": httpserver.url_for("/feed.xml")}]})
    result = run_source(source, HttpClient(FAST), Window(days=()))
    assert not result.ok and result.items == []
    assert result.error == "news: unexpected KeyError: 'codNota'"
