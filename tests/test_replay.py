"""The demo's replay server answers by the routes each source declares, and only from the pages."""

from __future__ import annotations

import json

import requests

from vigia.demo.replay import FIXTURES, REPLAY, base_url, replay_server
from vigia.scrapers import SOURCES


def test_every_source_of_the_demo_declares_its_replay_routes():
    replayed = {name for name, source in SOURCES.items() if source.replay_routes}
    # The watched pages are the operator's own list; the demo does not replay them.
    assert replayed == set(SOURCES) - {"watch"}


def test_recorded_and_constructed_pages_are_served_with_the_sites_content_types():
    with replay_server() as server:
        base = base_url(server)
        index = requests.get(
            f"{base}/dof/index_111.php",
            params={"year": "2019", "month": "05", "day": "27", "edicion": "VES"},
            timeout=5,
        )
        empty_day = requests.get(f"{base}/sidof/dof/sidof/notas/01-01-2001", timeout=5)
        feed = requests.get(f"{base}/feeds/prensa-es.xml", timeout=5)
        again = requests.get(
            f"{base}/feeds/prensa-es.xml",
            headers={"If-None-Match": feed.headers["ETag"]},
            timeout=5,
        )
        search = requests.post(
            f"{base}/bj/api/v1/bj/busqueda",
            data=json.dumps({"q": "arraigo", "page": 2, "filtros": {"anio": ["2012"]}}),
            timeout=5,
        )
    assert index.status_code == 200 and index.headers["Content-Type"] == "text/html; charset=UTF-8"
    assert empty_day.json()["NotasMatutinas"] == []  # SIDOF's empty 200
    assert feed.status_code == 200 and again.status_code == 304
    # A second page of results is the API's empty answer.
    assert search.json() == json.loads(
        (REPLAY / "bj" / "busqueda_empty.constructed.json").read_text()
    )


def test_a_request_cannot_name_a_file_outside_the_pages():
    with replay_server() as server:
        base = base_url(server)
        climbing = requests.get(
            f"{base}/dof/index_111.php",
            params={"year": "../../../../etc/passwd", "month": "x", "day": "x", "edicion": "x"},
            timeout=5,
        )
        unknown = requests.get(f"{base}/nowhere", timeout=5)
    # The field names no file, so the site's "no edition" page answers; nothing else.
    assert climbing.content == (FIXTURES / "dof" / "index_2026-07-26_EMPTY.html").read_bytes()
    assert unknown.status_code == 404
