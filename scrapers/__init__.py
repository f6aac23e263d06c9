"""Sources Vigía reads. Register new ones here; ``name`` keys config, logs, store and Slack."""

from vigia.core.model import Item
from vigia.scrapers.base import Page, Source, SourceResult, Window
from vigia.scrapers.corteidh import CorteIdhSource
from vigia.scrapers.courts import ScjnRulingsSource
from vigia.scrapers.gazette import GazetteSource
from vigia.scrapers.news import NewsFeedsSource
from vigia.scrapers.scjn_press import ScjnPressSource
from vigia.scrapers.watch import WatchedPagesSource

SOURCES: dict[str, type[Source]] = {
    "gazette": GazetteSource,
    "scjn": ScjnRulingsSource,
    "scjn_press": ScjnPressSource,
    "corteidh": CorteIdhSource,
    "news": NewsFeedsSource,
    "watch": WatchedPagesSource,
}

__all__ = ["SOURCES", "Item", "Page", "Source", "SourceResult", "Window"]
