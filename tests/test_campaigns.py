"""Several campaigns over one ingest: every item stored once and classified against each
campaign; matches, statuses, alerts and the report kept per campaign (the shipped campaign and
the example second one, defenders.yaml, over the replayed sources)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import fill_from_replay
from vigia.classify.campaigns import load_campaigns
from vigia.config import load_settings
from vigia.core.errors import ConfigError
from vigia.report import build_report
from vigia.storage import run_query

ROOT = Path(__file__).resolve().parents[1]
TWO = f"{ROOT / 'demands.yaml'},{ROOT / 'defenders.yaml'}"
MATCHES = "SELECT item_id, demand_id, stance FROM matches ORDER BY ALL"


def _run(replay: str, db: Path, demands: str, *, ingest: bool = True) -> None:
    fill_from_replay(replay, db, {"VIGIA_DEMANDS": demands}, ingest=ingest)


@pytest.fixture(scope="module")
def one_and_two(replay: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A store of the shipped campaign alone, and one of both campaigns."""
    folder = tmp_path_factory.mktemp("campaigns")
    one, two = folder / "one.duckdb", folder / "two.duckdb"
    _run(replay, one, str(ROOT / "demands.yaml"))
    _run(replay, two, TWO)
    return one, two


def test_each_item_is_stored_once_and_the_first_campaign_matches_as_alone(
    one_and_two: tuple[Path, Path],
) -> None:
    one, two = one_and_two
    count = "SELECT count(*), count(DISTINCT id) FROM items"
    assert run_query(two, count)[1] == run_query(one, count)[1]
    alone = run_query(one, MATCHES)[1]
    together = run_query(two, MATCHES)[1]
    assert [m for m in together if "/" not in m[1]] == alone
    second = [m for m in together if m[1].startswith("defenders/")]
    assert second and len(together) == len(alone) + len(second)


def test_the_second_campaign_alerts_its_own_channels_and_keeps_its_own_statuses(
    one_and_two: tuple[Path, Path],
) -> None:
    _, two = one_and_two
    channels = run_query(
        two,
        "SELECT DISTINCT channel FROM alerts WHERE starts_with(demand_id, 'defenders/') ORDER BY 1",
    )[1]
    assert channels and all(c.startswith("#defensores") for (c,) in channels)
    demands = run_query(two, "SELECT campaign, count(*) FROM demands GROUP BY 1 ORDER BY 1")[1]
    assert demands == [("defenders", 2), ("demands", 12)]
    statuses = run_query(
        two, "SELECT demand_id FROM demand_status_now WHERE starts_with(demand_id, 'defenders/')"
    )[1]
    assert sorted(statuses) == [
        ("defenders/attacks-investigated",),
        ("defenders/mechanism-resources",),
    ]


def test_the_report_has_a_folder_per_other_campaign(
    one_and_two: tuple[Path, Path], tmp_path: Path
) -> None:
    _, two = one_and_two
    settings = load_settings({"VIGIA_DEMANDS": TWO}, db_path=str(two))
    files = build_report(settings, tmp_path / "report")
    [other] = files.others
    assert other == tmp_path / "report" / "defenders" / "index.html"
    page = (tmp_path / "report" / "defenders" / "mechanism-resources.html").read_text()
    assert "Personal capacitado" in page and 'src="charts/mechanism-resources.svg"' in page
    assert "mechanism-resources.html" in other.read_text()
    assert "mechanism-resources" not in files.index.read_text()  # the first campaign's own


def test_adding_a_campaign_records_its_matches_on_past_items_without_alerting(
    replay: str, tmp_path: Path
) -> None:
    db = tmp_path / "vigia.duckdb"
    _run(replay, db, str(ROOT / "demands.yaml"))
    _run(replay, db, TWO, ingest=False)
    rows = run_query(
        db,
        "SELECT status, count(*) FROM alerts WHERE starts_with(demand_id, 'defenders/') GROUP BY 1",
    )[1]
    assert rows and {status for status, _ in rows} == {"suppressed"}


def test_campaign_files_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="two campaigns are named 'demands'"):
        load_campaigns([ROOT / "demands.yaml", ROOT / "demands.yaml"])
    odd = tmp_path / "Défenseurs.yaml"
    odd.write_text((ROOT / "defenders.yaml").read_text(), encoding="utf-8")
    with pytest.raises(ConfigError, match="lower-case letters"):
        load_campaigns([ROOT / "demands.yaml", odd])
    orphan = tmp_path / "orphan.yaml"
    orphan.write_text((ROOT / "defenders.yaml").read_text(), encoding="utf-8")
    with pytest.raises(ConfigError, match="demands.yaml"):
        load_campaigns([ROOT / "demands.yaml", orphan])  # its lexicons_from is not beside it
