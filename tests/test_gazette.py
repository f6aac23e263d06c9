"""Gazette parser on recorded DOF/SIDOF pages, and the SIDOF → DOF fallback over real HTTP."""

from __future__ import annotations

import json
from datetime import date

import pytest
from pytest_httpserver import HTTPServer

from tests.conftest import FAST_HTTP as FAST
from tests.conftest import fixture_bytes
from vigia.core.errors import WrongDay
from vigia.scrapers.base import Page, Window
from vigia.scrapers.gazette import GazetteSource, dof_index_notas, parse_doc_fuente, sidof_notas
from vigia.scrapers.http import HttpClient


def dof_page(name: str, day: str, edition: str) -> Page:
    return Page(
        url="https://www.dof.gob.mx/index_111.php",
        body=fixture_bytes(f"dof/{name}"),
        role="dof-index",
        content_type="text/html; charset=UTF-8",
        context={"day": day, "edition": edition},
    )


def test_dof_matutina_index_lists_27_notas_with_their_issuers():
    notas = dof_index_notas(dof_page("index_2026-07-31_MAT.html", "2026-07-31", "MAT"))
    assert len(notas) == 27
    assert notas[0]["issuer"] == "SECRETARIA DE GOBERNACION"
    assert notas[0]["branch"] == "PODER EJECUTIVO"
    assert {n["edition"] for n in notas} == {"MAT"}


def test_dof_vespertina_index_skips_agency_header_decoys():
    notas = dof_index_notas(dof_page("index_2026-07-31_VES.html", "2026-07-31", "VES"))
    # 5795216 and 5795220 are nota_to_doc.php links on issuer rows, not notas.
    assert [n["code"] for n in notas] == ["5795217", "5795218", "5795219", "5795221"]
    assert notas[-1]["issuer"] == "INSTITUTO MEXICANO DEL SEGURO SOCIAL"
    assert "estímulo fiscal" in notas[0]["title"]  # entities decoded


def test_dof_homepage_instead_of_index_means_no_edition():
    assert dof_index_notas(dof_page("index_2026-07-26_EMPTY.html", "2026-07-26", "MAT")) == []


def test_dof_index_of_another_day_is_refused():
    with pytest.raises(WrongDay):
        dof_index_notas(dof_page("index_2026-07-31_MAT.html", "2026-07-30", "MAT"))


def test_dof_items_link_to_the_public_site_and_carry_edition_metadata():
    source = GazetteSource(
        {"dof_url": "http://127.0.0.1:1", "dof_public_url": "https://www.dof.gob.mx"}
    )
    items = source.parse([dof_page("index_2026-07-31_VES.html", "2026-07-31", "VES")])
    first = items[0]
    assert first.url == "https://www.dof.gob.mx/nota_detalle.php?codigo=5795217&fecha=31/07/2026"
    assert first.published == date(2026, 7, 31)
    assert first.meta["edition"] == "VES" and first.meta["via"] == "dof"


def test_doc_fuente_gives_title_and_paragraphs():
    page = Page(
        url="https://sidof.segob.gob.mx/notas/docFuente/5788395",
        body=fixture_bytes("sidof/docFuente_5788395.html"),
        role="sidof-doc",
        context={"cod": "5788395"},
    )
    title, text = parse_doc_fuente(page)
    assert title.startswith("AVISO por el que se da a conocer el cambio de domicilio oficial")
    assert "ALEJANDRA DE LA PAZ NÁJERA" in text
    assert len(text.splitlines()) > 5


def test_sidof_index_drops_title_less_stub_rows():
    page = Page(
        url="x",
        role="sidof-index",
        body=fixture_bytes("replay/sidof/notas_25-05-2026.constructed.json"),
    )
    notas = sidof_notas(page)
    assert [n["codNota"] for n in notas] == [5788395]
    assert notas[0]["edition"] == "MAT"


def test_sidof_day_with_notas_fetches_their_texts(httpserver: HTTPServer):
    httpserver.expect_request("/dof/sidof/notas/25-05-2026").respond_with_data(
        fixture_bytes("replay/sidof/notas_25-05-2026.constructed.json"),
        content_type="application/json",
    )
    httpserver.expect_request("/notas/docFuente/5788395").respond_with_data(
        fixture_bytes("sidof/docFuente_5788395.html"), content_type="text/html; charset=UTF-8"
    )
    source = GazetteSource({"sidof_url": httpserver.url_for("/").rstrip("/")})
    items = source.parse(source.fetch(HttpClient(FAST), Window(days=(date(2026, 5, 25),))))
    assert len(items) == 1
    assert items[0].external_id == "5788395"
    assert "Instituto Nacional de Bellas Artes" in items[0].text
    assert items[0].meta["issuer"] == "SECRETARIA DE CULTURA"


def test_empty_sidof_day_falls_back_to_each_dof_edition(httpserver: HTTPServer):
    empty = {"messageCode": 200, "response": "OK", "NotasMatutinas": [], "NotasVespertinas": []}
    httpserver.expect_request("/sidof/dof/sidof/notas/31-07-2026").respond_with_json(empty)
    for edition, name in (
        ("MAT", "index_2026-07-31_MAT.html"),
        ("VES", "index_2026-07-31_VES.html"),
        ("EXT", "index_2026-07-26_EMPTY.html"),
    ):
        httpserver.expect_request(
            "/dof/index_111.php",
            query_string={
                "year": "2026",
                "month": "07",
                "day": "31",
                "edicion": edition,
            },
        ).respond_with_data(fixture_bytes(f"dof/{name}"), content_type="text/html")
    base = httpserver.url_for("/").rstrip("/")
    source = GazetteSource({"sidof_url": f"{base}/sidof", "dof_url": f"{base}/dof"})
    items = source.parse(source.fetch(HttpClient(FAST), Window(days=(date(2026, 7, 31),))))
    assert len(items) == 31  # 27 matutina + 4 vespertina, no extraordinaria
    assert {i.meta["edition"] for i in items} == {"MAT", "VES"}


def test_sidof_error_body_falls_back_too(httpserver: HTTPServer):
    httpserver.expect_request("/dof/sidof/notas/26-07-2026").respond_with_data(
        json.dumps({"messageCode": 500, "response": "ERROR"}), content_type="application/json"
    )
    httpserver.expect_request("/index_111.php").respond_with_data(
        fixture_bytes("dof/index_2026-07-26_EMPTY.html"), content_type="text/html"
    )
    base = httpserver.url_for("/").rstrip("/")
    source = GazetteSource({"sidof_url": base, "dof_url": base, "editions": ["MAT", "VES"]})
    pages = source.fetch(HttpClient(FAST), Window(days=(date(2026, 7, 26),)))
    assert [p.role for p in pages] == ["dof-index", "dof-index"]
    assert source.parse(pages) == []
