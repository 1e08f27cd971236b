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
put onto what the patch will be applied to at the next sync: the integrated release
renamed, with the series *as it is now* applied (:func:`forktool.renamed.renamed_release`:
patches added since the sync, earlier backports, included). Directly when it applies,
else by a three-way merge; the patch written is the difference there, so it applies
cleanly after the series on the release it says it was made on (``Forktool-Base:``), and
a release that has the change reports it ``upstreamed``.

:func:`plan` computes the patch (it writes git objects only); :func:`write` adds it to the
series, all or nothing. Bad input is refused before anything is written.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from forktool import interrupts
from forktool.codemods.paths import rename_path
from forktool.config import GitSource, UpstreamConfig
from forktool.errors import ConfigError, Interrupted, RepositoryError, SourceError
from forktool.exchange.inverse import inverse_map
from forktool.git.repository import GitRepo
from forktool.patches import metadata, series
from forktool.patches.diff_format import with_base
from forktool.patches.metadata import BACKPORT_TRAILER, REASON
from forktool.patches.workspace import slug
from forktool.records import intent, lockfile
from forktool.records.fork import find_fork
from forktool.records.lockfile import Lock
from forktool.renamed import renamed_release
from forktool.upstream.repository import tags_prefix
from forktool.upstream.urlauth import redact

_HEX = re.compile(r"[0-9a-fA-F]{4,40}")


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
        the backport, made on the integrated release with the whole current series
        applied; only git objects (and the transform cache) were written, no ref moved,
        no file of the definition or the fork's checkout changed.

    Raises:
        ConfigError: ``name`` is not a plain file name or names another file; nothing is
            integrated yet; a sync is waiting; the series is invalid; ``what`` is neither a
            file nor a commit id; the file is not a patch, is in the fork's names, or does
            not apply to the integrated release; a PyPI upstream has no
            ``[source] repository`` to take a commit from.
        SourceError: the upstream repository cannot be fetched, or has no such commit.
        RepositoryError: the commit is a merge or a root commit, or is already in the
            series; the change is already in the integrated release (or the fork's tree),
            changes nothing once renamed, does not apply to the release in upstream's own
            names, or conflicts with the fork's release and its series.
    """
    repo, lock, current = _fork(config)
    target = _target(config, current, name)
    file = Path(what)
    if file.is_file():
        change = _from_file(repo, config, lock, file)
    elif _HEX.fullmatch(what):
        change = _from_commit(repo, config, lock, current, what)
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
    release = renamed_release(
        repo, config, repo.read_tree(lock.vendor), current,
        release_commit=lock.upstream_commit or None,
    )  # fmt: skip
    onto = repo.write_tree(release.applied.tree)
    tree, three_way = _onto(repo, config, lock, onto, renamed, change)
    data = _compose(change, base, reason) + repo.diff_trees(onto, tree)
    filename = target or f"backport-{slug(change.subject)[:40].rstrip('-')}.patch"
    path = _free_path(config, current, filename, data)
    paths = tuple(sorted(repo.changed_files(onto, tree)))
    return Backport(
        config.name, change.source, change.origin, change.subject, lock.version, path.name,
        path, data, paths, three_way,
    )  # fmt: skip


def write(config: UpstreamConfig, backport: Backport) -> None:
    """Write the patch file and append its line to the series, all or nothing.

    Both are written with Ctrl-C and SIGTERM held back (:func:`forktool.interrupts.shielded`):
    an interrupt meanwhile ends the command after both, saying so. A patch file already
    there with exactly ``backport.data`` and not listed (a run killed between the two
    writes) is taken as this one's; the series file is appended to, never rewritten (its
    line endings and comments stay as they are).

    Raises:
        ConfigError: the series is invalid, or lists the patch already, or another file
            took its name meanwhile.
        Interrupted: Ctrl-C or SIGTERM came while writing; both were written.
    """
    current = series.load(config.root, config.name)
    path = _free_path(config, current, backport.patch, backport.data)
    written = False
    try:
        with interrupts.shielded():
            if not path.exists():
                _create(path, backport.data)
            _append_entry(series.series_path(config.root, config.name), backport.patch)
            written = True
    except Interrupted as exc:
        if written:
            exc.detail = (
                f"{backport.patch} had been added to the series ({path}) before it; "
                "nothing to run again"
            )
        raise


def _create(path: Path, data: bytes) -> None:
    """Write ``path`` whole (a temporary file beside it, then a hard link that fails if
    ``path`` appeared meanwhile).

    Raises:
        ConfigError: ``path`` exists.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=".forktool-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.link(temporary, path)
    except FileExistsError as exc:
        raise ConfigError(f"{path} already exists", "choose another name with --name") from exc
    finally:
        os.unlink(temporary)


def _append_entry(path: Path, entry: str) -> None:
    """Append the line ``entry`` to the series file ``path`` (created if missing), in the
    file's own line ending (CRLF when its first line ends so); every byte there stays."""
    data = path.read_bytes() if path.exists() else b""
    first = data.split(b"\n", 1)[0]
    eol = b"\r\n" if data and first.endswith(b"\r") else b"\n"
    lead = eol if data and not data.endswith(b"\n") else b""
    with path.open("ab") as handle:
        handle.write(lead + entry.encode("utf-8") + eol)


# -- the fork and the patch's name --------------------------------------------------------


def _fork(config: UpstreamConfig) -> tuple[GitRepo, Lock, series.Series]:
    """The fork repository, its lock and the series as it is now, once a release is
    integrated and no sync waits."""
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
    return repo, lock, series.load(config.root, config.name)


def _target(config: UpstreamConfig, current: series.Series, name: str | None) -> str | None:
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
    _free_path(config, current, filename, None)
    return filename


def _free_path(
    config: UpstreamConfig, current: series.Series, filename: str, data: bytes | None
) -> Path:
    """``patches/<name>/<filename>``, when the patch may be written there: no file is
    there, or (``data`` given) the file there holds exactly ``data`` and the series does
    not list it (forktool's own, left by a run killed before its series line; None: such a
    file is judged once the data is known).

    Raises:
        ConfigError: the series lists ``filename`` already, or another file is there.
    """
    path = series.series_path(config.root, config.name).parent / filename
    listed = any(patch.name == filename for patch in current.patches)
    if not listed and not (path.exists() or path.is_symlink()):
        return path
    ours = not listed and path.is_file() and not path.is_symlink()
    if ours and (data is None or path.read_bytes() == data):
        return path
    raise ConfigError(f"{path} already exists", "choose another name with --name")


# -- an upstream commit -------------------------------------------------------------------


def _from_commit(
    repo: GitRepo, config: UpstreamConfig, lock: Lock, current: series.Series, what: str
) -> UpstreamChange:
    """The commit ``what`` of the upstream's repository, fetched into the fork repository.

    Raises:
        SourceError / RepositoryError: as :func:`plan` says.
    """
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
    for patch in current.patches:
        if metadata.read(patch).backport_commit == commit:
            raise RepositoryError(
                f"upstream commit {commit[:12]} is already in the series as {patch.name}",
                "nothing to backport; 'forktool patch list' shows the series",
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
    _check_upstream_names(config, file, _patch_paths(repo, file, data))
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
    mail = metadata.read_mail(repo, data)
    return UpstreamChange(
        BackportSource.FILE, file.name, vendor, applied.tree, mail.author,
        mail.subject or file.name, mail.body,
    )  # fmt: skip


def _patch_paths(repo: GitRepo, file: Path, data: bytes) -> list[str]:
    """Every path the patch file names, as git reads it (``git apply --numstat -z``: the
    old and new path of a rename, quoted and non-ASCII paths decoded).

    Raises:
        ConfigError: git finds no diff in it, or cannot read it.
    """
    listed = repo.run(["apply", "--numstat", "-z", "-"], input=data, ok=(0, 128))
    fields = listed.text.split("\0")
    if listed.returncode != 0 or not listed.text:
        reason = listed.reason() if listed.returncode != 0 else ""
        found = "it holds no diff" if not reason or "No valid patches" in reason else reason
        raise ConfigError(
            f"{file} is not a patch: {found}",
            "give a git diff, git format-patch output, or a pull request's .patch file",
        )
    paths: list[str] = []
    index = 0
    while index < len(fields) and fields[index]:
        _, _, path = fields[index].split("\t", 2)
        if path:  # added, deleted, path
            paths.append(path)
            index += 1
        else:  # added, deleted, "" then the old and the new path of a rename or copy
            paths += fields[index + 1 : index + 3]
            index += 3
    return paths


def _check_upstream_names(config: UpstreamConfig, file: Path, paths: list[str]) -> None:
    """Refuse a patch that names files in the fork's names (``src/framework/...``)."""
    upstream_names = inverse_map(config.rename)
    for path in paths:
        if rename_path(path, upstream_names) != path:
            raise ConfigError(
                f"{file.name} is in the fork's names, not upstream's: it changes {path}",
                "backport takes changes in upstream's names; a change in the fork's names "
                f"goes in patches/{config.name}/ as it is ('forktool patch add' for a commit)",
            )


# -- renaming and putting the change on the fork's release ---------------------------------


def _renamed(repo: GitRepo, config: UpstreamConfig, tree_id: str) -> str:
    """``tree_id`` renamed exactly as a release is (no patch applied); the renamed tree's id."""
    empty = series.Series(series.series_path(config.root, config.name).parent, ())
    return repo.write_tree(renamed_release(repo, config, repo.read_tree(tree_id), empty).tree)


def _onto(
    repo: GitRepo, config: UpstreamConfig, lock: Lock, onto: str, renamed: bytes,
    change: UpstreamChange,
) -> tuple[str, bool]:  # fmt: skip
    """The tree ``onto`` (the fork's release with its series) with the renamed change
    applied, and whether that needed a three-way merge.

    Raises:
        RepositoryError: ``onto`` has the change already; the change does not apply to the
            release in upstream's names either; it conflicts with the fork's tree.
    """
    base = f"{config.name} {lock.version}"
    release_commit = lock.upstream_commit
    in_history = bool(
        change.source == BackportSource.COMMIT
        and release_commit
        and repo.is_ancestor(change.origin, release_commit)
    )
    direct = repo.apply_patch(onto, renamed)
    if direct.tree is not None:  # a commit in the release's history that was reverted since
        return direct.tree, False
    if in_history:
        raise RepositoryError(
            f"{base} already contains upstream commit {change.origin[:12]}", "nothing to backport"
        )
    merged = repo.apply_patch(onto, renamed, three_way=True)
    if merged.tree == onto or repo.apply_patch(onto, renamed, check_reverse=True).tree:
        raise RepositoryError(
            f"the fork's {base} already has {_what(change)}", "nothing to backport"
        )
    if merged.tree is not None:
        return merged.tree, True
    own = _upstream_conflict(repo, lock, change)
    if own:
        raise RepositoryError(
            f"{_what(change)} conflicts with {base} itself, in upstream's names ({own}): it "
            "builds on upstream changes the release does not have",
            "backport the upstream commits it builds on first (oldest first, one backport "
            "each), or port it by hand and 'forktool patch add HEAD'",
        )
    where = f"in {', '.join(merged.conflicts)}" if merged.conflicts else f"({merged.error})"
    raise RepositoryError(
        f"{_what(change)}, renamed, conflicts with the fork's {base} and its patch series {where}",
        "port it by hand: make the change in the fork, commit it, then 'forktool patch add HEAD'",
    )


def _upstream_conflict(repo: GitRepo, lock: Lock, change: UpstreamChange) -> str:
    """Where the change, in upstream's names, fails to go onto the integrated release's
    vendor tree too (a three-way merge): ``conflicts in <paths>`` or git's reason; "" when
    it goes on, so that a conflict is the rename's or the series', not upstream's own."""
    diff = repo.diff_trees(change.before, change.after)
    outcome = repo.apply_patch(repo.tree_of(lock.vendor), diff, three_way=True)
    if outcome.tree is not None:
        return ""
    return f"conflicts in {', '.join(outcome.conflicts)}" if outcome.conflicts else outcome.error


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
