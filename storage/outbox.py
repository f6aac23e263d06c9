"""The alert outbox: every alert is a row before anything is sent, and each row goes out once.

Row life: ``pending`` → ``sending`` (claimed just before the post) → ``sent``, or back to
``pending`` with a later ``next_attempt_at`` after a transient failure, or ``failed`` with the
reason after a permanent one. ``suppressed`` rows are recorded and never sent; ``in_digest`` rows
wait for the digest message that carries them. A row left in ``sending`` by a crash is settled
by the dispatcher, which asks the channel whether it got the message before sending again.

``channel`` is the destination ("#vigia-arraigo" for Slack, "email:team@example.org");
``delivery_place`` and ``delivery_ref`` say where it landed and the channel's name for it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from vigia.core.model import Match, Notice, PendingAlert
from vigia.storage.db import Repository, UnitOfWork
from vigia.storage.items import ItemRepository
from vigia.storage.rows import ITEM_FIELDS_QUALIFIED, item_from_row

# Transient failures wait 1, 2, 4 ... minutes, at most an hour, before the next attempt.
BACKOFF_MINUTES_CAP = 60


@dataclass(frozen=True)
class Claimed:
    """A row a dispatcher claimed and did not settle: it may or may not have been delivered.

    ``place`` is where the destination's messages have landed before (a Slack channel id).
    """

    key: str
    kind: str
    channel: str
    claimed_at: datetime
    place: str | None


@dataclass(frozen=True)
class StoredMessage:
    """A queued message kept whole: a rendered digest, or a status change's content."""

    key: str
    channel: str
    payload: dict[str, Any]


def alert_key(match: Match, destination: str | None = None) -> str:
    """The outbox dedup key of a match alert: one alert per (demand, item, destination), ever.

    A demand's first destination keeps the key alerts had before there were several.
    """
    return routed_key(f"match:{match.demand_id}:{match.item_id}", destination)


def routed_key(key: str, destination: str | None) -> str:
    """A message's key for one more destination (None: its first, which keeps the bare key)."""
    return f"{key}>{destination}" if destination else key


def thread_key(match: Match, event_id: str | None) -> str:
    """The thread an alert belongs to: one per (demand, story); a story is an item or an event."""
    return f"match:{match.demand_id}:{event_id or match.item_id}"


def backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt."""
    return timedelta(minutes=min(BACKOFF_MINUTES_CAP, 2 ** max(0, attempts - 1)))


class OutboxRepository(Repository):
    """The alert outbox."""

    def __init__(self, work: UnitOfWork, items: ItemRepository) -> None:
        super().__init__(work)
        self.items = items  # a story's event id, for the thread an alert joins

    # -- queueing ------------------------------------------------------------
    def enqueue_alerts(
        self,
        matches: Sequence[Match],
        routes: Mapping[str, Sequence[str]],
        now: datetime,
        *,
        status: str = "pending",
        tiers: Mapping[tuple[str, str], str] | None = None,
    ) -> int:
        """Add one alert per match and destination of its demand (``routes``) unless its key is
        already in the outbox; return how many were added.

        ``tiers`` maps (item id, demand id) to ``now`` (sent at once) or ``digest`` (the daily
        digest);
        ``status='suppressed'`` records the alert without ever sending it (historical items).
        """
        if not matches:
            return 0
        events = self.items.event_ids([m.item_id for m in matches])
        # One row per (match, destination), keyed so that a repeated match adds nothing.
        rows = {
            alert_key(m, destination if n else None): (m, destination)
            for m in matches
            for n, destination in enumerate(routes[m.demand_id])
        }
        tiers = tiers or {}
        return self.changed(
            """
            INSERT INTO alerts (key, kind, demand_id, item_id, channel, created_at, status, tier,
                                thread_key)
            SELECT * FROM (
                SELECT unnest(?) AS key, 'match', unnest(?), unnest(?), unnest(?), ?::TIMESTAMPTZ,
                       ?, unnest(?), unnest(?)) n
            WHERE NOT EXISTS (SELECT 1 FROM alerts a WHERE a.key = n.key)""",
            [
                list(rows),
                [m.demand_id for m, _ in rows.values()],
                [m.item_id for m, _ in rows.values()],
                [destination for _, destination in rows.values()],
                now,
                status,
                [tiers.get((m.item_id, m.demand_id), "now") for m, _ in rows.values()],
                [thread_key(m, events.get(m.item_id)) for m, _ in rows.values()],
            ],
        )

    def enqueue_notice(self, notice: Notice, now: datetime) -> int:
        """Queue an operator notice unless its key is already in the outbox; return 0 or 1."""
        return self.changed(
            """INSERT INTO alerts (key, kind, channel, created_at, payload)
               SELECT ?, ?, ?, ?, ?::JSON WHERE NOT EXISTS (SELECT 1 FROM alerts WHERE key = ?)""",
            [
                notice.key,
                notice.kind,
                notice.channel,
                now,
                json.dumps({"source": notice.source, "summary": notice.summary}),
                notice.key,
            ],
        )

    # -- what is due ---------------------------------------------------------------
    def due_alerts(self, now: datetime, limit: int = 500) -> list[PendingAlert]:
        """Match alerts to send now: urgent ones, and later items of a story already posted.

        The second kind goes into the posted story's thread at once, whatever its tier:
        a thread reply does not notify the whole channel.
        """
        return self._alerts(
            """a.status = 'pending' AND (a.next_attempt_at IS NULL OR a.next_attempt_at <= ?)
               AND (a.tier = 'now' OR EXISTS (
                    SELECT 1 FROM alerts r WHERE r.thread_key = a.thread_key
                    AND r.channel = a.channel AND r.status = 'sent'
                    AND r.delivery_ref IS NOT NULL AND r.key <> a.key))""",
            [now],
            limit,
        )

    def digest_members(self, digest_key: str) -> list[PendingAlert]:
        """The match alerts a queued digest carries, in the order it lists them."""
        return self._alerts("a.digest_key = ?", [digest_key], 10_000)

    def digest_alerts(self) -> list[PendingAlert]:
        """Alerts waiting for their channel's daily digest."""
        return self._alerts("a.status = 'pending' AND a.tier = 'digest'", [], 10_000)

    def _alerts(self, where: str, params: list[Any], limit: int) -> list[PendingAlert]:
        rows = self.conn.execute(
            f"""
            SELECT a.key, a.demand_id, a.channel, a.attempts, m.stance, m.score, m.evidence,
                   m.rule, a.thread_key, a.tier, {ITEM_FIELDS_QUALIFIED}
            FROM alerts a
            JOIN matches m ON m.item_id = a.item_id AND m.demand_id = a.demand_id
            JOIN items i ON i.id = a.item_id
            WHERE a.kind = 'match' AND {where}
            ORDER BY i.published NULLS LAST, a.created_at, a.key
            LIMIT ?""",
            [*params, limit],
        ).fetchall()
        return [
            PendingAlert(
                key=row[0],
                demand_id=row[1],
                channel=row[2],
                attempts=row[3],
                stance=row[4],
                score=row[5],
                evidence=row[6],
                rule=row[7],
                item=item_from_row(row[10:]),
                thread_key=row[8],
                tier=row[9],
            )
            for row in rows
        ]

    def due_notices(self, now: datetime) -> list[Notice]:
        """Operator notices to send now, oldest first."""
        return [
            Notice(key, kind, payload["source"], channel, payload["summary"])
            for key, kind, channel, payload in self._due_payloads(now, ("health", "recovery"))
        ]

    def due_stored(self, now: datetime) -> list[StoredMessage]:
        """Digests and status changes due to be sent, as the outbox keeps them."""
        return [
            StoredMessage(key, channel, payload)
            for key, _, channel, payload in self._due_payloads(now, ("digest", "status"))
        ]

    def _due_payloads(
        self, now: datetime, kinds: tuple[str, ...]
    ) -> list[tuple[str, str, str, dict[str, Any]]]:
        rows = self.conn.execute(
            """SELECT key, kind, channel, payload FROM alerts
               WHERE status = 'pending' AND kind IN (SELECT unnest(?))
               AND (next_attempt_at IS NULL OR next_attempt_at <= ?)
               ORDER BY created_at, key""",
            [list(kinds), now],
        ).fetchall()
        return [
            (key, kind, channel, json.loads(payload) if isinstance(payload, str) else payload)
            for key, kind, channel, payload in rows
        ]

    def thread_ref(self, key: str, channel: str) -> str | None:
        """The channel's reference (Slack ts, Message-ID) of the first delivered message of this
        alert's story, if any."""
        row = self.conn.execute(
            """SELECT r.delivery_ref FROM alerts a JOIN alerts r ON r.thread_key = a.thread_key
               WHERE a.key = ? AND r.channel = ? AND r.status = 'sent'
               AND r.delivery_ref IS NOT NULL AND r.key <> a.key
               ORDER BY r.sent_at, r.key LIMIT 1""",
            [key, channel],
        ).fetchone()
        return row[0] if row else None

    # -- sending -------------------------------------------------------------------
    def claim(self, key: str, now: datetime, ref: str | None = None) -> bool:
        """Mark a pending row as being sent, with the reference it will carry when the channel
        knows it beforehand (an email's Message-ID); False if another dispatcher took it."""
        claimed = self.changed(
            "UPDATE alerts SET status = 'sending', claimed_at = ?, delivery_ref = ? "
            "WHERE key = ? AND status = 'pending'",
            [now, ref, key],
        )
        return claimed == 1

    def mark_sent(
        self, key: str, via: str, place: str | None, ref: str | None, now: datetime
    ) -> tuple[str, int]:
        """Record that a message went out (where it landed and the channel's reference to it),
        with every alert it carried; return its kind and how many match alerts it delivered."""
        # One step: a digest recorded as sent with its alerts still "in digest" would leave
        # them so for good (found by killing runs at random moments).
        with self.transaction():
            sent = self.conn.execute("SELECT kind FROM alerts WHERE key = ?", [key]).fetchone()
            self.conn.execute(
                "UPDATE alerts SET status = 'sent', attempts = attempts + 1, sent_at = ?, "
                "sent_via = ?, delivery_place = ?, delivery_ref = ?, last_error = NULL "
                "WHERE key = ?",
                [now, via, place, ref, key],
            )
            carried = self.changed(
                "UPDATE alerts SET status = 'sent', sent_at = ?, sent_via = ?, "
                "delivery_place = ?, delivery_ref = ? WHERE digest_key = ? "
                "AND status = 'in_digest'",
                [now, f"digest {via}", place, ref, key],
            )
        kind = str(sent[0]) if sent else ""
        return kind, carried if kind == "digest" else int(kind == "match")

    def mark_failed(self, key: str, error: str, *, permanent: bool, now: datetime) -> None:
        """Record a failed attempt: a permanent one leaves the queue with its reason,
        a transient one waits its backoff."""
        attempts = self.conn.execute(
            "SELECT attempts + 1 FROM alerts WHERE key = ?", [key]
        ).fetchone()
        if attempts is None:
            return
        self.conn.execute(
            "UPDATE alerts SET attempts = ?, last_error = ?, status = ?, next_attempt_at = ? "
            "WHERE key = ?",
            [
                attempts[0],
                error[:1000],
                "failed" if permanent else "pending",
                None if permanent else now + backoff(attempts[0]),
                key,
            ],
        )

    def note_error(self, key: str, error: str) -> None:
        """Record an attempt whose outcome is unknown; the row stays claimed."""
        self.conn.execute(
            "UPDATE alerts SET attempts = attempts + 1, last_error = ? WHERE key = ?",
            [error[:1000], key],
        )

    def unsettled(self) -> list[Claimed]:
        """Rows claimed by a dispatcher that stopped before recording the outcome."""
        rows = self.conn.execute(
            """SELECT a.key, a.kind, a.channel, a.claimed_at,
                      (SELECT max(o.delivery_place) FROM alerts o WHERE o.channel = a.channel)
               FROM alerts a WHERE a.status = 'sending' ORDER BY a.claimed_at, a.key"""
        ).fetchall()
        return [Claimed(*row) for row in rows]

    def release(self, key: str) -> None:
        """Put a claimed row back in the queue (it is known not to have been delivered)."""
        self.conn.execute(
            "UPDATE alerts SET status = 'pending', claimed_at = NULL "
            "WHERE key = ? AND status = 'sending'",
            [key],
        )

    # -- digests ---------------------------------------------------------------------
    def queue_digest(
        self, key: str, channel: str, members: Sequence[str], message: dict[str, Any], now: datetime
    ) -> bool:
        """Store a rendered digest and hand it its alerts, in one transaction; False if the key
        exists (a digest is built once)."""
        with self.transaction():
            inserted = self.changed(
                """INSERT INTO alerts (key, kind, channel, created_at, status, tier, payload)
                   SELECT ?, 'digest', ?, ?, 'pending', 'now', ?::JSON
                   WHERE NOT EXISTS (SELECT 1 FROM alerts WHERE key = ?)""",
                [key, channel, now, json.dumps(message, ensure_ascii=False), key],
            )
            if inserted:
                self.conn.execute(
                    "UPDATE alerts SET status = 'in_digest', digest_key = ? "
                    "WHERE key IN (SELECT unnest(?)) AND status = 'pending'",
                    [key, list(members)],
                )
        return inserted == 1

    def queue_message(
        self,
        key: str,
        kind: str,
        channel: str,
        message: dict[str, Any],
        now: datetime,
        *,
        demand_id: str | None = None,
        item_id: str | None = None,
        status: str = "pending",
    ) -> bool:
        """Queue a message (a status change's content); False if its key is known."""
        inserted = self.changed(
            """INSERT INTO alerts (key, kind, demand_id, item_id, channel, created_at, status,
                                   tier, payload)
               SELECT ?, ?, ?, ?, ?, ?, ?, 'now', ?::JSON
               WHERE NOT EXISTS (SELECT 1 FROM alerts WHERE key = ?)""",
            [
                key,
                kind,
                demand_id,
                item_id,
                channel,
                now,
                status,
                json.dumps(message, ensure_ascii=False),
                key,
            ],
        )
        return inserted == 1

    def last_digest_at(self, channel: str) -> datetime | None:
        """When the last digest of a channel was built."""
        row = self.conn.execute(
            "SELECT max(created_at) FROM alerts WHERE kind = 'digest' AND channel = ?", [channel]
        ).fetchone()
        return row[0] if row else None

    def coverage(self, since: datetime) -> list[dict[str, Any]]:
        """Per source: its last attempt and success, failures, items read and new since then.

        A source's feeds ("news/<feed>") are listed only while they fail: the source's own
        line already counts their items.
        """
        cursor = self.conn.execute(
            """WITH parts AS (
                   SELECT s.*, split_part(s.source, '/', 1) AS owner,
                          nullif(split_part(s.source, '/', 2), '') AS unit
                   FROM source_state s)
               SELECT s.source, s.last_attempt_at, s.last_success_at, s.consecutive_failures,
                      s.last_error,
                      (SELECT count(*) FROM items i WHERE i.source = s.owner
                       AND (s.unit IS NULL OR (i.meta->>'feed') = s.unit)
                       AND i.last_seen >= ?) AS items_read,
                      (SELECT count(*) FROM items i WHERE i.source = s.owner
                       AND (s.unit IS NULL OR (i.meta->>'feed') = s.unit)
                       AND i.first_seen >= ?) AS items_new
               FROM parts s WHERE s.unit IS NULL OR s.consecutive_failures > 0
               ORDER BY s.source""",
            [since, since],
        )
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def by_status(self) -> dict[str, int]:
        """Outbox rows per status (pending, sent, failed)."""
        return dict(
            self.conn.execute(
                "SELECT status, count(*) FROM alerts GROUP BY status ORDER BY status"
            ).fetchall()
        )
