"""Serve every deployment of prefect.yaml from one process (the embedded default)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from prefect import Flow, serve
from prefect.events import DeploymentEventTrigger
from prefect.schedules import Cron

from vigia.core.errors import ConfigError
from vigia.core.yamlfile import load_yaml_file


def load_flow(entrypoint: str, where: Path) -> Flow[Any, Any]:
    """Import the flow an entrypoint names as ``package.module:flow_name``."""
    module_name, _, name = entrypoint.partition(":")
    if not name or "/" in module_name or not _importable(module_name):
        raise ConfigError(
            f"{where}: entrypoint {entrypoint!r} is not an importable module:flow "
            "(e.g. vigia.flows.ingest:ingest_news)"
        )
    flow = getattr(importlib.import_module(module_name), name, None)
    if not isinstance(flow, Flow):
        raise ConfigError(f"{where}: {entrypoint} is not a Prefect flow")
    return flow


def _importable(module_name: str) -> bool:
    try:
        return importlib.util.find_spec(module_name) is not None
    except (ImportError, ValueError):
        # A parent that is not a package ("os.path.x") or an empty name.
        return False


def deployments_from_yaml(path: Path) -> list[Any]:
    """Build runner deployments (schedules, triggers, parameters) from prefect.yaml."""
    config = load_yaml_file(path, "deployments file") or {}
    deployments = []
    for spec in config.get("deployments", []):
        flow = load_flow(spec["entrypoint"], path)
        deployments.append(
            flow.to_deployment(
                name=spec["name"],
                description=spec.get("description"),
                tags=spec.get("tags"),
                parameters=spec.get("parameters") or {},
                concurrency_limit=spec.get("concurrency_limit"),
                schedules=[
                    Cron(s["cron"], timezone=s.get("timezone"), active=s.get("active", True))
                    for s in spec.get("schedules", [])
                ],
                triggers=[
                    _trigger(t) for t in spec.get("triggers", []) if t.get("type") == "event"
                ],
            )
        )
    return deployments


def _trigger(spec: dict[str, Any]) -> DeploymentEventTrigger:
    return DeploymentEventTrigger(
        enabled=spec.get("enabled", True),
        match=spec.get("match", {}),
        expect=set(spec.get("expect", [])),
        parameters=spec.get("parameters"),
    )


def serve_all(prefect_yaml: Path, limit: int = 4) -> None:
    """Register and run every deployment until interrupted; schedules stay active on exit."""
    serve(*deployments_from_yaml(prefect_yaml), limit=limit, pause_on_shutdown=False)
