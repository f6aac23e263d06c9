"""An operator's ignore pattern that backtracks badly meets a hostile line: the watch source
gives up on that line in bounded time instead of hanging the run; a broken pattern is a
configuration error naming it. The page is constructed."""

from __future__ import annotations

import time

import pytest

from vigia.core.errors import ConfigError
from vigia.scrapers.base import Page
from vigia.scrapers.watch import WatchedPagesSource

# Overlapping alternatives under a repeat: exponential steps on a run of n "a" that then fails
# (measured: the regex module ran into its 0.5 s limit at n = 60).
EVIL = r"(a|aa)+$"
PAGE = (
    "<html><head><title>Página vigilada</title></head><body><main>"
    "<p>Se publica el Registro Nacional de Detenciones.</p>"
    f"<p>{'a' * 60}!</p><p>aaaa</p>"
    "</main></body></html>"
).encode()


def _page(ignore: list[str]) -> tuple[WatchedPagesSource, Page]:
    spec = {"name": "p", "url": "https://example.org/p", "ignore": ignore}
    source = WatchedPagesSource({"pages": [spec]})
    page = Page("https://example.org/p", PAGE, "page", "text/html", context={"page": "p"})
    return source, page


def test_a_backtracking_ignore_pattern_gives_up_in_bounded_time(
    caplog: pytest.LogCaptureFixture,
) -> None:
    source, page = _page([EVIL])
    started = time.monotonic()
    title, text = source.main_text(page)
    assert "gave up on a line" in caplog.text
    assert time.monotonic() - started < 5  # the pattern alone would run for days on this line
    assert "Registro Nacional de Detenciones" in text
    assert "a" * 60 in text  # kept: the pattern gave up on it
    assert "\naaaa\n" not in f"\n{text}\n"  # the pattern still works where it can


def test_an_invalid_ignore_pattern_is_a_configuration_error() -> None:
    source, page = _page(["(unclosed"])
    with pytest.raises(ConfigError, match="ignore pattern '\\(unclosed'"):
        source.main_text(page)
