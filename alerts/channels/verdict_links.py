"""Verdicts by email: signed links to a page on the verdict endpoint where a person confirms.

An email cannot carry buttons, so each alert and digest story it shows carries links, one per
verdict (relevant, not relevant, or the direction that was right). A link only opens a page: mail
scanners follow every link they see, so the verdict is recorded when the person presses the
page's button (a POST). A link names the alert by its ``alert_ref``, the verdict, the address
it was sent to and the day it was written, and is signed with the operator's secret
(HMAC-SHA256), so nobody can forge one or change what it says; it works for a year.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode, urlsplit

from vigia.alerts.channels.slack_actions import LINK_PATH, Refused, Verdict, chosen_verdict
from vigia.alerts.channels.slack_blocks import VERDICT_CHOICES, choices_for
from vigia.core.errors import ConfigError
from vigia.core.model import alert_ref

MIN_SECRET_LENGTH = 16
LINK_DAYS = 365  # a leaked email's links stop working after a year
_SIGNATURE_LENGTH = 32  # hex digits: 128 bits
# A link's fields: the alert's reference, the verdict, the address, the day, the signature.
LINK_FIELDS = ("a", "v", "to", "d", "s")


def legend() -> str:
    """Every verdict a link may give, its mark first: said once above a digest whose lines
    show only the marks (a phone's mail shows no hover text)."""
    return " · ".join(VERDICT_CHOICES.values())


@dataclass(frozen=True)
class VerdictLinks:
    """Where the verdict endpoint is reachable, and the secret its links are signed with."""

    base_url: str
    secret: str

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> VerdictLinks | None:
        """Links when VIGIA_VERDICT_URL and VIGIA_VERDICT_SECRET are both set, else None."""
        base = env.get("VIGIA_VERDICT_URL", "").strip().rstrip("/")
        secret = env.get("VIGIA_VERDICT_SECRET", "")
        if not base and not secret:
            return None
        if not base or not secret:
            raise ConfigError(
                "VIGIA_VERDICT_URL and VIGIA_VERDICT_SECRET go together: the endpoint's public "
                "address (https://…, where `vigia slack-endpoint` answers) and the links' secret"
            )
        if urlsplit(base).scheme not in ("http", "https"):
            raise ConfigError(f"VIGIA_VERDICT_URL must be an http(s) address, not {base!r}")
        if len(secret) < MIN_SECRET_LENGTH:
            raise ConfigError(
                f"VIGIA_VERDICT_SECRET must hold at least {MIN_SECRET_LENGTH} characters"
            )
        return cls(base, secret)

    def choices(
        self, key: str, stance: str, address: str, issued: date | None = None
    ) -> list[tuple[str, str]]:
        """(label, link) for each verdict the person at ``address`` may give the alert ``key``
        (of ``stance``: its own direction is no correction), dated ``issued`` (today)."""
        ref, day = alert_ref(key), (issued or _today()).isoformat()
        return [
            (label, self._link(ref, choice, address, day)) for choice, label in choices_for(stance)
        ]

    def read(self, fields: Mapping[str, str], today: date | None = None) -> Verdict:
        """The verdict a link's fields carry; Refused unless they are as signed (403) and the
        link is younger than LINK_DAYS (410)."""
        ref, choice, address, day, signature = (fields.get(name, "") for name in LINK_FIELDS)
        expected = self._signature(ref, choice, address, day)
        who = {
            "user_id": f"email:{address}",
            "user_name": address,
            "channel": None,
            "message_ts": None,
        }
        verdict = chosen_verdict(choice, ref, who)
        if verdict is None or not hmac.compare_digest(signature, expected):
            raise Refused(403, "this link is not one Vigía sent, or it was changed")
        if (today or _today()) - date.fromisoformat(day) > timedelta(days=LINK_DAYS):
            raise Refused(410, f"this link is older than {LINK_DAYS} days: judge the alert anew")
        return verdict

    def _link(self, ref: str, choice: str, address: str, day: str) -> str:
        signature = self._signature(ref, choice, address, day)
        query = urlencode(
            dict(zip(LINK_FIELDS, (ref, choice, address, day, signature), strict=True))
        )
        return f"{self.base_url}{LINK_PATH}?{query}"

    def _signature(self, ref: str, choice: str, address: str, day: str) -> str:
        signed = f"{ref}\n{choice}\n{address}\n{day}".encode()
        digest = hmac.new(self.secret.encode(), signed, hashlib.sha256).hexdigest()
        return digest[:_SIGNATURE_LENGTH]


def _today() -> date:
    return datetime.now(UTC).date()
