"""Adding a channel is one module and one registry line (README, "Adding a channel").

The toy webhook below is constructed, not a real service: it stands for a new way to reach
campaigners (a chat bridge, an SMS gateway) that takes each message as JSON over HTTP. Defined
here and registered, its destinations are checked in demands.yaml by its own address shape,
the outbox routes alerts, status changes and digests to it, it renders them from the content
the outbox keeps (plain text here), and a second dispatch sends nothing.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
import yaml
from pytest_httpserver import HTTPServer

from tests.constructed import ARRAIGO_RULING
from vigia import dispatch, pipeline
from vigia.alerts import CHANNEL_KINDS, Channels, ConsoleChannel, Delivery, Outgoing
from vigia.alerts.channels.base import DeliveryFailed, WithoutHistory
from vigia.alerts.plain import plain_text, subject
from vigia.config import load_settings
from vigia.core.errors import ConfigError
from vigia.storage import open_store, run_query

ROOT = Path(__file__).resolve().parents[1]


class ToyWebhook(WithoutHistory):
    """A constructed channel: POST each message as {key, subject, text} to the address."""

    name = "webhook"
    address_pattern = re.compile(r"^http://(127\.0\.0\.1|localhost):\d+/\S+$")
    address_example = "webhook:http://127.0.0.1:8080/hook"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ToyWebhook | None:
        return cls() if env.get("TOY_WEBHOOK") == "on" else None

    def send(self, message: Outgoing) -> Delivery:
        body = {"key": message.key, "subject": subject(message), "text": plain_text(message)}
        try:
            answer = requests.post(message.address, json=body, timeout=5)
        except requests.RequestException as exc:
            raise DeliveryFailed(f"webhook unreachable: {exc}", permanent=False) from None
        if answer.status_code >= 400:
            raise DeliveryFailed(f"webhook said {answer.status_code}", permanent=True)
        return Delivery(via=self.name, place=message.address)


@pytest.fixture
def webhook_campaign(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, httpserver: HTTPServer
) -> str:
    """The registry line, and a campaign whose arraigo demand names a webhook destination."""
    monkeypatch.setitem(CHANNEL_KINDS, "webhook", ToyWebhook)
    monkeypatch.setenv("TOY_WEBHOOK", "on")
    hook = httpserver.url_for("/hook")
    raw = yaml.safe_load((ROOT / "demands.yaml").read_text(encoding="utf-8"))
    [arraigo] = [d for d in raw["demands"] if d["id"] == "arraigo-abolition"]
    arraigo["destinations"] = [arraigo["channel"], f"webhook:{hook}"]
    path = tmp_path / "demands.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("VIGIA_DEMANDS", str(path))
    monkeypatch.setenv("VIGIA_DB", str(tmp_path / "vigia.duckdb"))
    return hook


def test_a_registered_channel_gets_its_demands_messages_once(
    webhook_campaign: str, httpserver: HTTPServer
):
    received: list[dict] = []

    def record(request):
        from werkzeug import Response

        received.append(json.loads(request.data))
        return Response("ok")

    httpserver.expect_request("/hook", method="POST").respond_with_handler(record)
    settings = load_settings(sources_config={})
    with open_store(settings.db_path) as store:
        store.items.upsert([ARRAIGO_RULING], datetime.now(UTC))
    pipeline.classify_pending(settings)
    console = io.StringIO()
    channels = Channels(
        {"webhook": ToyWebhook()}, fallback=ConsoleChannel(console)
    )  # what channels_from_env builds, with the console kept for the test
    report = dispatch.dispatch_alerts(settings, channels)
    assert report.errors == []
    keys = [r["key"] for r in received]
    assert keys and all(k.endswith(f">webhook:{webhook_campaign}") for k in keys)
    [alert] = [r for r in received if r["key"].startswith("match:")]
    assert alert["subject"].startswith("▲ Avance / Advance · Abolición del arraigo")
    assert ARRAIGO_RULING.url in alert["text"]
    assert "[#vigia-detencion]" in console.getvalue()  # the Slack copy, on the console here
    rows = run_query(
        settings.db_path, "SELECT DISTINCT sent_via FROM alerts WHERE channel LIKE 'webhook:%'"
    )[1]
    assert rows == [("webhook",)]

    again = dispatch.dispatch_alerts(settings, channels)
    assert again.sent == 0 and len(received) == len(keys)


def test_the_environment_builds_the_registered_channel(webhook_campaign: str):
    from vigia.alerts import channels_from_env

    channels = channels_from_env({"TOY_WEBHOOK": "on"})
    assert isinstance(channels.for_destination(f"webhook:{webhook_campaign}"), ToyWebhook)
    assert isinstance(channels.for_destination("#vigia-detencion"), ConsoleChannel)


def test_a_destination_of_the_wrong_shape_is_refused_with_the_channels_example(
    webhook_campaign: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    raw = yaml.safe_load(Path(load_settings(sources_config={}).demands_path).read_text())
    raw["demands"][0]["destinations"] = ["webhook:ftp://example.org/hook"]
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("VIGIA_DEMANDS", str(path))
    with pytest.raises(ConfigError, match="'webhook:http://127.0.0.1:8080/hook'"):
        _ = load_settings(sources_config={}).routes
