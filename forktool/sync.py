"""The sync orchestrator: import -> transform -> three-way merge -> record.

Each step is a named function; :func:`sync` reads like the table of contents. Nothing
here prints: progress goes to an optional callback and the outcome is a
:class:`SyncResult`. Ref updates are the commit point: objects are built first, refs and
the lock file move only once the merge outcome is known.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from packaging.version import Version

from forktool import lockfile, merge, patches, patchwork, recovery, shims, state, upstream
from forktool import series as series_mod
from forktool.build import Progress, build_release, commit_transformed
from forktool.config import UpstreamConfig
from forktool.errors import ConfigError, ForktoolError, RepositoryError, TransformError
from forktool.gitrepo import GitRepo, remove_repository
from forktool.lockfile import Lock
from forktool.model import Release
from forktool.patches import PatchHealth


@dataclass(frozen=True)
class SyncResult:
    """What one sync (or ``--continue`` / ``--abort``) of one upstream did.

    Attributes:
        upstream: upstream name.
        status: ``up-to-date``, ``created`` (first sync), ``merged``, ``conflict`` (the
            fork merge conflicts), ``patch-conflict`` (a diff patch of the series
            conflicts; nothing merged yet) or ``aborted``.
        version: the release now integrated (or being integrated, on conflict).
        previous: the release integrated before, or None on the first sync.
        fork_repository: path of the fork repository.
        vendor / transformed / fork: commit ids ("" when not applicable).
        conflicts: unmerged paths, on conflict.
        conflicts_file: the JSON list of conflicts, on conflict.
        leftovers: how many old-name occurrences the transform left, by reason.
        failures: files carried over untransformed, path -> reason.
        patches: the health of each patch of the series on this release.
        patch_worktree: where a conflicting patch is shown (``patch-conflict`` only).
        reused: paths whose conflict git's rerere resolved with a recorded resolution.
        shim: the shim wheel regenerated for this release (None: see ``shim_note``).
        shim_note: why no shim was generated, when it was not.
    """

    upstream: str
    status: str
    version: str
    previous: str | None
    fork_repository: Path
    vendor: str = ""
    transformed: str = ""
    fork: str = ""
    conflicts: tuple[str, ...] = ()
    conflicts_file: Path | None = None
    leftovers: dict[str, int] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    patches: tuple[PatchHealth, ...] = ()
    patch_worktree: Path | None = None
    reused: tuple[str, ...] = ()
    shim: Path | None = None
    shim_note: str = ""


def sync(config: UpstreamConfig, to: str | None, progress: Progress = lambda _: None) -> SyncResult:
    """Integrate release ``to`` (default: the newest) of ``config``'s upstream into the fork.

    Returns:
        the result; ``status == "conflict"`` leaves the fork repository mid-merge.

    Raises:
        ForktoolError: bad input or an unsafe fork repository; nothing was changed.
    """
    series = series_mod.load(config.root, config.name)
    repo = _open_fork(config, lockfile.read(config.lock_path))
    lock = lockfile.read(config.lock_path)  # recovering a killed sync may have written it
    progress(f"listing releases of {config.name}")
    release = upstream.resolve_release(config, to)
    if lock and _check_direction(config, lock, release):
        return SyncResult(
            config.name, "up-to-date", lock.version, lock.version, config.fork_path,
            lock.vendor, lock.transformed, lock.fork,
            **_refresh_shim(config, lock.version, only_if_missing=True),
        )  # fmt: skip
    created = None if repo else _first_missing(config.fork_path)
    fresh = repo is None
    repo = repo or GitRepo.init(config.fork_path, config.fork_branch)
    refs_before = repo.refs()
    try:
        return _integrate_release(config, repo, lock, release, series, refs_before, progress)
    except ForktoolError:
        with contextlib.suppress(OSError):  # leave no empty rerere cache behind
            rerere_cache(config).rmdir()
        if not fresh:
            repo.put_back(repo.moved_refs(refs_before), "forktool: undo a failed sync")
        elif created:
            remove_repository(created)  # ours, made in this run: leave no trace
        else:
            remove_repository(config.fork_path / ".git")  # it was an empty directory
        raise


def _refresh_shim(
    config: UpstreamConfig, version: str, *, only_if_missing: bool = False
) -> dict[str, Any]:
    """Regenerate the shim distribution for the integrated ``version``.

    Args:
        only_if_missing: write only when its wheel or source tree is missing (a sync
            killed while writing it); an up-to-date sync changes nothing otherwise.

    Returns:
        the ``shim`` / ``shim_note`` fields of the result: a failure here does not undo
        the finished merge, it is reported (and ``forktool shims`` says it again).
    """
    if not config.rename.distributions or config.shim_out is None:
        return {"shim_note": "no [rename.distributions]: no shim generated"}
    memo_path = state.stub_memo_path(GitRepo(config.fork_path))
    memo = state.StubMemo(state.read_stub_memo(memo_path))
    try:
        plan = shims.plan(
            config.fork_path,
            config.rename,
            version,
            shim_version=config.shim_version,
            memo=memo,
        )
        state.write_json(memo_path, {"schema": 1, "private_names": memo.used})
        if only_if_missing and shims.is_complete(plan, config.shim_out):
            return {"shim": config.shim_out / plan.wheel_name}
        result = shims.write(plan, config.shim_out)
    except ForktoolError as exc:
        return {"shim_note": f"shim not generated: {exc.message}"}
    return {"shim": result.wheel}


def rerere_cache(config: UpstreamConfig) -> Path:
    """Where git's rerere records conflict resolutions: ``patches/<name>/rr-cache`` in
    the fork definition, so they travel with it to colleagues and CI."""
    return config.root / "patches" / config.name / "rr-cache"


def sync_each(
    config: UpstreamConfig, to: str | None, progress: Progress = lambda _: None
) -> list[SyncResult]:
    """Integrate every release after the integrated one up to ``to`` (default: newest),
    one at a time, stopping at the first that does not integrate cleanly.

    Returns:
        one result per release tried, in order (the last may be a conflict).

    Raises:
        ConfigError: nothing is integrated yet (sync one release first).
        ForktoolError: as :func:`sync`.
    """
    lock = lockfile.read(config.lock_path)
    if lock is None:
        raise ConfigError(
            f"--each starts from the integrated release, and {config.name} has none yet",
            f"sync one release first: 'forktool sync {config.name} --to VERSION'",
        )
    target = Version(upstream.resolve_release(config, to).version)
    current = Version(lock.version)
    steps = [
        r.version for r in upstream.list_releases(config) if current < Version(r.version) <= target
    ]
    if not steps:
        return [sync(config, to, progress)]
    results: list[SyncResult] = []
    for version in steps:
        results.append(sync(config, version, progress))
        if results[-1].status not in ("merged", "created", "up-to-date"):
            break
    return results


def _first_missing(path: Path) -> Path | None:
    """The outermost directory of ``path`` that does not exist yet (None: all exist)."""
    missing = None
    for candidate in (path, *path.parents):
        if candidate.exists():
            break
        missing = candidate
    return missing


def _integrate_release(
    config: UpstreamConfig,
    repo: GitRepo,
    lock: Lock | None,
    release: Release,
    series: series_mod.Series,
    refs_before: dict[str, str],
    progress: Progress,
) -> SyncResult:
    built = build_release(repo, config, release, series, lock.vendor if lock else None, progress)
    vendor, result, applied = built.vendor, built.transform, built.applied
    state.write_leftovers(repo, config.name, release.version, result)
    state.write_health(repo, config.name, release.version, applied.health)
    failed = [h for h in applied.health if h.status == patches.ERROR]
    if failed:  # integrating without a customization would lose it silently
        raise TransformError(
            f"patch {failed[0].name} failed on {release.version}: {failed[0].detail}",
            "fix the patch or remove it from the series ('forktool patch list' shows all)",
        )
    fork_before = repo.resolve("HEAD") or ""
    base = SyncResult(
        upstream=config.name,
        status="merged" if lock else "created",
        version=release.version,
        previous=lock.version if lock else None,
        fork_repository=repo.path,
        vendor=vendor.commit,
        leftovers=dict(Counter(leftover.reason for leftover in result.leftovers)),
        failures=dict(result.failures),
        patches=applied.health,
    )
    pending = merge.Pending(
        upstream=config.name,
        version=release.version,
        sha256=release.sha256 or "",
        upstream_commit=vendor.release.commit or "",
        vendor=vendor.commit,
        transformed="",
        fork_before=fork_before,
        refs_before={},
        conflicts=[],
    )
    if built.patch_conflicts:
        pending = replace(pending, refs_before=repo.moved_refs(refs_before))
        return _stop_on_patch(
            config, repo, series, applied, built.patch_conflicts[0], pending, base
        )
    transformed = commit_transformed(repo, config, built, lock.transformed if lock else None)
    progress(f"merging {config.name} {release.version} into {config.fork_branch}")
    if repo.has_commits():
        repo.enable_rerere(rerere_cache(config))
    managed = merge.release_refs(config, release.version)
    intent = replace(
        pending,
        transformed=transformed,
        refs_before={
            **repo.moved_refs(refs_before),
            **{ref: refs_before.get(ref, "") for ref in managed},
        },
    )
    merge.write_pending(repo, intent)  # from here on, a killed sync is recovered by the next
    outcome = merge.integrate(repo, config, transformed, release.version)
    merge.move_release_refs(repo, config, release.version, vendor.commit, transformed)
    base = replace(base, transformed=transformed, reused=outcome.reused)
    if outcome.commit is None:
        report = merge.write_pending(repo, replace(intent, conflicts=list(outcome.conflicts)))
        return replace(base, status="conflict", conflicts=outcome.conflicts, conflicts_file=report)
    _write_lock(config, vendor.release, vendor.commit, transformed, outcome.commit)
    merge.clear_pending(repo, config.name)
    return replace(base, fork=outcome.commit, **_refresh_shim(config, release.version))


def _stop_on_patch(
    config: UpstreamConfig,
    repo: GitRepo,
    series: series_mod.Series,
    applied: patches.SeriesResult,
    name: str,
    pending: merge.Pending,
    base: SyncResult,
) -> SyncResult:
    """A diff patch conflicts: show it as a git conflict beside the fork; merge nothing."""
    patch = series.patches[series.index(name)]
    message = f"forktool: {config.name} {pending.version} before patch {name}\n"
    base_commit = repo.commit_tree(applied.tree_before[name], [], message, None)
    worktree = patchwork.worktree_path(config)
    conflicts = patchwork.show_conflict(repo, worktree, base_commit, patch.data)
    pending = replace(
        pending,
        stage="patch",
        patch=name,
        patch_sha256=hashlib.sha256(patch.data).hexdigest(),
        worktree=str(worktree),
        patch_base=base_commit,
        conflicts=list(conflicts),
    )
    report = merge.write_pending(repo, pending)
    return replace(
        base,
        status="patch-conflict",
        conflicts=conflicts,
        conflicts_file=report,
        patch_worktree=worktree,
    )


def continue_sync(config: UpstreamConfig, progress: Progress = lambda _: None) -> SyncResult:
    """Finish a sync that stopped on conflicts, after the user resolved them.

    After a fork merge conflict: commits the merge and records the lock. After a patch
    conflict: checks the patch was refreshed, removes the conflict checkout and runs the
    sync of the same release again (which may stop on the next conflict).

    Raises:
        RepositoryError: no sync is waiting, conflicts remain, or the conflicting patch
            was not refreshed.
    """
    repo, pending = _pending(config)
    if pending.stage == "patch":
        return _continue_after_patch(config, repo, pending, progress)
    previous = lockfile.read(config.lock_path)
    fork = merge.conclude(repo, pending)
    release = Release(pending.version, "", pending.sha256 or None, pending.upstream_commit or None)
    _write_lock(config, release, pending.vendor, pending.transformed, fork)
    merge.clear_pending(repo, config.name)
    return SyncResult(
        config.name, "merged", pending.version, previous.version if previous else None,
        repo.path, pending.vendor, pending.transformed, fork,
        **_refresh_shim(config, pending.version),
    )  # fmt: skip


def _continue_after_patch(
    config: UpstreamConfig, repo: GitRepo, pending: merge.Pending, progress: Progress
) -> SyncResult:
    listed = series_mod.load(config.root, config.name).patches
    current = next((p for p in listed if p.name == pending.patch), None)
    if current is not None and hashlib.sha256(current.data).hexdigest() == pending.patch_sha256:
        raise RepositoryError(
            f"patch {pending.patch} has not been refreshed since it conflicted",
            f"resolve it in {pending.worktree}, then run "
            f"'forktool patch refresh {pending.patch} --upstream {config.name}'",
        )
    repo.remove_worktree(Path(pending.worktree))
    merge.clear_pending(repo, config.name)
    return sync(config, pending.version, progress)


def abort_sync(config: UpstreamConfig) -> SyncResult:
    """Undo a sync that stopped on conflicts: the fork is restored exactly as it was.

    Raises:
        RepositoryError: no sync is waiting, or the fork branch moved meanwhile.
    """
    repo, pending = _pending(config)
    if pending.stage == "patch":
        repo.remove_worktree(Path(pending.worktree))
        merge.restore_refs(repo, pending)
    else:
        merge.undo(repo, pending)
    merge.clear_pending(repo, config.name)
    lock = lockfile.read(config.lock_path)
    version = lock.version if lock else ""
    return SyncResult(config.name, "aborted", version, version or None, repo.path)


def is_waiting(config: UpstreamConfig) -> bool:
    """True when a sync of ``config`` stopped on conflicts and waits for --continue/--abort."""
    if not (config.fork_path / ".git").exists():
        return False
    return merge.read_pending(GitRepo(config.fork_path), config.name) is not None


def _pending(config: UpstreamConfig) -> tuple[GitRepo, merge.Pending]:
    if not (config.fork_path / ".git").exists():
        raise RepositoryError(
            f"the fork repository {config.fork_path} does not exist",
            f"there is nothing to continue or abort; run 'forktool sync {config.name}'",
        )
    repo = GitRepo(config.fork_path)
    pending = merge.read_pending(repo, config.name)
    if pending is None:
        raise RepositoryError(
            f"no sync of {config.name} is waiting for conflict resolution",
            f"run 'forktool sync {config.name}' to start one",
        )
    return repo, pending


def _open_fork(config: UpstreamConfig, lock: Lock | None) -> GitRepo | None:
    """Open the fork repository and check it agrees with the lock and is safe to merge into.

    Returns:
        the repository, or None when it does not exist yet (first sync).
    """
    path = config.fork_path
    if not path.exists() or (path.is_dir() and not any(path.iterdir())):
        if lock:
            raise RepositoryError(
                f"upstream/{config.name}.lock records {lock.version}, but the fork repository "
                f"{path} does not exist",
                "clone the fork repository there, or delete the lock file to start over",
            )
        return None
    repo = GitRepo(path)
    recovery.recover(repo, config)
    merge.check_ready(repo, config)
    if lock is None and repo.has_commits():
        raise RepositoryError(
            f"the fork repository {path} has history but upstream/{config.name}.lock is missing",
            "restore the lock file from git, or point [fork] path at a new directory",
        )
    head = repo.resolve("HEAD")
    if lock and (head is None or not repo.is_ancestor(lock.fork, head)):
        raise RepositoryError(
            f"upstream/{config.name}.lock does not match the fork repository {path} "
            f"(fork commit {lock.fork[:12]} is not on {config.fork_branch})",
            "restore the lock file from git, or check out the right fork branch",
        )
    return repo


def _check_direction(config: UpstreamConfig, lock: Lock, release: Release) -> bool:
    """True when ``release`` is already integrated; raise when it is older."""
    current, wanted = Version(lock.version), Version(release.version)
    if wanted < current:
        raise ConfigError(
            f"{config.name} {lock.version} is integrated; {release.version} is older",
            "forktool only moves a fork forward; give a newer --to",
        )
    return wanted == current


def _write_lock(
    config: UpstreamConfig, release: Release, vendor: str, transformed: str, fork: str
) -> None:
    lockfile.write(
        config.lock_path,
        Lock(
            version=release.version,
            sha256=release.sha256 or "",
            upstream_commit=release.commit or "",
            vendor=vendor,
            transformed=transformed,
            fork=fork,
        ),
    )
