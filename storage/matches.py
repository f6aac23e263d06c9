"""Matches: which demand each item moves, recorded once per (item, demand)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from vigia.core.model import Item, Match
from vigia.storage.db import Repository
from vigia.storage.rows import ITEM_FIELDS_QUALIFIED, item_from_row


class MatchRepository(Repository):
    """The classifier's matches."""

    def record(
        self,
        items: Sequence[Item],
        matches: Sequence[Match],
        classifier_version: str,
        now: datetime,
    ) -> list[Match]:
        """Replace the matches of these items and mark them classified; return matches that are new.

        A match is new when the item had no match for that demand before, so a
        re-run or a changed text never raises a second alert for the same pair.
        """
        ids = [item.id for item in items]
        if not ids:
            return []
        before = set(
            self.conn.execute(
                "SELECT item_id, demand_id FROM matches WHERE item_id IN (SELECT unnest(?))", [ids]
            ).fetchall()
        )
        with self.transaction():
            self.conn.execute("DELETE FROM matches WHERE item_id IN (SELECT unnest(?))", [ids])
            if matches:
                columns = list(
                    zip(
                        *[
                            (
                                m.item_id,
                                m.demand_id,
                                m.stance,
                                m.score,
                                m.evidence,
                                m.evidence_field,
                                m.evidence_start,
                                m.evidence_end,
                                m.rule,
                                m.classifier_version,
                            )
                            for m in matches
                        ],
                        strict=True,
                    )
                )
                self.conn.execute(
                    """
                    INSERT INTO matches SELECT unnest(?), unnest(?), unnest(?), unnest(?),
                        unnest(?), unnest(?), unnest(?), unnest(?), unnest(?), unnest(?), ?""",
                    [*map(list, columns), now],
                )
            self.conn.execute(
                "UPDATE items SET classified_hash = content_hash, classifier_version = ? "
                "WHERE id IN (SELECT unnest(?))",
                [classifier_version, ids],
            )
        return [m for m in matches if (m.item_id, m.demand_id) not in before]

    def classified_unchanged(self, ids: Sequence[str]) -> set[str]:
        """Which of these items were classified before with the text they hold now."""
        rows = self.conn.execute(
            "SELECT id FROM items WHERE classified_hash = content_hash "
            "AND id IN (SELECT unnest(?))",
            [list(ids)],
        ).fetchall()
        return {row[0] for row in rows}

    def stale_ids(self, ids: Sequence[str], classifier_version: str) -> set[str]:
        """Which of these items are unclassified, changed, or classified by another version."""
        rows = self.conn.execute(
            "SELECT id FROM items WHERE id IN (SELECT unnest(?)) AND (classified_hash IS DISTINCT "
            "FROM content_hash OR classifier_version IS DISTINCT FROM ?)",
            [list(ids), classifier_version],
        ).fetchall()
        return {row[0] for row in rows}

    def stances(self, ids: Sequence[str]) -> dict[tuple[str, str], str]:
        """The stored stance of every (item, demand) match of these items."""
        rows = self.conn.execute(
            "SELECT item_id, demand_id, stance FROM matches WHERE item_id IN (SELECT unnest(?))",
            [list(ids)],
        ).fetchall()
        return {(item_id, demand_id): stance for item_id, demand_id, stance in rows}

    def with_item(self, item_id: str, demand_id: str) -> tuple[Match, Item] | None:
        """The stored match of one item for one demand, with the item."""
        row = self.conn.execute(
            f"""SELECT m.item_id, m.demand_id, m.stance, m.score, m.evidence, m.evidence_field,
                       m.evidence_start, m.evidence_end, m.rule, m.classifier_version,
                       {ITEM_FIELDS_QUALIFIED}
                FROM matches m JOIN items i ON i.id = m.item_id
                WHERE m.item_id = ? AND m.demand_id = ?""",
            [item_id, demand_id],
        ).fetchone()
        return (Match(*row[:10]), item_from_row(row[10:])) if row else None

    def per_demand(self) -> dict[str, dict[str, int]]:
        """Matches per demand, split by stance."""
        counts: dict[str, dict[str, int]] = {}
        for demand, stance, n in self.conn.execute(
            "SELECT demand_id, stance, count(*) FROM matches GROUP BY ALL ORDER BY ALL"
        ).fetchall():
            counts.setdefault(demand, {})[stance] = n
        return counts
