"""Rendering and delivery of alerts: escaping, Block Kit, the console, and slack-sdk against a
fake Slack."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from tests.fake_slack import FakeSlack
from vigia.alerts import (
    AlertBody,
    ConsoleChannel,
    DeliveryFailed,
    Outgoing,
    SlackChannel,
    channels_from_env,
)
from vigia.alerts.channels.slack_blocks import escape_mrkdwn, render_alert
from vigia.alerts.content import cut
from vigia.classify import load_demands
from vigia.core.model import Item, PendingAlert, alert_ref

ROOT = Path(__file__).resolve().parents[1]
DEMANDS = load_demands(ROOT / "demands.yaml")


def alert(
    title: str = "DECRETO por el que se expide la Ley Nacional del Registro de Detenciones",
    url: str = "https://sidof.segob.gob.mx/notas/990000004",
    evidence: str = "Se expide la Ley Nacional del Registro de Detenciones.",
) -> PendingAlert:
    item = Item(
        source="gazette",
        kind="gazette",
        external_id="990000004",
        url=url,
        title=title,
        text=evidence,
        published=date(2019, 5, 27),
        lang="es",
        meta={
            "edition": "VES",
            "edition_name": "Vespertina",
            "issuer": "SECRETARIA DE GOBERNACION",
        },
    )
    return PendingAlert(
        key=f"match:detention-registry:{item.id}",
        demand_id="detention-registry",
        channel="#vigia-alerts",
        attempts=0,
        stance="advance",
        score=0.8,
        evidence=evidence,
        rule="terms 'registro de detenciones'",
        item=item,
    )


def outgoing(pending: PendingAlert) -> Outgoing:
    return Outgoing(
        pending.key, pending.channel, AlertBody(pending, DEMANDS.demand(pending.demand_id))
    )


def test_escape_neutralises_slack_control_characters():
    assert escape_mrkdwn("A & B <!channel> <@U123> <https://evil|click>") == (
        "A &amp; B &lt;!channel&gt; &lt;@U123&gt; &lt;https://evil|click&gt;"
    )


def test_message_shows_stance_demand_source_date_link_and_quote():
    pending = alert()
    message = render_alert(pending, DEMANDS.demand("detention-registry"))
    header, link, quote, context, buttons = message.blocks
    assert header["text"]["text"] == "▲ Avance / Advance · Registro nacional de detenciones"
    assert link["text"]["text"] == (
        "*<https://sidof.segob.gob.mx/notas/990000004|DECRETO por el "
        "que se expide la Ley Nacional del Registro de Detenciones>*"
    )
    assert quote["text"]["text"] == "> Se expide la Ley Nacional del Registro de Detenciones."
    texts = [e["text"] for e in context["elements"]]
    assert texts[0] == "Diario Oficial (DOF) · gazette · 2019-05-27"
    assert "edición Vespertina" in texts and "SECRETARIA DE GOBERNACION" in texts
    assert message.text.startswith("▲ Avance/Advance · Registro nacional de detenciones: DECRETO")
    relevant, not_relevant, direction = buttons["elements"]
    assert [relevant["action_id"], not_relevant["action_id"]] == [
        "vigia_feedback_relevant",
        "vigia_feedback_not_relevant",
    ]
    assert relevant["value"] == not_relevant["value"] == pending.key
    # A wrong direction is corrected by naming the right one: the other two, never its own.
    assert direction["type"] == "static_select"
    assert direction["placeholder"]["text"] == "⇅ Dirección equivocada / Wrong direction"
    assert [o["text"]["text"] for o in direction["options"]] == [
        "▼ Es un retroceso / It is a setback",
        "● Solo una mención / Only a mention",
    ]
    ref = alert_ref(pending.key)
    assert [o["value"] for o in direction["options"]] == [f"regress:{ref}", f"mention:{ref}"]


def test_the_direction_menu_fits_slack_limits_whatever_the_key():
    # Constructed: a demand id and a destination as long as a campaign may write them.
    long_key = "match:" + "d" * 120 + ":" + "0" * 40 + ">email:" + "x" * 200 + "@example.org"
    pending = replace(alert(), key=long_key, stance="regress")
    [*_, buttons] = render_alert(pending, DEMANDS.demand("detention-registry")).blocks
    menu = buttons["elements"][-1]
    assert [o["value"].split(":")[0] for o in menu["options"]] == ["advance", "mention"]
    assert all(len(o["value"]) <= 150 and len(o["text"]["text"]) <= 75 for o in menu["options"])


def test_scraped_mentions_and_links_arrive_as_text():
    hostile = alert(
        title="Decreto <!channel> & <https://evil.example|click me> <@U123>",
        evidence="Texto <!here> con <https://evil.example|enlace>.",
    )
    message = render_alert(hostile, DEMANDS.demand("detention-registry"))
    rendered = str(message.blocks) + message.text
    assert "<!channel>" not in rendered and "<!here>" not in rendered and "<@U123>" not in rendered
    assert "<https://evil.example|" not in rendered
    assert "&lt;!channel&gt; &amp; &lt;https://evil.example|click me&gt;" in rendered


def test_only_http_urls_become_links():
    message = render_alert(alert(url="javascript:alert(1)"), DEMANDS.demand("detention-registry"))
    assert "<javascript:" not in message.blocks[1]["text"]["text"]


def test_long_quotes_are_cut_at_a_sentence():
    text = "Primera frase del decreto. " * 10 + "x" * 500
    assert cut(text, 300).endswith("decreto. …")
    assert len(cut(text, 300)) <= 300


@pytest.mark.parametrize("limit", [75, 150, 300])
def test_a_cut_never_passes_its_limit_even_without_a_space(limit):
    # Slack refuses a whole message whose header or option passes its limit by one character.
    for text in ("x" * 1000, "https://sidof.segob.gob.mx/" + "a" * 1000, "dos palabras " * 100):
        assert len(cut(text, limit)) <= limit


def test_a_cut_quote_links_to_the_rest_and_blocks_stay_within_slack_limits():
    long = "El decreto establece el registro de cada detención en todo el país. " * 60
    message = render_alert(alert(evidence=long), DEMANDS.demand("detention-registry"))
    quote = message.blocks[2]["text"]["text"]
    assert quote.endswith(
        "<https://sidof.segob.gob.mx/notas/990000004|Leer completo / Read in full>"
    )
    assert "país. …" in quote
    assert len(message.blocks) <= 50 and len(message.blocks[0]["text"]["text"]) <= 150
    assert all(len(b["text"]["text"]) <= 3000 for b in message.blocks if b.get("text"))
    assert len(message.blocks[3]["elements"]) <= 10


def test_console_prints_a_readable_alert():
    stream = io.StringIO()
    ConsoleChannel(stream).send(outgoing(alert()))
    lines = stream.getvalue().splitlines()
    assert lines[0] == (
        "[#vigia-alerts] ▲ Avance / Advance · Registro nacional de detenciones (detention-registry)"
    )
    assert lines[2] == "  https://sidof.segob.gob.mx/notas/990000004"
    assert "edición Vespertina" in lines[3]


def test_no_token_means_console_and_a_token_means_slack_at_the_configured_url(
    fake_slack: FakeSlack,
):
    assert isinstance(channels_from_env({}).for_destination("#vigia-alerts"), ConsoleChannel)
    channels = channels_from_env(
        {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": fake_slack.base_url}
    )
    slack = channels.for_destination("#vigia-alerts")
    assert isinstance(slack, SlackChannel)
    assert slack.client.base_url == fake_slack.base_url
    # A kind of channel with nothing configured still reaches someone: the console.
    assert isinstance(channels.for_destination("email:team@example.org"), ConsoleChannel)


def test_slack_receives_the_exact_message_with_its_outbox_key(fake_slack: FakeSlack):
    pending = alert()
    message = render_alert(pending, DEMANDS.demand("detention-registry"))
    delivery = SlackChannel("xoxb-test", fake_slack.base_url, min_interval=0).send(
        outgoing(pending)
    )
    [call] = fake_slack.calls
    assert call.method == "chat.postMessage"
    assert call.headers["Authorization"] == "Bearer xoxb-test"
    assert call.body["channel"] == "#vigia-alerts"
    assert call.body["text"] == message.text and call.body["blocks"] == message.blocks
    assert call.body["unfurl_links"] is False
    assert call.body["metadata"] == {
        "event_type": "vigia_alert",
        "event_payload": {"key": pending.key},
    }
    assert delivery.via == "slack" and delivery.place == fake_slack.channel_id("#vigia-alerts")
    assert delivery.ref


def test_rate_limited_post_waits_for_retry_after(fake_slack: FakeSlack):
    fake_slack.answer_next(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"})
    SlackChannel("xoxb-test", fake_slack.base_url, min_interval=0).send(outgoing(alert()))
    first, second = fake_slack.calls
    assert second.at - first.at >= 1.0
    assert len(fake_slack.posted()) == 1


@pytest.mark.parametrize(
    ("status", "error", "permanent", "deployment"),
    [
        (200, "channel_not_found", True, False),  # this message's channel
        (200, "invalid_auth", False, True),  # the token: every message would fail alike
        (500, "", False, False),
    ],
)
def test_slack_errors_say_whether_to_retry(
    fake_slack: FakeSlack, status: int, error: str, permanent: bool, deployment: bool
):
    fake_slack.answer_next(status, {"ok": False, "error": error} if error else {"ok": False})
    with pytest.raises(DeliveryFailed) as caught:
        SlackChannel("xoxb-secret-token", fake_slack.base_url, min_interval=0).send(
            outgoing(alert())
        )
    assert caught.value.permanent is permanent
    assert caught.value.deployment is deployment
    assert "xoxb-secret-token" not in str(caught.value)


def test_messages_to_one_channel_are_paced(fake_slack: FakeSlack):
    sender = SlackChannel("xoxb-test", fake_slack.base_url, min_interval=0.3)
    for _ in range(3):
        sender.send(outgoing(alert()))
    gaps = [b.at - a.at for a, b in zip(fake_slack.calls, fake_slack.calls[1:], strict=False)]
    assert all(gap >= 0.28 for gap in gaps)
