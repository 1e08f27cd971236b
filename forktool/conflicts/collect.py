"""The conflict report: what a stopped sync left to resolve, and who changed it on each side.

One report covers every kind of trouble of the release being integrated: content conflicts
(hunk by hunk, with base / fork / upstream sides and line numbers), modify/delete,
rename/delete and add/add conflicts, a conflicting diff patch of the series, patches that
no longer match or fail, and files the rename could not transform. For each conflicted hunk
it names the upstream commits between the two releases that changed those lines (or, with
no upstream history, the release diff's hunks) and the fork commits that last wrote the
fork's side of them, at any age (``git blame`` through forktool's integration merges).
:func:`collect` builds it; :mod:`forktool.conflicts.render` renders it.

Sides are named by role, not by git stage: in the fork merge the fork is "ours" (stage 2)
and upstream "theirs" (stage 3); in a patch conflict the patch is applied onto the release,
so the release is stage 2 and the patch (the fork's change) stage 3.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from packaging.version import InvalidVersion, Version

from forktool.codemods.passes.roots import expand_roots
from forktool.codemods.paths import rename_path
from forktool.config import GitSource, PyPISource, UpstreamConfig
from forktool.conflicts import changelog
from forktool.conflicts import text as ctext
from forktool.conflicts.changelog import ChangelogEntry
from forktool.errors import ConfigError, RepositoryError
from forktool.git.repository import BlamedLine, GitRepo, LoggedCommit
from forktool.model import InMemoryMerge, PatchHealth, PatchKind, PatchStatus, RenameMap
from forktool.patches import diff_format, metadata, series
from forktool.records import intent, lockfile, state
from forktool.records.fork import open_fork
from forktool.records.lockfile import Lock
from forktool.upstream import repository
from forktool.upstream.repository import ReleaseTags, TreeDifference
from forktool.upstream.urlauth import redact


class EntryKind(StrEnum):
    """What kind of trouble an :class:`Entry` is. The first six block the sync; the last
    three are warnings."""

    CONTENT = "content"
    ADD_ADD = "add/add"
    MODIFY_DELETE = "modify/delete"
    RENAME_DELETE = "rename/delete"
    UNMERGED = "unmerged"
    PATCH_CONFLICT = "patch-conflict"
    PATCH_NO_MATCH = "patch-no-match"
    PATCH_ERROR = "patch-error"
    UNTRANSFORMED = "untransformed"


BASE, FORK, UPSTREAM = ctext.BASE, "fork", "upstream"


# -- the model ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Commit:
    """A commit that changed the conflicted lines (or file).

    Attributes:
        id: full commit id; subject: first line of its message; author: ``Name <email>``;
        date: author date, ISO 8601 with offset.
        conflict_resolution: True for a fork commit that is one of forktool's integration
            merges, named because its conflict resolution wrote the lines (they differ
            from both of its parents there).
        pull_request: the pull request its subject names (``Merge pull request #1234``,
            ``… (#1234)``), or None.
    """

    id: str
    subject: str
    author: str
    date: str
    conflict_resolution: bool = False
    pull_request: int | None = None


#: Lines of context a :class:`Side` carries before and after its lines.
CONTEXT_LINES = 3


@dataclass(frozen=True)
class Side:
    """One side of a conflicted hunk.

    Attributes:
        start: 1-based first line in that side's version of the file. When ``count`` is 0
            (the side has no lines here), the line before which the empty range sits.
            0 when that version of the file does not exist (e.g. the base of add/add).
        count: number of lines.
        text: the lines, with their line endings.
        before / after: context, not part of the conflict: up to :data:`CONTEXT_LINES`
            lines of the same version of the file (the side's index stage: fork ``HEAD``
            or the patch's result, base and upstream their releases) just before line
            ``start`` and just after the side's lines, endings kept. ``before`` holds lines
            ``start - n`` to ``start - 1`` (n its number of lines), ``after`` starts at
            line ``start + count``. ``""`` at the file's start or end, when the file does
            not exist on that side, and in reports kept before they were recorded.
    """

    start: int
    count: int
    text: str
    before: str = ""
    after: str = ""

    @property
    def span(self) -> ctext.Span:
        """``(start, count)``."""
        return self.start, self.count


@dataclass(frozen=True)
class Hunk:
    """One conflicted block of a file.

    Attributes:
        line: line of its ``<<<<<<<`` marker in the conflicted working-tree file; 0 when
            the file no longer shows this block (resolved by hand, not yet ``git add``-ed).
        base / fork / upstream: the three sides (base: the previously integrated release
            for a fork merge, the release the patch was made on for a patch conflict).
        upstream_commits: upstream commits between the two releases that changed these
            lines, newest first (git upstream with history only).
        upstream_changes: the release diff's hunks (``git diff -U0`` of the vendor commits,
            upstream paths) that overlap these lines, when no upstream history exists.
        fork_commits: the fork commits that last wrote the fork side's lines, at any age
            (``git blame`` of ``HEAD``), newest first; lines upstream wrote (transformed
            and vendor commits, integration merges that took them) are left out.
        suggestion: one line: a concrete next step for this hunk, saying what it keeps and
            drops of each side.
        kind / why: why the sides conflict (:func:`~forktool.conflicts.text.classify`).
        proposed: a merged text that keeps both sides' changes, when they touch no common
            line (:func:`~forktool.conflicts.text.propose`); None otherwise.
        changelog: upstream's changelog entries of the releases in between that name the
            file or a symbol of the hunk's base or upstream side.
        patches: the diff patches of the series that wrote lines of the hunk's base or
            upstream side (a fork merge: those sides are transformed releases, the series
            applied): a line the patch adds is on that side. Codemod patches are named per
            file only (:attr:`Entry.patches`); a patch conflict names its patch.
    """

    line: int
    base: Side
    fork: Side
    upstream: Side
    upstream_commits: tuple[Commit, ...] = ()
    upstream_changes: tuple[str, ...] = ()
    fork_commits: tuple[Commit, ...] = ()
    suggestion: str = ""
    kind: ctext.HunkKind = ctext.HunkKind.SAME_LINES
    why: str = ""
    proposed: str | None = None
    changelog: tuple[ChangelogEntry, ...] = ()
    patches: tuple[PatchRef, ...] = ()


@dataclass(frozen=True)
class PatchRef:
    """A patch of the series involved in an entry: its name, kind, status and detail."""

    name: str
    kind: PatchKind
    status: PatchStatus
    detail: str = ""


@dataclass(frozen=True)
class Entry:
    """One file (or patch) that did not integrate cleanly.

    Attributes:
        path: path in the fork ("" for a patch that names no file).
        upstream_path: the same file's path upstream, before the rename.
        kind: what kind of trouble.
        blocking: True when it must be resolved before ``--continue``.
        detail: one line: what happened (e.g. "upstream deleted it; the fork modified it").
        suggestion: one line: what to do next.
        hunks: the conflicted blocks (content and add/add conflicts).
        deleted_by: ``fork`` or ``upstream`` for modify/delete and rename/delete, else "".
        upstream_commits / fork_commits: for entries without hunks, the commits that
            changed the file on each side.
        patches: series patches that change this file, or the patch the entry is about.
    """

    path: str
    upstream_path: str
    kind: EntryKind
    blocking: bool
    detail: str
    suggestion: str
    hunks: tuple[Hunk, ...] = ()
    deleted_by: str = ""
    upstream_commits: tuple[Commit, ...] = ()
    fork_commits: tuple[Commit, ...] = ()
    patches: tuple[PatchRef, ...] = ()


@dataclass(frozen=True)
class SourceRepository:
    """A PyPI upstream's git repository (``[source] repository``), as the report used it.

    Attributes:
        url: the repository, any password in it replaced by ``****``.
        tags: version -> its tag in the repository, for the two releases when found.
        problem: why the repository's tags could not be read ("" when they could).
        sdist_vs_tag: how the sdist of the release being integrated differs from its tag's
            tree (None when the tag was not found).
    """

    url: str
    tags: dict[str, str]
    problem: str = ""
    sdist_vs_tag: TreeDifference | None = None


class Ending(StrEnum):
    """How a sync of a release ended, as its kept report records it (JSON ``outcome``)."""

    CONFLICT = "conflict"  # stopped on conflicts, waiting (or abandoned)
    ABORTED = "aborted"  # stopped on conflicts, then undone with --abort
    CLEAN = "clean"  # merged without a conflict
    BY_HAND = "resolved-by-hand"  # the user resolved the conflicts, then --continue
    RECORDED = "recorded-resolution"  # git's rerere resolved them with recorded resolutions


@dataclass(frozen=True)
class Resolution:
    """One conflicted path of a kept report and how its conflict was resolved.

    Attributes:
        path: the path in the fork.
        conflicted: blob id of the file as the sync stopped, conflict markers and all
            ("" when there was no file).
        by: :attr:`Ending.BY_HAND` or :attr:`Ending.RECORDED`; :attr:`Ending.CONFLICT`
            while the sync waits.
        diff: unified diff from the conflicted file to the committed merge's ("" while
            the sync waits).
        conflicted_text: the conflicted file's text (UTF-8) while the sync waits, so the
            diff can be made even if git's garbage collection pruned the unreferenced blob
            ``conflicted``; "" once the diff is made (or for a file that is not text).
    """

    path: str
    conflicted: str
    by: Ending
    diff: str = ""
    conflicted_text: str = ""


@dataclass(frozen=True)
class Outcome:
    """How the sync a kept report describes ended.

    Attributes:
        status: clean, resolved by hand, by recorded resolution, or still in conflict.
        fork: the committed merge ("" while the sync waits).
        paths: each conflicted path and its resolution.
    """

    status: Ending
    fork: str = ""
    paths: tuple[Resolution, ...] = ()


@dataclass(frozen=True)
class ConflictReport:
    """Everything a stopped sync of one upstream left to resolve.

    Attributes:
        upstream: upstream name; version: the release being integrated; previous: the
            release integrated before (None on a first sync).
        stage: ``merge`` (the fork merge conflicted) or ``patch`` (a diff patch of the
            series conflicted; nothing merged yet).
        source: ``git`` or ``pypi``.
        history: how upstream provenance was found: ``commits`` (upstream history in the
            fork repository), ``release-diff`` (only the two releases) or ``none``.
        fork_repository: the fork repository; resolve_in: where the conflicts are resolved
            (the fork repository, or the patch-conflict checkout).
        patch: the conflicting patch (stage ``patch`` only).
        entries: every file or patch with trouble, blocking ones first, by path.
        next_step: one line: how to finish or undo the sync.
        commit_url: a link to an upstream commit with ``{id}`` for its id, for git
            upstreams (and PyPI upstreams' repositories) on a known forge ("" otherwise).
        repository: a PyPI upstream's git repository and what the report found in it
            (None: the definition names none).
        changelog: the release's changelog file the hunks' entries come from ("": none).
        outcome: how the sync ended (kept reports only, ``forktool report --release``).
        in_memory: the merge was computed in memory and no sync stopped on it (``forktool
            check``, the bot's issue); not in the JSON document, whose ``next_step`` says so.
    """

    upstream: str
    version: str
    previous: str | None
    stage: intent.Stage
    source: str
    history: str
    fork_repository: Path
    resolve_in: Path
    entries: tuple[Entry, ...]
    next_step: str
    patch: str = ""
    commit_url: str = ""
    repository: SourceRepository | None = None
    changelog: str = ""
    outcome: Outcome | None = None
    in_memory: bool = False

    @property
    def conflicts(self) -> tuple[Entry, ...]:
        """The blocking entries."""
        return tuple(e for e in self.entries if e.blocking)


# -- collecting ---------------------------------------------------------------------------


def collect(config: UpstreamConfig) -> ConflictReport:
    """Build the conflict report of the sync of ``config`` that stopped on conflicts.

    Reads the fork repository (unmerged index, working tree, history) and forktool's state
    files in ``.git/forktool/``; changes nothing.

    Returns:
        the report; its blocking entries are what ``--continue`` waits for.

    Raises:
        RepositoryError: there is no fork repository, or no sync of ``config`` is waiting
            for conflict resolution.
        ConfigError: the lock file is invalid.
    """
    repo = open_fork(config, f"there is nothing to report; run 'forktool sync {config.name}'")
    try:
        return _collect(config, repo)
    finally:
        repo.close()


def _collect(config: UpstreamConfig, repo: GitRepo) -> ConflictReport:
    pending = intent.read_pending(repo, config.name)
    if pending is None:
        raise RepositoryError(
            f"no sync of {config.name} is waiting for conflict resolution",
            f"'forktool patch list' shows the series health, 'forktool leftovers "
            f"{config.name}' the files left untransformed",
        )
    run = _Run.start(config, repo, pending, lockfile.read(config.lock_path))
    try:
        stopped = pending.patch_conflict
        entries = run.patch_entries(stopped) if stopped else run.merge_entries()
    finally:
        if run.checkout is not repo:
            run.checkout.close()
    return _report(run, entries, run.next_step(sum(e.blocking for e in entries)))


def collect_merge(
    config: UpstreamConfig,
    merge: InMemoryMerge,
    previous: Lock | None,
    health: tuple[PatchHealth, ...],
) -> ConflictReport:
    """Build the conflict report of ``merge``, a merge computed in memory (``git
    merge-tree``): what a sync of ``merge.version`` would stop on (``forktool check``), or
    what a sync that is over stopped on before a recorded resolution settled it. The same
    report :func:`collect` gives once a sync stops on that merge: the three sides of each
    path come from the merge's stages, the conflict blocks from ``merge.tree``'s files.

    Args:
        previous: the release integrated before ``merge`` (its lock), None on a first sync.
        health: the series health on the release.

    Raises:
        RepositoryError: there is no fork repository.
    """
    repo = open_fork(config, f"there is nothing to report; run 'forktool sync {config.name}'")
    try:
        pending = intent.Pending(
            upstream=config.name, version=merge.version, sha256=None,
            upstream_commit=merge.upstream_commit, vendor=merge.vendor,
            transformed=merge.transformed, fork_before=merge.fork, refs_before={},
            conflicts=[],
        )  # fmt: skip
        run = _Run.start(config, repo, pending, previous, health)
        run.fork_head = merge.fork or "HEAD"
        if run.fork_range and previous:
            run.fork_range = f"{previous.fork}..{run.fork_head}"
        run.unmerged = repo.merge_stages(merge.fork, merge.transformed) if merge.fork else {}
        run.merged_tree = merge.tree
        entries = run.merge_entries()
        step = (
            f"a sync of {merge.version} stops on {_plural(len(entries), 'conflicted path')}"
            if entries
            else f"{merge.version} merges cleanly"
        )
        return replace(_report(run, entries, step), in_memory=True)
    finally:
        repo.close()


def _report(run: _Run, entries: list[Entry], next_step: str) -> ConflictReport:
    """The report of ``run`` with ``entries`` (and the warnings) in order."""
    config, repo, pending = run.config, run.repo, run.pending
    entries = entries + run.warning_entries()
    entries.sort(key=lambda e: (not e.blocking, e.path, e.kind))
    return ConflictReport(
        upstream=config.name,
        version=pending.version,
        previous=run.lock.version if run.lock else None,
        stage=pending.stage,
        source="git" if isinstance(config.source, GitSource) else "pypi",
        history=run.history.kind,
        fork_repository=repo.path,
        resolve_in=run.checkout.path,
        entries=tuple(entries),
        next_step=next_step,
        patch=pending.patch_conflict.patch if pending.patch_conflict else "",
        commit_url=_commit_url(config),
        repository=run.source_repository(),
        changelog=run.changelog_path,
    )


@dataclass(frozen=True)
class _History:
    """Where upstream provenance comes from: two releases, older and newer.

    ``tip`` is the role (base or upstream side) whose text is the newer release; the other
    role is the older release. Commits are upstream commits (None: no history in the fork
    repository); vendors are the vendor commits (None: unknown).
    """

    older_commit: str | None = None
    newer_commit: str | None = None
    older_vendor: str | None = None
    newer_vendor: str | None = None
    tip: str = UPSTREAM

    @property
    def kind(self) -> str:
        if self.older_commit and self.newer_commit:
            return "commits"
        return "release-diff" if self.older_vendor and self.newer_vendor else "none"

    @property
    def newer_tree(self) -> str | None:
        """A treeish holding the newer release's pristine files: the upstream commit, whose
        lines ``git log -L`` counts (a git upstream's vendor tree is the same tree; a PyPI
        upstream's sdist may differ from its tag), else the vendor commit."""
        return self.newer_commit or self.newer_vendor


#: Lines of a hunk upstream deleted that ``git log -S`` looks for, at most (a call each).
_PICKAXE_LINES = 3


@dataclass
class _Run:
    """What one :func:`collect` call knows: configuration, repositories, ranges, caches."""

    config: UpstreamConfig
    repo: GitRepo
    pending: intent.Pending
    lock: Lock | None
    checkout: GitRepo
    roles: dict[str, int]  # role -> index stage
    history: _History
    fork_range: str | None
    reverse: RenameMap
    health: tuple[PatchHealth, ...]
    release_tags: ReleaseTags | None = None
    changelog_path: str = ""
    changelog: tuple[ChangelogEntry, ...] = ()
    _maps: dict[tuple[str, str], ctext.LineMap] = field(default_factory=dict)
    _upstream: dict[str, bool] = field(default_factory=dict)
    _base_tree: dict[str, str] | None = None
    _series: dict[str, bytes] | None = None
    _changelog_added: dict[str, set[str]] = field(default_factory=dict)
    fork_head: str = "HEAD"  # the fork side of the merge
    unmerged: dict[str, dict[int, str]] | None = None  # None: the checkout's index
    merged_tree: str = ""  # where the conflicted files are ("": the checkout)

    @classmethod
    def start(
        cls,
        config: UpstreamConfig,
        repo: GitRepo,
        pending: intent.Pending,
        lock: Lock | None,
        health: tuple[PatchHealth, ...] | None = None,
    ) -> _Run:
        rename = config.rename
        vendor = _existing(repo, pending.vendor)
        tags = _release_tags(config, repo)
        reverse = RenameMap(
            packages={new: old for old, new in rename.packages.items()},
            distributions={new: old for old, new in rename.distributions.items()},
            roots=expand_roots(repo.tree_blobs(vendor), rename).roots if vendor else (),
        )
        checkout, roles = _checkout(repo, pending)
        if pending.patch_conflict is not None:
            history = _patch_history(config, repo, pending, pending.patch_conflict.patch, tags)
            fork_range = None
        else:
            history = _History(
                older_commit=_release_commit(config, repo, lock.version, tags, lock.upstream_commit)
                if lock
                else None,
                newer_commit=_release_commit(
                    config, repo, pending.version, tags, pending.upstream_commit
                ),
                older_vendor=_existing(repo, lock.vendor if lock else ""),
                newer_vendor=_existing(repo, pending.vendor),
            )
            fork_range = f"{lock.fork}..HEAD" if lock and repo.resolve(lock.fork) else None
        if health is None:
            health = tuple(state.read_health(config))  # written by the stopped sync
        path, entries = _changelog(repo, (vendor, history.newer_commit))
        return cls(
            config, repo, pending, lock, checkout, roles, history, fork_range, reverse, health,
            tags, path, tuple(changelog.between(entries, lock.version if lock else None,
                                                 pending.version)),
        )  # fmt: skip

    def source_repository(self) -> SourceRepository | None:
        """The PyPI upstream's repository and what was found in it (None: none named)."""
        tags, source = self.release_tags, self.config.source
        if tags is None or not isinstance(source, PyPISource) or source.repository is None:
            return None
        tag = tags.tags.get(self.pending.version)
        vendor = _existing(self.repo, self.pending.vendor)
        difference = None
        if tag and vendor:
            upstream = repository.tags_prefix(self.config.name) + tag
            difference = repository.compare_trees(self.repo, vendor, upstream)
        return SourceRepository(
            redact(source.repository), dict(tags.tags), tags.problem, difference
        )

    # -- entries by kind --------------------------------------------------------------

    def merge_entries(self) -> list[Entry]:
        """One entry per unmerged path of the fork merge."""
        stages = self.unmerged if self.unmerged is not None else self.checkout.unmerged_stages()
        return [self._unmerged_entry(path, stages[path]) for path in sorted(stages)]

    def patch_entries(self, stopped: intent.PatchConflict) -> list[Entry]:
        """The conflicting patch: one entry per unmerged path in the patch checkout, or one
        entry for the patch when git could not merge it at all."""
        health = {h.name: h for h in self.health}
        patch = self._patch_ref(stopped.patch, health.get(stopped.patch))
        stages = self.checkout.unmerged_stages() if self.checkout is not self.repo else {}
        entries = [self._unmerged_entry(path, stages[path], patch) for path in sorted(stages)]
        if entries or self.pending.conflicts:
            return entries
        paths = health[patch.name].paths if patch.name in health else ()
        path = paths[0] if paths else ""
        return [
            Entry(
                path=path,
                upstream_path=self.upstream_path(path),
                kind=EntryKind.PATCH_CONFLICT,
                blocking=True,
                detail=f"{patch.name} cannot be merged: {patch.detail}",
                suggestion=f"make its change by hand in `{self.checkout.path}`, then "
                f"`{intent.refresh_command(self.config.name, patch.name)}`",
                patches=(patch,),
            )
        ]

    def warning_entries(self) -> list[Entry]:
        """Patches that no longer match or fail, and files carried over untransformed, as
        recorded by the transform of the release being integrated."""
        entries = []
        for item in self.health:
            if item.status not in (PatchStatus.NO_MATCH, PatchStatus.ERROR):
                continue
            path = item.paths[0] if item.paths else ""
            no_match = item.status == PatchStatus.NO_MATCH
            entries.append(
                Entry(
                    path=path,
                    upstream_path=self.upstream_path(path),
                    kind=EntryKind.PATCH_NO_MATCH if no_match else EntryKind.PATCH_ERROR,
                    blocking=False,
                    detail=f"{item.name}: {item.detail or item.status}",
                    suggestion=(
                        f"upstream changed what {item.name} patches: update it, or drop it "
                        f"(`forktool patch drop {item.name}`)"
                        if no_match
                        else f"fix {item.name} ({item.detail or 'it failed'}), or drop it"
                    ),
                    patches=(PatchRef(item.name, item.kind, item.status, item.detail),),
                )
            )
        for path, reason in sorted(self._failures().items()):
            entries.append(
                Entry(
                    path=path,
                    upstream_path=self.upstream_path(path),
                    kind=EntryKind.UNTRANSFORMED,
                    blocking=False,
                    detail=f"carried over without the rename: {reason}",
                    suggestion="rename the old names it still holds by hand in the fork "
                    f"(`forktool leftovers {self.config.name}` lists them)",
                )
            )
        return entries

    def next_step(self, blocking: int) -> str:
        """The one line that says how to finish (or undo) the stopped sync."""
        name = self.config.name
        if self.pending.patch_conflict is not None:
            refresh, finish = intent.way_out(self.pending)
            return (
                f"resolve the patch in `{self.checkout.path}`, `git add` each path there, run "
                f"`{refresh}`, then `{finish}` (or `--abort` to undo the sync)"
            )
        if blocking == 0:
            return f"every path is resolved: run `{intent.continue_command(name)}`"
        return (
            f"resolve the {_plural(blocking, 'conflicted path')} in `{self.checkout.path}`, "
            "`git add` each, "
            f"then run `{intent.continue_command(name)}` (or `--abort` to undo the sync)"
        )

    # -- one unmerged path ------------------------------------------------------------

    def _unmerged_entry(
        self,
        path: str,
        stages: dict[int, str],
        patch: PatchRef | None = None,
    ) -> Entry:
        has = {role: self.roles[role] in stages for role in (BASE, FORK, UPSTREAM)}
        upstream_path = self.upstream_path(path)
        patches = (patch,) if patch else self._patches_changing(path)
        if has[FORK] and has[UPSTREAM]:
            kind = EntryKind.CONTENT if has[BASE] else EntryKind.ADD_ADD
            hunks, note = self._hunks(path, stages)
            detail = _content_detail(hunks) if has[BASE] else "both sides added it"
            return Entry(
                path=path,
                upstream_path=upstream_path,
                kind=kind,
                blocking=True,
                detail=f"{detail}; {note}" if note else detail,
                suggestion=self._resolve_step(path, hunks),
                hunks=tuple(hunks),
                patches=patches,
            )
        kind, deleted_by, renamed_from = EntryKind.UNMERGED, "", ""
        shown = ", ".join(str(s) for s in sorted(stages))
        detail = f"unmerged with index stages {shown} only (`git status` says why)"
        suggestion = f"choose the version to keep in `{path}`, then `git add` or `git rm` it"
        if has[BASE] and (has[FORK] or has[UPSTREAM]):
            kind, deleted_by = EntryKind.MODIFY_DELETE, UPSTREAM if has[FORK] else FORK
            changer = FORK if deleted_by == UPSTREAM else UPSTREAM
            detail = f"{_WHO[deleted_by]} deleted this file; {_WHO[changer]} changed it"
            suggestion = _deletion_step(path, deleted_by, self.roles[UPSTREAM])
            renamed_from = self._renamed_from(path, stages[1])
            if renamed_from:
                kind = EntryKind.RENAME_DELETE
                detail = (
                    f"{_WHO[changer]} renamed {renamed_from} to {path}; "
                    f"{_WHO[deleted_by]} deleted {renamed_from}"
                )
        return Entry(
            path=path,
            upstream_path=upstream_path,
            kind=kind,
            blocking=True,
            detail=detail,
            suggestion=suggestion,
            deleted_by=deleted_by,
            upstream_commits=self._file_upstream_commits(path, renamed_from),
            fork_commits=self._file_fork_commits(path, renamed_from),
            patches=patches,
        )

    def _resolve_step(self, path: str, hunks: list[Hunk]) -> str:
        """The entry-level step for a file with hunks (or a binary file without)."""
        where = self.checkout.path / path
        if not hunks:
            return (
                f"take one side (`git checkout --ours {path}` or `--theirs`), or merge the "
                f"two versions by hand in `{where}`, then `git add {path}`"
            )
        shown = [hunk for hunk in hunks if hunk.line] or hunks  # those still in the file
        what = "hunk" if len(shown) == 1 else f"{len(shown)} hunks"
        left = f" ({len(hunks) - len(shown)} resolved already)" if len(shown) < len(hunks) else ""
        return f"resolve the {what}{left} in `{where}` (see each hunk), then `git add {path}`"

    def _hunks(self, path: str, stages: dict[int, str]) -> tuple[list[Hunk], str]:
        """The conflicted blocks of ``path``, with provenance; plus a note ("" if none)."""
        reader = _FileReader(self.repo, self.checkout, self.roles, self.merged_tree)
        found = reader.read(path, stages)
        hunks = [self._with_provenance(path, hunk, found.texts) for hunk in found.hunks]
        return hunks, found.note

    def _with_provenance(self, path: str, hunk: Hunk, texts: dict[str, str]) -> Hunk:
        """``hunk`` with the commits (or release diff hunks) that changed its lines on each
        side, and the changelog entries that name them."""
        sides = {BASE: hunk.base, FORK: hunk.fork, UPSTREAM: hunk.upstream}
        upstream_commits: tuple[Commit, ...] = ()
        upstream_changes: tuple[str, ...] = ()
        upstream_path = self.upstream_path(path)
        if self.history.kind == "commits":
            upstream_commits = self._upstream_line_commits(upstream_path, sides, texts)
        elif self.history.kind == "release-diff":
            upstream_changes = self._release_changes(upstream_path, sides, texts)
        names = changelog.code_names(path, texts[BASE], sides[BASE].span)
        names |= changelog.code_names(path, texts[UPSTREAM], sides[UPSTREAM].span)
        named = changelog.mentioning(self.changelog, upstream_path, names)
        linked = changelog.added_by(self.changelog, self._changelog_lines(upstream_commits))
        entries = tuple(e for e in self.changelog if e in named or e in linked)
        return replace(
            hunk,
            upstream_commits=upstream_commits,
            upstream_changes=upstream_changes,
            fork_commits=self._fork_line_commits(path, sides[FORK], texts[FORK]),
            changelog=entries,
            suggestion=_warn_security(hunk.suggestion, entries),
            patches=self._patches_writing(path, sides),
        )

    # -- provenance -------------------------------------------------------------------

    def _upstream_line_commits(
        self, upstream_path: str, sides: dict[str, Side], texts: dict[str, str]
    ) -> tuple[Commit, ...]:
        """``git log -L`` over the upstream commits between the releases, on the lines of
        the newer release's side, mapped from the renamed file to upstream's."""
        history = self.history
        assert history.older_commit and history.newer_commit
        pristine = self._pristine(history.newer_tree, upstream_path)
        if pristine is None:
            return ()
        mapped = self._map(texts[history.tip], pristine).span(sides[history.tip].span)
        older = sides[BASE if history.tip == UPSTREAM else UPSTREAM]
        shrank = older.count > sides[history.tip].count
        lines = ctext.log_span(mapped, len(pristine.splitlines()), shrank=shrank)
        if lines is None:
            return ()
        revisions = f"{history.older_commit}..{history.newer_commit}"
        logged = self.repo.line_log(revisions, upstream_path, *lines)
        found = {c.commit: c for c in logged}
        older_role = BASE if history.tip == UPSTREAM else UPSTREAM
        for line in self._deleted_lines(upstream_path, older, texts[older_role], pristine):
            for commit in self.repo.pickaxe_log(revisions, upstream_path, line):
                found.setdefault(commit.commit, commit)
        ordered = logged  # git's order, unless git log -S added commits: then newest first
        if len(found) > len(logged):
            ordered = sorted(found.values(), key=lambda c: datetime.fromisoformat(c.date))[::-1]
        return tuple(_commit(c) for c in ordered)

    def _deleted_lines(
        self, upstream_path: str, older: Side, older_text: str, newer_pristine: str
    ) -> list[str]:
        """Up to :data:`_PICKAXE_LINES` lines of the older release's side, in upstream's
        names, that the newer release no longer has anywhere in the file: ``git log -L``
        can lose the commit that deleted them (its diff may place the deletion elsewhere),
        ``git log -S`` on each finds it. Distinctive lines only (12 characters or more)."""
        history = self.history
        older_pristine = self._pristine(history.older_commit, upstream_path)
        if older_pristine is None or not older.count:
            return []
        start, count = self._map(older_text, older_pristine).span(older.span)
        lines = older_pristine.splitlines()[start - 1 : start - 1 + count]
        remaining = {line.strip() for line in newer_pristine.splitlines()}
        gone = {line.strip() for line in lines if line.strip() not in remaining}
        distinctive = sorted((line for line in gone if len(line) >= 12), key=len, reverse=True)
        return distinctive[:_PICKAXE_LINES]

    def _release_changes(
        self, upstream_path: str, sides: dict[str, Side], texts: dict[str, str]
    ) -> tuple[str, ...]:
        """The release diff's hunks that overlap the conflicted lines on either release."""
        history = self.history
        assert history.older_vendor and history.newer_vendor
        older_role = BASE if history.tip == UPSTREAM else UPSTREAM
        spans: list[ctext.Span | None] = []
        for role, treeish in (
            (older_role, history.older_vendor),
            (history.tip, history.newer_vendor),
        ):
            pristine = self._pristine(treeish, upstream_path)
            mapped = self._map(texts[role], pristine).span(sides[role].span) if pristine else None
            spans.append(mapped)
        diff = self.repo.diff_file(history.older_vendor, history.newer_vendor, upstream_path)
        return tuple(
            hunk
            for hunk, old, new in ctext.diff_hunks(diff)
            if ctext.overlaps(old, spans[0]) or ctext.overlaps(new, spans[1])
        )

    def _fork_line_commits(self, path: str, side: Side, text: str) -> tuple[Commit, ...]:
        """The fork commits that last wrote the fork side's lines, at any age, newest first.

        ``git blame HEAD`` on the lines; blame follows both parents of each integration
        merge, so it reaches the commit that really wrote a line. Lines it attributes to
        upstream's commits (the transformed commit being merged and its ancestors: earlier
        transformed commits, vendor commits, upstream history) are upstream's; a line it
        attributes to an integration merge is the merge's conflict resolution only when it
        differs from both parents there. A fork side with no lines (the fork removed them)
        has nothing to blame: ``git log -L`` of the lines around the gap over the fork's
        own commits names who removed them. Only in a fork merge (the fork side of a patch
        conflict is the patch).
        """
        tip = self._upstream_tip()
        lines = ctext.log_span(side.span, len(text.splitlines()))
        if tip is None or lines is None:
            return ()
        if side.count == 0:
            found = self.repo.line_log(f"{tip}..{self.fork_head}", path, *lines)
            return tuple(_commit(c, self._integration_merge(c.commit)) for c in found)
        kept: dict[str, Commit] = {}
        for line in self.repo.blame(self.fork_head, path, [lines]):
            sha = line.commit.commit
            if sha in kept or self._is_upstream(sha):
                continue
            if not self._integration_merge(sha):
                kept[sha] = _commit(line.commit)
            elif self._resolved_in(line):
                kept[sha] = _commit(line.commit, resolution=True)
        return tuple(sorted(kept.values(), key=lambda c: _when(c.date), reverse=True))

    def _upstream_tip(self) -> str | None:
        """The transformed commit being merged: it and its ancestors are upstream's."""
        if self.pending.stage != intent.Stage.MERGE:
            return None
        return _existing(self.repo, self.pending.transformed)

    def _is_upstream(self, commit: str) -> bool:
        """Whether ``commit`` is upstream's: a transformed or vendor commit (or upstream
        history), reachable from the transformed commit being merged."""
        if commit not in self._upstream:
            tip = self._upstream_tip()
            self._upstream[commit] = bool(tip) and self.repo.is_ancestor(commit, tip or "")
        return self._upstream[commit]

    def _integration_merge(self, commit: str) -> bool:
        """Whether ``commit`` is one of forktool's integration merges: a merge whose
        second parent is upstream's (a transformed commit)."""
        parents = self.repo.parents(commit)
        return len(parents) == 2 and self._is_upstream(parents[1])

    def _resolved_in(self, line: BlamedLine) -> bool:
        """Whether the integration merge ``line.commit`` wrote ``line`` itself: the line
        differs from both parents' at the same place (a diff alignment of the file)."""
        merged = self._text_at(line.commit.commit, line.path)
        if merged is None or not 0 < line.line <= len(merged):
            return False
        for parent in self.repo.parents(line.commit.commit):
            theirs = self._text_at(parent, line.path) or []
            start, count = self._map_lines(merged, theirs).span((line.line, 1))
            if count and 0 < start <= len(theirs) and theirs[start - 1] == merged[line.line - 1]:
                return False
        return True

    def _text_at(self, commit: str, path: str) -> list[str] | None:
        data = self.repo.blob_at(commit, path)
        return None if data is None else data.decode("utf-8", "replace").splitlines()

    def _file_upstream_commits(self, *paths: str) -> tuple[Commit, ...]:
        """Upstream commits between the releases that changed the files ``paths`` (fork
        paths; "" ignored)."""
        history = self.history
        if history.kind != "commits":
            return ()
        revisions = f"{history.older_commit}..{history.newer_commit}"
        upstream_paths = [self.upstream_path(path) for path in paths if path]
        return tuple(_commit(c) for c in self.repo.path_log(revisions, *upstream_paths))

    def _file_fork_commits(self, *paths: str) -> tuple[Commit, ...]:
        """Fork commits since the last sync that changed the files ``paths``."""
        if not self.fork_range:
            return ()
        found = self.repo.path_log(self.fork_range, *(path for path in paths if path))
        return tuple(_commit(c) for c in found)

    def _changelog_lines(self, commits: tuple[Commit, ...]) -> set[str]:
        """The lines ``commits`` added to upstream's changelog (``git diff -U0`` of each
        commit against its first parent), cached per commit."""
        added: set[str] = set()
        for commit in commits if self.changelog_path else ():
            if commit.id not in self._changelog_added:
                try:
                    diff = self.repo.diff_file(f"{commit.id}^", commit.id, self.changelog_path)
                except RepositoryError:  # git failed: a root commit has no parent
                    diff = ""
                self._changelog_added[commit.id] = {
                    line[1:] for line in diff.splitlines()
                    if line.startswith("+") and not line.startswith("+++")
                }  # fmt: skip
            added |= self._changelog_added[commit.id]
        return added

    def _pristine(self, treeish: str | None, upstream_path: str) -> str | None:
        data = self.repo.blob_at(treeish, upstream_path) if treeish else None
        return None if data is None else data.decode("utf-8", "replace")

    def _map(self, renamed: str, pristine: str) -> ctext.LineMap:
        """Line map from a renamed (and patched) text to the pristine upstream text."""
        return self._map_lines(renamed.splitlines(), pristine.splitlines())

    def _map_lines(self, old: list[str], new: list[str]) -> ctext.LineMap:
        """Line map from one version of a file to another (cached)."""
        key = ("\n".join(old), "\n".join(new))
        if key not in self._maps:
            self._maps[key] = ctext.LineMap(old, new)
        return self._maps[key]

    # -- paths, patches, state --------------------------------------------------------

    def upstream_path(self, path: str) -> str:
        """Where ``path`` of the fork lives upstream, before the rename."""
        return rename_path(path, self.reverse) if path else ""

    def _patches_changing(self, path: str) -> tuple[PatchRef, ...]:
        return tuple(
            PatchRef(h.name, h.kind, h.status, h.detail) for h in self.health if path in h.paths
        )

    def _patches_writing(self, path: str, sides: dict[str, Side]) -> tuple[PatchRef, ...]:
        """The diff patches of the series that add a line shown on the base or upstream
        side of a hunk of ``path`` (see :attr:`Hunk.patches`)."""
        if self.pending.stage != intent.Stage.MERGE:
            return ()
        shown = {
            line.strip() for role in (BASE, UPSTREAM) for line in sides[role].text.splitlines()
        }
        found = []
        for ref in self._patches_changing(path):
            if ref.kind != PatchKind.DIFF:
                continue
            data = self._series_data().get(ref.name, b"")
            _, diff = diff_format.split(data)
            if ctext.added_lines(diff.decode("utf-8", "replace"), path) & shown:
                found.append(ref)
        return tuple(found)

    def _series_data(self) -> dict[str, bytes]:
        """Each patch of the series: name -> its bytes (loaded once; {} when the series
        cannot be read)."""
        if self._series is None:
            self._series = {}
            with contextlib.suppress(ConfigError):
                listed = series.load(self.config.root, self.config.name)
                self._series = {patch.name: patch.data for patch in listed.patches}
        return self._series

    def _patch_ref(self, name: str, health: PatchHealth | None) -> PatchRef:
        """The conflicting patch ``name``, described by its file's subject and author, then
        what it says about itself (:meth:`forktool.patches.metadata.PatchMetadata.describe`:
        a backport's origin, the release it was made on, ``Reason:`` ...)."""
        summary = ""
        with contextlib.suppress(ConfigError):
            listed = series.load(self.config.root, self.config.name)
            patch = listed.patches[listed.index(name)]
            about = metadata.read(patch).describe()
            summary = "; ".join(part for part in (_patch_summary(patch.data), about) if part)
        if health is None:
            return PatchRef(name, PatchKind.DIFF, PatchStatus.CONFLICT, summary)
        detail = "; ".join(part for part in (summary, health.detail) if part)
        return PatchRef(name, health.kind, health.status, detail)

    def _renamed_from(self, path: str, base_blob: str) -> str:
        """For a rename conflict: the base path whose content ``path``'s stage 1 holds.
        "" when ``path`` itself is in the merge base (or there is no base to look in)."""
        if self.pending.stage != intent.Stage.MERGE or self.lock is None:
            return ""
        if self._base_tree is None:
            self._base_tree = self.repo.tree_blobs(self.lock.transformed)
        if path in self._base_tree:
            return ""
        return next((p for p, sha in sorted(self._base_tree.items()) if sha == base_blob), "")

    def _failures(self) -> dict[str, str]:
        try:
            data = state.read_leftovers(self.config)
        except RepositoryError:
            return {}
        if data.get("version") != self.pending.version:
            return {}  # recorded by another release's transform
        return dict(data.get("failures", {}))


# -- one conflicted file's hunks, without provenance -----------------------------------


@dataclass(frozen=True)
class ConflictedFile:
    """One conflicted file as the report sees it, without provenance.

    Attributes:
        path: path in the fork.
        checkout: where it is resolved: the fork repository, or the patch-conflict checkout.
        hunks: its conflicted blocks with their sides, ``kind``, ``why``, ``proposed`` and
            ``suggestion`` (no commits or changelog), in file order, as the report has them.
        texts: role -> that side's whole file (its index stage; "" when absent).
        ours / theirs: the roles of the ``<<<<<<<`` and ``>>>>>>>`` sections of its
            markers (stages 2 and 3).
        note: why it has no hunks, or that the file no longer shows them ("" if neither).
        finish: the commands that finish the sync once every path is resolved
            (:func:`forktool.records.intent.way_out`).
    """

    path: str
    checkout: Path
    hunks: tuple[Hunk, ...]
    texts: dict[str, str]
    ours: str
    theirs: str
    note: str = ""
    finish: tuple[str, ...] = ()

    @property
    def file(self) -> Path:
        """The working-tree file."""
        return self.checkout / self.path


def conflicted_file(config: UpstreamConfig, path: str) -> ConflictedFile:
    """The hunks of ``path`` in the sync of ``config`` that stopped on conflicts, as the
    report shows them (without provenance: no history is read or fetched).

    Args:
        path: a path of the fork repository (of the patch-conflict checkout, in a patch
            conflict), or a file inside it named from the current directory.

    Raises:
        RepositoryError: there is no fork repository, no sync of ``config`` is waiting,
            or ``path`` is not an unmerged path of it.
    """
    repo = open_fork(config, f"there is nothing to resolve; run 'forktool sync {config.name}'")
    try:
        pending = intent.read_pending(repo, config.name)
        if pending is None:
            raise RepositoryError(
                f"no sync of {config.name} is waiting for conflict resolution",
                f"'forktool status {config.name}' says where the fork stands",
            )
        checkout, roles = _checkout(repo, pending)
        try:
            path = _in_checkout(path, checkout.path)
            stages = checkout.unmerged_stages()
            if path not in stages:
                raise RepositoryError(
                    f"{path} is not conflicted in {checkout.path}",
                    f"'forktool report {config.name}' lists the conflicted paths",
                )
            found = _FileReader(repo, checkout, roles).read(path, stages[path])
            return replace(found, finish=intent.way_out(pending))
        finally:
            if checkout is not repo:
                checkout.close()
    finally:
        repo.close()


def _in_checkout(path: str, checkout: Path) -> str:
    """``path`` as a path of ``checkout``: a file path inside it (absolute, or relative to
    the current directory) made relative to it; any other path taken as one already."""
    where = Path(path).absolute().resolve()
    if where.exists() and where.is_relative_to(checkout.resolve()):
        return where.relative_to(checkout.resolve()).as_posix()
    return path


def _checkout(repo: GitRepo, pending: intent.Pending) -> tuple[GitRepo, dict[str, int]]:
    """Where the conflicts of ``pending`` are resolved, and role -> index stage there."""
    if pending.patch_conflict is None:
        return repo, {BASE: 1, FORK: 2, UPSTREAM: 3}
    worktree = Path(pending.patch_conflict.worktree)
    checkout = GitRepo(worktree) if worktree.exists() else repo
    return checkout, {BASE: 1, UPSTREAM: 2, FORK: 3}  # the patch is applied onto the release


@dataclass(frozen=True)
class _FileReader:
    """Reads a conflicted file's hunks: from ``repo``'s objects and ``checkout``'s
    working tree (or, for a merge computed in memory, ``merged_tree``), sides by role
    (``roles``: role -> index stage)."""

    repo: GitRepo
    checkout: GitRepo
    roles: dict[str, int]
    merged_tree: str = ""  # where the conflicted files are ("": the checkout)

    def read(self, path: str, stages: dict[int, str]) -> ConflictedFile:
        """The conflicted blocks of ``path``, explained (no provenance)."""
        ours, theirs = self._stage_roles()
        found = ConflictedFile(path, self.checkout.path, (), {}, ours, theirs)
        blobs = {
            role: self.repo.blob(stages[stage]) if stage in stages else None
            for role, stage in self.roles.items()
        }
        if any(b"\0" in data for data in blobs.values() if data is not None):
            return replace(found, note="binary file: no line-by-line hunks")
        texts = {
            role: None if data is None else data.decode("utf-8", "replace")
            for role, data in blobs.items()
        }
        merged, note = self._merged(path, {r: d or b"" for r, d in blobs.items()})
        spans = {role: merged.locate(role, texts[role]) for role in (BASE, FORK, UPSTREAM)}
        whole = {role: text or "" for role, text in texts.items()}
        hunks = []
        for index, block in enumerate(merged.blocks):
            sides = {
                role: self._side(spans[role][index], "".join(block.texts[role]), whole[role])
                for role in spans
            }
            hunk = Hunk(block.line, sides[BASE], sides[FORK], sides[UPSTREAM])
            hunks.append(self._explained(hunk, whole))
        return replace(found, hunks=tuple(hunks), texts=whole, note=note)

    @staticmethod
    def _side(span: ctext.Span, text: str, whole: str) -> Side:
        """The side at ``span`` of its file ``whole``, with :data:`CONTEXT_LINES` lines of
        that file around it."""
        start, count = span
        if start == 0:
            return Side(start, count, text)
        lines = whole.splitlines(keepends=True)
        first, end = start - 1, start - 1 + count
        before = "".join(lines[max(first - CONTEXT_LINES, 0) : first])
        return Side(start, count, text, before, "".join(lines[end : end + CONTEXT_LINES]))

    def _explained(self, hunk: Hunk, texts: dict[str, str]) -> Hunk:
        """``hunk`` with why it conflicts, a merged text when one keeps both sides, and the
        step that follows from them."""
        base, fork, upstream = hunk.base.text, hunk.fork.text, hunk.upstream.text
        reason = ctext.classify(base, fork, upstream, texts[FORK], texts[UPSTREAM])
        proposed = None
        if reason.kind in (ctext.HunkKind.ADJACENT, ctext.HunkKind.WHITESPACE):
            proposed = ctext.propose(base, fork, upstream, self._merge_text)
        suggestion = ctext.suggest(base, fork, upstream, proposed)
        return replace(
            hunk, kind=reason.kind, why=reason.why, proposed=proposed, suggestion=suggestion
        )

    def _merge_text(self, ours: str, base: str, theirs: str) -> str:
        """``git merge-file`` of three texts (fork, base, upstream)."""
        labels = [FORK, BASE, UPSTREAM]
        merged = self.repo.merge_file(ours.encode(), base.encode(), theirs.encode(), labels)
        return merged.decode("utf-8", "replace")

    def _merged(self, path: str, blobs: dict[str, bytes]) -> tuple[ctext.Merged, str]:
        """The working-tree file's conflict blocks; recomputed from the index stages
        (``git merge-file --diff3``) when it has none or lacks the base sections."""
        if self.merged_tree:
            shown = (self.repo.blob_at(self.merged_tree, path) or b"").decode("utf-8", "replace")
        else:
            try:
                shown = (self.checkout.path / path).read_bytes().decode("utf-8", "replace")
            except OSError:
                shown = ""
        ours, theirs = self._stage_roles()
        in_tree = ctext.parse_blocks(shown, ours, theirs)
        labels = [ours, BASE, theirs]
        output = self.repo.merge_file(blobs[ours], blobs[BASE], blobs[theirs], labels)
        computed = ctext.parse_blocks(output.decode("utf-8", "replace"), ours, theirs)
        if in_tree.blocks and all(b.has_base for b in in_tree.blocks):
            # Some blocks resolved by hand: number the hunks as git first wrote them,
            # those still shown at their lines, the others at line 0.
            lines = _shown_lines(computed, in_tree)
            if len(computed.blocks) > len(in_tree.blocks) and lines is not None:
                return computed.at_lines(lines), ""
            return in_tree, ""
        if len(in_tree.blocks) == len(computed.blocks):  # point at the working tree's lines
            return computed.at_lines([b.line for b in in_tree.blocks]), ""
        note = "" if in_tree.blocks else "the working-tree file has no conflict markers left"
        return computed.at_lines([0] * len(computed.blocks)), note

    def _stage_roles(self) -> tuple[str, str]:
        """The roles of stage 2 ("ours") and stage 3 ("theirs")."""
        by_stage = {stage: role for role, stage in self.roles.items()}
        return by_stage[2], by_stage[3]


def _shown_lines(computed: ctext.Merged, shown: ctext.Merged) -> list[int] | None:
    """For each block of ``computed`` (the index stages merged again), the line of the same
    block (the same text on every side) among the ``shown`` ones, in order; 0 for a block
    no longer shown. None when a shown block matches none (git drew other boundaries)."""
    lines: list[int] = []
    left = list(shown.blocks)
    for block in computed.blocks:
        if left and left[0].texts == block.texts:
            lines.append(left.pop(0).line)
        else:
            lines.append(0)
    return None if left else lines


# -- upstream history of a patch conflict -------------------------------------------------


def _patch_history(
    config: UpstreamConfig,
    repo: GitRepo,
    pending: intent.Pending,
    patch: str,
    tags: ReleaseTags | None,
) -> _History:
    """Provenance range of a conflict of ``patch``: from the release it was made on
    (``Forktool-Base``) to the release being integrated, in whichever order they are."""
    try:
        listed = series.load(config.root, config.name)
        base = diff_format.base_of(listed.patches[listed.index(patch)].data)
    except ConfigError:
        base = None
    if base is None:
        return _History()
    made_on, this = base[1], pending.version
    made_on_commit = _release_commit(config, repo, made_on, tags)
    made_on_vendor = repo.resolve(config.release_tag(made_on))
    this_commit = _release_commit(config, repo, this, tags, pending.upstream_commit)
    this_vendor = _existing(repo, pending.vendor)
    try:
        newer_is_this = Version(this) >= Version(made_on)
    except InvalidVersion:
        return _History()
    if newer_is_this:
        return _History(made_on_commit, this_commit, made_on_vendor, this_vendor, UPSTREAM)
    return _History(this_commit, made_on_commit, this_vendor, made_on_vendor, BASE)


def _release_tags(config: UpstreamConfig, repo: GitRepo) -> ReleaseTags | None:
    """The release tags of a PyPI upstream's ``[source] repository`` (None: none named)."""
    source = config.source
    if not isinstance(source, PyPISource) or source.repository is None:
        return None
    return ReleaseTags(repo, config.name, source.project, source.repository)


def _release_commit(
    config: UpstreamConfig,
    repo: GitRepo,
    version: str,
    tags: ReleaseTags | None,
    recorded: str | None = None,
) -> str | None:
    """The upstream commit of ``version``: ``recorded`` (from the lock file or the intent
    record) when it exists; for a git upstream, from the tags forktool fetched into
    ``refs/forktool/<name>/tags/``; for a PyPI upstream with a repository, its tag there
    (fetched now if need be); None when unknown."""
    if recorded and repo.resolve(recorded):
        return repo.resolve(recorded)
    if tags is not None:
        return tags.commit(version)
    if not isinstance(config.source, GitSource):
        return None
    prefix = repository.tags_prefix(config.name)
    pattern = re.compile(config.source.tag_pattern)
    for ref in repo.refs():
        match = pattern.fullmatch(ref.removeprefix(prefix)) if ref.startswith(prefix) else None
        text = (match.groupdict().get("version") or match.group(0)) if match else None
        try:
            if text and Version(text) == Version(version):
                return repo.resolve(ref)
        except InvalidVersion:
            continue
    return None


_FORGE = re.compile(
    r"^(?:https://|ssh://git@|git@)(?P<host>github\.com|gitlab\.com|codeberg\.org)[/:]"
    r"(?P<project>[\w.-]+/[\w.-]+?)(?:\.git)?/?$"
)


def _commit_url(config: UpstreamConfig) -> str:
    """Commit link template of a git upstream (or a PyPI upstream's repository) on a known
    forge ("" otherwise)."""
    source = config.source
    url = source.url if isinstance(source, GitSource) else source.repository
    match = _FORGE.match(url) if url else None
    if match is None:
        return ""
    separator = "/-/commit/" if match["host"] == "gitlab.com" else "/commit/"
    return f"https://{match['host']}/{match['project']}{separator}{{id}}"


def _existing(repo: GitRepo, commit: str | None) -> str | None:
    """``commit`` when it exists in ``repo``, else None."""
    return repo.resolve(commit) if commit else None


_WHO = {FORK: "the fork", UPSTREAM: "upstream"}


def _deletion_step(path: str, deleted_by: str, upstream_stage: int) -> str:
    """What to do about a file one side deleted and the other changed."""
    if deleted_by == UPSTREAM:
        return (
            f"upstream deleted this file; the fork changed it: delete it (`git rm {path}`) "
            f"or keep the fork's version (`git add {path}`)"
        )
    keep = "--theirs" if upstream_stage == 3 else "--ours"
    return (
        f"the fork deleted this file; upstream changed it: keep it deleted (`git rm {path}`) "
        f"or take upstream's version (`git checkout {keep} {path}` then `git add {path}`)"
    )


def _content_detail(hunks: list[Hunk]) -> str:
    """What happened to a file both sides changed: why its hunks conflict."""
    whys = {hunk.why for hunk in hunks}
    if not whys:
        return "both sides changed it"
    if len(whys) != 1:
        return f"both sides changed lines close together ({_plural(len(hunks), 'hunk')})"
    why = whys.pop()
    return why if len(hunks) == 1 else f"{why} ({len(hunks)} hunks)"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _patch_summary(data: bytes) -> str:
    """``Subject (From)`` of a patch file's mail-like header."""
    header, _ = diff_format.split(data)
    fields = {}
    for line in header.decode("utf-8", "replace").splitlines():
        key, _, value = line.partition(": ")
        if key in ("From", "Subject") and key not in fields:
            fields[key] = value.strip()
    subject, author = fields.get("Subject", ""), fields.get("From", "")
    return f"{subject} ({author})" if subject and author else subject


def _commit(found: LoggedCommit, resolution: bool = False) -> Commit:
    pull = repository.pull_request(found.subject)
    return Commit(found.commit, found.subject, found.author, found.date, resolution, pull)


def _when(date: str) -> datetime:
    return datetime.fromisoformat(date)


def _changelog(
    repo: GitRepo, treeishes: tuple[str | None, ...]
) -> tuple[str, list[ChangelogEntry]]:
    """The changelog of the release (its path and entries), read from the first of
    ``treeishes`` (the sdist, then the tag's tree) that has one; ``("", [])`` if none."""
    for treeish in treeishes:
        path = changelog.find(repo.tree_blobs(treeish)) if treeish else None
        data = repo.blob_at(treeish, path) if treeish and path else None
        if path and data is not None:
            return path, changelog.parse(data.decode("utf-8", "replace"))
    return "", []


def _warn_security(suggestion: str, entries: tuple[ChangelogEntry, ...]) -> str:
    """``suggestion`` for a hunk whose changelog entries name a security advisory: said
    louder first when it drops upstream lines of the fix, else followed by a reminder to
    check the fix still holds with the fork's change kept."""
    advisories = [a for entry in entries if entry.security for a in entry.advisories]
    if not advisories:
        return suggestion
    named = ", ".join(advisories)
    if ctext.DROPS_UPSTREAM not in suggestion:  # keeps upstream's lines: check it still works
        return (
            f"{suggestion} (upstream's change here is a security fix, {named}: check the fix "
            "still holds with the fork's change)"
        )
    return f"careful, upstream's change here is a security fix ({named}): {suggestion}"
