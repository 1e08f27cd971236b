"""``forktool status``: where a fork stands. Reads; changes nothing.

One :class:`UpstreamStatus` per upstream: the integrated release (lock file), the newer
releases its source offers, the patch series health the last sync recorded, a sync waiting
for conflict resolution, the fork's working tree and the shim's wheel. Nothing here takes
the writer lock or writes a file: it only reads the definition, the fork repository (refs,
index, state files) and the shim's output directory, so it can run beside a sync.
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from forktool import upstream
from forktool.config import GitSource, UpstreamConfig
from forktool.errors import ForktoolError
from forktool.extensions.results import LastRun, last_run
from forktool.git.repository import GitRepo
from forktool.model import PatchHealth, PatchStatus
from forktool.patches import metadata
from forktool.patches import series as series_mod
from forktool.patches.metadata import PatchMetadata
from forktool.records import intent, lockfile, state
from forktool.records.bot import BotRecord, read_bot_record
from forktool.records.fork import find_fork
from forktool.shims import default_shim_version
from forktool.shims.fork_metadata import ForkMetadata
from forktool.shims.fork_tree import Source
from forktool.upstream.gitsource import is_between_releases
from forktool.upstream.urlauth import redact


class UpstreamState(StrEnum):
    """Where an upstream's fork stands, in one word (:attr:`UpstreamStatus.state`)."""

    WAITING = "waiting"  # a sync stopped on conflicts
    INTERRUPTED = "interrupted"  # a sync was killed mid-merge; the next sync settles it
    NOT_SYNCED = "not-synced"  # nothing integrated yet
    BEHIND = "behind"  # newer releases exist
    UP_TO_DATE = "up-to-date"
    UNKNOWN = "unknown"  # releases not listed (offline, or listing failed)


@dataclass(frozen=True)
class ForkState:
    """The fork repository.

    Attributes:
        path: where it is configured to live.
        exists: True when it is a git repository (False before the first sync).
        branch: the configured fork branch; checked_out: the branch checked out ("" for a
            detached HEAD or no repository).
        head: the commit checked out ("" when none).
        clean: True when no tracked file has uncommitted changes (None: no repository).
        dirty: the tracked paths with uncommitted changes, staged or not.
    """

    path: Path
    exists: bool
    branch: str
    checked_out: str = ""
    head: str = ""
    clean: bool | None = None
    dirty: tuple[str, ...] = ()


@dataclass(frozen=True)
class PendingSync:
    """A sync that stopped and waits.

    Attributes:
        stage: ``merge`` (the fork merge conflicted) or ``patch`` (a diff patch of the
            series conflicted; nothing merged yet).
        version: the release being integrated.
        conflicts: the conflicted paths the sync recorded when it stopped.
        unresolved: the recorded paths not resolved yet: still unmerged (``git add``
            resolves them), or added while their file still holds conflict markers
            (``--continue`` refuses those).
        patch: the conflicting patch (stage ``patch``), else "".
        resolve_in: where to resolve: the fork repository or the patch-conflict checkout.
        interrupted: True when the sync was killed mid-merge rather than stopped on
            conflicts: the next ``forktool sync`` finishes or undoes it.
        next_steps: the commands to run, in order, once the conflicts are resolved.
        abort: the command that undoes the sync.
    """

    stage: intent.Stage
    version: str
    conflicts: tuple[str, ...]
    unresolved: tuple[str, ...]
    patch: str
    resolve_in: Path
    interrupted: bool
    next_steps: tuple[str, ...]
    abort: str


@dataclass(frozen=True)
class ShimState:
    """The shim distribution in its output directory.

    Attributes:
        out: the output directory (``[shim] out`` or ``<fork path>.shim``).
        distribution: the original distribution the shim takes ("" when not configured).
        wheel: the shim wheel found (the expected one if present), or None.
        version: that wheel's version (from its file name), or None.
        expected: the shim version for the integrated release, or None before a sync.
        state: ``current`` (the expected wheel is there), ``stale`` (only wheels of other
            versions), ``missing`` (no wheel), ``not-synced`` (nothing integrated yet) or
            ``not-configured`` (no ``[rename.distributions]``: no shim is made).
    """

    out: Path | None
    distribution: str
    wheel: Path | None
    version: str | None
    expected: str | None
    state: str


@dataclass(frozen=True)
class UpstreamStatus:
    """Where one upstream's fork stands.

    Attributes:
        upstream: the upstream's name.
        state: one word for the whole.
        source_type: ``pypi`` or ``git``; source: the project name (PyPI) or the
            repository URL or path (git); index: the index URL (PyPI), else ""; URLs
            with their password redacted (``user:****@host``).
        fork: the fork repository.
        integrated: the release the lock file records, or None before the first sync;
            for a git upstream it may be a commit between releases
            (``3.1.3.post68+g2ac89889f4cc``, see :mod:`forktool.upstream.gitsource`).
        integrated_commit: the upstream commit the lock file records (git upstreams), or
            None.
        newest: the newest release the source lists, or None when not listed.
        newer: the releases newer than the integrated one, oldest first (every release
            before the first sync); None when releases were not listed. Compared as
            versions: after a commit between releases, a release made on another branch
            is listed too, though a sync refuses one that does not contain that commit.
        releases_error: why listing releases failed, one line ("" when it did not fail
            or was skipped).
        series: the series file (``patches/<name>/series``; it may not exist).
        patches: the current series in order, each with the status the last sync
            recorded (``not applied yet`` for a patch added since).
        patches_version: the release the recorded health is from, or None.
        patch_metadata: what each patch of ``patches`` says about itself (origin, the
            release it was made on, ``Reason:`` ...), in the same order
            (:mod:`forktool.patches.metadata`).
        pending: the sync waiting for resolution, or None.
        shim: the shim distribution.
        extensions: the last ``forktool extensions`` run kept in the fork repository,
            or None.
        bot: the last ``forktool ci run`` kept in the fork repository, or None.
    """

    upstream: str
    state: UpstreamState
    source_type: str
    source: str
    index: str
    fork: ForkState
    integrated: str | None
    integrated_commit: str | None
    newest: str | None
    newer: tuple[str, ...] | None
    releases_error: str
    series: Path
    patches: tuple[PatchHealth, ...]
    patches_version: str | None
    pending: PendingSync | None
    shim: ShimState
    patch_metadata: tuple[PatchMetadata, ...] = ()
    extensions: LastRun | None = None
    bot: BotRecord | None = None

    @property
    def waiting(self) -> bool:
        """True when a sync stopped on conflicts and waits for ``--continue``/``--abort``."""
        return self.state == UpstreamState.WAITING


def status(config: UpstreamConfig, *, offline: bool = False) -> UpstreamStatus:
    """Where the fork of ``config`` stands. Changes nothing anywhere.

    Args:
        offline: do not list the source's releases (``newer`` and ``newest`` are None).

    Raises:
        ForktoolError: the definition is invalid (lock file, series); an unreachable
            source is not an error, it is recorded in ``releases_error``.
    """
    lock = lockfile.read(config.lock_path)
    integrated = lock.version if lock else None
    listed = series_mod.load(config.root, config.name)
    repo = find_fork(config)
    fork = _fork_state(config, repo)
    pending = _pending(config, repo)
    recorded_version, recorded = recorded_health(config)
    health = {h.name: h for h in recorded}
    patches = tuple(
        health.get(p.name, PatchHealth(p.name, p.kind, PatchStatus.NOT_APPLIED))
        for p in listed.patches
    )
    newest: str | None = None
    newer: tuple[str, ...] | None = None
    error = ""
    if not offline:
        try:
            releases = upstream.list_releases(config)
        except ForktoolError as exc:
            error = redact(exc.message)
        else:
            newest = releases[-1].version if releases else None
            newer = tuple(
                r.version
                for r in releases
                if integrated is None or Version(r.version) > Version(integrated)
            )
    source = config.source
    return UpstreamStatus(
        upstream=config.name,
        state=_overall(integrated, newer, pending),
        source_type="git" if isinstance(source, GitSource) else "pypi",
        source=redact(source.url) if isinstance(source, GitSource) else source.project,
        index="" if isinstance(source, GitSource) else redact(source.index),
        fork=fork,
        integrated=integrated,
        integrated_commit=lock.upstream_commit if lock else None,
        newest=newest,
        newer=newer,
        releases_error=error,
        series=series_mod.series_path(config.root, config.name),
        patches=patches,
        patches_version=recorded_version,
        pending=pending,
        shim=shim_state(config, integrated),
        patch_metadata=tuple(metadata.read(p) for p in listed.patches),
        extensions=last_run(state.state_dir(repo), config.name) if repo else None,
        bot=read_bot_record(repo, config.name) if repo else None,
    )


def recorded_health(config: UpstreamConfig) -> tuple[str | None, list[PatchHealth]]:
    """The release the last recorded series health is from (None: none recorded), and
    that health (see :func:`forktool.records.state.read_health`)."""
    repo = find_fork(config)
    if repo is None:
        return None, []
    path = state.state_dir(repo) / f"{config.name}.series.json"
    if not path.exists():
        return None, []
    version = json.loads(path.read_text(encoding="utf-8")).get("version")
    return (str(version) if version else None), state.read_health(config)


def _fork_state(config: UpstreamConfig, repo: GitRepo | None) -> ForkState:
    if repo is None:
        return ForkState(config.fork_path, False, config.fork_branch)
    dirty = tuple(repo.dirty_paths()) if repo.has_commits() else ()
    return ForkState(
        path=config.fork_path,
        exists=True,
        branch=config.fork_branch,
        checked_out=repo.current_branch() or "",
        head=repo.resolve("HEAD") or "",
        clean=not dirty,
        dirty=dirty,
    )


def _pending(config: UpstreamConfig, repo: GitRepo | None) -> PendingSync | None:
    record = intent.read_pending(repo, config.name) if repo else None
    if repo is None or record is None:
        return None
    name = config.name
    abort = intent.abort_command(name)
    if record.patch_conflict is not None:
        patch = record.patch_conflict.patch
        worktree = Path(record.patch_conflict.worktree)
        checkout = GitRepo(worktree) if (worktree / ".git").exists() else None
        unresolved = _unresolved(checkout, record.conflicts) if checkout else ()
        return PendingSync(
            stage=intent.Stage.PATCH,
            version=record.version,
            conflicts=tuple(record.conflicts),
            unresolved=unresolved,
            patch=patch,
            resolve_in=worktree,
            interrupted=record.interrupted,
            next_steps=intent.way_out(record),
            abort=abort,
        )
    return PendingSync(
        stage=intent.Stage.MERGE,
        version=record.version,
        conflicts=tuple(record.conflicts),
        unresolved=_unresolved(repo, record.conflicts),
        patch="",
        resolve_in=repo.path,
        interrupted=record.interrupted,
        next_steps=intent.way_out(record),
        abort=abort,
    )


def _unresolved(repo: GitRepo, conflicts: list[str]) -> tuple[str, ...]:
    """The paths not resolved yet: unmerged, or ``conflicts`` whose file still holds
    conflict markers (``git add`` of such a file is not a resolution)."""
    unmerged = repo.unmerged_paths()
    marked = repo.marked_paths(path for path in conflicts if path not in unmerged)
    return tuple(sorted({*unmerged, *marked}))


def _overall(
    integrated: str | None, newer: tuple[str, ...] | None, pending: PendingSync | None
) -> UpstreamState:
    if pending is not None:
        return UpstreamState.INTERRUPTED if pending.interrupted else UpstreamState.WAITING
    if integrated is None:
        return UpstreamState.NOT_SYNCED
    if newer is None:
        return UpstreamState.UNKNOWN
    return UpstreamState.BEHIND if newer else UpstreamState.UP_TO_DATE


def shim_state(config: UpstreamConfig, integrated: str | None) -> ShimState:
    """The shim wheel in ``config.shim_out`` against the one ``integrated`` should have.

    The expected version is ``[shim] version``, else the integrated release with the fork
    distribution as local label (see :func:`forktool.shims.default_shim_version`). Wheels
    are found by the original distribution's name; their version comes from the file name.
    """
    out = config.shim_out
    pairs = list(config.rename.distributions.items())
    if not pairs or out is None:
        return ShimState(out, "", None, None, None, "not-configured")
    wheels = {
        old: sorted(_wheels(out, old).items(), key=lambda item: _sort_key(item[0]))
        for old, _ in pairs
    }
    old, new = next(((o, n) for o, n in pairs if wheels[o]), pairs[0])
    found = wheels[old]
    expected = _expected_version(config, integrated, new)
    match = next(((v, p) for v, p in found if expected and _same(v, expected)), None)
    version, wheel = match or (found[-1] if found else (None, None))
    if integrated is None:
        verdict = "not-synced"
    elif match:
        verdict = "current"
    else:
        verdict = "stale" if found else "missing"
    return ShimState(out, old, wheel, version, expected, verdict)


def _wheels(out: Path, distribution: str) -> dict[str, Path]:
    """Version -> wheel file of ``distribution`` in ``out``."""
    stem = canonicalize_name(distribution).replace("-", "_")
    pattern = re.compile(rf"^{re.escape(stem)}-([^-]+)-py3-none-any\.whl$", re.IGNORECASE)
    found: dict[str, Path] = {}
    if out.is_dir():
        for path in out.iterdir():
            matched = pattern.match(path.name)
            if matched and path.is_file():
                found[matched.group(1)] = path
    return found


def pinned_version(config: UpstreamConfig, integrated: str) -> str:
    """The fork version the shim pins for ``integrated``: that version; but for a commit
    between releases whose tree declares a version of its own (a static ``version =
    "3.2.0.dev"`` in ``pyproject.toml``), the declared one, which the fork installs as.
    Reads the fork's checkout."""
    if not is_between_releases(integrated):
        return integrated
    with contextlib.suppress(ForktoolError, OSError):
        declared = ForkMetadata.read(Source.of(config.fork_path)).version
        if declared:
            return declared
    return integrated


def _expected_version(config: UpstreamConfig, integrated: str | None, fork_dist: str) -> str | None:
    if integrated is None:
        return None
    try:
        if config.shim_version:
            return str(Version(config.shim_version))
        return default_shim_version(str(Version(pinned_version(config, integrated))), fork_dist)
    except InvalidVersion:
        return config.shim_version or None


def _same(a: str, b: str) -> bool:
    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return a == b


def _sort_key(version: str) -> tuple[int, Version | str]:
    try:
        return (1, Version(version))
    except InvalidVersion:
        return (0, version)
