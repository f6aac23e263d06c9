"""Turn a pending alert into a Slack Block Kit message and a plain-text fallback (pure).

Everything scraped is escaped for Slack's mrkdwn (``&``, ``<``, ``>``), so a
scraped ``<!channel>`` or ``<https://evil|click>`` arrives as text. Only this
module builds links, and only to the item's own http(s) URL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from types import SimpleNamespace
from typing import Any

from vigia.classify.demands import Demand
from vigia.core.model import Notice, PendingAlert

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
    # The Slack ts of the story's first message: this one goes into its thread.
    thread_ts: str | None = None

    def as_payload(self) -> dict[str, Any]:
        """The message as stored in the outbox (digests are rendered once, when queued)."""
        return {"text": self.text, "blocks": self.blocks}

    @classmethod
    def from_payload(cls, key: str, channel: str, payload: dict[str, Any]) -> Message:
        """A stored message back."""
        return cls(key, channel, str(payload.get("text", "")), list(payload.get("blocks", [])))


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
    blocks.append(feedback_buttons(alert.key))
    text = escape_mrkdwn(
        f"{marker} {label_es}/{label_en} · {demand.title['es']}: {title} ({source}, {date}) "
        f"— “{cut(alert.evidence, 200)}”"
    )
    return Message(key=alert.key, channel=alert.channel, text=text, blocks=blocks)


FEEDBACK_BUTTONS = {
    "relevant": "✓ Relevante / Relevant",
    "not_relevant": "✗ No relevante / Not relevant",
    "wrong_direction": "⇅ Dirección equivocada / Wrong direction",
}
FEEDBACK_ACTION_PREFIX = "vigia_feedback_"


def feedback_buttons(key: str) -> dict[str, Any]:
    """The buttons that let a campaigner say whether an alert was right."""
    return {
        "type": "actions",
        "block_id": "vigia_feedback",
        "elements": [
            {
                "type": "button",
                "action_id": f"{FEEDBACK_ACTION_PREFIX}{verdict}",
                "text": {"type": "plain_text", "text": label, "emoji": False},
                "value": key,
            }
            for verdict, label in FEEDBACK_BUTTONS.items()
        ],
    }


DIGEST_LINES_PER_DEMAND = 15
BLOCKS_LIMIT = 50  # Slack: blocks per message


def render_digest(
    key: str,
    channel: str,
    alerts: list[PendingAlert],
    demands: dict[str, Demand],
    coverage: list[dict[str, Any]],
    day: str,
    pending: list[Any] | None = None,
) -> Message:
    """One channel's daily digest: alerts grouped by demand, one line per story, the status
    moves only the press backs (with a button to confirm each), and coverage."""
    by_demand: dict[str, dict[str, list[PendingAlert]]] = {}
    for alert in alerts:
        stories = by_demand.setdefault(alert.demand_id, {})
        stories.setdefault(alert.thread_key or alert.key, []).append(alert)
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {
                "type": "plain_text",
                "text": cut(f"Resumen diario / Daily digest · {day}", HEADER_LIMIT),
                "emoji": False,
            },
        }
    ]
    for demand_id in sorted(by_demand, key=lambda d: demands[d].title["es"]):
        demand, stories = demands[demand_id], by_demand[demand_id]
        lines = [_digest_line(group) for group in stories.values()]
        shown = lines[:DIGEST_LINES_PER_DEMAND]
        if len(lines) > len(shown):
            shown.append(f"… y {len(lines) - len(shown)} más / and {len(lines) - len(shown)} more")
        heading = escape_mrkdwn(f"{demand.title['es']} / {demand.title['en']}")
        body = f"*{heading}* ({len(lines)})\n" + "\n".join(shown)
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _fit(body)}})
    blocks = blocks[: BLOCKS_LIMIT - 4]
    if pending:
        blocks.extend(confirm_blocks(pending, demands))
    blocks.append({"type": "divider"})
    blocks.append(
        {"type": "section", "text": {"type": "mrkdwn", "text": _fit(coverage_text(coverage))}}
    )
    stories_total = sum(len(s) for s in by_demand.values())
    failing = [c["source"] for c in coverage if c.get("consecutive_failures")]
    text = (
        f"Resumen diario / Daily digest {day}: {stories_total} historia(s) / stories in "
        f"{len(by_demand)} demanda(s) / demands"
        + (f"; fuentes con fallas / failing sources: {', '.join(failing)}" if failing else "")
    )
    return Message(key=key, channel=channel, text=escape_mrkdwn(text), blocks=blocks)


CONFIRM_ACTION_PREFIX = "vigia_confirm_"
CONFIRM_BUTTONS = 5  # the first moves waiting; the rest: `vigia status`


def confirm_blocks(pending: list[Any], demands: dict[str, Demand]) -> list[dict[str, Any]]:
    """A section listing status moves that wait for a person, and a button to confirm each.

    Each of ``pending`` carries demand_id, item_id, status, title, url and effective_date.
    """
    from vigia.classify.status import label

    shown = pending[:CONFIRM_BUTTONS]
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


def _digest_line(group: list[PendingAlert]) -> str:
    first = group[0]
    marker = STANCE_LABELS.get(first.stance, STANCE_LABELS["mention"])[0]
    item = first.item
    date = item.published.isoformat() if item.published else "s/f"
    line = (
        f"{marker} {safe_link(item.url, cut(item.title or item.url, 150))} · "
        f"{escape_mrkdwn(SOURCE_LABELS.get(item.kind, item.kind))}, {date}"
    )
    others = [a.item for a in group[1:]]
    if others:
        names = ", ".join(escape_mrkdwn(o.meta.get("outlet") or o.source) for o in others[:3])
        line += f" (+{len(others)}: {names})"
    return line


def coverage_text(coverage: list[dict[str, Any]]) -> str:
    """The digest footer: which sources ran, which failed, and how many items each read."""
    if not coverage:
        return "_Fuentes / Sources: ninguna ejecutada / none ran_"
    parts = []
    for source in coverage:
        name = escape_mrkdwn(str(source["source"]))
        if source.get("consecutive_failures"):
            error = escape_mrkdwn(cut(str(source.get("last_error") or "error"), 80))
            parts.append(f"✗ {name}: falla / failing ({error})")
        else:
            parts.append(
                f"✓ {name}: {source.get('items_read', 0)} leídos / read, "
                f"{source.get('items_new', 0)} nuevos / new"
            )
    return "*Cobertura / Coverage*\n" + "\n".join(parts)


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


def render_console_blocks(message: Message) -> str:
    """A stored message (a digest) for the console: its header and section texts."""
    lines = [f"[{message.channel}]"]
    for block in message.blocks:
        text = (block.get("text") or {}).get("text")
        if text:
            lines.append(_unescape(text))
    return "\n".join(lines)


def _unescape(text: str) -> str:
    text = re.sub(r"<(https?://[^|>]+)\|([^>]*)>", r"\2 (\1)", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _context(meta: dict[str, Any]) -> list[str]:
    # A source puts a display name beside a code ("edition_name": "Matutina"); show that.
    keys = (
        ("edition_name", "edición"),
        ("section", "sección"),
        ("issuer", ""),
        ("court", ""),
        ("case", ""),
        ("outlet", ""),
    )
    bits = []
    for key, label in keys:
        value = meta.get(key) or (meta.get("edition") if key == "edition_name" else None)
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


def render_status_change(key: str, demand: Demand, before: Any, after: Any) -> Message:
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
                        f"{demand.title['en']} · {SOURCE_LABELS.get(after.source_kind or '', '')}"
                    ),
                }
            ],
        }
    )
    text = escape_mrkdwn(
        f"◆ {demand.title['es']}: {label(before.status)} → {label(after.status)} "
        f"({after.since or 's/f'})"
    )
    return Message(key=key, channel=demand.channel, text=text, blocks=blocks)


def render_content(
    key: str,
    channel: str,
    content: dict[str, Any],
    demands: dict[str, Demand],
    alerts: list[PendingAlert],
) -> Message:
    """A message the outbox keeps as content, rendered now: a status change (demand, before,
    after) or a digest (day, coverage, moves to confirm, and the ``alerts`` it carries)."""
    if content["content"] == "status":
        before, after = (SimpleNamespace(**content[side]) for side in ("before", "after"))
        message = render_status_change(key, demands[content["demand_id"]], before, after)
        return replace(message, channel=channel)
    pending = [SimpleNamespace(**move) for move in content.get("pending", [])]
    coverage = content.get("coverage", [])
    return render_digest(key, channel, alerts, demands, coverage, content["day"], pending)
