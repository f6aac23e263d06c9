"""Email, the second channel, against a real SMTP server on 127.0.0.1 (aiosmtpd).

Items are constructed (short texts written for these tests), classified by the real classifier
and stored in a real DuckDB file; messages go through smtplib to the local server. Slack is not
configured in these tests, so the demands' Slack channels print to a console the test reads.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import yaml

from tests.constructed import ARRAIGO_RULING, REGISTRY_DECREE
from tests.constructed import item as _item
from tests.fake_smtp import FakeSmtp
from vigia import dispatch, pipeline
from vigia.alerts import (
    AlertBody,
    Channels,
    ConsoleChannel,
    EmailChannel,
    Outgoing,
    Prerendered,
    SmtpSettings,
    channels_from_env,
)
from vigia.classify import load_demands
from vigia.config import load_settings
from vigia.core.errors import ConfigError
from vigia.core.model import Item, PendingAlert
from vigia.storage import open_store, run_query

ROOT = Path(__file__).resolve().parents[1]
TEAM = "team@example.org"
URGENT = [REGISTRY_DECREE, ARRAIGO_RULING]
PRESS = [
    _item(
        "torture-note",
        "news",
        "La CNDH documenta tortura a detenidos en México",
        "La CNDH documentó tortura a detenidos por policías estatales.",
        outlet="Animal Político",
    )
]


@pytest.fixture
def smtp():
    with FakeSmtp() as server:
        yield server


@pytest.fixture
def queued(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, smtp: FakeSmtp):
    """A store with the constructed items classified, their alerts queued for Slack and email."""
    monkeypatch.setenv("VIGIA_SMTP_URL", smtp.url)
    monkeypatch.setenv("VIGIA_EMAIL_TO", TEAM)
    db = tmp_path / "vigia.duckdb"
    settings = load_settings(db_path=str(db), sources_config={})
    with open_store(db) as store:
        store.items.upsert(URGENT + PRESS, datetime.now(UTC))
    pipeline.classify_pending(settings)
    return settings, db


def _decree_classified(tmp_path: Path):
    """Settings from the environment, and a store where the registry decree is classified."""
    db = tmp_path / "vigia.duckdb"
    settings = load_settings(db_path=str(db), sources_config={})
    with open_store(db) as store:
        store.items.upsert([REGISTRY_DECREE], datetime.now(UTC))
    pipeline.classify_pending(settings)
    return settings, db


def _channels(settings, console: io.StringIO | None = None) -> Channels:
    channels = channels_from_env(settings.env)
    channels.fallback = ConsoleChannel(console or io.StringIO())
    return channels


def _email_rows(db: Path, where: str = "TRUE") -> dict[str, tuple]:
    sql = (
        "SELECT key, status, delivery_ref, sent_via FROM alerts "
        f"WHERE channel = 'email:{TEAM}' AND {where}"
    )
    return {key: rest for key, *rest in run_query(db, sql)[1]}


def _expected_ids(settings, db: Path) -> Counter:
    """The Message-ID of every email that is due now, once each."""
    channel = EmailChannel(SmtpSettings.from_url(settings.env["VIGIA_SMTP_URL"]))
    keys = _email_rows(db, "tier = 'now' AND status IN ('pending', 'sending', 'sent')")
    # The Message-ID depends on the key alone.
    return Counter(
        channel.reference(Outgoing(key, f"email:{TEAM}", Prerendered(""))) for key in keys
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example.org", ("mail.example.org", 25, "plain", None, None)),
        ("smtp://127.0.0.1:2525", ("127.0.0.1", 2525, "plain", None, None)),
        (
            "smtp+starttls://alerts%40example.org:p%40ss@mail:587",
            ("mail", 587, "starttls", "alerts@example.org", "p@ss"),
        ),
        ("smtps://u:pw@mail.example.org", ("mail.example.org", 465, "tls", "u", "pw")),
    ],
)
def test_the_smtp_url_names_host_port_security_and_login(url: str, expected: tuple):
    s = SmtpSettings.from_url(url)
    assert (s.host, s.port, s.security, s.user, s.password) == expected
    assert "pw" not in repr(s) and "p@ss" not in repr(s)


def test_a_bad_smtp_url_says_what_forms_it_takes():
    with pytest.raises(ConfigError, match=r"smtp\+starttls://user:password@host:587"):
        SmtpSettings.from_url("http://mail.example.org")


def test_every_demand_gets_the_default_email_unless_it_routes_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    raw = yaml.safe_load((ROOT / "demands.yaml").read_text(encoding="utf-8"))
    first, second = raw["demands"][0], raw["demands"][1]
    first["destinations"] = ["slack:#vigia-legal", "email:legal@example.org"]
    second["destinations"] = ["#vigia-otro"]
    path = tmp_path / "demands.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("VIGIA_DEMANDS", str(path))
    monkeypatch.setenv("VIGIA_EMAIL_TO", f"{TEAM}, other@example.org")
    routes = load_settings(sources_config={}).routes
    assert routes[first["id"]] == ["#vigia-legal", "email:legal@example.org"]
    assert routes[second["id"]] == ["#vigia-otro", f"email:{TEAM}", "email:other@example.org"]
    third = raw["demands"][2]
    assert routes[third["id"]] == [third["channel"], f"email:{TEAM}", "email:other@example.org"]


@pytest.mark.parametrize(
    "destination", ["email:not an address", "fax:+52 55 1234", "slack:general"]
)
def test_a_destination_that_is_not_one_is_refused_with_the_forms_it_can_take(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, destination: str
):
    raw = yaml.safe_load((ROOT / "demands.yaml").read_text(encoding="utf-8"))
    raw["demands"][0]["destinations"] = [destination]
    path = tmp_path / "demands.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("VIGIA_DEMANDS", str(path))
    with pytest.raises(ConfigError) as refused:
        _ = load_settings(sources_config={}).routes
    assert f"demand '{raw['demands'][0]['id']}'" in str(refused.value)
    assert "'slack:#vigia-arraigo', 'email:team@example.org'" in str(refused.value)


def test_a_bad_default_email_is_refused_naming_the_setting(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("VIGIA_EMAIL_TO", "team@example.org, not-an-address")
    with pytest.raises(ConfigError, match="VIGIA_EMAIL_TO: 'email:not-an-address'"):
        _ = load_settings(sources_config={}).routes


def test_alerts_go_by_email_once_with_a_text_and_an_html_part(queued, smtp: FakeSmtp):
    settings, db = queued
    console = io.StringIO()
    report = dispatch.dispatch_alerts(settings, _channels(settings, console))
    assert report.errors == [] and report.via == "console+email"
    expected = _expected_ids(settings, db)
    assert Counter(smtp.mailbox.message_ids()) == expected and len(expected) == 4  # 2 + statuses
    # The same alerts went to the demands' Slack channels (the console here).
    assert console.getvalue().count("[#vigia-") == len(expected)

    [decree] = [m for m in smtp.mailbox.to(TEAM) if "DECRETO" in str(m["Subject"])]
    assert str(decree["Subject"]).startswith("▲ Avance / Advance · Registro nacional")
    assert decree["From"] == "vigia@localhost" and decree["To"] == TEAM
    text = decree.get_body(("plain",)).get_content()
    html = decree.get_body(("html",)).get_content()
    assert "Se expide la Ley Nacional del Registro de Detenciones." in text
    assert REGISTRY_DECREE.url in text
    assert f'<a href="{REGISTRY_DECREE.url}">' in html and "<blockquote>" in html
    rows = _email_rows(db, "kind = 'match' AND tier = 'now'")
    assert {status for status, _, _ in rows.values()} == {"sent"}
    assert {ref for _, ref, _ in rows.values()} <= set(smtp.mailbox.message_ids())

    again = dispatch.dispatch_alerts(settings, _channels(settings))
    assert again.sent == 0 and len(smtp.mailbox.messages) == len(expected)


def test_the_daily_digest_goes_by_email_with_coverage(queued, smtp: FakeSmtp):
    settings, db = queued
    dispatch.dispatch_alerts(settings, _channels(settings))
    keys = dispatch.build_digests(settings)
    assert f"digest:email:{TEAM}" in " ".join(keys)
    report = dispatch.dispatch_alerts(settings, _channels(settings))
    assert report.alerts_in_digests == 2  # the press item, to Slack (console) and to email
    [digest] = [m for m in smtp.mailbox.messages if "Resumen diario" in str(m["Subject"])]
    text = digest.get_body(("plain",)).get_content()
    html = digest.get_body(("html",)).get_content()
    assert "La CNDH documenta tortura a detenidos en México" in text
    assert "Cobertura / Coverage" in text and "<h3>Cobertura / Coverage</h3>" in html
    assert 'href="https://example.org/torture-note"' in html
    carried = _email_rows(db, "kind = 'match' AND tier = 'digest'")
    assert [status for status, _, _ in carried.values()] == ["sent"]
    assert [ref for _, ref, _ in carried.values()] == [digest["Message-ID"]]


def test_an_email_digest_says_once_what_each_mark_of_its_verdict_links_means(
    queued, smtp: FakeSmtp, monkeypatch: pytest.MonkeyPatch
):
    import re
    from html import unescape
    from urllib.parse import parse_qsl

    from vigia.alerts.channels.verdict_links import VerdictLinks
    from vigia.core.model import alert_ref

    secret = "a-secret-of-twenty-chars"
    monkeypatch.setenv("VIGIA_VERDICT_URL", "https://vigia.example.org")
    monkeypatch.setenv("VIGIA_VERDICT_SECRET", secret)
    settings, db = queued
    settings = load_settings(db_path=str(db), sources_config={})
    dispatch.build_digests(settings)
    dispatch.dispatch_alerts(settings, _channels(settings))
    [digest] = [m for m in smtp.mailbox.messages if "Resumen diario" in str(m["Subject"])]
    html = digest.get_body(("html",)).get_content()

    # A phone shows no hover text: the marks are explained once, above the first demand.
    legend = (
        "¿Es correcta? / Is it right? ✓ Relevante / Relevant · ✗ No relevante / Not relevant · "
        "▲ Es un avance / It is an advance · ▼ Es un retroceso / It is a setback · "
        "● Solo una mención / Only a mention"
    )
    assert html.count(legend) == 1 and html.index(legend) < html.index("<h3>")
    # Each mark is a link that judges that story's alert.
    [(key,)] = run_query(
        db, f"SELECT key FROM alerts WHERE channel = 'email:{TEAM}' AND tier = 'digest'"
    )[1]
    links = VerdictLinks("https://vigia.example.org", secret)
    marks = re.findall(r'<a href="(https://vigia\.example\.org/verdict\?[^"]+)"[^>]*>(.)</a>', html)
    assert [mark for _, mark in marks] == ["✓", "✗", "▲", "▼"]  # its own direction is no mark
    verdicts = [links.read(dict(parse_qsl(unescape(url).partition("?")[2]))) for url, _ in marks]
    assert {v.ref for v in verdicts} == {alert_ref(key)}


def _pending(title: str, url: str, evidence: str) -> Outgoing:
    demands = load_demands(ROOT / "demands.yaml")
    item = Item("gazette", "gazette", "x1", url, title, evidence, date(2019, 5, 27), "es", {})
    alert = PendingAlert(
        "match:detention-registry:x1", "detention-registry", f"email:{TEAM}", 0, "advance",
        0.8, evidence, "terms", item,
    )  # fmt: skip
    return Outgoing(alert.key, alert.channel, AlertBody(alert, demands.demand(alert.demand_id)))


def test_scraped_fields_are_escaped_in_html_and_cannot_add_headers():
    channel = EmailChannel(SmtpSettings.from_url("smtp://127.0.0.1:25"))
    message = _pending(
        "Decreto <script>alert(1)</script>\r\nBcc: victim@example.org",
        "javascript:alert(1)",
        'Texto <img src=x onerror="alert(1)"> del decreto.',
    )
    email = channel.compose(message)
    assert "\n" not in str(email["Subject"]) and email["Bcc"] is None
    html = email.get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<img" not in html and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    assert "javascript:" not in html.split("<blockquote>")[0].split("<strong>")[1]


def test_a_later_message_of_a_story_answers_the_first_email():
    channel = EmailChannel(SmtpSettings.from_url("smtp://127.0.0.1:25", sender="v@example.org"))
    message = _pending("Decreto", "https://example.org/d", "Se expide la ley.")
    first_id = channel.reference(message)
    assert first_id == channel.reference(message) and first_id.endswith("@example.org>")
    from dataclasses import replace

    reply = channel.compose(replace(message, key="match:other:x2", thread_ref=first_id))
    assert reply["In-Reply-To"] == first_id and reply["References"] == first_id
    assert reply["Message-ID"] != first_id


def test_a_refused_recipient_fails_its_rows_with_the_reason_and_the_rest_go(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, smtp: FakeSmtp
):
    smtp.mailbox.refuse["gone@example.org"] = "550 5.1.1 No such user"
    smtp.mailbox.refuse["busy@example.org"] = "451 4.3.0 Try again later"
    monkeypatch.setenv("VIGIA_SMTP_URL", smtp.url)
    monkeypatch.setenv("VIGIA_EMAIL_TO", f"gone@example.org,busy@example.org,{TEAM}")
    settings, db = _decree_classified(tmp_path)
    report = dispatch.dispatch_alerts(settings, _channels(settings))
    states = dict(run_query(db, "SELECT channel, status FROM alerts WHERE kind = 'match'")[1])
    assert states["email:gone@example.org"] == "failed"  # permanent: no retry can help
    assert states["email:busy@example.org"] == "pending"  # transient: waits its backoff
    assert states[f"email:{TEAM}"] == "sent"
    assert report.failed >= 1 and report.retry_later >= 1
    [reason] = run_query(
        db, "SELECT last_error FROM alerts WHERE channel = 'email:gone@example.org' LIMIT 1"
    )[1][0]
    assert "gone@example.org" in reason and "550" in reason


def test_a_wrong_login_stops_email_only_and_every_email_waits_for_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    with FakeSmtp(login=("alerts@example.org", "right")) as server:
        monkeypatch.setenv("VIGIA_SMTP_URL", server.url.replace(":right@", ":wrong@"))
        monkeypatch.setenv("VIGIA_EMAIL_TO", TEAM)
        settings, db = _decree_classified(tmp_path)
        console = io.StringIO()
        report = dispatch.dispatch_alerts(settings, _channels(settings, console))
        assert "refused the login" in report.stopped and report.failed == 0
        # The other channels carry on: every Slack copy went out (to the console here).
        slack_rows = run_query(
            db, "SELECT status FROM alerts WHERE channel LIKE '#%' AND status <> 'suppressed'"
        )[1]
        assert slack_rows and {row[0] for row in slack_rows} == {"sent"}
        assert report.sent == len(slack_rows) == console.getvalue().count("[#vigia-")
        assert {status for status, _, _ in _email_rows(db).values()} == {"pending"}
        assert server.mailbox.messages == []

        monkeypatch.setenv("VIGIA_SMTP_URL", server.url)
        settings = load_settings(db_path=str(db), sources_config={})
        report = dispatch.dispatch_alerts(settings, _channels(settings))
        assert report.stopped == ""
        assert Counter(server.mailbox.message_ids()) == _expected_ids(settings, db)


def test_a_dispatcher_killed_while_the_server_held_the_message_sends_it_once(
    queued, smtp: FakeSmtp
):
    settings, db = queued
    smtp.mailbox.hold_after = 1  # the second email is held until its sender is gone
    env = {**os.environ, "VIGIA_SMTP_URL": smtp.url, "VIGIA_EMAIL_TO": TEAM}
    dispatcher = subprocess.Popen(
        [sys.executable, "-m", "vigia.cli", "--db", str(db), "dispatch"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert smtp.mailbox.held.wait(60), "the dispatcher never sent a second email"
        dispatcher.send_signal(signal.SIGKILL)
        dispatcher.wait(30)
    finally:
        smtp.mailbox.hold_after = None
    assert len(smtp.mailbox.messages) == 1
    [(status, ref, _)] = _email_rows(db, "status = 'sending'").values()
    assert ref and ref.endswith("@localhost>")  # the Message-ID, recorded before sending

    report = dispatch.dispatch_alerts(settings, _channels(settings))
    assert report.resent_after_crash == 1 and report.errors == []
    assert Counter(smtp.mailbox.message_ids()) == _expected_ids(settings, db)
    assert ref in smtp.mailbox.message_ids()  # it went with the Message-ID it was claimed with


@pytest.mark.long(seconds=31)
def test_vigia_demo_delivers_by_email_and_a_second_run_sends_nothing_new(
    prefect_harness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, smtp: FakeSmtp, capsys
):
    from vigia import cli

    monkeypatch.setenv("VIGIA_SMTP_URL", smtp.url)
    monkeypatch.setenv("VIGIA_EMAIL_TO", TEAM)
    db = tmp_path / "vigia.duckdb"
    assert cli.main(["--db", str(db), "demo"]) == 0
    assert "message(s) sent via console+email:" in capsys.readouterr().out
    ids = smtp.mailbox.message_ids()
    refs = {
        row[0]
        for row in run_query(
            db,
            f"SELECT delivery_ref FROM alerts WHERE channel = 'email:{TEAM}' AND status = 'sent'",
        )[1]
    }
    assert len(ids) == len(set(ids)) > 10 and set(ids) == refs
    subjects = [str(m["Subject"]) for m in smtp.mailbox.messages]
    assert sum(s.startswith("Resumen diario / Daily digest") for s in subjects) == 1
    assert any(s.startswith("◆ Estado / Status") for s in subjects)

    assert cli.main(["--db", str(db), "demo"]) == 0  # a new replay server, the same store
    assert "0 message(s) sent via email" in capsys.readouterr().out
    assert smtp.mailbox.message_ids() == ids


def test_an_email_digest_says_how_to_confirm_a_move_only_the_press_backs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, smtp: FakeSmtp
):
    from tests.constructed import REGISTRY_VOTE
    from vigia import cli

    monkeypatch.setenv("VIGIA_SMTP_URL", smtp.url)
    monkeypatch.setenv("VIGIA_EMAIL_TO", TEAM)
    db = tmp_path / "vigia.duckdb"
    settings = load_settings(db_path=str(db), sources_config={})
    with open_store(db) as store:
        store.items.upsert([REGISTRY_VOTE], datetime.now(UTC))
    pipeline.classify_pending(settings)
    dispatch.build_digests(settings)
    dispatch.dispatch_alerts(settings, _channels(settings))
    [digest] = [m for m in smtp.mailbox.messages if "Resumen diario" in str(m["Subject"])]
    command = f"vigia status confirm detention-registry --item {REGISTRY_VOTE.id[:12]}"
    assert command in digest.get_body(("plain",)).get_content()
    assert f"<code>{command}</code>" in digest.get_body(("html",)).get_content()

    # The command the email gives is the one that confirms it.
    argv = ["--db", str(db), *command.split()[1:], "--by", "ana"]
    assert cli.main(argv) == 0
    with open_store(db) as store:
        assert store.statuses.unconfirmed("detention-registry") == []
