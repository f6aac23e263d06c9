"""Classify items against the campaign's demands (pure: no storage, no Slack)."""

from vigia.classify import native

# Before any module it may replace is imported.
native.choose()

from vigia.classify.demands import Campaign, Demand, load_demands  # noqa: E402
from vigia.classify.matcher import Classifier  # noqa: E402
from vigia.core.model import Match  # noqa: E402

__all__ = ["Campaign", "Classifier", "Demand", "Match", "load_demands"]
