"""Releases of a git upstream: tags matching a pattern, ordered with packaging.version;
and the commits between them (a branch head or a commit id given as ``--to``).

**The version of a commit between releases** is the newest release tag it descends from
(by version, among the configured releases), plus ``.post<N>+g<short id>``, where N is the
number of commits since that tag (as ``git describe`` counts them: ``git rev-list --count
TAG..COMMIT``) and the short id is the commit's first 12 hex digits, so the same commit
gets the same version everywhere. ``3.1.3`` then 68 commits: ``3.1.3.post68+g2ac89889f4cc``.
It sorts, by PEP 440:

- after the release it descends from, and after every commit of the way there (N grows
  along any history; a commit that merges a newer release in starts from that release);
- before the next release, final or not (``3.1.4``, ``3.2.0rc1``, ``3.1.4.dev0``), so a
  release sync after a branch sync moves forward;
- a release that already has a post segment counts on from it (``1.0.post1`` then 3:
  ``1.0.post4+g…``); one with a dev segment counts its dev number on (``2.0.dev1`` then 3:
  ``2.0.dev4+g…``), since PEP 440 cannot spell a post-release of a dev release;
- with no release tag in its history: ``0.post<N>+g<short>``, N the commits of its history.

A commit that is a release's tag commit is that release. Nothing here moves a ref of the
fork repository except :func:`fetch_release` (the import): resolving fetches objects only.
"""

from __future__ import annotations

import re
from dataclasses import replace

from packaging.version import InvalidVersion, Version

from forktool.config import GitSource
from forktool.errors import SourceError
from forktool.git.repository import GitRepo
from forktool.model import Release
from forktool.upstream.repository import tags_prefix

#: How many hex digits of a commit id its version carries (``+g<short>``).
SHORT = 12
_HEX = re.compile(r"^[0-9a-f]{7,40}$")
_LOCAL = re.compile(r"^g([0-9a-f]{7,40})$")


def list_releases(source: GitSource) -> list[Release]:
    """List the releases of ``source`` without cloning it (``git ls-remote``).

    A tag is a release when it matches ``source.tag_pattern`` as a whole; its version is
    the pattern's ``version`` group (or the whole tag) parsed by packaging.

    Returns:
        releases sorted by version, oldest first; pre-releases only if configured.
        ``commit`` is the tag's (peeled) commit id; ``date`` is filled in on import.

    Raises:
        SourceError: the repository cannot be reached.
    """
    return _releases(source, GitRepo.ls_remote_tags(source.url))


def _releases(source: GitSource, tags: dict[str, str]) -> list[Release]:
    """The releases among ``tags`` (tag -> peeled commit), as :func:`list_releases`."""
    pattern = re.compile(source.tag_pattern)
    found: list[tuple[Version, Release]] = []
    for tag, commit in tags.items():
        match = pattern.fullmatch(tag)
        if not match:
            continue
        text = match.groupdict().get("version") or match.group(0)
        try:
            version = Version(text)
        except InvalidVersion:
            continue
        if version.is_prerelease and not source.prereleases:
            continue
        found.append((version, Release(version=text, url=source.url, commit=commit, tag=tag)))
    found.sort(key=lambda pair: pair[0])
    return [release for _, release in found]


def is_between_releases(version: str) -> bool:
    """True when ``version`` is one forktool gave a commit between releases: its local
    label is ``g`` and a commit id (``3.1.3.post68+g2ac89889f4cc``)."""
    return _commit_prefix(version) is not None


def looks_like_commit(text: str) -> bool:
    """True when ``text`` may name a commit: 7 to 40 hex digits, or a version of a commit
    between releases."""
    return bool(_HEX.match(text.lower())) or is_between_releases(text)


def _commit_prefix(version: str) -> str | None:
    """The commit id prefix a between-releases version carries, or None."""
    try:
        local = Version(version).local
    except InvalidVersion:
        return None
    match = _LOCAL.match(local or "")
    return match.group(1) if match else None


def commit_version(base: Version | None, count: int, commit: str) -> str:
    """The version of ``commit``, ``count`` commits after release ``base`` (None: no
    release in its history); see the module's docstring for the format and its order."""
    local = f"+g{commit[:SHORT]}"
    if base is None:
        return f"0.post{count}{local}"
    text = base.base_version  # epoch and release
    if base.pre is not None:
        text += f"{base.pre[0]}{base.pre[1]}"
    if base.dev is not None:
        post = f".post{base.post}" if base.post is not None else ""
        return f"{text}{post}.dev{base.dev + count}{local}"
    return f"{text}.post{(base.post or 0) + count}{local}"


def describe(repo: GitRepo, releases: list[Release], commit: str) -> str:
    """The version of ``commit`` (in ``repo`` with its history): the newest of
    ``releases`` whose commit it descends from, plus the commits since.

    Raises:
        GitFailed: ``commit`` is not in ``repo``.
    """
    for release in sorted(releases, key=lambda r: Version(r.version), reverse=True):
        if release.commit and repo.is_ancestor(release.commit, commit):
            count = repo.count_commits(release.commit, commit)
            if count == 0:
                return release.version
            return commit_version(Version(release.version), count, commit)
    return commit_version(None, repo.count_all(commit), commit)


def resolve_ref(repo: GitRepo, source: GitSource, ref: str) -> Release | None:
    """The commit ``ref`` names at the upstream, as a release: a branch (its head), a tag,
    a commit id (7 to 40 hex digits, reachable from a branch, or any full id the server
    gives out), or a version of a commit between releases (``3.1.3.post68+g2ac89889f4cc``:
    the commit its id names). A commit's version can change when upstream tags a release
    it descends from later (``3.1.4.post59+g2ac89889f4cc``, sorting after the old one):
    the commit is found by its id all the same, and given its version as of now.

    Its history is fetched into ``repo`` (objects only: no ref moves, no ``FETCH_HEAD``).

    Returns:
        the release whose tag commit it is, if any (pre-releases too); else a
        :class:`Release` with ``tag`` None, ``commit`` the full id and ``version`` from
        :func:`describe`; None when the upstream has no such branch, tag or commit.

    Raises:
        SourceError: the repository cannot be reached.
    """
    tags = GitRepo.ls_remote_tags(source.url)
    heads = GitRepo.ls_remote_heads(source.url)
    commit = _fetch_named(repo, source.url, ref, tags, heads)
    if commit is None:
        return None
    every = _releases(replace(source, prereleases=True), tags)
    found = next((r for r in reversed(every) if r.commit == commit), None)
    if found is not None:
        return found
    version = describe(repo, _releases(source, tags), commit)
    return Release(version=version, url=source.url, commit=commit)


def _fetch_named(
    repo: GitRepo, url: str, ref: str, tags: dict[str, str], heads: dict[str, str]
) -> str | None:
    """Fetch what ``ref`` names (objects only) and return its full commit id, or None."""
    if ref in heads:
        repo.fetch_objects(url, [f"refs/heads/{ref}"])
        return heads[ref]
    if ref in tags:
        repo.fetch_objects(url, [f"refs/tags/{ref}"])
        return tags[ref]
    prefix = _commit_prefix(ref) or (ref.lower() if _HEX.match(ref.lower()) else None)
    if prefix is None:
        return None
    return find_commit(repo, url, prefix, heads)


def find_commit(
    repo: GitRepo, url: str, prefix: str, heads: dict[str, str] | None = None
) -> str | None:
    """The full id of the upstream commit ``prefix`` starts, fetched into ``repo``
    (objects only) with every branch's history, or by its id when it is a full one;
    None when the upstream has no such commit (or the prefix is ambiguous)."""
    found = repo.resolve(prefix)
    if found is not None and found.startswith(prefix):
        return found
    heads = GitRepo.ls_remote_heads(url) if heads is None else heads
    if heads:
        repo.fetch_objects(url, [f"refs/heads/{head}" for head in heads])
    found = repo.resolve(prefix)
    if found is None and len(prefix) == 40:
        try:
            repo.fetch_objects(url, [prefix])
        except SourceError:
            return None  # the server does not give out that commit, or has none
        found = repo.resolve(prefix)
    return found if found is not None and found.startswith(prefix) else None


def steps(repo: GitRepo, source: GitSource, integrated: str, target: Release) -> list[Release]:
    """The upstream commits ``sync --each-commit`` integrates one at a time, oldest first:
    ``target``'s first-parent chain after ``integrated`` (``git rev-list --first-parent
    --reverse``), less the commits that do not contain ``integrated`` (made beside it
    before a merge brought it in: on their own they would take its changes back; the
    first merge that contains it brings them). Each is a release where a release tag
    points at it, else a commit with its version (:func:`describe`).

    Both commits must be in ``repo`` (:func:`resolve_ref` and the imports fetch them).

    Raises:
        SourceError: the repository cannot be reached.
    """
    tags = GitRepo.ls_remote_tags(source.url)
    releases = _releases(source, tags)
    by_commit = {r.commit: r for r in _releases(replace(source, prereleases=True), tags)}
    if target.commit:
        by_commit[target.commit] = target
    assert target.commit is not None
    ensure_commit(repo, target)
    ensure_commit(repo, Release(integrated, source.url, commit=integrated))
    found = []
    for commit in repo.first_parent_descendants(integrated, target.commit):
        release = by_commit.get(commit)
        if release is None:
            release = Release(describe(repo, releases, commit), source.url, commit=commit)
        found.append(release)
    return found


def ensure_commit(repo: GitRepo, release: Release) -> None:
    """Make sure ``release``'s upstream commit and its history are in ``repo`` (objects
    only, no ref moves): its tag's, or the commit's (:func:`find_commit`).

    Raises:
        SourceError: it cannot be fetched.
    """
    assert release.commit is not None
    if repo.resolve(release.commit) is not None:
        return
    if release.tag is not None:
        repo.fetch_objects(release.url, [f"refs/tags/{release.tag}"])
    elif find_commit(repo, release.url, release.commit) is None:
        raise SourceError(
            f"the git upstream {release.url} no longer has commit {release.commit[:SHORT]}",
            "give a branch or a commit it has with --to",
        )


def fetch_release(repo: GitRepo, name: str, release: Release) -> str:
    """Fetch the release's tag into ``repo`` under ``refs/forktool/<name>/tags/``; a
    commit between releases (no tag) under ``refs/forktool/<name>/commits/<id>``, so its
    history stays in the fork repository for the conflict report.

    Returns:
        the upstream commit id of the release.

    Raises:
        SourceError: the fetch failed, or the upstream no longer has the commit.
    """
    if release.tag is not None:
        return repo.fetch_tag(release.url, release.tag, tags_prefix(name) + release.tag)
    assert release.commit is not None
    commit = find_commit(repo, release.url, release.commit)
    if commit is None:
        raise SourceError(
            f"the git upstream {release.url} no longer has commit {release.commit[:SHORT]} "
            f"({name} {release.version})",
            "give a branch or a commit it has with --to",
        )
    repo.set_ref(commits_prefix(name) + commit, commit, f"forktool: {name} {release.version}")
    return commit


def commits_prefix(name: str) -> str:
    """Where the upstream commits between releases that were imported are kept."""
    return f"refs/forktool/{name}/commits/"
