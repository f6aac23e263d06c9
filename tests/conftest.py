"""Shared fixtures: clean environment, recorded fixtures, replay server, fake Slack, Prefect,
PostgreSQL and the two store backends."""

from __future__ import annotations

import os
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fake_slack import FakeSlack, start_fake_slack, stop_fake_slack
from tests.postgres import PostgresServer, postgres_bin, start_postgres
from vigia.scrapers.http import HttpSettings
from vigia.storage import DuckDBFile, DuckLake, Storage

FIXTURES = Path(__file__).parent / "fixtures"
# Local servers answer at once: no politeness delay, one quick retry.
# The tests' own servers listen on the loopback address, which the egress policy refuses
# unless allowed.
LOOPBACK = ("127.0.0.1", "::1")
# The ``http`` block of a sources config for tests against local servers.
LOCAL_HTTP_CONFIG = {
    "min_interval": 0,
    "retries": 0,
    "respect_robots": False,
    "allow_addresses": list(LOOPBACK),
}
FAST_HTTP = HttpSettings(
    min_interval=0,
    retries=1,
    backoff_factor=0.01,
    read_timeout=5,
    respect_robots=False,
    allow_addresses=LOOPBACK,
)

# Privacy and timeout defaults for every test, set before anything imports Prefect.
os.environ.update(
    {
        "DO_NOT_TRACK": "1",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
        "PREFECT_LOGGING_TO_API_ENABLED": "false",
    }
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the tests marked ``long`` first, longest first: under ``pytest -n``, a long test
    started last leaves the other workers idle while it runs alone."""

    def seconds(item: pytest.Item) -> float:
        marker = item.get_closest_marker("long")
        return marker.kwargs.get("seconds", 30) if marker else 0

    items.sort(key=seconds, reverse=True)


@pytest.fixture(autouse=True, scope="session")
def interruptible_children() -> None:
    """Servers and workers the tests start stop on SIGINT, even when the suite runs as a
    shell's background job: there SIGINT starts ignored, and an ignored signal stays ignored
    in every child, so Python installs no KeyboardInterrupt handler and `vigia serve` or a
    Prefect worker (which turns SIGTERM into SIGINT) runs on. A handled signal is reset to the
    default in each child instead."""
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test can reach a real Slack or pick up an operator's store."""
    for key in list(os.environ):
        if key.startswith(("SLACK_", "VIGIA_")):
            monkeypatch.delenv(key)


def fixture_bytes(relative: str) -> bytes:
    """Bytes of a file under tests/fixtures."""
    return (FIXTURES / relative).read_bytes()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A fresh DuckDB file path."""
    return tmp_path / "vigia.duckdb"


@pytest.fixture(scope="session")
def replay() -> Iterator[str]:
    """The replay server's base URL, for the whole session."""
    from vigia.demo.replay import base_url, replay_server

    with replay_server() as server:
        yield base_url(server)


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    """A fake Slack Web API on 127.0.0.1."""
    state = start_fake_slack()
    yield state
    stop_fake_slack(state)


@pytest.fixture(scope="session")
def prefect_harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Prefect's test harness (a temporary server and database), started once per session."""
    home = tmp_path_factory.mktemp("prefect-home")
    os.environ["PREFECT_HOME"] = str(home)
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A real PostgreSQL server for the session (skipped where none is installed, unless CI
    requires it)."""
    if postgres_bin() is None:
        if os.environ.get("VIGIA_REQUIRE_POSTGRES"):
            pytest.fail("PostgreSQL is required here (VIGIA_REQUIRE_POSTGRES) and not installed")
        pytest.skip("PostgreSQL is not installed (Debian: apt-get install postgresql)")
    server = start_postgres()
    yield server
    server.stop()


@pytest.fixture
def lake(postgres: PostgresServer, tmp_path: Path) -> DuckLake:
    """A new, empty lake: its catalog a fresh PostgreSQL database, its data under tmp_path."""
    return DuckLake(postgres.new_database(), f"{tmp_path}/lake/")


@pytest.fixture(params=["file", "lake"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    """Each store backend in turn: the DuckDB file, then a lake on PostgreSQL."""
    if request.param == "file":
        return DuckDBFile(tmp_path / "vigia.duckdb")
    lake: DuckLake = request.getfixturevalue("lake")
    return lake


def fill_from_replay(
    replay: str, db: Path, env: dict[str, str] | None = None, *, ingest: bool = True
) -> Path:
    """A DuckDB store filled by the pipeline's steps (no Prefect) from the replayed sources:
    every source ingested, everything classified, the outbox sent to a silent console."""
    import io

    from vigia import pipeline
    from vigia.alerts import ConsoleChannel
    from vigia.config import load_settings
    from vigia.demo.replay import demo_sources_config
    from vigia.scrapers import SOURCES

    settings = load_settings(env or {}, db_path=str(db), sources_config=demo_sources_config(replay))
    if ingest:
        for name in SOURCES:
            assert pipeline.ingest_source(settings, name).ok
    pipeline.classify_pending(settings)
    pipeline.dispatch_alerts(settings, ConsoleChannel(io.StringIO()))
    return db
