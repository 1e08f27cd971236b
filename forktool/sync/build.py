"""Build a release as the fork wants it: import -> rename -> fork build settings -> patch
series -> commit.

Used by ``sync`` (which then merges), ``check`` (which merges in memory only) and
``patch replay``. Everything here writes git objects only: no ref moves (fetched upstream
tags excepted, which callers put back or keep) and no state files.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from forktool import perf, upstream
from forktool.config import PyPISource, UpstreamConfig
from forktool.git.repository import GitRepo
from forktool.model import PatchStatus, Release, TransformResult
from forktool.patches import series as series_mod
from forktool.patches.apply import SeriesResult
from forktool.records.state import sdist_cache
from forktool.renamed import renamed_release
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
    the series (:func:`forktool.renamed.renamed_release`).

    Raises:
        SourceError: the release cannot be fetched or verified.
    """
    cache = sdist_cache(repo) if isinstance(config.source, PyPISource) else None
    progress(f"importing {config.name} {release.version}")
    with perf.step("import the release (vendor commit)"):
        vendor = upstream.import_release(
            repo, config, release, parent_vendor, cache, background=True
        )
    try:  # the vendor blobs are written while the release is renamed
        progress(f"transforming {config.name} {release.version}")
        with perf.step("rename and patch"):
            built = renamed_release(
                repo, config, vendor.tree, series, release_commit=vendor.release.commit,
                progress=progress,
            )  # fmt: skip
        with perf.step("wait for the vendor blobs"):
            vendor.finish()
    except BaseException:
        vendor.abandon()
        raise
    return BuiltRelease(vendor, built.transform, built.applied)


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
