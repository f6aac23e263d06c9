"""Compile the classifier's hot modules with mypyc, beside their sources.

mypyc (part of mypy) turns the type-annotated modules into C extensions; the classifier's
matches are the same, in less time. It needs a C compiler and Python's headers. Where the
build fails, the sources run as before and this exits non-zero (``make`` then says so and goes
on). ``vigia.classify.native`` loads the sources instead of a build they no longer match.

    .venv/bin/python scripts/compile_classifier.py          # build (about half a minute)
    .venv/bin/python scripts/compile_classifier.py --clean  # remove the build
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scripts.typecheck import linked_layout  # noqa: E402 - the wheel's layout, shared with mypy

FOLDER = ROOT / "classify"
# Loaded by its path, alone: importing the package would import the build it is to replace.
_spec = importlib.util.spec_from_file_location("vigia_native_build", FOLDER / "native.py")
assert _spec is not None and _spec.loader is not None
native = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(native)
# Run in a fresh interpreter inside the linked layout, where the folder is vigia/classify; the
# extensions land in place, that is in the repository's classify/ (the layout links to it).
_BUILD = """
import sys
from mypyc.build import mypycify
from setuptools import setup
modules, group, temp = sys.argv[1].split(","), sys.argv[2], sys.argv[3]
extensions = mypycify(
    ["--ignore-missing-imports", *(f"vigia/classify/{m}.py" for m in modules)],
    group_name=group,
    target_dir=temp + "/c",
)
setup(
    name="vigia-classifier-native",
    ext_modules=extensions,
    script_args=["build_ext", "--inplace", "--build-temp", temp + "/o", "--quiet"],
)
"""


def clean() -> None:
    """Remove every compiled module and the record of its sources."""
    for path in [*native.compiled_files(FOLDER), FOLDER / native.DIGESTS]:
        path.unlink(missing_ok=True)


def compile_modules() -> int:
    """Build the extensions; on success record the sources they came from. Returns 0 or 1."""
    clean()
    digests = native.source_digests(FOLDER)
    layout = linked_layout(ROOT / "build" / "native")
    temp = ROOT / "build" / "native-temp"
    done = subprocess.run(
        [sys.executable, "-c", _BUILD, ",".join(native.MODULES), native.GROUP, str(temp)],
        cwd=layout,
        capture_output=True,
        text=True,
        env={**os.environ, "MYPY_CACHE_DIR": str(ROOT / "build" / "mypy-native")},
    )
    if done.returncode != 0 or not native.is_built(FOLDER):
        clean()
        print(done.stdout[-3000:] + done.stderr[-3000:], file=sys.stderr)
        print("vigia: the classifier was not compiled; its Python sources run.", file=sys.stderr)
        return 1
    if native.source_digests(FOLDER) != digests:
        # A source was edited while it compiled: the build may be of either version.
        clean()
        print("vigia: a source changed during the build; run it again.", file=sys.stderr)
        return 1
    (FOLDER / native.DIGESTS).write_text(digests, encoding="utf-8")
    print(f"vigia: compiled {', '.join(native.MODULES)} in classify/ with mypyc")
    return 0


def main() -> int:
    """Build, or with ``--clean`` remove, the compiled classifier."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clean", action="store_true", help="remove the compiled modules")
    if parser.parse_args().clean:
        clean()
        return 0
    return compile_modules()


if __name__ == "__main__":
    sys.exit(main())
