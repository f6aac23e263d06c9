"""Demand statuses: matches become moves by the campaign's rules; a change is alerted once.

The history is append-only (storage/status.py): a move backed only by the press is recorded
unconfirmed and changes nothing until a person confirms it or an authoritative source backs it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from vigia.classify import Campaign
from vigia.clock import now
from vigia.config import Settings
from vigia.core.errors import ConfigError
from vigia.core.model import Item, Match
from vigia.scrapers.text import stated_date
from vigia.storage import Store
from vigia.storage.outbox import routed_key
from vigia.storage.status import DemandStatus, StatusMove


@dataclass(frozen=True)
class StatusChange:
    """A demand whose status changed, from what to what, on which evidence."""

    demand_id: str
    before: str
    after: str
    since: date | None
    item_id: str | None

    @property
    def moved(self) -> bool:
        """The status itself changed, not only the evidence or the date it stands on."""
        return self.after != self.before


# A date a text states before this is background, not the day of the move.
EARLIEST_STATED = date(1990, 1, 1)


def moves_for(
    campaign: Campaign,
    matches: Iterable[Match],
    items: dict[str, Item],
    first_seen: dict[str, date] | None = None,
) -> list[StatusMove]:
    """The status moves the campaign's rules make of these matches (a mention makes none).

    ``first_seen``: the day each item was first stored, the date of last resort.
    """
    moves = []
    for match in matches:
        item = items[match.item_id]
        rule = campaign.status.rule_for(item.kind, match.stance, match.evidence)
        if rule is None:
            continue
        day, basis = effective_date(item, match, (first_seen or {}).get(item.id))
        moves.append(
            StatusMove(
                demand_id=match.demand_id,
                status=rule.to,
                effective_date=day,
                item_id=item.id,
                kind=item.kind,
                source=item.source,
                url=item.url,
                title=item.title,
                quote=match.evidence,
                stance=match.stance,
                rule=rule.describe(),
                confirmed=not rule.confirm,
                date_basis=basis,
            )
        )
    return moves


def effective_date(item: Item, match: Match, first_seen: date | None) -> tuple[date, str]:
    """A move's date and where it comes from: the item's publication date, else a date its
    evidence or title states, else the day it was first seen (which says when Vigía learned
    of it, not when it happened)."""
    if item.published:
        return item.published, "published"
    seen = first_seen or now().date()
    stated = stated_date(match.evidence) or stated_date(item.title)
    if stated and EARLIEST_STATED <= stated <= seen:
        return stated, "stated"
    return seen, "first_seen"


def apply_moves(
    store: Store,
    routes: Mapping[str, Sequence[str]],
    moves: Sequence[StatusMove],
    now: datetime,
    *,
    alert: bool = True,
    before: Mapping[str, DemandStatus] | None = None,
) -> list[StatusChange]:
    """Record moves; queue one alert per demand whose status changed, to each of its
    destinations (``routes``), sent only where the status itself moved (not just its
    evidence); return the changes.

    The store's demands must be the campaigns' (``Store.sync_demands``).
    ``alert=False`` records the changes (historical items, reclassification) without sending.
    ``before``: the statuses to compare with, when something other than these moves (a
    verdict recorded just before) may have changed them too. Such a change may take a demand
    back to a status, on evidence, it was alerted at before (a later move set aside), so its
    alert is keyed by ``now`` as well.
    """
    if not moves and before is None:
        return []
    given_before = before is not None
    if before is None:
        before = {s.demand_id: s for s in store.statuses.current()}
    if moves:
        store.statuses.record_moves(moves, now)
    changes = []
    for after in store.statuses.current():
        old = before[after.demand_id]
        if (after.status, after.since, after.evidence_item_id) == (
            old.status,
            old.since,
            old.evidence_item_id,
        ):
            continue
        change = StatusChange(
            after.demand_id, old.status, after.status, after.since, after.evidence_item_id
        )
        changes.append(change)
        # Other evidence for the same status (a newer act, or an older one a verdict brings
        # back) is kept in the history, not sent: the item's own match alert tells of it, and
        # "Published → Published" would tell nothing.
        _queue_alert(
            store,
            routes[after.demand_id],
            old,
            after,
            now,
            send=alert and change.moved,
            as_of_now=given_before,
        )
    return changes


def _queue_alert(
    store: Store,
    destinations: Sequence[str],
    before: DemandStatus,
    after: DemandStatus,
    now: datetime,
    *,
    send: bool,
    as_of_now: bool,
) -> None:
    key = f"status:{after.demand_id}:{after.status}:{after.evidence_item_id}"
    if as_of_now:
        # A status and evidence reached once before would otherwise share the earlier alert's
        # key, and the outbox sends a key once.
        key += f"@{now.isoformat()}"
    # What to say, not how: each channel renders it when it sends. The first destination
    # keeps the key such alerts had before there were several.
    content = status_content(after.demand_id, before, after)
    for n, destination in enumerate(destinations):
        store.outbox.queue_message(
            routed_key(key, destination if n else None),
            "status",
            destination,
            content,
            now,
            demand_id=after.demand_id,
            item_id=after.evidence_item_id,
            status="pending" if send else "suppressed",
        )


# The fields of a status change a channel shows: from, to, since when, on what evidence.
_SHOWN = ("status", "since", "source_kind", "evidence_title", "evidence_url", "evidence_quote")


def status_content(demand_id: str, before: DemandStatus, after: DemandStatus) -> dict[str, Any]:
    """A status change as the outbox keeps it: data any channel can render."""

    def shown(status: DemandStatus) -> dict[str, Any]:
        values = {name: getattr(status, name) for name in _SHOWN}
        values["since"] = status.since.isoformat() if status.since else None
        return values

    return {
        "content": "status",
        "demand_id": demand_id,
        "before": shown(before),
        "after": shown(after),
    }


def confirm(settings: Settings, demand_id: str, item_ref: str, by: str) -> list[StatusChange]:
    """A person confirms a demand's pending move(s) backed by one item (id or its start)."""
    settings.owner(demand_id)
    campaigns = settings.campaigns
    with settings.storage.open() as store:
        pending = [
            m for m in store.statuses.unconfirmed(demand_id) if m.item_id.startswith(item_ref)
        ]
        store.statuses.sync_demands(campaigns)
        if not pending:
            raise ConfigError(
                f"no move of '{demand_id}' waits for confirmation with item {item_ref!r} "
                "(see `vigia status`)"
            )
        if len({m.item_id for m in pending}) > 1:
            raise ConfigError(f"item {item_ref!r} is ambiguous: give more of its id")
        confirmed = [
            StatusMove(**{**m.__dict__, "confirmed": True, "confirmed_by": by}) for m in pending
        ]
        return apply_moves(store, settings.routes, confirmed, now())


def current(
    settings: Settings, as_of: datetime | None = None, on: date | None = None
) -> list[DemandStatus]:
    """Every demand's status: now; as the store said it at ``as_of``; or as things stood
    ``on`` a day, by everything recorded since."""
    with settings.storage.open() as store:
        store.statuses.sync_demands(settings.campaigns)
        return store.statuses.on(on) if on is not None else store.statuses.current(as_of)


# How a move's date is qualified, by where it comes from: in English, and in both languages.
_DATE_NOTES = {
    "first_seen": (
        "first seen on {day} (undated)",
        "{day} (visto por primera vez, sin fecha / first seen, undated)",
    ),
    "stated": ("{day} (date stated in the text)", "{day} (fecha del texto / date in the text)"),
}


def dated(day: date | None, basis: str | None, *, bilingual: bool = False) -> str:
    """A move's date as a reader should take it: an undated item's is the day it was first
    seen, not the day of the event."""
    if day is None:
        return "—" if bilingual else "-"
    notes = _DATE_NOTES.get(basis or "")
    return notes[bilingual].format(day=day) if notes else str(day)
