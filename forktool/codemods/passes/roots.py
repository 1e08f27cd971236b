"""Where a release keeps its import packages when not at the top or under ``src/``.

Most trees hold the package at ``flask/`` or ``src/flask/``, and
:mod:`~forktool.codemods.paths` renames exactly those. Some keep it below another
directory, named by their build configuration (PyYAML's ``lib/yaml/``, with
``package_dir={"": "lib"}``). :func:`expand_roots` finds that directory in the tree and
records it in ``RenameMap.roots``, so that every file, renamed on its own, moves
``lib/yaml/`` and rewrites ``lib/yaml/...`` paths like ``src/flask/...``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection

from forktool.model import RenameMap

#: A package found below one of these is test data or an example, not the package.
NOT_SOURCE = frozenset(
    {"tests", "test", "testing", "docs", "doc", "examples", "example", "benchmarks",
     "fixtures", "build", "dist", "site-packages", "dist-packages"}
)  # fmt: skip
_INIT = ("__init__.py", "__init__.pyi")


def expand_roots(tree: Collection[str], rename: RenameMap) -> RenameMap:
    """Add the directories the old packages live in, when that is not the usual place.

    For each old package not found at the top of the tree or under a top-level ``src/``
    (as a package with ``__init__.py``/``.pyi``, or a single module), the shallowest
    directory holding it as a package (``lib/`` for ``lib/yaml/__init__.py``) is a root,
    unless it lies under test, documentation or example directories, or two directories
    at that depth hold it (then nothing is guessed).

    Args:
        tree: the release tree's paths (a :data:`~forktool.model.Tree` will do).
        rename: the rename map.

    Returns:
        ``rename`` itself when no root is found, else a copy with ``roots`` extended
        (sorted, each once). Never raises.
    """
    roots = set(rename.roots)
    for old in rename.packages:
        rel = old.replace(".", "/")
        if any(_holds(tree, prefix, rel) for prefix in ("", "src/")):
            continue
        found = sorted(
            path[: -len(f"/{rel}/{init}")]
            for path in tree
            for init in _INIT
            if path.endswith(f"/{rel}/{init}")
        )
        found = [d for d in found if not NOT_SOURCE & set(d.lower().split("/"))]
        if not found:
            continue
        depth = min(d.count("/") for d in found)
        shallowest = {d for d in found if d.count("/") == depth}
        if len(shallowest) == 1:
            roots |= shallowest
    if roots == set(rename.roots):
        return rename
    return dataclasses.replace(rename, roots=tuple(sorted(roots)))


def _holds(tree: Collection[str], prefix: str, rel: str) -> bool:
    """True when ``prefix`` holds ``rel`` as a package or a single module."""
    names = [f"{prefix}{rel}/{init}" for init in _INIT]
    names += [f"{prefix}{rel}{suffix}" for suffix in (".py", ".pyi")]
    return any(name in tree for name in names)
