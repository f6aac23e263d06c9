"""Settings for every command, from the environment and sources.yaml, merged in one place."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from vigia.scrapers import SOURCES
from vigia.scrapers.base import Window
from vigia.scrapers.errors import ConfigError
from vigia.scrapers.http import HttpSettings
from vigia.scrapers.yamlfile import load_yaml_file

# The files a campaign starts from, shipped with the package (see `vigia init`).
DEFAULTS = "vigia.defaults"
MEXICO_CITY = ZoneInfo("America/Mexico_City")

# Defaults that keep campaigners' infrastructure from phoning home (STACK.md §1.4, §1.10).
PREFECT_DEFAULTS = {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_SERVER_SERVICES_DB_VACUUM_ENABLED": "events,flow_runs",
}


@dataclass(frozen=True)
class Settings:
    """Everything a command needs to know, resolved once."""

    db_path: Path
    data_dir: Path
    demands_path: Path
    sources_path: Path
    http: HttpSettings
    sources: dict[str, dict[str, Any]]
    env: Mapping[str, str] = field(repr=False, default_factory=dict)
    health: dict[str, Any] = field(default_factory=dict)

    def window(self, source: str, today: date | None = None) -> Window:
        """The days a source is asked about: explicit ``dates`` or the last ``days_back`` days."""
        config = self.sources.get(source, {})
        if config.get("dates"):
            days = tuple(_as_date(d, f"sources.{source}.dates") for d in config["dates"])
        else:
            today = today or datetime.now(MEXICO_CITY).date()
            back = int(config.get("days_back", 1))
            days = tuple(today - timedelta(days=n) for n in range(back, -1, -1))
        return Window(days=days)


def load_settings(
    env: Mapping[str, str] | None = None,
    *,
    db_path: str | None = None,
    demands_path: str | None = None,
    sources_path: str | None = None,
    sources_config: Mapping[str, Any] | None = None,
) -> Settings:
    """Resolve settings: explicit arguments, then VIGIA_* variables, then defaults."""
    env = dict(os.environ if env is None else env)
    data_dir = Path(env.get("VIGIA_DATA_DIR") or "data")
    db = Path(db_path or env.get("VIGIA_DB") or data_dir / "vigia.duckdb")
    demands = config_file("demands.yaml", demands_path or env.get("VIGIA_DEMANDS"))
    sources_path = config_file("sources.yaml", sources_path or env.get("VIGIA_SOURCES"))
    config = dict(sources_config) if sources_config is not None else _read_yaml(sources_path)
    unknown = set(config) - {"http", "sources", "health"}
    if unknown:
        raise ConfigError(
            f"{sources_path}: unknown top-level key(s) {sorted(unknown)}; "
            "allowed: http, sources, health"
        )
    sources = config.get("sources") or {}
    unknown_sources = set(sources) - set(SOURCES)
    if unknown_sources:
        raise ConfigError(
            f"{sources_path}: unknown source(s) {sorted(unknown_sources)}; "
            f"registered: {sorted(SOURCES)}"
        )
    try:
        http = HttpSettings.from_config(config.get("http") or {})
    except TypeError as exc:
        raise ConfigError(f"{sources_path}: bad http settings: {exc}") from exc
    health = config.get("health") or {}
    _check_health(health, sources_path)
    _check_feeds(sources, sources_path)
    return Settings(db, data_dir, demands, sources_path, http, sources, env, dict(health))


def _check_health(health: Any, where: Path) -> None:
    if not isinstance(health, dict):
        raise ConfigError(f"{where}: health must be a mapping")
    for key in ("max_failures", "max_empty_runs"):
        value = health.get(key, 1)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(
                f"{where}: health.{key} must be a whole number of runs, not {value!r}"
            )
    if not isinstance(health.get("channel", ""), str):
        raise ConfigError(f"{where}: health.channel must be a channel name")


def _check_feeds(sources: dict[str, Any], where: Path) -> None:
    # The news feeds are read at every run; a wrong shape would only show up mid-run.
    feeds = (sources.get("news") or {}).get("feeds", [])
    if not isinstance(feeds, list):
        raise ConfigError(f"{where}: sources.news.feeds must be a list of {{name, url}}")
    for n, feed in enumerate(feeds, start=1):
        if not isinstance(feed, dict) or not isinstance(feed.get("url"), str):
            raise ConfigError(f"{where}: sources.news.feeds item {n} needs a url: {feed!r}")


def apply_prefect_defaults(data_dir: Path, env: dict[str, str] | None = None) -> None:
    """Set privacy and timeout defaults, and keep Prefect's state under the data folder."""
    target = os.environ if env is None else env
    for key, value in PREFECT_DEFAULTS.items():
        target.setdefault(key, value)
    target.setdefault("PREFECT_HOME", str((data_dir / "prefect").resolve()))
    # Prefect only warns when it cannot create its home, then fails later and obscurely.
    Path(target["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)


def config_file(name: str, given: str | None = None) -> Path:
    """The file to read: the one given (flag or variable), else ./NAME, else the packaged one."""
    if given:
        return Path(given)
    local = Path(name)
    return local if local.exists() else packaged_file(name)


def packaged_file(name: str) -> Path:
    """A file shipped in ``vigia.defaults`` (installed packages live on disk, not in zips)."""
    return Path(str(resources.files(DEFAULTS) / name))


def _read_yaml(path: Path) -> dict[str, Any]:
    data = load_yaml_file(path, "sources file") or {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping")
    return data


def _as_date(value: Any, where: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise ConfigError(f"{where}: {value!r} is not a YYYY-MM-DD date") from exc
