"""Several campaigns over one ingest: each item is classified against every campaign.

The first campaign keeps its demands' ids as they are (a store made with one campaign reads the
same); every other campaign's ids are qualified with its name, ``<name>/<id>``, so no two
campaigns share a demand, a match, an alert key or a status history. Each campaign keeps its own
settings: scope words, stance cues, urgency, status policy, channels.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

from vigia.classify.demands import Campaign, Demand, load_demands
from vigia.classify.matcher import Classifier
from vigia.core.errors import ConfigError
from vigia.core.model import Item, Match

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


@dataclass(frozen=True)
class Campaigns:
    """The campaigns one deployment runs, the first one primary."""

    all: tuple[Campaign, ...]
    names: tuple[str, ...]

    @property
    def primary(self) -> Campaign:
        """The first campaign, whose demand ids are unqualified."""
        return self.all[0]

    @property
    def demands(self) -> tuple[Demand, ...]:
        """Every campaign's demands, with their ids as stored."""
        return tuple(d for campaign in self.all for d in campaign.demands)

    def demand(self, demand_id: str) -> Demand:
        """The demand with this stored id (KeyError if none)."""
        return self.owner(demand_id).demand(demand_id)

    def owner(self, demand_id: str) -> Campaign:
        """The campaign a demand belongs to (KeyError if none)."""
        return self._owners[demand_id]

    def named(self) -> Iterator[tuple[str, Campaign]]:
        """Each campaign with its name (its file's stem), the primary first."""
        return zip(self.names, self.all, strict=True)

    @cached_property
    def _owners(self) -> dict[str, Campaign]:
        return {d.id: campaign for campaign in self.all for d in campaign.demands}


def load_campaigns(paths: Sequence[Path]) -> Campaigns:
    """Read each demands file; qualify the ids of all but the first with the file's stem."""
    campaigns, names = [], []
    for n, path in enumerate(paths):
        name = path.stem
        if n and not _NAME.match(name):
            raise ConfigError(
                f"{path}: a campaign's file name names its demands ('<name>/<id>'): use lower-case "
                "letters, digits, '-' or '_' (at most 40)"
            )
        if name in names:
            raise ConfigError(f"{path}: two campaigns are named '{name}'; rename one file")
        campaign = load_demands(path)
        campaigns.append(qualified(campaign, name) if n else campaign)
        names.append(name)
    return Campaigns(tuple(campaigns), tuple(names))


def qualified(campaign: Campaign, name: str) -> Campaign:
    """The campaign with each demand id (and each id a demand yields to) as ``name/id``."""
    return replace(
        campaign,
        demands=tuple(
            replace(
                d,
                id=f"{name}/{d.id}",
                yields_to=tuple(f"{name}/{other}" for other in d.yields_to),
            )
            for d in campaign.demands
        ),
    )


class CampaignsClassifier:
    """One classifier per campaign, called together: an item's matches for every campaign."""

    def __init__(self, campaigns: Campaigns) -> None:
        self.campaigns = campaigns
        self.classifiers = tuple(Classifier(c) for c in campaigns.all)
        # One campaign: the version a single classifier has, so its store is not reclassified.
        self.version = "|".join(c.version for c in self.classifiers)

    def classify(self, item: Item) -> list[Match]:
        """The item's matches, campaign by campaign."""
        return [m for classifier in self.classifiers for m in classifier.classify(item)]
