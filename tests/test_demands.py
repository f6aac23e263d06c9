"""The shipped demands file loads; every bad file names the demand and field at fault."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import yaml

from vigia.classify.demands import load_demands, parse_campaign
from vigia.core.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
EVAL_DEMANDS = {
    "presidential-accountability-statement",
    "military-justice",
    "torture-investigation-istanbul",
    "un-torture-rapporteur",
    "arraigo-abolition",
    "detention-registry",
    "missing-persons-database",
    "disappearance-investigation-law",
    "defenders-journalists-protection",
    "migrants-abuses",
    "pndh-action-plan",
    "upr-implementation",
}


def test_shipped_demands_file_holds_the_twelve_demands_of_the_letter():
    campaign = load_demands(ROOT / "demands.yaml")
    assert {d.id for d in campaign.demands} == EVAL_DEMANDS
    for demand in campaign.demands:
        assert demand.title["es"] and demand.title["en"] and demand.text
        assert demand.channel.startswith("#")


def _valid() -> dict:
    return yaml.safe_load((ROOT / "demands.yaml").read_text(encoding="utf-8"))


def _break(path: list, value: object) -> dict:
    data = copy.deepcopy(_valid())
    target = data
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (
            ["demands", 0, "terms"],
            KeyError,
            "demand 'presidential-accountability-statement': missing field(s) terms",
        ),
        (
            ["demands", 0, "terms"],
            {"es": [], "en": []},
            "demand 'presidential-accountability-statement': fields 'terms' and 'key_terms' are "
            "empty",
        ),
        (
            ["demands", 1, "terms"],
            {"fr": ["x"]},
            "demand 'military-justice': field 'terms': unknown field(s) fr",
        ),
        (
            ["demands", 2, "title"],
            {"es": "Tortura"},
            "demand 'torture-investigation-istanbul': field 'title' needs",
        ),
        (
            ["demands", 3, "channel"],
            "general chat",
            "demand 'un-torture-rapporteur': field 'channel' must be",
        ),
        (["demands", 4, "colour"], "red", "demand 'arraigo-abolition': unknown field(s) colour"),
        (["demands", 5, "id"], "Detention Registry", "demand #6: field 'id' must be"),
        (
            ["demands", 6, "id"],
            "detention-registry",
            "demand id 'detention-registry' appears twice",
        ),
        (
            ["demands", 7, "context"],
            {"es": "desaparición"},
            "demand 'disappearance-investigation-law': field 'context'.es must be a list",
        ),
        (["stance_cues", "sideways"], {"es": ["x"]}, "stance_cues: unknown field(s) sideways"),
        (["demands"], [], "'demands' must be a non-empty list"),
        (
            ["demands", 8, "yields_to"],
            ["missing-person-database"],
            "field 'yields_to' names 'missing-person-database', which is not another demand",
        ),
        (
            ["demands", 4, "stance", "forward"],
            {"es": ["x"]},
            "demand 'arraigo-abolition': field 'stance': unknown field(s) forward",
        ),
        (["authority", "news"], 3, "authority.news must be a number in (0, 1]"),
        (
            ["demands", 0, "context_from_title"],
            "no",
            "field 'context_from_title' must be true or false",
        ),
        (
            ["demands", 7, "keeper_terms"],
            {"es": ["cnb", "comisión de la verdad"]},
            "demand 'disappearance-investigation-law': field 'keeper_terms'.es lists "
            "'comisión de la verdad', which field 'key_terms'.es does not",
        ),
        (
            ["demands", 1, "keeper_terms"],
            {"es": ["fuero militar"]},
            "demand 'military-justice': field 'keeper_terms' needs 'yields_to'",
        ),
        (["abroad"], {"es": "chile"}, "abroad.es must be a list of non-empty strings"),
        (
            ["demands", 7, "shared_terms"],
            {"arraigo-abolition": {"es": ["desaparición forzada"]}},
            "demand 'disappearance-investigation-law': field 'shared_terms' names "
            "'arraigo-abolition', which field 'yields_to' does not",
        ),
        (
            ["demands", 7, "shared_terms"],
            {"military-justice": {"es": "desaparición forzada"}},
            "field 'shared_terms'.military-justice.es must be a list",
        ),
    ],
    ids=[
        "missing-terms",
        "empty-terms",
        "unknown-lang",
        "title-lang",
        "bad-channel",
        "unknown-key",
        "bad-id",
        "duplicate-id",
        "context-not-list",
        "unknown-stance",
        "no-demands",
        "yields-to-unknown-demand",
        "unknown-demand-stance",
        "authority-out-of-range",
        "flag-not-boolean",
        "keeper-not-a-key-term",
        "keeper-without-yields",
        "abroad-not-a-list",
        "shared-with-a-demand-not-yielded-to",
        "shared-terms-not-a-list",
    ],
)
def test_bad_demands_file_raises_config_error_naming_demand_and_field(path, value, expected):
    with pytest.raises(ConfigError) as caught:
        parse_campaign(_break(path, value))
    assert expected in str(caught.value)


def test_unreadable_and_invalid_yaml_files_are_config_errors(tmp_path: Path):
    with pytest.raises(ConfigError, match="cannot read"):
        load_demands(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("demands: [\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_demands(broken)


def test_fingerprint_changes_when_the_file_changes(tmp_path: Path):
    first = load_demands(ROOT / "demands.yaml").fingerprint
    edited = tmp_path / "demands.yaml"
    edited.write_text(
        json.dumps(_break(["demands", 0, "channel"], "#elsewhere"), default=str), encoding="utf-8"
    )
    assert load_demands(edited).fingerprint != first


def test_the_campaign_is_parsed_once_and_again_after_an_edit(tmp_path):
    import shutil

    from vigia.config import load_settings

    demands = tmp_path / "demands.yaml"
    shutil.copy(ROOT / "demands.yaml", demands)
    settings = load_settings({"VIGIA_DEMANDS": str(demands)}, sources_config={})
    first = settings.campaign
    assert settings.campaign is first  # one parse for every step of a run
    demands.write_text(demands.read_text(encoding="utf-8").replace("campaign:", "campaign: x", 1))
    edited = settings.campaign
    assert edited is not first and edited.fingerprint != first.fingerprint
