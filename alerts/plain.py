"""Messages as plain text (pure): what the console prints and an email's text part carries.

No markup of any channel: links are written out as URLs. The text is not escaped here; each
place that shows it escapes it for itself (the console for the terminal, email's HTML part is
rendered separately).
"""

from __future__ import annotations

import re

from vigia.alerts.content import (
    CONFIRM_SHOWN,
    DIGEST_LINES_PER_DEMAND,
    NOTICE_LABELS,
    TITLE_LIMIT,
    AlertBody,
    DigestBody,
    Outgoing,
    StatusBody,
    confirm_command,
    cut,
    failing_sources,
    item_context,
    source_label,
    stance_label,
    story_line,
)
from vigia.core.model import Notice, PendingAlert

SUBJECT_LIMIT = 180


def subject(message: Outgoing) -> str:
    """One line that says what the message is (an email's subject)."""
    body = message.body
    if isinstance(body, AlertBody):
        marker, label_es, label_en = stance_label(body.alert.stance)
        title = body.alert.item.title or body.alert.item.url
        line = f"{marker} {label_es} / {label_en} · {body.demand.title['es']}: {title}"
    elif isinstance(body, Notice):
        marker, label_es, label_en = NOTICE_LABELS[body.kind]
        line = f"{marker} {label_es} / {label_en}: {body.source}"
    elif isinstance(body, StatusBody):
        from vigia.classify.status import label

        change = f"{label(body.before.status)} → {label(body.after.status)}"
        line = f"◆ Estado / Status · {body.demand.title['es']}: {change}"
    elif isinstance(body, DigestBody):
        line = f"Resumen diario / Daily digest · {body.day}"
    else:
        line = unescape_mrkdwn(body.text) or message.key
    return cut(line.splitlines()[0] if line else message.key, SUBJECT_LIMIT)


def plain_text(message: Outgoing) -> str:
    """The whole message as lines of plain text."""
    body = message.body
    if isinstance(body, AlertBody):
        return _alert(body)
    if isinstance(body, Notice):
        marker, label_es, label_en = NOTICE_LABELS[body.kind]
        return f"{marker} {label_es} / {label_en}: {body.source}\n  {body.summary}"
    if isinstance(body, StatusBody):
        return _status(body)
    if isinstance(body, DigestBody):
        return _digest(body)
    lines = [(block.get("text") or {}).get("text") for block in body.blocks]
    return "\n".join(unescape_mrkdwn(line) for line in lines if line) or unescape_mrkdwn(body.text)


def _alert(body: AlertBody) -> str:
    alert, item = body.alert, body.alert.item
    marker, label_es, label_en = stance_label(alert.stance)
    origin = " · ".join(dict.fromkeys([item.kind, item.source]))
    lines = [
        f"{marker} {label_es} / {label_en} · {body.demand.title['es']} ({alert.demand_id})",
        f"  {cut(item.title, TITLE_LIMIT)}",
        f"  {item.url}",
        f"  {origin} · {item.published or 'undated'}"
        + "".join(f" · {bit}" for bit in item_context(item.meta)),
        f"  “{cut(alert.evidence, 300)}”",
        f"  rule: {alert.rule}",
    ]
    return "\n".join(lines)


def _status(body: StatusBody) -> str:
    from vigia.classify.status import label

    before, after = body.before, body.after
    lines = [
        f"◆ Estado / Status · {body.demand.title['es']}",
        f"  {label(before.status)} → {label(after.status)}",
        f"  {label(before.status, 'en')} → {label(after.status, 'en')} · {after.since or 's/f'}",
    ]
    if after.evidence_url:
        lines.append(f"  {cut(after.evidence_title or after.evidence_url, TITLE_LIMIT)}")
        lines.append(f"  {after.evidence_url}")
        if after.evidence_quote:
            lines.append(f"  “{cut(after.evidence_quote, 300)}”")
    lines.append(f"  {body.demand.title['en']} · {source_label(after.source_kind or '')}")
    return "\n".join(lines)


def _digest(body: DigestBody) -> str:
    lines = [f"Resumen diario / Daily digest · {body.day}"]
    for demand, stories in body.by_demand():
        lines.append(f"{demand.title['es']} / {demand.title['en']} ({len(stories)})")
        lines.extend(f"  {digest_line(story)}" for story in stories[:DIGEST_LINES_PER_DEMAND])
        hidden = len(stories) - DIGEST_LINES_PER_DEMAND
        if hidden > 0:
            lines.append(f"  … y {hidden} más / and {hidden} more")
    lines.extend(confirm_lines(body))
    lines.append("Cobertura / Coverage")
    lines.extend(f"  {line}" for line in coverage_lines(body.coverage))
    return "\n".join(lines)


def digest_line(story: list[PendingAlert]) -> str:
    """One story of a digest: stance, title, source and date, link, and the other outlets."""
    line = story_line(story)
    text = f"{line.marker} {line.title} · {line.source}, {line.date} · {line.url}"
    if line.others:
        text += f" (+{line.others}: {', '.join(line.other_names)})"
    return text


def confirm_lines(body: DigestBody) -> list[str]:
    """The status moves only the press backs, waiting for a person to confirm them."""
    from vigia.classify.status import label

    if not body.pending:
        return []
    lines = ["Por confirmar / To confirm (sólo la prensa lo respalda / only the press backs it)"]
    for n, move in enumerate(body.pending[:CONFIRM_SHOWN], start=1):
        lines.append(
            f"  {n}. {body.demands[move.demand_id].title['es']}: {label(move.status)} · "
            f"{cut(move.title or move.url, 120)} ({move.effective_date}) {move.url}\n"
            f"     {confirm_command(move)}"
        )
    if len(body.pending) > CONFIRM_SHOWN:
        lines.append(f"  … y {len(body.pending) - CONFIRM_SHOWN} más / and more: `vigia status`")
    return lines


def coverage_lines(coverage: list[dict[str, object]]) -> list[str]:
    """Which sources ran, which failed, and how many items each read."""
    if not coverage:
        return ["Fuentes / Sources: ninguna ejecutada / none ran"]
    failing = set(failing_sources(coverage))
    lines = []
    for source in coverage:
        name = str(source["source"])
        if name in failing:
            lines.append(
                f"✗ {name}: falla / failing ({cut(str(source.get('last_error') or 'error'), 80)})"
            )
        else:
            lines.append(
                f"✓ {name}: {source.get('items_read', 0)} leídos / read, "
                f"{source.get('items_new', 0)} nuevos / new"
            )
    return lines


def unescape_mrkdwn(text: str) -> str:
    """Slack mrkdwn (from rows queued rendered) as plain text: links written out, no escapes."""
    text = re.sub(r"<(https?://[^|>]+)\|([^>]*)>", r"\2 (\1)", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
