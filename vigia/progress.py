"""Progress of long commands (backfill, reclassify) on stderr, with the time left.

On a terminal a live bar drawn by rich; in a log or CI, where a redrawn line is noise, one plain
line per step. Both say how much is done, what it amounts to and about how long is left.
"""

from __future__ import annotations

import time
from types import TracebackType
from typing import Any, TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


class StepProgress:
    """``update(done, total, note)`` after each step of a job; use as a context manager."""

    def __init__(self, stream: TextIO, what: str) -> None:
        self.stream, self.what = stream, what
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self._started = time.monotonic()
        self._bar: Progress | None = None
        self._task: Any = None

    def __enter__(self) -> StepProgress:
        if self.tty:
            self._bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[note]}"),
                TimeElapsedColumn(),
                TextColumn("left"),
                TimeRemainingColumn(),
                console=Console(file=self.stream),
            )
            self._bar.start()
            self._task = self._bar.add_task(self.what, total=None, note="")
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.stop()

    def update(self, done: int, total: int, note: str = "") -> None:
        """Show that ``done`` of ``total`` steps are finished."""
        if self._bar is not None:
            self._bar.update(self._task, completed=done, total=total, note=note)
            return
        line = f"{self.what}: {done}/{total}" + (f" · {note}" if note else "")
        left = self.seconds_left(done, total)
        if left is not None:
            line += f" · about {_duration(left)} left"
        self.stream.write(line + "\n")
        self.stream.flush()

    def seconds_left(self, done: int, total: int) -> float | None:
        """The time left if the remaining steps go as fast as the finished ones did."""
        if done <= 0 or total <= done:
            return None if done <= 0 else 0.0
        return (time.monotonic() - self._started) / done * (total - done)


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(seconds + 0.5), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min {secs:02d} s"
