"""``forktool ci run``: propose each upstream's newer release on a branch of the fork
repository, pushed to a remote, with what the forge's pull request or issue shows.

Per upstream, as named steps: the newest release, its age (``[bot] min-release-age``),
``check`` in memory (changes nothing); then either the conflict report (an issue: nothing
is pushed), or a real sync in a linked worktree of the fork repository on the branch
``forktool/<upstream>-<version>``, made from the fork branch, pushed to the remote as that
branch and as ``forktool/<upstream>`` (the pull request's head: one per upstream, moved to
each newer release).

What the bot never touches: the fork branch and the fork's checkout (the sync runs in its
own worktree), the definition's lock file (the sync runs on a copy of the definition: the
lock is the user's record of what the fork branch integrates, and the proposal is not
integrated until its pull request is merged — ``forktool sync`` then records it, see
docs/bot.md), and the vendor and transformed branches and release tags (put back after
the sync: they go with the lock file). The merge commit is authored by forktool and dated
at the release, so the same release on the same fork commit is the same commit: a second
run pushes nothing.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from forktool import interrupts, upstream
from forktool.config import UpstreamConfig
from forktool.conflicts.collect import ConflictReport, collect_merge
from forktool.errors import ConfigError, RepositoryError
from forktool.git.command import GitFailed
from forktool.git.names import refname_problem
from forktool.git.repository import BOT_EMAIL, BOT_NAME, GitRepo
from forktool.model import Release
from forktool.records import lockfile, state
from forktool.records.bot import (
    BotIntent,
    BotRecord,
    clear_bot_intent,
    read_bot_intent,
    write_bot_intent,
    write_bot_record,
)
from forktool.records.fork import open_fork
from forktool.records.lockfile import Lock
from forktool.sync.build import Progress
from forktool.sync.check import CheckResult, CheckStatus, check
from forktool.sync.integrate import release_refs
from forktool.sync.orchestrator import SyncResult, SyncStatus, sync
from forktool.sync.recovery import clear_stale_locks


class BotStatus(StrEnum):
    """What ``ci run`` did for one upstream (JSON ``status``; the ``kind`` file)."""

    UP_TO_DATE = "up-to-date"  # nothing newer (or a release is proposed already: same)
    TOO_NEW = "too-new"  # a newer release, younger than [bot] min-release-age
    PULL_REQUEST = "pull-request"  # integrates cleanly: branch pushed, open/update the PR
    ISSUE = "issue"  # conflicts: open/update the issue with the conflict report

    @property
    def waits(self) -> bool:
        """Whether conflicts wait for a person (exit code 1)."""
        return self == BotStatus.ISSUE


@dataclass(frozen=True)
class Proposal:
    """A release proposed on a branch: the sync's result and where it went.

    Attributes:
        synced: the sync run on the bot's branch (status ``merged``).
        commit: the commit both branches point at (``synced.fork``).
        pushed: the branches of the remote this run moved (empty: it had them already).
    """

    synced: SyncResult
    commit: str
    pushed: tuple[str, ...]


@dataclass(frozen=True)
class BotResult:
    """What ``ci run`` did for one upstream.

    Attributes:
        upstream: its name; integrated: the release the lock file records.
        status: what was done.
        version: the release proposed or waited for ("" when up to date).
        released: when that release was published (ISO 8601 UTC; "" when unknown).
        eligible: when it is old enough for ``[bot] min-release-age`` ("" when it is).
        branch: ``forktool/<upstream>-<version>``; head: ``forktool/<upstream>``, the
            pull request's head (both "" when nothing is proposed); base: the fork branch.
        check: the in-memory check of the release (None when up to date or too new).
        proposal: the sync and the push (``pull-request`` only).
        report: the conflict report of the would-be merge (``issue``, fork merge only).
    """

    upstream: str
    integrated: str
    status: BotStatus
    version: str = ""
    released: str = ""
    eligible: str = ""
    branch: str = ""
    head: str = ""
    base: str = ""
    check: CheckResult | None = None
    proposal: Proposal | None = None
    report: ConflictReport | None = None

    @property
    def series_only(self) -> bool:
        """Whether the proposal is the integrated release built again with a changed
        patch series (no newer release)."""
        return bool(self.version) and self.version == self.integrated


def head_branch(name: str) -> str:
    """The pull request's head branch of upstream ``name``: ``forktool/<name>``."""
    return f"forktool/{name}"


def release_branch(name: str, version: str) -> str:
    """The branch a release is synced on: ``forktool/<name>-<version>``."""
    return f"forktool/{name}-{version}"


def check_remote(config: UpstreamConfig, remote: str) -> GitRepo:
    """The fork repository of ``config``, which must have the remote ``remote``.

    Raises:
        RepositoryError: no fork repository, or no such remote in it.
    """
    repo = open_fork(config, "clone the fork repository there (docs/bot.md), then run again")
    if remote.startswith("-") or repo.remote_url(remote) is None:
        raise RepositoryError(
            f"the fork repository {config.fork_path} has no remote {remote!r}",
            "name one of 'git remote' there with --remote (in CI: origin)",
        )
    return repo


def run(
    config: UpstreamConfig, remote: str, now: datetime, progress: Progress = lambda _: None
) -> BotResult:
    """The bot's run for one upstream (the caller holds its writer lock).

    Args:
        remote: the fork repository's remote the branches are pushed to.
        now: the time the release's age is measured at (timezone-aware).

    Returns:
        what was done; the last run is also kept for ``forktool status``.

    Raises:
        ConfigError: nothing is integrated yet.
        RepositoryError: no fork repository or remote, the push failed, or the sync
            on the bot's branch did not end as the check said.
        ForktoolError: as ``forktool check`` and ``forktool sync``.
    """
    repo = check_remote(config, remote)
    lock = lockfile.read(config.lock_path)
    if undo_killed_run(config, repo, progress):
        progress(f"undid the bot run of {config.name} that was killed")
    if lock is None:
        raise ConfigError(
            f"{config.name} has no integrated release: the bot proposes newer ones",
            f"run 'forktool sync {config.name}' once and commit the lock file",
        )
    progress(f"listing releases of {config.name}")
    release = upstream.resolve_release(config, None, repo)
    result = _decide(config, repo, lock, release, now, progress)
    if result.status == BotStatus.PULL_REQUEST:
        proposal = _propose(config, repo, release, remote, progress)
        if proposal is None:  # a series change that builds the same tree: nothing to merge
            result = BotResult(config.name, lock.version, BotStatus.UP_TO_DATE, base=result.base)
        else:
            result = replace(result, proposal=proposal)
    _remember(repo, config, result, remote, now)
    return result


def _decide(
    config: UpstreamConfig,
    repo: GitRepo,
    lock: Lock,
    release: Release,
    now: datetime,
    progress: Progress,
) -> BotResult:
    """Up to date, too new, an issue (conflicts) or a pull request (clean), from the
    release's age and ``check``; nothing is written."""
    base = BotResult(config.name, lock.version, BotStatus.UP_TO_DATE, base=config.fork_branch)
    released = release.date.astimezone(UTC) if release.date else None
    found = replace(
        base,
        version=release.version,
        released=_iso(released) if released else "",
        branch=release_branch(config.name, release.version),
        head=head_branch(config.name),
    )
    ready = released + config.bot.min_release_age if released else None
    if release.version != lock.version and ready is not None and now < ready:
        # waited for without building it (the integrated release's series is not waited for)
        return replace(found, status=BotStatus.TOO_NEW, eligible=_iso(ready), branch="", head="")
    checked = check(config, release.version, progress)
    if checked.status == CheckStatus.UP_TO_DATE:
        return base
    found = replace(found, check=checked)
    if checked.status.waits:
        report = None
        if checked.merge is not None:
            report = collect_merge(config, checked.merge, lock, checked.patches)
        return replace(found, status=BotStatus.ISSUE, report=report, branch="", head="")
    return replace(found, status=BotStatus.PULL_REQUEST)


def _propose(
    config: UpstreamConfig, repo: GitRepo, release: Release, remote: str, progress: Progress
) -> Proposal | None:
    """Sync ``release`` on its branch in a worktree of its own, then push that branch and
    the head branch where the remote does not have them yet; None when the sync found
    nothing to merge (the integrated release's changed series builds the same tree)."""
    branch = release_branch(config.name, release.version)
    fork_tip = repo.resolve(f"refs/heads/{config.fork_branch}")
    if fork_tip is None:
        raise RepositoryError(
            f"the fork branch {config.fork_branch} is missing in {config.fork_path}",
            "restore it, or fix [fork] branch in the upstream definition",
        )
    synced = _sync_on_branch(config, repo, release, branch, fork_tip, progress)
    if synced is None:
        return None
    wanted = {branch: synced.fork, head_branch(config.name): synced.fork}
    progress(f"pushing {branch} to {remote}")
    there = repo.remote_branches(remote, list(wanted))
    moved = {name: commit for name, commit in wanted.items() if there.get(name) != commit}
    for name in moved:
        if name in there and not _made_by_the_bot(repo, there[name]):
            raise RepositoryError(
                f"{remote}'s branch {name} holds commit {there[name][:12]}, which forktool's "
                "bot did not make (someone pushed to it); nothing was pushed",
                "merge or close its pull request (or delete the branch), then run again",
            )
    if moved:
        repo.push_to(remote, moved, expected={n: there[n] for n in moved if n in there})
    return Proposal(synced, synced.fork, tuple(moved))


def _made_by_the_bot(repo: GitRepo, commit: str) -> bool:
    """Whether ``commit`` is in the fork repository and forktool's bot made it (its
    merges are authored and committed as forktool); False for an unknown commit."""
    try:
        author, _, _ = repo.commit_info(commit)
    except RepositoryError:
        return False
    return author == f"{BOT_NAME} <{BOT_EMAIL}>"


def _sync_on_branch(
    config: UpstreamConfig,
    repo: GitRepo,
    release: Release,
    branch: str,
    fork_tip: str,
    progress: Progress,
) -> SyncResult | None:
    """``forktool sync`` of ``release`` on ``branch`` (made at ``fork_tip``), in a
    temporary worktree, on a temporary copy of the definition; the refs the sync moves
    besides ``branch`` are put back, the worktree and the copy removed.

    Returns:
        the sync (merged), or None when it was up to date: the integrated release's
        changed series built the same tree (``branch`` is put back too).

    Raises:
        RepositoryError: the sync did not merge (the check said it would); everything it
            did is undone, ``branch`` included.
    """
    local = repo.resolve(f"refs/heads/{branch}")
    if local is not None and local != fork_tip and not _made_by_the_bot(repo, local):
        raise RepositoryError(
            f"the branch {branch} of the fork repository holds commit {local[:12]}, which "
            "forktool's bot did not make; nothing was changed",
            f"rename or delete that branch ('git branch -m {branch} ...'), then run again",
        )
    repo.prune_worktrees()  # a killed run's worktree, its directory gone, releases the branch
    if f"refs/heads/{branch}" in repo.checked_out_branches():
        raise RepositoryError(
            f"the branch {branch} is checked out in the fork repository; nothing was changed",
            "check out another branch there (the bot makes this one itself), then run again",
        )
    refs_before = repo.refs()
    with tempfile.TemporaryDirectory(prefix="forktool-bot-") as scratch:
        view = _definition_view(config, Path(scratch) / "definition")
        checkout = Path(scratch) / "fork"
        sync_refs = (*release_refs(config, release.version), f"refs/heads/{branch}")
        watched = {ref: refs_before.get(ref, "") for ref in sync_refs}
        write_bot_intent(repo, config.name, BotIntent(watched, scratch, str(checkout)))
        progress(f"syncing {config.name} {release.version} on {branch}")
        worktree: GitRepo | None = None
        ok = False
        try:
            worktree = repo.add_branch_worktree(checkout, branch, fork_tip)
            _share_caches(repo, worktree)
            on_branch = replace(
                config, root=view, fork_path=checkout, fork_branch=branch, shim_out=None
            )
            with _bot_identity(release.date or repo.commit_date(fork_tip)):
                synced = sync(on_branch, release.version, progress)
            if synced.status == SyncStatus.UP_TO_DATE:
                return None
            if synced.status != SyncStatus.MERGED:
                raise RepositoryError(
                    f"the sync of {config.name} {release.version} on {branch} ended "
                    f"{synced.status}, though the check found it clean",
                    f"run 'forktool check {config.name}' and 'forktool sync {config.name}' "
                    "to see why",
                )
            ok = True
        finally:
            with interrupts.shielded():  # a second Ctrl-C must not leave refs moved
                if worktree is not None:
                    worktree.close()
                try:
                    with contextlib.suppress(GitFailed):  # never added: nothing to remove
                        repo.remove_worktree(checkout)
                finally:
                    if ok:
                        watched.pop(f"refs/heads/{branch}")
                    _put_back(repo, config, watched, fork_tip, progress)
                    clear_bot_intent(repo, config.name)
    return synced


def _put_back(
    repo: GitRepo,
    config: UpstreamConfig,
    watched: dict[str, str],
    fork_tip: str | None,
    progress: Progress,
) -> None:
    """Set each ref of ``watched`` (ref -> its id before the bot's sync, "" when absent)
    back where only the bot's sync can have moved it; any other ref is left as it is.

    A ref is left when it is where it was; when a worktree has it checked out; when it is
    what the lock file records (a sync of the user's integrated that release since: the
    same commit), or, for the vendor and transformed branches and the release tags, an
    ancestor of it (an earlier release the user's syncs integrated); and, for the bot's
    branch, when its commit is neither the bot's nor on the fork branch (someone's own
    work). A ref that cannot be set back (its old commit pruned) is reported and left.
    """
    lock = lockfile.read(config.lock_path)
    integrated: dict[str, str] = {}
    if lock is not None:
        integrated = {
            config.vendor_branch: lock.vendor,
            config.transformed_branch: lock.transformed,
            config.release_tag(lock.version): lock.vendor,
        }
    release = (config.vendor_branch, config.transformed_branch, config.release_tag(""))
    checked_out = repo.checked_out_branches()
    now = repo.refs()
    for ref, before in watched.items():
        current = now.get(ref, "")
        if current == before or ref in checked_out or current == integrated.get(ref):
            continue
        if current and ref.startswith(release) and lock is not None:
            mine = lock.transformed if ref == config.transformed_branch else lock.vendor
            if repo.is_ancestor(current, mine):
                continue
        if current and not ref.startswith(release):  # the bot's branch
            on_fork = fork_tip is not None and repo.is_ancestor(current, fork_tip)
            if not on_fork and not _made_by_the_bot(repo, current):
                continue
        try:
            repo.set_ref(ref, before or None, "forktool ci run: proposed, not integrated")
        except RepositoryError as error:
            progress(f"could not set {ref} back to {before[:12] or 'absent'}: {error.message}")


def undo_killed_run(
    config: UpstreamConfig, repo: GitRepo, progress: Progress = lambda _: None
) -> bool:
    """Undo what a bot run killed during its sync left (its intent record says what): its
    worktree and scratch directory removed, and each ref it recorded (the release's tag,
    the vendor, transformed and bot's branches) set back where only the bot's sync can
    have moved it (the rules of :func:`_put_back`: nothing a sync of the user's made
    since, or a branch someone checked out or committed to, is touched). The caller holds
    the writer lock.

    Returns:
        whether there was such a run to undo.

    Raises:
        GitFailed: git could not list the refs or worktrees (a damaged repository).
    """
    intent = read_bot_intent(repo, config.name)
    if intent is None:
        return False
    with interrupts.shielded():
        scratch = Path(intent.scratch)
        worktree = Path(intent.worktree)
        if worktree.parent == scratch and scratch.name.startswith("forktool-bot-"):
            # forktool's own (the path is the record's); GitFailed: killed before git
            # registered it, only the directory is left
            with contextlib.suppress(GitFailed):
                repo.remove_worktree(worktree)
            shutil.rmtree(scratch, ignore_errors=True)
        repo.prune_worktrees()
        # a git killed with the run leaves its ref locks: those of the refs the run
        # recorded (only its sync writes them) and the sync's own (as a sync's recovery)
        clear_stale_locks(repo, config, merging=False)
        for ref in intent.refs:
            if ref.startswith("refs/") and refname_problem(ref) is None:  # no "..": in .git
                (repo.git_dir / f"{ref}.lock").unlink(missing_ok=True)
        fork_tip = repo.resolve(f"refs/heads/{config.fork_branch}")
        _put_back(repo, config, dict(intent.refs), fork_tip, progress)
        clear_bot_intent(repo, config.name)
    return True


def _definition_view(config: UpstreamConfig, where: Path) -> Path:
    """A copy of the definition of ``config`` (its toml, lock file and patch series) at
    ``where``, for the sync on the bot's branch to write its lock file into."""
    (where / "upstream").mkdir(parents=True)
    shutil.copy2(config.definition_path, where / "upstream" / config.definition_path.name)
    shutil.copy2(config.lock_path, where / "upstream" / config.lock_path.name)
    patches = config.root / "patches" / config.name
    if patches.is_dir():
        shutil.copytree(patches, where / "patches" / config.name, symlinks=True)
    return where


def _share_caches(repo: GitRepo, worktree: GitRepo) -> None:
    """Let the worktree's sync use the fork repository's sdist and rename caches (both
    keyed by content, safe to share) instead of downloading and renaming again."""
    ours, theirs = state.state_dir(worktree), state.state_dir(repo)
    if ours == theirs:
        return
    ours.mkdir(parents=True, exist_ok=True)
    for name in ("sdists", "cache"):
        (theirs / name).mkdir(parents=True, exist_ok=True)
        (ours / name).symlink_to(theirs / name, target_is_directory=True)


@contextmanager
def _bot_identity(date: datetime) -> Iterator[None]:
    """Commit as forktool, at ``date``, while the block runs: the merge commit of a
    release on a fork commit is then the same commit on every run (and in CI, where no
    git identity is configured)."""
    stamp = f"@{int(date.timestamp())} +0000"
    names = {
        "GIT_AUTHOR_NAME": BOT_NAME,
        "GIT_AUTHOR_EMAIL": BOT_EMAIL,
        "GIT_AUTHOR_DATE": stamp,
        "GIT_COMMITTER_NAME": BOT_NAME,
        "GIT_COMMITTER_EMAIL": BOT_EMAIL,
        "GIT_COMMITTER_DATE": stamp,
    }
    saved = {key: os.environ.get(key) for key in names}
    os.environ.update(names)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _remember(
    repo: GitRepo, config: UpstreamConfig, result: BotResult, remote: str, now: datetime
) -> None:
    """Keep this run as the last bot run for ``forktool status``."""
    proposal = result.proposal
    write_bot_record(
        repo,
        config.name,
        BotRecord(
            at=_iso(now),
            outcome=str(result.status),
            version=result.version,
            branch=result.head if proposal else "",
            commit=proposal.commit if proposal else "",
            pushed=bool(proposal and proposal.pushed),
            remote=remote,
        ),
    )


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
