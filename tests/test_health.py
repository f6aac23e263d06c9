"""Source health: one notice when a source goes wrong, one when it recovers, none in between."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pytest_httpserver import HTTPServer

from tests.conftest import LOCAL_HTTP_CONFIG, fixture_bytes
from tests.fake_slack import FakeSlack
from vigia import pipeline
from vigia.alerts import ConsoleChannel
from vigia.config import load_settings
from vigia.health import HealthPolicy, problem, transition
from vigia.storage import run_query

NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)
POLICY = HealthPolicy(
    channel="#ops", max_failures=3, max_empty_runs=2, expects_items=True, max_silence_hours=24
)


def test_problems_are_named_in_one_sentence():
    assert problem({"consecutive_failures": 3, "last_error": "HTTP 503"}, POLICY, NOW) == (
        "failed 3 runs in a row; last error: HTTP 503"
    )
    assert "returned nothing in 2 runs" in problem({"consecutive_empty": 2}, POLICY, NOW)
    silent = {"last_new_at": NOW - timedelta(hours=30)}
    assert problem(silent, POLICY, NOW).startswith("no new items since 2026-11-27 06:00 UTC")
    assert (
        problem(
            {
                "consecutive_failures": 2,
                "consecutive_empty": 1,
                "last_new_at": NOW - timedelta(hours=2),
            },
            POLICY,
            NOW,
        )
        is None
    )


def test_notice_once_then_recovery_once():
    state = {"consecutive_failures": 3, "last_error": "boom", "health_status": "ok"}
    status, since, notice = transition("gazette", state, POLICY, NOW)
    assert (status, since, notice.kind, notice.channel) == ("unhealthy", NOW, "health", "#ops")
    still = transition(
        "gazette",
        state | {"health_status": status, "health_since": since},
        POLICY,
        NOW + timedelta(hours=1),
    )
    assert still == ("unhealthy", NOW, None)
    healthy = {"consecutive_failures": 0, "health_status": "unhealthy", "health_since": NOW}
    status, since, notice = transition("gazette", healthy, POLICY, NOW + timedelta(hours=2))
    assert (status, since, notice.kind) == ("ok", None, "recovery")
    assert notice.key == f"recovery:gazette:{NOW.isoformat()}"


def _settings(db: Path, feed_url: str, **news):
    config = {
        "http": LOCAL_HTTP_CONFIG,
        "health": {"channel": "#vigia-ops", "max_failures": 2},
        "sources": {"news": {"feeds": [{"name": "f", "url": feed_url}], **news}},
    }
    return load_settings({}, db_path=str(db), sources_config=config)


def test_failing_feed_alerts_operators_once_and_recovery_once(
    httpserver: HTTPServer, db_path: Path, fake_slack: FakeSlack
):
    settings = _settings(db_path, httpserver.url_for("/feed.xml"))
    httpserver.expect_request("/feed.xml").respond_with_data("down", status=503)
    reports = [pipeline.ingest_source(settings, "news") for _ in range(4)]
    assert [r.health for r in reports] == ["ok", "unhealthy", "unhealthy", "unhealthy"]
    httpserver.clear()
    httpserver.expect_request("/feed.xml").respond_with_data(
        fixture_bytes("replay/feeds/press-en.constructed.xml"), content_type="application/atom+xml"
    )
    reports = [pipeline.ingest_source(settings, "news") for _ in range(2)]
    assert [r.health for r in reports] == ["ok", "ok"]

    rows = run_query(
        db_path, "SELECT kind, channel FROM alerts WHERE kind <> 'match' ORDER BY created_at"
    )[1]
    assert rows == [("health", "#vigia-ops"), ("recovery", "#vigia-ops")]
    slack = settings.env | {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_API_URL": fake_slack.base_url,
        "VIGIA_SLACK_MIN_INTERVAL": "0",
    }
    from vigia.alerts import channels_from_env

    report = pipeline.dispatch_alerts(settings, channels_from_env(slack))
    assert report.failed == 0
    headers = [
        c.body["blocks"][0]["text"]["text"]
        for c in fake_slack.calls
        if c.body["channel"] == "#vigia-ops"
    ]
    assert headers == [
        "⚠ Fuente con problemas / Source problem: news",
        "✓ Fuente restablecida / Source recovered: news",
    ]
    body = next(c.body for c in fake_slack.calls if c.body["channel"] == "#vigia-ops")
    assert "failed 2 runs in a row" in body["blocks"][1]["text"]["text"]
    assert "503" in body["blocks"][1]["text"]["text"]


def test_empty_runs_of_a_source_that_always_publishes_raise_a_notice(
    httpserver: HTTPServer, db_path: Path
):
    empty_feed = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'
    )
    httpserver.expect_request("/feed.xml").respond_with_data(
        empty_feed, content_type="application/rss+xml"
    )
    settings = _settings(db_path, httpserver.url_for("/feed.xml"), expects_items=True)
    reports = [pipeline.ingest_source(settings, "news") for _ in range(3)]
    assert [r.health for r in reports] == ["ok", "ok", "unhealthy"]
    out = io.StringIO()
    pipeline.dispatch_alerts(settings, ConsoleChannel(out))
    assert "returned nothing in 3 runs in a row" in out.getvalue()
