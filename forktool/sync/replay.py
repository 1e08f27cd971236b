"""Replay the patch series over a range of releases, changing no branch.

Each release is imported (vendor objects only, no refs), renamed and patched in the fork
repository's object store, and the series health is reported: a maintainer sees which
release broke which patch before syncing to it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from packaging.version import Version

from forktool import upstream
from forktool.config import UpstreamConfig
from forktool.errors import RepositoryError, SourceError
from forktool.model import PatchHealth
from forktool.patches import series as series_mod
from forktool.records.fork import find_fork
from forktool.sync.build import build_release


@dataclass(frozen=True)
class ReleaseHealth:
    """The series health on one release."""

    version: str
    health: tuple[PatchHealth, ...]


def replay(config: UpstreamConfig, start: str | None, end: str | None) -> Iterator[ReleaseHealth]:
    """Yield the series health for every release from ``start`` to ``end`` (inclusive).

    Args:
        start / end: versions; None means the oldest / newest release.

    Raises:
        RepositoryError: the fork repository does not exist yet.
        SourceError: the range holds no release, or a release cannot be fetched.
        ConfigError: ``start`` or ``end`` is not a version, or the series is invalid.
    """
    low = upstream.parse_version(start, "--from") if start else None
    high = upstream.parse_version(end, "--to") if end else None
    repo = find_fork(config)
    if repo is None:
        raise RepositoryError(
            f"the fork repository {config.fork_path} does not exist yet",
            f"run 'forktool sync {config.name}' first",
        )
    series = series_mod.load(config.root, config.name)
    chosen = [
        r
        for r in upstream.list_releases(config)
        if (low is None or Version(r.version) >= low)
        and (high is None or Version(r.version) <= high)
    ]
    if not chosen:
        raise SourceError(
            f"no release of {config.name} between {start or 'the first'} and {end or 'the last'}",
            "check --from and --to",
        )
    refs_before = repo.refs()
    try:
        for release in chosen:
            built = build_release(repo, config, release, series, None)
            yield ReleaseHealth(release.version, built.applied.health)
    finally:  # fetched upstream tags are the only refs touched; put them back
        repo.put_back(repo.moved_refs(refs_before), "forktool: patch replay")
