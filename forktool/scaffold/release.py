"""Reading the upstream: its newest release, the files of it, and what they say.

:func:`make_source` turns ``--pypi`` / ``--git`` into a source; :func:`inspect` finds the
newest release (:func:`newest_release`), reads its files (:func:`read_release`: a PyPI
sdist, verified like every download, or a git tag's tree) and guesses from them
(:mod:`.guessing`), giving an :class:`Inspection`. :func:`default_name` names the upstream
when the user does not; :func:`source_for_definition` says the source as the definition will.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name

from forktool import config as config_mod
from forktool.config import GitSource, PyPISource
from forktool.errors import ConfigError, SourceError
from forktool.git.repository import GitRepo
from forktool.model import Release, Tree
from forktool.scaffold.guessing import DIST_NAME, Guess, guess
from forktool.upstream import gitsource, pypi
from forktool.upstream.urlauth import redact


@dataclass(frozen=True)
class Inspection:
    """The newest release of an upstream and what its files say.

    Attributes:
        source: where releases come from.
        release: the newest non-prerelease release.
        guess: the guesses from its tree.
        files: how many files the release has.
    """

    source: PyPISource | GitSource
    release: Release
    guess: Guess
    files: int


def default_name(source: PyPISource | GitSource) -> str:
    """The upstream name to use when none is given: the normalized project or repository name.

    Raises:
        ConfigError: the repository URL has no usable last component.
    """
    if isinstance(source, PyPISource):
        return canonicalize_name(source.project)
    tail = re.split(r"[/:\\]", source.url.rstrip("/\\"))[-1].removesuffix(".git")
    name = canonicalize_name(tail)
    if not config_mod.is_upstream_name(name):
        raise ConfigError(
            f"cannot make an upstream name from {source.url!r}",
            "give one: forktool init NAME --git URL",
        )
    return name


def inspect(source: PyPISource | GitSource, name: str) -> Inspection:
    """Find the newest release of ``source``, read its files, and guess from them.

    A PyPI release's sdist is downloaded and checked against the index's sha256; a git
    release's tag is fetched into a temporary repository that is deleted afterwards.

    Raises:
        SourceError: the source cannot be read, has no release, or its release cannot be
            downloaded or unpacked.
    """
    release = newest_release(source)
    tree = read_release(source, release, name)
    fallback = source.project if isinstance(source, PyPISource) else default_name(source)
    return Inspection(source, release, guess(tree, fallback), len(tree))


def newest_release(source: PyPISource | GitSource) -> Release:
    """The newest non-prerelease release of ``source``.

    Raises:
        SourceError: unreachable source, unknown project, or no release at all.
    """
    if isinstance(source, PyPISource):
        releases = pypi.list_releases(source.index, source.project)
        if not releases:
            raise SourceError(
                f"project {source.project!r} on the package index at {redact(source.index)} has no "
                "final release with an sdist",
                "forktool needs source archives; fork upstream's git repository with --git",
            )
        return releases[-1]
    releases = gitsource.list_releases(source)
    if not releases:
        tags = sorted(GitRepo.ls_remote_tags(source.url))
        seen = f" (its tags: {', '.join(tags[:5])}{', …' if len(tags) > 5 else ''})"
        raise SourceError(
            f"the git upstream {redact(source.url)} has no release tag matching "
            f"{source.tag_pattern!r}{seen if tags else ''}",
            "tag releases like v1.2.3, or pass --tag-pattern with a (?P<version>...) group",
        )
    return releases[-1]


def read_release(source: PyPISource | GitSource, release: Release, name: str) -> Tree:
    """The files of ``release``: its verified sdist, or its tag's tree.

    Raises:
        SourceError: download, verification, extraction or fetch failed.
    """
    if isinstance(source, PyPISource):
        return pypi.fetch_release(release, index_url=source.index)
    with tempfile.TemporaryDirectory(prefix="forktool-init-") as tmp:
        repo = GitRepo.init(Path(tmp) / "upstream.git", "main")
        try:
            commit = gitsource.fetch_release(repo, name, release)
            return repo.read_tree(commit)
        finally:
            repo.close()


def make_source(
    project: str | None, url: str | None, index: str | None, tag_pattern: str | None
) -> PyPISource | GitSource:
    """The source ``--pypi`` / ``--git`` (with ``--index`` / ``--tag-pattern``) name.

    A local git path is made absolute (relative to the current directory).

    Raises:
        ConfigError: neither or both of ``project`` and ``url``; an option that does
            not go with the source; an invalid tag pattern; a git URL git must not be
            given (:func:`forktool.config.git_url_problem`).
    """
    if (project is None) == (url is None):
        raise ConfigError(
            "say which upstream to fork: --pypi PROJECT or --git URL (one of them)",
            "e.g. forktool init --pypi humanize --package humanize=humanise",
        )
    if project is not None:
        if tag_pattern is not None:
            raise ConfigError("--tag-pattern goes with --git", "drop it, or use --git URL")
        if not DIST_NAME.match(project.strip()):
            raise ConfigError(
                f"--pypi {project!r} is not a project name", "give the name as on the index"
            )
        chosen = index or config_mod.default_index()
        index_problem = config_mod.index_url_problem(chosen)
        if index_problem:
            named = "--index" if index else f"${config_mod.INDEX_VARIABLE}"
            raise ConfigError(
                f"{named} is not an index URL: {index_problem}",
                "give an http:// or https:// URL of an index speaking PyPI's JSON API",
            )
        return PyPISource(project.strip(), chosen.rstrip("/"))
    assert url is not None
    if index is not None:
        raise ConfigError("--index goes with --pypi", "drop it, or use --pypi PROJECT")
    pattern = tag_pattern or config_mod.DEFAULT_TAG_PATTERN
    config_mod.check_tag_pattern(
        pattern, "--tag-pattern", "fix the pattern (Python re syntax), e.g. '^v(?P<version>.+)$'"
    )
    if not url.strip():
        raise ConfigError("--git needs a URL or a path", "e.g. --git https://host/org/repo.git")
    problem = config_mod.git_url_problem(url)
    if problem:
        raise ConfigError(
            f"--git {url!r} {problem}",
            "give an https://, ssh:// or git@host:path URL, or a local path",
        )
    if not config_mod.REMOTE_URL.match(url):
        url = str(Path(url).expanduser().resolve())
    return GitSource(url, pattern)


def source_for_definition(source: PyPISource | GitSource, root: Path) -> PyPISource | GitSource:
    """``source`` as the definition should say it: a local git path relative to ``root``
    when it lies inside it, otherwise absolute; URLs unchanged."""
    if isinstance(source, PyPISource) or config_mod.REMOTE_URL.match(source.url):
        return source
    path = Path(source.url).resolve()
    if path.is_relative_to(root.resolve()):
        return GitSource(path.relative_to(root.resolve()).as_posix() or ".", source.tag_pattern)
    return GitSource(str(path), source.tag_pattern)


def headline(inspection: Inspection) -> str:
    """One line: the release read, e.g. ``humanize 4.12.1 (sdist on <index>, 80 files)``."""
    release, source = inspection.release, inspection.source
    where = (
        f"sdist on {redact(source.index)}"
        if isinstance(source, PyPISource)
        else f"tag {release.tag}"
    )
    return f"{inspection.guess.distribution} {release.version} ({where}, {inspection.files} files)"
