"""News entries with only a summary get their article text from the linked page."""

from __future__ import annotations

from datetime import date

from pytest_httpserver import HTTPServer

from tests.conftest import FAST_HTTP, LOCAL_HTTP_CONFIG
from vigia.scrapers.base import Window, run_source
from vigia.scrapers.http import HttpClient
from vigia.scrapers.news import NewsFeedsSource

# Constructed (written by us) article page and feed: an outlet's usual layout, with navigation
# and a footer around the article, so extraction has something to leave out.
PARAGRAPHS = [
    "La Suprema Corte de Justicia de la Nación resolvió este martes que el arraigo previsto en "
    "los códigos penales de los estados es contrario a la Constitución.",
    "Los ministros votaron por invalidar las normas locales y ordenaron notificar a los congresos "
    "estatales, que deberán reformar sus códigos en un plazo de noventa días.",
    "Organizaciones de derechos humanos celebraron la decisión y pidieron eliminar también el "
    "arraigo federal, vigente para delitos de delincuencia organizada.",
]
ARTICLE = f"""<html><head><title>La Corte invalida el arraigo local</title></head><body>
<nav><a href="/">Portada</a> <a href="/politica">Política</a></nav>
<article><h1>La Corte invalida el arraigo local</h1>
{"".join(f"<p>{p}</p>" for p in PARAGRAPHS)}</article>
<footer>Todos los derechos reservados.</footer></body></html>"""


def feed(base: str) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Diario</title>
<item><title>La Corte invalida el arraigo local</title><link>{base}/nota/1</link>
<description>La Corte resolvió sobre el arraigo.</description></item>
<item><title>Resumen de noticias</title><link>https://news.google.com/rss/articles/X?oc=5</link>
<description>Corto.</description></item>
<item><title>Nota ya guardada</title><link>{base}/nota/2</link><guid>{base}/nota/2</guid>
<description>Corto también.</description></item>
</channel></rss>"""


def test_summary_only_entries_get_the_article_text(httpserver: HTTPServer):
    base = httpserver.url_for("").rstrip("/")
    httpserver.expect_request("/feed.xml").respond_with_data(
        feed(base), content_type="application/rss+xml"
    )
    httpserver.expect_request("/nota/1").respond_with_data(
        ARTICLE, content_type="text/html; charset=utf-8"
    )
    source = NewsFeedsSource({"feeds": [{"url": f"{base}/feed.xml"}], "extract_articles": True})
    result = run_source(
        source,
        HttpClient(FAST_HTTP),
        Window(days=(date(2026, 11, 28),), known=frozenset({f"{base}/nota/2"})),
    )
    by_title = {item.title: item.text for item in result.items}
    article = by_title["La Corte invalida el arraigo local"]
    assert all(paragraph in article for paragraph in PARAGRAPHS)
    assert "Portada" not in article and "derechos reservados" not in article
    assert by_title["Resumen de noticias"] == "Corto."  # search links are not followed
    requested = [request.path for request, _ in httpserver.log]
    assert requested == ["/feed.xml", "/nota/1"]  # nota/2 is already stored


def test_unreachable_article_keeps_the_summary(httpserver: HTTPServer):
    base = httpserver.url_for("").rstrip("/")
    httpserver.expect_request("/feed.xml").respond_with_data(
        feed(base), content_type="application/rss+xml"
    )
    httpserver.expect_request("/nota/1").respond_with_data("", status=404)
    httpserver.expect_request("/nota/2").respond_with_data("", status=404)
    source = NewsFeedsSource({"feeds": [{"url": f"{base}/feed.xml"}], "extract_articles": True})
    result = run_source(source, HttpClient(FAST_HTTP), Window(days=()))
    assert result.ok and len(result.warnings) == 2
    texts = {item.title: item.text for item in result.items}
    assert texts["La Corte invalida el arraigo local"] == "La Corte resolvió sobre el arraigo."


def test_a_stored_story_is_not_fetched_again_on_the_next_run(httpserver: HTTPServer, db_path):
    from vigia import pipeline
    from vigia.config import load_settings

    base = httpserver.url_for("").rstrip("/")
    httpserver.expect_request("/feed.xml").respond_with_data(
        feed(base), content_type="application/rss+xml"
    )
    httpserver.expect_request("/nota/1").respond_with_data(
        ARTICLE, content_type="text/html; charset=utf-8"
    )
    httpserver.expect_request("/nota/2").respond_with_data(
        ARTICLE, content_type="text/html; charset=utf-8"
    )
    config = {
        "http": LOCAL_HTTP_CONFIG,
        "sources": {"news": {"feeds": [{"url": f"{base}/feed.xml"}], "extract_articles": True}},
    }
    settings = load_settings({}, db_path=str(db_path), sources_config=config)
    assert pipeline.ingest_source(settings, "news").new == 3
    httpserver.clear_log()
    second = pipeline.ingest_source(settings, "news")
    assert second.new == 0 and second.changed == 0
    assert [request.path for request, _ in httpserver.log] == ["/feed.xml"]
