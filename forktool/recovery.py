"""Finish or undo a sync that was killed (SIGKILL, power loss) while merging.

Before its merge, a sync writes its pending record (:class:`forktool.merge.Pending`) as an
intent. The next sync, holding the writer lock, looks at it:

- a merge is in progress (``MERGE_HEAD``): the documented conflict state; the user
  continues or aborts, nothing is done here;
- the fork branch already contains the transformed commit: the merge was committed and
  only the bookkeeping is missing; the refs and the lock file are written;
- the fork branch has not moved: the merge was cut short; git's stale lock files are
  removed, the working tree (clean when the merge began) is reset, files the interrupted
  checkout wrote are removed and every ref is put back.
"""

from __future__ import annotations

from forktool import lockfile, merge
from forktool.config import UpstreamConfig
from forktool.gitrepo import GitRepo
from forktool.lockfile import Lock


def recover(repo: GitRepo, config: UpstreamConfig) -> None:
    """Bring the fork repository back to a consistent state after a killed sync.

    Only acts on forktool's own intent record for ``config``; must be called with the
    writer lock held (the git lock files it removes can then only be a killed forktool's).
    """
    clear_stale_locks(repo, config, merging=False)
    pending = merge.read_pending(repo, config.name)
    if pending is None or pending.stage != "merge" or repo.merge_head():
        return
    clear_stale_locks(repo, config, merging=True)
    head = repo.resolve("HEAD")
    if head and pending.transformed and head != pending.fork_before:
        if repo.is_ancestor(pending.transformed, head):
            merge.move_release_refs(
                repo, config, pending.version, pending.vendor, pending.transformed
            )
            lockfile.write(
                config.lock_path,
                Lock(
                    pending.version, pending.sha256, pending.upstream_commit,
                    pending.vendor, pending.transformed, head,
                ),
            )  # fmt: skip
            merge.clear_pending(repo, config.name)
        return
    if head != (pending.fork_before or None):
        return  # the branch moved some other way: leave it to the user (sync refuses)
    if pending.transformed:
        repo.discard_checkout(pending.transformed)
    repo.put_back(pending.refs_before, f"forktool: undo the interrupted sync of {config.name}")
    merge.clear_pending(repo, config.name)


def clear_stale_locks(repo: GitRepo, config: UpstreamConfig, *, merging: bool) -> None:
    """Remove git lock files a killed forktool left behind.

    Refs only forktool writes are always safe to unlock under the writer lock; the index,
    HEAD and the fork branch only when forktool's own merge was interrupted.
    """
    git_dir = repo.git_dir
    candidates = [
        *(git_dir / "refs" / "forktool" / config.name).rglob("*.lock"),
        *(git_dir / "refs" / "tags" / "upstream" / config.name).rglob("*.lock"),
        git_dir / "refs" / "heads" / "vendor" / f"{config.name}.lock",
        git_dir / "refs" / "heads" / "transformed" / f"{config.name}.lock",
    ]
    if merging:
        candidates += [
            git_dir / "index.lock",
            git_dir / "HEAD.lock",
            git_dir / "packed-refs.lock",
            git_dir / "refs" / "heads" / f"{config.fork_branch}.lock",
        ]
    for path in candidates:
        path.unlink(missing_ok=True)
