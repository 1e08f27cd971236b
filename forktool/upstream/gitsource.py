"""Releases of a git upstream: tags matching a pattern, ordered with packaging.version."""

from __future__ import annotations

import re

from packaging.version import InvalidVersion, Version

from forktool.config import GitSource
from forktool.git.repository import GitRepo
from forktool.model import Release
from forktool.upstream.repository import tags_prefix


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
    pattern = re.compile(source.tag_pattern)
    found: list[tuple[Version, Release]] = []
    for tag, commit in GitRepo.ls_remote_tags(source.url).items():
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


def fetch_release(repo: GitRepo, name: str, release: Release) -> str:
    """Fetch the release's tag into ``repo`` under ``refs/forktool/<name>/tags/``.

    Returns:
        the upstream commit id of the release.

    Raises:
        SourceError: the fetch failed.
    """
    assert release.tag is not None
    return repo.fetch_tag(release.url, release.tag, tags_prefix(name) + release.tag)
