"""robots.txt rules for one user agent, read by Protego (Scrapy's RFC 9309 parser).

Python's ``urllib.robotparser`` ends a group at a blank line, so the DOF's robots.txt
(``User-agent: *``, a comment, a blank line, then every rule) silently allows everything
there (docs/reference/SOURCES.md §1.2). Protego keeps such a group whole, lets the longest
matching rule win, and matches ``*`` and ``$`` without backtracking on hostile files.
"""

from __future__ import annotations

from dataclasses import dataclass

from protego import Protego


@dataclass(frozen=True)
class RobotsRules:
    """The rules of one host's robots.txt, as they apply to one user agent."""

    parsed: Protego
    user_agent: str

    def allows(self, url: str) -> bool:
        """True when the URL's path and query may be fetched."""
        return bool(self.parsed.can_fetch(url, self.user_agent))


def parse_robots(text: str, user_agent: str) -> RobotsRules:
    """Rules for ``user_agent`` (its group, or ``*`` when no group names it)."""
    return RobotsRules(Protego.parse(text), user_agent)


ALLOW_ALL = parse_robots("", "*")
DISALLOW_ALL = parse_robots("User-agent: *\nDisallow: /\n", "*")
