"""The git repository of a PyPI upstream (``[source] repository``): its release tags.

A PyPI release is an sdist, without history. When the definition names the project's git
repository, :class:`ReleaseTags` finds each release's tag there (``3.1.3``, ``v3.1.3``,
``<project>-3.1.3``, compared as versions) and fetches just that tag into the fork
repository, under ``refs/forktool/<name>/tags/<tag>`` as a git upstream's tags are; a tag
fetched once is found there again without asking the repository. :func:`compare_trees`
says how an sdist differs from its tag's tree. Nothing here runs unless the definition
names a repository.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from forktool.errors import SourceError
from forktool.git.repository import GitRepo


def tags_prefix(name: str) -> str:
    """Where the tags of upstream ``name`` are kept in the fork repository (git upstreams'
    tags and a PyPI upstream's repository tags alike)."""
    return f"refs/forktool/{name}/tags/"


def tag_version(tag: str, project: str) -> Version | None:
    """The version a release tag names: ``3.1.3``, ``v3.1.3``, ``<project>-3.1.3`` (or
    ``_``, ``-v``; the project name compared case-insensitively, ``-``/``_``/``.`` alike);
    None for any other tag."""
    lowered = tag.lower()
    canonical = canonicalize_name(project)
    names = {project.lower(), canonical, canonical.replace("-", "_")}
    for prefix in ("", "v", *(f"{n}{sep}" for n in names for sep in ("-", "_", "-v", "_v"))):
        if prefix and not lowered.startswith(prefix):
            continue
        rest = tag[len(prefix) :]
        if not rest[:1].isdigit():
            continue
        try:
            return Version(rest)
        except InvalidVersion:
            continue
    return None


class ReleaseTags:
    """The release tags of a PyPI upstream's git repository, fetched on demand.

    Args:
        repo: the fork repository (the tags are fetched into it).
        name: the upstream's name.
        project: the project's name on the index (tags may start with it).
        url: the repository (URL or local path), as the definition says it.

    Attributes:
        tags: version -> tag name, for each version asked for and found.
        problem: why the repository's tags could not be read ("" when they could).
    """

    def __init__(self, repo: GitRepo, name: str, project: str, url: str) -> None:
        self._repo, self._name, self._project, self._url = repo, name, project, url
        self._remote: dict[str, str] | None = None
        self.tags: dict[str, str] = {}
        self.problem = ""

    def commit(self, version: str) -> str | None:
        """The upstream commit of release ``version``: its tag, already in the fork
        repository or fetched now; None when the repository has no such tag (or cannot be
        read, see :attr:`problem`)."""
        try:
            wanted = Version(version)
        except InvalidVersion:
            return None
        prefix = tags_prefix(self._name)
        local = [ref.removeprefix(prefix) for ref in self._repo.refs() if ref.startswith(prefix)]
        tag = self._pick(local, wanted)
        if tag is None:
            tag = self._pick(list(self._remote_tags()), wanted)
            if tag is None:
                return None
            try:
                self._repo.fetch_tag(self._url, tag, prefix + tag)
            except SourceError as exc:
                self.problem = exc.message
                return None
        self.tags[version] = tag
        return self._repo.resolve(prefix + tag)

    def _pick(self, tags: list[str], wanted: Version) -> str | None:
        """The tag of ``wanted`` among ``tags``: the plainest name when several match."""
        matching = [tag for tag in tags if tag_version(tag, self._project) == wanted]
        return min(matching, key=lambda tag: (len(tag), tag), default=None)

    def _remote_tags(self) -> dict[str, str]:
        if self._remote is None:
            try:
                self._remote = GitRepo.ls_remote_tags(self._url)
            except SourceError as exc:
                self.problem, self._remote = exc.message, {}
        return self._remote


@dataclass(frozen=True)
class TreeDifference:
    """How a release's sdist differs from its tag's tree.

    Attributes:
        only_in_sdist: files of the sdist the tag does not have (generated metadata,
            build output), sorted.
        only_in_tag: files of the tag the sdist leaves out (CI, tests, tooling), sorted.
        differing: files both have with different content, sorted.
    """

    only_in_sdist: tuple[str, ...]
    only_in_tag: tuple[str, ...]
    differing: tuple[str, ...]


def compare_trees(repo: GitRepo, sdist: str, tag: str) -> TreeDifference:
    """Compare the sdist's tree (``sdist``, e.g. its vendor commit) with ``tag``'s tree
    (any tree-ish of the fork repository), path by path and blob by blob."""
    ours, theirs = repo.tree_blobs(sdist), repo.tree_blobs(tag)
    return TreeDifference(
        only_in_sdist=tuple(sorted(set(ours) - set(theirs))),
        only_in_tag=tuple(sorted(set(theirs) - set(ours))),
        differing=tuple(sorted(p for p in set(ours) & set(theirs) if ours[p] != theirs[p])),
    )


#: ``Merge pull request #1234 from …`` (GitHub's merge commits) or ``… (#1234)`` (squash
#: merges); ``!1234`` as GitLab writes it.
_PULL_REQUEST = re.compile(r"^Merge (?:pull|merge) request [#!](\d+)\b|\((?:#|!)(\d+)\)\s*$")


def pull_request(subject: str) -> int | None:
    """The pull request a commit subject names (``Merge pull request #1234``, ``(#1234)``),
    or None."""
    match = _PULL_REQUEST.search(subject)
    return int(match.group(1) or match.group(2)) if match else None
