"""The shared HTTP client against a local server: retries, caps, timeouts, politeness."""

from __future__ import annotations

import time

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from scrapers.errors import FetchError, TooLarge
from scrapers.http import HostThrottle, HttpClient, HttpSettings

FAST = HttpSettings(min_interval=0, retries=2, backoff_factor=0.01, read_timeout=2)


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
    settings = HttpSettings(min_interval=0, retries=0, max_bytes=1000)
    with pytest.raises(TooLarge):
        HttpClient(settings).get(httpserver.url_for("/big"), "test")


def test_streamed_oversized_body_is_refused(httpserver: HTTPServer):
    def chunked(_: Request) -> Response:
        return Response((b"y" * 1000 for _ in range(10)), mimetype="text/plain")

    httpserver.expect_request("/stream").respond_with_handler(chunked)
    settings = HttpSettings(min_interval=0, retries=0, max_bytes=3000)
    with pytest.raises(TooLarge):
        HttpClient(settings).get(httpserver.url_for("/stream"), "test")


def test_slow_server_times_out_as_fetch_error(httpserver: HTTPServer):
    def slow(_: Request) -> Response:
        time.sleep(1.5)
        return Response("late")

    httpserver.expect_request("/slow").respond_with_handler(slow)
    settings = HttpSettings(min_interval=0, retries=0, read_timeout=0.3)
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
