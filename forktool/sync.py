"""The sync orchestrator: import -> transform -> three-way merge -> record.

Each step is a named function; :func:`sync` reads like the table of contents. Nothing
here prints: progress goes to an optional callback and the outcome is a
:class:`SyncResult`. Ref updates are the commit point: objects are built first, refs and
the lock file move only once the merge outcome is known.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from packaging.version import Version

from forktool import lockfile, merge, patches, patchwork, upstream
from forktool import series as series_mod
from forktool.config import PyPISource, UpstreamConfig
from forktool.errors import ConfigError, ForktoolError, RepositoryError
from forktool.gitrepo import GitRepo, remove_repository
from forktool.lockfile import Lock
from forktool.model import Release, TransformResult, Tree
from forktool.patches import PatchHealth
from forktool.transform import transform_tree
from forktool.upstream import VendorImport

#: Called with a short description of each step as it starts.
Progress = Callable[[str], None]


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


def sync(config: UpstreamConfig, to: str | None, progress: Progress = lambda _: None) -> SyncResult:
    """Integrate release ``to`` (default: the newest) of ``config``'s upstream into the fork.

    Returns:
        the result; ``status == "conflict"`` leaves the fork repository mid-merge.

    Raises:
        ForktoolError: bad input or an unsafe fork repository; nothing was changed.
    """
    lock = lockfile.read(config.lock_path)
    series = series_mod.load(config.root, config.name)
    repo = _open_fork(config, lock)
    progress(f"listing releases of {config.name}")
    release = upstream.resolve_release(config, to)
    if lock and _check_direction(config, lock, release):
        return SyncResult(
            config.name, "up-to-date", lock.version, lock.version, config.fork_path,
            lock.vendor, lock.transformed, lock.fork,
        )  # fmt: skip
    created = None if repo else _first_missing(config.fork_path)
    fresh = repo is None
    repo = repo or GitRepo.init(config.fork_path, config.fork_branch)
    refs_before = repo.refs()
    try:
        return _integrate_release(config, repo, lock, release, series, refs_before, progress)
    except ForktoolError:
        if not fresh:
            repo.put_back(repo.moved_refs(refs_before), "forktool: undo a failed sync")
        elif created:
            remove_repository(created)  # ours, made in this run: leave no trace
        else:
            remove_repository(config.fork_path / ".git")  # it was an empty directory
        raise


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
    progress(f"importing {config.name} {release.version}")
    cache = _cache_dir(repo) if isinstance(config.source, PyPISource) else None
    vendor = upstream.import_release(repo, config, release, lock.vendor if lock else None, cache)
    progress(f"transforming {config.name} {release.version}")
    result = transform_tree(vendor.tree, config.rename)
    _record_leftovers(repo, config, release.version, result)
    progress(f"applying the patch series ({len(series.patches)} patches)")
    materialize = base_materializer(repo, config, series, cache)
    applied = patches.apply_series(repo, result.tree, series, materialize)
    _record_health(repo, config, release.version, applied.health)
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
    conflicting = [h for h in applied.health if h.status == patches.CONFLICT]
    if conflicting:
        pending = replace(pending, refs_before=repo.moved_refs(refs_before))
        return _stop_on_patch(config, repo, series, applied, conflicting[0].name, pending, base)
    transformed = _commit_transformed(repo, config, vendor, applied.tree, lock)
    progress(f"merging {config.name} {release.version} into {config.fork_branch}")
    outcome = merge.integrate(repo, config, transformed, release.version)
    _move_refs(repo, config, vendor, transformed)
    base = replace(base, transformed=transformed)
    if outcome.commit is None:
        pending = replace(
            pending,
            transformed=transformed,
            refs_before=repo.moved_refs(refs_before),
            conflicts=list(outcome.conflicts),
        )
        report = merge.write_pending(repo, pending)
        return replace(base, status="conflict", conflicts=outcome.conflicts, conflicts_file=report)
    _write_lock(config, vendor.release, vendor.commit, transformed, outcome.commit)
    return replace(base, fork=outcome.commit)


def base_materializer(
    repo: GitRepo, config: UpstreamConfig, series: series_mod.Series, cache: Path | None
) -> patches.Materialize:
    """A :data:`~forktool.patches.Materialize` for ``config``: imports the base release
    (objects only, no refs), renames it, applies the patches before the one that needs
    it, and writes the result into the object store. Each base is built once per run."""
    done: set[tuple[str, int]] = set()

    def materialize(version: str, position: int) -> None:
        if (version, position) in done:
            return
        done.add((version, position))
        refs_before = repo.refs()
        release = upstream.resolve_release(config, version)
        vendor = upstream.import_release(repo, config, release, None, cache)
        repo.put_back(repo.moved_refs(refs_before), "forktool: base of a patch")
        tree = transform_tree(vendor.tree, config.rename).tree
        earlier = series_mod.Series(series.directory, series.patches[:position])
        repo.write_tree(patches.apply_series(repo, tree, earlier).tree)

    return materialize


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


def _commit_transformed(
    repo: GitRepo,
    config: UpstreamConfig,
    vendor: VendorImport,
    tree: Tree,
    lock: Lock | None,
) -> str:
    """Commit the transformed tree; parents: previous transformed commit, then the vendor."""
    tree_id = repo.write_tree(tree)
    renames = ", ".join(f"{old} -> {new}" for old, new in config.rename.packages.items())
    message = (
        f"Transform {config.name} {vendor.release.version}: {renames}\n\n"
        f"Vendor commit: {vendor.commit}\n"
    )
    parents = ([lock.transformed] if lock else []) + [vendor.commit]
    return repo.commit_tree(tree_id, parents, message, vendor.release.date)


def _move_refs(
    repo: GitRepo, config: UpstreamConfig, vendor: VendorImport, transformed: str
) -> None:
    """Point the release tag, vendor branch and transformed branch at the new commits."""
    moves = {
        config.release_tag(vendor.release.version): vendor.commit,
        config.vendor_branch: vendor.commit,
        config.transformed_branch: transformed,
    }
    for ref, commit in moves.items():
        repo.set_ref(ref, commit, f"forktool: sync {config.name} {vendor.release.version}")


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


def leftovers_path(repo: GitRepo, name: str) -> Path:
    """Where the leftover report of the newest transform of upstream ``name`` is kept."""
    return merge.state_dir(repo) / f"{name}.leftovers.json"


def read_leftovers(config: UpstreamConfig) -> dict[str, Any]:
    """The leftover report of the newest transform (see :func:`_record_leftovers`).

    Raises:
        RepositoryError: no transform has run yet.
    """
    path = None
    if (config.fork_path / ".git").exists():
        path = leftovers_path(GitRepo(config.fork_path), config.name)
    if path is None or not path.exists():
        raise RepositoryError(
            f"no leftover report for {config.name} yet",
            f"run 'forktool sync {config.name}' first",
        )
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def read_health(config: UpstreamConfig) -> list[PatchHealth]:
    """The series health of the newest transform; empty when none ran yet."""
    path = config.fork_path / ".git" / "forktool" / f"{config.name}.series.json"
    if not path.exists():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    return [
        PatchHealth(p["name"], p["kind"], p["status"], p["detail"], tuple(p["paths"]))
        for p in data["patches"]
    ]


def _record_health(
    repo: GitRepo, config: UpstreamConfig, version: str, health: tuple[PatchHealth, ...]
) -> None:
    """Write the series health of the newest transform as JSON: ``{"schema": 1,
    "upstream", "version", "patches": [{name, kind, status, detail, paths}]}``."""
    merge.state_dir(repo).mkdir(parents=True, exist_ok=True)
    report = {
        "schema": 1,
        "upstream": config.name,
        "version": version,
        "patches": [asdict(h) for h in health],
    }
    path = merge.state_dir(repo) / f"{config.name}.series.json"
    path.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")


def _record_leftovers(
    repo: GitRepo, config: UpstreamConfig, version: str, result: TransformResult
) -> None:
    """Write every old-name occurrence the transform left, and every file it could not
    transform, as JSON: ``{"schema": 1, "upstream", "version", "leftovers": [{path, line,
    kind, reason, text}], "failures": {path: reason}}``."""
    merge.state_dir(repo).mkdir(parents=True, exist_ok=True)
    report = {
        "schema": 1,
        "upstream": config.name,
        "version": version,
        "leftovers": [asdict(leftover) for leftover in result.leftovers],
        "failures": dict(result.failures),
    }
    leftovers_path(repo, config.name).write_text(
        json.dumps(report, indent=1) + "\n", encoding="utf-8"
    )


def _cache_dir(repo: GitRepo) -> Path:
    """Where verified sdists are kept, by sha256, inside the fork repository's git dir."""
    path = merge.state_dir(repo) / "sdists"
    path.mkdir(parents=True, exist_ok=True)
    return path
