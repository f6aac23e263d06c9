"""Tasks shared by the flows: each is one call to a plain function in vigia.pipeline."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from prefect import get_client, task
from prefect.blocks.system import Secret
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
from prefect.concurrency.sync import concurrency
from prefect.events import emit_event
from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound

from vigia import dispatch as outbox
from vigia import pipeline
from vigia.alerts import Channels, channels_from_env
from vigia.config import Settings, load_settings
from vigia.core.errors import ConfigError


def settings_for(db_path: str | None, sources_config: dict[str, Any] | None) -> Settings:
    """Settings from the environment, with the flow's parameters taking precedence."""
    return load_settings(db_path=db_path, sources_config=sources_config)


def _retry_unless_config_error(task: Any, task_run: Any, state: Any) -> bool:
    """A wrong configuration fails the same way five minutes later: it is not retried."""
    try:
        state.result()
    except ConfigError:
        return False
    except Exception:  # noqa: BLE001 - any other failure may be transient
        return True
    return True


# How long an ingest waits for its source's slot (another worker reading the same source).
SOURCE_SLOT_TIMEOUT = 3600


@contextmanager
def source_slot(source: str) -> Iterator[None]:
    """Hold the source's slot, a Prefect global concurrency limit shared by every worker.

    Politeness across hosts: each process spaces its own requests to a site, so two workers
    reading one source at once would double the load on it. The limit ``vigia-source-<name>``
    is created with one slot the first time; an operator may change it (`prefect gcl update`).
    """
    name = f"vigia-source-{source}"
    _ensure_limit(name)
    with concurrency(name, occupy=1, timeout_seconds=SOURCE_SLOT_TIMEOUT, strict=True):
        yield


def _ensure_limit(name: str) -> None:
    with get_client(sync_client=True) as client:
        try:
            client.read_global_concurrency_limit_by_name(name)
        except ObjectNotFound:
            try:
                client.create_global_concurrency_limit(
                    GlobalConcurrencyLimitCreate(name=name, limit=1)
                )
            except ObjectAlreadyExists:
                pass  # another worker created it first


# Retries of a whole source are rare and slow: transient HTTP errors are retried in the client.
@task(
    name="ingest-source",
    retries=1,
    retry_delay_seconds=300,
    retry_condition_fn=_retry_unless_config_error,
    cache_policy=NO_CACHE,
)
def ingest(settings: Settings, source: str) -> pipeline.IngestReport:
    """Fetch, parse and store one source, one worker at a time."""
    with source_slot(source):
        return pipeline.ingest_source(settings, source)


@task(name="classify-pending", cache_policy=NO_CACHE)
def classify(settings: Settings) -> pipeline.ClassifyReport:
    """Classify new and changed items, queue alerts for new matches."""
    return pipeline.classify_pending(settings)


@task(name="dispatch-alerts", cache_policy=NO_CACHE)
def dispatch(settings: Settings) -> pipeline.DispatchReport:
    """Send the alert outbox."""
    return pipeline.dispatch_alerts(settings, channels_for(settings))


@task(name="build-digests", cache_policy=NO_CACHE)
def build_digests(settings: Settings) -> list[str]:
    """Render and queue one digest per channel with alerts waiting."""
    return outbox.build_digests(settings)


# A channel's secret, and the setting naming the Prefect Secret block that can hold it instead.
SECRET_BLOCKS = {
    "SLACK_BOT_TOKEN": "VIGIA_SLACK_TOKEN_BLOCK",
    "VIGIA_SMTP_PASSWORD": "VIGIA_SMTP_PASSWORD_BLOCK",
}


def channels_for(settings: Settings) -> Channels:
    """The channels the environment configures, each secret it leaves unset read from the
    Prefect Secret block its SECRET_BLOCKS setting names."""
    env = dict(settings.env)
    for secret, block in SECRET_BLOCKS.items():
        name = env.get(block, "").strip()
        if name and not env.get(secret, "").strip():
            env[secret] = _secret(name)
    return channels_from_env(env)


def _secret(name: str) -> str:
    secret: Any = Secret.load(name)  # sync here: the flows run synchronously
    return str(secret.get())


def announce_items(report: pipeline.IngestReport) -> None:
    """Emit `vigia.items.new` when a source stored new or changed items (triggers processing)."""
    if report.new or report.changed:
        emit_event(
            event="vigia.items.new",
            resource={"prefect.resource.id": f"vigia.source.{report.source}"},
            payload={"source": report.source, "new": report.new, "changed": report.changed},
        )


def announce_matches(report: pipeline.ClassifyReport) -> None:
    """Emit `vigia.matches.new` with counts per demand when classification found new matches,
    and `vigia.status.changed` for each demand whose status moved (not only its evidence)."""
    if report.new_matches:
        emit_event(
            event="vigia.matches.new",
            resource={"prefect.resource.id": "vigia.classifier"},
            payload={"new_matches": report.new_matches, "by_demand": report.new_by_demand},
        )
    for change in report.status_moves:
        emit_event(
            event="vigia.status.changed",
            resource={"prefect.resource.id": f"vigia.demand.{change.demand_id}"},
            payload={
                "demand": change.demand_id,
                "from": change.before,
                "to": change.after,
                "since": str(change.since),
                "item": change.item_id,
            },
        )


def ingest_all(settings: Settings, sources: list[str]) -> list[pipeline.IngestReport]:
    """Ingest each source in turn and announce what it stored."""
    reports = [ingest(settings, source) for source in sources]
    for report in reports:
        announce_items(report)
    return reports


def classify_and_dispatch(
    settings: Settings, *, digest: bool = False
) -> tuple[pipeline.ClassifyReport, pipeline.DispatchReport]:
    """Classify pending items, announce new matches, send the outbox (and, if asked, digests)."""
    classified = classify(settings)
    announce_matches(classified)
    if digest:
        build_digests(settings)
    return classified, dispatch(settings)
