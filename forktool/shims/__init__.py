"""Shim distributions: extensions written for the original run unchanged on the fork.

A shim is an installable distribution named like the original (``Flask``), versioned like
the release the fork mirrors and depending on the fork pinned exactly (``Framework==3.1.3``).
Its ``flask`` package holds no copy of anything: importing it puts a ``sys.meta_path``
finder in front, then replaces itself in ``sys.modules`` with ``framework``. The finder serves
every ``flask.<x>`` as the very module object ``framework.<x>`` (imported on demand), and gives
that module its own ``__spec__`` back, so ``flask.Flask is framework.Flask``, signals are
shared, ``mock.patch("flask.x.y")`` patches the real module and old pickles load. ``.pyi``
stubs re-export the fork's types under the old names for type checkers, and the old console
scripts run the fork's.

Everything is derived from the fork's source tree and the rename map, so any upstream works.
:func:`plan` computes the shim (pure, printable); :func:`write` writes a source tree and a
wheel; :func:`generate` does both. See docs/shims.md for what still differs for users.

This module is the public API and the :func:`generate` step; the work is done by:

- :mod:`~forktool.shims.model`: :class:`ShimPlan`, :class:`ShimResult`, :class:`ShimError`.
- :mod:`~forktool.shims.fork_tree`: the fork tree's files and the modules of a package in it.
- :mod:`~forktool.shims.fork_metadata`: what the fork declares (name, version, scripts, ...).
- :mod:`~forktool.shims.runtime`: the alias-finder runtime, each old package's ``__init__.py``.
- :mod:`~forktool.shims.stubs`: the ``.pyi`` stubs.
- :mod:`~forktool.shims.planning`: :func:`plan` and :func:`default_shim_version`.
- :mod:`~forktool.shims.dist_files`: ``pyproject.toml``, ``README.md``, METADATA, entry points.
- :mod:`~forktool.shims.wheel`: the wheel, built in memory.
- :mod:`~forktool.shims.manifest`: the record of what forktool generated in an output
  directory (``.forktool-shim.json``), the proof it touches nothing else.
- :mod:`~forktool.shims.writing`: :func:`write`, the source tree and wheel on disk.

Imports point one way: each module imports only those listed above it.
"""

from __future__ import annotations

from pathlib import Path

from forktool.model import RenameMap, Tree
from forktool.shims.dist_files import source_files
from forktool.shims.model import GENERATED, ShimError, ShimPlan, ShimResult
from forktool.shims.planning import default_shim_version, plan
from forktool.shims.runtime import FINDER_PROTOCOL
from forktool.shims.wheel import GENERATOR, wheel_bytes
from forktool.shims.writing import is_complete, write

__all__ = [
    "is_complete",
    "FINDER_PROTOCOL",
    "GENERATED",
    "GENERATOR",
    "ShimError",
    "ShimPlan",
    "ShimResult",
    "default_shim_version",
    "generate",
    "plan",
    "source_files",
    "wheel_bytes",
    "write",
]


def generate(
    fork_tree: Path | Tree,
    rename: RenameMap,
    version: str,
    out_dir: Path,
    *,
    shim_version: str | None = None,
) -> ShimResult:
    """Plan the shim for ``fork_tree`` and write it below ``out_dir``.

    Writes ``out_dir/<Dist>-shim/`` (a source tree) and
    ``out_dir/<dist>-<version>-py3-none-any.whl``. See :func:`plan` and :func:`write`.

    Raises:
        ShimError: bad input (the message says which, the hint what to do).
    """
    return write(plan(fork_tree, rename, version, shim_version=shim_version), out_dir)
