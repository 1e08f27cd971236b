"""Upstream sources: list releases and import one onto the vendor branch.

Two sources exist: a package index speaking PyPI's JSON API (:mod:`.pypi`, sdists) and a
git repository (:mod:`.gitsource`, tags). Both end in a vendor commit: the release's
pristine tree, one commit per release, tagged ``upstream/<name>/<version>``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from packaging.version import InvalidVersion, Version

from forktool.config import GitSource, UpstreamConfig
from forktool.errors import ConfigError, SourceError
from forktool.gitrepo import GitRepo
from forktool.model import Release, Tree
from forktool.upstream import gitsource, pypi


@dataclass(frozen=True)
class VendorImport:
    """A release imported onto the vendor branch.

    Attributes:
        release: the release, with ``date`` (and ``commit`` for git) filled in.
        commit: the vendor commit id.
        tree: the release's files, for the transform.
        reused: True when the vendor commit already existed (imported before).
    """

    release: Release
    commit: str
    tree: Tree
    reused: bool


def list_releases(config: UpstreamConfig) -> list[Release]:
    """All releases of the upstream, oldest first (pre-releases only if configured).

    Raises:
        SourceError: the index or git repository cannot be read.
    """
    source = config.source
    if isinstance(source, GitSource):
        return gitsource.list_releases(source)
    return pypi.list_releases(source.index, source.project, include_prereleases=source.prereleases)


def resolve_release(config: UpstreamConfig, to: str | None) -> Release:
    """Release ``to`` (compared as versions; pre-releases allowed), or the newest release.

    Raises:
        ConfigError: ``to`` is not a version.
        SourceError: the source cannot be read, has no such release, or no releases at all.
    """
    if to is None:
        releases = list_releases(config)
        if not releases:
            raise SourceError(
                f"upstream {config.name!r} has no releases",
                "check [source] in the upstream definition (project name or tag-pattern)",
            )
        return releases[-1]
    try:
        wanted = Version(to)
    except InvalidVersion as exc:
        raise ConfigError(f"--to {to!r} is not a version", "give a version like 3.1.3") from exc
    source = config.source
    if not isinstance(source, GitSource):
        return pypi.find_release(source.index, source.project, to)
    releases = gitsource.list_releases(replace(source, prereleases=True))
    for release in releases:
        if Version(release.version) == wanted:
            return release
    newest = ", ".join(r.version for r in releases[-5:]) or "none"
    raise SourceError(
        f"upstream {config.name!r} has no release {to}",
        f"newest releases: {newest}",
    )


def import_release(
    repo: GitRepo,
    config: UpstreamConfig,
    release: Release,
    parent: str | None,
    cache: Path | None,
) -> VendorImport:
    """Make (or reuse) the vendor commit of ``release`` in the fork repository.

    The commit's tree is the pristine release; its parent is ``parent`` (the previously
    integrated vendor commit); author and dates are fixed from the release, so the same
    release gives the same commit id everywhere. Tags are written by the caller.

    Args:
        cache: directory for downloaded sdists, keyed by sha256 (PyPI only; None: none).

    Raises:
        SourceError: download, verification or extraction failed.
    """
    existing = repo.resolve(config.release_tag(release.version))
    if isinstance(config.source, GitSource):
        upstream_commit = gitsource.fetch_release(repo, config.name, release)
        release = replace(release, commit=upstream_commit, date=repo.commit_date(upstream_commit))
        if existing:
            return VendorImport(release, existing, repo.read_tree(existing), True)
        tree_id = repo.tree_of(upstream_commit)
        message = f"Import {config.name} {release.version} (tag {release.tag}, {upstream_commit})"
        commit = repo.commit_tree(tree_id, _parents(parent), message + "\n", release.date)
        return VendorImport(release, commit, repo.read_tree(commit), False)
    if existing:
        return VendorImport(release, existing, repo.read_tree(existing), True)
    left_out: list[str] = []
    tree = pypi.fetch_release(release, cache, left_out, index_url=config.source.index)
    tree_id = repo.write_tree(tree)
    message = f"Import {config.name} {release.version} (sdist sha256 {release.sha256})\n"
    if left_out:
        message += "\nLeft out of the sdist (git cannot store .git paths):\n"
        message += "".join(f"  {name}\n" for name in _git_dirs(left_out))
    commit = repo.commit_tree(tree_id, _parents(parent), message, release.date)
    return VendorImport(release, commit, tree, False)


def _git_dirs(names: list[str]) -> list[str]:
    """The ``.git`` directories (or files) ``names`` lie in, below the top directory."""
    found: dict[str, None] = {}
    for name in names:
        parts = [part for part in name.split("/") if part not in ("", ".")][1:]
        cut = next((i for i, part in enumerate(parts) if part.lower() == ".git"), len(parts))
        found["/".join(parts[: cut + 1])] = None
    return list(found)


def _parents(parent: str | None) -> list[str]:
    return [parent] if parent else []
