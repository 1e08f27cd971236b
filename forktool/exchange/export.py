"""``forktool export``: a fork commit, a range of them, or a diff patch of the series, as a
patch in upstream's names.

What is exported is a change between two whole fork trees: a commit and its parent, or
for a series patch the integrated release renamed with the patches before it, without and
with the patch. Both trees are un-renamed with :mod:`.inverse` (the same transform a sync
runs, with the inverse map), committed into the fork repository's object store (no ref
moves) with the original author, dates and message plus a trailer naming the fork commit
or patch, and printed by git's own ``format-patch``. The base of the exported patch is
therefore the fork's parent un-renamed; whether upstream has that base is what ``--onto``
checks (``git apply --check`` on the upstream commit's tree, then ``git apply --3way``),
in a private index, never the user's index or working tree.

The round trip: both un-renamed trees are renamed forward again, and the change between
them must be the fork's change byte for byte (``git diff`` of the two pairs compared);
lines that do not come back are listed (:func:`~.inverse.round_trip_lines`), never fixed
by guessing.

``--branch NAME`` (a git upstream) commits the change onto the ``--onto`` commit and
pushes that commit into a local clone of the upstream as branch ``NAME``, ready to push
for a pull request. ``--forwarded VALUE`` writes ``Forwarded: VALUE`` into the header of
the series patch exported. Everything else writes only git objects (and the transform
cache) in the fork repository; refs fetched for ``--onto`` are deleted again.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from forktool.config import GitSource, UpstreamConfig
from forktool.errors import ConfigError, RepositoryError
from forktool.exchange.inverse import RoundTripLine, rename_tree, round_trip_lines, unrename_tree
from forktool.git.command import ANY
from forktool.git.names import branch_problem
from forktool.git.repository import GitRepo
from forktool.model import PatchKind, PatchStatus, Tree
from forktool.patches import series as series_mod
from forktool.patches.diff_format import split
from forktool.records import lockfile
from forktool.records.fork import open_fork
from forktool.records.state import transform_cache_path
from forktool.renamed import renamed_release
from forktool.transform.cache import TransformCache

#: The trailers naming where an exported change comes from.
COMMIT_TRAILER = "Forktool-Fork-Commit"
PATCH_TRAILER = "Forktool-Series-Patch"
FORWARDED = "Forwarded:"
_NOT_A_MESSAGE = ("Forktool-Base:", FORWARDED)


class SourceKind(StrEnum):
    """What an exported change was made from: a fork commit or a series patch."""

    COMMIT = "commit"
    PATCH = "patch"


class ApplyStatus(StrEnum):
    """How the export fares on ``--onto``: ``applies`` (``git apply --check`` passes),
    ``three-way`` (only a three-way apply works, cleanly), ``conflicts`` (not even that)."""

    APPLIES = "applies"
    THREE_WAY = "three-way"
    CONFLICTS = "conflicts"


@dataclass(frozen=True)
class Request:
    """What ``forktool export`` was asked.

    Attributes:
        what: a fork commit (any revision), a range ``A..B`` of fork commits, or the name
            of a diff patch of the series.
        onto: None: no check; "": the newest release on the vendor branch; else a version
            imported on the vendor branch, or (git upstream) a branch, tag or commit of the
            upstream repository.
        branch: create this branch in the upstream clone (git upstream, with ``onto``).
        clone: the upstream clone for ``branch`` (None: the upstream URL, when it is a
            local repository).
        forwarded: write ``Forwarded: VALUE`` (a URL, or ``no``) into the series patch.
    """

    what: str
    onto: str | None = None
    branch: str | None = None
    clone: Path | None = None
    forwarded: str | None = None


@dataclass(frozen=True)
class Change:
    """One change exported.

    Attributes:
        kind: commit or patch.
        source: the fork commit id, or the series patch's name.
        subject: the first line of its message.
        commit: the exported commit (upstream's names) in the fork's object store; its
            parent holds the base, the fork's parent tree un-renamed.
        files: the paths the exported patch touches, in upstream's names.
        exact: renaming the export forward gives the fork's change byte for byte.
        round_trip: the lines that do not come back (empty when ``exact``, or when the
            difference lies outside every line of the change).
    """

    kind: SourceKind
    source: str
    subject: str
    commit: str
    files: tuple[str, ...]
    exact: bool
    round_trip: tuple[RoundTripLine, ...]


@dataclass(frozen=True)
class Onto:
    """The ``--onto`` check.

    Attributes:
        ref: as given ("" for the newest release on the vendor branch).
        commit: the upstream commit checked against.
        description: what that is, e.g. ``flask 3.1.3 (vendor branch)``.
        status: applies / three-way / conflicts (the worst over the changes).
        detail: git's reason the plain apply failed, e.g. ``patch failed:
            src/flask/app.py:120`` ("" when it applies).
        conflicts: paths a three-way apply leaves conflicted.
        failed: the change (fork commit or patch) that did not apply plainly ("" if none).
        tree: the upstream tree with every change applied (None: conflicts).
    """

    ref: str
    commit: str
    description: str
    status: ApplyStatus
    detail: str = ""
    conflicts: tuple[str, ...] = ()
    failed: str = ""
    tree: str | None = None


@dataclass(frozen=True)
class Branch:
    """The branch ``--branch`` created: its name, the clone it is in, its commit."""

    name: str
    clone: Path
    commit: str


@dataclass(frozen=True)
class Exported:
    """The result of ``forktool export``.

    Attributes:
        upstream: the upstream's name.
        changes: one per commit (in order) or the one patch.
        patch: the ``git format-patch`` output (a mailbox: one message per change).
        onto: the ``--onto`` check, or None.
        branch: the branch created (None: not asked, or the changes conflict).
        forwarded: the series patch file ``Forwarded:`` was written into, or None.
    """

    upstream: str
    changes: tuple[Change, ...]
    patch: bytes
    onto: Onto | None = None
    branch: Branch | None = None
    forwarded: Path | None = None

    @property
    def exact(self) -> bool:
        """Every change round-trips byte for byte."""
        return all(change.exact for change in self.changes)


@dataclass(frozen=True)
class _Selected:
    """One change to export, in the fork's names, with what its commit message needs."""

    kind: SourceKind
    source: str
    before: str  # tree ids in the fork's object store
    after: str
    message: str
    env: dict[str, str]  # GIT_AUTHOR_* / GIT_COMMITTER_* of the exported commit


def export(config: UpstreamConfig, request: Request) -> Exported:
    """Export a fork change in upstream's names (see the module docstring).

    Args:
        config: the upstream definition (rename map, source, fork path).
        request: what to export and what to do with it.

    Returns:
        the exported changes, their ``format-patch`` text, the round trip, and the
        ``--onto`` check and branch when asked.

    Raises:
        ConfigError: nothing is integrated yet; the patch is not a diff patch of the
            series, or does not apply to the integrated release; ``--forwarded`` without a
            patch or with a value that is neither a URL nor ``no``; ``--branch`` without
            ``--onto``, for a PyPI upstream, or with no local clone.
        RepositoryError: not a fork commit (unknown, a merge, a root, not on the fork
            branch, or a vendor or transformed commit), an empty range or one with merges,
            a change that changes nothing; an ``--onto`` REF the upstream does not have;
            the branch exists in the clone. Nothing is changed then.
    """
    repo = open_fork(config, f"run 'forktool sync {config.name}' first")
    lock = lockfile.read(config.lock_path)
    if lock is None:
        raise ConfigError(
            f"{config.name} has no fork yet", f"run 'forktool sync {config.name}' first"
        )
    series = series_mod.load(config.root, config.name)
    patch_file = _series_patch(series, request.what)
    _check_request(config, request, patch_file)
    selected = (
        [_select_patch(repo, config, lock, series, patch_file)]
        if patch_file is not None
        else _select_commits(repo, config, request.what)
    )
    clone = _branch_clone(config, request) if request.branch is not None else None
    with _onto_commit(repo, config, request.onto) as onto:
        with TransformCache(transform_cache_path(repo)) as cache:
            changes, base = _export_changes(repo, config, selected, cache)
        mailbox = repo.run(
            ["format-patch", "--stdout", "--no-signature", f"{base}..{changes[-1].commit}"]
        ).stdout
        checked = _check_onto(repo, changes, *onto) if onto is not None else None
    branch = None
    if clone is not None and checked is not None and checked.tree is not None:
        assert request.branch is not None
        branch = _create_branch(repo, clone, request.branch, checked, changes)
    forwarded = None
    if request.forwarded is not None and patch_file is not None:
        patch_file.path.write_bytes(with_forwarded(patch_file.data, request.forwarded))
        forwarded = patch_file.path
    return Exported(config.name, tuple(changes), mailbox, checked, branch, forwarded)


def with_forwarded(data: bytes, value: str) -> bytes:
    """A patch file with its ``Forwarded:`` header line set to ``value`` (replaced when
    there is one, else added before the ``Forktool-Base:`` line, or at the end of the
    header); the diff is left byte for byte."""
    header, diff = split(data)
    line = f"{FORWARDED} {value}\n".encode()
    lines = header.splitlines(keepends=True)
    for index, existing in enumerate(lines):
        if existing.startswith(FORWARDED.encode()):
            lines[index] = line
            return b"".join(lines) + diff
    for index, existing in enumerate(lines):
        if existing.startswith(b"Forktool-Base:") or existing.rstrip() == b"---":
            return b"".join(lines[:index]) + line + b"".join(lines[index:]) + diff
    return b"".join(lines) + line + diff


def forwarded_of(data: bytes) -> str | None:
    """The ``Forwarded:`` value in a patch file's header, or None when it has none."""
    header, _ = split(data)
    for line in header.decode("utf-8", "replace").splitlines():
        if line.startswith(FORWARDED):
            return line[len(FORWARDED) :].strip()
    return None


# --- what to export -----------------------------------------------------------------------


def _series_patch(series: series_mod.Series, what: str) -> series_mod.PatchFile | None:
    for patch in series.patches:
        if patch.name == what:
            if patch.kind != PatchKind.DIFF:
                raise ConfigError(
                    f"{what} is a codemod patch; only diff patches of the series are exported",
                    "export the fork commit the codemod's change is in instead",
                )
            return patch
    return None


def _check_request(
    config: UpstreamConfig, request: Request, patch: series_mod.PatchFile | None
) -> None:
    if request.forwarded is not None:
        if patch is None:
            raise ConfigError(
                "--forwarded writes into a series patch, and no patch is exported",
                "name a diff patch of the series ('forktool patch list')",
            )
        value = request.forwarded
        if value != "no" and not re.fullmatch(r"https?://\S+", value):
            raise ConfigError(
                f"--forwarded {value!r} is neither a URL nor 'no'",
                "give the URL the change was sent to (pull request, mail), or 'no'",
            )
    if request.branch is not None:
        if request.onto is None:
            raise ConfigError("--branch needs --onto", "add --onto REF: the branch starts there")
        if not isinstance(config.source, GitSource):
            raise ConfigError(
                f"--branch needs a git upstream, and {config.name} comes from a package index",
                "apply the exported patch in your clone of the upstream with 'git am'",
            )
        problem = branch_problem(request.branch)
        if problem:
            raise ConfigError(f"--branch {request.branch!r} {problem}", "give a branch name")


def _select_commits(repo: GitRepo, config: UpstreamConfig, what: str) -> list[_Selected]:
    """The fork commits ``what`` names (a commit or ``A..B``), oldest first, checked."""
    if ".." in what:
        start, _, end = what.partition("..")
        ends = [repo.resolve(part or "HEAD") for part in (start, end)]
        if None in ends:
            raise RepositoryError(
                f"{what!r} is not a range of the fork repository", "give A..B with two commits"
            )
        listed = repo.run(["rev-list", "--reverse", "--parents", f"{ends[0]}..{ends[1]}"]).out
        rows = [line.split() for line in listed.splitlines()]
        if not rows:
            raise RepositoryError(f"the range {what} holds no commit", "give A..B with A older")
        merges = [row[0] for row in rows if len(row) != 2]
        if merges:
            raise RepositoryError(
                f"the range {what} holds {len(merges)} merge commits, e.g. {merges[0][:12]}",
                "export a range of ordinary commits (merges of releases are not the fork's)",
            )
        commits = [row[0] for row in rows]
    else:
        found = repo.resolve(what)
        if found is None:
            raise RepositoryError(
                f"{what!r} is neither a commit of the fork repository nor a patch of the series",
                "give a commit id, A..B, or a patch name from 'forktool patch list'",
            )
        commits = [found]
    return [_select_commit(repo, config, commit, what) for commit in commits]


def _select_commit(repo: GitRepo, config: UpstreamConfig, commit: str, what: str) -> _Selected:
    short = commit[:12]
    fork_branch = f"refs/heads/{config.fork_branch}"
    if not repo.is_ancestor(commit, fork_branch):
        raise RepositoryError(
            f"{short} ({what}) is not on the fork branch {config.fork_branch}",
            "export commits of the fork branch",
        )
    for ref in (config.transformed_branch, config.vendor_branch):
        if repo.resolve(ref) is not None and repo.is_ancestor(commit, ref):
            raise RepositoryError(
                f"{short} ({what}) is forktool's ({ref.removeprefix('refs/heads/')}), "
                "not the fork's",
                "export a commit you made on the fork branch",
            )
    parents = repo.parents(commit)
    if len(parents) != 1:
        kind = "a merge commit" if parents else "a root commit"
        raise RepositoryError(
            f"{short} ({what}) is {kind}; only ordinary fork commits are exported",
            "give a commit with exactly one parent",
        )
    before, after = repo.tree_of(parents[0]), repo.tree_of(commit)
    if before == after:
        raise RepositoryError(f"{short} ({what}) changes nothing", "give another commit")
    fields = repo.run(
        ["log", "-1", "--date=raw", "--format=%an%x00%ae%x00%ad%x00%cn%x00%ce%x00%cd%x00%B", commit]
    ).text.split("\0", 6)
    env = dict(zip(_IDENTITY_KEYS, fields[:6], strict=True))
    message = _with_trailer(repo, fields[6], f"{COMMIT_TRAILER}: {commit}")
    return _Selected(SourceKind.COMMIT, commit, before, after, message, env)


_IDENTITY_KEYS = (
    "GIT_AUTHOR_NAME",
    "GIT_AUTHOR_EMAIL",
    "GIT_AUTHOR_DATE",
    "GIT_COMMITTER_NAME",
    "GIT_COMMITTER_EMAIL",
    "GIT_COMMITTER_DATE",
)


def _select_patch(
    repo: GitRepo,
    config: UpstreamConfig,
    lock: lockfile.Lock,
    series: series_mod.Series,
    patch: series_mod.PatchFile,
) -> _Selected:
    """A series patch as a change: the integrated release renamed with the patches before
    it, without and with this one (:func:`forktool.renamed.renamed_release`, as a sync
    builds it)."""
    position = series.index(patch.name)
    vendor = repo.read_tree(lock.vendor)
    release_commit = lock.upstream_commit or None
    before = renamed_release(repo, config, vendor, series, position, release_commit).applied
    applied = renamed_release(repo, config, vendor, series, position + 1, release_commit).applied
    health = applied.health[position]
    if health.status not in (PatchStatus.CLEAN, PatchStatus.THREE_WAY):
        raise ConfigError(
            f"{patch.name} does not apply to {config.name} {lock.version} "
            f"({health.status}{': ' + health.detail if health.detail else ''})",
            "refresh or drop it first; 'forktool patch list' shows the series' health",
        )
    info = _mail_info(repo, patch.data)
    date = info.get("Date") or f"{int(repo.commit_date(lock.transformed).timestamp())} +0000"
    name = info.get("Author", "") or "unknown"
    email = info.get("Email", "")
    env = dict(zip(_IDENTITY_KEYS, (name, email, date, name, email, date), strict=True))
    body = info.get("message", "").strip()
    message = (info.get("Subject", "") or patch.name) + ("\n\n" + body if body else "") + "\n"
    message = _with_trailer(repo, message, f"{PATCH_TRAILER}: {patch.name}")
    before_id, after_id = repo.write_tree(before.tree), repo.write_tree(applied.tree)
    return _Selected(SourceKind.PATCH, patch.name, before_id, after_id, message, env)


def _mail_info(repo: GitRepo, data: bytes) -> dict[str, str]:
    """Author, email, date, subject and message of a patch file's header (``git
    mailinfo``); the ``Forktool-Base:`` and ``Forwarded:`` lines left out."""
    with tempfile.TemporaryDirectory(prefix="forktool-export-") as scratch:
        msg, diff = Path(scratch) / "msg", Path(scratch) / "patch"
        header, _ = split(data)
        out = repo.run(["mailinfo", str(msg), str(diff)], input=header, ok=ANY).text
        body = msg.read_text(encoding="utf-8", errors="replace") if msg.exists() else ""
    info = dict(line.split(": ", 1) for line in out.splitlines() if ": " in line)
    kept = [line for line in body.splitlines() if not line.startswith(_NOT_A_MESSAGE)]
    info["message"] = "\n".join(kept)
    return info


def _with_trailer(repo: GitRepo, message: str, trailer: str) -> str:
    """``message`` with ``trailer`` added to its trailer block (``git interpret-trailers``)."""
    args = ["interpret-trailers", "--trailer", trailer]
    return repo.run(args, input=message.rstrip("\n").encode() + b"\n").text


# --- un-renaming and the round trip -------------------------------------------------------


def _export_changes(
    repo: GitRepo, config: UpstreamConfig, selected: Sequence[_Selected], cache: TransformCache
) -> tuple[list[Change], str]:
    """Un-rename every change, check its round trip, commit it; return the changes and the
    base commit (the first change's base un-renamed) their commits sit on."""
    trees: dict[str, dict[str, Tree]] = {}

    def versions(tree_id: str) -> dict[str, Tree]:
        if tree_id not in trees:
            fork = repo.read_tree(tree_id)
            upstream = unrename_tree(fork, config.rename, cache)
            again = rename_tree(upstream, config.rename, cache)
            trees[tree_id] = {"fork": fork, "upstream": upstream, "again": again}
        return trees[tree_id]

    base_tree = repo.write_tree(versions(selected[0].before)["upstream"])
    parent = repo.commit_tree(base_tree, [], "forktool export: base\n", None)
    base = parent
    changes = []
    for item in selected:
        before, after = versions(item.before), versions(item.after)
        up_before, up_after = (
            repo.write_tree(before["upstream"]),
            repo.write_tree(after["upstream"]),
        )
        if repo.tree_of(parent) != up_before:  # a range whose commits do not follow on
            parent = repo.commit_tree(up_before, [], "forktool export: base\n", None)
        again_before = repo.write_tree(before["again"])
        again_after = repo.write_tree(after["again"])
        exact = repo.diff_trees(item.before, item.after) == repo.diff_trees(
            again_before, again_after
        )
        touched = [change.path for change in repo.diff_tree(item.before, item.after)]
        lines = () if exact else round_trip_lines(
            before["fork"], after["fork"], before["again"], after["again"], touched
        )  # fmt: skip
        commit = repo.run(
            ["commit-tree", up_after, "-p", parent], input=item.message.encode(), env=item.env
        ).out
        files = tuple(change.path for change in repo.diff_tree(up_before, up_after))
        subject = item.message.split("\n", 1)[0]
        changes.append(Change(item.kind, item.source, subject, commit, files, exact, lines))
        parent = commit
    return changes, base


# --- --onto and --branch ------------------------------------------------------------------


@contextmanager
def _onto_commit(
    repo: GitRepo, config: UpstreamConfig, onto: str | None
) -> Iterator[tuple[str, str, str] | None]:
    """``(ref, upstream commit, description)`` of ``--onto``, or None without it; a ref
    fetched from a git upstream for the check is deleted again afterwards.

    Raises:
        RepositoryError: the vendor branch has no release, or the upstream has no such REF.
    """
    if onto is None:
        yield None
        return
    if onto == "":
        commit = repo.resolve(config.vendor_branch)
        if commit is None:
            raise RepositoryError(
                f"the vendor branch of {config.name} holds no release",
                f"run 'forktool sync {config.name}' first",
            )
        subject = repo.commit_info(commit)[1]
        yield "", commit, f"{subject.removeprefix('Import ').split(' (', 1)[0]} (vendor branch)"
        return
    tagged = repo.resolve(config.release_tag(onto))
    if tagged is not None:
        yield onto, tagged, f"{config.name} {onto} (vendor branch)"
        return
    if not isinstance(config.source, GitSource):
        raise RepositoryError(
            f"{onto!r} is not a release of {config.name} imported on the vendor branch",
            "give a version 'forktool sync' imported, or --onto alone for the newest",
        )
    url = config.source.url
    temporary = f"refs/forktool/{config.name}/export/onto"
    fetch = ["fetch", "--no-tags", "--no-write-fetch-head", "--quiet", url]
    fetched = repo.run([*fetch, f"+{onto}:{temporary}"], ok=ANY)
    try:
        commit = repo.resolve(temporary) if fetched.returncode == 0 else None
        if commit is None:
            raise RepositoryError(
                f"the upstream {url} has no branch, tag or commit {onto!r}",
                "give a branch, tag or full commit id the upstream repository has",
            )
        yield onto, commit, f"{onto} of {url}"
    finally:
        repo.set_ref(temporary, None, "forktool export: done")


def _check_onto(repo: GitRepo, changes: Sequence[Change], ref: str, commit: str, what: str) -> Onto:
    """Apply the changes, in order, to ``commit``'s tree: plainly, else three-way."""
    tree = repo.tree_of(commit)
    status = ApplyStatus.APPLIES
    detail, failed = "", ""
    for change in changes:
        diff = repo.diff_trees(f"{change.commit}^", change.commit)
        plain = repo.apply_patch(tree, diff)
        if plain.tree is not None:
            tree = plain.tree
            continue
        detail, failed = detail or plain.error, failed or change.source
        merged = repo.apply_patch(tree, diff, three_way=True)
        if merged.tree is None:
            conflicts = merged.conflicts
            return Onto(ref, commit, what, ApplyStatus.CONFLICTS, detail, conflicts, failed)
        tree, status = merged.tree, ApplyStatus.THREE_WAY
    return Onto(ref, commit, what, status, detail, (), failed, tree)


def _branch_clone(config: UpstreamConfig, request: Request) -> Path:
    """The upstream clone ``--branch`` writes into, checked: a git repository without
    that branch.

    Raises:
        ConfigError: no clone given and the upstream URL is not a local repository.
        RepositoryError: the clone is not a git repository, or has the branch already.
    """
    assert isinstance(config.source, GitSource) and request.branch is not None
    clone = request.clone
    if clone is None:
        local = Path(config.source.url).expanduser()
        if not local.is_absolute() or not local.is_dir():
            raise ConfigError(
                f"the upstream {config.source.url} is not a local repository",
                "name your local clone of it with --clone DIR",
            )
        clone = local
    target = GitRepo(clone.resolve())
    if target.resolve(f"refs/heads/{request.branch}") is not None:
        raise RepositoryError(
            f"{clone} already has a branch {request.branch}",
            "choose another name with --branch, or delete that branch first",
        )
    return clone.resolve()


def _create_branch(
    repo: GitRepo, clone: Path, name: str, onto: Onto, changes: Sequence[Change]
) -> Branch:
    """Commit the changes onto the ``--onto`` commit (authors, dates and messages kept)
    and push the last into ``clone`` as branch ``name``."""
    parent, tree = onto.commit, repo.tree_of(onto.commit)
    for change in changes:
        diff = repo.diff_trees(f"{change.commit}^", change.commit)
        applied = repo.apply_patch(tree, diff)
        if applied.tree is None:
            applied = repo.apply_patch(tree, diff, three_way=True)
        assert applied.tree is not None  # _check_onto applied them all
        tree = applied.tree
        env = _identity(repo, change.commit)
        message = repo.run(["log", "-1", "--format=%B", change.commit]).text
        parent = repo.run(["commit-tree", tree, "-p", parent], input=message.encode(), env=env).out
    repo.run(["push", "--quiet", str(clone), f"{parent}:refs/heads/{name}"])
    return Branch(name, clone, parent)


def _identity(repo: GitRepo, commit: str) -> dict[str, str]:
    fields = repo.run(
        ["log", "-1", "--date=raw", "--format=%an%x00%ae%x00%ad%x00%cn%x00%ce%x00%cd", commit]
    ).out.split("\0")
    return dict(zip(_IDENTITY_KEYS, fields, strict=True))
