"""``forktool backport``: an upstream change renamed forward into the fork's patch series.

The change comes in upstream's names, as one of:

- an upstream commit (a git upstream's repository, or a PyPI upstream's
  ``[source] repository``): the repository's branches are fetched into the fork
  repository under a scratch namespace that is removed again (objects stay, refs do not),
  and the commit must be reachable from one of them or from a release tag already
  fetched; a full commit id no branch reaches (a pull request's) is fetched by id;
- a patch file in upstream's names (``git format-patch`` output, a pull request's
  ``.patch``, a plain ``git diff``): applied with ``git apply`` in a private index to the
  vendor tree of the integrated release (the lock file's vendor commit).

Either way there are two trees in upstream's names, before and after the change. Both are
renamed exactly as a release is (:func:`forktool.transform.tree.transform_tree` with the
fork repository's transform cache, then the fork build settings of
:func:`forktool.transform.scm_version.for_fork`), and diffed. That renamed change is then
put onto what the patch will be applied to at the next sync: the integrated release's
transformed tree (the release renamed, with the series applied). Directly when it
applies, else by a three-way merge; the patch written is the difference there, so it
applies cleanly to the release it says it was made on (``Forktool-Base:``), and a
release that contains the change reports it ``upstreamed``.

:func:`plan` computes the patch (it writes git objects only); :func:`write` adds it to the
series. Bad input is refused before anything is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from forktool.codemods.paths import rename_path
from forktool.config import GitSource, UpstreamConfig
from forktool.errors import ConfigError, RepositoryError, SourceError
from forktool.git.repository import GitRepo
from forktool.model import RenameMap
from forktool.patches import series
from forktool.patches.diff_format import split, with_base
from forktool.patches.metadata import BACKPORT_TRAILER, REASON
from forktool.patches.workspace import slug
from forktool.records import intent, lockfile
from forktool.records.fork import find_fork
from forktool.records.lockfile import Lock
from forktool.records.state import transform_cache_path
from forktool.transform import scm_version
from forktool.transform.cache import TransformCache
from forktool.transform.tree import transform_tree
from forktool.upstream.repository import tags_prefix
from forktool.upstream.urlauth import redact

_HEX = re.compile(r"[0-9a-fA-F]{4,40}")
_PLAIN_DIFF = re.compile(rb"^--- \S.*\n\+\+\+ \S", re.MULTILINE)
_DIFF_PATHS = re.compile(rb"^(?:diff --git a/(\S+) b/(\S+)|--- a/(\S+)|\+\+\+ b/(\S+))", re.M)
_SUBJECT_PREFIX = re.compile(r"^\[PATCH[^\]]*\]\s*")


class BackportSource(StrEnum):
    """What was backported: an upstream ``commit``, or a patch ``file``."""

    COMMIT = "commit"
    FILE = "file"


@dataclass(frozen=True)
class UpstreamChange:
    """A change in upstream's names, before the rename.

    Attributes:
        source: a commit or a patch file.
        origin: the full commit id, or the patch file's name (its ``Forktool-Backport:``).
        before / after: the whole tree before and after the change (tree ids in the fork
            repository).
        author: ``Name <email>`` ("" when a patch file does not say).
        subject / body: the commit message, or the patch file's ``Subject:`` and message.
    """

    source: BackportSource
    origin: str
    before: str
    after: str
    author: str
    subject: str
    body: str


@dataclass(frozen=True)
class Backport:
    """A backport ready to be written (:func:`plan`), or written (:func:`write`).

    Attributes:
        upstream: the upstream's name.
        source / origin / subject: as :class:`UpstreamChange`.
        base: the integrated release the patch is made on (its ``Forktool-Base:``).
        patch: its file name in ``patches/<upstream>/``; path: that file.
        data: the patch file's bytes.
        paths: the files it changes, in the fork's names.
        three_way: the renamed change needed a three-way merge to go onto ``base``.
    """

    upstream: str
    source: BackportSource
    origin: str
    subject: str
    base: str
    patch: str
    path: Path
    data: bytes
    paths: tuple[str, ...]
    three_way: bool


def backport(
    config: UpstreamConfig, what: str, name: str | None = None, reason: str | None = None
) -> Backport:
    """:func:`plan`, then :func:`write`: the patch added at the end of the series."""
    planned = plan(config, what, name, reason)
    write(config, planned)
    return planned


def plan(
    config: UpstreamConfig, what: str, name: str | None = None, reason: str | None = None
) -> Backport:
    """Rename the upstream commit or patch file ``what`` forward into a diff patch.

    Args:
        what: an existing file is a patch file; otherwise a commit id (4 to 40 hex
            digits) of the upstream's repository.
        name: the patch file's name (``.patch`` added unless it ends in ``.patch`` or
            ``.diff``); None: ``backport-<subject>.patch`` (the subject's first 40
            characters, as :func:`~forktool.patches.workspace.slug` spells them).
        reason: written as the patch's ``Reason:`` line (None: none).

    Returns:
        the backport; only git objects (and the transform cache) were written, no ref
        moved, no file of the definition or the fork's checkout changed.

    Raises:
        ConfigError: ``name`` is not a plain file name or exists already; nothing is
            integrated yet; a sync is waiting; ``what`` is neither a file nor a commit id;
            the file is not a patch, is in the fork's names, or does not apply to the
            integrated release; a PyPI upstream has no ``[source] repository`` to take a
            commit from.
        SourceError: the upstream repository cannot be fetched, or has no such commit.
        RepositoryError: the commit is a merge or a root commit; the change is already
            in the integrated release, changes nothing once renamed, or conflicts with
            the fork's transformed release.
    """
    repo, lock = _fork(config)
    target = _target(config, name)
    file = Path(what)
    if file.is_file():
        change = _from_file(repo, config, lock, file)
    elif _HEX.fullmatch(what):
        change = _from_commit(repo, config, lock, what)
    else:
        raise ConfigError(
            f"{what!r} is neither a patch file nor a commit id",
            "give an upstream commit id (hex) or the path of a patch file in upstream's names",
        )
    base = f"{config.name} {lock.version}"
    renamed = repo.diff_trees(
        _renamed(repo, config, change.before), _renamed(repo, config, change.after)
    )
    if not renamed:
        raise RepositoryError(
            f"{_what(change)} changes nothing once renamed",
            "it only touches files the fork leaves out (the version file); nothing to backport",
        )
    onto = repo.tree_of(lock.transformed)
    tree, three_way = _onto(repo, onto, renamed, base, change)
    data = _compose(change, base, reason) + repo.diff_trees(onto, tree)
    filename = target or f"backport-{slug(change.subject)[:40].rstrip('-')}.patch"
    path = _free_path(config, filename)
    paths = tuple(sorted(repo.changed_files(onto, tree)))
    return Backport(
        config.name, change.source, change.origin, change.subject, lock.version, path.name,
        path, data, paths, three_way,
    )  # fmt: skip


def write(config: UpstreamConfig, backport: Backport) -> None:
    """Write the patch file and append it to the series.

    Raises:
        ConfigError: the series is invalid, or the patch file appeared meanwhile.
    """
    listed = [p.name for p in series.load(config.root, config.name).patches]
    path = _free_path(config, backport.patch)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(backport.data)
    series.write_entries(config.root, config.name, [*listed, backport.patch])


# -- the fork and the patch's name --------------------------------------------------------


def _fork(config: UpstreamConfig) -> tuple[GitRepo, Lock]:
    """The fork repository and its lock, once a release is integrated and no sync waits."""
    lock = lockfile.read(config.lock_path)
    repo = find_fork(config)
    if lock is None or repo is None:
        raise ConfigError(
            f"{config.name} has no fork yet", f"run 'forktool sync {config.name}' first"
        )
    if intent.read_pending(repo, config.name) is not None:
        raise ConfigError(
            f"a sync of {config.name} is waiting for its conflicts",
            f"finish it ('forktool sync {config.name} --continue') or undo it ('--abort') first",
        )
    series.load(config.root, config.name)  # an invalid series is refused before any work
    return repo, lock


def _target(config: UpstreamConfig, name: str | None) -> str | None:
    """``name`` as a patch file name (``.patch`` added), checked; None stays None."""
    if name is None:
        return None
    problem = series.patch_name_problem(name)
    if problem:
        raise ConfigError(
            f"--name {name!r} {problem}",
            "give a plain file name such as fix-streaming.patch; it goes in "
            f"patches/{config.name}/",
        )
    filename = name if name.endswith((".patch", ".diff")) else name + ".patch"
    _free_path(config, filename)
    return filename


def _free_path(config: UpstreamConfig, filename: str) -> Path:
    path = series.series_path(config.root, config.name).parent / filename
    if path.exists() or path.is_symlink():
        raise ConfigError(f"{path} already exists", "choose another name with --name")
    return path


# -- an upstream commit -------------------------------------------------------------------


def _from_commit(repo: GitRepo, config: UpstreamConfig, lock: Lock, what: str) -> UpstreamChange:
    """The commit ``what`` of the upstream's repository, fetched into the fork repository."""
    url = _repository(config)
    scratch = f"refs/forktool/{config.name}/backport/"
    refs_before = repo.refs()
    try:
        if not repo.fetch_refs(url, [f"+refs/heads/*:{scratch}heads/*"]):
            raise SourceError(
                f"cannot fetch the branches of {config.name}'s repository {redact(url)}",
                "check the url in the [source] table and that the repository is reachable",
            )
        commit = _upstream_commit(repo, config, what, scratch)
        # git skips fetching an object it has, so only an unknown id is fetched by id.
        unknown = len(what) == 40 and repo.resolve(what) is None
        if unknown and repo.fetch_refs(url, [f"{what.lower()}:{scratch}by-id"]):
            commit = repo.resolve(f"{scratch}by-id")
    finally:
        repo.put_back(repo.moved_refs(refs_before), "forktool: backport fetch")
    if commit is None:
        raise SourceError(
            f"{config.name}'s repository {redact(url)} has no commit {what}",
            "give a commit id of the upstream repository (a pull request's commits: its full "
            "commit id, or its .patch file)",
        )
    parents = repo.parents(commit)
    if len(parents) != 1:
        kind = "a merge commit" if parents else "the repository's first commit"
        raise RepositoryError(
            f"upstream commit {commit[:12]} is {kind}; only a commit with one parent is a change "
            "to backport",
            "give the commit (or commits, one backport each) that made the change",
        )
    if lock.upstream_commit and repo.is_ancestor(commit, lock.upstream_commit):
        raise RepositoryError(
            f"{config.name} {lock.version} already contains upstream commit {commit[:12]}",
            "nothing to backport",
        )
    author, subject, body = repo.commit_info(commit)
    return UpstreamChange(
        BackportSource.COMMIT, commit, repo.tree_of(parents[0]), repo.tree_of(commit),
        author, subject, body,
    )  # fmt: skip


def _repository(config: UpstreamConfig) -> str:
    """The git repository the upstream's commits come from."""
    source = config.source
    if isinstance(source, GitSource):
        return source.url
    if source.repository:
        return source.repository
    raise ConfigError(
        f"{config.name} is a PyPI upstream with no git repository to take commits from",
        f"set [source] repository in upstream/{config.name}.toml, or give a patch file",
    )


def _upstream_commit(repo: GitRepo, config: UpstreamConfig, what: str, scratch: str) -> str | None:
    """``what`` as a commit reachable from a fetched branch or a release tag of the
    upstream (a fork commit with that id is not one), or None."""
    commit = repo.resolve(what)
    if commit is None or not commit.startswith(what.lower()):
        return None
    prefixes = (scratch, tags_prefix(config.name))
    tips = [sha for ref, sha in repo.refs().items() if ref.startswith(prefixes)]
    return commit if any(repo.is_ancestor(commit, tip) for tip in tips) else None


# -- a patch file -------------------------------------------------------------------------


def _from_file(repo: GitRepo, config: UpstreamConfig, lock: Lock, file: Path) -> UpstreamChange:
    """The patch file ``file`` applied to the integrated release's vendor tree."""
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise ConfigError(
            f"cannot read {file}: {exc.strerror or exc}", "check the file's permissions"
        ) from exc
    _, diff = split(data)
    if not diff and not _PLAIN_DIFF.search(data):
        raise ConfigError(
            f"{file} is not a patch: it holds no diff",
            "give a git diff, git format-patch output, or a pull request's .patch file",
        )
    _check_upstream_names(config, file, data)
    vendor = repo.tree_of(lock.vendor)
    where = f"{config.name} {lock.version}"
    if repo.apply_patch(vendor, data, check_reverse=True).tree is not None:
        raise RepositoryError(
            f"{where} already has the change of {file.name}", "nothing to backport"
        )
    applied = repo.apply_patch(vendor, data)
    if applied.tree is None:
        applied = repo.apply_patch(vendor, data, three_way=True)
    if applied.tree is None:
        reason = (
            f"conflicts in {', '.join(applied.conflicts)}" if applied.conflicts else applied.error
        )
        raise ConfigError(
            f"{file.name} does not apply to {where} (upstream's files): {reason}",
            f"make the patch on {where}, or backport the upstream commit instead",
        )
    author, subject, body = _mail(data, file)
    return UpstreamChange(
        BackportSource.FILE, file.name, vendor, applied.tree, author, subject, body
    )


def _check_upstream_names(config: UpstreamConfig, file: Path, data: bytes) -> None:
    """Refuse a patch that names files in the fork's names (``src/framework/...``)."""
    reverse = RenameMap(packages={new: old for old, new in config.rename.packages.items()})
    for match in _DIFF_PATHS.finditer(data):
        for raw in match.groups():
            path = raw.decode("utf-8", "replace") if raw else ""
            if path and rename_path(path, reverse) != path:
                raise ConfigError(
                    f"{file.name} is in the fork's names, not upstream's: it changes {path}",
                    "backport takes changes in upstream's names; a change in the fork's names "
                    f"goes in patches/{config.name}/ as it is ('forktool patch add' for a commit)",
                )


def _mail(data: bytes, file: Path) -> tuple[str, str, str]:
    """``(author, subject, body)`` from a patch file's mail header (``git format-patch``);
    the subject is the file's name when it has none."""
    header, _ = split(data)
    text = header.decode("utf-8", "replace")
    head, _, rest = text.partition("\n\n")
    fields: dict[str, str] = {}
    key = ""
    for line in head.splitlines():
        if line[:1] in (" ", "\t") and key:
            fields[key] += " " + line.strip()
            continue
        key, sep, value = line.partition(": ")
        if sep and key in ("From", "Subject") and key not in fields:
            fields[key] = value.strip()
        else:
            key = ""
    subject = _SUBJECT_PREFIX.sub("", fields.get("Subject", "")) or file.name
    body = rest.split("\n---\n", 1)[0].strip() if "Subject" in fields else ""
    return fields.get("From", ""), subject, body


# -- renaming and putting the change on the fork's release ---------------------------------


def _renamed(repo: GitRepo, config: UpstreamConfig, tree_id: str) -> str:
    """``tree_id`` renamed exactly as a release is; the renamed tree's id."""
    with TransformCache(transform_cache_path(repo)) as cache:
        result = transform_tree(repo.read_tree(tree_id), config.rename, cache=cache)
    return repo.write_tree(scm_version.for_fork(result.tree))


def _onto(
    repo: GitRepo, onto: str, renamed: bytes, base: str, change: UpstreamChange
) -> tuple[str, bool]:
    """The tree ``onto`` with the renamed change applied, and whether that needed a
    three-way merge."""
    direct = repo.apply_patch(onto, renamed)
    if direct.tree is not None:
        return direct.tree, False
    merged = repo.apply_patch(onto, renamed, three_way=True)
    if merged.tree == onto or repo.apply_patch(onto, renamed, check_reverse=True).tree:
        raise RepositoryError(
            f"the fork's {base} already has {_what(change)}", "nothing to backport"
        )
    if merged.tree is None:
        where = f"in {', '.join(merged.conflicts)}" if merged.conflicts else f"({merged.error})"
        raise RepositoryError(
            f"{_what(change)}, renamed, conflicts with the fork's {base} {where}",
            "port it by hand: make the change in the fork, commit it, then "
            "'forktool patch add HEAD'",
        )
    return merged.tree, True


def _what(change: UpstreamChange) -> str:
    if change.source == BackportSource.COMMIT:
        return f"upstream commit {change.origin[:12]}"
    return change.origin


def _compose(change: UpstreamChange, base: str, reason: str | None) -> bytes:
    """The patch file's header: ``From:``, ``Subject:``, the message, then the
    ``Forktool-Backport:``, ``Reason:`` and ``Forktool-Base:`` lines and ``---``."""
    header = f"From: {change.author}\n" if change.author else ""
    header += f"Subject: {change.subject}\n\n"
    if change.body:
        header += change.body.rstrip() + "\n\n"
    header += f"{BACKPORT_TRAILER} {change.origin}\n"
    if reason:
        header += f"{REASON} {' '.join(reason.split())}\n"
    return with_base(header.encode() + b"---\n", base)
