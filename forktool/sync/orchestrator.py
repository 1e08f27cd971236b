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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path

from packaging.version import Version

from forktool import interrupts, perf, shims, upstream
from forktool.config import GitSource, UpstreamConfig
from forktool.errors import (
    ConfigError,
    ForktoolError,
    Interrupted,
    RepositoryError,
    TransformError,
)
from forktool.git.repository import GitRepo, remove_repository
from forktool.model import PatchHealth, PatchStatus, Release
from forktool.patches import apply, workspace
from forktool.patches import series as series_mod
from forktool.records import intent, lockfile, state
from forktool.records.fork import find_fork, open_fork
from forktool.records.lockfile import Lock
from forktool.sync import integrate, recovery
from forktool.sync.build import BuiltRelease, Progress, build_release, commit_transformed
from forktool.sync.status import pinned_version
from forktool.upstream import gitsource


class SyncStatus(StrEnum):
    """What one sync of one upstream did (:attr:`SyncResult.status`, JSON ``status``)."""

    UP_TO_DATE = "up-to-date"
    CREATED = "created"  # the first sync
    MERGED = "merged"
    CONFLICT = "conflict"  # the fork merge conflicts
    PATCH_CONFLICT = "patch-conflict"  # a diff patch of the series conflicts; nothing merged
    ABORTED = "aborted"

    @property
    def waits(self) -> bool:
        """Whether conflicts wait for the user (exit code 1)."""
        return self in (SyncStatus.CONFLICT, SyncStatus.PATCH_CONFLICT)


@dataclass(frozen=True)
class ShimOutcome:
    """What a sync did about the shim distribution.

    Attributes:
        wheel: the shim wheel of the integrated release (written now, or already there),
            or None when there is none.
        note: why there is no wheel ("" when there is one).
    """

    wheel: Path | None = None
    note: str = ""


@dataclass(frozen=True)
class SyncResult:
    """What one sync (or ``--continue`` / ``--abort``) of one upstream did.

    Attributes:
        upstream: upstream name.
        status: what the sync did.
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
        shim: the shim wheel of this release, or why there is none.
        remaining: the releases ``sync --each`` has still to integrate after this one,
            oldest first: on the result it stopped on, and on that sync's ``--continue``
            (from the intent record); () otherwise.
        undone: the release whose stopped sync ``--abort`` undid (``aborted`` only; "")
        upstream_commit / upstream_subject: the upstream commit of ``version`` and the
            first line of its message (git upstreams; "" otherwise, and when up to date).
        each_commits: True for the results of ``sync --each-commit`` (and of the
            ``--continue`` of one it stopped on): ``remaining`` holds upstream commits.
    """

    upstream: str
    status: SyncStatus
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
    shim: ShimOutcome = ShimOutcome()
    remaining: tuple[str, ...] = ()
    undone: str = ""
    upstream_commit: str = ""
    upstream_subject: str = ""
    each_commits: bool = False


#: Finds the release a sync integrates, given the fork repository (None before the first
#: sync): :func:`upstream.resolve_release`, or one already resolved.
Resolve = Callable[[GitRepo | None], Release]


def sync(config: UpstreamConfig, to: str | None, progress: Progress = lambda _: None) -> SyncResult:
    """Integrate release ``to`` (default: the newest) of ``config``'s upstream into the fork.

    For a git upstream ``to`` may also be a branch, a tag or a commit id: the commit it
    names is integrated as a version between releases (see
    :func:`upstream.resolve_release`); it, or a release after such a commit, must descend
    from the integrated upstream commit (:func:`upstream.refuse_backwards`).

    Returns:
        the result; ``status`` :attr:`SyncStatus.CONFLICT` leaves the fork repository mid-merge.

    Raises:
        ForktoolError: bad input or an unsafe fork repository; nothing was changed.
    """
    return _sync(config, lambda repo: upstream.resolve_release(config, to, repo), progress)


def _sync(config: UpstreamConfig, resolve: Resolve, progress: Progress) -> SyncResult:
    """:func:`sync` of the release ``resolve`` finds."""
    series = series_mod.load(config.root, config.name)
    with perf.step("open and check the fork repository"):
        repo = _open_fork(config, lockfile.read(config.lock_path))
    lock = lockfile.read(config.lock_path)  # recovering a killed sync may have written it
    progress(f"listing releases of {config.name}")
    with perf.step("list the releases"):
        release = resolve(repo)
    integrated = lock and repo and _check_direction(config, repo, lock, release)
    if lock and integrated and not lockfile.series_changed(lock, series.fingerprint):
        return SyncResult(
            config.name, SyncStatus.UP_TO_DATE, lock.version, lock.version, config.fork_path,
            lock.vendor, lock.transformed, lock.fork,
            shim=_refresh_shim(config, lock.version, only_if_missing=True),
        )  # fmt: skip
    created = None if repo else _first_missing(config.fork_path)
    fresh = repo is None
    repo = repo or GitRepo.init(config.fork_path, config.fork_branch)
    refs_before = repo.refs()
    try:
        return _integrate_release(config, repo, lock, release, series, refs_before, progress)
    except (ForktoolError, Interrupted) as exc:
        with interrupts.shielded():
            if lockfile.read(config.lock_path) == lock:  # a new lock: the sync completed
                _undo_run(config, repo, lock, refs_before, exc, fresh=fresh, created=created)
            if isinstance(exc, Interrupted):
                _note_completed(config, lock, exc)
        raise


def _note_completed(config: UpstreamConfig, lock: Lock | None, exc: Interrupted) -> None:
    """Make an interrupt that came after the sync completed (its lock file written, by the
    run or by recovery while undoing) say so, instead of "undone"."""
    with contextlib.suppress(ForktoolError):
        after = lockfile.read(config.lock_path)
        if after is not None and after != lock:
            exc.detail = (
                f"the sync of {config.name} {after.version} had completed (or was finished "
                "while undoing); only its shim may be missing or stale — run "
                f"'forktool shims {config.name}'"
            )


def _undo_run(
    config: UpstreamConfig,
    repo: GitRepo,
    lock: Lock | None,
    refs_before: dict[str, str],
    exc: ForktoolError | Interrupted,
    *,
    fresh: bool,
    created: Path | None,
) -> None:
    """Leave the fork as this failed or interrupted run found it (one that wrote its lock
    file has completed: the shim step, interrupted, is redone by the next sync).

    A merge the run recorded is settled as after a kill (:func:`recovery.recover`): undone
    path by path, finished if git already committed it, left waiting if its conflicts are
    recorded. Otherwise the refs the run moved go back; a repository the run created is
    removed. When undoing has to keep paths, an interrupt carries that message along
    (:attr:`Interrupted.detail`); a failure is replaced by it.
    """
    try:
        if intent.read_pending(repo, config.name) is not None:
            recovery.recover(repo, config, same_run=True)
        elif not fresh:
            repo.put_back(repo.moved_refs(refs_before), "forktool: undo a failed sync")
    except RepositoryError as undo_error:
        if created is None:  # a directory the run made holds nothing of the user's
            if isinstance(exc, Interrupted):
                exc.detail = f"{undo_error.message} — {undo_error.hint}"
            else:
                raise undo_error from exc
    if lockfile.read(config.lock_path) == lock:  # undone, not finished by recovery
        with contextlib.suppress(OSError):  # leave no empty rerere cache behind
            rerere_cache(config).rmdir()
        if fresh:
            remove_repository(created or config.fork_path / ".git")  # ours: leave no trace


def _refresh_shim(
    config: UpstreamConfig, version: str, *, only_if_missing: bool = False
) -> ShimOutcome:
    """Regenerate the shim distribution for the integrated ``version``.

    Args:
        only_if_missing: write only when its wheel or source tree is missing (a sync
            killed while writing it); an up-to-date sync changes nothing otherwise.

    Returns:
        the wheel, or why there is none: a failure here does not undo the finished
        merge, it is reported (and ``forktool shims`` says it again).
    """
    if not config.rename.distributions or config.shim_out is None:
        return ShimOutcome(note="no [rename.distributions]: no shim generated")
    repo = open_fork(config, f"run 'forktool sync {config.name}'")
    memo_path = state.stub_memo_path(repo)
    memo = state.StubMemo(state.read_stub_memo(memo_path))
    # modules and shim files known unchanged by their stat are not read (shortcuts)
    module_keys = state.read_module_keys(memo_path) if perf.shortcuts() else None
    stats_path = state.shim_stats_path(repo)
    stats = state.read_shim_stats(stats_path, config.shim_out) if perf.shortcuts() else None
    try:
        plan = shims.plan(
            config.fork_path,
            config.rename,
            pinned_version(config, version),
            shim_version=config.shim_version,
            memo=memo,
            mapper=_in_workers,
            module_keys=module_keys,
        )
        kept = {path: key for path, key in (module_keys or {}).items() if key[4] in memo.used}
        memo_data = {"schema": 1, "private_names": memo.used, "module_keys": kept}
        state.write_json(memo_path, memo_data, compact=True)
        if only_if_missing and shims.is_complete(plan, config.shim_out):
            return ShimOutcome(config.shim_out / plan.wheel_name)
        result = shims.write(plan, config.shim_out, stats)
        if stats is not None:
            out = str(config.shim_out)
            state.write_json(stats_path, {"schema": 1, "out": out, "stats": stats}, compact=True)
    except ForktoolError as exc:
        hint = f" — {exc.hint}" if exc.hint else ""
        return ShimOutcome(note=f"shim not generated: {exc.message}{hint}")
    return ShimOutcome(result.wheel)


def _in_workers(
    function: Callable[[bytes, str], list[str]], files: Sequence[tuple[bytes, str]]
) -> list[list[str]]:
    """:data:`forktool.shims.stubs.Mapper` in the rename's worker processes."""
    from forktool.transform import pool  # here: it imports the codemods (libcst)

    return pool.map_in_workers(function, files, pool.default_jobs())


def rerere_cache(config: UpstreamConfig) -> Path:
    """Where git's rerere records conflict resolutions: ``patches/<name>/rr-cache`` in
    the fork definition, so they travel with it to colleagues and CI."""
    return config.root / "patches" / config.name / "rr-cache"


#: Told of each release ``sync --each`` tried: its position (from 1), how many releases
#: the range holds, and the result.
ReleaseDone = Callable[[int, int, "SyncResult"], None]


def sync_each(
    config: UpstreamConfig,
    to: str | None,
    progress: Progress = lambda _: None,
    done: ReleaseDone = lambda position, total, result: None,
) -> list[SyncResult]:
    """Integrate every release after the integrated one up to ``to`` (default: newest),
    one at a time, stopping at the first that does not integrate cleanly.

    Args:
        done: called after each release of the range, as soon as it is tried (not when
            the range holds none: then the one result is only returned).

    Returns:
        one result per release tried, in order (the last may be a conflict).

    Raises:
        ConfigError: nothing is integrated yet (sync one release first).
        ForktoolError: as :func:`sync`.
    """
    lock = _integrated(config, "--each")
    target = Version(upstream.resolve_release(config, to).version)
    current = Version(lock.version)
    steps = [
        upstream.check_taggable(config, r).version  # refuse now what it could do only in part
        for r in upstream.list_releases(config)
        if current < Version(r.version) <= target
    ]
    if not steps:
        return [sync(config, to, progress)]

    def resolver(version: str) -> Resolve:
        return lambda repo: upstream.resolve_release(config, version, repo)

    return _step(config, [(v, resolver(v)) for v in steps], progress, done, each_commits=False)


def sync_each_commit(
    config: UpstreamConfig,
    to: str | None,
    progress: Progress = lambda _: None,
    done: ReleaseDone = lambda position, total, result: None,
) -> list[SyncResult]:
    """Integrate the upstream commits after the integrated one up to ``to`` (a branch,
    commit or release of a git upstream; default: the newest release) one at a time,
    stopping at the first that does not integrate cleanly: so the maintainer learns
    which upstream commit collides with the fork.

    The commits are ``to``'s first-parent chain from the integrated upstream commit,
    those that do not contain it left out (:func:`.gitsource.steps`); each is a sync of
    its own (vendor, transformed and fork commits, lock file), as :func:`sync` does it.

    Args:
        done: as :func:`sync_each`'s, per commit.

    Returns:
        one result per commit tried, in order (the last may be a conflict); each with
        ``each_commits`` True.

    Raises:
        ConfigError: a PyPI upstream (it has no commits), or nothing is integrated yet.
        ForktoolError: as :func:`sync` (``to`` the upstream does not have, or one that
            does not descend from the integrated commit).
    """
    source = config.source
    if not isinstance(source, GitSource):
        raise ConfigError(
            f"--each-commit steps through a git upstream's commits, and {config.name} is "
            "a PyPI upstream (sdists, no commits)",
            f"integrate one release at a time with 'forktool sync {config.name} --each'",
        )
    lock = _integrated(config, "--each-commit")
    repo = open_fork(config, "clone it there, or delete the lock file to start over")
    progress(f"listing the commits of {config.name}")
    target = upstream.resolve_release(config, to, repo)
    integrated = lock.upstream_commit
    found = gitsource.steps(repo, source, integrated, target) if integrated else []
    if not found or Version(target.version) <= Version(lock.version):
        return [replace(sync(config, to, progress), each_commits=True)]
    steps = [(upstream.check_taggable(config, r).version, _resolved(r)) for r in found]
    return _step(config, steps, progress, done, each_commits=True)


def _resolved(release: Release) -> Resolve:
    return lambda repo: release


def _integrated(config: UpstreamConfig, option: str) -> Lock:
    """The lock file's integrated release, where ``option`` starts from.

    Raises:
        ConfigError: nothing is integrated yet.
    """
    lock = lockfile.read(config.lock_path)
    if lock is None:
        raise ConfigError(
            f"{option} starts from the integrated release, and {config.name} has none yet",
            f"sync one release first: 'forktool sync {config.name} --to VERSION'",
        )
    return lock


def _step(
    config: UpstreamConfig,
    steps: Sequence[tuple[str, Resolve]],
    progress: Progress,
    done: ReleaseDone,
    *,
    each_commits: bool,
) -> list[SyncResult]:
    """Sync each of ``steps`` (version, how to find it) in order; stop at the first that
    does not integrate cleanly, recording the versions still to go."""
    versions = [version for version, _ in steps]
    results: list[SyncResult] = []
    for position, (_, resolve) in enumerate(steps, 1):
        result = replace(_sync(config, resolve, progress), each_commits=each_commits)
        stops = result.status not in (SyncStatus.MERGED, SyncStatus.CREATED, SyncStatus.UP_TO_DATE)
        if stops and result.status.waits:
            result = _remember_each(config, result, versions[position:], each_commits)
        results.append(result)
        done(position, len(steps), result)
        if stops:
            break
    return results


def _remember_each(
    config: UpstreamConfig, result: SyncResult, remaining: Sequence[str], each_commits: bool
) -> SyncResult:
    """``result`` (a sync of ``sync --each`` or ``--each-commit`` waiting on conflicts)
    with the releases or commits still to go, which its intent record keeps for
    ``--continue`` to name."""
    if not remaining:
        return result
    repo = GitRepo(result.fork_repository)
    pending = intent.read_pending(repo, config.name)
    if pending is not None:
        record = replace(pending, each_remaining=list(remaining), each_commits=each_commits)
        intent.write_pending(repo, record)
    return replace(result, remaining=tuple(remaining), each_commits=each_commits)


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
    """The steps of one sync after the checks: build, record, then merge or stop."""
    built = build_release(repo, config, release, series, lock.vendor if lock else None, progress)
    _refuse_failed_patches(built, release)
    if lock and _builds_the_same(repo, lock, release, built):
        # the series changed in ways that change nothing built (a comment, an order that
        # gives the same tree): no commits, the lock just records the series
        lockfile.write(config.lock_path, replace(lock, series=series.fingerprint))
        return SyncResult(
            config.name, SyncStatus.UP_TO_DATE, lock.version, lock.version, repo.path,
            lock.vendor, lock.transformed, lock.fork, patches=built.applied.health,
        )  # fmt: skip
    base = _result(config, repo, lock, release, built)
    pending = replace(_intent(config, repo, release, built), series=series.fingerprint)
    if built.patch_conflicts:
        with perf.step("write the leftover report and series health"):
            _record_state(config, repo, release.version, built)
        pending = replace(pending, refs_before=repo.moved_refs(refs_before))
        return _stop_on_patch(
            config, repo, series, built.applied, built.patch_conflicts[0], pending, base
        )
    with perf.step("commit the transformed tree"):
        transformed = commit_transformed(repo, config, built, lock.transformed if lock else None)
    progress(f"merging {config.name} {release.version} into {config.fork_branch}")
    with perf.step("merge into the fork"):
        return _merge(
            config, repo, replace(pending, transformed=transformed), refs_before, base, built
        )


def _builds_the_same(repo: GitRepo, lock: Lock, release: Release, built: BuiltRelease) -> bool:
    """Whether ``built`` is the integrated release built again into the very tree of its
    transformed commit (the series changed, its result did not)."""
    if lock.version != release.version or built.patch_conflicts:
        return False
    return repo.write_tree(built.applied.tree) == repo.tree_of(lock.transformed)


def _refuse_failed_patches(built: BuiltRelease, release: Release) -> None:
    failed = [h for h in built.applied.health if h.status == PatchStatus.ERROR]
    if failed:  # integrating without a customization would lose it silently
        raise TransformError(
            f"patch {failed[0].name} failed on {release.version}: {failed[0].detail}",
            "fix the patch or remove it from the series ('forktool patch list' shows all)",
        )


def _result(
    config: UpstreamConfig, repo: GitRepo, lock: Lock | None, release: Release, built: BuiltRelease
) -> SyncResult:
    """What the sync reports whatever the merge does: the release, leftovers, health."""
    return SyncResult(
        upstream=config.name,
        status=SyncStatus.MERGED if lock else SyncStatus.CREATED,
        version=release.version,
        previous=lock.version if lock else None,
        fork_repository=repo.path,
        vendor=built.vendor.commit,
        leftovers=dict(Counter(leftover.reason for leftover in built.transform.leftovers)),
        failures=dict(built.transform.failures),
        patches=built.applied.health,
        upstream_commit=built.vendor.release.commit or "",
        upstream_subject=_subject(repo, built.vendor.release.commit),
    )


def _intent(
    config: UpstreamConfig, repo: GitRepo, release: Release, built: BuiltRelease
) -> intent.Pending:
    """The intent record's start: the release and where the fork branch is now."""
    return intent.Pending(
        upstream=config.name,
        version=release.version,
        sha256=built.vendor.release.sha256,
        upstream_commit=built.vendor.release.commit,
        vendor=built.vendor.commit,
        transformed="",
        fork_before=repo.resolve("HEAD") or "",
        refs_before={},
        conflicts=[],
    )


def _record_state(config: UpstreamConfig, repo: GitRepo, version: str, built: BuiltRelease) -> None:
    """The state files describe the release this sync integrates or stops on; a sync that
    fails or is refused before this leaves those of the last one."""
    state.write_leftovers(repo, config.name, version, built.transform)
    state.write_health(repo, config.name, version, built.applied.health)


def _merge(
    config: UpstreamConfig,
    repo: GitRepo,
    pending: intent.Pending,
    refs_before: dict[str, str],
    base: SyncResult,
    built: BuiltRelease,
) -> SyncResult:
    """Plan the merge (refused when files are in its way), record the state files of
    ``built`` and the intent, three-way merge ``pending.transformed`` into the fork, then
    finish, or stop with the conflicts recorded."""
    managed = integrate.release_refs(config, pending.version)
    labels = integrate.merge_labels(config, base.previous, pending.version)
    with perf.step("plan the merge (in memory)"):
        merge_plan = integrate.plan(repo, pending.transformed, labels)
        integrate.refuse_files_in_the_way(repo, pending.transformed, merge_plan)
    # only a sync that goes ahead changes anything: the state files, git's config
    with perf.step("write the leftover report and series health"):
        _record_state(config, repo, pending.version, built)
    if repo.has_commits():
        repo.enable_rerere(rerere_cache(config))
    record = replace(
        pending,
        refs_before={
            **repo.moved_refs(refs_before),
            **{ref: refs_before.get(ref, "") for ref in managed},
        },
        writes=merge_plan.writes,
    )
    intent.write_pending(repo, record)  # from here on, a killed sync is recovered by the next
    with perf.step("merge in the working tree"):
        outcome = integrate.integrate(repo, config, record.transformed, record.version, merge_plan)
    base = replace(base, transformed=record.transformed, reused=outcome.reused)
    if outcome.commit is None:
        integrate.move_release_refs(repo, config, record)
        record = integrate.record_written(repo, record, outcome.conflicts + outcome.reused)
        report = intent.write_pending(repo, replace(record, conflicts=list(outcome.conflicts)))
        return replace(
            base, status=SyncStatus.CONFLICT, conflicts=outcome.conflicts, conflicts_file=report
        )
    with perf.step("finish: refs, lock file"):
        integrate.finish(repo, config, record, outcome.commit)
    with perf.step("the shim distribution"):
        shim = _refresh_shim(config, record.version)
    return replace(base, fork=outcome.commit, shim=shim)


def _stop_on_patch(
    config: UpstreamConfig,
    repo: GitRepo,
    series: series_mod.Series,
    applied: apply.SeriesResult,
    name: str,
    pending: intent.Pending,
    base: SyncResult,
) -> SyncResult:
    """A diff patch conflicts: show it as a git conflict beside the fork; merge nothing."""
    patch = series.patches[series.index(name)]
    message = f"forktool: {config.name} {pending.version} before patch {name}\n"
    base_commit = repo.commit_tree(applied.tree_before[name], [], message, None)
    worktree = workspace.worktree_path(config)
    conflicts = workspace.show_conflict(repo, worktree, base_commit, patch.data)
    pending = replace(
        pending,
        patch_conflict=intent.PatchConflict(
            patch=name,
            patch_sha256=hashlib.sha256(patch.data).hexdigest(),
            worktree=str(worktree),
            patch_base=base_commit,
        ),
        conflicts=list(conflicts),
    )
    report = intent.write_pending(repo, pending)
    return replace(
        base,
        status=SyncStatus.PATCH_CONFLICT,
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
    previous = lockfile.read(config.lock_path)
    try:
        return _continue(config, previous, progress)
    except Interrupted as exc:
        _note_completed(config, previous, exc)
        raise


def _continue(config: UpstreamConfig, previous: Lock | None, progress: Progress) -> SyncResult:
    repo, pending = _pending(config)
    if pending.patch_conflict is not None:
        return _continue_after_patch(config, repo, pending, pending.patch_conflict, progress)
    if not _waits_on_conflicts(repo, pending):
        return _settled(config, repo, pending, previous)
    fork = integrate.conclude(repo, pending)
    integrate.finish(repo, config, pending, fork)
    return SyncResult(
        config.name, SyncStatus.MERGED, pending.version, previous.version if previous else None,
        repo.path, pending.vendor, pending.transformed, fork,
        shim=_refresh_shim(config, pending.version), remaining=tuple(pending.each_remaining),
        upstream_commit=pending.upstream_commit or "",
        upstream_subject=_subject(repo, pending.upstream_commit),
        each_commits=pending.each_commits,
    )  # fmt: skip


def _subject(repo: GitRepo, commit: str | None) -> str:
    """The first line of upstream commit ``commit``'s message ("" when None or missing)."""
    if not commit or repo.resolve(commit) is None:
        return ""
    return repo.commit_info(commit)[1]


def _continue_after_patch(
    config: UpstreamConfig,
    repo: GitRepo,
    pending: intent.Pending,
    stopped: intent.PatchConflict,
    progress: Progress,
) -> SyncResult:
    listed = series_mod.load(config.root, config.name).patches
    current = next((p for p in listed if p.name == stopped.patch), None)
    if current is not None and hashlib.sha256(current.data).hexdigest() == stopped.patch_sha256:
        raise RepositoryError(
            f"patch {stopped.patch} has not been refreshed since it conflicted",
            f"resolve it in {stopped.worktree}, then run "
            f"'{intent.refresh_command(config.name, stopped.patch)}'",
        )
    repo.remove_worktree(Path(stopped.worktree))
    intent.clear_pending(repo, config.name)
    result = sync(config, pending.version, progress)
    each_commits = pending.each_commits
    if result.status.waits:  # stopped again: the releases --each had to go stay recorded
        return _remember_each(config, result, pending.each_remaining, each_commits)
    return replace(result, remaining=tuple(pending.each_remaining), each_commits=each_commits)


def abort_sync(config: UpstreamConfig) -> SyncResult:
    """Undo a sync that stopped on conflicts (or was interrupted): every ref it moved goes
    back, and each path of the fork's working tree that still holds what the merge wrote
    goes back to the fork's content (see :func:`recovery.undo`).

    Raises:
        RepositoryError: no sync is waiting; the merge was already committed (finish it
            with ``--continue``); another merge is in progress; or paths that hold content
            forktool did not write were kept (everything else is undone).
    """
    repo, pending = _pending(config)
    if pending.patch_conflict is not None:
        repo.remove_worktree(Path(pending.patch_conflict.worktree))
        integrate.restore_refs(repo, pending)
        intent.clear_pending(repo, config.name)
    elif recovery.is_committed(repo, pending):
        raise RepositoryError(
            f"the merge of {config.name} {pending.version} is already committed in the fork",
            f"run '{intent.continue_command(config.name)}' to record it",
        )
    else:
        recovery.undo(repo, config, pending)
    lock = lockfile.read(config.lock_path)
    version = lock.version if lock else ""
    return SyncResult(
        config.name, SyncStatus.ABORTED, version, version or None, repo.path,
        undone=pending.version,
    )  # fmt: skip


def _waits_on_conflicts(repo: GitRepo, pending: intent.Pending) -> bool:
    """True when the fork is in the conflicted merge ``pending`` recorded (or the user
    committed that merge by hand): what ``--continue`` finishes."""
    if recovery.is_committed(repo, pending):
        return True
    return bool(pending.conflicts) and repo.merge_head() == pending.transformed


def _settled(
    config: UpstreamConfig, repo: GitRepo, pending: intent.Pending, previous: Lock | None
) -> SyncResult:
    """``--continue`` when no conflicted merge waits: settle the record as the next sync
    would (finish a merge git completed, undo one that never happened) and say which.

    Raises:
        RepositoryError: the merge was undone (there is nothing to continue), or as
            :func:`recovery.recover`.
    """
    recovery.recover(repo, config)
    after = intent.read_pending(repo, config.name)
    if after is not None:
        if _waits_on_conflicts(repo, after):  # git's merge was cut short: its conflicts
            return continue_sync(config)  # are recorded now, and --continue goes on
        raise RepositoryError(
            "a git merge that is not forktool's is in progress in the fork repository",
            "finish or abort it with git, then run --continue again",
        )
    lock = lockfile.read(config.lock_path)
    if lock and lock.version == pending.version:
        return SyncResult(
            config.name, SyncStatus.MERGED, lock.version, previous.version if previous else None,
            repo.path, lock.vendor, lock.transformed, lock.fork,
            shim=_refresh_shim(config, lock.version), remaining=tuple(pending.each_remaining),
            upstream_commit=lock.upstream_commit or "",
            upstream_subject=_subject(repo, lock.upstream_commit),
            each_commits=pending.each_commits,
        )  # fmt: skip
    raise RepositoryError(
        f"no sync of {config.name} is waiting: the merge of {pending.version} was not in "
        "progress any more, so forktool undid what it had started",
        f"run 'forktool sync {config.name}' to start again",
    )


def is_waiting(config: UpstreamConfig) -> bool:
    """True when a sync of ``config`` stopped on conflicts and waits for --continue/--abort."""
    repo = find_fork(config)
    return repo is not None and intent.pending_path(repo, config.name).exists()


def _pending(config: UpstreamConfig) -> tuple[GitRepo, intent.Pending]:
    repo = open_fork(
        config, f"there is nothing to continue or abort; run 'forktool sync {config.name}'"
    )
    pending = intent.read_pending(repo, config.name)
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
    integrate.check_ready(repo, config)
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


def _check_direction(config: UpstreamConfig, repo: GitRepo, lock: Lock, release: Release) -> bool:
    """True when ``release`` is already integrated; raise when it is older, or when it or
    the integrated point is a commit between releases and it does not descend from the
    integrated upstream commit (:func:`upstream.refuse_backwards`)."""
    current, wanted = Version(lock.version), Version(release.version)
    if wanted < current:
        raise ConfigError(
            f"{config.name} {lock.version} is integrated; {release.version} is older",
            "forktool only moves a fork forward; give a newer --to",
        )
    if wanted == current:
        return True
    upstream.refuse_backwards(repo, config, (lock.version, lock.upstream_commit), release)
    return False
