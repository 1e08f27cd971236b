"""A release as the fork gets it: renamed exactly as a sync renames it, then the patch
series (or its first patches) applied.

One function, :func:`renamed_release`, for everyone who needs that tree: ``sync`` (its
build), ``check`` and ``patch replay`` through :mod:`forktool.sync.build`; ``backport``
(the tree a new patch goes onto: the integrated release with the whole current series);
``export`` (the tree just before a series patch). The steps are always the same: the
whole-tree transform (:func:`~forktool.transform.tree.transform_tree`, with the fork
repository's transform cache), the fork build settings
(:func:`~forktool.transform.scm_version.for_fork`), then
:func:`~forktool.patches.apply.apply_series` with a diff patch's base release rebuilt on
demand (:func:`base_materializer`) and, for a git upstream, the release's history.

Everything here writes git objects (and the transform and sdist caches) only: no ref is
left moved, no file of the definition or the fork's checkout changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from forktool import perf, upstream
from forktool.config import PyPISource, UpstreamConfig
from forktool.git.repository import GitRepo
from forktool.model import TransformResult, Tree
from forktool.patches import apply
from forktool.patches.apply import SeriesResult
from forktool.patches.memo import CodemodMemo
from forktool.patches.series import Series
from forktool.records.state import codemod_memo_path, sdist_cache, transform_cache_path
from forktool.transform import scm_version
from forktool.transform.cache import TransformCache
from forktool.transform.tree import transform_tree


@dataclass(frozen=True)
class RenamedRelease:
    """A release renamed, and the series applied to it.

    Attributes:
        transform: the rename's result (tree, leftovers, failures), before the fork build
            settings.
        tree: the renamed release as the fork builds it (``for_fork``), before any patch.
        applied: the series (or its first patches) applied to ``tree``: the patched tree
            and each patch's health.
    """

    transform: TransformResult
    tree: Tree
    applied: SeriesResult


def rename(repo: GitRepo, config: UpstreamConfig, tree: Tree) -> TransformResult:
    """``tree`` (a whole tree in upstream's names) renamed as a sync renames a release,
    with the fork repository's transform cache. Never raises for one file."""
    with TransformCache(transform_cache_path(repo)) as cache:
        return transform_tree(tree, config.rename, cache=cache)


def renamed_release(
    repo: GitRepo,
    config: UpstreamConfig,
    tree: Tree,
    series: Series,
    upto: int | None = None,
    release_commit: str | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> RenamedRelease:
    """``tree`` renamed (:func:`rename`, then ``for_fork``) with the patches of ``series``
    before position ``upto`` applied (None: all of them).

    Args:
        tree: the release in upstream's names (a vendor tree).
        series: the patch series as it is now.
        upto: apply ``series.patches[:upto]``; None: every patch.
        release_commit: the release's upstream commit (a git upstream; None for an sdist):
            a backport of a commit in its history says so in its health's detail.

        progress: called with "applying the patch series (N patches)" once the rename
            is done.

    Returns:
        the renamed release and the series' result. Never raises for one patch: a patch
        that does not apply is left out of the tree and reported in ``applied.health``
        (a base release that could not be rebuilt for its three-way merge too).
    """
    with perf.step("rename the tree"):
        renamed = rename(repo, config, tree)
    fork_tree = scm_version.for_fork(renamed.tree)
    patches = series if upto is None else Series(series.directory, series.patches[:upto])
    progress(f"applying the patch series ({len(patches.patches)} patches)")
    memo = _memo(repo)
    try:
        with perf.step("apply the patch series"):
            applied = apply.apply_series(
                repo,
                fork_tree,
                patches,
                base_materializer(repo, config, series),
                _contains(repo, release_commit),
                memo,
            )
    finally:
        if memo is not None:
            memo.close()
    return RenamedRelease(renamed, fork_tree, applied)


def _memo(repo: GitRepo) -> CodemodMemo | None:
    """The fork repository's memo of codemod patch outcomes (None: shortcuts are off)."""
    return CodemodMemo(codemod_memo_path(repo)) if perf.shortcuts() else None


def _contains(repo: GitRepo, release_commit: str | None) -> apply.Contains | None:
    """Whether the release's upstream commit has an upstream commit in its history; None
    when the release has no commit (an sdist)."""
    if release_commit is None:
        return None
    return lambda commit: repo.is_ancestor(commit, release_commit)


def base_materializer(
    repo: GitRepo, config: UpstreamConfig, series: Series, cache: Path | None = None
) -> apply.Materialize:
    """A :data:`~forktool.patches.apply.Materialize` for ``config``: imports the base release
    (objects only, no refs), renames it, applies the patches before the one that needs
    it, and writes the result into the object store. Each base is built once per
    materializer.

    Args:
        cache: where verified sdists are kept (None: the fork repository's, for a PyPI
            upstream).
    """
    if cache is None and isinstance(config.source, PyPISource):
        cache = sdist_cache(repo)
    done: set[tuple[str, int]] = set()

    def materialize(version: str, position: int) -> None:
        if (version, position) in done:
            return
        done.add((version, position))
        refs_before = repo.refs()
        release = upstream.resolve_release(config, version, repo)
        vendor = upstream.import_release(repo, config, release, None, cache)
        repo.put_back(repo.moved_refs(refs_before), "forktool: base of a patch")
        tree = scm_version.for_fork(rename(repo, config, vendor.tree).tree)
        earlier = Series(series.directory, series.patches[:position])
        repo.write_tree(apply.apply_series(repo, tree, earlier).tree)

    return materialize
