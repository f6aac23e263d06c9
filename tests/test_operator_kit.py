"""The operator kit (Dockerfile, compose.yaml, the systemd unit, .env.example) agrees with the CLI.

No container engine runs here, so the image is built only where `docker info` answers; the
files are checked everywhere: their commands parse as vigia commands, their paths exist, the
data folder is the one thing written, and every setting they name is one the code reads.
"""

from __future__ import annotations

import configparser
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from vigia import cli

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_DIRS = ("vigia", "core", "demo", "flows", "scrapers", "classify", "storage", "alerts")


def _settings_the_code_reads() -> set[str]:
    names = set()
    for folder in PACKAGE_DIRS:
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            names |= set(re.findall(r"\"((?:VIGIA|SLACK)_[A-Z_]+|PREFECT_API_URL)\"", text))
    return names


def _env_example_names() -> set[str]:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE))


def _parses_as(argv: list[str]) -> str:
    """The handler a command line reaches (argparse exits on anything it does not know)."""
    return cli._parser().parse_args(argv).handler.__name__


def test_env_example_names_every_setting_the_code_reads_and_nothing_else() -> None:
    read = _settings_the_code_reads()
    assert {"VIGIA_DB", "SLACK_BOT_TOKEN"} <= read  # the scan itself finds settings
    assert _env_example_names() == read


def _dockerfile() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in lines
        if line and not line.startswith("#")
    ]


def test_the_image_is_pinned_installs_from_the_lock_and_runs_serve_as_a_user() -> None:
    steps = _dockerfile()
    [base] = [value for op, value in steps if op == "ARG" and value.startswith("PYTHON_IMAGE=")]
    image = base.split("=", 1)[1]
    assert re.fullmatch(r"python:3\.11\.\d+-slim-\w+", image)  # a release, not "latest"
    runs = " ".join(value for op, value in steps if op == "RUN")
    assert "-r requirements.lock" in runs and "--no-deps" in runs
    # The classifier is compiled on the same Python release (the full image has a compiler),
    # and the build fails if the installed package would not run it.
    [build] = [value for op, value in steps if op == "ARG" and value.startswith("BUILD_IMAGE=")]
    assert build.split("=", 1)[1] == image.replace("-slim", "")
    assert "scripts/compile_classifier.py" in runs and "native.build() ==" in runs
    for op, value in steps:
        if op == "COPY" and not value.startswith("--from"):
            *sources, _target = value.split()
            for source in sources:
                assert (ROOT / source).exists(), source
    [user] = [value for op, value in steps if op == "USER"]
    assert user not in ("root", "0")
    entry = [value for op, value in steps if op == "ENTRYPOINT"]
    command = [value for op, value in steps if op == "CMD"]
    argv = yaml.safe_load(entry[-1])[1:] + yaml.safe_load(command[-1])
    assert _parses_as(argv) == "cmd_serve"
    env = " ".join(value for op, value in steps if op == "ENV")
    [volume] = [yaml.safe_load(value) for op, value in steps if op == "VOLUME"]
    assert f"VIGIA_DATA_DIR={volume[0]}" in env


def test_compose_serves_with_the_store_on_a_volume_and_the_ui_on_this_machine_only() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    service = compose["services"]["vigia"]
    assert _parses_as(service["command"]) == "cmd_serve"
    data = service["environment"]["VIGIA_DATA_DIR"]
    named = [v for v in service["volumes"] if v.split(":")[1] == data]
    assert named and named[0].split(":")[0] in compose["volumes"]
    assert all(port.startswith("127.0.0.1:") for port in service["ports"])
    assert service["build"] == "." and (ROOT / "Dockerfile").is_file()
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".venv", "data", ".env"} <= set(ignored)  # no store or secret goes into the image


def _unit() -> configparser.ConfigParser:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # systemd keys are case-sensitive
    unit.read(ROOT / "deploy" / "vigia.service", encoding="utf-8")
    return unit


def test_the_systemd_unit_runs_serve_as_a_user_writing_only_the_data_folder() -> None:
    service = _unit()["Service"]
    binary, *argv = shlex.split(service["ExecStart"])
    assert binary.endswith("/vigia") and _parses_as(argv) == "cmd_serve"
    assert service["User"] not in ("root", "0")
    data = service["Environment"].removeprefix("VIGIA_DATA_DIR=")
    assert service["ReadWritePaths"] == data and service["ProtectSystem"] == "strict"
    assert service["EnvironmentFile"].lstrip("-").startswith(service["WorkingDirectory"])
    assert _unit()["Install"]["WantedBy"] == "multi-user.target"


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not here")
def test_systemd_accepts_the_unit(tmp_path: Path) -> None:
    # The real binary path only exists once installed; point it at this environment's vigia.
    vigia = shutil.which("vigia") or str(Path(cli.sys.executable).with_name("vigia"))
    text = (ROOT / "deploy" / "vigia.service").read_text(encoding="utf-8")
    copy = tmp_path / "vigia.service"
    copy.write_text(text.replace("/opt/vigia/bin/vigia", vigia), encoding="utf-8")
    checked = subprocess.run(
        ["systemd-analyze", "verify", str(copy)], capture_output=True, text=True, timeout=60
    )
    assert checked.returncode == 0, checked.stderr


def _engine_answers() -> bool:
    if not shutil.which("docker"):
        return False
    return subprocess.run(["docker", "info"], capture_output=True, timeout=30).returncode == 0


@pytest.mark.skipif(not _engine_answers(), reason="no container engine on this machine")
def test_the_image_builds_and_its_vigia_answers() -> None:
    subprocess.run(["docker", "build", "-t", "vigia:test", str(ROOT)], check=True, timeout=1800)
    version = subprocess.run(
        ["docker", "run", "--rm", "vigia:test", "--version"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert version.stdout.startswith("vigia ")
