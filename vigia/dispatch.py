"""Send the outbox exactly once: settle interrupted sends, then notices, digests and alerts.

Each message is claimed in the store before it is sent and marked sent after; the store is
opened only for those short writes. The channel of each destination renders the message when it
sends it. A message left claimed by a crash is first looked up by its channel (Slack: the
outbox key rides along as message metadata), so a crash between the channel's answer and our
write cannot post it twice where the channel can tell.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field, replace
from datetime import timedelta
from typing import Any

from vigia.alerts import (
    AlertBody,
    Channel,
    Channels,
    DeliveryFailed,
    Outgoing,
    channels_from_env,
    stored_outgoing,
)
from vigia.classify.campaigns import Campaigns
from vigia.clock import now
from vigia.config import Settings
from vigia.core.model import destination_parts

log = logging.getLogger(__name__)
# The coverage footer of a channel's first digest looks back this far.
DIGEST_PERIOD = timedelta(days=1)


@dataclass
class DispatchReport:
    """What sending the outbox did."""

    sent: int = 0  # messages
    alerts_at_once: int = 0
    alerts_in_digests: int = 0
    failed: int = 0
    retry_later: int = 0
    recovered: int = 0
    resent_after_crash: int = 0
    unsettled: int = 0
    digests: int = 0
    sent_by: dict[str, int] = field(default_factory=dict)  # messages per channel
    via: str = ""  # the channels that delivered, e.g. "console+email"; else those configured
    # Why a channel stopped before the end (a token, a login, an app's grants), or "".
    stopped: str = ""
    errors: list[str] = field(default_factory=list)


def dispatch_alerts(
    settings: Settings, channels: Channels | Channel | None = None
) -> DispatchReport:
    """Settle interrupted sends, then send due notices, alerts and digests, oldest first.

    ``channels`` defaults to those the environment configures; one channel given alone takes
    every destination.
    """
    if channels is None:
        channels = channels_from_env(settings.env)
    elif not isinstance(channels, Channels):
        channels = Channels.only(channels)
    report = DispatchReport()
    try:
        _dispatch(settings, channels, settings.campaigns, report)
    finally:
        channels.close()
    report.via = "+".join(report.sent_by) or channels.names
    return report


def _dispatch(
    settings: Settings, channels: Channels, campaigns: Campaigns, report: DispatchReport
) -> None:
    stopped = settle_interrupted(settings, channels, report)
    with settings.storage.open() as store:
        current = now()
        notices = store.outbox.due_notices(current)
        stored = store.outbox.due_stored(current)
        alerts = store.outbox.due_alerts(current)
        members = {
            d.key: store.outbox.digest_members(d.key)
            for d in stored
            if d.payload.get("content") == "digest"
        }
    demands = {d.id: d for d in campaigns.demands}
    outgoing = [Outgoing(n.key, n.channel, n) for n in notices]
    outgoing += [Outgoing(a.key, a.channel, AlertBody(a, demands[a.demand_id])) for a in alerts]
    outgoing += [
        stored_outgoing(d.key, d.channel, d.payload, demands, members.get(d.key, []))
        for d in stored
    ]
    for message in outgoing:
        channel = channels.for_destination(message.destination)
        if channel.name in stopped:
            continue
        try:
            _deliver(
                settings, channel, message, report, threaded=isinstance(message.body, AlertBody)
            )
        except DeliveryFailed as exc:
            stopped.add(_stop(report, channel, exc))


def _stop(report: DispatchReport, channel: Channel, exc: DeliveryFailed) -> str:
    # A deployment error: every message of this channel would fail alike, so none is tried or
    # marked failed; they wait for the fix while the other channels carry on.
    report.stopped = "; ".join(filter(None, [report.stopped, f"{channel.name}: {exc}"]))
    report.errors.append(
        f"dispatch stopped for {channel.name}: {exc}. Nothing was marked failed; its queued "
        "messages go out with the next dispatch once its credentials or permissions are fixed"
    )
    log.error("dispatch stopped for %s: %s", channel.name, exc)
    return channel.name


def settle_interrupted(settings: Settings, channels: Channels, report: DispatchReport) -> set[str]:
    """Decide, for each row a crashed dispatcher left claimed, whether it reached the channel;
    return the channels that cannot be asked (a deployment error) and stop for this run."""
    with settings.storage.open() as store:
        claims = [(c, store.outbox.thread_ref(c.key, c.channel)) for c in store.outbox.unsettled()]
    stopped: set[str] = set()
    for claim, thread_ref in claims:
        channel = channels.for_destination(claim.channel)
        if channel.name in stopped:
            continue
        address = destination_parts(claim.channel)[1]
        try:
            found = channel.find_sent(claim.key, address, claim.claimed_at, claim.place, thread_ref)
        except DeliveryFailed as exc:
            if exc.deployment:
                stopped.add(_stop(report, channel, exc))
                continue
            # Unknown either way: sending again could post it twice, so it waits and the
            # run reports it.
            report.unsettled += 1
            report.errors.append(f"{claim.key}: {exc}; left claimed for the next run")
            continue
        with settings.storage.open() as store:
            if found is not None:
                store.outbox.mark_sent(claim.key, found.via, found.place, found.ref, now())
                report.recovered += 1
                log.info("%s was already in %s; recorded, not sent again", claim.key, claim.channel)
            else:
                store.outbox.release(claim.key)
                report.resent_after_crash += 1
    return stopped


def _deliver(
    settings: Settings,
    channel: Channel,
    message: Outgoing,
    report: DispatchReport,
    *,
    threaded: bool,
) -> None:
    with settings.storage.open() as store:
        if not store.outbox.claim(message.key, now(), channel.reference(message)):
            return  # another dispatcher has it
        thread_ref = store.outbox.thread_ref(message.key, message.destination) if threaded else None
    if thread_ref:
        message = replace(message, thread_ref=thread_ref)
    try:
        delivery = channel.send(message)
    except DeliveryFailed as exc:
        with settings.storage.open() as store:
            if exc.deployment:
                store.outbox.note_error(message.key, str(exc))
                store.outbox.release(message.key)
                raise
            if exc.ambiguous:
                # The channel may have it: the row stays claimed, and the next dispatch asks
                # the channel before sending it again.
                store.outbox.note_error(message.key, str(exc))
            else:
                store.outbox.mark_failed(message.key, str(exc), permanent=exc.permanent, now=now())
        report.failed += exc.permanent
        report.retry_later += not exc.permanent
        report.errors.append(f"{message.key}: {exc}")
        return
    with settings.storage.open() as store:
        kind, carried = store.outbox.mark_sent(
            message.key, delivery.via, delivery.place, delivery.ref, now()
        )
    report.sent += 1
    report.sent_by[delivery.via] = report.sent_by.get(delivery.via, 0) + 1
    if kind == "digest":
        report.digests += 1
        report.alerts_in_digests += carried
    else:
        report.alerts_at_once += carried


def _as_json(value: Any) -> Any:
    # Dates and times become ISO strings: the outbox keeps plain JSON.
    return json.loads(json.dumps(value, default=str))


def build_digests(settings: Settings, day: str | None = None) -> list[str]:
    """Queue one digest per channel that has alerts waiting; return their keys.

    A digest is stored with the alerts it carries before it is sent, so a crash or a retry
    sends the same message once; the channel renders it when it sends it.
    """
    campaigns, routes = settings.campaigns, settings.routes
    current = now()
    day = day or current.date().isoformat()
    keys = []
    with settings.storage.open() as store:
        by_channel: dict[str, list] = {}
        for alert in store.outbox.digest_alerts():
            by_channel.setdefault(alert.channel, []).append(alert)
        for channel, alerts in sorted(by_channel.items()):
            since = store.outbox.last_digest_at(channel) or current - DIGEST_PERIOD
            key = f"digest:{channel}:{current.isoformat(timespec='microseconds')}"
            pending = [
                move
                for demand in campaigns.demands
                if channel in routes[demand.id]
                for move in store.statuses.unconfirmed(demand.id)
            ]
            # What the digest says, as data: its alerts are linked to it in the outbox, and
            # the coverage and the moves to confirm are kept as they were at this moment.
            content = {
                "content": "digest",
                "day": day,
                "coverage": _as_json(store.outbox.coverage(since)),
                "pending": _as_json([asdict(move) for move in pending]),
            }
            members = [a.key for a in alerts]
            if store.outbox.queue_digest(key, channel, members, content, current):
                keys.append(key)
    return keys
