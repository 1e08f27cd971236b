"""Rename a whole release tree: every file through its codemod, in parallel, cached.

:func:`transform_tree` first expands the map over the tree (directories besides the top
and ``src/`` that hold the packages, :func:`~forktool.codemods.passes.roots.expand_roots`;
every qualified name a renamed symbol is reached under,
:func:`~forktool.codemods.passes.reexports.expand_symbols`; subpackages named like files or hosts,
:func:`~forktool.codemods.passes.modules.expand_modules`; where each package lies beside
``pyproject.toml``, :func:`~forktool.codemods.passes.layout.expand_layout`; parameters that
hold module names,
:func:`~forktool.codemods.passes.module_parameters.expand_module_parameters`), so that each
file's rename depends on that file alone; then takes what it can from the
:class:`~forktool.transform.cache.TransformCache`, renames the rest with
:func:`~forktool.transform.file.transform_file` in worker processes
(:mod:`forktool.transform.pool`), and assembles the
:class:`~forktool.model.TransformResult`. The result is the same with or without the cache
and with any number of processes.
"""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

from forktool import perf
from forktool.codemods.passes.layout import expand_layout
from forktool.codemods.passes.module_parameters import expand_module_parameters
from forktool.codemods.passes.modules import expand_modules
from forktool.codemods.passes.reexports import expand_symbols
from forktool.codemods.passes.roots import expand_roots
from forktool.model import Evidence, FileEntry, Leftover, RenameMap, TransformResult, Tree
from forktool.transform.cache import CachedOutcome, TransformCache, file_key, fingerprint


class _Outcome(NamedTuple):
    """One file's outcome, fresh (a :class:`~forktool.transform.file.FileOutcome`) or
    from the cache: the same fields, without importing the codemods (and libcst) when
    every file is in the cache."""

    path: str
    entry: FileEntry
    leftovers: tuple[Leftover, ...]
    failure: str | None
    evidence: tuple[Evidence, ...] = ()


def transform_tree(
    tree: Tree,
    rename: RenameMap,
    *,
    cache: TransformCache | None = None,
    jobs: int | None = None,
) -> TransformResult:
    """Rename a whole source tree.

    Args:
        tree: relative POSIX path -> file, e.g. an upstream release.
        rename: the rename map.
        cache: where renamed files are looked up first and stored after (None: no cache).
        jobs: worker processes (None: :func:`~forktool.transform.pool.default_jobs`).

    Returns:
        The transformed tree (every input file present once, moved and/or rewritten), the
        leftovers sorted by path and line, and ``failures`` (path in the output tree ->
        reason) for files carried over without a complete transform. Two files that would
        land on the same path (``src/flask/x.py`` and an existing ``src/framework/x.py``)
        keep their original paths and are listed in ``failures``. Never raises for one file.
    """
    # Symbols are reached under several qualified names (re-exports): list them all once,
    # so that each file can then be transformed on its own.
    with perf.step("expand the rename map (tree-wide passes)"):
        rename = expand_layout(
            tree, expand_modules(tree, expand_symbols(tree, expand_roots(tree, rename)))
        )
    with perf.step("find the parameters that hold module names (tree-wide pass)"):
        kept = cache.kept("module-parameters", fingerprint(rename)) if cache else None
        rename = expand_module_parameters(tree, rename, kept if perf.shortcuts() else None)
    outcomes = _outcomes(tree, rename, cache, jobs)
    claims: dict[str, list[str]] = {}
    for path, outcome in outcomes.items():
        claims.setdefault(outcome.path, []).append(path)
    new_tree: dict[str, FileEntry] = {}
    failures: dict[str, str] = {}
    leftovers: list[Leftover] = []
    evidence: list[Evidence] = []
    for path, outcome in sorted(outcomes.items()):
        target = outcome.path
        if len(claims[target]) > 1 and target != path:
            others = ", ".join(p for p in claims[target] if p != path)
            failures[path] = f"not moved to {target}: it would replace {others}"
            target = path
        new_tree[target] = outcome.entry
        if outcome.failure is not None:
            failures[target] = outcome.failure
        leftovers.extend(
            leftover if leftover.path == target else dataclasses.replace(leftover, path=target)
            for leftover in outcome.leftovers
        )
        evidence.extend(
            found if found.path == target else dataclasses.replace(found, path=target)
            for found in outcome.evidence
        )
    leftovers.sort(key=lambda item: (item.path, item.line, item.kind, item.text))
    evidence.sort(key=lambda item: (item.path, item.line, item.evidence))
    return TransformResult(
        tree=new_tree, leftovers=tuple(leftovers), failures=failures, evidence=tuple(evidence)
    )


def _transform(
    files: list[tuple[str, FileEntry]], rename: RenameMap, jobs: int | None
) -> dict[str, _Outcome]:
    """``files`` renamed in worker processes; the codemods are imported only now."""
    if not files:
        return {}
    from forktool.transform.pool import default_jobs, transform_files  # here: imports libcst

    done = transform_files(files, rename, default_jobs() if jobs is None else jobs)
    return {path: _Outcome(*outcome) for path, outcome in done.items()}


def _outcomes(
    tree: Tree, rename: RenameMap, cache: TransformCache | None, jobs: int | None
) -> dict[str, _Outcome]:
    """Every file's outcome: from the cache when it has it, else transformed (and stored)."""
    if cache is None:
        return _transform(list(tree.items()), rename, jobs)
    with perf.step("look up the transform cache"):
        mark = fingerprint(rename)
        keys = {path: file_key(mark, path, entry) for path, entry in tree.items()}
        hits = cache.get_many(keys.values())
    outcomes = {
        path: _from_cache(tree[path], hits[key]) for path, key in keys.items() if key in hits
    }
    missing = [(path, entry) for path, entry in tree.items() if path not in outcomes]
    with perf.step(f"rename {len(missing)} files not in the cache"):
        fresh = _transform(missing, rename, jobs)
    with perf.step("store them in the transform cache"):
        cache.put_many({keys[path]: _to_cache(tree[path], fresh[path]) for path in fresh})
    outcomes.update(fresh)
    return outcomes


def _from_cache(entry: FileEntry, cached: CachedOutcome) -> _Outcome:
    if cached.data is not None:
        entry = dataclasses.replace(entry, data=cached.data)
    return _Outcome(cached.path, entry, cached.leftovers, cached.failure, cached.evidence)


def _to_cache(entry: FileEntry, outcome: _Outcome) -> CachedOutcome:
    data = None if outcome.entry.data == entry.data else outcome.entry.data
    return CachedOutcome(outcome.path, data, outcome.leftovers, outcome.failure, outcome.evidence)
