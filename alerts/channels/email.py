"""Email over SMTP (standard library): a plain-text and an HTML part rendered from the same
content, and a Message-ID derived from the outbox key.

The Message-ID is known before sending and recorded with the claim. SMTP cannot be asked what
it already took, so a message a crash left unrecorded is sent again with the same Message-ID:
the copy is the same message to mail systems, which keep one (the one window where that can
happen is between the server's acceptance and our record of it).
"""

from __future__ import annotations

import hashlib
import html
import re
import smtplib
import socket
import ssl
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate
from urllib.parse import unquote, urlsplit

from vigia.alerts.channels.base import Delivery, DeliveryFailed, WithoutHistory
from vigia.alerts.channels.verdict_links import VerdictLinks, legend
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
    confirm_command,
    cut,
    item_context,
    source_label,
    stance_label,
    story_line,
)
from vigia.alerts.plain import coverage_lines, plain_text, subject
from vigia.core.errors import ConfigError
from vigia.core.model import Notice, PendingAlert

ADDRESS = re.compile(r"^[^@\s<>,;:\"()\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$")
SCHEMES = {"smtp": ("plain", 25), "smtp+starttls": ("starttls", 587), "smtps": ("tls", 465)}
DEFAULT_SENDER = "vigia@localhost"


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to hand mail over: host, port, security, login and the From address."""

    host: str
    port: int
    security: str  # "plain", "starttls" or "tls"
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    sender: str = DEFAULT_SENDER
    timeout: float = 30.0

    @classmethod
    def from_url(
        cls, url: str, *, password: str | None = None, sender: str | None = None
    ) -> SmtpSettings:
        """Read ``smtp://host:port``, ``smtp+starttls://user:password@host:587`` or
        ``smtps://…``; ``password`` (from a secret store) wins over the URL's."""
        parts = urlsplit(url.strip())
        if parts.scheme not in SCHEMES or not parts.hostname:
            raise ConfigError(
                f"VIGIA_SMTP_URL must look like smtp://host:25, smtp+starttls://user:password@"
                f"host:587 or smtps://user:password@host:465; got scheme {parts.scheme!r}"
            )
        security, default_port = SCHEMES[parts.scheme]
        try:
            port = parts.port or default_port
        except ValueError as exc:
            raise ConfigError(f"VIGIA_SMTP_URL has a bad port: {exc}") from None
        user = unquote(parts.username) if parts.username else None
        secret = password or (unquote(parts.password) if parts.password else None)
        default_sender = user if user and "@" in user else DEFAULT_SENDER
        return cls(parts.hostname, port, security, user, secret, sender or default_sender)


class EmailChannel(WithoutHistory):
    """Send each message as one email to its destination's address."""

    name = "email"
    address_pattern = ADDRESS
    address_example = "email:team@example.org"

    def __init__(self, settings: SmtpSettings, links: VerdictLinks | None = None) -> None:
        self.settings = settings
        self.links = links
        self._smtp: smtplib.SMTP | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> EmailChannel | None:
        """Email when VIGIA_SMTP_URL is set, else None. VIGIA_SMTP_PASSWORD (the flows fill it
        from a Prefect Secret block) wins over the URL's password; VIGIA_EMAIL_FROM names the
        sender."""
        url = env.get("VIGIA_SMTP_URL", "").strip()
        if not url:
            return None
        password = env.get("VIGIA_SMTP_PASSWORD") or None
        sender = env.get("VIGIA_EMAIL_FROM", "").strip() or None
        settings = SmtpSettings.from_url(url, password=password, sender=sender)
        return cls(settings, VerdictLinks.from_env(env))

    def reference(self, message: Outgoing) -> str:
        """The Message-ID: the same for the same outbox key, so a resend is the same message."""
        digest = hashlib.sha256(message.key.encode()).hexdigest()[:32]
        domain = self.settings.sender.rpartition("@")[2].strip(">") or "localhost"
        return f"<{digest}.vigia@{domain}>"

    def send(self, message: Outgoing) -> Delivery:
        """Render the message as text and HTML and hand it to the SMTP server."""
        email = self.compose(message)
        with self._errors(message.address):
            self._connection().send_message(email, to_addrs=[message.address])
        return Delivery(via=self.name, place=message.address, ref=email["Message-ID"])

    def compose(self, message: Outgoing) -> EmailMessage:
        """The email for a message: headers, a plain-text part and an HTML part."""
        email = EmailMessage()
        email["From"] = self.settings.sender
        email["To"] = message.address
        email["Subject"] = _header_safe(subject(message))
        email["Date"] = formatdate(localtime=False)
        email["Message-ID"] = self.reference(message)
        if message.thread_ref:
            # The story's first email: mail clients show this one in its thread.
            email["In-Reply-To"] = message.thread_ref
            email["References"] = message.thread_ref
        email.set_content(plain_text(message) + _links_text(message, self.links))
        email.add_alternative(render_html(message, self.links), subtype="html")
        return email

    def close(self) -> None:
        """Say goodbye to the server, if a connection is open."""
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None

    def _connection(self) -> smtplib.SMTP:
        # One connection serves the whole dispatch; a dropped one is opened again.
        if self._smtp is not None:
            try:
                if self._smtp.noop()[0] == 250:
                    return self._smtp
            except (smtplib.SMTPException, OSError):
                pass
            self._smtp.close()
            self._smtp = None
        self._smtp = self._open()
        return self._smtp

    def _open(self) -> smtplib.SMTP:
        s = self.settings
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if s.security == "tls":
            smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        try:
            if s.security == "starttls":
                smtp.starttls(context=context)
            if s.user:
                smtp.login(s.user, s.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    @contextmanager
    def _errors(self, address: str) -> Iterator[None]:
        """Turn smtplib's errors into DeliveryFailed, saying whether a retry can help."""
        where = f"{self.settings.host}:{self.settings.port}"
        try:
            yield
        except (smtplib.SMTPAuthenticationError, smtplib.SMTPNotSupportedError) as exc:
            self._drop()
            raise DeliveryFailed(
                f"the SMTP server {where} refused the login or TLS: {_reply(exc)}",
                permanent=False,
                deployment=True,
            ) from None
        except smtplib.SMTPSenderRefused as exc:
            self._drop()
            raise DeliveryFailed(
                f"the SMTP server {where} refused the sender {self.settings.sender}: "
                f"{_reply(exc)} (set VIGIA_EMAIL_FROM)",
                permanent=False,
                deployment=True,
            ) from None
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise DeliveryFailed(
                f"the SMTP server {where} refused {address}: {codes}",
                permanent=all(code >= 500 for code in codes),
            ) from None
        except smtplib.SMTPResponseException as exc:
            raise DeliveryFailed(
                f"the SMTP server {where} refused the message for {address}: {_reply(exc)}",
                permanent=exc.smtp_code >= 500,
            ) from None
        except ssl.SSLError as exc:
            self._drop()
            raise DeliveryFailed(
                f"TLS with {where} failed: {exc}", permanent=False, deployment=True
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            # Refused or unresolved: never sent. Anything later (a drop, a timeout) may have
            # come after the server took the message.
            self._drop()
            never_sent = isinstance(exc, ConnectionRefusedError | socket.gaierror)
            raise DeliveryFailed(
                f"SMTP server {where} unreachable: {type(exc).__name__}: {exc}",
                permanent=False,
                ambiguous=not never_sent,
            ) from None

    def _drop(self) -> None:
        if self._smtp is not None:
            self._smtp.close()
            self._smtp = None


def _reply(exc: smtplib.SMTPException) -> str:
    if not isinstance(exc, smtplib.SMTPResponseException):
        return str(exc)
    text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else ""
    return f"{exc.smtp_code} {text}".strip()


def _header_safe(text: str) -> str:
    # A scraped title must not add header lines; cut() already folded its whitespace.
    return "".join(ch if ch.isprintable() else " " for ch in text)


# -- HTML ---------------------------------------------------------------------------------


JUDGE_PROMPT = "¿Es correcta? / Is it right?"


def _links_text(message: Outgoing, links: VerdictLinks | None) -> str:
    # An alert's verdict links, as the plain-text part lists them.
    if links is None or not isinstance(message.body, AlertBody):
        return ""
    alert = message.body.alert
    lines = [
        f"  {label}: {url}"
        for label, url in links.choices(alert.key, alert.stance, message.address)
    ]
    return "\n\n" + JUDGE_PROMPT + "\n" + "\n".join(lines) + "\n"


def _links_html(alert: PendingAlert, address: str, links: VerdictLinks | None, short: bool) -> str:
    # Links that open the page where the person confirms a verdict; a digest line's show only
    # each verdict's mark.
    if links is None:
        return ""
    shown = [
        f'<a href="{_e(url)}" title="{_e(label)}">{_e(label.split(" ")[0] if short else label)}</a>'
        for label, url in links.choices(alert.key, alert.stance, address)
    ]
    return (
        (" " if short else f"<p><small>{_e(JUDGE_PROMPT)} ")
        + " · ".join(shown)
        + ("" if short else "</small></p>")
    )


def render_html(message: Outgoing, links: VerdictLinks | None = None) -> str:
    """The message as a small HTML document; every scraped field escaped; with ``links``, each
    alert and digest story carries its verdict links."""
    body = message.body
    if isinstance(body, AlertBody):
        inner = _alert_html(body) + _links_html(body.alert, message.address, links, short=False)
    elif isinstance(body, Notice):
        marker, label_es, label_en = NOTICE_LABELS[body.kind]
        inner = f"<h2>{_e(f'{marker} {label_es} / {label_en}: {body.source}')}</h2>"
        inner += f"<p>{_e(body.summary)}</p>"
    elif isinstance(body, StatusBody):
        inner = _status_html(body)
    elif isinstance(body, DigestBody):
        inner = _digest_html(body, message.address, links)
    else:
        inner = f"<pre>{_e(plain_text(message))}</pre>"
    return f'<!DOCTYPE html>\n<html><body style="font-family:sans-serif">{inner}</body></html>\n'


def _alert_html(body: AlertBody) -> str:
    alert, item = body.alert, body.alert.item
    marker, label_es, label_en = stance_label(alert.stance)
    date = item.published.isoformat() if item.published else "sin fecha / undated"
    details = " · ".join(
        [f"{source_label(item.kind)} · {item.source}", date, *item_context(item.meta)]
    )
    title_es, title_en = body.demand.title["es"], body.demand.title["en"]
    return (
        f"<h2>{_e(f'{marker} {label_es} / {label_en} · {title_es}')}</h2>"
        f"<p><strong>{_link(item.url, cut(item.title or item.url, TITLE_LIMIT))}</strong></p>"
        f"<blockquote>{_e(cut(alert.evidence, QUOTE_LIMIT))}</blockquote>"
        f"<p><small>{_e(details)}<br>"
        f"{_e(f'{title_en} · score {alert.score:.2f} · {alert.rule}')}"
        "</small></p>"
    )


def _status_html(body: StatusBody) -> str:
    from vigia.classify.status import label

    before, after = body.before, body.after
    title_es = body.demand.title["es"]
    parts = [
        f"<h2>{_e(f'◆ Estado / Status · {title_es}')}</h2>",
        f"<p><strong>{_e(f'{label(before.status)} → {label(after.status)}')}</strong><br>",
        _e(f"{label(before.status, 'en')} → {label(after.status, 'en')} · {after.since or 's/f'}"),
        "</p>",
    ]
    if after.evidence_url:
        title = cut(after.evidence_title or after.evidence_url, TITLE_LIMIT)
        parts.append(f"<p>{_link(after.evidence_url, title)}</p>")
        if after.evidence_quote:
            parts.append(f"<blockquote>{_e(cut(after.evidence_quote, QUOTE_LIMIT))}</blockquote>")
    return "".join(parts)


def _digest_html(body: DigestBody, address: str = "", links: VerdictLinks | None = None) -> str:
    from vigia.classify.status import label

    parts = [f"<h2>{_e(f'Resumen diario / Daily digest · {body.day}')}</h2>"]
    if links is not None and body.alerts:
        parts.append(f"<p><small>{_e(f'{JUDGE_PROMPT} {legend()}')}</small></p>")
    for demand, stories in body.by_demand():
        heading = f"{demand.title['es']} / {demand.title['en']} ({len(stories)})"
        parts.append(f"<h3>{_e(heading)}</h3><ul>")
        parts.extend(
            f"<li>{_story_html(story)}{_links_html(story[0], address, links, short=True)}</li>"
            for story in stories[:DIGEST_LINES_PER_DEMAND]
        )
        hidden = len(stories) - DIGEST_LINES_PER_DEMAND
        if hidden > 0:
            parts.append(f"<li>… y {hidden} más / and {hidden} more</li>")
        parts.append("</ul>")
    if body.pending:
        parts.append(
            "<h3>Por confirmar / To confirm</h3>"
            "<p><small>sólo la prensa lo respalda / only the press backs it</small></p><ol>"
        )
        for move in body.pending[:CONFIRM_SHOWN]:
            what = f"{body.demands[move.demand_id].title['es']}: {label(move.status)}"
            link = _link(move.url, cut(move.title or move.url, 120))
            command = f"<br><code>{_e(confirm_command(move))}</code>"
            parts.append(f"<li>{_e(what)} · {link} ({_e(str(move.effective_date))}){command}</li>")
        parts.append("</ol>")
    parts.append("<h3>Cobertura / Coverage</h3><ul>")
    parts.extend(f"<li>{_e(line)}</li>" for line in coverage_lines(body.coverage))
    parts.append("</ul>")
    return "".join(parts)


def _story_html(story: list[PendingAlert]) -> str:
    line = story_line(story)
    text = f"{_e(line.marker)} {_link(line.url, line.title)} · {_e(line.source)}, {_e(line.date)}"
    if line.others:
        text += _e(f" (+{line.others}: {', '.join(line.other_names)})")
    return text


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _link(url: str, label: str) -> str:
    """A link to an http(s) URL, or the escaped label alone for any other URL."""
    if urlsplit(url).scheme not in ("http", "https") or any(ch.isspace() for ch in url):
        return _e(label)
    return f'<a href="{_e(url)}">{_e(label)}</a>'
