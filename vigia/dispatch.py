"""Send the outbox exactly once: settle interrupted sends, then notices, digests and alerts.

Each message is claimed in the store before it is posted and marked sent after; the store is
opened only for those short writes. A message left claimed by a crash is looked up in the
channel's history (the outbox key rides along as Slack message metadata) before it is sent
again, so a crash between Slack's answer and our write cannot post it twice.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field, replace
from datetime import timedelta
from typing import Any

from vigia.alerts import (
    DeliveryFailed,
    Message,
    Sender,
    console_notice,
    render_alert,
    render_console,
    render_notice,
    sender_from_env,
)
from vigia.alerts.render import render_console_blocks, render_content
from vigia.classify import Campaign
from vigia.clock import now
from vigia.config import Settings
from vigia.storage import open_store

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
    via: str = ""
    # Why dispatch stopped before the end (the token or the app's grants), or "".
    stopped: str = ""
    errors: list[str] = field(default_factory=list)


def dispatch_alerts(settings: Settings, sender: Sender | None = None) -> DispatchReport:
    """Settle interrupted sends, then send due notices, alerts and digests, oldest first."""
    sender = sender or sender_from_env(settings.env)
    campaign = settings.campaign
    report = DispatchReport(via=sender.name)
    try:
        _dispatch(settings, sender, campaign, report)
    except DeliveryFailed as exc:
        # Only a deployment error gets here: every message would fail alike, so none is
        # tried or marked failed; they all wait for the fix.
        report.stopped = str(exc)
        report.errors.append(
            f"dispatch stopped: {exc}. Nothing was marked failed; the queued messages go out "
            "with the next dispatch once the token or the app's permissions are fixed"
        )
        log.error("dispatch stopped: %s", exc)
    return report


def _dispatch(
    settings: Settings, sender: Sender, campaign: Campaign, report: DispatchReport
) -> None:
    settle_interrupted(settings, sender, report)
    with open_store(settings.db_path) as store:
        current = now()
        notices = store.due_notices(current)
        digests = store.due_stored(current)
        alerts = store.due_alerts(current)
        members = {
            d.key: store.digest_members(d.key)
            for d in digests
            if d.payload.get("content") == "digest"
        }
    outgoing: list[tuple[Message, str, bool]] = [
        (render_notice(n), console_notice(n), False) for n in notices
    ]
    for alert in alerts:
        message = render_alert(alert, campaign.demand(alert.demand_id))
        outgoing.append((message, render_console(message, alert), True))
    demands = {d.id: d for d in campaign.demands}
    for stored in digests:
        if "content" in stored.payload:
            message = render_content(
                stored.key, stored.channel, stored.payload, demands, members.get(stored.key, [])
            )
        else:
            # Digests, and status changes queued before they were kept as content, were
            # rendered when queued.
            message = Message.from_payload(stored.key, stored.channel, stored.payload)
        outgoing.append((message, render_console_blocks(message), False))
    for message, console_text, threaded in outgoing:
        _deliver(settings, sender, message, console_text, report, threaded=threaded)


def settle_interrupted(settings: Settings, sender: Sender, report: DispatchReport) -> None:
    """Decide, for each row a crashed dispatcher left claimed, whether it reached the channel."""
    with open_store(settings.db_path) as store:
        claims = [(c, store.thread_ts(c.key, c.channel)) for c in store.unsettled()]
    for claim, thread_ts in claims:
        try:
            found = sender.find_sent(
                claim.channel, claim.key, claim.claimed_at, claim.channel_id, thread_ts
            )
        except DeliveryFailed as exc:
            if exc.deployment:
                raise
            # Unknown either way: sending again could post it twice, so it waits and the
            # run reports it.
            report.unsettled += 1
            report.errors.append(f"{claim.key}: {exc}; left claimed for the next run")
            continue
        with open_store(settings.db_path) as store:
            if found is not None:
                store.mark_sent(claim.key, found.via, found.channel, found.ts, now())
                report.recovered += 1
                log.info("%s was already in %s; recorded, not sent again", claim.key, claim.channel)
            else:
                store.release(claim.key)
                report.resent_after_crash += 1


def _deliver(
    settings: Settings,
    sender: Sender,
    message: Message,
    console_text: str,
    report: DispatchReport,
    *,
    threaded: bool,
) -> None:
    with open_store(settings.db_path) as store:
        if not store.claim(message.key, now()):
            return  # another dispatcher has it
        thread_ts = store.thread_ts(message.key, message.channel) if threaded else None
    if thread_ts:
        message = replace(message, thread_ts=thread_ts)
    try:
        delivery = sender.send(message, console_text)
    except DeliveryFailed as exc:
        with open_store(settings.db_path) as store:
            if exc.deployment:
                store.note_error(message.key, str(exc))
                store.release(message.key)
                raise
            if exc.ambiguous:
                # Slack may have it: the row stays claimed, and the next dispatch looks it
                # up in the channel's history before sending it again.
                store.note_error(message.key, str(exc))
            else:
                store.mark_failed(message.key, str(exc), permanent=exc.permanent, now=now())
        report.failed += exc.permanent
        report.retry_later += not exc.permanent
        report.errors.append(f"{message.key}: {exc}")
        return
    with open_store(settings.db_path) as store:
        kind, carried = store.mark_sent(
            message.key, delivery.via, delivery.channel, delivery.ts, now()
        )
    report.sent += 1
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
    campaign = settings.campaign
    current = now()
    day = day or current.date().isoformat()
    keys = []
    with open_store(settings.db_path) as store:
        by_channel: dict[str, list] = {}
        for alert in store.digest_alerts():
            by_channel.setdefault(alert.channel, []).append(alert)
        for channel, alerts in sorted(by_channel.items()):
            since = store.last_digest_at(channel) or current - DIGEST_PERIOD
            key = f"digest:{channel}:{current.isoformat(timespec='microseconds')}"
            pending = [
                move
                for demand in campaign.demands
                if demand.channel == channel
                for move in store.unconfirmed(demand.id)
            ]
            # What the digest says, as data: its alerts are linked to it in the outbox, and
            # the coverage and the moves to confirm are kept as they were at this moment.
            content = {
                "content": "digest",
                "day": day,
                "coverage": _as_json(store.coverage(since)),
                "pending": _as_json([asdict(move) for move in pending]),
            }
            members = [a.key for a in alerts]
            if store.queue_digest(key, channel, members, content, current):
                keys.append(key)
    return keys
