"""Settings for every command, from the environment and sources.yaml, merged in one place."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, cast, get_args
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model, field_validator

from vigia.alerts.channels import checked_destination
from vigia.classify.campaigns import Campaigns, load_campaigns
from vigia.classify.demands import Campaign
from vigia.clock import now
from vigia.core.errors import ConfigError, StorageError
from vigia.core.model import destination_parts
from vigia.core.yamlfile import load_yaml_file
from vigia.scrapers import SOURCES
from vigia.scrapers.base import Source, Window
from vigia.scrapers.http import HttpSettings
from vigia.storage import Storage, storage_from

# The files a campaign starts from, shipped with the package (see `vigia init`).
DEFAULTS = "vigia.defaults"

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
    store: str = ""  # VIGIA_STORE: empty for the DuckDB file at db_path
    # Every campaign's demands file, the primary (demands_path) first.
    campaign_paths: tuple[Path, ...] = ()

    @property
    def campaign(self) -> Campaign:
        """The primary campaign: the demands file, or the first of several."""
        return self.campaigns.primary

    @property
    def campaign_files(self) -> tuple[Path, ...]:
        """Every campaign's demands file, the primary first."""
        return self.campaign_paths or (self.demands_path,)

    def owner(self, demand_id: str) -> Campaign:
        """The campaign a demand belongs to; ConfigError naming the files for one it lacks."""
        try:
            return self.campaigns.owner(demand_id)
        except KeyError:
            files = ", ".join(str(p) for p in self.campaign_files)
            raise ConfigError(f"no demand '{demand_id}' in {files}") from None

    @property
    def campaigns(self) -> Campaigns:
        """Every campaign run over this ingest, each file parsed once while it is unchanged."""
        return _campaigns(tuple(_file_state(p) for p in self.campaign_files))

    @property
    def storage(self) -> Storage:
        """Where the state lives: the DuckDB file at ``db_path``, or the lake VIGIA_STORE names
        (its data files under VIGIA_DATA_PATH)."""
        return storage_from(self.store, self.db_path, self.env.get("VIGIA_DATA_PATH"))

    @property
    def routes(self) -> dict[str, list[str]]:
        """Each demand's destinations, in the outbox's form: those ``demands.yaml`` names, or the
        demand's Slack channel; and VIGIA_EMAIL_TO's addresses for every demand that names no
        email destination."""
        default_email = [
            checked_destination(f"email:{address.strip()}", "VIGIA_EMAIL_TO")
            for address in self.env.get("VIGIA_EMAIL_TO", "").split(",")
            if address.strip()
        ]
        routes = {}
        files = zip(self.campaign_files, self.campaigns.all, strict=True)
        for path, demand in ((p, d) for p, campaign in files for d in campaign.demands):
            where = f"{path}: demand '{demand.id}': field 'destinations'"
            named = [checked_destination(d, where) for d in demand.destinations]
            named = named or [demand.channel]
            has_email = any(destination_parts(d)[0] == "email" for d in named)
            routes[demand.id] = named + ([] if has_email else default_email)
        return routes

    def window(self, source: str, today: date | None = None) -> Window:
        """The days a source is asked about: explicit ``dates`` or the last ``days_back`` days."""
        config = self.sources.get(source, {})
        if config.get("dates"):
            days = tuple(config["dates"])  # dates already, checked when the file was read
        else:
            zone = ZoneInfo(SOURCES.get(source, Source).time_zone)
            today = today or now().astimezone(zone).date()
            back = int(config.get("days_back", 1))
            days = tuple(today - timedelta(days=n) for n in range(back, -1, -1))
        return Window(days=days)


def _file_state(path: Path) -> tuple[Path, Path, int, int]:
    # Where a file is (as given, for errors, and resolved), its modification time and size:
    # an edited campaign is read again.
    try:
        stat = path.stat()
    except OSError:
        return path, path, 0, 0  # the loader says, in one line, why it cannot be read
    return path, path.resolve(), stat.st_mtime_ns, stat.st_size


@lru_cache(maxsize=4)
def _campaigns(files: tuple[tuple[Path, Path, int, int], ...]) -> Campaigns:
    return load_campaigns([given for given, _, _, _ in files])


def campaign_files(given: str) -> tuple[Path, ...]:
    """The demands files VIGIA_DEMANDS names: comma-separated files or folders (a folder's
    *.yaml in name order), the first file the primary campaign."""
    paths: list[Path] = []
    for entry in filter(None, (part.strip() for part in given.split(","))):
        path = Path(entry)
        paths += sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    if not paths:
        raise ConfigError(f"VIGIA_DEMANDS={given!r} names no demands file")
    return tuple(paths)


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
    # An explicit path (a test, a flow's parameter) names a DuckDB file; otherwise VIGIA_STORE
    # may name a lake, or a file as "duckdb:PATH".
    store = "" if db_path else env.get("VIGIA_STORE", "").strip()
    if store.startswith("duckdb:"):
        db_path, store = store.removeprefix("duckdb:"), ""
    db = Path(db_path or env.get("VIGIA_DB") or data_dir / "vigia.duckdb")
    given = demands_path or env.get("VIGIA_DEMANDS")
    campaign_paths = campaign_files(given) if given else ()
    demands = campaign_paths[0] if campaign_paths else config_file("demands.yaml")
    sources_file = config_file("sources.yaml", sources_path or env.get("VIGIA_SOURCES"))
    config = dict(sources_config) if sources_config is not None else _read_yaml(sources_file)
    try:
        checked = sources_file_model().model_validate(config)
    except ValidationError as exc:
        raise ConfigError(f"{sources_file}: {describe_error(exc)}") from exc
    # Only the keys given are kept: a key left out takes the source's own default.
    block: BaseModel = cast(Any, checked).sources
    sources = {
        name: source.model_dump(exclude_unset=True) if source is not None else {}
        for name, source in block
        if name in block.model_fields_set
    }
    try:
        http = HttpSettings.from_config(config.get("http") or {})
    except TypeError as exc:
        raise ConfigError(f"{sources_file}: bad http settings: {exc}") from exc
    health = checked.health.model_dump(exclude_unset=True)
    settings = Settings(
        db, data_dir, demands, sources_file, http, sources, env, dict(health), store, campaign_paths
    )
    try:
        settings.storage  # noqa: B018 - a mistyped VIGIA_STORE is a configuration error, said now
    except StorageError as exc:
        raise ConfigError(f"VIGIA_STORE={exc}") from exc
    return settings


class HealthSettings(BaseModel):
    """The health block: where operators' notices go and how much failure to tolerate."""

    model_config = ConfigDict(extra="forbid")

    channel: str = ""
    max_failures: Annotated[int, Field(ge=1, strict=True)] = 1
    max_empty_runs: Annotated[int, Field(ge=1, strict=True)] = 1


def sources_file_model() -> type[_SourcesFileBase]:
    """The model of sources.yaml for the sources registered now: each checks its own block."""
    return _sources_file_model(tuple(SOURCES.items()))


@lru_cache(maxsize=8)
def _sources_file_model(
    registry: tuple[tuple[str, type[Source]], ...],
) -> type[_SourcesFileBase]:
    block = create_model(  # type: ignore[call-overload]
        "SourcesBlock",
        __config__=ConfigDict(extra="forbid"),
        **{name: (source.settings | None, None) for name, source in registry},
    )
    return create_model(
        "SourcesFile",
        __base__=_SourcesFileBase,
        sources=(block, block()),
    )


class _SourcesFileBase(BaseModel):
    """sources.yaml: HTTP limits, source health, and (added per registry) each source's block."""

    model_config = ConfigDict(extra="forbid")

    # The HTTP block is checked by HttpSettings.from_config, which knows its keys and types.
    http: dict[str, Any] | None = None
    health: HealthSettings = HealthSettings()

    @field_validator("health", "sources", mode="before", check_fields=False)
    @classmethod
    def _empty_block(cls, value: Any) -> Any:
        # "health:" with nothing under it is YAML's null: the defaults, not an error.
        return {} if value is None else value


def describe_error(exc: ValidationError, model: type[BaseModel] | None = None) -> str:
    """The first problem pydantic found, as ``where: what`` in words an operator reads."""
    # A misspelt key also makes the right one "missing": name the misspelling first.
    first = min(exc.errors(), key=lambda error: error["type"] != "extra_forbidden")
    where = _location(first["loc"])
    if first["type"] == "extra_forbidden":
        allowed = _keys_at(model or sources_file_model(), first["loc"][:-1])
        what = "unknown key" + (f"; allowed: {', '.join(allowed)}" if allowed else "")
    elif first["type"] == "missing":
        what = "missing"
    else:
        message = first["msg"].removeprefix("Value error, ")
        what = f"{message[0].lower()}{message[1:]}, got {first['input']!r}"
    more = len(exc.errors()) - 1
    return f"{where}: {what}" + (f" (and {more} more problem(s))" if more else "")


def _keys_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """The keys the model takes at ``loc`` (empty when it cannot tell)."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        field = current.model_fields.get(part) if _is_model(current) else None
        if field is None:
            return []
        current = _model_in(field.annotation)
    return sorted(current.model_fields) if _is_model(current) else []


def _is_model(value: Any) -> bool:
    return isinstance(value, type) and issubclass(value, BaseModel)


def _model_in(annotation: Any) -> Any:
    # Through "X | None", "list[X]" and "Annotated[X, ...]" to the model X, if there is one.
    if _is_model(annotation):
        return annotation
    for inner in get_args(annotation):
        found = _model_in(inner)
        if found is not None:
            return found
    return None


def _location(loc: tuple[int | str, ...]) -> str:
    """``sources.news.feeds, item 3, url``: list entries counted from 1, as a person counts."""
    where = ""
    for part in loc:
        if isinstance(part, int):
            where += f", item {part + 1}, "
        else:
            where += ("" if not where or where.endswith(", ") else ".") + part
    return where.removesuffix(", ")


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
