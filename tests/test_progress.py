"""Progress of long commands: a live bar on a terminal, plain lines with the time left in logs."""

from __future__ import annotations

import io
import time

from vigia.progress import StepProgress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_log_gets_one_line_per_step_with_the_time_left() -> None:
    log = io.StringIO()
    with StepProgress(log, "backfill gazette") as shown:
        time.sleep(0.05)
        shown.update(1, 4, "10 items")
        shown.update(4, 4, "40 items")
    first, last = log.getvalue().splitlines()
    assert first.startswith("backfill gazette: 1/4 · 10 items · about 0 min 0")
    assert first.endswith(" s left")
    assert last == "backfill gazette: 4/4 · 40 items · about 0 min 00 s left"


def test_the_time_left_is_the_pace_so_far_times_the_steps_left() -> None:
    shown = StepProgress(io.StringIO(), "reclassify")
    assert shown.seconds_left(0, 10) is None  # no pace yet
    time.sleep(0.1)
    left = shown.seconds_left(1, 3)
    assert left is not None and 0.18 <= left <= 2.0


def test_a_terminal_gets_a_bar_that_ends_complete() -> None:
    screen = _Terminal()
    with StepProgress(screen, "reclassify") as shown:
        shown.update(2, 5, "items")
        shown.update(5, 5, "items")
    drawn = screen.getvalue()
    assert "reclassify" in drawn and "5/5" in drawn and "\x1b[" in drawn  # redrawn in place
    assert "\n5/5" not in drawn  # not one line per step
