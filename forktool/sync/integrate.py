"""Integrate a transformed release into the fork branch, and finish a sync (undoing one is
:mod:`forktool.sync.recovery`'s).

The merge is git's own three-way merge in the fork repository's working tree. When it
conflicts, the repository is left in git's ordinary unmerged state and the intent record
(:mod:`forktool.records.intent`) remembers what to finish or undo.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from forktool.config import UpstreamConfig
from forktool.errors import RepositoryError
from forktool.git.merge import MergeLabels
from forktool.git.repository import GitRepo, MergeOutcome
from forktool.records import lockfile
from forktool.records.intent import (
    Pending,
    abort_command,
    clear_pending,
    continue_command,
    read_pending,
)
from forktool.records.lockfile import Lock


def check_ready(repo: GitRepo, config: UpstreamConfig) -> None:
    """Refuse to integrate unless the fork repository is safe to merge into.

    Raises:
        RepositoryError: a merge or other git operation is in progress, HEAD is not the
            fork branch, or tracked files have uncommitted changes.
    """
    if read_pending(repo, config.name):
        raise RepositoryError(
            f"a sync of {config.name} stopped on conflicts and is waiting in {repo.path}",
            f"resolve them and run '{continue_command(config.name)}', or '--abort'",
        )
    if (repo.git_dir / "shallow").exists():
        raise RepositoryError(
            f"the fork repository {repo.path} is a shallow clone",
            "run 'git fetch --unshallow' there: merges need the whole history",
        )
    operation = repo.operation_in_progress()
    if operation:
        raise RepositoryError(
            f"a git {operation} is in progress in the fork repository {repo.path}",
            f"finish or abort the {operation} there first",
        )
    if not repo.has_commits():
        return
    branch = repo.current_branch()
    if branch != config.fork_branch:
        where = f"branch {branch}" if branch else "a detached HEAD"
        raise RepositoryError(
            f"the fork repository {repo.path} is on {where}, not the fork branch "
            f"{config.fork_branch}",
            f"run 'git checkout {config.fork_branch}' there",
        )
    dirty = repo.dirty_paths()
    if dirty:
        raise RepositoryError(
            f"the fork working tree has uncommitted changes ({len(dirty)} files, e.g. {dirty[0]})",
            "commit or stash them in the fork repository, then sync again",
        )


def release_refs(config: UpstreamConfig, version: str) -> tuple[str, str, str]:
    """The refs a sync of ``version`` moves: release tag, vendor and transformed branch."""
    return (config.release_tag(version), config.vendor_branch, config.transformed_branch)


def move_release_refs(repo: GitRepo, config: UpstreamConfig, pending: Pending) -> None:
    """Point the release tag and vendor branch at ``pending``'s vendor commit, the
    transformed branch at its transformed commit (refs already there are left alone)."""
    tag, vendor_branch, transformed_branch = release_refs(config, pending.version)
    message = f"forktool: sync {config.name} {pending.version}"
    wanted = {tag: pending.vendor, vendor_branch: pending.vendor}
    wanted[transformed_branch] = pending.transformed
    for ref, commit in wanted.items():
        if repo.resolve(ref) != commit:
            repo.set_ref(ref, commit, message)


def finish(repo: GitRepo, config: UpstreamConfig, pending: Pending, fork: str) -> None:
    """The commit point of a sync whose merge is committed as ``fork``: the release refs
    move, the lock file records the release, and the intent record goes (last, so a kill
    before it is finished again by the next sync). The one way a sync finishes: used by
    ``sync``, ``sync --continue`` and recovery.

    Raises:
        RepositoryError: a ref or the lock file cannot be written.
    """
    move_release_refs(repo, config, pending)
    lock = Lock(
        pending.version, pending.sha256, pending.upstream_commit,
        pending.vendor, pending.transformed, fork, pending.series,
    )  # fmt: skip
    lockfile.write(config.lock_path, lock)
    clear_pending(repo, config.name)


@dataclass(frozen=True)
class MergePlan:
    """What integrating a transformed commit will do, known before anything is written.

    Attributes:
        preview: the merge's tree and conflicted paths (see
            :meth:`~forktool.git.merge.Merging.merge_preview`); None on a fresh repository,
            where the fork branch is simply checked out.
        writes: path -> [blob id before, blob id written, (for a conflicted file) the blob
            git writes before forktool names its markers] for every working-tree file the
            merge will write ("" = no file), for :attr:`Pending.writes`.
        labels: what the conflict markers name the sides (:func:`merge_labels`).
    """

    preview: MergeOutcome | None
    writes: dict[str, list[str]]
    labels: MergeLabels | None = None


def merge_labels(config: UpstreamConfig, previous: str | None, version: str) -> MergeLabels:
    """The names a sync's conflict markers give the sides: ``fork main``, ``flask 3.0.3
    (base)`` (the release integrated before) and ``flask 3.1.3``."""
    base = f"{config.name} {previous} (base)" if previous else "base"
    return MergeLabels(f"fork {config.fork_branch}", base, f"{config.name} {version}")


def plan(repo: GitRepo, transformed: str, labels: MergeLabels | None = None) -> MergePlan:
    """Work out, without writing anything, what :func:`integrate` will write, conflict
    markers named by ``labels``.

    Raises:
        RepositoryError: git could not merge at all.
    """
    head = repo.resolve("HEAD")
    if head is None:
        changes = repo.tree_changes(None, transformed)
        return MergePlan(None, {path: list(pair) for path, pair in changes.items()})
    if repo.is_ancestor(transformed, head):
        return MergePlan(None, {})
    preview = repo.merge_preview(transformed, labels=labels)
    changes = repo.tree_changes(head, preview.tree)
    writes = {path: list(pair) for path, pair in changes.items()}
    if labels is not None and preview.conflicts:
        # git writes its own labels first and forktool renames them after: a kill in
        # between leaves git's version, which is forktool's too (the third blob id)
        raw = repo.tree_changes(head, repo.merge_preview(transformed).tree)
        for path in preview.conflicts:
            if path in writes and path in raw and raw[path][1] != writes[path][1]:
                writes[path].append(raw[path][1])
    return MergePlan(preview, writes, labels)


def refuse_files_in_the_way(repo: GitRepo, transformed: str, merge_plan: MergePlan) -> None:
    """Refuse, before a sync records its intent (so that nothing is to be undone), to
    integrate ``transformed`` as ``merge_plan`` (from :func:`plan`) foresaw when that
    would overwrite a working-tree file git does not track (ignored ones included).

    Raises:
        RepositoryError: the first such file, named.
    """
    head = repo.resolve("HEAD")
    if head is not None and repo.is_ancestor(transformed, head):
        return
    result = merge_plan.preview.tree if merge_plan.preview is not None else transformed
    repo.refuse_files_in_the_way(head, result)


def integrate(
    repo: GitRepo, config: UpstreamConfig, transformed: str, version: str, merge_plan: MergePlan
) -> MergeOutcome:
    """Bring ``transformed`` into the fork branch, as ``merge_plan`` (from :func:`plan`)
    foresaw.

    On a fresh repository the fork branch is created at ``transformed``; otherwise git
    three-way merges it (merge base: the previously integrated transformed commit).

    Returns:
        the merge outcome; on conflict the repository is left mid-merge.

    Raises:
        RepositoryError: git refused to start (files in the way, a failing hook); nothing
            of the working tree was changed.
    """
    if not repo.has_commits():
        repo.checkout_new_branch(config.fork_branch, transformed)
        return MergeOutcome(transformed, ())
    message = merge_message(config, version, transformed)
    return repo.merge(transformed, message, merge_plan.preview, merge_plan.labels)


def merge_message(config: UpstreamConfig, version: str, transformed: str) -> str:
    """The fork merge's commit message (what ``git log`` shows of a sync)."""
    return f"Integrate {config.name} {version}\n\nTransformed commit: {transformed}\n"


def record_written(repo: GitRepo, pending: Pending, paths: tuple[str, ...]) -> Pending:
    """``pending`` with the blobs git actually wrote at ``paths`` (conflicted files git's
    rerere resolved, which no preview can foresee) recorded as forktool's."""
    now = repo.worktree_blobs(path for path in paths if path in pending.writes)
    writes = dict(pending.writes)
    for path, blob in now.items():
        writes[path] = [writes[path][0], blob, *writes[path][2:]]
    return replace(pending, writes=writes)


def conclude(repo: GitRepo, pending: Pending) -> str:
    """Commit the resolved merge of ``pending``; return the fork commit.

    Accepts a merge the user already committed by hand.

    Raises:
        RepositoryError: paths are still unmerged, resolved files still hold conflict
            markers, or the repository is not in the merge forktool left.
    """
    unmerged = repo.unmerged_paths()
    if unmerged:
        raise RepositoryError(
            f"{len(unmerged)} paths are still unmerged, e.g. {unmerged[0]}",
            "resolve them, 'git add' each, then run --continue again",
        )
    marked = repo.marked_paths(pending.conflicts)
    if marked:
        raise RepositoryError(
            f"{marked[0]} still contains conflict markers",
            "edit out the <<<<<<< ======= >>>>>>> blocks, 'git add' it, then --continue",
        )
    merge_head = repo.merge_head()
    if merge_head == pending.transformed:
        return repo.commit_merge()
    head = repo.resolve("HEAD")
    if merge_head is None and head and repo.is_ancestor(pending.transformed, head):
        return head
    raise RepositoryError(
        f"the fork repository is no longer in the merge of {pending.upstream} {pending.version}",
        f"run '{abort_command(pending.upstream)}' and sync again",
    )


def restore_refs(repo: GitRepo, pending: Pending) -> None:
    """Put every ref the stopped sync moved back where it was (deleting new ones)."""
    repo.put_back(pending.refs_before, f"forktool: abort sync of {pending.upstream}")
