"""Read a configuration file as YAML, bounded: a size cap, and no aliases.

YAML aliases let a few hundred bytes stand for billions of nodes once walked ("billion
laughs"); a campaign's demands and sources never need them, so a file that uses one is refused
with its line. Errors name the file, not ``<unicode string>``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from vigia.core.errors import ConfigError

MAX_CONFIG_BYTES = 2_000_000


class _NoAliasLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing ``*alias`` references."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not accepted in configuration", event.start_mark
            )
        return super().compose_node(parent, index)

    def construct_yaml_timestamp(self, node: Any) -> Any:
        # YAML reads 2026-02-30 as a date and fails with a bare ValueError; say where it is.
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError as exc:
            raise yaml.constructor.ConstructorError(
                None, None, f"{node.value!r} is not a real date ({exc})", node.start_mark
            ) from exc


_NoAliasLoader.add_constructor(
    "tag:yaml.org,2002:timestamp", _NoAliasLoader.construct_yaml_timestamp
)


def load_yaml_file(path: str | Path, what: str) -> Any:
    """The YAML document in ``path`` (``what`` names it in errors: "demands file", ...)."""
    return load_yaml_text(read_config_text(path, what), str(path), what)


def read_config_text(path: str | Path, what: str, *, max_bytes: int = MAX_CONFIG_BYTES) -> str:
    """The text of a configuration file, refused when over ``max_bytes`` or not UTF-8."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            raw = handle.read(max_bytes + 1)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the {what} ({exc.strerror})") from exc
    if len(raw) > max_bytes:
        raise ConfigError(f"{path}: the {what} is over {max_bytes:,} bytes; is it the right file?")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: the {what} is not UTF-8 text ({exc.reason})") from exc


def load_yaml_text(text: str, name: str, what: str) -> Any:
    """The YAML document in ``text``, read from the file called ``name``."""
    loader = _NoAliasLoader(text)
    loader.name = name  # marks in errors say "in 'demands.yaml', line 3"
    try:
        return loader.get_single_data()
    except yaml.YAMLError as exc:
        raise ConfigError(f"{name}: the {what} is not valid YAML: {_one_line(exc)}") from exc
    finally:
        loader.dispose()


def _one_line(exc: yaml.YAMLError) -> str:
    """PyYAML's several-line message as one: the line and column, then what is wrong."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    return where + (f"{context}: " if context else "") + problem
