"""Demand statuses: an append-only history of moves, read as of any moment."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import duckdb

from vigia.classify.campaigns import Campaigns
from vigia.storage.db import Repository, stands


@dataclass(frozen=True)
class StatusMove:
    """One move of a demand's status, with the item that justifies it."""

    demand_id: str
    status: str
    effective_date: date
    item_id: str
    kind: str
    source: str
    url: str
    title: str
    quote: str
    stance: str
    rule: str
    confirmed: bool
    confirmed_by: str | None = None
    # Where effective_date comes from: "published" (the item's date), "stated" (a date its
    # text gives) or "first_seen" (neither was known: the day Vigía first saw the item).
    date_basis: str = "published"


@dataclass(frozen=True)
class DemandStatus:
    """Where a demand stands, since when and on what evidence."""

    demand_id: str
    title_es: str
    title_en: str
    status: str
    since: date | None
    source_kind: str | None
    evidence_title: str | None
    evidence_url: str | None
    evidence_quote: str | None
    evidence_item_id: str | None
    last_movement: date | None
    pending_confirmations: int
    # Where ``since`` comes from: "published", "stated", "first_seen" (None: the start).
    since_basis: str | None = None


class StatusRepository(Repository):
    """Status operations; mixed into Store."""

    conn: duckdb.DuckDBPyConnection

    def sync_demands(self, campaigns: Campaigns) -> None:
        """Copy every campaign's demands (titles, channels, starting status, campaign) into the
        store."""
        named = [(name, d) for name, campaign in campaigns.named() for d in campaign.demands]
        rows = [
            (
                d.id,
                n,
                d.title["es"],
                d.title["en"],
                d.channel,
                d.start.status,
                d.start.since,
                d.start.note,
                name,
            )
            for n, (name, d) in enumerate(named)
        ]
        columns = [list(column) for column in zip(*rows, strict=True)]
        with self.transaction():
            self.conn.execute("DELETE FROM demands")
            # One statement, as for status moves: a lake pays a catalog round trip per statement.
            self.conn.execute(
                """INSERT INTO demands (id, position, title_es, title_en, channel, start_status,
                       start_date, start_note, campaign)
                   SELECT unnest(?::VARCHAR[]), unnest(?::INTEGER[]), unnest(?::VARCHAR[]),
                          unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]),
                          unnest(?::DATE[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[])""",
                columns,
            )

    def record_moves(self, moves: Sequence[StatusMove], now: datetime) -> int:
        """Append moves not already recorded (same demand, item, status, confirmation)."""
        # One statement for the batch: on a lake each statement costs a round trip to its
        # catalog, and a batch of a thousand moves took 27 s one by one.
        first: dict[tuple[str, str, str, bool], StatusMove] = {}
        for move in moves:  # the first of a batch's repeats, as when they went in one by one
            first.setdefault((move.demand_id, move.item_id, move.status, move.confirmed), move)
        unique = list(first.values())
        if not unique:
            return 0
        fields = (
            "demand_id",
            "status",
            "effective_date",
            "item_id",
            "kind",
            "source",
            "url",
            "title",
            "quote",
            "stance",
            "rule",
            "confirmed",
            "confirmed_by",
            "date_basis",
        )
        columns = [[getattr(m, name) for m in unique] for name in fields]
        return self.changed(
            """INSERT INTO status_changes (demand_id, status, effective_date, recorded_at,
                   item_id, kind, source, url, title, quote, stance, rule, confirmed,
                   confirmed_by, date_basis)
               SELECT n.demand_id, n.status, n.effective_date, ?::TIMESTAMPTZ, n.item_id, n.kind,
                      n.source, n.url, n.title, n.quote, n.stance, n.rule, n.confirmed,
                      n.confirmed_by, n.date_basis
               FROM (SELECT unnest(?::VARCHAR[]) AS demand_id, unnest(?::VARCHAR[]) AS status,
                            unnest(?::DATE[]) AS effective_date, unnest(?::VARCHAR[]) AS item_id,
                            unnest(?::VARCHAR[]) AS kind, unnest(?::VARCHAR[]) AS source,
                            unnest(?::VARCHAR[]) AS url, unnest(?::VARCHAR[]) AS title,
                            unnest(?::VARCHAR[]) AS quote, unnest(?::VARCHAR[]) AS stance,
                            unnest(?::VARCHAR[]) AS rule, unnest(?::BOOLEAN[]) AS confirmed,
                            unnest(?::VARCHAR[]) AS confirmed_by,
                            unnest(?::VARCHAR[]) AS date_basis) n
               WHERE NOT EXISTS (SELECT 1 FROM status_changes s WHERE s.demand_id = n.demand_id
                   AND s.item_id = n.item_id AND s.status = n.status
                   AND s.confirmed = n.confirmed)""",
            [now, *columns],
        )

    def current(self, as_of: datetime | None = None) -> list[DemandStatus]:
        """Every demand's status as the store said it at ``as_of`` (default: now)."""
        if as_of is None:
            rows = self.conn.execute("SELECT * FROM demand_status_now").fetchall()
        else:
            rows = self.conn.execute("SELECT * FROM demand_status_as_of(?)", [as_of]).fetchall()
        return [DemandStatus(*row) for row in rows]

    def on(self, day: date) -> list[DemandStatus]:
        """Every demand's status as things stood on ``day``, by everything recorded since."""
        rows = self.conn.execute("SELECT * FROM demand_status_on(?)", [day]).fetchall()
        return [DemandStatus(*row) for row in rows]

    def unconfirmed(self, demand_id: str | None = None) -> list[StatusMove]:
        """Moves (of one demand, or all) that wait for a person's confirmation, newest first;
        a move a verdict set aside waits for nothing."""
        rows = self.conn.execute(
            f"""SELECT demand_id, status, effective_date, item_id, kind, source, url, title, quote,
                      stance, rule, confirmed, confirmed_by, date_basis
               FROM status_changes p WHERE NOT confirmed AND (? IS NULL OR demand_id = ?)
               AND {stands("p")} AND NOT EXISTS (SELECT 1 FROM status_changes c WHERE c.confirmed
                   AND c.demand_id = p.demand_id AND c.item_id = p.item_id AND c.status = p.status)
               ORDER BY effective_date DESC, recorded_at DESC""",
            [demand_id, demand_id],
        ).fetchall()
        return [StatusMove(*row) for row in rows]

    def timeline(self) -> list[dict[str, Any]]:
        """Every demand's moves, oldest first."""
        return self._dicts("SELECT * FROM demand_timeline ORDER BY effective_date, recorded_at")

    def latest_evidence(self, per_demand: int) -> list[dict[str, Any]]:
        """Each demand's newest matches (by publication date), with their items."""
        return self._dicts(
            """SELECT demand_id, stance, kind, published, title, url, evidence, rule FROM (
                   SELECT *, row_number() OVER (PARTITION BY demand_id
                       ORDER BY published DESC NULLS LAST, matched_at DESC) AS n
                   FROM match_details)
               WHERE n <= ? ORDER BY demand_id, n""",
            [per_demand],
        )

    def _dicts(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        cursor = self.conn.execute(sql, list(params))
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
