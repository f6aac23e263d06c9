"""A gazette day read in full once it can no longer change is never fetched again.

The SIDOF and DOF answers are the recorded (and constructed, as named) pages of tests/fixtures,
served by a local HTTP server; one day is made to fail (HTTP 503) to show that a failed day
is fetched again.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.conftest import FIXTURES, LOCAL_HTTP_CONFIG
from vigia import pipeline
from vigia.clock import now
from vigia.config import Settings, load_settings
from vigia.storage import run_query

DECREE_DAY = date(2019, 5, 27)  # the detention-registry decree (a constructed SIDOF day)
BROKEN_DAY = date(2019, 5, 28)
WRONG_DAY = date(2019, 5, 29)  # dof.gob.mx answers with another day's index, as it sometimes does
EMPTY_DOF_INDEX = (FIXTURES / "dof" / "index_2026-07-26_EMPTY.html").read_bytes()
OTHER_DAYS_INDEX = (FIXTURES / "dof" / "index_2026-07-31_MAT.html").read_bytes()


def _dof_index(request: Request) -> Response:
    day = date(int(request.args["year"]), int(request.args["month"]), int(request.args["day"]))
    if day == BROKEN_DAY:
        return Response("busy", status=503)
    if day == WRONG_DAY:
        return Response(OTHER_DAYS_INDEX, content_type="text/html; charset=UTF-8")
    return Response(EMPTY_DOF_INDEX, content_type="text/html; charset=UTF-8")


def _sidof_day(request: Request) -> Response:
    day = request.path.rsplit("/", 1)[1]
    recorded = FIXTURES / "replay" / "sidof" / f"notas_{day}.constructed.json"
    if day == f"{BROKEN_DAY:%d-%m-%Y}":
        return Response("busy", status=503)
    path = recorded if recorded.exists() else recorded.with_name("notas_empty.constructed.json")
    return Response(path.read_bytes(), content_type="application/json")


def _settings(httpserver: HTTPServer, tmp_path: Path, **gazette: object) -> Settings:
    """The gazette alone, asked of the local server, with the given keys of its block."""
    block = {"sidof_url": httpserver.url_for("/sidof"), "dof_url": httpserver.url_for("/dof")}
    config = {"http": LOCAL_HTTP_CONFIG, "sources": {"gazette": block | gazette}}
    return load_settings({}, db_path=str(tmp_path / "v.duckdb"), sources_config=config)


def test_past_days_read_in_full_are_skipped_and_failed_or_recent_days_are_not(
    httpserver: HTTPServer, tmp_path: Path
):
    yesterday = now().astimezone(ZoneInfo("America/Mexico_City")).date() - timedelta(days=1)
    httpserver.expect_request("/dof/index_111.php").respond_with_handler(_dof_index)
    for day in (DECREE_DAY, BROKEN_DAY, WRONG_DAY, yesterday):
        httpserver.expect_request(f"/sidof/dof/sidof/notas/{day:%d-%m-%Y}").respond_with_handler(
            _sidof_day
        )
    days = [DECREE_DAY, BROKEN_DAY, WRONG_DAY, yesterday]
    settings = _settings(httpserver, tmp_path, dates=days, editions=["MAT"], full_text=False)

    first = pipeline.ingest_source(settings, "gazette")
    assert first.new > 0 and first.final_days_skipped == 0
    final = run_query(settings.db_path, "SELECT day FROM final_days")[1]
    # Not the failed day, not the day served wrong, not yesterday (it may still change).
    assert final == [(DECREE_DAY,)]

    asked = len(httpserver.log)
    second = pipeline.ingest_source(settings, "gazette")
    paths = [request.path for request, _ in httpserver.log[asked:]]
    assert second.final_days_skipped == 1 and second.new == 0
    assert not any(f"{DECREE_DAY:%d-%m-%Y}" in path for path in paths)
    assert f"/sidof/dof/sidof/notas/{BROKEN_DAY:%d-%m-%Y}" in paths  # failed: asked again
    assert f"/sidof/dof/sidof/notas/{WRONG_DAY:%d-%m-%Y}" in paths
    assert f"/sidof/dof/sidof/notas/{yesterday:%d-%m-%Y}" in paths  # recent: asked again


def test_a_day_whose_nota_text_failed_is_not_final(httpserver: HTTPServer, tmp_path: Path):
    httpserver.expect_request(f"/sidof/dof/sidof/notas/{DECREE_DAY:%d-%m-%Y}").respond_with_handler(
        _sidof_day
    )
    httpserver.expect_request("/sidof/notas/docFuente/990000004").respond_with_data(
        "busy", status=503
    )
    settings = _settings(httpserver, tmp_path, dates=[DECREE_DAY])
    first = pipeline.ingest_source(settings, "gazette")
    assert first.new > 0 and first.warnings  # stored with its title; the text failed
    assert run_query(settings.db_path, "SELECT count(*) FROM final_days")[1] == [(0,)]
    again = pipeline.ingest_source(settings, "gazette")
    assert again.final_days_skipped == 0 and again.pages > 0  # asked again for the text
