"""The built wheel, installed into a fresh virtual environment outside the checkout, works.

The new environment gets its dependencies from this one (a path entry pointing at this
environment's site-packages), so nothing is downloaded; vigia itself comes only from the wheel.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The checkout's files as a clone has them (setuptools reuses build/lib, stale or not)."""
    tree = tmp_path_factory.mktemp("tree") / "vigia"
    shutil.copytree(
        ROOT,
        tree,
        symlinks=True,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "build", "data", "test-artifacts", "*.egg-info", "__pycache__", "*.whl"
        ),
    )
    return tree


@pytest.fixture(scope="module")
def wheel(tree: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation"]
        + ["-w", str(out), str(tree)],
        check=True,
        capture_output=True,
    )
    [built] = out.glob("vigia-*.whl")
    return built


@pytest.fixture(scope="module")
def fresh_env(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("fresh-venv")
    venv.create(home, with_pip=True)
    python = home / "bin" / "python"
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # A plain path line: the .pth files over there (our editable install) are not run.
    (Path(purelib) / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [python, "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
    )
    return home


def _vigia(env_home: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIGIA_", "PYTHON"))}
    env.pop("SLACK_BOT_TOKEN", None)
    return subprocess.run(
        [str(env_home / "bin" / "vigia"), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_wheel_adds_one_top_level_name_and_carries_the_campaign_files(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    top = {name.split("/")[0] for name in names if not name.startswith("vigia-")}
    assert top == {"vigia"}
    for shipped in (
        "vigia/defaults/demands.yaml",
        "vigia/defaults/sources.yaml",
        "vigia/defaults/prefect.yaml",
        "vigia/defaults/env.example",
        "vigia/pages/INDEX.md",
        "vigia/pages/replay/sources.demo.yaml",
        "vigia/scrapers/certs/dof-intermediates.pem",
        "vigia/report/templates/index.html",
    ):
        assert shipped in names
    packaged = zipfile.ZipFile(wheel).read("vigia/defaults/demands.yaml")
    assert packaged == (ROOT / "demands.yaml").read_bytes()


@pytest.mark.long(seconds=41)
def test_init_demo_and_query_work_from_a_folder_outside_the_checkout(
    fresh_env: Path, tmp_path: Path
) -> None:
    where = _vigia(fresh_env, "--version", cwd=tmp_path)
    assert where.returncode == 0 and where.stdout.startswith("vigia ")

    init = _vigia(fresh_env, "init", "campaign", cwd=tmp_path)
    assert init.returncode == 0, init.stderr
    campaign = tmp_path / "campaign"
    assert sorted(p.name for p in campaign.iterdir()) == [
        ".env.example",
        "demands.yaml",
        "prefect.yaml",
        "sources.yaml",
    ]
    again = _vigia(fresh_env, "init", "campaign", cwd=tmp_path)
    assert again.returncode == 2 and "--force" in again.stderr

    demo = _vigia(fresh_env, "demo", cwd=campaign)
    assert demo.returncode == 0, demo.stderr[-2000:]
    assert "Replaying recorded sources" in demo.stdout
    assert (campaign / "data" / "vigia.duckdb").is_file()
    assert (campaign / "data" / "report" / "index.html").is_file()

    query = _vigia(
        fresh_env,
        "query",
        "--format",
        "csv",
        "SELECT count(*) AS matches FROM matches",
        cwd=campaign,
    )
    assert query.returncode == 0, query.stderr
    header, count = query.stdout.split()
    assert header == "matches" and int(count) > 0


def test_the_installed_code_is_the_wheels_not_the_checkouts(fresh_env: Path) -> None:
    found = subprocess.run(
        [str(fresh_env / "bin" / "python"), "-c", "import vigia.scrapers; print(vigia.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        cwd="/",
    ).stdout
    assert str(fresh_env) in found and str(ROOT) not in found


def test_a_campaign_folder_edit_is_what_the_demo_reads(fresh_env: Path, tmp_path: Path) -> None:
    assert _vigia(fresh_env, "init", cwd=tmp_path).returncode == 0
    (tmp_path / "demands.yaml").write_text("demands: [", encoding="utf-8")
    broken = _vigia(fresh_env, "status", cwd=tmp_path)
    assert broken.returncode == 2
    assert "demands.yaml" in broken.stderr and "Traceback" not in broken.stderr


def test_a_wheel_built_from_the_sdist_carries_the_same_files(
    tree: Path, wheel: Path, tmp_path: Path
) -> None:
    # The route a package index takes: sdist first, then a wheel from the unpacked sdist.
    subprocess.run(
        [
            sys.executable,
            "-c",
            f"from setuptools import build_meta as b; b.build_sdist({str(tmp_path)!r})",
        ],
        cwd=tree,
        check=True,
        capture_output=True,
    )
    [sdist] = tmp_path.glob("vigia-*.tar.gz")
    with tarfile.open(sdist) as archive:
        archive.extractall(tmp_path, filter="data")
    unpacked = tmp_path / sdist.name.removesuffix(".tar.gz")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation"]
        + ["-w", str(tmp_path / "from-sdist"), str(unpacked)],
        check=True,
        capture_output=True,
    )
    [rebuilt] = (tmp_path / "from-sdist").glob("vigia-*.whl")

    def files(path: Path) -> set[str]:
        return {n for n in zipfile.ZipFile(path).namelist() if ".dist-info/" not in n}

    assert files(rebuilt) == files(wheel)
