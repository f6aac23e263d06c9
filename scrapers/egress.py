"""Where the HTTP client may connect: public addresses, plus those an operator allows.

A feed, a page or a redirect chooses the next URL, so a hostile source could point the client
at the machine's own services (127.0.0.1 on another port), the local network (10/8, 192.168/16)
or a cloud metadata endpoint (169.254.169.254). The client checks the address it actually
connected to, on every hop, against this policy; what a name resolves to at that moment is what
counts, so a name that later changes its address gains nothing.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from vigia.core.errors import ConfigError

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class _Allowed:
    network: Network
    port: int | None  # None: every port


def _parse_entry(entry: str) -> _Allowed:
    """``ADDRESS``, ``ADDRESS/PREFIX``, ``IPv4:PORT`` or ``[IPv6]:PORT``."""
    text = str(entry).strip()
    port: int | None = None
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = int(rest[1:]) if rest.startswith(":") else None
    elif text.count(":") == 1:
        host, port_text = text.split(":")
        port = int(port_text)
    else:
        host = text
    return _Allowed(ipaddress.ip_network(host, strict=False), port)


class EgressPolicy:
    """Public addresses are allowed; private, loopback, link-local, multicast and reserved
    ones only when listed in ``allow`` (the ``http.allow_addresses`` setting)."""

    def __init__(self, allow: tuple[str, ...] | list[str] = ()) -> None:
        try:
            self._allowed = tuple(_parse_entry(entry) for entry in allow)
        except ValueError as exc:
            raise ConfigError(
                f"http.allow_addresses: {exc}; write an address, a network (10.0.0.0/8), "
                "ADDRESS:PORT or [IPv6]:PORT"
            ) from exc

    def allows(self, host: str, port: int) -> bool:
        """Whether a connection to ``host`` (an IP address) on ``port`` may be used."""
        try:
            address = ipaddress.ip_address(host.split("%", 1)[0])
        except ValueError:
            return False
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped  # ::ffff:10.0.0.1 is 10.0.0.1
        if any(address in rule.network and rule.port in (None, port) for rule in self._allowed):
            return True
        return _is_public(address)


def _is_public(address: Address) -> bool:
    # is_global leaves out private, loopback, link-local, shared (100.64/10), reserved and
    # documentation ranges; multicast and IPv6 tunnels that embed an IPv4 address are out too.
    if not address.is_global or address.is_multicast:
        return False
    return not (
        isinstance(address, ipaddress.IPv6Address)
        and (address.sixtofour is not None or address.teredo is not None)
    )
