"""Finish or undo a sync that was killed (SIGKILL, power loss) while merging.

Before its merge, a sync writes its pending record (:class:`forktool.merge.Pending`) as an
intent. The next sync, holding the writer lock, looks at it:

- a merge is in progress (``MERGE_HEAD``) with conflicts: the documented conflict state;
  the user continues or aborts (conflicts git reported but forktool did not record yet are
  recorded); without conflicts, git was cut short before its commit: the merge is committed;
- the fork branch already contains the transformed commit: the merge was committed and
  only the bookkeeping is missing (and perhaps git's own ``MERGE_HEAD`` clean-up); the
  refs and the lock file are written;
- the fork branch has not moved: the merge was cut short; git's stale lock files are
  removed, the working tree (clean when the merge began) is reset, files the interrupted
  checkout wrote are removed and every ref is put back.
"""

from __future__ import annotations

from dataclasses import replace

from forktool import lockfile, merge
from forktool.config import UpstreamConfig
from forktool.gitrepo import GitRepo, stale_private_indexes
from forktool.lockfile import Lock


def recover(repo: GitRepo, config: UpstreamConfig) -> None:
    """Bring the fork repository back to a consistent state after a killed sync.

    Only acts on forktool's own intent record for ``config``; must be called with the
    writer lock held (the git lock files it removes can then only be a killed forktool's).
    """
    clear_stale_locks(repo, config, merging=False)
    pending = merge.read_pending(repo, config.name)
    if pending is None or pending.stage != "merge":
        return
    head = repo.resolve("HEAD")
    merge_head = repo.merge_head()
    committed = bool(
        head
        and pending.transformed
        and head != pending.fork_before
        and repo.is_ancestor(pending.transformed, head)
    )
    if merge_head and not committed:
        if merge_head == pending.transformed and not pending.conflicts:
            _merge_cut_short(repo, config, pending)
        return  # otherwise: the documented conflict state, for --continue / --abort
    clear_stale_locks(repo, config, merging=True)
    if committed and head:
        repo.forget_merge_state()  # git died after its commit, before its own clean-up
        _finish(repo, config, pending, head)
        return
    if head != (pending.fork_before or None):
        return  # the branch moved some other way: leave it to the user (sync refuses)
    if pending.transformed:
        repo.discard_checkout(pending.transformed)
    repo.put_back(pending.refs_before, f"forktool: undo the interrupted sync of {config.name}")
    merge.clear_pending(repo, config.name)


def _finish(repo: GitRepo, config: UpstreamConfig, pending: merge.Pending, fork: str) -> None:
    """The merge is committed as ``fork``: move the release refs and write the lock file."""
    merge.move_release_refs(repo, config, pending.version, pending.vendor, pending.transformed)
    lockfile.write(
        config.lock_path,
        Lock(
            pending.version, pending.sha256, pending.upstream_commit,
            pending.vendor, pending.transformed, fork,
        ),
    )  # fmt: skip
    merge.clear_pending(repo, config.name)


def _merge_cut_short(repo: GitRepo, config: UpstreamConfig, pending: merge.Pending) -> None:
    """git wrote its merge state and died before committing or reporting conflicts."""
    unmerged = repo.unmerged_paths()
    if unmerged:  # conflicts forktool did not get to record: record them
        merge.write_pending(repo, replace(pending, conflicts=list(unmerged)))
        return
    clear_stale_locks(repo, config, merging=True)
    message = (
        f"Integrate {config.name} {pending.version}\n\nTransformed commit: {pending.transformed}\n"
    )
    _finish(repo, config, pending, repo.commit_merge(message))


def clear_stale_locks(repo: GitRepo, config: UpstreamConfig, *, merging: bool) -> None:
    """Remove git lock files a killed forktool left behind.

    Refs only forktool writes (and ``.git/config``, which it writes to turn rerere on) are
    unlocked whenever forktool holds the writer lock, and private index files of processes
    that are gone are removed; the index, HEAD, ORIG_HEAD and the fork branch only when
    forktool's own merge was interrupted.
    """
    git_dir = repo.git_dir
    candidates = [
        git_dir / "config.lock",  # forktool turns rerere on with git config
        *(git_dir / "refs" / "forktool" / config.name).rglob("*.lock"),
        *(git_dir / "refs" / "tags" / "upstream" / config.name).rglob("*.lock"),
        git_dir / "refs" / "heads" / "vendor" / f"{config.name}.lock",
        git_dir / "refs" / "heads" / "transformed" / f"{config.name}.lock",
        *stale_private_indexes(git_dir),  # trees are written through private index files
    ]
    if merging:
        candidates += [
            git_dir / "index.lock",
            git_dir / "HEAD.lock",
            git_dir / "ORIG_HEAD.lock",  # git merge records where the branch was
            git_dir / "AUTO_MERGE.lock",  # newer gits record the conflicted tree
            git_dir / "packed-refs.lock",
            git_dir / "refs" / "heads" / f"{config.fork_branch}.lock",
        ]
    for path in candidates:
        path.unlink(missing_ok=True)
