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

For a git upstream, ``--onto`` a release checks against upstream's own commit of it (the
release tag's), never forktool's vendor commit (same tree, but history upstream does not
have). ``--branch NAME`` commits the change onto that commit, for a pull request.

Plan, then write: :func:`export` writes only git objects (and the transform cache) in the
fork repository, and refs fetched for ``--onto`` are deleted again. What the command then
changes is done by the caller, in this order: the ``-o`` file, :func:`write_forwarded`
(``Forwarded: VALUE`` in the series patch's header), and last :func:`create_branch` (the
branch pushed into a local clone of the upstream).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from forktool import upstream
from forktool.config import GitSource, UpstreamConfig
from forktool.errors import ConfigError, ForktoolError, RepositoryError
from forktool.exchange.inverse import RoundTripLine, rename_tree, round_trip_lines, unrename_tree
from forktool.git.names import branch_problem
from forktool.git.repository import Authorship, GitRepo
from forktool.model import PatchKind, PatchStatus, Tree
from forktool.patches import metadata
from forktool.patches import series as series_mod
from forktool.patches.diff_format import split
from forktool.records import intent, lockfile
from forktool.records.fork import open_fork
from forktool.records.state import transform_cache_path
from forktool.renamed import renamed_release
from forktool.transform.cache import TransformCache
from forktool.upstream import gitsource
from forktool.upstream.repository import tags_prefix

#: The trailers naming where an exported change comes from.
COMMIT_TRAILER = "Forktool-Fork-Commit"
PATCH_TRAILER = "Forktool-Series-Patch"


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
        commit: the upstream commit checked against: for a git upstream upstream's own
            (a release's: its tag's commit), for a PyPI upstream the release's vendor
            commit.
        description: what that is, e.g. ``flask 3.1.3``, ``flask 3.1.3 (vendor
            branch)`` (PyPI), ``main of https://github.com/pallets/flask``.
        status: applies / three-way / conflicts (the worst over the changes).
        detail: git's reason the plain apply failed, e.g. ``patch failed:
            src/flask/app.py:120`` ("" when it applies).
        conflicts: paths a three-way apply leaves conflicted.
        failed: the change (fork commit or patch) that did not apply plainly ("" if none).
        trees: the upstream tree after each change, in order (empty: conflicts).
    """

    ref: str
    commit: str
    description: str
    status: ApplyStatus
    detail: str = ""
    conflicts: tuple[str, ...] = ()
    failed: str = ""
    trees: tuple[str, ...] = ()


@dataclass(frozen=True)
class Branch:
    """The branch ``--branch`` makes: its name, the clone it goes into, and its commit
    (in the fork's object store until :func:`create_branch` pushes it)."""

    name: str
    clone: Path
    commit: str


@dataclass(frozen=True)
class Forwarding:
    """``Forwarded:`` to write into a series patch: the file, the value, and the file's
    new bytes (the diff unchanged)."""

    path: Path
    value: str
    data: bytes


@dataclass(frozen=True)
class Exported:
    """The result of ``forktool export`` (nothing written yet but git objects).

    Attributes:
        upstream: the upstream's name.
        changes: one per commit (in order) or the one patch.
        patch: the ``git format-patch`` output (a mailbox: one message per change).
        onto: the ``--onto`` check, or None.
        branch: the branch to create (None: not asked, or the changes conflict).
        forwarded: the ``Forwarded:`` to write (None: not asked, or the changes conflict).
    """

    upstream: str
    changes: tuple[Change, ...]
    patch: bytes
    onto: Onto | None = None
    branch: Branch | None = None
    forwarded: Forwarding | None = None

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
    message: str  # fork-only metadata left out, the trailer added
    authorship: Authorship


def export(config: UpstreamConfig, request: Request) -> Exported:
    """Export a fork change in upstream's names (see the module docstring); write nothing
    but git objects.

    Args:
        config: the upstream definition (rename map, source, fork path).
        request: what to export and what to do with it.

    Returns:
        the exported changes, their ``format-patch`` text, the round trip, the ``--onto``
        check, and the branch and ``Forwarded:`` to write when asked (not when the changes
        conflict with ``--onto``).

    Raises:
        ConfigError: nothing is integrated yet; the patch is not a diff patch of the
            series, or does not apply to the integrated release; ``--forwarded`` without a
            patch, with a value that is neither a URL nor ``no``, or while a sync waits
            for its conflicts; ``--branch`` without ``--onto``, for a PyPI upstream, with
            a name git refuses, or with no local clone.
        RepositoryError: not a fork commit (unknown, a merge, a root, not on the fork
            branch, or a vendor or transformed commit), an empty range or one with merges,
            a change that changes nothing; an ``--onto`` REF the upstream does not have;
            ``--clone`` is not a git repository, or has the branch already (or checked
            out, unborn). Nothing is changed then.
        SourceError: upstream's commit of the ``--onto`` release is not in the fork
            repository and cannot be fetched.
    """
    repo = open_fork(config, f"run 'forktool sync {config.name}' first")
    lock = lockfile.read(config.lock_path)
    if lock is None:
        raise ConfigError(
            f"{config.name} has no fork yet", f"run 'forktool sync {config.name}' first"
        )
    series = series_mod.load(config.root, config.name)
    patch_file = _series_patch(series, request.what)
    _check_request(repo, config, request, patch_file)
    selected = (
        [_select_patch(repo, config, lock, series, patch_file)]
        if patch_file is not None
        else _select_commits(repo, config, request.what)
    )
    clone = _branch_clone(config, request) if request.branch is not None else None
    with _onto_commit(repo, config, lock, request.onto) as onto:
        with TransformCache(transform_cache_path(repo)) as cache:
            changes, base = _export_changes(repo, config, selected, cache)
        mailbox = repo.format_patch(base, changes[-1].commit)
        checked = _check_onto(repo, changes, *onto) if onto is not None else None
    if checked is not None and checked.status == ApplyStatus.CONFLICTS:
        return Exported(config.name, tuple(changes), mailbox, checked)
    branch = None
    if clone is not None and checked is not None:
        assert request.branch is not None
        commit = _branch_commit(repo, checked, selected)
        branch = Branch(request.branch, clone, commit)
    forwarded = None
    if request.forwarded is not None and patch_file is not None:
        data = metadata.with_value(patch_file.data, metadata.FORWARDED, request.forwarded)
        forwarded = Forwarding(patch_file.path, request.forwarded, data)
    return Exported(config.name, tuple(changes), mailbox, checked, branch, forwarded)


def write_forwarded(forwarding: Forwarding) -> None:
    """Write the series patch with its ``Forwarded:`` line (:func:`export` planned it).

    Raises:
        ConfigError: the file cannot be written (nothing was changed then).
    """
    try:
        forwarding.path.write_bytes(forwarding.data)
    except OSError as exc:
        raise ConfigError(
            f"cannot write {forwarding.path}: {exc.strerror or exc}",
            "check the file's permissions",
        ) from exc


def create_branch(config: UpstreamConfig, branch: Branch) -> None:
    """Push ``branch``'s commit (with the history it needs) into its clone as a new
    branch; the clone's checkout, index and other refs stay as they are.

    Raises:
        RepositoryError: the fork repository is gone, or git refused the push (the branch
            appeared meanwhile, or the clone cannot be written); nothing was created then.
    """
    repo = open_fork(config, f"run 'forktool sync {config.name}' first")
    repo.push_branch(branch.clone, branch.commit, branch.name)


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
    repo: GitRepo, config: UpstreamConfig, request: Request, patch: series_mod.PatchFile | None
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
        if intent.read_pending(repo, config.name) is not None:
            raise ConfigError(
                f"a sync of {config.name} is waiting for its conflicts, and --forwarded "
                "writes into the series",
                f"finish it ('forktool sync {config.name} --continue') or undo it ('--abort') "
                "first",
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
            raise ConfigError(
                f"--branch {request.branch!r} is not a valid git branch name: {problem}",
                "give a branch name such as fix-debug-flag",
            )


def _select_commits(repo: GitRepo, config: UpstreamConfig, what: str) -> list[_Selected]:
    """The fork commits ``what`` names (a commit or ``A..B``), oldest first, checked."""
    if ".." in what:
        start, _, end = what.partition("..")
        ends = [repo.resolve(part or "HEAD") for part in (start, end)]
        if ends[0] is None or ends[1] is None:
            raise RepositoryError(
                f"{what!r} is not a range of the fork repository", "give A..B with two commits"
            )
        rows = repo.commits_with_parents(ends[0], ends[1])
        if not rows:
            raise RepositoryError(f"the range {what} holds no commit", "give A..B with A older")
        merges = [commit for commit, parents in rows if len(parents) != 1]
        if merges:
            count = "1 merge commit" if len(merges) == 1 else f"{len(merges)} merge commits"
            raise RepositoryError(
                f"the range {what} holds {count}, e.g. {merges[0][:12]}",
                "export a range of ordinary commits (merges of releases are not the fork's)",
            )
        commits = [commit for commit, _ in rows]
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
    # The vendor branch first: its commits are in the transformed branch's history too.
    for ref, kind in ((config.vendor_branch, "vendor"), (config.transformed_branch, "transformed")):
        if repo.resolve(ref) is not None and repo.is_ancestor(commit, ref):
            raise RepositoryError(
                f"{short} ({what}) is forktool's {kind} commit "
                f"({ref.removeprefix('refs/heads/')}), not the fork's",
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
    authorship, message = repo.commit_record(commit)
    message = _message(repo, message, f"{COMMIT_TRAILER}: {commit}")
    return _Selected(SourceKind.COMMIT, commit, before, after, message, authorship)


def _message(repo: GitRepo, message: str, trailer: str) -> str:
    """The exported commit's message: ``message`` without the fork's metadata lines, with
    ``trailer`` added to its trailer block."""
    return repo.add_trailer(metadata.without_metadata(message), trailer)


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
    info = repo.mail_info(split(patch.data)[0])
    date = info.date or f"{int(repo.commit_date(lock.transformed).timestamp())} +0000"
    authorship = Authorship.same(info.author or "unknown", info.email, date)
    body = info.message.strip()
    message = (info.subject or patch.name) + ("\n\n" + body if body else "") + "\n"
    message = _message(repo, message, f"{PATCH_TRAILER}: {patch.name}")
    before_id, after_id = repo.write_tree(before.tree), repo.write_tree(applied.tree)
    return _Selected(SourceKind.PATCH, patch.name, before_id, after_id, message, authorship)


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
        commit = repo.commit_tree_as(up_after, [parent], item.message, item.authorship)
        files = tuple(change.path for change in repo.diff_tree(up_before, up_after))
        subject = item.message.split("\n", 1)[0]
        changes.append(Change(item.kind, item.source, subject, commit, files, exact, lines))
        parent = commit
    return changes, base


# --- --onto and --branch ------------------------------------------------------------------


@contextmanager
def _onto_commit(
    repo: GitRepo, config: UpstreamConfig, lock: lockfile.Lock, onto: str | None
) -> Iterator[tuple[str, str, str] | None]:
    """``(ref, upstream commit, description)`` of ``--onto``, or None without it; a ref
    fetched from a git upstream for the check is deleted again afterwards.

    A release (``--onto`` alone: the integrated one, the newest on the vendor branch) is,
    for a git upstream, upstream's own commit of it (:func:`_release_commit`); for a PyPI
    upstream, its vendor commit.

    Raises:
        RepositoryError: the upstream has no such REF, or upstream's commit of the
            release is not to be found.
        SourceError: upstream's commit of the release had to be fetched, and could not.
    """
    if onto is None:
        yield None
        return
    version = lock.version if onto == "" else onto
    vendor = lock.vendor if onto == "" else repo.resolve(config.release_tag(onto))
    if vendor is not None:
        if isinstance(config.source, GitSource):
            commit = _release_commit(repo, config, lock, version, vendor)
            yield onto, commit, f"{config.name} {version}"
        else:
            yield onto, vendor, f"{config.name} {version} (vendor branch)"
        return
    if not isinstance(config.source, GitSource):
        raise RepositoryError(
            f"{onto!r} is not a release of {config.name} imported on the vendor branch",
            "give a version 'forktool sync' imported, or --onto alone for the newest",
        )
    url = config.source.url
    temporary = f"refs/forktool/{config.name}/export/onto"
    fetched = repo.fetch_refs(url, [f"+{onto}:{temporary}"])
    try:
        found = repo.resolve(temporary) if fetched else None
        if found is None:
            raise RepositoryError(
                f"the upstream {url} has no branch, tag or commit {onto!r}",
                "give a branch, tag or full commit id the upstream repository has",
            )
        yield onto, found, f"{onto} of {url}"
    finally:
        repo.set_ref(temporary, None, "forktool export: done")


def _release_commit(
    repo: GitRepo, config: UpstreamConfig, lock: lockfile.Lock, version: str, vendor: str
) -> str:
    """Upstream's own commit of release ``version`` of a git upstream, whose tree the
    vendor commit ``vendor`` holds: the lock file's (the integrated release), else a tag
    or commit the release's import fetched (``refs/forktool/<name>/tags/``, ``commits/``),
    else fetched from the upstream now (objects only, no ref moves).

    Raises:
        RepositoryError: no commit of upstream's has the vendor commit's tree.
        SourceError: the upstream cannot be reached.
    """
    tree = repo.tree_of(vendor)
    recorded = [lock.upstream_commit] if lock.upstream_commit and lock.version == version else []
    prefixes = (tags_prefix(config.name), gitsource.commits_prefix(config.name))
    kept = sorted(
        (ref for ref in repo.refs() if ref.startswith(prefixes)),
        key=lambda ref: (not ref.endswith(version), ref),  # the release's own tag first
    )
    for candidate in (*recorded, *kept):
        commit = repo.resolve(candidate)
        if commit is not None and repo.tree_of(commit) == tree:
            return commit
    release = upstream.resolve_release(config, version, repo)
    if release.commit is not None:
        gitsource.ensure_commit(repo, release)
        if repo.tree_of(release.commit) == tree:
            return release.commit
    raise RepositoryError(
        f"upstream's commit of {config.name} {version} has not the tree forktool imported",
        f"the release was re-tagged since; give a branch, tag or commit of {config.name} "
        "with --onto instead",
    )


def _check_onto(repo: GitRepo, changes: Sequence[Change], ref: str, commit: str, what: str) -> Onto:
    """Apply the changes, in order, to ``commit``'s tree: plainly, else three-way."""
    tree = repo.tree_of(commit)
    trees: list[str] = []
    status = ApplyStatus.APPLIES
    detail, failed = "", ""
    for change in changes:
        diff = repo.diff_trees(f"{change.commit}^", change.commit)
        plain = repo.apply_patch(tree, diff)
        if plain.tree is not None:
            tree = plain.tree
            trees.append(tree)
            continue
        detail, failed = detail or plain.error, failed or change.source
        merged = repo.apply_patch(tree, diff, three_way=True)
        if merged.tree is None:
            conflicts = merged.conflicts
            return Onto(ref, commit, what, ApplyStatus.CONFLICTS, detail, conflicts, failed)
        tree, status = merged.tree, ApplyStatus.THREE_WAY
        trees.append(tree)
    return Onto(ref, commit, what, status, detail, (), failed, tuple(trees))


def _branch_clone(config: UpstreamConfig, request: Request) -> Path:
    """The upstream clone ``--branch`` writes into, checked: the top directory of a git
    repository that has no such branch, nor has it checked out (unborn).

    Raises:
        ConfigError: no clone given and the upstream URL is not a local repository.
        RepositoryError: the clone is not a git repository (or is a directory inside
            one), or has the branch already.
    """
    assert isinstance(config.source, GitSource) and request.branch is not None
    clone = request.clone
    option = "--clone"
    if clone is None:
        local = Path(config.source.url).expanduser()
        if not local.is_absolute() or not local.is_dir():
            raise ConfigError(
                f"the upstream {config.source.url} is not a local repository",
                "name your local clone of it with --clone DIR",
            )
        clone, option = local, "the upstream URL"
    try:
        target = GitRepo(clone.resolve())
    except ForktoolError as exc:
        raise RepositoryError(
            f"{option} {clone} is not a git repository (the top directory of a clone)",
            "give your local clone of the upstream with --clone DIR (git clone URL DIR)",
        ) from exc
    if target.resolve(f"refs/heads/{request.branch}") is not None:
        raise RepositoryError(
            f"{clone} already has a branch {request.branch}",
            "choose another name with --branch, or delete that branch first",
        )
    if target.current_branch() == request.branch:
        raise RepositoryError(
            f"{clone} has branch {request.branch} checked out (with no commit yet)",
            "choose another name with --branch, or check out another branch there",
        )
    return clone.resolve()


def _branch_commit(repo: GitRepo, onto: Onto, selected: Sequence[_Selected]) -> str:
    """The changes committed onto the ``--onto`` commit, one commit each (the trees the
    check made; authors, dates and messages as exported); the last commit's id."""
    parent = onto.commit
    for item, tree in zip(selected, onto.trees, strict=True):
        parent = repo.commit_tree_as(tree, [parent], item.message, item.authorship)
    return parent
