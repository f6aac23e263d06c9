"""Corte IDH listings: the recorded advisory-opinions page and a constructed cases page."""

from __future__ import annotations

from datetime import date

from tests.conftest import fixture_bytes
from vigia.scrapers.base import Page
from vigia.scrapers.corteidh import CorteIdhSource, listing_entries
from vigia.scrapers.text import decode

LATIN1_HEADER = "text/html; charset=iso-8859-1"  # what the site declares over UTF-8 bytes


def listing(name: str, require: str = "") -> Page:
    return Page(
        url="https://www.corteidh.or.cr/x.cfm",
        body=fixture_bytes(f"corteidh/{name}"),
        role="corteidh-listing",
        content_type=LATIN1_HEADER,
        context={"require": require},
    )


def test_recorded_advisory_opinions_page_lists_every_opinion():
    entries = listing_entries(listing("opiniones_consultivas_page.html"))
    assert len(entries) == 33
    newest = entries[0]
    assert newest["category"] == "Opiniones Consultivas"
    assert newest["citation"].startswith("Emergencia Climática y Derechos Humanos")
    assert newest["citation"].endswith(
        "Opinión Consultiva OC-32/25 de 29 de mayo de 2025. Serie A No. 32."
    )
    assert (newest["date"], newest["series"]) == (date(2025, 5, 29), "Serie A No. 32")
    assert newest["url"] == "https://corteidh.or.cr/docs/opiniones/seriea_32_es.pdf"


def test_cases_listing_keeps_only_cases_concerning_mexico():
    items = CorteIdhSource({}).parse([listing("casos_sentencias.constructed.html", "México")])
    assert [i.meta["case"] for i in items] == ["Serie C No. 470", "Serie C No. 209"]
    tzompaxtle = items[0]
    assert tzompaxtle.published == date(2022, 11, 7) and tzompaxtle.kind == "court"
    assert tzompaxtle.url.endswith("seriec_470_esp.pdf")
    assert "Vs. México" in tzompaxtle.title


def test_a_latin1_header_over_utf8_bytes_does_not_garble_accents():
    raw = fixture_bytes("corteidh/opiniones_consultivas_page.html")
    assert "Emergencia Climática" in decode(raw, LATIN1_HEADER)
    assert "Ã" not in decode(raw, LATIN1_HEADER)
    assert decode("Acción".encode("cp1252"), "text/html") == "Acción"  # no header, not UTF-8
    assert decode("Acción".encode(), "text/html; charset=utf-8") == "Acción"
