"""Prefect flows. They only orchestrate: every task is one call into vigia.pipeline."""
