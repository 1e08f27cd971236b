"""Where each old package lies beside ``pyproject.toml``, for back-ends that infer it.

flit_core, hatchling and poetry-core find the package to build by the distribution's name
when nothing names it, looking at ``<name>/``, ``src/<name>/`` and ``<name>.py``. When the
rename keeps the distribution's name, the ``pyproject.toml`` codemod
(:mod:`~forktool.codemods.packaging.backends`) names the renamed package instead, and for
hatchling and poetry-core that setting is a path: :func:`expand_layout` finds it in the
tree and records it in ``RenameMap.layout``, so that the file, renamed on its own, can
write it.
"""

from __future__ import annotations

import dataclasses
import posixpath
from collections.abc import Collection

from forktool.codemods.passes.roots import NOT_SOURCE
from forktool.model import RenameMap

_PYPROJECT = "pyproject.toml"


def expand_layout(tree: Collection[str], rename: RenameMap) -> RenameMap:
    """Record where each old top-level package lies beside the tree's ``pyproject.toml``.

    For every ``pyproject.toml`` outside test, documentation and example directories, an
    old top-level package (no dot in its name) is looked for beside it as a package
    (``<old>/__init__.py`` or ``src/<old>/__init__.py``) or a single module (``<old>.py``
    or ``src/<old>.py``). It is recorded only when exactly one of these places holds it,
    and the same place beside every such ``pyproject.toml`` that holds it at all: the
    back-ends themselves refuse a package found twice, and nothing is guessed.

    Args:
        tree: the release tree's paths (a :data:`~forktool.model.Tree` will do).
        rename: the rename map.

    Returns:
        ``rename`` itself when nothing is found, else a copy with ``layout`` extended
        (old name -> ``src/<old>``, ``<old>``, ``src/<old>.py`` or ``<old>.py``; an entry
        already in the map is kept). Never raises.
    """
    projects = [
        posixpath.dirname(path)
        for path in tree
        if posixpath.basename(path) == _PYPROJECT
        and not NOT_SOURCE & set(path.lower().split("/")[:-1])
    ]
    layout = dict(rename.layout)
    for old in rename.packages:
        if "." in old or old in layout:
            continue
        found = set()
        for project in projects:
            prefix = f"{project}/" if project else ""
            here = tuple(place for place in _places(old) if _holds(tree, prefix + place))
            if here:
                found.add(here)
        if len(found) == 1:
            (places,) = found
            if len(places) == 1:
                layout[old] = places[0]
    if layout == dict(rename.layout):
        return rename
    return dataclasses.replace(rename, layout=layout)


def _places(old: str) -> tuple[str, ...]:
    return (old, f"src/{old}", f"{old}.py", f"src/{old}.py")


def _holds(tree: Collection[str], place: str) -> bool:
    """True when ``place`` (a package directory or a ``.py`` file) is in the tree."""
    if place.endswith(".py"):
        return place in tree
    return f"{place}/__init__.py" in tree
