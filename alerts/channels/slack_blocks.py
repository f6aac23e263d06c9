"""Messages as Slack Block Kit (pure): blocks and a fallback text for each kind of content.

Everything scraped is escaped for Slack's mrkdwn (``&``, ``<``, ``>``), so a
scraped ``<!channel>`` or ``<https://evil|click>`` arrives as text. Only this
module builds links, and only to an item's own http(s) URL.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from vigia.alerts.content import (
    CONFIRM_SHOWN,
    DIGEST_LINES_PER_DEMAND,
    NOTICE_LABELS,
    QUOTE_LIMIT,
    TITLE_LIMIT,
    AlertBody,
    DigestBody,
    Outgoing,
    StatusBody,
    cut,
    failing_sources,
    item_context,
    source_label,
    stance_label,
    story_line,
)
from vigia.alerts.plain import coverage_lines
from vigia.classify.demands import Demand
from vigia.core.model import Notice, PendingAlert, alert_ref

HEADER_LIMIT = 150  # Slack: header text
SECTION_LIMIT = 3000  # Slack: section text


@dataclass(frozen=True)
class SlackMessage:
    """A message as Slack takes it: the notification's fallback text and the blocks."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)


def render_blocks(message: Outgoing) -> SlackMessage:
    """Render any outgoing message for Slack."""
    body = message.body
    if isinstance(body, AlertBody):
        return render_alert(body.alert, body.demand)
    if isinstance(body, Notice):
        return render_notice(body)
    if isinstance(body, StatusBody):
        return render_status_change(body.demand, body.before, body.after)
    if isinstance(body, DigestBody):
        return render_digest(body)
    return SlackMessage(body.text, body.blocks)


def escape_mrkdwn(text: str) -> str:
    """Escape Slack's three control characters; ``&`` first so nothing is escaped twice."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def safe_link(url: str, label: str) -> str:
    """A mrkdwn link to an http(s) URL, or the escaped label alone for any other URL."""
    label = escape_mrkdwn(label)
    if not re.match(r"^https?://[^\s<>|]+$", url):
        return label
    return f"<{url.replace('&', '&amp;')}|{label}>"


def render_alert(alert: PendingAlert, demand: Demand) -> SlackMessage:
    """Build the Slack message for one match alert."""
    item = alert.item
    marker, label_es, label_en = stance_label(alert.stance)
    header = cut(f"{marker} {label_es} / {label_en} · {demand.title['es']}", HEADER_LIMIT)
    source = f"{source_label(item.kind)} · {item.source}"
    date = item.published.isoformat() if item.published else "sin fecha / undated"
    title = cut(item.title or item.url, TITLE_LIMIT)
    quote = cut(alert.evidence, QUOTE_LIMIT)
    context_bits = [escape_mrkdwn(bit) for bit in item_context(item.meta)]
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": header, "emoji": False}},
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": cut(f"*{safe_link(item.url, title)}*", SECTION_LIMIT),
            },
        },
        {"type": "section", "text": {"type": "mrkdwn", "text": _quote(quote, alert)}},
        {
            "type": "context",
            "elements": [
                {"type": "mrkdwn", "text": escape_mrkdwn(f"{source} · {date}")},
                *({"type": "mrkdwn", "text": bit} for bit in context_bits[:8]),
                {
                    "type": "mrkdwn",
                    "text": escape_mrkdwn(
                        f"{demand.title['en']} · score {alert.score:.2f} · {alert.rule}"
                    )[:300],
                },
            ],
        },
    ]
    blocks.append(feedback_buttons(alert.key, alert.stance))
    text = escape_mrkdwn(
        f"{marker} {label_es}/{label_en} · {demand.title['es']}: {title} ({source}, {date}) "
        f"— “{cut(alert.evidence, 200)}”"
    )
    return SlackMessage(text, blocks)


FEEDBACK_BUTTONS = {
    "relevant": "✓ Relevante / Relevant",
    "not_relevant": "✗ No relevante / Not relevant",
}
# Messages sent before the direction could be corrected carry a button for this verdict; its
# presses are still read.
WRONG_DIRECTION = "wrong_direction"
WRONG_DIRECTION_LABEL = "⇅ Dirección equivocada / Wrong direction"
FEEDBACK_ACTION_PREFIX = "vigia_feedback_"
FEEDBACK_BLOCK = "vigia_feedback"  # an alert's buttons and menu
# Menus of verdicts: an alert's says which direction was right, a digest's (one per demand,
# "…_menu_2") judges any story it lists. An option's value is "verdict or stance:ref".
VERDICT_MENU = f"{FEEDBACK_ACTION_PREFIX}menu"
CORRECTIONS = {
    "advance": "▲ Es un avance / It is an advance",
    "regress": "▼ Es un retroceso / It is a setback",
    "mention": "● Solo una mención / Only a mention",
}
# Every verdict a person may give an alert: a button's, or the direction that was right.
VERDICT_CHOICES = {**FEEDBACK_BUTTONS, **CORRECTIONS}


def choices_for(stance: str) -> list[tuple[str, str]]:
    """(choice, label) of every verdict an alert of ``stance`` may be given: its own
    direction is no correction."""
    return [(choice, label) for choice, label in VERDICT_CHOICES.items() if choice != stance]


def verdict_label(verdict: str, stance: str | None) -> str:
    """How a verdict reads once given: the direction named, else the button pressed."""
    return CORRECTIONS.get(stance or "") or _BUTTON_LABELS[verdict]


# The buttons' labels, with the one of messages sent before the menu replaced its button.
_BUTTON_LABELS = {**FEEDBACK_BUTTONS, WRONG_DIRECTION: WRONG_DIRECTION_LABEL}


def feedback_buttons(key: str, stance: str) -> dict[str, Any]:
    """The buttons that let a campaigner say whether an alert was right, and a menu that says
    which direction it was when the alert's is wrong (labels that teach the classifier)."""
    buttons: list[dict[str, Any]] = [
        {
            "type": "button",
            "action_id": f"{FEEDBACK_ACTION_PREFIX}{verdict}",
            "text": _plain(label),
            "value": key,
        }
        for verdict, label in FEEDBACK_BUTTONS.items()
    ]
    menu = {
        "type": "static_select",
        "action_id": VERDICT_MENU,
        "placeholder": _plain(WRONG_DIRECTION_LABEL),
        "options": _corrections(key, stance),
    }
    return {"type": "actions", "block_id": FEEDBACK_BLOCK, "elements": [*buttons, menu]}


def verdict_line(verdict: str, stance: str | None, who: str) -> str:
    """How an alert shows a person's verdict on it, once given."""
    return f"{escape_mrkdwn(verdict_label(verdict, stance))} · {escape_mrkdwn(who)}"


def story_verdicts(number: int, stories: list[list[PendingAlert]]) -> dict[str, Any]:
    """A menu under one demand's digest lines: for each story listed (by its number), relevant,
    not relevant, or the direction that was right. The verdict is on the story's first alert."""
    groups = []
    for n, story in enumerate(stories, start=1):
        lead = story[0]
        ref = alert_ref(lead.key)
        groups.append(
            {
                "label": _plain(cut(f"{n}. {story_line(story).title}", OPTION_TEXT_LIMIT)),
                "options": [
                    _option(label, f"{choice}:{ref}") for choice, label in choices_for(lead.stance)
                ],
            }
        )
    menu = {
        "type": "static_select",
        "action_id": f"{VERDICT_MENU}_{number}",
        "placeholder": _plain("Juzgar una historia / Judge a story"),
        "option_groups": groups,
    }
    return {"type": "actions", "block_id": f"{DIGEST_MENU_BLOCK}{number}", "elements": [menu]}


DIGEST_MENU_BLOCK = "vigia_feedback_digest_"  # and the demand's number in the digest


OPTION_TEXT_LIMIT = 75  # Slack: an option's or an option group's text


def _corrections(key: str, stance: str) -> list[dict[str, Any]]:
    # The two directions an alert was not given, each a menu option naming it.
    ref = alert_ref(key)
    return [
        _option(label, f"{other}:{ref}") for other, label in CORRECTIONS.items() if other != stance
    ]


def _option(text: str, value: str) -> dict[str, Any]:
    return {"text": _plain(text), "value": value}


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": False}


BLOCKS_LIMIT = 50  # Slack: blocks per message


def render_digest(digest: DigestBody) -> SlackMessage:
    """One destination's daily digest: alerts grouped by demand, one line per story, the status
    moves only the press backs (with a button to confirm each), and coverage."""
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {
                "type": "plain_text",
                "text": cut(f"Resumen diario / Daily digest · {digest.day}", HEADER_LIMIT),
                "emoji": False,
            },
        }
    ]
    grouped = digest.by_demand()
    for number, (demand, stories) in enumerate(grouped, start=1):
        listed = stories[:DIGEST_LINES_PER_DEMAND]
        # Numbered, so that the menu under them can name each.
        shown = [f"{n}. {_digest_line(story)}" for n, story in enumerate(listed, start=1)]
        if len(stories) > len(listed):
            rest = len(stories) - len(listed)
            shown.append(f"… y {rest} más / and {rest} more")
        heading = escape_mrkdwn(f"{demand.title['es']} / {demand.title['en']}")
        body = f"*{heading}* ({len(stories)})\n" + "\n".join(shown)
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _fit(body)}})
        blocks.append(story_verdicts(number, listed))
    blocks = blocks[: BLOCKS_LIMIT - 4]
    if digest.pending:
        blocks.extend(confirm_blocks(digest.pending, digest.demands))
    blocks.append({"type": "divider"})
    blocks.append(
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": _fit(coverage_text(digest.coverage))},
        }
    )
    stories_total = sum(len(stories) for _, stories in grouped)
    failing = failing_sources(digest.coverage)
    text = (
        f"Resumen diario / Daily digest {digest.day}: {stories_total} historia(s) / stories in "
        f"{len(grouped)} demanda(s) / demands"
        + (f"; fuentes con fallas / failing sources: {', '.join(failing)}" if failing else "")
    )
    return SlackMessage(escape_mrkdwn(text), blocks)


CONFIRM_ACTION_PREFIX = "vigia_confirm_"


def confirm_blocks(pending: list[Any], demands: Mapping[str, Demand]) -> list[dict[str, Any]]:
    """A section listing status moves that wait for a person, and a button to confirm each.

    Each of ``pending`` carries demand_id, item_id, status, title, url and effective_date.
    """
    from vigia.classify.status import label

    shown = pending[:CONFIRM_SHOWN]
    lines = [
        f"{n}. {escape_mrkdwn(demands[m.demand_id].title['es'])}: "
        f"*{escape_mrkdwn(label(m.status))}* · {safe_link(m.url, cut(m.title or m.url, 120))}"
        f" ({m.effective_date})"
        for n, m in enumerate(shown, start=1)
    ]
    if len(pending) > len(shown):
        lines.append(f"… y {len(pending) - len(shown)} más / and more: `vigia status`")
    heading = "*Por confirmar / To confirm* (sólo la prensa lo respalda / only the press backs it)"
    return [
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": _fit(heading + "\n" + "\n".join(lines))},
        },
        {
            "type": "actions",
            "block_id": "vigia_confirm",
            "elements": [
                {
                    "type": "button",
                    "action_id": f"{CONFIRM_ACTION_PREFIX}{n}",
                    "text": {
                        "type": "plain_text",
                        "text": f"✓ Confirmar / Confirm {n}",
                        "emoji": False,
                    },
                    "value": f"{m.demand_id}|{m.item_id}",
                }
                for n, m in enumerate(shown, start=1)
            ],
        },
    ]


def _digest_line(story: list[PendingAlert]) -> str:
    line = story_line(story)
    link = safe_link(line.url, line.title)
    text = f"{line.marker} {link} · {escape_mrkdwn(line.source)}, {line.date}"
    if line.others:
        text += f" (+{line.others}: {escape_mrkdwn(', '.join(line.other_names))})"
    return text


def coverage_text(coverage: list[dict[str, Any]]) -> str:
    """The digest footer: which sources ran, which failed, and how many items each read."""
    lines = "\n".join(escape_mrkdwn(line) for line in coverage_lines(coverage))
    return f"*Cobertura / Coverage*\n{lines}"


def _fit(text: str) -> str:
    # A section holds 3,000 characters; cut at a line, never inside a link.
    if len(text) <= SECTION_LIMIT:
        return text
    kept = text[: SECTION_LIMIT - 2].rsplit("\n", 1)[0]
    return kept + "\n…"


def _quote(quote: str, alert: PendingAlert) -> str:
    text = "> " + escape_mrkdwn(quote).replace("\n", "\n> ")
    if quote.endswith("…"):
        # Cut for Slack: the rest is one click away.
        text += "\n" + safe_link(alert.item.url, "Leer completo / Read in full")
    return text


def render_notice(notice: Notice) -> SlackMessage:
    """Build the operators' message about a source's health or recovery."""
    marker, label_es, label_en = NOTICE_LABELS[notice.kind]
    header = cut(f"{marker} {label_es} / {label_en}: {notice.source}", HEADER_LIMIT)
    summary = escape_mrkdwn(cut(notice.summary, SECTION_LIMIT - 100))
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": header, "emoji": False}},
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*{notice.source}*: {summary}"}},
    ]
    text = escape_mrkdwn(f"{marker} {label_en}: {notice.source}: {cut(notice.summary, 300)}")
    return SlackMessage(text, blocks)


def render_status_change(demand: Demand, before: Any, after: Any) -> SlackMessage:
    """The alert for a demand whose status changed: from, to, since when, on what evidence.

    ``before`` and ``after`` carry ``status``, ``since`` and the evidence fields of a
    DemandStatus.
    """
    from vigia.classify.status import label

    header = cut(f"◆ Estado / Status · {demand.title['es']}", HEADER_LIMIT)
    change = (
        f"*{escape_mrkdwn(label(before.status))} → {escape_mrkdwn(label(after.status))}*\n"
        f"{escape_mrkdwn(label(before.status, 'en'))} → {escape_mrkdwn(label(after.status, 'en'))}"
        f" · {after.since or 's/f'}"
    )
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": header, "emoji": False}},
        {"type": "section", "text": {"type": "mrkdwn", "text": change}},
    ]
    if after.evidence_url:
        title = cut(after.evidence_title or after.evidence_url, TITLE_LIMIT)
        evidence = f"*{safe_link(after.evidence_url, title)}*"
        if after.evidence_quote:
            evidence += "\n> " + escape_mrkdwn(cut(after.evidence_quote, QUOTE_LIMIT))
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _fit(evidence)}})
    blocks.append(
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": escape_mrkdwn(
                        f"{demand.title['en']} · {source_label(after.source_kind or '')}"
                    ),
                }
            ],
        }
    )
    text = escape_mrkdwn(
        f"◆ {demand.title['es']}: {label(before.status)} → {label(after.status)} "
        f"({after.since or 's/f'})"
    )
    return SlackMessage(text, blocks)
