"""The static report, opened in a real headless Chromium (Debian's package, driven by Playwright).

The store holds constructed items (short texts written for this test) run through the real
classifier. Screenshots are saved under test-artifacts/ for a person to look at.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tests.constructed import REGISTRY_DECREE, REGISTRY_STRUCK_DOWN, item
from vigia import cli, pipeline
from vigia.config import load_settings
from vigia.storage import open_store

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


ITEMS = [
    REGISTRY_DECREE,
    REGISTRY_STRUCK_DOWN,
    item(
        "torture-law",
        "gazette",
        "DECRETO por el que se expide la Ley General para Prevenir, Investigar y Sancionar la "
        "Tortura",
        "Se expide la Ley General para Prevenir, Investigar y Sancionar la Tortura.",
        day=date(2017, 6, 26),
    ),
]


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        if os.environ.get("VIGIA_REQUIRE_BROWSER"):
            pytest.fail("chromium is not installed (.ci/run installs Debian's package)")
        pytest.skip("chromium is not installed; .ci/run installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def report(tmp_path: Path) -> Path:
    settings = load_settings({}, db_path=str(tmp_path / "vigia.duckdb"), sources_config={})
    with open_store(settings.db_path) as store:
        store.items.upsert(ITEMS, datetime.now(UTC))
        from vigia.scrapers.base import SourceResult

        store.sources.record_result(SourceResult("gazette", items=ITEMS[:1]), datetime.now(UTC))
        store.sources.record_result(SourceResult("scjn", error="HTTP 503"), datetime.now(UTC))
    pipeline.classify_pending(settings)
    pipeline.publish_snapshot(settings)
    out = tmp_path / "site"
    assert cli.main(["--db", str(settings.db_path), "report", "--out", str(out)]) == 0
    return out


def test_overview_shows_every_demand_status_evidence_and_health_on_a_phone(browser, report):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto((report / "index.html").as_uri())
    rows = page.locator("#overview tbody tr")
    assert rows.count() == 12
    registry = page.locator('#overview tr[data-demand="detention-registry"]')
    assert "Anulada por un tribunal" in registry.inner_text()
    assert "Undone by a court" in registry.inner_text()
    assert "2023-01-24" in registry.inner_text()
    torture = page.locator('#overview tr[data-demand="torture-investigation-istanbul"]')
    assert "Publicada en el DOF" in torture.inner_text() and "2017-06-26" in torture.inner_text()
    assert "Estado" in page.locator("#overview thead").inner_text()
    latest = page.locator("#latest li").first.inner_text()
    assert "2023-01-24" in latest and "invalida la Ley Nacional" in latest
    health = page.locator("#health").inner_text()
    assert "scjn" in health and "HTTP 503" in health
    # Readable on a phone: nothing wider than the screen, rows stacked as cards.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert rows.first.bounding_box()["width"] <= 390
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report-index-phone.png"), full_page=True)
    page.close()


def test_demand_page_has_its_timeline_chart_moves_and_quotes(browser, report):
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.goto((report / "detention-registry.html").as_uri())
    assert "Registro nacional de detenciones" in page.locator("h1").inner_text()
    chart = page.locator("figure.chart img")
    assert chart.evaluate("img => img.complete && img.naturalWidth > 0")  # the SVG loaded
    moves = page.locator("#moves li")
    assert moves.count() == 2
    assert "Anulada por un tribunal" in moves.first.inner_text()
    assert "Publicada en el DOF" in moves.nth(1).inner_text()
    assert page.locator("#moves a").first.get_attribute("href") == "https://example.org/ruling"
    page.screenshot(path=str(ARTIFACTS / "report-detention-registry.png"), full_page=True)
    page.close()
    svg = (report / "charts" / "detention-registry.svg").read_text(encoding="utf-8")
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg


def test_an_empty_store_still_reports_every_demand_at_its_starting_status(tmp_path: Path):
    from vigia.report import build_report

    settings = load_settings({}, db_path=str(tmp_path / "vigia.duckdb"), sources_config={})
    pipeline.classify_pending(settings)  # nothing to classify: the demands are still listed
    files = build_report(settings, tmp_path / "site")
    html = files.index.read_text(encoding="utf-8")
    assert len(files.pages) == len(files.charts) == 12
    assert html.count('<tr data-demand="') == 12
    assert "Aprobada por una cámara" in html  # military justice, as of the 2014 letter


def test_a_scraped_link_that_is_not_a_web_address_is_shown_as_text(tmp_path: Path):
    from vigia.report import build_report

    settings = load_settings({}, db_path=str(tmp_path / "vigia.duckdb"), sources_config={})
    hostile = item(
        "js",
        "gazette",
        "DECRETO por el que se expide la Ley Nacional del Registro de Detenciones",
        "Se expide la Ley Nacional del Registro de Detenciones.",
        day=date(2019, 5, 27),
    )
    # Constructed: the URL a hostile page could put in a feed.
    hostile = replace(hostile, url="javascript:alert(document.domain)")
    with open_store(settings.db_path) as store:
        store.items.upsert([hostile], datetime.now(UTC))
    pipeline.classify_pending(settings)
    pipeline.publish_snapshot(settings)
    files = build_report(settings, tmp_path / "site")
    pages = [files.index, *files.pages]
    html = "".join(p.read_text(encoding="utf-8") for p in pages)
    assert "DECRETO por el que se expide la Ley Nacional del Registro" in html
    assert "javascript:" not in html
