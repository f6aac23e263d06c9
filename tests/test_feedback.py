"""The alert buttons' endpoint: signed requests recorded, unsigned and stale ones refused;
verdicts exported in the evaluation format and summarised as precision per demand.

Alerts come from constructed items classified by the real classifier into a real DuckDB store;
requests are real HTTP to the endpoint on 127.0.0.1, signed as Slack signs them.
"""

from __future__ import annotations

import json
import re
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from html import escape, unescape
from pathlib import Path
from urllib.parse import parse_qs, parse_qsl, urlencode

import pytest
import requests
from slack_sdk.signature import SignatureVerifier

from tests.constructed import ARRAIGO_RULING, REGISTRY_DECREE, REGISTRY_VOTE
from tests.fake_slack import start_fake_slack, stop_fake_slack
from vigia import cli, pipeline, status
from vigia.alerts.channels.slack_blocks import feedback_buttons
from vigia.config import load_settings
from vigia.core.model import alert_ref
from vigia.feedback import ACTIONS_PATH, FeedbackEndpoint, make_server, start_in_thread
from vigia.storage import open_store, run_query

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


ITEMS = [REGISTRY_DECREE, ARRAIGO_RULING]


@pytest.fixture
def endpoint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    db = tmp_path / "vigia.duckdb"
    settings = load_settings(db_path=str(db), sources_config={})
    with open_store(db) as store:
        store.items.upsert(ITEMS, datetime.now(UTC))
    pipeline.classify_pending(settings)
    keys = dict(run_query(db, "SELECT demand_id, key FROM alerts WHERE kind = 'match'")[1])
    server = make_server(FeedbackEndpoint(settings, SECRET), "127.0.0.1", 0)
    start_in_thread(server)
    host, port = server.server_address[:2]
    yield f"http://{host}:{port}{ACTIONS_PATH}", keys, db
    server.shutdown()
    server.server_close()


def _payload(key: str, verdict: str, user: str = "U0CAMPAIGN") -> bytes:
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": "ana.campaigner"},
        "channel": {"id": "C0DETENCION"},
        "container": {"type": "message", "message_ts": "1716900000.000100"},
        "actions": [{"action_id": f"vigia_feedback_{verdict}", "value": key}],
    }
    return urlencode({"payload": json.dumps(payload)}).encode()


def _menu_choice(key: str, stance: str, choice: str) -> bytes:
    # The direction menu of the alert as it was sent; the campaigner picks ``choice``.
    [menu] = [e for e in feedback_buttons(key, stance)["elements"] if e["type"] == "static_select"]
    [option] = [o for o in menu["options"] if o["value"].startswith(f"{choice}:")]
    return _selected(menu["action_id"], option)


def _selected(action_id: str, option: dict) -> bytes:
    payload = {
        "type": "block_actions",
        "user": {"id": "U0CAMPAIGN", "username": "ana.campaigner"},
        "channel": {"id": "C0DETENCION"},
        "container": {"type": "message", "message_ts": "1716900000.000100"},
        "actions": [
            {
                "type": "static_select",
                "action_id": action_id,
                "block_id": "vigia_feedback",
                "selected_option": option,
                "action_ts": "1716900100.000200",
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload)}).encode()


def _post(url: str, body: bytes, *, timestamp: int | None = None, secret: str = SECRET):
    stamp = str(timestamp if timestamp is not None else int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature,
    }
    return requests.post(url, data=body, headers=headers, timeout=10)


def test_signed_verdicts_are_recorded_with_who_and_when(endpoint):
    url, keys, db = endpoint
    answer = _post(url, _payload(keys["arraigo-abolition"], "not_relevant"))
    assert answer.status_code == 200
    assert answer.json()["response_type"] == "ephemeral"
    assert "no relevante" in answer.json()["text"]
    [row] = run_query(db, "SELECT demand_id, stance, verdict, user_id, user_name FROM feedback")[1]
    assert row == ("arraigo-abolition", "advance", "not_relevant", "U0CAMPAIGN", "ana.campaigner")


def test_unsigned_forged_and_stale_requests_are_refused(endpoint):
    url, keys, db = endpoint
    body = _payload(keys["arraigo-abolition"], "relevant")
    assert requests.post(url, data=body, timeout=10).status_code == 401  # no signature
    assert _post(url, body, secret="not-the-secret").status_code == 401  # forged
    assert _post(url, body, timestamp=int(time.time()) - 600).status_code == 401  # replayed
    assert run_query(db, "SELECT count(*) FROM feedback")[1] == [(0,)]


def test_export_is_labelled_jsonl_and_eval_reports_precision(endpoint, tmp_path, capsys):
    url, keys, db = endpoint
    assert _post(url, _payload(keys["detention-registry"], "relevant")).status_code == 200
    assert _post(url, _payload(keys["arraigo-abolition"], "not_relevant")).status_code == 200
    out = tmp_path / "feedback.jsonl"
    assert cli.main(["--db", str(db), "feedback", "export", "--out", str(out)]) == 0
    rows = {r["title"]: r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    decree = rows[ITEMS[0].title]
    assert decree["labels"] == [{"demand": "detention-registry", "stance": "advance"}]
    assert decree["source_kind"] == "gazette" and decree["body"] == ITEMS[0].text
    assert rows[ITEMS[1].title]["labels"] == []  # judged not relevant: a negative
    capsys.readouterr()

    assert cli.main(["--db", str(db), "eval", "--feedback"]) == 0
    table = capsys.readouterr().out
    assert (
        "detention-registry                            1.00         1       1       1.00" in table
    )
    assert (
        "arraigo-abolition                             0.00         0       1          -" in table
    )
    assert (
        "all demands                                   0.50         1       2       1.00" in table
    )

    # The export is a gold file `vigia eval` reads: the classifier's false alarm shows.
    assert cli.main(["--db", str(db), "eval", str(out)]) == 0
    assert "negatives flagged 1/1 (100.0%)" in capsys.readouterr().out


def test_the_export_names_the_demands_people_disagreed_on(endpoint, tmp_path):
    url, keys, db = endpoint
    registry = keys["detention-registry"]
    assert _post(url, _payload(registry, "relevant", user="U0ANA")).status_code == 200
    assert _post(url, _payload(registry, "not_relevant", user="U0LUIS")).status_code == 200
    assert (
        _post(url, _payload(keys["arraigo-abolition"], "relevant", user="U0ANA")).status_code == 200
    )
    assert (
        _post(url, _payload(keys["arraigo-abolition"], "relevant", user="U0LUIS")).status_code
        == 200
    )
    out = tmp_path / "feedback.jsonl"
    assert cli.main(["--db", str(db), "feedback", "export", "--out", str(out)]) == 0
    notes = {r["title"]: r["note"] for r in map(json.loads, out.read_text("utf-8").splitlines())}
    assert notes[REGISTRY_DECREE.title].endswith(
        "Disagreed on detention-registry (the latest verdict kept)."
    )
    assert "Disagreed" not in notes[ARRAIGO_RULING.title]  # both said relevant


def test_a_miss_a_person_reports_becomes_a_label_the_rules_are_measured_on(tmp_path, capsys):
    from tests.constructed import item

    # Constructed: a story the classifier reads as nothing; a campaigner says it is the
    # missing-persons registry going backwards.
    story = item(
        "plataforma",
        "news",
        "Madres buscadoras denuncian que la plataforma oficial dejó de mostrar datos",
        "Colectivos de madres buscadoras en Sonora denunciaron que la plataforma oficial dejó "
        "de mostrar las cifras de personas que buscan desde hace meses.",
        outlet="Prensa",
    )
    db = tmp_path / "vigia.duckdb"
    settings = load_settings(db_path=str(db), sources_config={})
    with open_store(db) as store:
        store.items.upsert([story, REGISTRY_DECREE], datetime.now(UTC))
    pipeline.classify_pending(settings)
    before = status.current(settings)
    base = ["--db", str(db), "feedback", "missed"]
    said = [*base, "--item", story.id[:10], "--demand", "missing-persons-database"]
    assert cli.main([*said, "--stance", "regress", "--by", "ana"]) == 0
    assert "moves missing-persons-database (regress), by ana" in capsys.readouterr().out

    out = tmp_path / "feedback.jsonl"
    assert cli.main(["--db", str(db), "feedback", "export", "--out", str(out)]) == 0
    [row] = map(json.loads, out.read_text(encoding="utf-8").splitlines())
    assert row["labels"] == [{"demand": "missing-persons-database", "stance": "regress"}]
    assert row["verdicts"][0]["verdict"] == "missed" and row["body"] == story.text
    capsys.readouterr()
    # Measured on it, the rules miss it: a regress label not caught.
    assert cli.main(["--db", str(db), "eval", str(out)]) == 0
    assert "regress 0/1 (0.00)" in capsys.readouterr().out
    # It is no verdict on an alert: precision is not touched, and the status does not move.
    assert cli.main(["--db", str(db), "eval", "--feedback"]) == 0
    table = capsys.readouterr().out
    assert "misses reported (`vigia feedback missed`): missing-persons-database 1" in table
    assert (
        "missing-persons-database                         -         0       0          -" in table
    )
    assert status.current(settings) == before


def _slash_command(text: str) -> bytes:
    # The form Slack posts for "/vigia-missed <text>" typed by a campaigner.
    fields = {
        "command": "/vigia-missed",
        "text": text,
        "user_id": "U0CAMPAIGN",
        "user_name": "ana.campaigner",
        "channel_id": "C0DETENCION",
        "response_url": "https://hooks.slack.com/commands/T0/1/x",
    }
    return urlencode(fields).encode()


def test_a_miss_is_reported_from_slack_by_the_story_s_address(endpoint):
    url, _, db = endpoint
    # Slack wraps a typed link in <>; the address may carry a feed's tracking parameters.
    address = f"<{REGISTRY_DECREE.url}?utm_source=rss|example.org/decree>"
    answer = _post(url, _slash_command(f"{address} missing-persons-database Mención"))
    assert answer.status_code == 200 and answer.json()["response_type"] == "ephemeral"
    assert "Solo una mención" in answer.json()["text"]
    rows = run_query(
        db, "SELECT item_id, demand_id, verdict, corrected_stance, user_id, user_name FROM feedback"
    )[1]
    assert rows == [
        (
            REGISTRY_DECREE.id,
            "missing-persons-database",
            "missed",
            "mention",
            "U0CAMPAIGN",
            "ana.campaigner",
        )
    ]

    replies = {
        "https://example.org/nunca-leida missing-persons-database avance": "Vigía has not read it",
        f"{REGISTRY_DECREE.url} detention-registry avance": "judge its alert instead",
        f"{REGISTRY_DECREE.url} detention-registry": "Uso / Usage: /vigia-missed",
        f"{REGISTRY_DECREE.url} detention-registry quizás": "Uso / Usage: /vigia-missed",
    }
    for text, reply in replies.items():
        assert reply in _post(url, _slash_command(text)).json()["text"]
    # What was typed comes back escaped: no mention of the whole channel.
    said = _post(
        url, _slash_command("https://example.org/<!channel> missing-persons-database avance")
    )
    assert "<!" not in said.json()["text"] and "&lt;!channel" in said.json()["text"]
    assert len(run_query(db, "SELECT * FROM feedback")[1]) == 1
    # Unsigned, it is refused like any request.
    assert requests.post(url, data=_slash_command("x y z"), timeout=10).status_code == 401


def test_a_miss_is_refused_where_the_classifier_finds_it_or_nothing_is_named(tmp_path, capsys):
    db = tmp_path / "vigia.duckdb"
    settings = load_settings(db_path=str(db), sources_config={})
    with open_store(db) as store:
        store.items.upsert([REGISTRY_DECREE], datetime.now(UTC))
    pipeline.classify_pending(settings)
    base = ["--db", str(db), "feedback", "missed", "--stance", "advance", "--by", "ana"]
    cases = [
        (REGISTRY_DECREE.id[:10], "detention-registry", "already finds detention-registry"),
        (REGISTRY_DECREE.id[:10], "no-such-demand", "no demand 'no-such-demand'"),
        ("ffffffffff", "detention-registry", "is not in the store"),
    ]
    for ref, demand, reason in cases:
        assert cli.main([*base, "--item", ref, "--demand", demand]) == 2
        assert reason in capsys.readouterr().err
    assert run_query(db, "SELECT count(*) FROM feedback")[1] == [(0,)]


def test_eval_on_exported_verdicts_scores_only_the_demands_someone_judged(tmp_path, capsys):
    from tests.constructed import item
    from vigia.alerts.channels.slack_actions import Verdict
    from vigia.verdicts import record

    # Constructed: one decree the classifier reads for two demands; a campaigner judges the
    # registry's alert only (the law's went to a channel nobody watched that day).
    decree = item(
        "law-and-registry",
        "gazette",
        "DECRETO por el que se expide la Ley General en Materia de Desaparición Forzada de Personas",
        "Se expide la Ley General en Materia de Desaparición Forzada de Personas, que crea el "
        "Registro Nacional de Personas Desaparecidas y No Localizadas.",
    )
    db = tmp_path / "vigia.duckdb"
    settings = load_settings(db_path=str(db), sources_config={})
    with open_store(db) as store:
        store.items.upsert([decree], datetime.now(UTC))
    pipeline.classify_pending(settings)
    keys = dict(run_query(db, "SELECT demand_id, key FROM alerts WHERE kind = 'match'")[1])
    assert set(keys) == {"disappearance-investigation-law", "missing-persons-database"}
    judged = Verdict(keys["missing-persons-database"], "relevant", "U0CAMPAIGN", "ana", None, None)
    assert record(settings, [judged], datetime.now(UTC))[0] == 1
    out = tmp_path / "feedback.jsonl"
    assert cli.main(["--db", str(db), "feedback", "export", "--out", str(out)]) == 0
    capsys.readouterr()

    assert cli.main(["--db", str(db), "eval", str(out)]) == 0
    scores = capsys.readouterr().out
    # The law's match is not counted a false alarm: nobody said whether it was one.
    assert "relevance micro P 1.00 R 1.00 F1 1.00" in scores
    assert "items wrong: 0 of 1" in scores


def _digest_of_the_vote(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    # The vote in Congress, told by the press: it goes to the daily digest, and its move waits
    # for a person. Returns the settings, the vote and the digest's blocks as Slack gets them.
    from vigia import dispatch
    from vigia.alerts import stored_outgoing
    from vigia.alerts.channels.slack_blocks import render_blocks

    monkeypatch.setenv("VIGIA_DB", str(tmp_path / "vigia.duckdb"))
    settings = load_settings(sources_config={})
    vote = REGISTRY_VOTE
    with open_store(settings.db_path) as store:
        store.items.upsert([vote], datetime.now(UTC))
    pipeline.classify_pending(settings)
    [key] = dispatch.build_digests(settings)
    [(channel, payload)] = run_query(
        settings.db_path, f"SELECT channel, payload FROM alerts WHERE key = '{key}'"
    )[1]
    with open_store(settings.db_path) as store:
        members = store.outbox.digest_members(key)
    # The digest as Slack gets it: rendered from the stored content when it is sent.
    demands = {d.id: d for d in settings.campaign.demands}
    digest = stored_outgoing(key, channel, json.loads(payload), demands, members)
    return settings, vote, render_blocks(digest).blocks


@contextmanager
def _serving(settings):
    server = make_server(FeedbackEndpoint(settings, SECRET), "127.0.0.1", 0)
    start_in_thread(server)
    host, port = server.server_address[:2]
    try:
        yield f"http://{host}:{port}{ACTIONS_PATH}"
    finally:
        server.shutdown()
        server.server_close()


def test_the_digest_offers_a_button_that_confirms_a_press_only_move(tmp_path: Path, monkeypatch):
    settings, vote, blocks = _digest_of_the_vote(tmp_path, monkeypatch)
    [confirm] = [b for b in blocks if b.get("block_id") == "vigia_confirm"]
    [button] = confirm["elements"]
    assert button["value"] == f"detention-registry|{vote.id}"

    body = urlencode(
        {
            "payload": json.dumps(
                {
                    "type": "block_actions",
                    "user": {"id": "U0CAMPAIGN", "username": "ana.campaigner"},
                    "actions": [{"action_id": button["action_id"], "value": button["value"]}],
                }
            )
        }
    ).encode()
    with _serving(settings) as url:
        answer = _post(url, body)
        assert answer.status_code == 200
        assert "Sin acción → Aprobada por una cámara" in answer.json()["text"]
        again = _post(url, body)  # a second click: nothing left to confirm, said plainly
        assert "waits for confirmation" in again.json()["text"]
    [row] = [s for s in status.current(settings) if s.demand_id == "detention-registry"]
    assert row.status == "approved_by_chamber"
    timeline = run_query(
        settings.db_path,
        "SELECT confirmed, confirmed_by FROM status_changes WHERE demand_id = 'detention-registry' "
        "ORDER BY recorded_at",
    )[1]
    assert timeline == [(False, None), (True, "ana.campaigner")]


def test_a_story_in_the_digest_is_judged_from_the_menu_under_its_demand(tmp_path, monkeypatch):
    settings, vote, blocks = _digest_of_the_vote(tmp_path, monkeypatch)
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    [lines] = [text for text in sections if text.startswith("*Registro nacional de detenciones")]
    assert "\n1. ▲ <" in lines  # numbered, for the menu to name
    [judge] = [b for b in blocks if b.get("block_id", "").startswith("vigia_feedback_digest_")]
    [menu] = judge["elements"]
    [story] = menu["option_groups"]
    assert story["label"]["text"].startswith("1. Diputados aprueban la Ley Nacional")
    assert [o["text"]["text"] for o in story["options"]] == [
        "✓ Relevante / Relevant",
        "✗ No relevante / Not relevant",
        "▼ Es un retroceso / It is a setback",
        "● Solo una mención / Only a mention",
    ]
    [mention] = [o for o in story["options"] if o["value"].startswith("mention:")]
    with _serving(settings) as url:
        answer = _post(url, _selected(menu["action_id"], mention))
    assert answer.json()["text"] == "Gracias: anotada como mención / Thanks: noted as a mention"
    recorded = run_query(
        settings.db_path, "SELECT item_id, demand_id, verdict, corrected_stance FROM feedback"
    )[1]
    assert recorded == [(vote.id, "detention-registry", "wrong_direction", "mention")]
    # The vote's move waited for a confirmation; it was set aside instead, and waits no more.
    [row] = [s for s in status.current(settings) if s.demand_id == "detention-registry"]
    assert row.pending_confirmations == 0


def test_the_digest_shows_which_story_was_judged_and_how(slack, tmp_path, monkeypatch):
    settings, vote, blocks = _digest_of_the_vote(tmp_path, monkeypatch)
    digest = {"text": "Resumen diario / Daily digest", "blocks": blocks}
    menus = [b.get("block_id", "").startswith("vigia_feedback_digest_") for b in blocks]
    at = menus.index(True)
    [menu] = blocks[at]["elements"]
    [mention] = [
        o for o in menu["option_groups"][0]["options"] if o["value"].startswith("mention:")
    ]
    hook = f"{slack.base_url}actions/T0CAMPAIGN/1716900000/replace"
    with _serving(settings) as url:
        chosen = _from_the_alert(_selected(menu["action_id"], mention), digest, hook)
        assert _post(url, chosen).status_code == 200
    [call] = slack.calls
    assert call.body["replace_original"] is True and call.body["text"] == digest["text"]
    replaced = call.body["blocks"]
    # The digest as it was, with the verdict above the menu of the demand it was given under.
    judged = replaced[at]
    assert replaced[:at] + replaced[at + 1 :] == blocks
    assert judged["type"] == "context"
    assert [e["text"] for e in judged["elements"]] == [
        "1. ● Solo una mención / Only a mention · ana.campaigner"
    ]


def test_a_direction_named_from_the_menu_becomes_the_label(endpoint, tmp_path, capsys):
    url, keys, db = endpoint
    # The ruling was classified an advance for arraigo; the campaigner says it is a setback.
    answer = _post(url, _menu_choice(keys["arraigo-abolition"], "advance", "regress"))
    assert answer.status_code == 200
    assert answer.json()["text"].splitlines()[0] == (
        "Gracias: anotada como retroceso / Thanks: noted as a setback"
    )
    [row] = run_query(db, "SELECT demand_id, stance, verdict, corrected_stance FROM feedback")[1]
    assert row == ("arraigo-abolition", "advance", "wrong_direction", "regress")

    out = tmp_path / "feedback.jsonl"
    assert cli.main(["--db", str(db), "feedback", "export", "--out", str(out)]) == 0
    [ruling] = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert ruling["labels"] == [{"demand": "arraigo-abolition", "stance": "regress"}]
    capsys.readouterr()

    assert cli.main(["--db", str(db), "eval", "--feedback"]) == 0
    table = capsys.readouterr().out
    assert (
        "arraigo-abolition                             1.00         1       1       0.00" in table
    )
    assert "directions corrected (classified → said to be right): advance → regress 1" in table


def test_a_wrong_direction_from_an_older_message_is_recorded_without_one(endpoint, tmp_path):
    # Alerts sent before the menu carry a button that disputes the direction without naming one.
    url, keys, db = endpoint
    answer = _post(url, _payload(keys["detention-registry"], "wrong_direction"))
    assert answer.json()["text"].splitlines() == [
        "Gracias: dirección en duda / Thanks: direction disputed",
        # A disputed direction sets the move aside; no direction named, no move instead.
        "detention-registry: Publicada en el DOF → Sin acción",
    ]
    out = tmp_path / "feedback.jsonl"
    assert cli.main(["--db", str(db), "feedback", "export", "--out", str(out)]) == 0
    [decree] = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert decree["labels"] == [{"demand": "detention-registry", "stance": None}]


def test_menu_choices_that_name_no_alert_or_no_direction_record_nothing(endpoint):
    url, keys, db = endpoint
    menu = "vigia_feedback_menu"
    text = {"type": "plain_text", "text": "x"}
    unknown = _post(url, _selected(menu, {"text": text, "value": "regress:" + "0" * 24}))
    assert unknown.json()["text"] == "Alerta desconocida / Unknown alert"
    good = _menu_choice(keys["detention-registry"], "advance", "mention").decode()
    # Constructed: the same alert's reference with a direction the menu never offers.
    ref = json.loads(parse_qs(good)["payload"][0])["actions"][0]["selected_option"]["value"]
    forged = {"text": text, "value": "sideways:" + ref.partition(":")[2]}
    assert _post(url, _selected(menu, forged)).json() == {}
    assert run_query(db, "SELECT count(*) FROM feedback")[1] == [(0,)]


def _status(db: Path, demand: str, as_of: str | None = None) -> str:
    source = "demand_status_now" if as_of is None else f"demand_status_as_of(TIMESTAMPTZ '{as_of}')"
    [(status,)] = run_query(db, f"SELECT status FROM {source} WHERE demand_id = '{demand}'")[1]
    return status


def test_a_verdict_of_not_relevant_sets_the_move_aside_and_keeps_the_history(endpoint):
    url, keys, db = endpoint
    assert _status(db, "detention-registry") == "published"  # the decree in the gazette
    said_before = datetime.now(UTC).isoformat()
    answer = _post(url, _payload(keys["detention-registry"], "not_relevant"))
    # The person is told what their verdict did to the record.
    assert (
        answer.json()["text"]
        .splitlines()[1]
        .startswith("detention-registry: Publicada en el DOF → Sin acción")
    )
    assert _status(db, "detention-registry") == "no_action"
    # As the store said it before the verdict, the move still stood; the timeline keeps it.
    assert _status(db, "detention-registry", as_of=said_before) == "published"
    timeline = (
        "SELECT status, set_aside FROM demand_timeline WHERE demand_id = 'detention-registry'"
    )
    assert run_query(db, timeline)[1] == [("published", True)]
    # The change is alerted as any status change is.
    queued = run_query(
        db,
        "SELECT key, status FROM alerts WHERE kind = 'status' AND demand_id = 'detention-registry'"
        " ORDER BY created_at",
    )[1]
    assert [status for _, status in queued] == ["pending", "pending"]
    assert queued[1][0].startswith("status:detention-registry:no_action:")

    # Another person finds it relevant after all: the latest verdict decides, and the return to
    # a status alerted before is alerted again, not taken for the first alert sent twice.
    assert _post(url, _payload(keys["detention-registry"], "relevant", "U0OTHER")).ok
    assert _status(db, "detention-registry") == "published"
    queued = run_query(
        db,
        "SELECT key, status, payload FROM alerts WHERE kind = 'status'"
        " AND demand_id = 'detention-registry' ORDER BY created_at",
    )[1]
    assert [status for _, status, _ in queued] == ["pending", "pending", "pending"]
    back = json.loads(queued[2][2])
    assert (back["before"]["status"], back["after"]["status"]) == ("no_action", "published")
    assert queued[2][0].startswith(queued[0][0] + "@")


def test_a_direction_corrected_moves_the_status_as_the_rules_read_it(endpoint, tmp_path):
    url, keys, db = endpoint
    assert _status(db, "arraigo-abolition") == "upheld"  # a court's advance
    answer = _post(url, _menu_choice(keys["arraigo-abolition"], "advance", "regress"))
    assert (
        "arraigo-abolition: Respaldada por un tribunal → Anulada por un tribunal"
        in (answer.json()["text"])
    )
    assert _status(db, "arraigo-abolition") == "struck_down"
    moves = run_query(
        db,
        "SELECT status, stance, confirmed_by, rule, set_aside FROM demand_timeline "
        "WHERE demand_id = 'arraigo-abolition' ORDER BY recorded_at",
    )[1]
    assert [(m[0], m[1], m[2], m[4]) for m in moves] == [
        ("upheld", "advance", None, True),
        ("struck_down", "regress", "ana.campaigner", False),
    ]
    assert moves[1][3] == "court regress -> struck_down (direction corrected by ana.campaigner)"

    # The report shows the set-aside move as such, and the status it left.
    out = tmp_path / "report"
    assert cli.main(["--db", str(db), "report", "--out", str(out)]) == 0
    html = (out / "arraigo-abolition.html").read_text(encoding="utf-8")
    assert "apartado por un veredicto / set aside by a verdict" in html
    assert "Anulada por un tribunal" in html.split("<h2")[0]  # the status the page opens with


@pytest.fixture
def slack(monkeypatch: pytest.MonkeyPatch):
    # Set before the endpoint's settings are loaded: request it first.
    fake = start_fake_slack()
    monkeypatch.setenv("SLACK_API_URL", fake.base_url)
    yield fake
    stop_fake_slack(fake)


def _from_the_alert(body: bytes, message: dict, response_url: str) -> bytes:
    # The same interaction, with the message it came from and where Slack takes its replacement.
    payload = json.loads(parse_qs(body.decode())["payload"][0])
    payload |= {"message": message, "response_url": response_url}
    return urlencode({"payload": json.dumps(payload)}).encode()


def test_the_alert_shows_who_judged_it_and_how(slack, endpoint):
    url, keys, db = endpoint
    key = keys["arraigo-abolition"]
    quote = {"type": "section", "text": {"type": "mrkdwn", "text": "> La Suprema Corte declaró…"}}
    alert = {
        "text": "▲ Avance/Advance · Abolición del arraigo",
        "blocks": [quote, feedback_buttons(key, "advance")],
    }
    hook = f"{slack.base_url}actions/T0CAMPAIGN/1716900000/replace"
    chosen = _menu_choice(key, "advance", "regress")
    assert _post(url, _from_the_alert(chosen, alert, hook)).status_code == 200
    [call] = slack.calls
    assert call.method == "replace" and call.body["replace_original"] is True
    assert call.body["text"] == alert["text"]
    shown, judged, buttons = call.body["blocks"]
    assert (shown, buttons) == (quote, alert["blocks"][1])  # the alert as it was, buttons last
    assert [e["text"] for e in judged["elements"]] == [
        "▼ Es un retroceso / It is a setback · ana.campaigner"
    ]

    # A second verdict, on the alert as it now reads, adds its line.
    replaced = {"text": alert["text"], "blocks": call.body["blocks"]}
    second = _from_the_alert(_payload(key, "relevant", "U0OTHER"), replaced, hook)
    assert _post(url, second).status_code == 200
    lines = [e["text"] for e in slack.calls[-1].body["blocks"][1]["elements"]]
    assert lines == [
        "▼ Es un retroceso / It is a setback · ana.campaigner",
        "✓ Relevante / Relevant · ana.campaigner",
    ]


def test_a_replacement_goes_only_to_slack_and_only_where_the_verdict_has_a_place(slack, endpoint):
    url, keys, db = endpoint
    key = keys["detention-registry"]
    alert = {"text": "alert", "blocks": [feedback_buttons(key, "advance")]}
    # Constructed: a signed payload whose response URL is not Slack's.
    foreign = _from_the_alert(_payload(key, "relevant"), alert, "https://hooks.example.org/x")
    assert _post(url, foreign).status_code == 200
    # Constructed: a message with neither an alert's buttons nor a menu offering the story.
    other = {
        "text": "digest",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "1."}}],
    }
    hook = f"{slack.base_url}actions/T0/1/replace"
    assert _post(url, _from_the_alert(_payload(key, "relevant"), other, hook)).status_code == 200
    # Constructed: a digest already at Slack's 50 blocks, where one more would have the whole
    # message refused.
    option = {"text": {"type": "plain_text", "text": "✓"}, "value": f"relevant:{alert_ref(key)}"}
    group = {"label": {"type": "plain_text", "text": "1. x"}, "options": [option]}
    menu = {"type": "static_select", "action_id": "vigia_feedback_menu_1", "option_groups": [group]}
    full = {
        "text": "digest",
        "blocks": [
            {"type": "actions", "block_id": "vigia_feedback_digest_1", "elements": [menu]},
            *({"type": "divider"} for _ in range(49)),
        ],
    }
    chosen = _selected("vigia_feedback_menu_1", option)
    assert _post(url, _from_the_alert(chosen, full, hook)).status_code == 200
    assert slack.calls == []
    # The verdicts were recorded all the same.
    assert run_query(db, "SELECT count(*) FROM feedback")[1] == [(3,)]


LINK_SECRET = "constructed-link-secret-0123456789"
TEAM = "equipo@example.org"


@pytest.fixture
def email_links(monkeypatch: pytest.MonkeyPatch):
    # Set before the endpoint's settings are loaded: request it first.
    monkeypatch.setenv("VIGIA_VERDICT_URL", "https://vigia.example.org/")
    monkeypatch.setenv("VIGIA_VERDICT_SECRET", LINK_SECRET)


def _email_of_the_ruling(key: str) -> tuple[str, str]:
    # The ruling's alert as the email channel writes it to the team: text and HTML parts.
    from vigia.alerts import EmailChannel
    from vigia.alerts.content import AlertBody, Outgoing
    from vigia.classify import load_demands
    from vigia.core.model import PendingAlert

    demands = load_demands(Path(__file__).resolve().parents[1] / "demands.yaml")
    ruling = ARRAIGO_RULING
    alert = PendingAlert(
        key, "arraigo-abolition", f"email:{TEAM}", 0, "advance", 0.8, ruling.text, "rule", ruling
    )
    message = Outgoing(key, alert.channel, AlertBody(alert, demands.demand("arraigo-abolition")))
    channel = EmailChannel.from_env(
        {"VIGIA_SMTP_URL": "smtp://127.0.0.1:25", "VIGIA_VERDICT_URL": "https://vigia.example.org/",
         "VIGIA_VERDICT_SECRET": LINK_SECRET}
    )  # fmt: skip
    assert channel is not None
    email = channel.compose(message)
    return email.get_body(("plain",)).get_content(), email.get_body(("html",)).get_content()


def test_an_email_link_opens_a_page_and_only_its_button_records_the_verdict(email_links, endpoint):
    url, keys, db = endpoint
    text, html = _email_of_the_ruling(keys["arraigo-abolition"])
    links = dict(re.findall(r"^  (.+?): (https://\S+)$", text, re.MULTILINE))
    assert list(links) == [
        "✓ Relevante / Relevant",
        "✗ No relevante / Not relevant",
        "▼ Es un retroceso / It is a setback",
        "● Solo una mención / Only a mention",
    ]
    setback = links["▼ Es un retroceso / It is a setback"]
    assert (
        setback.startswith("https://vigia.example.org/verdict?")
        and f'href="{escape(setback)}"' in html
    )
    # The endpoint is reached where the operator serves it; here, on 127.0.0.1.
    local = url.replace("/slack/actions", "/verdict?") + setback.partition("?")[2]
    page = requests.get(local, timeout=10)
    assert page.status_code == 200 and "Es un retroceso" in page.text
    assert '<form method="post"' in page.text and page.headers["Cache-Control"] == "no-store"
    # Opening the link (as a mail scanner does) records nothing.
    assert run_query(db, "SELECT count(*) FROM feedback")[1] == [(0,)]

    form = dict(re.findall(r'name="(\w+)" value="([^"]*)"', page.text))
    done = requests.post(local, data={k: unescape(v) for k, v in form.items()}, timeout=10)
    assert done.status_code == 200 and "anotada como retroceso" in done.text
    assert "Respaldada por un tribunal → Anulada por un tribunal" in done.text
    [row] = run_query(db, "SELECT user_id, user_name, verdict, corrected_stance FROM feedback")[1]
    assert row == (f"email:{TEAM}", TEAM, "wrong_direction", "regress")


def test_a_changed_or_forged_link_is_refused(email_links, endpoint):
    url, keys, db = endpoint
    text, _ = _email_of_the_ruling(keys["arraigo-abolition"])
    [relevant] = re.findall(r"Relevant: (https://\S+)", text)
    query = relevant.partition("?")[2]
    page = url.replace("/slack/actions", "/verdict?")
    # Constructed: the same link with its verdict, then its address, changed.
    for changed in (query.replace("v=relevant", "v=not_relevant"), query.replace("equipo", "otro")):
        assert requests.get(page + changed, timeout=10).status_code == 403
        assert (
            requests.post(page.rstrip("?"), data=dict(parse_qsl(changed)), timeout=10).status_code
            == 403
        )
    assert (
        requests.get(page.rstrip("?").replace("/verdict", "/other"), timeout=10).status_code == 404
    )
    assert run_query(db, "SELECT count(*) FROM feedback")[1] == [(0,)]


def test_verdict_links_need_both_settings_and_a_long_secret():
    from vigia.alerts.channels.verdict_links import VerdictLinks
    from vigia.core.errors import ConfigError

    assert VerdictLinks.from_env({}) is None
    for env in (
        {"VIGIA_VERDICT_URL": "https://vigia.example.org"},
        {"VIGIA_VERDICT_URL": "https://vigia.example.org", "VIGIA_VERDICT_SECRET": "short"},
        {"VIGIA_VERDICT_URL": "ftp://vigia.example.org", "VIGIA_VERDICT_SECRET": LINK_SECRET},
    ):
        with pytest.raises(ConfigError, match="VIGIA_VERDICT"):
            VerdictLinks.from_env(env)


def test_an_email_only_campaign_serves_links_without_a_slack_secret(tmp_path, monkeypatch):
    from vigia.core.errors import ConfigError

    monkeypatch.delenv("SLACK_SIGNING_SECRET", raising=False)
    settings = load_settings(db_path=str(tmp_path / "vigia.duckdb"), sources_config={})
    with pytest.raises(ConfigError, match="SLACK_SIGNING_SECRET"):
        FeedbackEndpoint(settings, "")  # nothing to verify: refused at start
    monkeypatch.setenv("VIGIA_VERDICT_URL", "https://vigia.example.org")
    monkeypatch.setenv("VIGIA_VERDICT_SECRET", LINK_SECRET)
    settings = load_settings(db_path=str(tmp_path / "vigia.duckdb"), sources_config={})
    endpoint = FeedbackEndpoint(settings, "")
    status_code, answer = endpoint.handle(b"payload=%7B%7D", {})
    assert status_code == 401 and "SLACK_SIGNING_SECRET" in answer["error"]
    assert (
        endpoint.verdict_page("GET", {"a": "0" * 24, "v": "relevant", "to": TEAM, "s": "x"})[0]
        == 403
    )


def test_an_email_link_works_for_a_year():
    from datetime import date

    from vigia.alerts.channels.slack_actions import Refused
    from vigia.alerts.channels.verdict_links import VerdictLinks

    links = VerdictLinks("https://vigia.example.org", LINK_SECRET)
    [(_, link), *_] = links.choices("match:arraigo-abolition:x", "advance", TEAM, date(2025, 1, 1))
    fields = dict(parse_qsl(link.partition("?")[2]))
    assert links.read(fields, today=date(2026, 1, 1)).verdict == "relevant"
    with pytest.raises(Refused) as expired:
        links.read(fields, today=date(2026, 1, 2))
    assert expired.value.status == 410
    # The day is signed too: a link cannot be made younger.
    with pytest.raises(Refused) as changed:
        links.read({**fields, "d": "2026-01-01"}, today=date(2026, 1, 2))
    assert changed.value.status == 403
