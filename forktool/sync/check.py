"""``forktool check``: would the newest release integrate cleanly? Changes nothing.

The release is imported, renamed and patched into git objects, and merged with the fork
branch in memory (``git merge-tree``): no branch, tag, working tree, index or state file
moves, so a scheduled CI job can ask every day and open a pull request or an issue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from packaging.version import Version

from forktool import perf, upstream
from forktool.config import UpstreamConfig
from forktool.errors import ConfigError, RepositoryError
from forktool.git.repository import GitRepo
from forktool.model import InMemoryMerge, PatchHealth
from forktool.patches import series as series_mod
from forktool.records import lockfile
from forktool.records.fork import open_fork
from forktool.sync.build import Progress, build_release, commit_transformed
from forktool.sync.integrate import merge_labels


class CheckStatus(StrEnum):
    """Whether a release would integrate (:attr:`CheckResult.status`, JSON ``status``)."""

    UP_TO_DATE = "up-to-date"
    CLEAN = "clean"
    CONFLICT = "conflict"  # the fork merge would conflict
    PATCH_CONFLICT = "patch-conflict"  # a diff patch of the series would conflict

    @property
    def waits(self) -> bool:
        """Whether a sync of the release would stop on conflicts (exit code 1)."""
        return self in (CheckStatus.CONFLICT, CheckStatus.PATCH_CONFLICT)


@dataclass(frozen=True)
class CheckResult:
    """Whether a release would integrate.

    Attributes:
        upstream: upstream name.
        integrated: the release integrated now.
        candidate: the release checked (the newest, or ``--to``).
        status: whether it would integrate.
        conflicts: paths that would conflict (fork merge) or the conflicting patches.
        patches: the series health on the candidate release.
        merge: the fork merge as computed in memory (None when none was: up to date, or a
            patch conflict), for the conflict report of ``check --format``; not in the
            JSON of ``check --json``.
        upstream_commit: the candidate's upstream commit (git upstreams; "" otherwise).
        in_the_way: a file in the fork's checkout that git does not track (or whose edit
            git is told not to look at: update-index) and that the merge would overwrite:
            a sync now would be refused until it is moved ("": none, or the fork branch is
            not checked out there).
    """

    upstream: str
    integrated: str
    candidate: str
    status: CheckStatus
    conflicts: tuple[str, ...] = ()
    patches: tuple[PatchHealth, ...] = ()
    merge: InMemoryMerge | None = field(default=None, compare=False)
    upstream_commit: str = ""
    in_the_way: str = ""


def check(
    config: UpstreamConfig, to: str | None, progress: Progress = lambda _: None
) -> CheckResult:
    """Try release ``to`` (default: the newest) against the fork branch, in memory.

    For a git upstream ``to`` may name a commit between releases, as for ``sync``: a
    branch (``check --to main``: would upstream's main integrate today?), a tag or a
    commit id; its history is fetched into the fork repository (objects only).

    Raises:
        ConfigError: nothing is integrated yet; or ``to`` or the integrated point is a
            commit between releases and ``to`` does not descend from the integrated one.
        RepositoryError: the fork repository is missing.
        SourceError: the release cannot be listed or fetched.
    """
    lock = lockfile.read(config.lock_path)
    if lock is None:
        raise ConfigError(
            f"{config.name} has no integrated release to check against",
            f"run 'forktool sync {config.name}' first",
        )
    with perf.step("open the fork repository"):
        repo = open_fork(config, "clone it there, or delete the lock file to start over")
    series = series_mod.load(config.root, config.name)
    progress(f"listing releases of {config.name}")
    with perf.step("list the releases"):
        release = upstream.resolve_release(config, to, repo)
    same = Version(release.version) == Version(lock.version)
    if Version(release.version) < Version(lock.version) or (
        same and not lockfile.series_changed(lock, series.fingerprint)
    ):
        return CheckResult(
            config.name, lock.version, release.version, CheckStatus.UP_TO_DATE,
            upstream_commit=release.commit or "",
        )  # fmt: skip
    upstream.refuse_backwards(repo, config, (lock.version, lock.upstream_commit), release)
    fork = repo.resolve(f"refs/heads/{config.fork_branch}")
    if fork is None:
        raise RepositoryError(
            f"the fork branch {config.fork_branch} is missing in {config.fork_path}",
            "restore it, or fix [fork] branch in the upstream definition",
        )
    refs_before = repo.refs()
    try:
        built = build_release(repo, config, release, series, lock.vendor, progress)
        health = built.applied.health
        if built.patch_conflicts:
            return CheckResult(
                config.name, lock.version, release.version, CheckStatus.PATCH_CONFLICT,
                tuple(built.patch_conflicts), health, upstream_commit=release.commit or "",
            )  # fmt: skip
        with perf.step("commit the transformed tree"):
            transformed = commit_transformed(repo, config, built, lock.transformed)
        progress(f"merging {config.name} {release.version} with {config.fork_branch} in memory")
        labels = merge_labels(config, lock.version, release.version)
        with perf.step("merge in memory"):
            preview = repo.merge_preview(transformed, ours=fork, labels=labels)
        in_the_way = _in_the_way(repo, config, fork, transformed, preview.tree)
        merge = InMemoryMerge(
            release.version, built.vendor.release.commit, built.vendor.commit, transformed,
            fork, preview.tree,
        )  # fmt: skip
    finally:  # only fetched upstream tags can have moved: put them back
        repo.put_back(repo.moved_refs(refs_before), "forktool: check")
    conflicts = preview.conflicts
    status = CheckStatus.CONFLICT if conflicts else CheckStatus.CLEAN
    return CheckResult(
        config.name, lock.version, release.version, status, conflicts, health, merge,
        upstream_commit=built.vendor.release.commit or "", in_the_way=in_the_way,
    )  # fmt: skip


def _in_the_way(
    repo: GitRepo, config: UpstreamConfig, fork: str, transformed: str, merged: str
) -> str:
    """A file of the fork's checkout a sync's merge (result: tree ``merged``) would refuse
    to overwrite (see :attr:`CheckResult.in_the_way`); "" when the fork branch is not
    checked out there or nothing is in the way."""
    checked_out = repo.current_branch() == config.fork_branch and repo.resolve("HEAD") == fork
    if not checked_out or repo.is_ancestor(transformed, fork):
        return ""
    return repo.file_in_the_way(fork, merged) or repo.hidden_change_in_the_way(fork, merged) or ""
