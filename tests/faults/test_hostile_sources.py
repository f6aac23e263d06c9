"""The HTTP client against a hostile server: no way into private addresses, no fetch without
an end, no robots.txt that costs memory or minutes. Every server here is constructed."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.hostile import _HostileServer, hostile_server
from vigia.core.errors import ConfigError, DeadlineExceeded, EgressDenied, FetchError, RetryLater
from vigia.scrapers.egress import EgressPolicy
from vigia.scrapers.http import HttpClient, HttpSettings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def hostile() -> Iterator[_HostileServer]:
    with hostile_server() as server:
        yield server


@pytest.fixture
def internal() -> Iterator[_HostileServer]:
    """A service on this machine that no source may reach."""
    with hostile_server() as server:
        yield server


def _client(hostile: _HostileServer, **overrides: object) -> HttpClient:
    # Only the hostile server's own address and port are allowed, as the demo allows its own.
    settings = {
        "min_interval": 0,
        "retries": 1,
        "backoff_factor": 0.01,
        "read_timeout": 5,
        "respect_robots": False,
        "allow_addresses": (hostile.address,),
        "request_deadline": 2.0,
    }
    return HttpClient(HttpSettings(**{**settings, **overrides}))


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1:{port}/ok",  # loopback, another port
        "http://localhost:{port}/ok",
        "http://10.0.0.1/ok",
        "http://172.16.0.1/ok",
        "http://192.168.1.1/ok",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:{port}/ok",
        "http://[::ffff:127.0.0.1]:{port}/ok",
        "http://0.0.0.0:{port}/ok",
    ],
)
def test_a_redirect_into_a_private_address_is_refused(
    hostile: _HostileServer, internal: _HostileServer, target: str
) -> None:
    location = target.format(port=internal.server_address[1])
    client = _client(hostile)
    started = time.monotonic()
    with pytest.raises(EgressDenied, match="allow_addresses"):
        client.get(f"{hostile.base}/redirect?to={location}", "test")
    assert internal.paths == []
    # Refused before connecting: no wait on an address that does not answer.
    assert time.monotonic() - started < 2


def test_a_link_to_an_internal_service_is_refused_and_the_allowed_one_works(
    hostile: _HostileServer, internal: _HostileServer
) -> None:
    client = _client(hostile)
    with pytest.raises(EgressDenied):
        client.get(f"{internal.base}/ok", "article")
    assert internal.paths == []
    assert client.get(f"{hostile.base}/ok", "article").body == b"fine"


def test_only_http_and_https_are_fetched(hostile: _HostileServer) -> None:
    with pytest.raises(FetchError, match="only http and https"):
        _client(hostile).get("file:///etc/passwd", "test")


def test_the_default_policy_allows_public_addresses_only() -> None:
    policy = EgressPolicy()
    assert policy.allows("8.8.8.8", 443) and policy.allows("2606:4700::1111", 443)
    for private in ("127.0.0.1", "10.1.2.3", "100.64.0.1", "169.254.169.254", "224.0.0.1"):
        assert not policy.allows(private, 80), private
    for private in ("::1", "fe80::1", "fc00::1", "::ffff:192.168.0.1", "2002:c0a8:1::1"):
        assert not policy.allows(private, 80), private
    allowing = EgressPolicy(["127.0.0.1:8080", "10.0.0.0/8", "[::1]:9000"])
    assert allowing.allows("127.0.0.1", 8080) and not allowing.allows("127.0.0.1", 8081)
    assert allowing.allows("10.9.9.9", 1) and allowing.allows("::1", 9000)
    with pytest.raises(ConfigError, match="allow_addresses"):
        EgressPolicy(["not-an-address"])


@pytest.mark.parametrize("path", ["/drip-body", "/drip-headers"])
def test_a_slow_drip_ends_at_the_request_deadline(hostile: _HostileServer, path: str) -> None:
    client = _client(hostile, request_deadline=1.5)
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded, match="deadline"):
        client.get(f"{hostile.base}{path}", "test")
    # The read timeout (5 s) restarts with every byte; only the deadline ends this.
    assert time.monotonic() - started < 4


def test_a_long_retry_after_is_not_waited_for(hostile: _HostileServer) -> None:
    started = time.monotonic()
    with pytest.raises(RetryLater, match="3600 s"):
        _client(hostile, request_deadline=30).get(f"{hostile.base}/retry-after", "test")
    assert time.monotonic() - started < 3


def test_a_short_retry_after_past_the_deadline_ends_the_request(hostile: _HostileServer) -> None:
    client = _client(hostile, request_deadline=1, max_retry_after=300)
    with pytest.raises(DeadlineExceeded):
        client.get(f"{hostile.base}/retry-after?seconds=20", "test")


def test_a_source_that_used_its_time_fetches_nothing_more(hostile: _HostileServer) -> None:
    client = _client(hostile, source_deadline=0.5)
    assert client.get(f"{hostile.base}/ok", "test").body == b"fine"
    time.sleep(0.6)
    with pytest.raises(DeadlineExceeded, match="0.5 s for this run are spent"):
        client.get(f"{hostile.base}/ok", "test")
    assert hostile.paths == ["/ok"]
    client.start_budget()  # a backfill's next chunk
    assert client.get(f"{hostile.base}/ok", "test").body == b"fine"


def test_a_huge_robots_txt_is_read_only_to_its_cap(hostile: _HostileServer) -> None:
    hostile.robots = "huge"
    client = _client(hostile, respect_robots=True)
    assert client.get(f"{hostile.base}/ok", "test").body == b"fine"
    assert client.bytes_received <= client.settings.max_robots_bytes + len(b"fine")


def test_a_pathological_robots_txt_is_matched_in_linear_time(hostile: _HostileServer) -> None:
    hostile.robots = "pathological"
    client = _client(hostile, respect_robots=True)
    started = time.monotonic()
    long_path = "/" + "a" * 3000
    with pytest.raises(FetchError):  # 404: allowed by robots, then not found
        client.get(f"{hostile.base}{long_path}", "test")
    assert time.monotonic() - started < 5


# The peak is read from VmHWM, which starts afresh with the new program; ru_maxrss would carry
# over the forking test process's own peak.
BOMB_CLIENT = """
import re, sys
from pathlib import Path
from vigia.scrapers.http import HttpClient, HttpSettings
client = HttpClient(HttpSettings(min_interval=0, retries=0, allow_addresses=(sys.argv[2],)))
rules = client.robots(sys.argv[1] + "/ok")
peak = re.search(r"VmHWM:\\s+(\\d+) kB", Path("/proc/self/status").read_text()).group(1)
print(client.bytes_received, peak)
"""


def test_a_gzip_bombed_robots_txt_costs_no_memory(hostile: _HostileServer) -> None:
    hostile.robots = "bomb"
    # In its own process, so the peak memory measured is the fetch's alone.
    done = subprocess.run(
        [sys.executable, "-c", BOMB_CLIENT, hostile.base, hostile.address],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr
    received, peak_kib = map(int, done.stdout.split())
    assert received <= 512_000
    assert peak_kib < 200_000  # 2 GB decoded would need far more than 200 MB


def test_a_truncated_body_fails_and_is_not_taken_for_a_page(hostile: _HostileServer) -> None:
    with pytest.raises(FetchError, match="hung up before sending the whole body") as failed:
        _client(hostile, retries=0).get(f"{hostile.base}/truncated", "feed")
    assert not isinstance(failed.value, DeadlineExceeded)


def test_a_reset_mid_body_names_the_reset(hostile: _HostileServer) -> None:
    with pytest.raises(FetchError, match="connection reset by the server"):
        _client(hostile, retries=0).get(f"{hostile.base}/reset", "feed")


def _news(hostile: _HostileServer, *feeds: str) -> tuple:
    from vigia.scrapers.base import Window, run_source
    from vigia.scrapers.news import NewsFeedsSource

    source = NewsFeedsSource({"feeds": [{"name": f, "url": f"{hostile.base}/{f}"} for f in feeds]})
    return run_source(source, _client(hostile), Window(days=()))


def test_an_empty_200_is_a_failed_feed_and_a_mis_encoded_one_is_read(
    hostile: _HostileServer,
) -> None:
    result = _news(hostile, "empty", "latin1-feed")
    assert result.error is None
    assert result.units["empty"] and "unreadable" in result.units["empty"]
    [item] = result.items
    assert item.title == "Reforma sobre desaparición y tortura en México"


def test_control_characters_in_a_title_do_not_reach_the_terminal() -> None:
    import io

    from vigia.alerts import ConsoleChannel, Outgoing
    from vigia.core.model import Notice

    stream = io.StringIO()
    title = "DECRETO \x1b]0;pwned\x07\x1b[2J\u202etxt.exe"
    ConsoleChannel(stream).send(Outgoing("k", "#c", Notice("k", "health", "gazette", "#c", title)))
    shown = stream.getvalue()
    assert "\x1b" not in shown and "\x07" not in shown and "\u202e" not in shown
    assert "\\x1b]0;pwned" in shown


def test_a_redirect_loop_ends_after_five_hops(hostile: _HostileServer) -> None:
    with pytest.raises(FetchError, match="too many redirects"):
        _client(hostile).get(f"{hostile.base}/loop", "test")
    assert 5 <= len(hostile.paths) <= 7


def test_hostile_xml_is_read_without_expanding_or_fetching_entities(
    hostile: _HostileServer,
) -> None:
    started = time.monotonic()
    result = _news(hostile, "entity-bomb", "external-entity", "utf16-feed")
    assert time.monotonic() - started < 5
    titles = {item.url.rsplit("/", 1)[1]: item.title for item in result.items}
    assert len(titles["bomb"]) < 100  # the entities were left as text, not expanded
    assert "root:" not in titles["xxe"]  # /etc/passwd was not read into the item
    assert titles["utf16"] == "Desaparición forzada en México"
