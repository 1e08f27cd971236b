"""Build a release as the fork wants it: import -> rename -> fork build settings -> patch
series -> commit.

Used by ``sync`` (which then merges), ``check`` (which merges in memory only) and
``patch replay``. Everything here writes git objects only: no ref moves (fetched upstream
tags excepted, which callers put back or keep) and no state files.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from forktool import upstream
from forktool.config import PyPISource, UpstreamConfig
from forktool.git.repository import GitRepo
from forktool.model import PatchStatus, Release, TransformResult
from forktool.patches import apply
from forktool.patches import series as series_mod
from forktool.patches.apply import SeriesResult
from forktool.records.state import sdist_cache, transform_cache_path
from forktool.transform import scm_version
from forktool.transform.cache import TransformCache
from forktool.transform.tree import transform_tree
from forktool.upstream import VendorImport

#: Called with a short description of each step as it starts.
Progress = Callable[[str], None]


@dataclass(frozen=True)
class BuiltRelease:
    """One release, renamed and patched, not yet committed.

    Attributes:
        vendor: the imported release and its vendor commit.
        transform: the rename's result (tree, leftovers, failures).
        applied: the patch series' result (final tree, per-patch health).
    """

    vendor: VendorImport
    transform: TransformResult
    applied: SeriesResult

    @property
    def patch_conflicts(self) -> list[str]:
        """Names of the diff patches that conflict, in series order."""
        return [h.name for h in self.applied.health if h.status == PatchStatus.CONFLICT]


def build_release(
    repo: GitRepo,
    config: UpstreamConfig,
    release: Release,
    series: series_mod.Series,
    parent_vendor: str | None,
    progress: Progress = lambda _: None,
) -> BuiltRelease:
    """Import ``release`` (vendor commit on top of ``parent_vendor``), rename it and apply
    the series.

    Raises:
        SourceError: the release cannot be fetched or verified.
    """
    cache = sdist_cache(repo) if isinstance(config.source, PyPISource) else None
    progress(f"importing {config.name} {release.version}")
    vendor = upstream.import_release(repo, config, release, parent_vendor, cache)
    progress(f"transforming {config.name} {release.version}")
    with TransformCache(transform_cache_path(repo)) as transform_cache:
        result = transform_tree(vendor.tree, config.rename, cache=transform_cache)
    progress(f"applying the patch series ({len(series.patches)} patches)")
    materialize = base_materializer(repo, config, series, cache)
    applied = apply.apply_series(
        repo, scm_version.for_fork(result.tree), series, materialize, _contains(repo, vendor)
    )
    return BuiltRelease(vendor, result, applied)


def _contains(repo: GitRepo, vendor: VendorImport) -> apply.Contains | None:
    """Whether the release's upstream commit has an upstream commit in its history (a
    git upstream: the release tag was fetched with its history); None for an sdist."""
    release_commit = vendor.release.commit
    if release_commit is None:
        return None
    return lambda commit: repo.is_ancestor(commit, release_commit)


def commit_transformed(
    repo: GitRepo, config: UpstreamConfig, built: BuiltRelease, parent: str | None
) -> str:
    """Commit the patched tree; parents: ``parent`` (the previous transformed commit),
    then the vendor commit. The same inputs give the same commit id everywhere."""
    vendor = built.vendor
    tree_id = repo.write_tree(built.applied.tree)
    renames = ", ".join(f"{old} -> {new}" for old, new in config.rename.packages.items())
    message = (
        f"Transform {config.name} {vendor.release.version}: {renames}\n\n"
        f"Vendor commit: {vendor.commit}\n"
    )
    parents = ([parent] if parent else []) + [vendor.commit]
    return repo.commit_tree(tree_id, parents, message, vendor.release.date)


def base_materializer(
    repo: GitRepo, config: UpstreamConfig, series: series_mod.Series, cache: Path | None
) -> apply.Materialize:
    """A :data:`~forktool.patches.apply.Materialize` for ``config``: imports the base release
    (objects only, no refs), renames it, applies the patches before the one that needs
    it, and writes the result into the object store. Each base is built once per run."""
    done: set[tuple[str, int]] = set()

    def materialize(version: str, position: int) -> None:
        if (version, position) in done:
            return
        done.add((version, position))
        refs_before = repo.refs()
        release = upstream.resolve_release(config, version, repo)
        vendor = upstream.import_release(repo, config, release, None, cache)
        repo.put_back(repo.moved_refs(refs_before), "forktool: base of a patch")
        with TransformCache(transform_cache_path(repo)) as transform_cache:
            tree = transform_tree(vendor.tree, config.rename, cache=transform_cache).tree
        earlier = series_mod.Series(series.directory, series.patches[:position])
        repo.write_tree(apply.apply_series(repo, scm_version.for_fork(tree), earlier).tree)

    return materialize
