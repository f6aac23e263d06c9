"""Campaigners' verdicts on alerts: what the buttons do, the export, precision per demand.

The Slack channel reads and verifies the buttons' requests (``alerts/channels/slack_actions``);
here each verdict becomes a row with the person and the time, and a confirmation moves a
demand's status. The export writes the verdicts as labelled items in the evaluation format.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from html import escape
from typing import Any

from vigia.alerts.channels.slack_actions import (
    ACTIONS_PATH,
    LINK_PATH,
    Refused,
    SlackRequests,
    SlashCommand,
    Verdict,
    make_server,
    show_verdict,
    start_in_thread,
)
from vigia.alerts.channels.slack_blocks import (
    CORRECTIONS,
    escape_mrkdwn,
    verdict_label,
    verdict_line,
)
from vigia.alerts.channels.verdict_links import LINK_FIELDS, VerdictLinks
from vigia.classify.demands import STANCES
from vigia.classify.status import label
from vigia.clock import now
from vigia.config import Settings
from vigia.core.errors import ConfigError
from vigia.core.text import fold
from vigia.status import StatusChange
from vigia.storage.feedback import MISSED
from vigia.verdicts import record as record_verdicts
from vigia.verdicts import record_missed

log = logging.getLogger(__name__)
# The endpoint's path and server, for the entry points that serve it.
__all__ = ["ACTIONS_PATH", "LINK_PATH", "FeedbackEndpoint", "make_server", "start_in_thread"]
REPLIES = {
    "relevant": "Gracias: marcada como relevante / Thanks: marked relevant",
    "not_relevant": "Gracias: marcada como no relevante / Thanks: marked not relevant",
    "wrong_direction": "Gracias: dirección en duda / Thanks: direction disputed",
}
CORRECTED_REPLIES = {
    "advance": "Gracias: anotada como avance / Thanks: noted as an advance",
    "regress": "Gracias: anotada como retroceso / Thanks: noted as a setback",
    "mention": "Gracias: anotada como mención / Thanks: noted as a mention",
}
UNKNOWN_ALERT = "Alerta desconocida / Unknown alert"


class FeedbackEndpoint:
    """Records the verdicts a signed request from Slack or an email's signed link carries, or
    confirms the status moves a Slack request names."""

    def __init__(self, settings: Settings, signing_secret: str) -> None:
        self.settings = settings
        self.links = VerdictLinks.from_env(settings.env)
        # An email-only campaign serves the links alone; Slack's requests are then refused.
        self.requests = (
            SlackRequests(signing_secret) if signing_secret.strip() or self.links is None else None
        )

    def handle(self, body: bytes, headers: Mapping[str, str]) -> tuple[int, dict[str, Any]]:
        """HTTP status and JSON answer for one POST from Slack."""
        if self.requests is None:
            return 401, {"error": "SLACK_SIGNING_SECRET is not set: Slack's requests are refused"}
        try:
            interaction = self.requests.read(body, headers)
        except Refused as refused:
            return refused.status, {"error": str(refused)}
        if interaction.command is not None:
            return 200, self._missed(interaction.command)
        if interaction.confirmations:
            return 200, self._confirm(interaction.confirmations)
        verdicts = interaction.verdicts
        if not verdicts:
            return 200, {}
        recorded, changes = record_verdicts(self.settings, verdicts, now())
        last = verdicts[-1]
        reply = _thanks(last) if recorded else UNKNOWN_ALERT
        reply = "\n".join([reply, *(_moved(change) for change in changes)])
        if recorded and interaction.message and interaction.response_url:
            # Everyone in the channel sees the alert or the digest story was judged, and how.
            line = verdict_line(last.verdict, last.stance, last.by)
            api_url = self.settings.env.get("SLACK_API_URL")
            show_verdict(interaction.response_url, interaction.message, line, api_url, last.ref)
        # Visible only to the person who pressed the button (the message says who judged it).
        return 200, {"response_type": "ephemeral", "replace_original": False, "text": reply}

    def verdict_page(self, method: str, fields: Mapping[str, str]) -> tuple[int, str]:
        """A verdict link from an email: GET shows what it says and asks to confirm (mail
        scanners open links too), POST records it."""
        if self.links is None:
            return 404, _page("Los enlaces de veredicto no están activos / Verdict links are off.")
        try:
            verdict = self.links.read(fields)
        except Refused as refused:
            return refused.status, _page(str(refused))
        said = verdict_label(verdict.verdict, verdict.stance)
        if method != "POST":
            hidden = "".join(
                f'<input type="hidden" name="{name}" value="{escape(fields[name])}">'
                for name in LINK_FIELDS
            )
            button = '<button type="submit">Confirmar / Confirm</button>'
            return 200, _page(said, f'<form method="post" action="">{hidden}{button}</form>')
        recorded, changes = record_verdicts(self.settings, [verdict], now())
        if not recorded:
            return 404, _page(UNKNOWN_ALERT)
        return 200, _page(_thanks(verdict), *(f"<p>{escape(_moved(c))}</p>" for c in changes))

    def _missed(self, command: SlashCommand) -> dict[str, Any]:
        # "/vigia-missed URL DEMAND DIRECTION": a person names a demand the classifier missed.
        words = command.text.split()
        stance = _STANCE_WORDS.get(fold(words[2])) if len(words) == 3 else None
        if stance is None:
            return _ephemeral(MISSED_USAGE)
        # Slack sends a typed link as <url> or <url|the text shown>.
        address, demand_id = words[0].strip("<>").split("|", 1)[0], words[1]
        try:
            item_id = record_missed(
                self.settings,
                address,
                demand_id,
                stance,
                command.user_name,
                now(),
                user_id=command.user_id,
            )
        except ConfigError as exc:
            # The message repeats what was typed: escaped, as any text Slack shows.
            return _ephemeral(f"No anotada / Not recorded: {escape_mrkdwn(str(exc))}")
        return _ephemeral(
            f"Gracias: anotado que la noticia {item_id[:12]} mueve {demand_id} "
            f"({CORRECTIONS[stance]}) / Thanks: noted as missed"
        )

    def _confirm(self, confirmations: list[tuple[str, str, str]]) -> dict[str, Any]:
        # A person confirms, from the digest, a status move only the press backed.
        from vigia import status

        replies = []
        for demand_id, item_id, who in confirmations:
            try:
                changes = status.confirm(self.settings, demand_id, item_id, who)
            except ConfigError as exc:
                replies.append(str(exc))
                continue
            replies += [_moved(c) for c in changes] or [f"{demand_id}: confirmado / confirmed"]
        return {"response_type": "ephemeral", "replace_original": False, "text": "\n".join(replies)}


MISSED_USAGE = (
    "Uso / Usage: /vigia-missed DIRECCIÓN-DE-LA-NOTICIA DEMANDA avance|retroceso|mención "
    "(advance|regress|mention): una noticia que Vigía leyó y no alertó para esa demanda / a "
    "story Vigía read but did not alert for that demand"
)
# The directions a person may type, in either language, accents or not.
_STANCE_WORDS = {
    **{stance: stance for stance in STANCES},
    "avance": "advance",
    "retroceso": "regress",
    "setback": "regress",
    "mencion": "mention",
}


def _ephemeral(text: str) -> dict[str, Any]:
    # A reply only the person who typed the command sees.
    return {"response_type": "ephemeral", "text": text}


def _thanks(verdict: Verdict) -> str:
    # What the person is told once their verdict is recorded.
    return CORRECTED_REPLIES.get(verdict.stance or "") or REPLIES[verdict.verdict]


def _page(text: str, *parts: str) -> str:
    # A verdict link's page: ``text`` escaped, ``parts`` as given (built here, escaped).
    return (
        '<!DOCTYPE html>\n<html lang="es"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<title>Vigía</title></head><body style="font-family:sans-serif;margin:2em">'
        f"<p>{escape(text)}</p>{''.join(parts)}</body></html>\n"
    )


def _moved(change: StatusChange) -> str:
    # One status change, as the person who caused it is told.
    since = f" ({change.since})" if change.since else ""
    return f"{change.demand_id}: {label(change.before)} → {label(change.after)}{since}"


def export_rows(settings: Settings) -> list[dict[str, Any]]:
    """Verdicts as labelled items in the format of eval/dev.jsonl, one line per item.

    An item's labels are the demands someone confirmed: with the classifier's stance, with the
    direction someone said was right instead, or with no stance when someone disputed the
    direction without saying one; and the demands someone said the classifier missed, with the
    direction they gave. Demands marked not relevant get no label.
    """
    with settings.storage.open() as store:
        rows = store.feedback.items()
    by_item: dict[str, dict[str, Any]] = {}
    judged_by: dict[str, list[tuple[str, str, str, str]]] = {}
    for row in rows:
        item = row["item"]
        entry = by_item.setdefault(
            item.id,
            {
                "id": item.id,
                "source_kind": item.kind if item.kind in ("gazette", "court", "news") else "other",
                "lang": item.lang or None,
                "published": item.published.isoformat() if item.published else None,
                "url": item.url,
                "title": item.title,
                "body": item.text,
                "labels": [],
                "verdicts": [],
            },
        )
        # Who judged, by account (names can repeat), for the disagreements the note names.
        judged_by.setdefault(item.id, []).append(
            (
                str(row["at"]),
                row["demand_id"],
                row["user_id"],
                _direction(row["verdict"], row["stance"], row["corrected_stance"])
                or row["verdict"],
            )
        )
        entry["verdicts"].append(
            {
                "demand": row["demand_id"],
                "verdict": row["verdict"],
                "classified_stance": row["stance"] or None,  # none for a demand missed
                "corrected_stance": row["corrected_stance"],
                "by": row["user_name"] or row["user_id"],
                "at": row["at"].isoformat() if hasattr(row["at"], "isoformat") else row["at"],
            }
        )
    for entry in by_item.values():
        entry["labels"] = _labels(entry["verdicts"])
        people = sorted({v["by"] for v in entry["verdicts"]})
        entry["note"] = f"From verdicts (Slack, email) by {', '.join(people)}." + _disagreements(
            judged_by[entry["id"]]
        )
    return list(by_item.values())


def _direction(verdict: str, classified: str | None, corrected: str | None) -> str | None:
    # The direction a verdict labels its demand with: the alert's when judged relevant, else
    # the one the person named (a correction, a miss), if any.
    return classified if verdict == "relevant" else corrected


def _disagreements(judged: list[tuple[str, str, str, str]]) -> str:
    # Where people's latest verdicts on a demand differ, the export keeps the latest one; the
    # note names the demand, so that whoever uses the labels can settle it as the dev set's
    # annotators settled theirs. ``judged``: (when, demand, who, what they said).
    latest: dict[str, dict[str, str]] = defaultdict(dict)
    for _, demand, who, said in sorted(judged):
        latest[demand][who] = said
    split = sorted(demand for demand, said in latest.items() if len(set(said.values())) > 1)
    return f" Disagreed on {', '.join(split)} (the latest verdict kept)." if split else ""


def _labels(verdicts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # Per demand, the latest verdict wins when people disagree.
    latest: dict[str, dict[str, Any]] = {}
    for verdict in sorted(verdicts, key=lambda v: str(v["at"])):
        latest[verdict["demand"]] = verdict
    labels = []
    for demand, verdict in sorted(latest.items()):
        if verdict["verdict"] in ("relevant", "wrong_direction", MISSED):
            stance = _direction(
                verdict["verdict"], verdict["classified_stance"], verdict["corrected_stance"]
            )
            labels.append({"demand": demand, "stance": stance})
    return labels


@dataclass
class Judged:
    """What campaigners said of one demand's alerts (latest verdict per person and alert)."""

    judged: int = 0
    relevant: int = 0  # relevant, whatever the direction
    wrong_direction: int = 0  # relevant, but the direction was wrong
    missed: int = 0  # items someone said move the demand, where the classifier found nothing
    # (classified, said to be right) → how often, for the corrections that named a direction
    corrections: Counter[tuple[str, str]] = field(default_factory=Counter)

    def add(self, other: Judged) -> None:
        """Count ``other``'s verdicts in too."""
        self.judged += other.judged
        self.relevant += other.relevant
        self.wrong_direction += other.wrong_direction
        self.missed += other.missed
        self.corrections.update(other.corrections)


def judged_by_demand(settings: Settings) -> dict[str, Judged]:
    """Per demand: how many alerts were judged, judged relevant, and given a wrong direction."""
    with settings.storage.open() as store:
        rows = store.feedback.items()
    counts: dict[str, Judged] = defaultdict(Judged)
    for row in rows:
        judged = counts[row["demand_id"]]
        if row["verdict"] == MISSED:  # no alert to be precise about: a miss
            judged.missed += 1
            continue
        judged.judged += 1
        judged.relevant += row["verdict"] in ("relevant", "wrong_direction")
        if row["verdict"] == "wrong_direction":
            judged.wrong_direction += 1
            if row["corrected_stance"]:
                judged.corrections[(row["stance"], row["corrected_stance"])] += 1
    return dict(sorted(counts.items()))


def format_judged(counts: dict[str, Judged]) -> str:
    """The table `vigia eval --feedback` prints: precision, and how often the direction of a
    relevant alert was right, per demand and in all."""
    if not counts:
        return "no feedback recorded yet (the buttons under each alert record it)"
    lines = [f"{'demand':<40} {'precision':>9} {'relevant':>9} {'judged':>7} {'direction':>10}"]
    total = Judged()
    for judged in counts.values():
        total.add(judged)
    for demand, judged in [*counts.items(), ("all demands", total)]:
        right = judged.relevant - judged.wrong_direction
        direction = f"{right / judged.relevant:.2f}" if judged.relevant else "-"
        precision = f"{judged.relevant / judged.judged:.2f}" if judged.judged else "-"
        lines.append(
            f"{demand:<40} {precision:>9} {judged.relevant:>9} {judged.judged:>7} {direction:>10}"
        )
    if total.corrections:
        said = ", ".join(
            f"{classified} → {right} {n}"
            for (classified, right), n in sorted(total.corrections.items())
        )
        lines.append(f"directions corrected (classified → said to be right): {said}")
    if total.missed:
        missed = ", ".join(f"{d} {j.missed}" for d, j in counts.items() if j.missed)
        lines.append(f"misses reported (`vigia feedback missed`): {missed}")
    return "\n".join(lines)
