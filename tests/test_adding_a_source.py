"""Adding a source is one module and one registry line (README, "Adding a source").

The toy bulletin below is constructed, not a real source: it stands for a new publisher whose
page is a JSON list. Defined here and registered, it is checked in sources.yaml by its own
model, fetched through the shared HTTP client, stored, classified and alerted by the same path
as the real sources, and a second run sends nothing.
"""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from tests.conftest import LOCAL_HTTP_CONFIG
from vigia import pipeline
from vigia.alerts import ConsoleChannel
from vigia.config import load_settings
from vigia.core.errors import ConfigError
from vigia.core.model import Item
from vigia.dispatch import build_digests
from vigia.scrapers import SOURCES
from vigia.scrapers.base import Page, Source, SourceSettings, WebAddress, Window
from vigia.scrapers.http import HttpClient
from vigia.storage import run_query

# Constructed: what a toy bulletin would publish.
BULLETIN = [
    {
        "id": "toy-1",
        "title": "El Senado aprueba eliminar el arraigo de la Constitución",
        "text": "El pleno del Senado aprobó la reforma que elimina el arraigo del artículo 16 "
        "constitucional en México.",
        "date": "2026-11-27",
    },
    {
        "id": "toy-2",
        "title": "Boletín de actividades culturales",
        "text": "Conciertos.",
        "date": None,
    },
]


class ToySettings(SourceSettings):
    """The toy bulletin's keys in sources.yaml."""

    url: WebAddress


class ToyBulletin(Source):
    """A constructed bulletin: one JSON list of {id, title, text, date}."""

    name = "toy"
    kind = "news"
    settings = ToySettings

    def fetch(self, http: HttpClient, window: Window) -> list[Page]:
        return [http.get(self.config["url"], "bulletin")]

    def parse(self, pages: list[Page]) -> list[Item]:
        return [
            Item(
                source=self.name,
                kind=self.kind,
                external_id=entry["id"],
                url=f"{page.url}#{entry['id']}",
                title=entry["title"],
                text=entry["text"],
                published=date.fromisoformat(entry["date"]) if entry["date"] else None,
                lang="es",
            )
            for page in pages
            for entry in json.loads(page.body)
        ]


@pytest.fixture
def toy_registered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(SOURCES, "toy", ToyBulletin)  # the registry line


def _settings(tmp_path: Path, toy: dict[str, object]):
    return load_settings(
        {},
        db_path=str(tmp_path / "vigia.duckdb"),
        sources_config={"http": LOCAL_HTTP_CONFIG, "sources": {"toy": toy}},
    )


def test_a_registered_source_brings_its_own_settings_check(
    toy_registered: None, tmp_path: Path
) -> None:
    with pytest.raises(ConfigError, match="sources.toy.urll: unknown key; allowed: .*url"):
        _settings(tmp_path, {"urll": "https://example.org/b.json"})
    with pytest.raises(ConfigError, match="sources.toy.url: must be an absolute http"):
        _settings(tmp_path, {"url": "ftp://example.org/b.json"})


def test_a_registered_source_goes_the_whole_way_once(
    toy_registered: None, tmp_path: Path, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/bulletin.json").respond_with_json(BULLETIN)
    settings = _settings(tmp_path, {"url": httpserver.url_for("/bulletin.json")})

    ingested = pipeline.ingest_source(settings, "toy")
    assert (ingested.error, ingested.new) == (None, 2)
    pipeline.classify_pending(settings)
    build_digests(settings)  # press items wait for the daily digest; build it now
    console = io.StringIO()
    pipeline.dispatch_alerts(settings, ConsoleChannel(console))

    _, matches = run_query(
        settings.db_path,
        "SELECT i.external_id, m.demand_id FROM matches m JOIN items i ON i.id = m.item_id",
    )
    assert matches == [("toy-1", "arraigo-abolition")]
    assert "El Senado aprueba eliminar el arraigo" in console.getvalue()
    _, health = run_query(settings.db_path, "SELECT source, health_status FROM source_health")
    assert ("toy", "ok") in health

    again = pipeline.ingest_source(settings, "toy")
    assert (again.new, again.changed) == (0, 0)
    pipeline.classify_pending(settings)
    build_digests(settings)
    quiet = io.StringIO()
    pipeline.dispatch_alerts(settings, ConsoleChannel(quiet))
    assert "arraigo" not in quiet.getvalue()
