"""The rename run backwards, and the round trip that checks it.

:func:`inverse_map` turns the fork's rename map around (``framework`` -> ``flask``);
:func:`unrename_tree` runs the very same whole-tree transform
(:func:`~forktool.transform.tree.transform_tree`: the tree-wide passes, then every file's
codemod, cached) with it, so a fork tree comes back in upstream's names the way releases
go forward: by codemods, never by text substitution.

Nothing guarantees that un-renaming and renaming again gives the fork's bytes back (fork
text may hold the new name where the rename would never write it, or an old name the
rename would change). :func:`round_trip_lines` lists, with file and line, every line of a
change that does not come back; callers report them and never guess. Everything here is
pure: trees in, trees and lines out.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from forktool.model import RenameMap, Tree
from forktool.transform.cache import TransformCache
from forktool.transform.tree import transform_tree


def inverse_map(rename: RenameMap) -> RenameMap:
    """The rename map that undoes ``rename``: every new name back to its old one.

    Packages, distributions and scripts are swapped; a renamed symbol's qualified name is
    taken in the new namespace (``{"flask.Flask": "Framework"}`` becomes
    ``{"framework.Framework": "Flask"}``). The keep-list and ``docs`` stay as they are
    (kept strings are the same text on both sides); ``roots`` are found in the tree again
    by the transform. Never raises.
    """
    packages = {new: old for old, new in rename.packages.items()}
    symbols: dict[str, str] = {}
    for qualified, new_name in rename.symbols.items():
        module, _, old_name = qualified.rpartition(".")
        symbols[f"{_rename_module(module, rename.packages)}.{new_name}"] = old_name
    return RenameMap(
        packages=packages,
        distributions={new: old for old, new in rename.distributions.items()},
        scripts={new: old for old, new in rename.scripts.items()},
        keep=rename.keep,
        symbols=symbols,
        docs=rename.docs,
    )


def _rename_module(module: str, packages: Mapping[str, str]) -> str:
    """``flask.json`` -> ``framework.json`` by the longest old package that prefixes it."""
    for old in sorted(packages, key=len, reverse=True):
        if module == old or module.startswith(old + "."):
            return packages[old] + module[len(old) :]
    return module


def unrename_tree(tree: Tree, rename: RenameMap, cache: TransformCache | None = None) -> Tree:
    """A fork tree in upstream's names: :func:`transform_tree` with :func:`inverse_map`.

    Args:
        tree: a whole fork tree (fork commit, or a renamed release with patches applied).
        rename: the fork's (forward) rename map, from ``upstream/<name>.toml``.
        cache: the transform cache (keyed by the map too, so forward and backward entries
            never mix); None: no cache.

    Returns:
        path -> file, paths and contents un-renamed. Never raises for one file (a file the
        codemods cannot read is carried over unchanged, and the round trip then shows it).
    """
    return transform_tree(tree, inverse_map(rename), cache=cache).tree


def rename_tree(tree: Tree, rename: RenameMap, cache: TransformCache | None = None) -> Tree:
    """``tree`` renamed forward, as a sync renames a release (the round trip's second half)."""
    return transform_tree(tree, rename, cache=cache).tree


class Side(StrEnum):
    """Which version of a changed file a line that does not round-trip is in: the fork
    commit's (``after``, lines it adds and their context) or its parent's (``before``,
    lines it removes)."""

    AFTER = "after"
    BEFORE = "before"


@dataclass(frozen=True)
class RoundTripLine:
    """One line of the fork's change that renaming the export forward does not give back.

    Attributes:
        path: the file, in the fork's names.
        line: 1-based line number in that side's file; 0 for the file as a whole (its path
            does not come back, it is binary, or it is missing after the round trip).
        side: ``after`` (the commit's version) or ``before`` (its parent's).
        fork: the fork's text of the line ("" for line 0).
        round_trip: what un-renaming and renaming again gives instead (several lines
            joined with newlines; "" when nothing comes back).
    """

    path: str
    line: int
    side: Side
    fork: str
    round_trip: str


def round_trip_lines(
    fork_before: Tree,
    fork_after: Tree,
    again_before: Tree,
    again_after: Tree,
    paths: Iterable[str],
    context: int = 3,
) -> tuple[RoundTripLine, ...]:
    """The lines of a change that do not survive un-renaming and renaming again.

    Args:
        fork_before / fork_after: the fork's trees before and after the change.
        again_before / again_after: the same trees un-renamed, then renamed forward.
        paths: the fork paths the change touches.
        context: lines of context a diff of the change carries (git's default 3): only
            lines inside the change's hunks matter, since nothing else is exported.

    Returns:
        the lines, sorted by path, side and line; empty when the change comes back byte
        for byte. Lines added (and their context) are checked on the ``after`` side, lines
        removed on the ``before`` side.
    """
    found: list[RoundTripLine] = []
    for path in sorted(set(paths)):
        found += _file_lines(path, fork_before, fork_after, again_before, again_after, context)
    return tuple(sorted(found, key=lambda item: (item.path, item.side, item.line)))


def _file_lines(
    path: str,
    fork_before: Tree,
    fork_after: Tree,
    again_before: Tree,
    again_after: Tree,
    context: int,
) -> list[RoundTripLine]:
    sides = ((Side.AFTER, fork_after, again_after), (Side.BEFORE, fork_before, again_before))
    for side, fork, again in sides:
        if path in fork and path not in again:
            return [RoundTripLine(path, 0, side, "", "the path does not come back")]
        if path in fork and fork[path].data != again[path].data and _binary(fork[path].data):
            return [RoundTripLine(path, 0, side, "", "binary content differs")]
    old = _lines(fork_before, path)
    new = _lines(fork_after, path)
    wanted_new: set[int] = set()
    wanted_old: set[int] = set()
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for group in matcher.get_grouped_opcodes(context):
        for tag, i1, i2, j1, j2 in group:
            wanted_new.update(range(j1, j2))
            if tag in ("replace", "delete"):
                wanted_old.update(range(i1, i2))
    found = _differing(path, Side.AFTER, new, _lines(again_after, path), wanted_new)
    found += _differing(path, Side.BEFORE, old, _lines(again_before, path), wanted_old)
    return found


def _differing(
    path: str, side: Side, fork: list[str], again: list[str], wanted: set[int]
) -> list[RoundTripLine]:
    """Lines of ``fork`` (0-based indexes in ``wanted``) that ``again`` does not repeat."""
    found = []
    matcher = difflib.SequenceMatcher(None, fork, again, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        for index in range(i1, i2):
            if index not in wanted:
                continue
            if tag == "replace" and i2 - i1 == j2 - j1:
                instead = again[j1 + index - i1]
            else:
                instead = "\n".join(again[j1:j2])
            found.append(RoundTripLine(path, index + 1, side, fork[index], instead))
    return found


def _lines(tree: Tree, path: str) -> list[str]:
    entry = tree.get(path)
    if entry is None:
        return []
    return entry.data.decode("utf-8", "replace").splitlines()


def _binary(data: bytes) -> bool:
    if b"\0" in data:
        return True
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False
