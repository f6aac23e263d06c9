"""Recognise the same story told by several outlets, so it is alerted once.

Two news items are one event when their URLs are the same once normalised
(scheme, ``www.``/``amp.`` hosts, AMP paths, tracking parameters and trailing
slashes set aside), or when their titles share most of their words (Jaccard
similarity of accent-folded content words at or above ``TITLE_THRESHOLD``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit

from vigia.core.model import Story
from vigia.core.text import fold

TITLE_THRESHOLD = 0.6
_TRACKING = re.compile(r"^(utm_|fbclid$|gclid$|ocid$|oc$|ref$|cmpid$|mc_)")
_WORD = re.compile(r"[a-z0-9ñ]+")
# Function words carry no story; dropping them makes similarity about content.
_STOPWORDS = frozenset(
    """
    a al ante con contra de del desde el en entre la las lo los para por que se sin sobre su sus
    un una uno y o e ni es son fue han ha the of and to in on for with by at from is are was an
    as its it that this be has have will not mexico mexicano mexicana
""".split()
)


def normalise_url(url: str) -> str:
    """A URL reduced to what identifies an article across feeds and mirrors."""
    parts = urlsplit(url.strip())
    host = parts.netloc.lower().removeprefix("www.").removeprefix("amp.").removeprefix("m.")
    path = re.sub(r"/(amp|amp\.html)?/?$", "", parts.path) or "/"
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query) if not _TRACKING.match(k)))
    return f"{host}{path}" + (f"?{query}" if query else "")


def title_words(title: str) -> frozenset[str]:
    """The content words of a title, accent-folded."""
    return frozenset(w for w in _WORD.findall(fold(title)) if w not in _STOPWORDS and len(w) > 2)


def similar_titles(a: str, b: str) -> bool:
    """True when two titles share at least TITLE_THRESHOLD of their content words."""
    return _similar(title_words(a), title_words(b))


def _similar(left: frozenset[str], right: frozenset[str]) -> bool:
    if len(left) < 3 or len(right) < 3:
        return False  # too short to tell a story from a headline pattern
    return len(left & right) / len(left | right) >= TITLE_THRESHOLD


def assign_events(new: Iterable[Story], recent: Iterable[Story]) -> dict[str, str]:
    """Event id for each new story: a recent story's event when it is the same, else its own."""
    # URLs and title words are computed once per story, not once per comparison.
    known = [
        (story.event_id, normalise_url(story.url), title_words(story.title)) for story in recent
    ]
    assigned: dict[str, str] = {}
    for story in new:
        url, words = normalise_url(story.url), title_words(story.title)
        event = next(
            (
                event
                for event, other_url, other_words in known
                if other_url == url or _similar(words, other_words)
            ),
            story.item_id,
        )
        assigned[story.item_id] = event
        known.append((event, url, words))
    return assigned
