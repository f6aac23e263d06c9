"""The outbox against a fake Slack: exactly once across crashes, retries, failures, threads, digests.

Items are constructed (short texts written for these tests), classified by the real classifier
and stored in a real DuckDB file; messages go through the real slack-sdk WebClient to the fake
Slack Web API on 127.0.0.1. A dispatcher is killed with SIGKILL at the two moments that matter:
after Slack stored the message but before our database recorded it, and while the post was
still on its way.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from tests.constructed import ARRAIGO_RULING, REGISTRY_DECREE
from tests.constructed import item as _item
from tests.fake_slack import FakeSlack
from vigia import dispatch, pipeline
from vigia.alerts import SlackChannel
from vigia.classify import load_demands
from vigia.config import load_settings
from vigia.core.errors import RunFailed
from vigia.storage import open_store, run_query

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "xoxb-secret-token-123"


URGENT = [
    REGISTRY_DECREE,
    ARRAIGO_RULING,
    _item(
        "military-ruling",
        "court",
        "Amparo en revisión sobre el fuero militar",
        "La Primera Sala resolvió que corresponde al fuero civil juzgar a militares acusados.",
    ),
]
PRESS = [
    _item(
        "migrants-a",
        "news",
        "Agentes del INM extorsionan a migrantes en Chiapas, México",
        "Migrantes denunciaron extorsión de agentes del Instituto Nacional de Migración.",
        outlet="Proceso",
    ),
    _item(
        "migrants-b",
        "news",
        "Denuncian extorsión de agentes del INM a migrantes en Chiapas",
        "Migrantes de México denunciaron extorsión de agentes migratorios en Chiapas.",
        outlet="La Jornada",
    ),
    _item(
        "torture-note",
        "news",
        "La CNDH documenta tortura a detenidos en México",
        "La CNDH documentó tortura a detenidos por policías estatales.",
        outlet="Animal Político",
    ),
]


@pytest.fixture
def queued(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_slack: FakeSlack):
    """A store with the constructed items classified and their alerts queued."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("SLACK_API_URL", fake_slack.base_url)
    monkeypatch.setenv("VIGIA_SLACK_MIN_INTERVAL", "0")
    # The channels the bot can see (conversations.list), to find a channel's id by name.
    fake_slack.known_names = [
        d.channel.lstrip("#") for d in load_demands(ROOT / "demands.yaml").demands
    ]
    db = tmp_path / "vigia.duckdb"
    settings = load_settings(db_path=str(db), sources_config={})
    with open_store(db) as store:
        store.items.upsert(URGENT + PRESS, datetime.now(UTC))
        # The two migrant stories are one event (as the news source would group them).
        ids = {i.external_id: i.id for i in PRESS}
        store.items.set_event_ids(
            {ids["migrants-a"]: ids["migrants-a"], ids["migrants-b"]: ids["migrants-a"]}
        )
    pipeline.classify_pending(settings)
    return settings, db


def _sender(fake_slack: FakeSlack) -> SlackChannel:
    return SlackChannel(TOKEN, fake_slack.base_url, min_interval=0)


def _urgent_keys(db: Path) -> list[str]:
    """Messages that go out at once: the urgent alerts and the status changes they cause."""
    return sorted(
        row[0]
        for row in run_query(
            db,
            "SELECT key FROM alerts WHERE tier = 'now' AND kind IN ('match', 'status') "
            "AND status <> 'suppressed'",
        )[1]
    )


def _start_dispatcher(db: Path, fake_slack: FakeSlack) -> subprocess.Popen:
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_API_URL": fake_slack.base_url,
        "VIGIA_SLACK_MIN_INTERVAL": "0",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "vigia.cli", "--db", str(db), "dispatch"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def _posts(fake_slack: FakeSlack) -> int:
    return sum(1 for c in fake_slack.calls if c.method == "chat.postMessage")


def _column(db: Path, sql: str, value: str) -> list:
    with open_store(db) as store:
        return [row[0] for row in store.conn.execute(sql, [value]).fetchall()]


def _status(db: Path) -> dict[str, str]:
    return dict(run_query(db, "SELECT key, status FROM alerts WHERE kind = 'match'")[1])


def test_urgent_alerts_go_at_once_and_press_waits_for_the_digest(queued, fake_slack: FakeSlack):
    settings, db = queued
    tiers = dict(run_query(db, "SELECT item_id, tier FROM alerts")[1])
    assert {tiers[i.id] for i in URGENT} == {"now"} and {tiers[i.id] for i in PRESS} == {"digest"}
    report = dispatch.dispatch_alerts(settings, _sender(fake_slack))
    assert report.alerts_at_once == 3 and report.digests == 0
    keys = _urgent_keys(db)
    assert sorted(fake_slack.keys_posted()) == keys and len(keys) == 6  # 3 alerts, 3 statuses
    again = dispatch.dispatch_alerts(settings, _sender(fake_slack))
    assert again.sent == 0 and len(fake_slack.keys_posted()) == 6


@pytest.mark.parametrize("listed", [True, False], ids=["channels-listed", "only-posted-to"])
def test_crash_after_slack_answered_sends_nothing_twice(
    queued, fake_slack: FakeSlack, listed: bool
):
    settings, db = queued
    if not listed:
        # No channel named in advance: the one the crashed post went to must still be found
        # by its name (the first post of a channel has no id recorded yet), as Slack lists
        # every channel that exists.
        fake_slack.known_names = []
    stored = threading.Event()
    holder: list[duckdb.DuckDBPyConnection] = []

    def hold_the_store(body: dict) -> bool:
        # Slack has the message; before answering, lock the store so the dispatcher
        # cannot record it, then let the answer go.
        if not holder:
            holder.append(duckdb.connect(str(db)))
            stored.set()
        return True

    fake_slack.on_post = hold_the_store
    dispatcher = _start_dispatcher(db, fake_slack)
    try:
        assert stored.wait(60), "the dispatcher never posted"
        time.sleep(1.0)  # it has the answer and waits for the store
        dispatcher.send_signal(signal.SIGKILL)
        dispatcher.wait(30)
    finally:
        for conn in holder:
            conn.close()
        fake_slack.on_post = None
    [first] = fake_slack.keys_posted()
    assert _status(db)[first] == "sending"

    report = dispatch.dispatch_alerts(settings, _sender(fake_slack))
    assert report.recovered == 1 and report.resent_after_crash == 0
    assert report.alerts_at_once == 2
    assert _posts(fake_slack) == 6  # six messages, six posts: the first was not sent again
    posted = fake_slack.keys_posted()
    assert sorted(posted) == _urgent_keys(db) and len(posted) == len(set(posted)) == 6
    [ts] = _column(db, "SELECT delivery_ref FROM alerts WHERE key = ?", first)
    assert ts == next(
        m["ts"]
        for ms in fake_slack.history.values()
        for m in ms
        if m["metadata"]["event_payload"]["key"] == first
    )


def test_crash_before_slack_stored_the_message_sends_it_once(queued, fake_slack: FakeSlack):
    settings, db = queued
    in_flight, killed = threading.Event(), threading.Event()

    def lose_the_post(body: dict) -> bool:
        in_flight.set()
        killed.wait(30)
        return False  # the connection drops: Slack never stored it

    fake_slack.on_post = lose_the_post
    dispatcher = _start_dispatcher(db, fake_slack)
    try:
        assert in_flight.wait(60), "the dispatcher never posted"
        dispatcher.send_signal(signal.SIGKILL)
        dispatcher.wait(30)
    finally:
        killed.set()
        fake_slack.on_post = None
    assert list(_status(db).values()).count("sending") == 1
    assert fake_slack.keys_posted() == []

    report = dispatch.dispatch_alerts(settings, _sender(fake_slack))
    assert report.resent_after_crash == 1 and report.recovered == 0
    assert _posts(fake_slack) == 7  # the lost post, then each message once
    posted = fake_slack.keys_posted()
    assert sorted(posted) == _urgent_keys(db) and len(posted) == 6


def test_a_post_that_timed_out_after_slack_stored_it_is_not_sent_again(
    queued, fake_slack: FakeSlack
):
    settings, db = queued
    slow = threading.Event()

    def answer_late(body: dict) -> bool:
        if not slow.is_set():
            slow.set()
            time.sleep(2.5)  # Slack stores it, but answers after the client gave up
        return True

    fake_slack.on_post = answer_late
    sender = SlackChannel(TOKEN, fake_slack.base_url, min_interval=0, timeout=1)
    first = dispatch.dispatch_alerts(settings, sender)
    fake_slack.on_post = None
    assert first.retry_later == 1 and first.alerts_at_once == 2
    assert list(_status(db).values()).count("sending") == 1  # unknown: left for the look-up
    time.sleep(2)  # the late answer has been stored by now
    second = dispatch.dispatch_alerts(settings, _sender(fake_slack))
    assert second.recovered == 1 and second.sent == 0
    assert _posts(fake_slack) == 6
    assert sorted(fake_slack.keys_posted()) == _urgent_keys(db)


def test_unreadable_history_leaves_the_alert_unsent_and_fails_the_run(queued, fake_slack):
    settings, db = queued
    key = _urgent_keys(db)[0]
    with open_store(db) as store:
        assert store.outbox.claim(key, datetime.now(UTC))  # as a crashed dispatcher would leave it
    fake_slack.answer_next(200, {"ok": False, "error": "internal_error"})  # history
    report = dispatch.dispatch_alerts(settings, _sender(fake_slack))
    assert report.unsettled == 1 and key not in fake_slack.keys_posted()
    assert report.alerts_at_once == 2
    with pytest.raises(RunFailed, match="could not be checked"):
        pipeline.raise_for_failures([], report)


def test_permanent_error_fails_one_row_with_its_reason_and_the_rest_go_out(
    queued, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
):
    settings, db = queued
    fake_slack.answer_next(200, {"ok": False, "error": "channel_not_found"})
    report = dispatch.dispatch_alerts(settings, _sender(fake_slack))
    assert report.failed == 1 and report.alerts_at_once == 2
    [(status, error)] = run_query(
        db, "SELECT status, last_error FROM alerts WHERE last_error IS NOT NULL"
    )[1]
    assert status == "failed" and "channel_not_found" in error
    with pytest.raises(RunFailed, match="1 alert\\(s\\) failed for good"):
        pipeline.raise_for_failures([], report)
    # The token is nowhere: not in the store, the report or the logs.
    dump = str(run_query(db, "SELECT * FROM alerts")[1]) + str(report) + caplog.text
    assert TOKEN not in dump


def test_transient_error_waits_its_backoff_then_goes_once(queued, fake_slack: FakeSlack):
    settings, db = queued
    fake_slack.answer_next(500, {"ok": False})
    first = dispatch.dispatch_alerts(settings, _sender(fake_slack))
    assert first.retry_later == 1 and first.alerts_at_once == 2
    [(attempts, next_at)] = run_query(
        db,
        "SELECT attempts, next_attempt_at FROM alerts WHERE status = 'pending' AND tier = 'now'",
    )[1]
    assert attempts == 1 and next_at > datetime.now(UTC) + timedelta(seconds=50)
    assert dispatch.dispatch_alerts(settings, _sender(fake_slack)).sent == 0  # not due yet
    with open_store(db) as store:
        store.conn.execute("UPDATE alerts SET next_attempt_at = now() - INTERVAL 1 MINUTE")
    dispatch.dispatch_alerts(settings, _sender(fake_slack))
    posted = fake_slack.keys_posted()
    assert sorted(posted) == _urgent_keys(db) and len(posted) == 6


def _a_third_outlet_reports_the_migrant_story(settings, db: Path):
    """Store and classify a later story of the migrant event; return its item."""
    late = _item(
        "migrants-c",
        "news",
        "Migrantes en Chiapas denuncian extorsión del INM en México",
        "Migrantes denunciaron extorsión de agentes del Instituto Nacional de Migración.",
        outlet="El Universal",
    )
    with open_store(db) as store:
        store.items.upsert([late], datetime.now(UTC))
        store.items.set_event_ids({late.id: PRESS[0].id})
    pipeline.classify_pending(settings)
    return late


def test_a_later_item_of_a_posted_story_goes_into_its_thread(queued, fake_slack: FakeSlack):
    settings, db = queued
    dispatch.build_digests(settings)
    dispatch.dispatch_alerts(settings, _sender(fake_slack))
    # A third outlet reports the migrant story after the digest went out.
    late = _a_third_outlet_reports_the_migrant_story(settings, db)
    report = dispatch.dispatch_alerts(settings, _sender(fake_slack))
    assert report.alerts_at_once == 1
    reply = [c.body for c in fake_slack.calls if c.method == "chat.postMessage"][-1]
    [digest_ts] = _column(db, "SELECT delivery_ref FROM alerts WHERE item_id = ?", PRESS[0].id)
    assert reply["thread_ts"] == digest_ts
    assert reply["metadata"]["event_payload"]["key"].endswith(late.id)


def test_digest_groups_by_demand_one_line_per_story_with_coverage(queued, fake_slack):
    settings, db = queued
    with open_store(db) as store:
        from vigia.scrapers.base import SourceResult

        store.sources.record_result(SourceResult("news", items=PRESS), datetime.now(UTC))
        store.sources.record_result(SourceResult("scjn", error="HTTP 503"), datetime.now(UTC))
    keys = dispatch.build_digests(settings)
    assert len(keys) == 2 and dispatch.build_digests(settings) == []  # one per channel, once
    # Kept as what to say, not as one channel's markup: the channel renders it when sending.
    for (payload,) in run_query(
        db, "SELECT CAST(payload AS VARCHAR) FROM alerts WHERE kind = 'digest'"
    )[1]:
        content = json.loads(payload)
        assert content["content"] == "digest" and "blocks" not in content
        assert {c["source"] for c in content["coverage"]} == {"news", "scjn"}
    report = dispatch.dispatch_alerts(settings, _sender(fake_slack))
    assert report.digests == 2 and report.alerts_in_digests == 3
    digests = {
        c.body["channel"]: c.body
        for c in fake_slack.calls
        if c.body.get("metadata", {}).get("event_payload", {}).get("key", "").startswith("digest:")
    }
    assert set(digests) == {"#vigia-migrantes", "#vigia-tortura"}
    texts = [b["text"]["text"] for b in digests["#vigia-migrantes"]["blocks"] if b.get("text")]
    assert texts[0].startswith("Resumen diario / Daily digest · ")
    [migrants] = [t for t in texts if t.startswith("*Prevención y sanción de abusos")]
    assert migrants.splitlines()[0].endswith("(1)")  # two outlets, one story
    assert len(migrants.splitlines()) == 2
    assert "(+1: La Jornada)" in migrants or "(+1: Proceso)" in migrants
    torture = [b["text"]["text"] for b in digests["#vigia-tortura"]["blocks"] if b.get("text")]
    assert "<https://example.org/torture-note|La CNDH documenta tortura" in torture[1]
    coverage = texts[-1]
    assert "✓ news: 3 leídos / read" in coverage
    assert "✗ scjn: falla / failing (HTTP 503)" in coverage
    assert "fuentes con fallas / failing sources: scjn" in digests["#vigia-migrantes"]["text"]
    statuses = {k: v for k, v in _status(db).items() if k.endswith(tuple(i.id for i in PRESS))}
    assert set(statuses.values()) == {"sent"}
    assert dispatch.dispatch_alerts(settings, _sender(fake_slack)).sent == 0


def test_hostile_titles_arrive_escaped(queued, fake_slack: FakeSlack):
    settings, db = queued
    hostile = _item(
        "hostile",
        "court",
        "Sentencia <!channel> sobre el arraigo <https://evil.example|click>",
        "La Suprema Corte declaró inconstitucional el arraigo <@U123> de los detenidos.",
    )
    with open_store(db) as store:
        store.items.upsert([hostile], datetime.now(UTC))
    pipeline.classify_pending(settings)
    dispatch.dispatch_alerts(settings, _sender(fake_slack))
    body = next(
        c.body
        for c in fake_slack.calls
        if c.body.get("metadata", {}).get("event_payload", {}).get("key", "").endswith(hostile.id)
    )
    rendered = str(body["blocks"]) + body["text"]
    assert "<!channel>" not in rendered and "<@U123>" not in rendered
    assert "<https://evil.example|" not in rendered
    assert "&lt;!channel&gt;" in rendered and "&lt;https://evil.example|click&gt;" in rendered


@pytest.mark.parametrize("error", ["invalid_auth", "token_revoked", "missing_scope"])
def test_a_bad_token_stops_dispatch_and_every_alert_waits_for_the_fix(
    queued, fake_slack: FakeSlack, error: str
):
    settings, db = queued
    fake_slack.answer_next(200, {"ok": False, "error": error})
    report = dispatch.dispatch_alerts(settings, _sender(fake_slack))
    assert error in report.stopped and report.failed == 0 and report.sent == 0
    assert _posts(fake_slack) == 1  # the first refusal stops it: no use trying the rest
    statuses = _status(db)
    assert "failed" not in statuses.values() and "sending" not in statuses.values()
    with pytest.raises(RunFailed, match="dispatch stopped"):
        pipeline.raise_for_failures([], report)
    # The operator fixes the token: the next dispatch sends every alert, once.
    again = dispatch.dispatch_alerts(settings, _sender(fake_slack))
    assert again.stopped == "" and again.alerts_at_once == 3 and again.sent == 6
    posted = fake_slack.keys_posted()
    assert sorted(posted) == _urgent_keys(db) and len(posted) == 6


def test_a_thread_reply_slack_stored_before_the_answer_was_lost_is_not_posted_twice(
    queued, fake_slack: FakeSlack
):
    settings, db = queued
    dispatch.build_digests(settings)
    dispatch.dispatch_alerts(settings, _sender(fake_slack))
    late = _a_third_outlet_reports_the_migrant_story(settings, db)

    def answer_late(body: dict) -> bool:
        time.sleep(2.5)  # Slack stores the reply, but answers after the client gave up
        return True

    fake_slack.on_post = answer_late
    first = dispatch.dispatch_alerts(settings, SlackChannel(TOKEN, fake_slack.base_url, timeout=1))
    fake_slack.on_post = None
    assert first.retry_later == 1
    time.sleep(2)  # the late reply has been stored by now
    posts = _posts(fake_slack)
    second = dispatch.dispatch_alerts(settings, _sender(fake_slack))
    # Found in the thread (a reply is not in the channel's history), recorded, not re-posted.
    assert second.recovered == 1 and second.sent == 0 and _posts(fake_slack) == posts
    replies = [k for k in fake_slack.keys_posted() if k.endswith(late.id)]
    assert len(replies) == 1
