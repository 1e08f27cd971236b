"""Calling forktool's transform the way the benchmark needs, and comparing results.

``transform_tree`` gains ``cache=`` and ``jobs=`` keyword arguments; with an older
forktool that lacks them the call falls back to ``transform_tree(tree, rename)`` (one
process, no cache), and the results say so.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from forktool.model import RenameMap, TransformResult, Tree
from forktool.transform import transform_tree
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


def supports(argument: str) -> bool:
    """True when ``transform_tree`` takes the keyword ``argument`` (``jobs``, ``cache``)."""
    return argument in inspect.signature(transform_tree).parameters


@contextlib.contextmanager
def open_cache(path: Path) -> Iterator[Any | None]:
    """A ``forktool.transform_cache.TransformCache`` at ``path``, closed afterwards.

    Yields:
        the cache, or None when this forktool has no TransformCache.
    """
    try:
        module = importlib.import_module("forktool.transform_cache")
    except ImportError:
        yield None
        return
    cache = module.TransformCache(path)
    try:
        yield cache
    finally:
        close = getattr(cache, "close", None)
        if close is not None:
            close()


def transform(tree: Tree, rename: RenameMap, *, jobs: int, cache: Any = None) -> TransformResult:
    """``transform_tree(tree, rename, cache=cache, jobs=jobs)``, leaving out the keywords
    this forktool does not take.

    Args:
        tree: the input tree.
        rename: the rename map.
        jobs: worker processes.
        cache: a TransformCache, or None.

    Returns:
        the transform's result.
    """
    kwargs: dict[str, Any] = {}
    if supports("jobs"):
        kwargs["jobs"] = jobs
    if cache is not None and supports("cache"):
        kwargs["cache"] = cache
    return transform_tree(tree, rename, **kwargs)


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
