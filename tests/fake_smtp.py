"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it accepts, for the email tests.

It can refuse a recipient with a chosen reply, ask for a login, and hold a message's DATA
until released, so a test can kill the sender while the server has the message but has not
accepted it. A held message whose client goes away is not kept (aiosmtpd cancels the
handler when the connection drops), like a server that never gave its final answer.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.polling import free_port


@dataclass
class Mailbox:
    """What the server accepted, and how it should answer the next ones."""

    messages: list[EmailMessage] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)  # recipient → SMTP reply
    hold_after: int | None = None  # hold the DATA of the message after this many accepted
    held: threading.Event = field(default_factory=threading.Event)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.hold_after is not None and len(self.messages) >= self.hold_after:
            self.held.set()
            while True:  # until the client goes away (cancelled) or the test releases it
                await asyncio.sleep(0.05)
                if self.hold_after is None:
                    break
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def message_ids(self) -> list[str]:
        """The Message-ID of every accepted message, in order."""
        return [str(m["Message-ID"]) for m in self.messages]

    def to(self, address: str) -> list[EmailMessage]:
        """The accepted messages addressed to ``address``."""
        return [m for m in self.messages if address in str(m["X-Envelope-To"])]


class FakeSmtp:
    """The server and its mailbox; ``url`` is what VIGIA_SMTP_URL would name."""

    def __init__(self, *, login: tuple[str, str] | None = None) -> None:
        self.mailbox = Mailbox()
        self.port = free_port()
        self._login = login
        kwargs: dict[str, Any] = {}
        if login is not None:
            kwargs = {"authenticator": self._authenticate, "auth_require_tls": False}
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port, **kwargs)

    @property
    def url(self) -> str:
        """smtp://127.0.0.1:<port>, with the login when the server asks for one."""
        if self._login is None:
            return f"smtp://127.0.0.1:{self.port}"
        user, password = self._login
        return f"smtp://{user.replace('@', '%40')}:{password}@127.0.0.1:{self.port}"

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and self._login == (
            auth_data.login.decode(),
            auth_data.password.decode(),
        )
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535

    def __enter__(self) -> FakeSmtp:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()
