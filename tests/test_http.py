"""The shared HTTP client against a local server: retries, caps, timeouts, politeness."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.conftest import FAST_HTTP, FIXTURES
from vigia.core.errors import Disallowed, FetchError, TooLarge
from vigia.scrapers.http import HostThrottle, HttpClient, HttpSettings
from vigia.scrapers.robots import parse_robots

FAST = replace(FAST_HTTP, retries=2, read_timeout=2)


def test_transient_errors_are_retried_until_success(httpserver: HTTPServer):
    httpserver.expect_ordered_request("/flaky").respond_with_data("busy", status=503)
    httpserver.expect_ordered_request("/flaky").respond_with_data("busy", status=502)
    httpserver.expect_ordered_request("/flaky").respond_with_data("ok")
    page = HttpClient(FAST).get(httpserver.url_for("/flaky"), "test")
    assert page.body == b"ok"
    assert len(httpserver.log) == 3


def test_client_errors_are_not_retried(httpserver: HTTPServer):
    httpserver.expect_request("/missing").respond_with_data("no", status=404)
    with pytest.raises(FetchError) as caught:
        HttpClient(FAST).get(httpserver.url_for("/missing"), "test")
    assert caught.value.status == 404
    assert len(httpserver.log) == 1


def test_persistent_server_errors_end_in_fetch_error(httpserver: HTTPServer):
    httpserver.expect_request("/down").respond_with_data("down", status=500)
    with pytest.raises(FetchError) as caught:
        HttpClient(FAST).get(httpserver.url_for("/down"), "test")
    assert caught.value.status == 500
    assert len(httpserver.log) == 3  # first try + 2 retries


def test_declared_oversized_body_is_refused(httpserver: HTTPServer):
    httpserver.expect_request("/big").respond_with_data(b"x" * 5000)
    settings = replace(FAST, retries=0, max_bytes=1000)
    with pytest.raises(TooLarge):
        HttpClient(settings).get(httpserver.url_for("/big"), "test")


def test_streamed_oversized_body_is_refused(httpserver: HTTPServer):
    def chunked(_: Request) -> Response:
        return Response((b"y" * 1000 for _ in range(10)), mimetype="text/plain")

    httpserver.expect_request("/stream").respond_with_handler(chunked)
    settings = replace(FAST, retries=0, max_bytes=3000)
    with pytest.raises(TooLarge):
        HttpClient(settings).get(httpserver.url_for("/stream"), "test")


def test_slow_server_times_out_as_fetch_error(httpserver: HTTPServer):
    def slow(_: Request) -> Response:
        time.sleep(1.5)
        return Response("late")

    httpserver.expect_request("/slow").respond_with_handler(slow)
    settings = replace(FAST, retries=0, read_timeout=0.3)
    with pytest.raises(FetchError):
        HttpClient(settings).get(httpserver.url_for("/slow"), "test")


def test_user_agent_identifies_vigia(httpserver: HTTPServer):
    httpserver.expect_request("/ua", headers={"User-Agent": FAST.user_agent}).respond_with_data(
        "ok"
    )
    assert HttpClient(FAST).get(httpserver.url_for("/ua"), "test").body == b"ok"


def test_throttle_spaces_requests_to_the_same_host():
    throttle = HostThrottle(0.2)
    started = time.monotonic()
    for _ in range(3):
        throttle.wait("https://www.dof.gob.mx/index.php")
    throttle.wait("https://sidof.segob.gob.mx/")  # another host does not wait
    assert 0.38 <= time.monotonic() - started < 0.6


def test_robots_disallow_is_honoured_without_requesting_the_page(httpserver: HTTPServer):
    httpserver.expect_request("/robots.txt").respond_with_data(
        (FIXTURES / "dof/robots_dof.gob.mx.txt").read_bytes(), content_type="text/plain"
    )
    httpserver.expect_request("/index_111.php").respond_with_data("index")
    client = HttpClient(replace(FAST, respect_robots=True))
    with pytest.raises(Disallowed):
        client.get(httpserver.url_for("/nota_detalle.php?codigo=5341070&fecha=16/04/2014"), "t")
    assert client.get(httpserver.url_for("/index_111.php?year=2026"), "t").body == b"index"
    paths = [request.path for request, _ in httpserver.log]
    assert paths == ["/robots.txt", "/index_111.php"]  # robots read once, the page never


def test_missing_robots_allows_and_unreachable_robots_fetches_nothing(httpserver: HTTPServer):
    client = HttpClient(replace(FAST, respect_robots=True))
    # Nothing listens on port 1: the page is not fetched, and the error names the network.
    with pytest.raises(FetchError, match="connection refused") as failed:
        client.get("http://127.0.0.1:1/x", "test")
    assert not isinstance(failed.value, Disallowed)
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    assert client.robots(httpserver.url_for("/any")).allows(httpserver.url_for("/any"))


def test_dof_robots_quirk_is_parsed_where_the_stdlib_allows_everything():
    from urllib.robotparser import RobotFileParser

    text = (FIXTURES / "dof/robots_dof.gob.mx.txt").read_text(encoding="utf-8")
    ours = parse_robots(text, FAST.user_agent)
    detail = "https://www.dof.gob.mx/nota_detalle.php?codigo=5341070&fecha=16/04/2014"
    assert not ours.allows(detail)
    assert ours.allows("https://www.dof.gob.mx/index_111.php?year=2026&month=07&day=31&edicion=MAT")
    stdlib = RobotFileParser()
    stdlib.parse(text.splitlines())
    assert stdlib.can_fetch("Vigia", detail)  # the quirk: the blank line hides every rule


def test_sidof_robots_allow_doc_fuente_except_the_listed_notas():
    text = (FIXTURES / "sidof/robots_sidof.segob.gob.mx.txt").read_text(encoding="utf-8")
    rules = parse_robots(text, FAST.user_agent)
    assert rules.allows("https://sidof.segob.gob.mx/notas/docFuente/5788395")
    assert rules.allows("https://sidof.segob.gob.mx/dof/sidof/notas/31-07-2026")
    assert not rules.allows("https://sidof.segob.gob.mx/notas/docFuente/5381640")
    assert not rules.allows("https://sidof.segob.gob.mx/CopiasCert?id=1")


@pytest.mark.parametrize(
    ("rules", "path", "allowed"),
    [
        ("User-agent: *\nDisallow: /private\nAllow: /private/ok", "/private/ok/page", True),
        ("User-agent: *\nDisallow: /*.pdf$", "/docs/a.pdf", False),
        ("User-agent: *\nDisallow: /*.pdf$", "/docs/a.pdf?x=1", True),
        ("User-agent: vigia\nDisallow: /\n\nUser-agent: *\nAllow: /", "/anything", False),
        ("User-agent: other\nDisallow: /", "/anything", True),
    ],
    ids=["longest-wins", "end-anchor", "anchor-with-query", "named-group", "other-agent"],
)
def test_robots_rule_precedence(rules: str, path: str, allowed: bool):
    assert parse_robots(rules, "Vigia/0.1").allows(f"https://example.org{path}") is allowed


def test_requests_per_second_setting_becomes_a_spacing():
    assert HttpSettings.from_config({"max_requests_per_second": 4}).min_interval == 0.25
    with pytest.raises(TypeError):
        HttpSettings.from_config({"retrys": 3})
