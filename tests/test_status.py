"""Demand statuses from a scripted sequence of matches: the press proposes, a person confirms,
the gazette publishes, a court strikes down; the history answers "as of" any moment.

The items are constructed (short texts written for this test) and go through the real
classifier into a real DuckDB store.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tests.constructed import REGISTRY_DECREE, REGISTRY_STRUCK_DOWN, REGISTRY_VOTE
from vigia import cli, pipeline, status
from vigia.config import load_settings
from vigia.core.model import Item
from vigia.storage import open_store, run_query

VOTE, DECREE, RULING = REGISTRY_VOTE, REGISTRY_DECREE, REGISTRY_STRUCK_DOWN


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("VIGIA_DB", str(tmp_path / "vigia.duckdb"))
    return load_settings(sources_config={})


def _store(settings, *items: Item) -> None:
    with open_store(settings.db_path) as store:
        store.items.upsert(list(items), datetime.now(UTC))
    pipeline.classify_pending(settings)


def _registry(settings, as_of: datetime | None = None):
    return next(s for s in status.current(settings, as_of) if s.demand_id == "detention-registry")


def test_press_proposes_a_person_confirms_the_gazette_publishes_a_court_strikes_down(
    settings, capsys: pytest.CaptureFixture
):
    _store(settings, VOTE)
    now = _registry(settings)
    assert (now.status, now.pending_confirmations) == ("no_action", 1)  # the press alone: pending

    assert (
        cli.main(["status", "confirm", "detention-registry", "--item", VOTE.id[:10], "--by", "ana"])
        == 0
    )
    assert "No action -> Approved by a chamber since 2019-04-20 (confirmed by ana)" in (
        capsys.readouterr().out
    )
    assert _registry(settings).status == "approved_by_chamber"

    _store(settings, DECREE)  # authoritative: no confirmation needed
    published = _registry(settings)
    assert (published.status, published.since) == ("published", date(2019, 5, 27))
    assert published.evidence_url == DECREE.url and published.pending_confirmations == 0
    said_after_publication = datetime.now(UTC)

    _store(settings, RULING)
    struck = _registry(settings)
    assert (struck.status, struck.since, struck.source_kind) == (
        "struck_down",
        date(2023, 1, 24),
        "court",
    )
    # Append-only: what the store said before the ruling is still there.
    assert _registry(settings, said_after_publication).status == "published"

    timeline = run_query(
        settings.db_path,
        "SELECT effective_date, status, confirmed, source_kind FROM demand_timeline "
        "WHERE demand_id = 'detention-registry' ORDER BY effective_date, recorded_at",
    )[1]
    assert timeline == [
        (date(2019, 4, 20), "approved_by_chamber", False, "news"),
        (date(2019, 4, 20), "approved_by_chamber", True, "news"),
        (date(2019, 5, 27), "published", True, "gazette"),
        (date(2023, 1, 24), "struck_down", True, "court"),
    ]
    # Each change was alerted once (confirmation, publication, ruling).
    alerts = run_query(
        settings.db_path, "SELECT key FROM alerts WHERE kind = 'status' ORDER BY created_at"
    )[1]
    assert [k.split(":")[2] for (k,) in alerts] == [
        "approved_by_chamber",
        "published",
        "struck_down",
    ]


def test_every_demand_has_a_row_with_the_letters_starting_status(settings):
    _store(settings, DECREE)
    rows = dict(run_query(settings.db_path, "SELECT demand_id, status FROM demand_status_now")[1])
    assert len(rows) == 12
    assert rows["military-justice"] == "approved_by_chamber"  # as of the 2014 letter
    assert rows["detention-registry"] == "published"


def test_confirming_an_unknown_move_is_a_clear_error(settings, capsys):
    _store(settings, DECREE)
    assert cli.main(["status", "confirm", "detention-registry", "--item", "nope"]) == 2
    assert "no move of 'detention-registry' waits for confirmation" in capsys.readouterr().err


def _undated(key: str, text: str) -> Item:
    return Item("gazette", "gazette", key, f"https://example.org/{key}", text, text, None, "es")


def test_an_undated_move_says_when_it_was_seen_not_when_it_happened(
    settings, capsys: pytest.CaptureFixture
):
    # Constructed: two gazette texts without a publication date, one of which states its date.
    stated = _undated(
        "stated", "El 27 de mayo de 2019 se expide la Ley Nacional del Registro de Detenciones."
    )
    _store(settings, stated)
    registry = _registry(settings)
    assert (registry.since, registry.since_basis) == (date(2019, 5, 27), "stated")

    undated = _undated(
        "undated", "Se expide el Protocolo Homologado para la Investigación de la Tortura."
    )
    _store(settings, undated)
    [(day, basis)] = run_query(
        settings.db_path,
        f"SELECT effective_date, date_basis FROM status_changes WHERE item_id = '{undated.id}'",
    )[1]
    assert (day, basis) == (datetime.now(UTC).date(), "first_seen")
    assert cli.main(["status"]) == 0
    out = capsys.readouterr().out
    assert "since 2019-05-27 (date stated in the text)" in out
    assert f"first seen on {day} (undated)" in out


def test_as_of_and_on_answer_two_different_questions(settings, capsys: pytest.CaptureFixture):
    _store(settings, DECREE)  # published 2019-05-27, recorded today
    assert cli.main(["status", "--on", "2020-01-01"]) == 0
    stood = capsys.readouterr().out
    assert "as things stood on 2020-01-01" in stood
    assert (
        "detention-registry" in stood
        and "Published" in stood.split("detention-registry")[1].splitlines()[0]
    )
    assert cli.main(["status", "--as-of", "2020-01-01"]) == 0
    said = capsys.readouterr().out
    assert "as the store said on 2020-01-01" in said
    # In 2020 the store held nothing yet: it said the demand had not moved.
    assert "Published" not in said.split("detention-registry")[1].splitlines()[0]


@pytest.mark.parametrize(
    ("text", "stated"),
    [
        ("MÉXICO, D.F., A 19 DE SEPTIEMBRE DE 2012. El Pleno resolvió…", date(2012, 9, 19)),
        ("Publicado el 27 de Mayo de 2019 en el DOF.", date(2019, 5, 27)),
        ("Signed on May 27, 2019 in Mexico City.", date(2019, 5, 27)),
        ("La acción de inconstitucionalidad 29/2002 y el expediente 19-11.", None),
        ("El 31 de febrero de 2019 no existe.", None),
    ],
)
def test_a_date_the_text_states_is_read_in_any_case_and_only_when_real(text, stated):
    from vigia.scrapers.text import stated_date

    assert stated_date(text) == stated


def test_a_status_change_is_queued_as_content_and_rendered_when_sent(settings):
    import io
    import json

    from vigia.alerts import ConsoleChannel

    _store(settings, DECREE)
    [(payload,)] = run_query(
        settings.db_path, "SELECT CAST(payload AS VARCHAR) FROM alerts WHERE kind = 'status'"
    )[1]
    stored = json.loads(payload)
    assert stored["content"] == "status" and "blocks" not in stored  # no channel's markup
    assert (stored["before"]["status"], stored["after"]["status"]) == ("no_action", "published")
    assert stored["after"]["since"] == "2019-05-27"
    # Constructed: a status row queued by an earlier version, its blocks rendered then.
    with open_store(settings.db_path) as store:
        store.outbox.queue_message(
            "status:older-row",
            "status",
            "#vigia-alerts",
            {
                "text": "rendered when queued",
                "blocks": [
                    {"type": "section", "text": {"type": "mrkdwn", "text": "rendered when queued"}}
                ],
            },
            datetime.now(UTC),
        )
    console = io.StringIO()
    report = pipeline.dispatch_alerts(settings, ConsoleChannel(console))
    shown = console.getvalue()
    assert "◆ Estado / Status · Registro nacional de detenciones" in shown
    assert "No action → Published in the gazette · 2019-05-27" in shown
    assert "rendered when queued" in shown
    assert report.errors == []


def test_a_newer_act_that_leaves_the_status_as_it_was_is_recorded_but_not_alerted_again(
    settings,
):
    from tests.constructed import item

    # Constructed: a second decree on the same law, two years on. The demand stays
    # "published"; the decree's own match alert tells campaigners of it, and a status alert
    # "Published → Published" would tell them nothing.
    reform = item(
        "registry-reform",
        "gazette",
        "DECRETO por el que se reforman diversas disposiciones de la Ley Nacional del Registro "
        "de Detenciones",
        "Se reforman diversas disposiciones de la Ley Nacional del Registro de Detenciones.",
        day=date(2021, 5, 20),
    )
    _store(settings, DECREE)
    _store(settings, reform)

    now = _registry(settings)
    assert (now.status, now.since, now.evidence_url) == ("published", date(2021, 5, 20), reform.url)
    statuses = run_query(
        settings.db_path,
        "SELECT json_extract_string(payload, '$.after.since'), status FROM alerts "
        "WHERE kind = 'status' AND demand_id = 'detention-registry' ORDER BY created_at",
    )[1]
    assert statuses == [("2019-05-27", "pending"), ("2021-05-20", "suppressed")]
    matches = run_query(
        settings.db_path,
        f"SELECT count(*) FROM alerts WHERE kind <> 'status' AND item_id = '{reform.id}'",
    )[1]
    assert matches == [(1,)]  # the reform itself is alerted
