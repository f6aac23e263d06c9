"""The store: one open connection and the repositories that read and write through it.

The only room that writes SQL. A use-case opens the store for one short unit of work
(``Storage.open``), calls the repositories it needs (``store.items``, ``store.outbox``, …),
and may group their writes with ``store.transaction()``.
"""

from __future__ import annotations

from contextlib import AbstractContextManager

import duckdb

from vigia.storage.db import UnitOfWork
from vigia.storage.feedback import FeedbackRepository
from vigia.storage.items import ItemRepository, UpsertReport
from vigia.storage.matches import MatchRepository
from vigia.storage.outbox import OutboxRepository
from vigia.storage.runs import RunRepository
from vigia.storage.sources import SourceRepository
from vigia.storage.status import StatusRepository


class Store:
    """The repositories of one open connection, sharing its transaction."""

    def __init__(self, conn: duckdb.DuckDBPyConnection) -> None:
        self.conn = conn
        self.work = UnitOfWork(conn)
        self.items = ItemRepository(self.work)
        self.matches = MatchRepository(self.work)
        self.outbox = OutboxRepository(self.work, self.items)
        self.feedback = FeedbackRepository(self.work)
        self.statuses = StatusRepository(self.work)
        self.sources = SourceRepository(self.work)
        self.runs = RunRepository(self.work)

    def transaction(self) -> AbstractContextManager[None]:
        """One transaction for every write in the block, across repositories."""
        return self.work.transaction()


__all__ = ["Store", "UpsertReport"]
