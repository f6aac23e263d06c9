"""robots.txt rules (RFC 9309), parsed leniently enough for the DOF's file.

Python's ``urllib.robotparser`` ends a group at a blank line, so the DOF's
robots.txt (``User-agent: *``, a comment, a blank line, then every rule)
silently allows everything there (SOURCES.md §1.2). Here a group runs from
its ``User-agent`` lines to the next ``User-agent`` line after a rule, blank
lines included, and the longest matching rule wins, as RFC 9309 says.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class _Group:
    agents: list[str] = field(default_factory=list)
    rules: list[tuple[bool, str]] = field(default_factory=list)  # (allow, pattern)


@dataclass(frozen=True)
class RobotsRules:
    """The rules that apply to one user agent on one host."""

    rules: tuple[tuple[bool, str], ...] = ()

    def allows(self, url: str) -> bool:
        """True when the URL's path and query may be fetched."""
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        best: tuple[int, bool] | None = None
        for allow, pattern in self.rules:
            if pattern and _matches(pattern, target):
                # Longest pattern wins; on a tie, allow wins (RFC 9309 §2.2.2).
                candidate = (len(pattern), allow)
                if best is None or candidate > best:
                    best = candidate
        return True if best is None else best[1]


ALLOW_ALL = RobotsRules()
DISALLOW_ALL = RobotsRules(((False, "/"),))


def parse_robots(text: str, user_agent: str) -> RobotsRules:
    """Rules for ``user_agent`` (its product token), or for ``*`` when no group names it."""
    groups: list[_Group] = []
    current: _Group | None = None
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if ":" not in line:
            continue
        key, value = (part.strip() for part in line.split(":", 1))
        key = key.lower()
        if key == "user-agent":
            if current is None or current.rules:
                current = _Group()
                groups.append(current)
            current.agents.append(value.lower())
        elif key in ("allow", "disallow") and current is not None:
            current.rules.append((key == "allow", value))
    token = user_agent.split("/", 1)[0].strip().lower()
    named = [g for g in groups if token in g.agents]
    chosen = named or [g for g in groups if "*" in g.agents]
    return RobotsRules(tuple(rule for group in chosen for rule in group.rules))


def _matches(pattern: str, target: str) -> bool:
    """Whether a rule's path pattern (``*`` for any run, a final ``$`` for the end) matches.

    The literal pieces between stars are found left to right, each at its earliest place: with
    no other wildcard that is exact, and it takes one pass per piece. A regex of ``.*`` runs
    backtracks; a robots.txt crafted with many stars kept one busy for minutes.
    """
    anchored = pattern.endswith("$")
    pieces = (pattern[:-1] if anchored else pattern).split("*")
    first, *middle = pieces
    if not target.startswith(first):
        return False
    if not middle:
        return len(target) == len(first) if anchored else True
    position = len(first)
    *middle, last = middle
    for piece in middle:
        found = target.find(piece, position)
        if found < 0:
            return False
        position = found + len(piece)
    if anchored:
        return target.endswith(last) and len(target) - len(last) >= position
    return target.find(last, position) >= 0
