"""Classify items against the campaign's demands (pure: no storage, no Slack)."""

from vigia.classify.demands import Campaign, Demand, load_demands
from vigia.classify.matcher import Classifier
from vigia.core.model import Match

__all__ = ["Campaign", "Classifier", "Demand", "Match", "load_demands"]
