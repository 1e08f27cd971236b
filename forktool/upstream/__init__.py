"""Upstream sources: list releases and import one onto the vendor branch.

Two sources exist: a package index speaking PyPI's JSON API (:mod:`.pypi`, sdists) and a
git repository (:mod:`.gitsource`, tags). Both end in a vendor commit: the release's
pristine tree, one commit per release, tagged ``upstream/<name>/<version>``.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

from packaging.version import InvalidVersion, Version

from forktool import perf
from forktool.config import GitSource, UpstreamConfig
from forktool.errors import ConfigError, RepositoryError, SourceError
from forktool.git.names import refname_problem, refused_component
from forktool.git.repository import GitRepo
from forktool.git.trees import PendingTree
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
        pending: the vendor tree, while a background ``git fast-import`` still writes
            its blobs (``import_release(background=True)``); see :meth:`finish`.
    """

    release: Release
    commit: str
    tree: Tree
    reused: bool
    pending: PendingTree | None = field(default=None, compare=False)

    def finish(self) -> None:
        """Wait until the vendor tree's blobs are written (at once when they are): before
        anything reads them from git or a ref names the commit.

        Raises:
            RepositoryError: git could not write them.
        """
        if self.pending is not None:
            self.pending.finish()

    def abandon(self) -> None:
        """Stop writing the blobs (the caller gives up on this import)."""
        if self.pending is not None:
            self.pending.abandon()


def list_releases(config: UpstreamConfig) -> list[Release]:
    """All releases of the upstream, oldest first (pre-releases only if configured).

    Raises:
        SourceError: the index or git repository cannot be read.
    """
    source = config.source
    if isinstance(source, GitSource):
        return gitsource.list_releases(source)
    return pypi.list_releases(source.index, source.project, include_prereleases=source.prereleases)


def parse_version(text: str, option: str) -> Version:
    """``text``, a version given on the command line, parsed.

    Args:
        option: the option it was given as, for the message (``--to``, ``--from``).

    Raises:
        ConfigError: ``"<option> '<text>' is not a version"``.
    """
    try:
        return Version(text)
    except InvalidVersion as exc:
        raise ConfigError(
            f"{option} {text!r} is not a version", "give a version like 3.1.3"
        ) from exc


def resolve_release(config: UpstreamConfig, to: str | None, repo: GitRepo | None = None) -> Release:
    """Release ``to`` (compared as versions; pre-releases allowed), or the newest release.

    For a git upstream, ``to`` may also name a commit between releases: a branch
    (``main``), a tag that is not a release, a commit id, or such a commit's version
    (``3.1.3.post68+g2ac89889f4cc``); see :func:`.gitsource.resolve_ref`. Its history is
    fetched into ``repo`` (objects only), or, without one (a first sync), into a temporary
    repository that is deleted again. A release of that version wins over a ref.

    Returns:
        the release; for a commit between releases, ``tag`` is None, ``commit`` its id
        and ``version`` its version (:func:`.gitsource.describe`).

    Raises:
        ConfigError: ``to`` is not a version (PyPI upstream).
        SourceError: the source cannot be read, has no such release (or, git: branch, tag
            or commit), or no releases at all; or the release's version cannot name its
            tag (:func:`check_taggable`).
    """
    if to is None:
        releases = list_releases(config)
        if not releases:
            raise SourceError(
                f"upstream {config.name!r} has no releases",
                "check [source] in the upstream definition (project name or tag-pattern)",
            )
        return check_taggable(config, releases[-1])
    source = config.source
    if not isinstance(source, GitSource):
        parse_version(to, "--to")
        return check_taggable(config, pypi.find_release(source.index, source.project, to))
    releases = gitsource.list_releases(replace(source, prereleases=True))
    wanted = _version_or_none(to)
    for release in releases:
        if wanted is not None and Version(release.version) == wanted:
            return check_taggable(config, release)
    found = _resolve_ref(source, to, repo)
    if found is not None:
        return check_taggable(config, found)
    newest = ", ".join(r.version for r in releases[-5:]) or "none"
    if wanted is None and not gitsource.looks_like_commit(to):
        raise ConfigError(
            f"--to {to!r} is not a version, nor a branch, tag or commit of upstream "
            f"{config.name!r}",
            f"give a release (newest: {newest}), a branch (e.g. main) or a commit id",
        )
    if wanted is not None and not gitsource.looks_like_commit(to):
        raise SourceError(
            f"upstream {config.name!r} has no release {to}",
            f"newest releases: {newest}",
        )
    raise SourceError(
        f"upstream {config.name!r} has no release, branch, tag or commit {to!r}",
        f"give a release (newest: {newest}), a branch (e.g. main) or a commit id",
    )


def _version_or_none(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def _resolve_ref(source: GitSource, to: str, repo: GitRepo | None) -> Release | None:
    """:func:`.gitsource.resolve_ref` in ``repo``, or in a scratch repository."""
    if repo is not None:
        return gitsource.resolve_ref(repo, source, to)
    with tempfile.TemporaryDirectory(prefix="forktool-ref-") as scratch:
        found = gitsource.resolve_ref(GitRepo.init(Path(scratch), "main"), source, to)
        return replace(found, date=None) if found is not None else None


def between_releases(release: Release) -> bool:
    """True when ``release`` is a git upstream's commit between releases (no tag)."""
    return release.tag is None and release.commit is not None and release.sha256 is None


def refuse_backwards(
    repo: GitRepo, config: UpstreamConfig, integrated: tuple[str, str | None], release: Release
) -> None:
    """Refuse to integrate ``release`` when either it or the integrated point is a commit
    between releases and ``release``'s commit does not descend from the integrated
    upstream commit: the merge (whose base is the last integrated transformed commit)
    would take back upstream changes the fork has. Two releases are never compared so
    (a fork may go from a release of one maintenance branch to one of another).

    Args:
        integrated: the integrated version and its upstream commit (the lock file's).

    Raises:
        ConfigError: it does not descend.
        SourceError: the release's commit cannot be fetched.
    """
    version, commit = integrated
    source = config.source
    if not isinstance(source, GitSource) or commit is None or release.commit is None:
        return
    if not (between_releases(release) or gitsource.is_between_releases(version)):
        return
    gitsource.ensure_commit(repo, release)
    gitsource.ensure_commit(repo, Release(version, source.url, commit=commit))
    if commit != release.commit and not repo.is_ancestor(commit, release.commit):
        named = f"tag {release.tag}" if release.tag else f"commit {release.commit[:12]}"
        raise ConfigError(
            f"{config.name} {release.version} ({named}) does not descend from the integrated "
            f"{config.name} {version} (upstream commit {commit[:12]})",
            "integrating it would take back upstream changes the fork has; give --to a "
            "branch or commit that contains the integrated one",
        )


def check_taggable(config: UpstreamConfig, release: Release) -> Release:
    """``release``, if its version can name its release tag ``upstream/<name>/<version>``.

    A version can be valid (PEP 440) and still not make a git ref name: ``1.1+abc.lock``
    ends in ``.lock``. Such a release is refused before anything is written, rather than
    merged and then left without its tag.

    Raises:
        SourceError: the tag would not be a valid ref name.
    """
    tag = config.release_tag(release.version)
    problem = refname_problem(tag)
    if problem:
        raise SourceError(
            f"{config.name} {release.version} cannot be integrated: its release tag "
            f"{tag.removeprefix('refs/tags/')} would not be a valid git ref name ({problem})",
            "forktool tags every release upstream/<name>/<version>; integrate another "
            "release with --to VERSION",
        )
    return release


def import_release(
    repo: GitRepo,
    config: UpstreamConfig,
    release: Release,
    parent: str | None,
    cache: Path | None,
    *,
    background: bool = False,
) -> VendorImport:
    """Make (or reuse) the vendor commit of ``release`` in the fork repository.

    The commit's tree is the pristine release; its parent is ``parent`` (the previously
    integrated vendor commit); author and dates are fixed from the release, so the same
    release gives the same commit id everywhere. Tags are written by the caller.

    Args:
        cache: directory for downloaded sdists, keyed by sha256 (PyPI only; None: none).
        background: leave the sdist's new blobs to a ``git fast-import`` that runs while
            the caller renames the release; the caller must call
            :meth:`VendorImport.finish` (or :meth:`VendorImport.abandon`).

    Raises:
        SourceError: download, verification or extraction failed, or the release's date
            is one git cannot record (before 1970) or Python cannot read.
        RepositoryError: the fork repository's object store cannot be written.
    """
    _check_object_store(repo)
    existing = repo.resolve(config.release_tag(release.version))
    if isinstance(config.source, GitSource):
        upstream_commit = gitsource.fetch_release(repo, config.name, release)
        try:
            date = repo.commit_date(upstream_commit)
        except (ValueError, OverflowError) as exc:  # git has no date, or past year 9999
            raise SourceError(
                f"{config.name} {release.version}: the date of upstream commit "
                f"{upstream_commit[:12]} ({f'tag {release.tag}' if release.tag else 'a commit'}) "
                "is outside what git and forktool "
                "can record (1970 to 9999)",
                "forktool cannot import this release; integrate another one with --to VERSION",
            ) from exc
        release = replace(release, commit=upstream_commit, date=date)
        if existing:
            return VendorImport(release, existing, repo.read_tree(existing), True)
        tree_id = repo.tree_of(upstream_commit)
        named = f"tag {release.tag}, " if release.tag else "commit "
        message = f"Import {config.name} {release.version} ({named}{upstream_commit})"
        commit = repo.commit_tree(tree_id, _parents(parent), message + "\n", release.date)
        return VendorImport(release, commit, repo.read_tree(commit), False)
    if existing:
        return VendorImport(release, existing, repo.read_tree(existing), True)
    if release.date is not None and release.date.timestamp() < 0:  # say it before downloading
        raise SourceError(
            f"{config.name} {release.version} is dated {release.date.isoformat()} on the index, "
            "before 1970, which git commits cannot record",
            "forktool cannot import this release; integrate another one with --to VERSION",
        )
    left_out: list[str] = []
    with perf.step("read the sdist"):
        tree = pypi.fetch_release(release, cache, left_out, index_url=config.source.index)
    with perf.step("write the vendor tree" + (" (its blobs meanwhile)" if background else "")):
        pending = repo.start_tree(tree, background=background)
    message = f"Import {config.name} {release.version} (sdist sha256 {release.sha256})\n"
    if left_out:
        message += "\nLeft out of the sdist (git cannot store .git paths):\n"
        message += "".join(f"  {name}\n" for name in _git_dirs(left_out))
    try:
        commit = repo.commit_tree(pending.id, _parents(parent), message, release.date)
    except BaseException:
        pending.abandon()
        raise
    return VendorImport(release, commit, tree, False, pending)


def _git_dirs(names: list[str]) -> list[str]:
    """The ``.git`` directories (or files, or their look-alikes git also refuses) ``names``
    lie in, below the top directory; a name with no such component (a symlinked
    ``.gitmodules``) is given whole."""
    found: dict[str, None] = {}
    for name in names:
        parts = [part for part in name.split("/") if part not in ("", ".")][1:]
        cut = refused_component(parts)
        found["/".join(parts if cut is None else parts[: cut + 1])] = None
    return list(found)


def _check_object_store(repo: GitRepo) -> None:
    """Refuse to start when git could not write objects into ``repo``: a run would fail
    halfway (or git would blame the upstream) rather than say so.

    Raises:
        RepositoryError: a probe file cannot be created in ``.git/objects`` (or its
            ``pack`` directory, where ``git fast-import`` and ``git fetch`` write).
    """
    objects = repo.git_dir / "objects"
    for directory in (objects, objects / "pack"):
        if not directory.is_dir():
            continue
        try:
            fd, probe = tempfile.mkstemp(prefix="forktool-probe-", dir=directory)
        except OSError as exc:
            raise RepositoryError(
                f"the object store of the fork repository {repo.path} cannot be written "
                f"({directory}: {exc.strerror or exc})",
                "make it writable for you (check its owner and permissions), then run again",
            ) from exc
        os.close(fd)
        os.unlink(probe)


def _parents(parent: str | None) -> list[str]:
    return [parent] if parent else []
