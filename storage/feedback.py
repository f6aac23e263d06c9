"""Campaigners' verdicts on alerts, one row per verdict with the person and the time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from vigia.core.model import ALERT_REF_LENGTH
from vigia.storage.db import Repository
from vigia.storage.rows import ITEM_FIELDS_QUALIFIED, item_from_row

# The verdict of a person who says the classifier missed a demand in an item.
MISSED = "missed"


class FeedbackRepository(Repository):
    """Verdicts from the alerts' buttons."""

    def alert_target(self, key: str) -> tuple[str, str, str] | None:
        """(item id, demand id, stance) of a match alert."""
        return self.conn.execute(
            """SELECT a.item_id, a.demand_id, m.stance FROM alerts a
               JOIN matches m ON m.item_id = a.item_id AND m.demand_id = a.demand_id
               WHERE a.key = ? AND a.kind = 'match'""",
            [key],
        ).fetchone()

    def key_of_ref(self, ref: str) -> str | None:
        """The key of the match alert whose ``alert_ref`` is ``ref``, if there is one."""
        if len(ref) != ALERT_REF_LENGTH:
            return None
        row = self.conn.execute(
            "SELECT key FROM alerts WHERE kind = 'match' AND left(sha256(key), ?) = ?",
            [ALERT_REF_LENGTH, ref],
        ).fetchone()
        return row[0] if row else None

    def record(
        self,
        key: str,
        verdict: str,
        user_id: str,
        user_name: str,
        at: datetime,
        channel: str | None = None,
        message_ts: str | None = None,
        corrected_stance: str | None = None,
    ) -> tuple[str, str, str] | None:
        """Record one person's verdict on an alert (with the direction they say was right, if
        they said one); return the alert's (item id, demand id, stance), None if it is
        unknown."""
        target = self.alert_target(key)
        if target is None:
            return None
        item_id, demand_id, stance = target
        self.conn.execute(
            """INSERT INTO feedback (alert_key, item_id, demand_id, stance, verdict, user_id,
                   user_name, given_at, channel, message_ts, corrected_stance)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                key,
                item_id,
                demand_id,
                stance,
                verdict,
                user_id,
                user_name,
                at,
                channel,
                message_ts,
                corrected_stance,
            ],
        )
        return target

    def record_missed(
        self, item_id: str, demand_id: str, stance: str, user_id: str, user_name: str, at: datetime
    ) -> None:
        """Record that a person says ``item_id`` moves ``demand_id`` (in ``stance``) though the
        classifier found no such match: a verdict on no alert, which sets no move aside."""
        # No alert and no classified stance: the status views match verdicts to moves by
        # stance, and "" is none.
        self.conn.execute(
            """INSERT INTO feedback (alert_key, item_id, demand_id, stance, verdict, user_id,
                   user_name, given_at, corrected_stance)
               VALUES ('', ?, ?, '', ?, ?, ?, ?, ?)""",
            [item_id, demand_id, MISSED, user_id, user_name, at, stance],
        )

    def items(self) -> list[dict[str, Any]]:
        """Every verdict with its item, latest verdict per (item, demand, person) only."""
        cursor = self.conn.execute(
            f"""
            SELECT f.demand_id, f.stance, f.verdict, f.user_id, f.user_name, f.given_at,
                   f.corrected_stance, {ITEM_FIELDS_QUALIFIED}
            FROM feedback f JOIN items i ON i.id = f.item_id
            QUALIFY row_number() OVER (
                PARTITION BY f.item_id, f.demand_id, f.user_id ORDER BY f.given_at DESC) = 1
            ORDER BY i.id, f.demand_id, f.given_at"""
        )
        return [
            {
                "demand_id": row[0],
                "stance": row[1],
                "verdict": row[2],
                "user_id": row[3],
                "user_name": row[4],
                "at": row[5],
                "corrected_stance": row[6],
                "item": item_from_row(row[7:]),
            }
            for row in cursor.fetchall()
        ]
