"""Which build of the classifier runs: the modules compiled by mypyc, or their Python sources.

``make`` compiles the hot modules (``scripts/compile_classifier.py``) into extension modules
beside their sources, and Python imports an extension before a source of the same name. So
that an edited source is never shadowed by an older build, the build records each source's
digest; where one differs, or ``VIGIA_COMPILED=0`` is set, the sources are loaded instead.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import sys
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

FOLDER = Path(__file__).resolve().parent
# In import order: each imports the ones before it.
MODULES = ("text", "reading", "matcher")
PACKAGE = "vigia.classify"
# The shared library mypyc builds for the group: vigia/classify/native_group__mypyc.*.so.
GROUP = f"{PACKAGE}.native_group"
DIGESTS = "compiled-sources.sha256"

log = logging.getLogger(__name__)


def compiled_files(folder: Path = FOLDER) -> list[Path]:
    """The extension modules built in ``folder`` (empty when none was built)."""
    names = [*MODULES, GROUP.rsplit(".", 1)[1] + "__mypyc"]
    return [
        path
        for name in names
        for suffix in EXTENSION_SUFFIXES
        if (path := folder / f"{name}{suffix}").exists()
    ]


def source_digests(folder: Path = FOLDER) -> str:
    """One line per compiled module: the SHA-256 of its source and its file name."""
    return "".join(
        f"{hashlib.sha256((folder / f'{name}.py').read_bytes()).hexdigest()}  {name}.py\n"
        for name in MODULES
    )


def is_built(folder: Path = FOLDER) -> bool:
    """Whether every module and the group's shared library were compiled into ``folder``."""
    return len(compiled_files(folder)) == len(MODULES) + 1


def is_current(folder: Path = FOLDER) -> bool:
    """Whether every module was compiled, from the sources now in ``folder``."""
    recorded = folder / DIGESTS
    return (
        is_built(folder)
        and recorded.exists()
        and recorded.read_text(encoding="utf-8") == source_digests(folder)
    )


def build() -> str:
    """How the classifier runs in this process: "compiled (mypyc)" or "Python sources"."""
    module = sys.modules.get(f"{PACKAGE}.matcher")
    if module is None or not (module.__file__ or "").endswith(tuple(EXTENSION_SUFFIXES)):
        return "Python sources"
    return "compiled (mypyc)"


def choose() -> None:
    """Load the sources in place of a build that is stale or turned off (before any import)."""
    if not compiled_files():
        return
    if os.environ.get("VIGIA_COMPILED", "1") == "0":
        _load_sources()
    elif not is_current():
        log.warning(
            "vigia: classify/*.py changed since they were compiled: running the sources "
            "(slower); `make` compiles them again"
        )
        _load_sources()


def _load_sources() -> None:
    # All or none: compiled modules call each other's native classes directly, so a compiled
    # module beside a source one would not see the source's classes.
    package = sys.modules[PACKAGE]
    for name in MODULES:
        full_name = f"{PACKAGE}.{name}"
        spec = importlib.util.spec_from_file_location(full_name, FOLDER / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[full_name] = module
        spec.loader.exec_module(module)
        setattr(package, name, module)
