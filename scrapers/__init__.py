"""Sources Vigía reads. Register new ones here; ``name`` keys config, logs, store and Slack."""

from scrapers.base import Item, Page, Source, SourceResult, Window
from scrapers.corteidh import CorteIdhSource
from scrapers.courts import ScjnRulingsSource
from scrapers.gazette import GazetteSource
from scrapers.news import NewsFeedsSource
from scrapers.scjn_press import ScjnPressSource
from scrapers.watch import WatchedPagesSource

SOURCES: dict[str, type[Source]] = {
    "gazette": GazetteSource,
    "scjn": ScjnRulingsSource,
    "scjn_press": ScjnPressSource,
    "corteidh": CorteIdhSource,
    "news": NewsFeedsSource,
    "watch": WatchedPagesSource,
}

__all__ = ["SOURCES", "Item", "Page", "Source", "SourceResult", "Window"]
