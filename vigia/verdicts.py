"""Campaigners' verdicts on alerts: recorded with who and when, and the status record they
correct.

A verdict that an alert was not relevant, or that its direction was wrong, sets aside the status
move its match made (the store's status views leave it out from the verdict on); a direction
the person named makes the move the campaign's rules make of that direction, confirmed by them.
Either may change where a demand stands, which is alerted as any status change is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from urllib.parse import urlsplit

from vigia.alerts.channels.slack_actions import Verdict
from vigia.classify.demands import STANCES
from vigia.classify.events import normalise_url
from vigia.config import Settings
from vigia.core.errors import ConfigError
from vigia.status import StatusChange, apply_moves, moves_for
from vigia.storage import Store
from vigia.storage.status import StatusMove


def record(
    settings: Settings, verdicts: Sequence[Verdict], at: datetime
) -> tuple[int, list[StatusChange]]:
    """Record the verdicts on known alerts; return how many, and the status changes they made."""
    with settings.storage.open() as store, store.transaction():
        store.statuses.sync_demands(settings.campaigns)
        before = {s.demand_id: s for s in store.statuses.current()}
        recorded = 0
        moves: list[StatusMove] = []
        for verdict in verdicts:
            key = verdict.key or store.feedback.key_of_ref(verdict.ref or "")
            if key is None:
                continue
            target = store.feedback.record(
                key,
                verdict.verdict,
                verdict.user_id,
                verdict.user_name,
                at,
                verdict.channel,
                verdict.message_ts,
                verdict.stance,
            )
            if target is None:
                continue
            recorded += 1
            if verdict.stance:
                item_id, demand_id, _ = target
                moves += _corrected_moves(
                    store, settings, item_id, demand_id, verdict.stance, verdict.by
                )
        if not recorded:
            return 0, []
        return recorded, apply_moves(store, settings.routes, moves, at, before=before)


def record_missed(
    settings: Settings,
    item_ref: str,
    demand_id: str,
    stance: str,
    by: str,
    at: datetime,
    *,
    user_id: str | None = None,
) -> str:
    """Record that a person says a stored item (its id, its start, or its address) moves a
    demand in ``stance`` though the classifier found no such match; return the item's id.
    ``by`` names the person; ``user_id`` is their account, where one is known (Slack's).

    It is a label for measuring and writing the rules (`vigia feedback export`), not a move:
    a demand's status follows what the classifier and people confirm on its alerts.
    """
    if stance not in STANCES:
        raise ConfigError(f"stance must be one of {', '.join(STANCES)}, not {stance!r}")
    settings.owner(demand_id)
    with settings.storage.open() as store, store.transaction():
        item_id = _stored_item(store, item_ref)
        matched = store.matches.with_item(item_id, demand_id)
        if matched is not None:
            raise ConfigError(
                f"the classifier already finds {demand_id} in item {item_id[:12]} "
                f"({matched[0].stance}): judge its alert instead"
            )
        store.feedback.record_missed(item_id, demand_id, stance, user_id or by, by, at)
    return item_id


def _stored_item(store: Store, ref: str) -> str:
    # The one stored item ``ref`` names: by its address (the same article once tracking
    # parameters and mobile hosts are set aside), else by its id or the id's start.
    if ref.startswith(("http://", "https://")):
        address = normalise_url(ref)
        path = urlsplit(ref.strip()).path.rstrip("/") or ref.strip()
        found = sorted(
            {i for i, url in store.items.with_url_containing(path) if normalise_url(url) == address}
        )
        absent = "no item at that address is in the store (Vigía has not read it)"
        several = "several items have that address: give one's id"
    else:
        found = store.items.ids_starting(ref) if ref else []
        absent, several = "is not in the store", "is ambiguous: give more of its id"
    if len(found) != 1:
        raise ConfigError(f"item {ref!r}: {several if found else absent}")
    return found[0]


def _corrected_moves(
    store: Store, settings: Settings, item_id: str, demand_id: str, stance: str, who: str
) -> list[StatusMove]:
    # The move the campaign's rules make of the match had it been read in the named direction.
    found = store.matches.with_item(item_id, demand_id)
    if found is None:
        return []
    match, item = found
    campaign = settings.campaigns.owner(demand_id)
    first_seen = store.items.first_seen([item.id])
    corrected = moves_for(campaign, [replace(match, stance=stance)], {item.id: item}, first_seen)
    return [
        replace(
            move,
            confirmed=True,
            confirmed_by=who,
            rule=f"{move.rule} (direction corrected by {who})",
        )
        for move in corrected
    ]
