"""The benchmark's input tree and rename, and how two transform results are compared."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from forktool.model import RenameMap, TransformResult, Tree
from forktool.upstream.archive import read_archive

#: The rename measured on Django.
DJANGO_RENAME = RenameMap(
    packages={"django": "dj2"},
    distributions={"Django": "DJ2"},
    scripts={"django-admin": "dj2-admin"},
)


def load_tree(sdist: Path) -> Tree:
    """Read an sdist into a forktool tree (path -> FileEntry), in memory."""
    return read_archive(sdist.read_bytes(), sdist.name)


def differences(a: TransformResult, b: TransformResult) -> dict[str, int]:
    """Count how two transform results differ.

    Args:
        a: one result.
        b: the other.

    Returns:
        ``leftovers`` (occurrences in one list and not the other; 1 if only the order
        differs), ``failures`` (paths missing from one or with another reason) and
        ``tree`` (paths missing from one or with other bytes or mode): all 0 when equal.
    """
    leftovers = 0
    if a.leftovers != b.leftovers:
        first, second = Counter(a.leftovers), Counter(b.leftovers)
        leftovers = max(1, sum(((first - second) + (second - first)).values()))
    failures = sum(
        1
        for path in set(a.failures) | set(b.failures)
        if a.failures.get(path) != b.failures.get(path)
    )
    tree = sum(1 for path in set(a.tree) | set(b.tree) if a.tree.get(path) != b.tree.get(path))
    return {"leftovers": leftovers, "failures": failures, "tree": tree}
