"""The `vigia` command: demo, run, backfill, serve, query.

Every command reads the same settings (VIGIA_DB, VIGIA_DATA_DIR, VIGIA_DEMANDS,
VIGIA_SOURCES, SLACK_BOT_TOKEN, SLACK_API_URL). Prefect is imported only by
the commands that run flows, after its privacy defaults are set.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from vigia.classify.demands import STANCES
from vigia.config import Settings, apply_prefect_defaults, config_file, load_settings
from vigia.core.errors import ConfigError, VigiaError
from vigia.core.text import for_terminal
from vigia.storage.query import QUERY_TIME_LIMIT, safe_rows

NEXT_STEPS = """\
Try next:
  vigia query "SELECT demand_id, stance, published, title FROM match_details ORDER BY published DESC LIMIT 10"
  vigia query --format csv "SELECT * FROM match_details" > matches.csv
  {plain_duckdb}   # plain DuckDB SQL (.venv/bin/duckdb in a clone); tables and views in README.md
  SLACK_BOT_TOKEN=xoxb-... VIGIA_DB=data/slack-demo.duckdb vigia demo   # the same alerts, in Slack
  VIGIA_SMTP_URL=smtp://127.0.0.1:2525 VIGIA_EMAIL_TO=you@example.org VIGIA_DB=data/mail-demo.duckdb vigia demo   # and by email
  vigia run            # the live sources (needs internet), or `vigia serve` to keep them scheduled
"""


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `vigia` console script."""
    parser = _parser()
    args = parser.parse_args(argv)
    _configure_logging(args)
    try:
        if not args.needs_settings:
            # A new campaign folder needs no settings; a broken one beside it must not stop it.
            return int(args.handler(args) or 0)
        settings = load_settings(
            db_path=args.db, demands_path=args.demands, sources_path=args.sources_file
        )
        return int(args.handler(args, settings) or 0)
    except VigiaError as exc:
        print(f"vigia: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader stopped early (`vigia query ... | head`): not an error. Point stdout at
        # /dev/null so the interpreter's final flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # noqa: BLE001 - the last line of defence: one line, not a trace
        if args.verbose:
            raise
        print(
            f"vigia: unexpected error: {type(exc).__name__}: {exc} (run with -v for details)",
            file=sys.stderr,
        )
        return 1


EXIT_CODES = """exit codes:
  0    done
  1    the run finished, but a source, an alert or a check failed (see the messages)
  2    usage, configuration or store error: nothing was done (one line says why)
  130  interrupted"""


def _logging_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    # Accepted before and after the subcommand; below the top, an option left out does not
    # override what was given above it.
    default: dict[str, Any] = {} if top else {"default": argparse.SUPPRESS}
    loudness = parser.add_mutually_exclusive_group()
    loudness.add_argument(
        "-v", "--verbose", action="store_true", help="log debug details", **default
    )
    loudness.add_argument(
        "-q", "--quiet", action="store_true", help="log errors only, no progress", **default
    )
    parser.add_argument(
        "--log-format",
        choices=("text", "json"),
        help="log lines as text (default) or one JSON object per line, for log collectors",
        **({"default": "text"} if top else default),
    )


def _command(
    commands: argparse._SubParsersAction, name: str, summary: str
) -> argparse.ArgumentParser:
    """A subcommand whose --help opens with its one-line summary and takes the logging options."""
    command = commands.add_parser(
        name,
        help=summary,
        description=summary[0].upper() + summary[1:] + ".",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _logging_options(command, top=False)
    return command


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("vigia")
    except PackageNotFoundError:
        from vigia import __version__

        return __version__


class _JsonLines(logging.Formatter):
    """One JSON object per log line: time, level, logger, message."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def _configure_logging(args: argparse.Namespace) -> None:
    level = logging.DEBUG if args.verbose else logging.ERROR if args.quiet else logging.WARNING
    handler = logging.StreamHandler()
    if args.log_format == "json":
        handler.setFormatter(_JsonLines())
    else:
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler], force=True)


def _parser() -> argparse.ArgumentParser:
    from vigia.backfill import backfillable
    from vigia.scrapers import SOURCES

    parser = argparse.ArgumentParser(
        prog="vigia",
        description=__doc__.splitlines()[0],
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--db", help="DuckDB store (default: $VIGIA_DB or data/vigia.duckdb)")
    parser.add_argument(
        "--demands",
        metavar="PATH",
        help="the campaign (default: $VIGIA_DEMANDS, ./demands.yaml, else the packaged one)",
    )
    parser.add_argument(
        "--sources",
        dest="sources_file",
        metavar="PATH",
        help="sources and limits (default: $VIGIA_SOURCES, ./sources.yaml, else the packaged one)",
    )
    parser.add_argument("--version", action="version", version=f"vigia {_version()}")
    parser.set_defaults(needs_settings=True)
    _logging_options(parser, top=True)
    commands = parser.add_subparsers(
        dest="command",
        required=True,
        metavar="COMMAND",
        help="what to do (COMMAND --help for more)",
    )

    init = _command(
        commands,
        "init",
        "write a campaign folder to adapt: demands, sources, deployments, environment",
    )
    init.add_argument("dir", nargs="?", default=".", help="the folder (default: this one)")
    init.add_argument("--force", action="store_true", help="overwrite files already there")
    init.set_defaults(handler=cmd_init, needs_settings=False)

    demo = _command(commands, "demo", "run the whole pipeline once on recorded sources, offline")
    demo.set_defaults(handler=cmd_demo)

    run = _command(commands, "run", "run the pipeline once against the live sources")
    run.add_argument(
        "--source",
        action="append",
        dest="sources",
        choices=sorted(SOURCES),
        help="only this source (repeatable; default: all): %(choices)s",
    )
    run.add_argument("--digest", action="store_true", help="also send the digests now")
    run.set_defaults(handler=cmd_run)

    backfill = _command(
        commands, "backfill", "read a source's past over a date range (resumable; no alerts)"
    )
    backfill.add_argument(
        "--source",
        required=True,
        choices=sorted(backfillable()),
        help="the source to read: %(choices)s",
    )
    backfill.add_argument(
        "--from", dest="start", required=True, type=_date, help="first day (YYYY-MM-DD)"
    )
    backfill.add_argument(
        "--to", dest="end", required=True, type=_date, help="last day (YYYY-MM-DD)"
    )
    backfill.add_argument("--chunk-days", type=int, help="days per checkpoint (default per source)")
    backfill.add_argument(
        "--alert", action="store_true", help="also send alerts for historical items"
    )
    backfill.set_defaults(handler=cmd_backfill)

    classify = _command(commands, "classify", "classify items from a JSONL file")
    classify.add_argument("--in", dest="source", required=True, help="items.jsonl")
    classify.add_argument("--out", dest="target", required=True, help="matches.jsonl")
    classify.set_defaults(handler=cmd_classify)

    dispatch = _command(
        commands, "dispatch", "send the alerts that are due (settling any interrupted send first)"
    )
    dispatch.add_argument("--digest", action="store_true", help="also build and send digests")
    dispatch.set_defaults(handler=cmd_dispatch)

    reclassify = _command(
        commands,
        "reclassify",
        "re-run the classifier on stored items; report new, dropped and changed matches",
    )
    reclassify.add_argument(
        "--all",
        dest="everything",
        action="store_true",
        help="every stored item, not only those classified by another classifier version",
    )
    reclassify.add_argument("--dry-run", action="store_true", help="report only; write nothing")
    reclassify.add_argument(
        "--alert-new",
        action="store_true",
        help="send alerts for new matches of old items (default: record them, send nothing)",
    )
    reclassify.add_argument("--show", type=int, default=30, help="changes to list (default 30)")
    reclassify.set_defaults(handler=cmd_reclassify)

    evaluate = _command(
        commands,
        "eval",
        "score the classifier on labelled items (default: eval/dev.jsonl, write and check parts)",
    )
    evaluate.add_argument(
        "gold",
        nargs="?",
        help="labelled items in the format of eval/dev.jsonl (default: that file)",
    )
    evaluate.add_argument(
        "--split",
        help="split file dividing the items into write and check parts "
        "(default: split.json beside the labelled file, when there is one)",
    )
    evaluate.add_argument(
        "--no-split", action="store_true", help="score the file as one set, listing every error"
    )
    evaluate.add_argument(
        "--show-check",
        action="store_true",
        help="also list the check part's wrong items (read them only after the rules are final)",
    )
    evaluate.add_argument(
        "--feedback", action="store_true", help="precision per demand from the Slack buttons"
    )
    evaluate.set_defaults(handler=cmd_eval)

    status = _command(commands, "status", "where each demand stands, now or at a date")
    when = status.add_mutually_exclusive_group()
    when.add_argument(
        "--as-of",
        type=_date,
        help="as the store said at the end of this day: only what was recorded by then "
        "(YYYY-MM-DD)",
    )
    when.add_argument(
        "--on",
        type=_date,
        help="as things stood on this day: moves dated up to then, by everything recorded "
        "since (YYYY-MM-DD)",
    )
    status_commands = status.add_subparsers(
        dest="status_command", help="without one, print each demand's status"
    )
    confirm = _command(
        status_commands, "confirm", "confirm a demand's move that only the press backs"
    )
    confirm.add_argument("demand", help="the demand's id")
    confirm.add_argument("--item", required=True, help="the item's id (or its first characters)")
    confirm.add_argument("--by", default=os.environ.get("USER", "someone"), help="who confirms")
    confirm.set_defaults(handler=cmd_status_confirm)
    status.set_defaults(handler=cmd_status)

    endpoint = _command(
        commands,
        "slack-endpoint",
        "receive verdicts: Slack's buttons and menus (interactivity URL), and email links",
    )
    endpoint.add_argument("--host", default="127.0.0.1", help="address to listen on")
    endpoint.add_argument("--port", type=int, default=3000, help="port to listen on (3000)")
    endpoint.set_defaults(handler=cmd_slack_endpoint)

    feedback = _command(
        commands, "feedback", "campaigners' verdicts: on alerts, and on what was missed"
    )
    feedback_commands = feedback.add_subparsers(
        dest="feedback_command", required=True, help="what to do with the verdicts"
    )
    export = _command(
        feedback_commands,
        "export",
        "write verdicts as labelled JSONL (the format of eval/dev.jsonl)",
    )
    export.add_argument("--out", required=True, help="feedback.jsonl")
    export.set_defaults(handler=cmd_feedback_export)
    missed = _command(
        feedback_commands,
        "missed",
        "record that a stored item moves a demand the classifier did not find in it",
    )
    missed.add_argument("--item", required=True, help="the item's id, its start, or its address")
    missed.add_argument("--demand", required=True, help="the demand's id")
    missed.add_argument("--stance", required=True, choices=STANCES, help="its direction")
    missed.add_argument("--by", required=True, help="who says so (a name)")
    missed.set_defaults(handler=cmd_feedback_missed)

    serve = _command(commands, "serve", "keep every deployment of prefect.yaml running")
    serve.add_argument("--port", type=int, default=4200, help="local Prefect server port")
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        help="address the Prefect server listens on (default: this machine only; its UI has "
        "no login)",
    )
    serve.add_argument(
        "--prefect-yaml",
        help="the deployments to keep running (default: ./prefect.yaml, else the packaged one)",
    )
    serve.set_defaults(handler=cmd_serve)

    query = _command(
        commands,
        "query",
        "run one read-only SELECT in a sandbox (on the readers' snapshot, refreshed after "
        "each run)",
    )
    query.add_argument("sql", help="one SELECT (or EXPLAIN); views and tables in the README")
    query.add_argument(
        "--format",
        choices=("table", "csv", "json"),
        default="table",
        help="output: %(choices)s (default table)",
    )
    query.add_argument(
        "--live", action="store_true", help="read the store itself (waits if a run is writing)"
    )
    query.add_argument(
        "--timeout",
        type=float,
        default=QUERY_TIME_LIMIT,
        help=f"stop the query after this many seconds (default {QUERY_TIME_LIMIT:g})",
    )
    query.set_defaults(handler=cmd_query)

    report = _command(
        commands, "report", "write a static site of where each demand stands (open index.html)"
    )
    report.add_argument("--out", required=True, help="folder to write into")
    report.set_defaults(handler=cmd_report)

    export = _command(commands, "export", "write tables and views as Parquet or CSV files")
    export.add_argument("out_dir", metavar="DIR", help="folder to write the files into")
    export.add_argument(
        "--format",
        choices=("parquet", "csv"),
        default="parquet",
        help="file format: %(choices)s (default parquet)",
    )
    export.add_argument("--live", action="store_true", help="read the store itself")
    export.set_defaults(handler=cmd_export)

    store = _command(commands, "store", "operate the store: move it into a lake, compact it")
    store_commands = store.add_subparsers(dest="store_command", required=True, help="what to do")
    migrate = _command(
        store_commands,
        "migrate",
        "copy the DuckDB-file store into an empty lake, comparing every table after",
    )
    migrate.add_argument(
        "--to", required=True, metavar="STORE", help="the lake: ducklake:postgres:<connection>"
    )
    migrate.add_argument(
        "--data-path", help="where the lake's data files go (default: VIGIA_DATA_PATH)"
    )
    migrate.set_defaults(handler=cmd_store_migrate)
    compact = _command(
        store_commands,
        "compact",
        "flush and merge a lake's small files and expire its old snapshots (a file: checkpoint)",
    )
    compact.add_argument(
        "--keep-days",
        type=float,
        help="days of lake snapshots to keep (default: VIGIA_LAKE_KEEP_DAYS, else 7)",
    )
    compact.set_defaults(handler=cmd_store_compact)
    return parser


# What `vigia init` writes: the packaged file, and its name in the campaign folder.
CAMPAIGN_FILES = {
    "demands.yaml": "demands.yaml",
    "sources.yaml": "sources.yaml",
    "prefect.yaml": "prefect.yaml",
    "env.example": ".env.example",
}

INIT_NEXT_STEPS = """\
Next, in {folder}:
  edit demands.yaml (the campaign's demands) and sources.yaml (what to watch)
  cp .env.example .env   # then fill in SLACK_BOT_TOKEN and friends
  vigia demo             # the whole pipeline once, offline, on recorded pages
  vigia run              # the live sources once; `vigia serve` keeps them scheduled
"""


def cmd_init(args: argparse.Namespace) -> int:
    """Write the packaged campaign files into a folder, refusing to overwrite without --force."""
    from vigia.config import packaged_file

    folder = Path(args.dir)
    targets = {packaged_file(name): folder / target for name, target in CAMPAIGN_FILES.items()}
    present = sorted(str(t) for t in targets.values() if t.exists())
    if present and not args.force:
        raise ConfigError(f"already there (use --force to overwrite): {', '.join(present)}")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for source, target in targets.items():
            target.write_bytes(source.read_bytes())
    except OSError as exc:
        raise ConfigError(f"{folder}: cannot write the campaign files ({exc.strerror})") from exc
    for target in targets.values():
        print(f"wrote {target}")
    print("\n" + INIT_NEXT_STEPS.format(folder=folder))
    return 0


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    """Replay recorded sources on 127.0.0.1 and run the whole pipeline on them."""
    import os

    from vigia.demo.replay import base_url, demo_sources_config, replay_server

    # Keep the demo's output to the alerts and the summary; `vigia run` logs at INFO.
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    settings = _with_example_campaign(settings)

    _refuse_unless_ready(settings, "demo", None)  # before the replay server says anything
    with replay_server() as server, _campaigns_named(settings):
        config = demo_sources_config(base_url(server))
        print(
            f"Replaying recorded sources at {base_url(server)}; store: {settings.storage.location}"
            f"; campaigns: {', '.join(settings.campaigns.names)}"
        )
        ok = _run_flow(settings, config, command="demo", digest=True)
    _print_summary(settings)
    from vigia.report import build_report

    report = build_report(settings, settings.db_path.parent / "report")
    print(f"Report: {report.index}" + "".join(f" and {other}" for other in report.others))
    plain_duckdb = (
        f"duckdb -readonly {settings.db_path}"
        if not settings.store
        else "duckdb -c \"INSTALL ducklake; ATTACH '<VIGIA_STORE>' AS vigia (READ_ONLY); USE vigia\""
    )
    print("\n" + NEXT_STEPS.format(plain_duckdb=plain_duckdb))
    return 0 if ok else 1


# The second campaign the demo runs beside the first, when it lies beside it (the repository,
# the installed package) and no campaign was named: several campaigns over one ingest.
EXAMPLE_CAMPAIGN = "defenders.yaml"


def _with_example_campaign(settings: Settings) -> Settings:
    example = settings.demands_path.parent / EXAMPLE_CAMPAIGN
    if settings.campaign_paths or not example.exists():
        return settings
    return dataclasses.replace(settings, campaign_paths=(settings.demands_path, example))


@contextmanager
def _campaigns_named(settings: Settings) -> Iterator[None]:
    # The flows read their settings from the environment: name the campaigns there too.
    before = os.environ.get("VIGIA_DEMANDS")
    os.environ["VIGIA_DEMANDS"] = ",".join(str(p) for p in settings.campaign_paths)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("VIGIA_DEMANDS", None)
        else:
            os.environ["VIGIA_DEMANDS"] = before


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    """Run every (or the chosen) live source once, then classify and alert."""
    ok = _run_flow(settings, None, command="run", sources=args.sources, digest=args.digest)
    _print_summary(settings)
    return 0 if ok else 1


def cmd_backfill(args: argparse.Namespace, settings: Settings) -> int:
    """Backfill one source over a date range, printing progress to stderr."""
    from vigia.backfill import run_backfill
    from vigia.progress import StepProgress

    with StepProgress(sys.stderr, f"backfill {args.source}") as shown:

        def progress(report: Any) -> None:
            finished = report.chunks_done + report.chunks_skipped + len(report.errors)
            note = f"{report.items} items · {report.items_per_second:.1f} items/s"
            shown.update(finished, report.chunks_total, note)

        report = run_backfill(
            settings,
            args.source,
            args.start,
            args.end,
            chunk_days=args.chunk_days,
            alert=args.alert,
            progress=None if args.quiet else progress,
        )
    print(
        f"\nbackfill {report.job}: {report.chunks_done} chunk(s) done, "
        f"{report.chunks_skipped} already done, {report.items} item(s) read "
        f"({report.new_items} new), {report.matches} new match(es), "
        f"{report.bytes_fetched / 1e6:.1f} MB fetched in {report.seconds:.1f} s"
    )
    for error in report.errors:
        print(f"  failed, will be retried on the next run: {error}", file=sys.stderr)
    publish_snapshot(settings)
    return 1 if report.errors else 0


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a YYYY-MM-DD date") from exc


def cmd_classify(args: argparse.Namespace, settings: Settings) -> int:
    """Write one line of matches per input item."""
    from vigia.classify import Classifier
    from vigia.classify.evaluate import gold_item

    classifier = Classifier(settings.campaign)
    with open(args.target, "w", encoding="utf-8") as out:
        for row in _jsonl_rows(args.source):
            item = gold_item(row)
            matches = [
                {
                    "demand": m.demand_id,
                    "stance": m.stance,
                    "score": m.score,
                    "evidence": m.evidence,
                    "evidence_start": m.evidence_start,
                    "evidence_end": m.evidence_end,
                    "evidence_field": "title" if m.evidence_field == "title" else "body",
                    "rule": m.rule,
                }
                for m in classifier.classify(item)
            ]
            out.write(
                json.dumps(
                    {"id": row.get("id"), "lang": item.lang, "matches": matches},
                    ensure_ascii=False,
                )
                + "\n"
            )
    return 0


def publish_snapshot(settings: Settings) -> None:
    """Refresh the readers' snapshot after a command that wrote."""
    from vigia.pipeline import publish_snapshot as publish

    publish(settings)


def cmd_dispatch(args: argparse.Namespace, settings: Settings) -> int:
    """Send what is due in the outbox; with --digest, build the digests first."""
    from vigia import dispatch, pipeline

    with pipeline.recorded_run(settings, "dispatch") as run:
        if args.digest:
            dispatch.build_digests(settings)
        report = dispatch.dispatch_alerts(settings)
        run.outcome(dispatch=report)
    publish_snapshot(settings)
    print(
        f"sent {report.sent} message(s) via {report.via}: {report.alerts_at_once} alert(s) at "
        f"once, {report.alerts_in_digests} in {report.digests} digest(s); "
        f"{report.recovered} found already in Slack after an interruption; "
        f"{report.retry_later} to retry later; {report.failed} failed"
    )
    for error in report.errors:
        print(f"  {error}", file=sys.stderr)
    return 1 if report.failed or report.unsettled or report.stopped else 0


def cmd_reclassify(args: argparse.Namespace, settings: Settings) -> int:
    """Re-run the classifier on stored items and print what changed."""
    from vigia.pipeline import reclassify
    from vigia.progress import StepProgress

    with StepProgress(sys.stderr, "reclassify") as shown:
        report = reclassify(
            settings,
            everything=args.everything,
            dry_run=args.dry_run,
            alert_new=args.alert_new,
            progress=None if args.quiet else lambda done, total: shown.update(done, total, "items"),
        )
    if not args.dry_run:
        publish_snapshot(settings)
    print(format_reclassify(report, show=args.show))
    return 1 if report.failed else 0


def format_reclassify(report: Any, show: int = 30) -> str:
    """The summary `vigia reclassify` prints: counts, then the first changes, one per line."""
    verb = "would change" if report.dry_run else "changed"
    lines = [
        f"reclassified {report.classified} item(s); {report.matches} match(es) now",
        f"{verb}: {report.count('new')} new, {report.count('dropped')} dropped, "
        f"{report.count('stance')} stance changed",
    ]
    for change in report.changes[:show]:
        title = " ".join(report.titles.get(change.item_id, "").split())[:70]
        was = change.before or "-"
        now_ = change.after or "-"
        lines.append(
            f"  {change.kind:<8} {change.demand_id:<38} {was:>8} -> {now_:<8} "
            f"{change.item_id[:12]}  {title}"
        )
    if len(report.changes) > show:
        lines.append(f"  ... and {len(report.changes) - show} more (--show N)")
    if not report.dry_run:
        lines.append(
            f"alerts: {report.alerts_enqueued} queued, {report.alerts_suppressed} recorded without "
            "sending; alerts already sent are never sent again"
        )
    if report.failed:
        lines.append(f"the classifier failed on {len(report.failed)} item(s), left as they were:")
        lines += [f"  {item[:12]}  {for_terminal(why)}" for item, why in report.failed.items()]
    return "\n".join(lines)


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    """Write the static report."""
    from vigia.report import build_report

    files = build_report(settings, args.out)
    print(f"report: {files.index} ({len(files.pages)} demand pages, {len(files.charts)} charts)")
    return 0


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    """Write the exported tables and views to a folder."""
    from vigia.storage import export

    files = export(settings.storage, args.out_dir, args.format, live=args.live)
    print(f"wrote {len(files)} file(s) to {args.out_dir} from {settings.storage.location}")
    return 0


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    """Print each demand's status, since when, on what evidence, and pending confirmations."""
    from datetime import UTC, datetime, time

    from vigia import status
    from vigia.classify.status import label

    as_of = datetime.combine(args.as_of, time.max, tzinfo=UTC) if args.as_of else None
    rows = status.current(settings, as_of, args.on)
    when = ""
    if args.as_of:
        when = f" as the store said on {args.as_of}"
    elif args.on:
        when = f" as things stood on {args.on}"
    print(f"Status of each demand{when}:")
    for row in rows:
        pending = f"  [{row.pending_confirmations} to confirm]" if row.pending_confirmations else ""
        since = status.dated(row.since, row.since_basis)
        print(f"  {row.demand_id:<38} {label(row.status, 'en'):<26} since {since}{pending}")
        if row.evidence_title:
            print(f"      {row.source_kind}: {' '.join(row.evidence_title.split())[:90]}")
    return 0


def cmd_status_confirm(args: argparse.Namespace, settings: Settings) -> int:
    """Confirm a pending move and print the status change it makes, if any."""
    from vigia import status
    from vigia.classify.status import label

    changes = status.confirm(settings, args.demand, args.item, args.by)
    publish_snapshot(settings)
    if not changes:
        print(f"confirmed; {args.demand}'s status did not change (a later move stands)")
    for change in changes:
        print(
            f"{change.demand_id}: {label(change.before, 'en')} -> {label(change.after, 'en')} "
            f"since {change.since} (confirmed by {args.by})"
        )
    return 0


def cmd_slack_endpoint(args: argparse.Namespace, settings: Settings) -> int:
    """Serve the verdict endpoint (Slack's interactions, email links) until interrupted."""
    from vigia.feedback import ACTIONS_PATH, LINK_PATH, FeedbackEndpoint, make_server

    endpoint = FeedbackEndpoint(settings, settings.env.get("SLACK_SIGNING_SECRET", ""))
    server = make_server(endpoint, args.host, args.port)
    if endpoint.requests is not None:
        print(f"Slack interactivity endpoint on http://{args.host}:{args.port}{ACTIONS_PATH}")
    if endpoint.links is not None:
        print(f"email verdict links answered on http://{args.host}:{args.port}{LINK_PATH}")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def cmd_feedback_export(args: argparse.Namespace, settings: Settings) -> int:
    """Write every verdict as labelled JSONL."""
    from vigia.feedback import export_rows

    rows = export_rows(settings)
    with open(args.out, "w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} labelled item(s) to {args.out}")
    return 0


def cmd_feedback_missed(args: argparse.Namespace, settings: Settings) -> int:
    """Record a demand the classifier missed in a stored item, as a label."""
    from vigia.clock import now
    from vigia.verdicts import record_missed

    item_id = record_missed(settings, args.item, args.demand, args.stance, args.by, now())
    print(
        f"recorded: item {item_id[:12]} moves {args.demand} ({args.stance}), by {args.by}; "
        "`vigia feedback export` writes it as a label"
    )
    return 0


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    """Print per-demand precision/recall/F1, stance figures and the items it got wrong."""
    from vigia.classify import Classifier
    from vigia.classify.evaluate import (
        Split,
        evaluate,
        format_intervals,
        format_report,
        format_split_summary,
    )

    if args.feedback:
        from vigia.feedback import format_judged, judged_by_demand

        print("precision and direction per demand from campaigners' verdicts in Slack")
        print(format_judged(judged_by_demand(settings)))
        if not args.gold:
            return 0
    gold = Path(args.gold or "eval/dev.jsonl")
    if not args.gold and not gold.exists():
        raise ConfigError(
            "no labelled items: give a file (the repository's eval/dev.jsonl is the default "
            "when run from a clone)"
        )
    rows = list(_jsonl_rows(gold))
    classifier = Classifier(settings.campaign)
    print(f"classifier {classifier.version} on {gold} ({len(rows)} items)")
    split_path = Path(args.split) if args.split else gold.parent / "split.json"
    if args.no_split or not (args.split or split_path.exists()):
        report = evaluate(rows, classifier)
        print(format_report(report))
        print(format_intervals({"all": report}))
        return 0
    # Each item is classified once; the parts are scored from the whole file's outcomes.
    everything = evaluate(rows, classifier)
    reports = {"all": everything} | Split.load(split_path).parts_of(everything)
    print(f"split {split_path}: write part (rules are written from it) and check part (never read)")
    print(format_split_summary(reports))
    print(format_intervals(reports))
    for name, title in (("all", "all items"), ("check", "check part"), ("write", "write part")):
        print(f"\n== {title} ==")
        listed = name == "write" or (name == "check" and args.show_check)
        print(format_report(reports[name], list_wrong=listed))
    if not args.show_check:
        print("(the check part's wrong items are not listed: --show-check lists them)")
    return 0


def _jsonl_rows(path: str | Path) -> Iterator[dict[str, Any]]:
    """Each JSON line of a file; an unreadable file or a broken line is an error naming it."""
    try:
        lines = open(path, encoding="utf-8")  # noqa: SIM115 - closed by the with below
    except OSError as exc:
        raise VigiaError(f"{path}: cannot read ({exc.strerror})") from exc
    with lines:
        for number, line in enumerate(lines, start=1):
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as exc:
                    raise VigiaError(f"{path}:{number}: not JSON: {exc}") from exc


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    """Start (or reuse) a Prefect server and serve all deployments until interrupted."""
    from vigia.prefect_server import start_or_reuse

    deployments = config_file("prefect.yaml", args.prefect_yaml)
    if not deployments.is_file():
        raise ConfigError(f"{deployments}: no such deployments file")
    apply_prefect_defaults(settings.data_dir)
    server = start_or_reuse(settings.data_dir, port=args.port, host=args.host)
    print(f"Prefect API: {server.api_url} (UI at {server.api_url.removesuffix('/api')})")
    try:
        from vigia.flows.serve import serve_all

        serve_all(deployments)
    finally:
        server.stop()
    return 0


def cmd_store_migrate(args: argparse.Namespace, settings: Settings) -> int:
    """Copy the file store into a lake and print each table's counts and checksums."""
    from vigia.maintenance import migrate_store
    from vigia.storage.lake import redacted

    checks = migrate_store(settings, args.to, args.data_path)
    print(f"  {'table':<22} {'rows':>9} {'copied':>9}  checksums")
    for check in checks:
        verdict = "equal" if check.equal else "DIFFERENT"
        print(f"  {check.table:<22} {check.rows:>9} {check.copied_rows:>9}  {verdict}")
    different = [c.table for c in checks if not c.equal]
    if different:
        print(f"the copy differs in {', '.join(different)}; keep using the file", file=sys.stderr)
        return 1
    print(
        f"copied {len(checks)} tables, every count and checksum equal; now set "
        f"VIGIA_STORE={redacted(args.to)}"
    )
    return 0


def cmd_store_compact(args: argparse.Namespace, settings: Settings) -> int:
    """Compact the store and print what changed."""
    from vigia.maintenance import compact_store

    changes = compact_store(settings, args.keep_days)
    print(
        "compacted "
        + settings.storage.location
        + ": "
        + ", ".join(f"{name.replace('_', ' ')} {value:,}" for name, value in changes.items())
    )
    return 0


def cmd_query(args: argparse.Namespace, settings: Settings) -> int:
    """Print the result of a read-only query as a table, CSV or JSON."""
    from vigia.storage import run_query

    columns, rows = run_query(settings.storage, args.sql, live=args.live, time_limit=args.timeout)
    write_rows(columns, rows, args.format, sys.stdout)
    return 0


def write_rows(columns: list[str], rows: list[tuple[Any, ...]], fmt: str, out: Any) -> None:
    """Write query results in one of the supported formats."""
    if fmt == "csv":
        writer = csv.writer(out)
        writer.writerow(columns)
        writer.writerows(safe_rows(rows))
    elif fmt == "json":
        json.dump(
            [dict(zip(columns, row, strict=True)) for row in rows],
            out,
            ensure_ascii=False,
            indent=1,
            default=str,
        )
        out.write("\n")
    else:
        out.write(format_table(columns, rows) + "\n")


def format_table(columns: list[str], rows: list[tuple[Any, ...]], max_width: int = 60) -> str:
    """A plain-text table, cells cut to ``max_width`` characters."""

    def cell(value: Any) -> str:
        text = "" if value is None else for_terminal(" ".join(str(value).split()))
        return text if len(text) <= max_width else text[: max_width - 1] + "…"

    columns = [cell(c) for c in columns]
    body = [[cell(v) for v in row] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in body]) for i, c in enumerate(columns)]
    line = "  ".join("-" * w for w in widths)
    render = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)), line]
    render += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in body]
    render.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(render)


def _refuse_unless_ready(settings: Settings, command: str, sources: list[str] | None) -> None:
    """A wrong campaign, source name or store: one line and a refused run, before any work."""
    from vigia.pipeline import check_ready, record_refused_run

    try:
        check_ready(settings, sources)
    except ConfigError as exc:
        record_refused_run(settings, command, exc)
        raise


def _run_flow(
    settings: Settings,
    config: dict[str, Any] | None,
    *,
    command: str,
    sources: list[str] | None = None,
    digest: bool = False,
) -> bool:
    _refuse_unless_ready(settings, command, sources)
    apply_prefect_defaults(settings.data_dir)
    from vigia.flows.process import vigia_run

    state = vigia_run(
        sources=sources,
        db_path=None if settings.store else str(settings.db_path),
        sources_config=config,
        command=command,
        digest=digest,
        return_state=True,
    )
    if state.is_failed():
        print(f"\nThe run finished with failures: {state.message}", file=sys.stderr)
    return not state.is_failed()


def _print_summary(settings: Settings) -> None:
    import socket

    with settings.storage.open() as store:
        # This process's run: another host's run may have started since on a shared store.
        run = store.runs.last(socket.gethostname(), os.getpid()) or {"summary": {}}
        per_source, per_demand = store.items.per_source(), store.matches.per_demand()
        alerts = store.outbox.by_status()
    summary = run["summary"]
    print(f"\nSummary of this run ({run.get('status', '?')}):")
    print(f"  {'source':<10} {'fetched':>8} {'new':>6} {'changed':>8} {'stored':>8}  error")
    for name, report in summary.get("sources", {}).items():
        print(
            f"  {name:<10} {report['fetched']:>8} {report['new']:>6} {report['changed']:>8} "
            f"{per_source.get(name, 0):>8}  {report['error'] or ''}"
        )
    classified = summary.get("classify", {})
    dispatch = summary.get("dispatch", {})
    print(
        f"  classified {classified.get('classified', 0)} item(s); "
        f"{classified.get('new_matches', 0)} new match(es); "
        f"{dispatch.get('sent', 0)} message(s) sent via {dispatch.get('via', '-')}: "
        f"{dispatch.get('alerts_at_once', 0)} alert(s) at once, "
        f"{dispatch.get('alerts_in_digests', 0)} in {dispatch.get('digests', 0)} digest(s); "
        f"{dispatch.get('failed', 0)} failed"
    )
    print("\nMatches in the store per demand (advance / regress / mention):")
    for demand, stances in per_demand.items():
        print(
            f"  {demand:<40} {stances.get('advance', 0):>3} / {stances.get('regress', 0):>3} / "
            f"{stances.get('mention', 0):>3}"
        )
    print(f"Alert outbox: {', '.join(f'{k} {v}' for k, v in alerts.items()) or 'empty'}")


if __name__ == "__main__":
    sys.exit(main())
