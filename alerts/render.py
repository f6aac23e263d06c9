"""Turn a pending alert into a Slack Block Kit message and a plain-text fallback (pure).

Everything scraped is escaped for Slack's mrkdwn (``&``, ``<``, ``>``), so a
scraped ``<!channel>`` or ``<https://evil|click>`` arrives as text. Only this
module builds links, and only to the item's own http(s) URL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from alerts.model import Notice, PendingAlert
from classify.demands import Demand
from scrapers.gazette import EDITION_NAMES

STANCE_LABELS = {
    "advance": ("▲", "Avance", "Advance"),
    "regress": ("▼", "Retroceso", "Regress"),
    "mention": ("●", "Mención", "Mention"),
}
SOURCE_LABELS = {
    "gazette": "Diario Oficial (DOF)",
    "court": "Tribunal",
    "news": "Prensa",
    "page": "Página vigilada",
}
HEADER_LIMIT = 150  # Slack: header text
SECTION_LIMIT = 3000  # Slack: section text
QUOTE_LIMIT = 700
TITLE_LIMIT = 300
_SENTENCE_END = re.compile(r"[.!?;](?=\s)")


@dataclass(frozen=True)
class Message:
    """A rendered alert: where it goes, the fallback text, the blocks and its outbox key."""

    key: str
    channel: str
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)


def escape_mrkdwn(text: str) -> str:
    """Escape Slack's three control characters; ``&`` first so nothing is escaped twice."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cut(text: str, limit: int) -> str:
    """Shorten text to ``limit`` characters, at a sentence end when one is near, with '…'."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    ends = [m.end() for m in _SENTENCE_END.finditer(head)]
    if ends and ends[-1] > limit // 2:
        return head[: ends[-1]] + " …"
    return head.rsplit(" ", 1)[0] + " …"


def safe_link(url: str, label: str) -> str:
    """A mrkdwn link to an http(s) URL, or the escaped label alone for any other URL."""
    label = escape_mrkdwn(label)
    if not re.match(r"^https?://[^\s<>|]+$", url):
        return label
    return f"<{url.replace('&', '&amp;')}|{label}>"


def render_alert(alert: PendingAlert, demand: Demand) -> Message:
    """Build the Slack message for one match alert."""
    item = alert.item
    marker, label_es, label_en = STANCE_LABELS.get(alert.stance, STANCE_LABELS["mention"])
    header = cut(f"{marker} {label_es} / {label_en} · {demand.title['es']}", HEADER_LIMIT)
    source = f"{SOURCE_LABELS.get(item.kind, item.kind)} · {item.source}"
    date = item.published.isoformat() if item.published else "sin fecha / undated"
    title = cut(item.title or item.url, TITLE_LIMIT)
    quote = cut(alert.evidence, QUOTE_LIMIT)
    context_bits = [escape_mrkdwn(bit) for bit in _context(item.meta)]
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": header, "emoji": False}},
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": cut(f"*{safe_link(item.url, title)}*", SECTION_LIMIT),
            },
        },
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "> " + escape_mrkdwn(quote).replace("\n", "\n> ")},
        },
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
    text = escape_mrkdwn(
        f"{marker} {label_es}/{label_en} · {demand.title['es']}: {title} ({source}, {date}) "
        f"— “{cut(alert.evidence, 200)}”"
    )
    return Message(key=alert.key, channel=alert.channel, text=text, blocks=blocks)


def render_console(message: Message, alert: PendingAlert) -> str:
    """A readable multi-line rendering for the console sender (no Slack markup)."""
    item = alert.item
    marker, label_es, label_en = STANCE_LABELS.get(alert.stance, STANCE_LABELS["mention"])
    lines = [
        f"[{message.channel}] {marker} {label_es} / {label_en} · {alert.demand_id}",
        f"  {cut(item.title, TITLE_LIMIT)}",
        f"  {item.url}",
        f"  {' · '.join(dict.fromkeys([item.kind, item.source]))} · {item.published or 'undated'}"
        + "".join(f" · {bit}" for bit in _context(item.meta)),
        f"  “{cut(alert.evidence, 300)}”",
        f"  rule: {alert.rule}",
    ]
    return "\n".join(lines)


def _context(meta: dict[str, Any]) -> list[str]:
    keys = (
        ("edition", "edición"),
        ("section", "sección"),
        ("issuer", ""),
        ("court", ""),
        ("case", ""),
        ("outlet", ""),
    )
    bits = []
    for key, label in keys:
        value = meta.get(key)
        if key == "edition":
            value = EDITION_NAMES.get(str(value), value)
        if value:
            bits.append(f"{label} {value}".strip())
    return bits


NOTICE_LABELS = {
    "health": ("⚠", "Fuente con problemas", "Source problem"),
    "recovery": ("✓", "Fuente restablecida", "Source recovered"),
}


def render_notice(notice: Notice) -> Message:
    """Build the operators' message about a source's health or recovery."""
    marker, label_es, label_en = NOTICE_LABELS[notice.kind]
    header = cut(f"{marker} {label_es} / {label_en}: {notice.source}", HEADER_LIMIT)
    summary = escape_mrkdwn(cut(notice.summary, SECTION_LIMIT - 100))
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": header, "emoji": False}},
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*{notice.source}*: {summary}"}},
    ]
    text = escape_mrkdwn(f"{marker} {label_en}: {notice.source}: {cut(notice.summary, 300)}")
    return Message(key=notice.key, channel=notice.channel, text=text, blocks=blocks)


def console_notice(notice: Notice) -> str:
    """The console rendering of an operator notice."""
    marker, label_es, label_en = NOTICE_LABELS[notice.kind]
    return (
        f"[{notice.channel}] {marker} {label_es} / {label_en}: {notice.source}\n  {notice.summary}"
    )
