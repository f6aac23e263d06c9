"""Classify items against the campaign's demands (pure: no storage, no Slack)."""

from classify.demands import Campaign, Demand, load_demands
from classify.matcher import Classifier, Match

__all__ = ["Campaign", "Classifier", "Demand", "Match", "load_demands"]
