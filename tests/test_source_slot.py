"""Politeness across workers: one ingest of a source at a time, whichever worker runs it,
through a Prefect global concurrency limit (run here under Prefect's test harness)."""

from __future__ import annotations

import threading
import time

import pytest
from prefect import get_client

from vigia.flows.common import source_slot


def _hold(source: str, seconds: float, intervals: list[tuple[str, float, float]]) -> None:
    with source_slot(source):
        started = time.monotonic()
        time.sleep(seconds)
        intervals.append((source, started, time.monotonic()))


@pytest.mark.prefect
def test_two_ingests_of_one_source_take_turns_and_other_sources_do_not_wait(
    prefect_harness: None,
) -> None:
    intervals: list[tuple[str, float, float]] = []
    holders = [
        threading.Thread(target=_hold, args=(source, 3.0, intervals))
        for source in ("slot-a", "slot-a", "slot-b")
    ]
    for holder in holders:
        holder.start()
    for holder in holders:
        holder.join(timeout=120)
    (_, first_start, first_end), (_, second_start, _) = sorted(
        (i for i in intervals if i[0] == "slot-a"), key=lambda i: i[1]
    )
    assert second_start >= first_end  # the second waited for the first to finish
    [(_, other_start, _)] = [i for i in intervals if i[0] == "slot-b"]
    assert other_start < first_end  # another source ran meanwhile
    with get_client(sync_client=True) as client:
        assert client.read_global_concurrency_limit_by_name("vigia-source-slot-a").limit == 1
