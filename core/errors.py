"""Every error Vigía raises on purpose, for all its rooms.

    VigiaError
    ├── ConfigError          a settings, sources or demands file is wrong
    ├── FetchError           an HTTP request failed for good (keeps url and status)
    │   ├── TooLarge         the response passed the size cap
    │   ├── Disallowed       robots.txt forbids the URL, so it was not requested
    │   ├── EgressDenied     the URL led to a private or reserved address not allowed
    │   ├── DeadlineExceeded the request or the source's run took longer than allowed
    │   └── RetryLater       the server asked to wait longer than the cap: next run
    ├── ParseError           a page did not have the shape we expect
    │   └── WrongDay         the gazette answered with another day's index
    ├── EmptyResult          a source that always publishes returned nothing
    ├── StorageError         the store could not be opened or written
    ├── AlertError           an alert could not be delivered
    └── RunFailed            a run ended with failed sources or alerts (after the rest went out)

Callers catch ``VigiaError``; tests assert the leaf types.
"""

from __future__ import annotations


class VigiaError(Exception):
    """Base class of every error Vigía raises on purpose."""


class ConfigError(VigiaError):
    """A configuration file is invalid; the message says where and how to fix it."""


class FetchError(VigiaError):
    """An HTTP request failed after the allowed retries."""

    def __init__(self, message: str, *, url: str, status: int | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.status = status


class TooLarge(FetchError):
    """A response body was larger than the configured cap."""


class Disallowed(FetchError):
    """robots.txt forbids fetching the URL; it was not requested."""


class EgressDenied(FetchError):
    """The URL (or a redirect) led to an address the egress policy does not allow."""


class DeadlineExceeded(FetchError):
    """A request, or a source's whole run, passed its deadline and was given up."""


class RetryLater(FetchError):
    """The server asked (Retry-After) to wait longer than the cap; the next run tries again."""


class ParseError(VigiaError):
    """A fetched page could not be parsed into items."""


class WrongDay(ParseError):
    """The gazette served the index of a different day than the one requested."""


class EmptyResult(VigiaError):
    """A source that always publishes returned no items."""


class StorageError(VigiaError):
    """The DuckDB store could not be opened or written."""


class AlertError(VigiaError):
    """An alert could not be delivered."""


class RunFailed(VigiaError):
    """A run ended with failed sources or undeliverable alerts, after everything else went out."""
