"""The whole pipeline under Prefect's test harness: replayed sources → DuckDB → fake Slack."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from tests.fake_slack import FakeSlack
from vigia.core.model import alert_ref, stable_id
from vigia.demo.replay import demo_sources_config
from vigia.storage import run_query

pytestmark = pytest.mark.prefect

COUNTS = """SELECT (SELECT count(*) FROM items), (SELECT count(*) FROM item_versions),
                   (SELECT count(*) FROM matches), (SELECT count(*) FROM alerts WHERE status = 'sent' AND kind = 'match')"""


@pytest.fixture
def slack_env(fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch) -> FakeSlack:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_API_URL", fake_slack.base_url)
    monkeypatch.setenv("VIGIA_SLACK_MIN_INTERVAL", "0")
    return fake_slack


def run(db_path: Path, config: dict, **kwargs):
    from vigia.flows.process import vigia_run

    return vigia_run(db_path=str(db_path), sources_config=config, return_state=True, **kwargs)


def test_pipeline_stores_classifies_alerts_once_and_a_rerun_adds_nothing(
    prefect_harness, replay: str, slack_env: FakeSlack, db_path: Path
):
    config = demo_sources_config(replay)
    assert run(db_path, config, digest=True).is_completed()

    items, versions, matches, sent = run_query(db_path, COUNTS)[1][0]
    per_source = dict(run_query(db_path, "SELECT source, count(*) FROM items GROUP BY source")[1])
    assert per_source == {"gazette": 43, "scjn": 5, "scjn_press": 2, "corteidh": 35, "news": 86}
    assert items == versions == 171
    # Every match reached Slack once: urgent ones as their own message, the rest in a digest.
    assert matches == sent > 0
    [(at_once, digests, statuses)] = run_query(
        db_path,
        """SELECT count(*) FILTER (WHERE kind = 'match' AND sent_via = 'slack'),
                  count(*) FILTER (WHERE kind = 'digest' AND status = 'sent'),
                  count(*) FILTER (WHERE kind = 'status' AND status = 'sent') FROM alerts""",
    )[1]
    assert 0 < at_once < matches and digests > 0 and statuses > 0
    assert len(slack_env.posted()) == at_once + digests + statuses

    # A real milestone of SOURCES.md §7 reaches its demand's channel, exactly as rendered.
    registry_id = stable_id("gazette", "990000004")
    registry_ref = alert_ref(f"match:detention-registry:{registry_id}")
    [registry] = [
        c.body
        for c in slack_env.calls
        if c.body["metadata"]["event_payload"]["key"] == f"match:detention-registry:{registry_id}"
    ]
    title = "DECRETO por el que se expide la Ley Nacional del Registro de Detenciones."
    assert registry == {
        "channel": "#vigia-detencion",
        "text": (
            "▲ Avance/Advance · Registro nacional de detenciones: "
            + title
            + " (Diario Oficial (DOF) · gazette, 2019-05-27) — “"
            + title
            + "”"
        ),
        "blocks": [
            {
                "type": "header",
                "text": {
                    "type": "plain_text",
                    "emoji": False,
                    "text": "▲ Avance / Advance · Registro nacional de detenciones",
                },
            },
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": (f"*<https://sidof.segob.gob.mx/notas/990000004|{title}>*"),
                },
            },
            {"type": "section", "text": {"type": "mrkdwn", "text": f"> {title}"}},
            {
                "type": "context",
                "elements": [
                    {"type": "mrkdwn", "text": "Diario Oficial (DOF) · gazette · 2019-05-27"},
                    {"type": "mrkdwn", "text": "edición Vespertina"},
                    {"type": "mrkdwn", "text": "sección Primera"},
                    {"type": "mrkdwn", "text": "SECRETARIA DE GOBERNACION"},
                    {
                        "type": "mrkdwn",
                        "text": (
                            "National registry of detentions · score 0.80 · terms 'ley nacional del "
                            "registro de detenciones' in title; advance: unnamed actor 'se expide' "
                            "[create] → 'ley nacional del registro de detenciones' (wanted)"
                        ),
                    },
                ],
            },
            {
                "type": "actions",
                "block_id": "vigia_feedback",
                "elements": [
                    *(
                        {
                            "type": "button",
                            "action_id": f"vigia_feedback_{verdict}",
                            "text": {"type": "plain_text", "text": label, "emoji": False},
                            "value": f"match:detention-registry:{registry_id}",
                        }
                        for verdict, label in (
                            ("relevant", "✓ Relevante / Relevant"),
                            ("not_relevant", "✗ No relevante / Not relevant"),
                        )
                    ),
                    {
                        "type": "static_select",
                        "action_id": "vigia_feedback_menu",
                        "placeholder": {
                            "type": "plain_text",
                            "text": "⇅ Dirección equivocada / Wrong direction",
                            "emoji": False,
                        },
                        "options": [
                            {
                                "text": {"type": "plain_text", "text": label, "emoji": False},
                                "value": f"{stance}:{registry_ref}",
                            }
                            for stance, label in (
                                ("regress", "▼ Es un retroceso / It is a setback"),
                                ("mention", "● Solo una mención / Only a mention"),
                            )
                        ],
                    },
                ],
            },
        ],
        "unfurl_links": False,
        "unfurl_media": False,
        "metadata": {
            "event_type": "vigia_alert",
            "event_payload": {"key": f"match:detention-registry:{registry_id}"},
        },
        "_ok": True,
    }
    channels = Counter(c.body["channel"] for c in slack_env.calls)
    assert set(channels) == {
        "#vigia-desaparicion",
        "#vigia-tortura",
        "#vigia-detencion",
        "#vigia-justicia",
        "#vigia-migrantes",
        "#vigia-defensores",
        "#vigia-alerts",
    }
    stances = dict(
        run_query(
            db_path,
            """
        SELECT title, stance FROM match_details
        WHERE demand_id = 'pndh-action-plan' AND kind = 'gazette'""",
        )[1]
    )
    assert set(stances) == {
        "PROGRAMA Nacional de Derechos Humanos 2014-2018.",
        "PROGRAMA Nacional de Derechos Humanos 2020-2024.",
    }
    keys = [c.body["metadata"]["event_payload"]["key"] for c in slack_env.calls]
    assert len(keys) == len(set(keys))  # one message per alert key

    # The recorded pages hold real milestones (docs/reference/SOURCES.md §7); the status history
    # rebuilt from them places each where it belongs.
    timeline = set(
        run_query(
            db_path,
            "SELECT demand_id, effective_date::VARCHAR, status FROM demand_timeline "
            "WHERE confirmed",
        )[1]
    )
    assert {
        ("arraigo-abolition", "2014-02-25", "upheld"),  # SCJN AI 29/2012
        ("military-justice", "2014-06-13", "published"),  # Code of Military Justice reform
        ("torture-investigation-istanbul", "2017-06-26", "published"),  # General Law on torture
        ("detention-registry", "2019-05-27", "published"),  # registry law, evening edition
        ("pndh-action-plan", "2020-12-10", "published"),  # PNDH 2020-2024
    } <= timeline

    calls_before = len(slack_env.calls)
    assert run(db_path, config, digest=True).is_completed()
    assert run_query(db_path, COUNTS)[1][0] == (items, versions, matches, sent)
    assert len(slack_env.calls) == calls_before


def test_a_broken_source_fails_the_run_after_the_others_are_stored_and_alerted(
    prefect_harness, replay: str, slack_env: FakeSlack, db_path: Path
):
    config = demo_sources_config(replay)
    config["sources"]["scjn"]["bj_url"] = f"{replay}/nowhere"  # every search answers 404
    state = run(db_path, config)
    assert state.is_failed()
    assert "scjn" in state.message
    per_source = dict(run_query(db_path, "SELECT source, count(*) FROM items GROUP BY source")[1])
    assert per_source == {"gazette": 43, "scjn_press": 2, "corteidh": 35, "news": 86}
    assert len(slack_env.posted()) > 0
    [(failures, error)] = run_query(
        db_path,
        """
        SELECT consecutive_failures, last_error FROM source_state WHERE source = 'scjn'""",
    )[1]
    assert failures == 1 and "404" in error


@pytest.mark.long(seconds=67)
def test_vigia_demo_twice_stores_and_sends_nothing_new(
    prefect_harness, db_path: Path, capsys: pytest.CaptureFixture
):
    from vigia import cli

    assert cli.main(["--db", str(db_path), "demo"]) == 0
    first = capsys.readouterr().out
    [(found, at_once, in_digests)] = re.findall(
        r"(\d+) new match\(es\); \d+ message\(s\) sent via console: (\d+) alert\(s\) at once, "
        r"(\d+) in \d+ digest\(s\)",
        first,
    )
    assert int(found) == int(at_once) + int(in_digests) > 50
    assert cli.main(["--db", str(db_path), "demo"]) == 0  # a new replay server, a new port
    second = capsys.readouterr().out
    assert "classified 0 item(s); 0 new match(es); 0 message(s) sent via console" in second
    assert "[#vigia" not in second  # no alert printed
    assert "Try next:" in second


def test_the_slack_token_and_smtp_password_can_come_from_prefect_secret_blocks(
    prefect_harness, db_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from prefect.blocks.system import Secret

    from vigia.alerts import EmailChannel, SlackChannel
    from vigia.config import load_settings
    from vigia.flows.common import channels_for

    Secret(value="xoxb-from-a-block").save("vigia-slack-token", overwrite=True)
    Secret(value="smtp-from-a-block").save("vigia-smtp-password", overwrite=True)
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    monkeypatch.setenv("VIGIA_SLACK_TOKEN_BLOCK", "vigia-slack-token")
    monkeypatch.setenv("VIGIA_SMTP_URL", "smtp+starttls://alerts%40example.org:in-url@mail:587")
    monkeypatch.setenv("VIGIA_SMTP_PASSWORD_BLOCK", "vigia-smtp-password")
    settings = load_settings(db_path=str(db_path), sources_config={})
    channels = channels_for(settings)
    slack = channels.for_destination("#vigia-alerts")
    email = channels.for_destination("email:team@example.org")
    assert isinstance(slack, SlackChannel) and slack.client.token == "xoxb-from-a-block"
    assert isinstance(email, EmailChannel)
    assert email.settings.password == "smtp-from-a-block"  # the block wins over the URL's
    assert email.settings.user == email.settings.sender == "alerts@example.org"
    assert "xoxb-from-a-block" not in repr(settings) + repr(slack)
    assert "smtp-from-a-block" not in repr(email.settings)


def test_every_flow_leaves_a_closed_run_with_its_outcome(
    prefect_harness, replay: str, db_path: Path
):
    from vigia.flows.ingest import ingest_courts, ingest_news
    from vigia.flows.process import process_items, send_digest

    config = demo_sources_config(replay)
    config["sources"]["news"]["feeds"][0]["url"] = f"{replay}/no-such-feed.xml"
    assert ingest_courts(
        db_path=str(db_path), sources_config=config, return_state=True
    ).is_completed()
    assert ingest_news(
        db_path=str(db_path), sources_config=config, return_state=True
    ).is_completed()
    assert process_items(
        db_path=str(db_path), sources_config=config, return_state=True
    ).is_completed()
    assert send_digest(db_path=str(db_path), return_state=True).is_completed()
    runs = run_query(
        db_path,
        "SELECT command, status, cause, finished_at IS NOT NULL FROM runs ORDER BY started_at",
    )[1]
    assert [(command, closed) for command, _, _, closed in runs] == [
        ("ingest scjn scjn_press corteidh", True),
        ("ingest news", True),
        ("process", True),
        ("digest", True),
    ]
    assert all(status == "ok" and cause is None for _, status, cause, _ in runs)
    # The news source read its other feeds; its run's summary names the feed that failed.
    [(warnings,)] = run_query(
        db_path,
        "SELECT summary->'sources'->'news'->>'warnings' FROM runs WHERE command = 'ingest news'",
    )[1]
    assert "no-such-feed" in warnings
