"""Source health: decide when a source needs an operator, and say so once.

A source is unhealthy when it failed ``max_failures`` runs in a row, came back
empty ``max_empty_runs`` times in a row although it always publishes, or stored
nothing new for longer than its ``max_silence_hours``. The first unhealthy run
raises one notice to the operators' channel; the first healthy run after it
raises one recovery notice. Pure functions: storage keeps the state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from vigia.core.model import Notice

OK = "ok"


@dataclass(frozen=True)
class HealthPolicy:
    """Thresholds for one source (from sources.yaml's ``health`` block and the source's own)."""

    channel: str = "#vigia-ops"
    max_failures: int = 3
    max_empty_runs: int = 3
    expects_items: bool = False
    max_silence_hours: float | None = None

    @classmethod
    def for_source(cls, health: dict[str, Any], source: dict[str, Any]) -> HealthPolicy:
        """Merge the global ``health`` block with the source's own thresholds."""
        return cls(
            channel=str(health.get("channel", cls.channel)),
            max_failures=int(health.get("max_failures", cls.max_failures)),
            max_empty_runs=int(health.get("max_empty_runs", cls.max_empty_runs)),
            expects_items=bool(source.get("expects_items", False)),
            max_silence_hours=source.get("max_silence_hours"),
        )


def problem(state: dict[str, Any], policy: HealthPolicy, now: datetime) -> str | None:
    """What is wrong with the source, in one sentence, or None when it is healthy."""
    failures = state.get("consecutive_failures") or 0
    if failures >= policy.max_failures:
        return f"failed {failures} runs in a row; last error: {state.get('last_error')}"
    empty = state.get("consecutive_empty") or 0
    if policy.expects_items and empty >= policy.max_empty_runs:
        return f"returned nothing in {empty} runs in a row, although it always publishes"
    if policy.max_silence_hours:
        since = state.get("last_new_at") or state.get("first_attempt_at")
        if since and now - since > timedelta(hours=float(policy.max_silence_hours)):
            return (
                f"no new items since {since:%Y-%m-%d %H:%M} UTC; expected some every "
                f"{policy.max_silence_hours:g} h"
            )
    return None


def transition(
    source: str, state: dict[str, Any], policy: HealthPolicy, now: datetime
) -> tuple[str, datetime | None, Notice | None]:
    """The source's new health status, since when, and the notice to send (if any)."""
    status = state.get("health_status") or OK
    since = state.get("health_since")
    found = problem(state, policy, now)
    if found and status == OK:
        key = f"health:{source}:{now.isoformat()}"
        return "unhealthy", now, Notice(key, "health", source, policy.channel, found)
    if not found and status != OK:
        opened = since.isoformat() if since else "unknown"
        summary = f"healthy again (problem since {opened})"
        return (
            OK,
            None,
            Notice(f"recovery:{source}:{opened}", "recovery", source, policy.channel, summary),
        )
    return status, since, None
