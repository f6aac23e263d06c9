"""Reading items back from rows (shared by the store's modules)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from vigia.core.model import Item

ITEM_FIELDS = "id, source, kind, external_id, url, title, text, published, lang, meta"
ITEM_FIELDS_QUALIFIED = ", ".join(f"i.{name}" for name in ITEM_FIELDS.split(", "))


def item_from_row(row: Sequence[Any]) -> Item:
    """An Item from the columns of ITEM_FIELDS, in that order."""
    _id, source, kind, external_id, url, title, text, published, lang, meta = row
    if isinstance(published, datetime):
        published = published.date()
    return Item(
        source=source,
        kind=kind,
        external_id=external_id,
        url=url,
        title=title,
        text=text,
        published=published if isinstance(published, date) else None,
        lang=lang,
        meta=json.loads(meta) if isinstance(meta, str) else (meta or {}),
    )
