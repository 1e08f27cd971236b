"""Finish or undo a sync that did not end normally, touching only what forktool wrote.

Before its merge, a sync writes its pending record (:class:`forktool.records.intent.Pending`) as an
intent: the refs it moves and every working-tree path the merge will write, with the blob
there before and the blob forktool writes. Whatever ends the run early (SIGKILL, power
loss, Ctrl-C, git refusing to merge), the record says what to finish or undo:

- a merge is in progress (``MERGE_HEAD``) with conflicts: the documented conflict state;
  the user continues or aborts (conflicts git reported but forktool did not record yet are
  recorded); without conflicts, git was cut short before its commit: the merge is committed;
- the fork branch already contains the transformed commit: the merge was committed and
  only the bookkeeping is missing (and perhaps git's own ``MERGE_HEAD`` clean-up); the
  refs and the lock file are written;
- otherwise the merge did not happen (or was cut short, or aborted by hand): :func:`undo`.
  A path goes back to the fork's content only while it holds exactly what forktool wrote
  there (or a first part of it: git's write of it was cut short), or holds nothing (git
  unlinks a file before writing its new version; putting the fork's file back overwrites
  nothing); anything else (an edit, a file the user made) is kept and named. There is no
  whole-tree reset.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path, PurePosixPath

from forktool import interrupts
from forktool.config import UpstreamConfig
from forktool.errors import RepositoryError
from forktool.git.repository import GitRepo, stale_private_indexes
from forktool.records import intent
from forktool.sync import integrate


def recover(repo: GitRepo, config: UpstreamConfig, *, same_run: bool = False) -> None:
    """Bring the fork repository back to a consistent state after a sync that did not end
    normally; a sync waiting on conflicts is left waiting.

    Only acts on forktool's own intent record for ``config``; must be called with the
    writer lock held (the git lock files it removes can then only be a killed forktool's).

    Args:
        same_run: the sync being undone is this process's own, cut short by the interrupt
            or error in hand: a file holding a first part of forktool's blob is git's
            write that the same interrupt cut short (no one else had a chance to touch
            it), and is put back. Any later run keeps and names such a file instead: it
            may be the user's cut.

    Raises:
        RepositoryError: the record is damaged, or undoing kept paths that hold content
            forktool did not write (named in the message; everything else is undone).
    """
    clear_stale_locks(repo, config, merging=False)
    pending = intent.read_pending(repo, config.name)
    if pending is None or pending.stage != intent.Stage.MERGE:
        return
    with interrupts.shielded():
        _settle(repo, config, pending, same_run)


def _settle(repo: GitRepo, config: UpstreamConfig, pending: intent.Pending, same_run: bool) -> None:
    merge_head = repo.merge_head()
    if is_committed(repo, pending):
        clear_stale_locks(repo, config, merging=True)
        repo.forget_merge()  # git died after its commit, before its own clean-up
        head = repo.resolve("HEAD")
        assert head is not None
        integrate.finish(repo, config, pending, head)
    elif merge_head == pending.transformed:
        if pending.interrupted:
            _merge_cut_short(repo, config, pending)
        # otherwise: the documented conflict state, for --continue / --abort
    elif merge_head is None:
        undo(repo, config, pending, cut_short_is_ours=same_run)
    # else: another merge is in progress; check_ready names it


def is_committed(repo: GitRepo, pending: intent.Pending) -> bool:
    """True when the fork branch already contains the merge ``pending`` records."""
    head = repo.resolve("HEAD")
    return bool(
        head
        and pending.transformed
        and head != pending.fork_before
        and repo.is_ancestor(pending.transformed, head)
    )


def undo(
    repo: GitRepo,
    config: UpstreamConfig,
    pending: intent.Pending,
    *,
    cut_short_is_ours: bool = False,
) -> None:
    """Undo the merge ``pending`` records, path by path, and put every ref back.

    The one way a merge is undone: ``sync --abort``, an interrupted or refused sync, and
    the next sync after a killed one all come here. When the fork branch is where the
    merge started, each path of :attr:`~forktool.records.intent.Pending.writes` goes back to the
    fork's content (index and file) if it holds exactly the blob forktool wrote, or
    nothing where the fork had a file; a path
    that holds anything else keeps its content (its index entry goes back to the fork's,
    so ``git status`` shows it). When the branch has moved some other way, no file is
    touched. The record is removed in every case.

    Raises:
        RepositoryError: another merge is in progress (nothing changed), or paths were
            kept (named in the message; everything else is undone).
    """
    merge_head = repo.merge_head()
    if merge_head not in (None, pending.transformed):
        raise RepositoryError(
            "another merge is in progress in the fork repository",
            "finish or abort it with git first, then run the command again",
        )
    with interrupts.shielded():
        clear_stale_locks(repo, config, merging=True)
        kept: list[str] = []
        if repo.resolve("HEAD") == (pending.fork_before or None):
            kept = _restore(repo, pending, cut_short_is_ours)
        if merge_head:
            repo.forget_merge()
        repo.put_back(pending.refs_before, f"forktool: undo the sync of {config.name}")
        intent.clear_pending(repo, config.name)
    if kept:
        partial = repo.cut_short({path: pending.writes[path][1] for path in kept})
        named = [f"{path} (a first part of forktool's version)" if path in partial else path
                 for path in kept]  # fmt: skip
        shown = ", ".join(named[:3]) + (f" and {len(kept) - 3} more" if len(kept) > 3 else "")
        raise RepositoryError(
            f"the sync of {config.name} {pending.version} is undone, except {len(kept)} "
            f"paths that hold content forktool did not write, kept as they are: {shown}",
            "look at them ('git status' in the fork), then commit, stash or remove them "
            "and sync again",
        )


def _restore(repo: GitRepo, pending: intent.Pending, cut_short_is_ours: bool) -> list[str]:
    """Put back every path of ``pending.writes`` that holds what forktool wrote (with
    ``cut_short_is_ours``, also a first part of it: see :func:`recover`); return the paths
    kept because they hold something else."""
    writes = pending.writes  # path -> [before, forktool's blob, git's own labels' blob?]
    now = repo.worktree_blobs(writes)
    if cut_short_is_ours:  # git's writes that this run's own interrupt cut short
        for ours in (1, 2):  # forktool's blob, then git's own labels' (before renaming)
            unknown = {
                path: writes[path][ours]
                for path, blob in now.items()
                if blob not in writes[path] and len(writes[path]) > ours
            }
            now |= {path: writes[path][1] for path in repo.cut_short(unknown)}
    new_files = [path for path, pair in writes.items() if not pair[0] and now[path] in pair[1:]]
    repo.remove_files(new_files)  # first: they may fill a directory where a file belongs
    rest = [path for path in writes if path not in new_files]
    now = repo.worktree_blobs([path for path in rest if now[path] == "directory"]) | {
        path: now[path] for path in rest if now[path] != "directory"
    }
    # A path with nothing there that had a file before is put back too: git unlinks a
    # file before writing its new version (a kill can fall in between), and creating
    # the fork's committed file overwrites nothing.
    restore = [
        path
        for path in rest
        if (now[path] in writes[path][1:] or (not now[path] and writes[path][0]))
        and not _below_a_non_directory(repo.path, path)
    ]
    # A directory where the merge was to write a file the fork did not have is the fork's
    # (a release turning it into a file, the merge refused or cut short): nothing of the
    # user's to name, and nothing of forktool's to take away.
    kept = sorted(
        path
        for path in rest
        if now[path] not in writes[path]
        and path not in restore
        and not (now[path] == "directory" and not writes[path][0])
    )
    commit = pending.fork_before or None
    if commit is not None:
        repo.restore_paths(commit, restore, files=True)
    restored = set(restore)
    repo.restore_paths(commit, [path for path in writes if path not in restored], files=False)
    return kept


def _below_a_non_directory(root: Path, path: str) -> bool:
    """A leading part of ``path`` is a file or a link (what a checkout of ``path`` would
    unlink to make its directory)."""
    parent = PurePosixPath(path).parent
    while parent.parts:
        target = root / parent
        if target.is_symlink() or (os.path.lexists(target) and not target.is_dir()):
            return True
        parent = parent.parent
    return False


def _merge_cut_short(repo: GitRepo, config: UpstreamConfig, pending: intent.Pending) -> None:
    """git wrote its merge state and died before committing or reporting conflicts."""
    unmerged = repo.unmerged_paths()
    if unmerged:  # conflicts forktool did not get to record: record them
        intent.write_pending(repo, replace(pending, conflicts=list(unmerged)))
        return
    clear_stale_locks(repo, config, merging=True)
    message = integrate.merge_message(config, pending.version, pending.transformed)
    integrate.finish(repo, config, pending, repo.commit_merge(message))


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
