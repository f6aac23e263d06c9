"""`vigia report --out DIR`: a static site (HTML, CSS, SVG; no server) of each demand's status.

An overview of every demand with its status and last movement, a status timeline per demand
(matplotlib, drawn to SVG), the latest evidence with quotes and links, and source health; labels in
Spanish and English; readable on a phone. It reads the readers' snapshot, never the live store.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from vigia.classify import Campaign, Demand
from vigia.classify.status import label
from vigia.clock import now
from vigia.config import Settings
from vigia.core.model import kind_name
from vigia.status import dated
from vigia.storage import Storage
from vigia.storage.status import DemandStatus

# Only these are linked: a scraped javascript: or data: URL would run in the reader's browser.
_WEB_URL = re.compile(r"^https?://[^\s\x00-\x1f]+$", re.IGNORECASE)
EVIDENCE_PER_DEMAND = 12
LATEST_EVIDENCE = 15
STATUS_COLOURS = {
    "no_action": "#8a8f98",
    "proposed": "#c58b00",
    "approved_by_chamber": "#2b7bb9",
    "published": "#1f8a4c",
    "in_force": "#0f6b37",
    "upheld": "#1f8a4c",
    "regressed": "#c0392b",
    "struck_down": "#8e1b10",
}


@dataclass(frozen=True)
class ReportFiles:
    """What `vigia report` wrote."""

    index: Path
    pages: list[Path]
    charts: list[Path]
    # The other campaigns' front pages, each in a folder of its name beside the primary's.
    others: list[Path] = field(default_factory=list)


def link(url: str | None, text: str) -> Markup:
    """A link to an http(s) URL; for any other URL (``javascript:``, ``data:``) the text alone."""
    if url and _WEB_URL.match(url):
        return Markup('<a href="{}">{}</a>').format(url, text)
    return Markup("{}").format(text)


def page_name(demand_id: str) -> str:
    """A demand's page and chart name within its campaign's report (its id unqualified)."""
    return demand_id.rsplit("/", 1)[-1]


def build_report(
    settings: Settings, out_dir: str | Path, *, today: date | None = None
) -> ReportFiles:
    """Write the static site for the store in ``settings`` into ``out_dir``: the primary
    campaign's there, each other campaign's in a folder of its name inside it."""
    campaigns = settings.campaigns
    data = _read(settings.storage)
    today = today or now().date()
    reports = [
        _campaign_report(campaign, data, Path(out_dir) / (name if n else ""), today)
        for n, (name, campaign) in enumerate(campaigns.named())
    ]
    return ReportFiles(
        reports[0].index,
        [page for r in reports for page in r.pages],
        [chart for r in reports for chart in r.charts],
        [r.index for r in reports[1:]],
    )


def _campaign_report(
    campaign: Campaign, data: dict[str, Any], out: Path, today: date
) -> ReportFiles:
    own = {d.id for d in campaign.demands}
    (out / "charts").mkdir(parents=True, exist_ok=True)
    env = Environment(
        loader=PackageLoader("vigia.report", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        label=label,
        colour=STATUS_COLOURS.get,
        kind_label=lambda kind: kind_name(kind, "both") if kind else "",
        link=link,
        when=partial(dated, bilingual=True),
        page_name=page_name,
    )
    generated = now().strftime("%Y-%m-%d %H:%M UTC")
    charts, pages = [], []
    for demand in campaign.demands:
        moves = [m for m in data["timeline"] if m["demand_id"] == demand.id]
        status_row = data["status"].get(demand.id) or _unmoved(demand)
        chart = out / "charts" / f"{page_name(demand.id)}.svg"
        draw_timeline(chart, campaign, demand.id, status_row, moves, today)
        charts.append(chart)
        page = out / f"{page_name(demand.id)}.html"
        page.write_text(
            env.get_template("demand.html").render(
                campaign=campaign,
                demand=demand,
                status=status_row,
                moves=list(reversed(moves)),
                evidence=[e for e in data["evidence"] if e["demand_id"] == demand.id][
                    :EVIDENCE_PER_DEMAND
                ],
                generated=generated,
            ),
            encoding="utf-8",
        )
        pages.append(page)
    index = out / "index.html"
    index.write_text(
        env.get_template("index.html").render(
            campaign=campaign,
            rows=[data["status"].get(d.id) or _unmoved(d) for d in campaign.demands],
            latest=[m for m in data["timeline_latest"] if m["demand_id"] in own][:LATEST_EVIDENCE],
            pending=[m for m in data["pending"] if m.demand_id in own][:LATEST_EVIDENCE],
            health=data["health"],
            generated=generated,
        ),
        encoding="utf-8",
    )
    shutil.copyfile(Path(__file__).parent / "templates" / "style.css", out / "style.css")
    return ReportFiles(index, pages, charts)


def _read(storage: Storage) -> dict[str, Any]:
    with storage.reader() as store:
        timeline = store.statuses.timeline()
        return {
            "status": {row.demand_id: row for row in store.statuses.current()},
            "timeline": timeline,
            "timeline_latest": [
                m for m in reversed(timeline) if m["confirmed"] and not m["set_aside"]
            ],
            "pending": store.statuses.unconfirmed(),
            "evidence": store.statuses.latest_evidence(EVIDENCE_PER_DEMAND),
            "health": store.sources.states(),
        }


def _unmoved(demand: Demand) -> DemandStatus:
    """The overview row of a demand the store has not seen yet: its starting status."""
    return DemandStatus(
        demand.id,
        demand.title["es"],
        demand.title["en"],
        demand.start.status,
        demand.start.since,
        None,
        None,
        None,
        None,
        None,
        None,
        0,
    )


def draw_timeline(
    target: Path,
    campaign: Campaign,
    demand_id: str,
    status_row: DemandStatus,
    moves: list[dict[str, Any]],
    today: date,
) -> None:
    """A step chart of the demand's confirmed status over time, every move marked, as SVG."""
    import matplotlib

    matplotlib.use("Agg")  # files only: no display on a server
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    levels = list(campaign.status.levels)
    start = campaign.demand(demand_id).start
    first = start.since or min((m["effective_date"] for m in moves), default=today)
    steps = [(first, levels.index(start.status))]
    for move in moves:
        if move["confirmed"] and not move["set_aside"] and move["status"] in levels:
            steps.append((move["effective_date"], levels.index(move["status"])))
    steps.append((today, steps[-1][1]))
    fig, ax = plt.subplots(figsize=(7.5, 2.8), dpi=100)
    try:
        days: list[Any] = [s[0] for s in steps]  # matplotlib takes dates on its x axis
        ax.step(days, [s[1] for s in steps], where="post", color="#34495e", lw=2)
        for move in moves:
            y = levels.index(move["status"]) if move["status"] in levels else 0
            ax.plot(
                move["effective_date"],
                y,
                marker="o",
                markersize=7,
                color=STATUS_COLOURS.get(move["status"], "#34495e"),
                markerfacecolor="white" if not move["confirmed"] else None,
                linestyle="none",
            )
        ax.set_yticks(range(len(levels)))
        ax.set_yticklabels([f"{label(x)} / {label(x, 'en')}" for x in levels], fontsize=7)
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
        ax.set_ylim(-0.5, len(levels) - 0.5)
        ax.grid(axis="y", color="#e5e7eb", lw=0.6)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.set_title(f"{status_row.title_es} — {label(status_row.status)}", fontsize=9, loc="left")
        fig.tight_layout()
        fig.savefig(target, format="svg", metadata={"Date": None})
    finally:
        plt.close(fig)
