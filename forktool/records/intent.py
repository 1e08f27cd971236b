"""The intent record of a sync: ``.git/forktool/<name>.pending.json``.

Written before a sync's merge starts and removed when the sync is finished or undone, it
names every ref the sync moves and every working-tree path its merge writes (with the blob
ids before and after), so :mod:`forktool.sync.recovery` can finish or undo the sync touching only
what forktool wrote. While it exists, a sync of that upstream is waiting (on conflicts) or
was interrupted.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from forktool.errors import RepositoryError
from forktool.git.repository import GitRepo
from forktool.records.state import state_dir, write_json


class Stage(StrEnum):
    """Where a stopped sync stands: its fork merge conflicted, or a diff patch of the
    series did (shown in a checkout of its own; nothing merged yet)."""

    MERGE = "merge"
    PATCH = "patch"


@dataclass(frozen=True)
class PatchConflict:
    """A diff patch of the series that conflicted, and where it is shown.

    Attributes:
        patch / patch_sha256: the conflicting patch and its file's digest at the time.
        worktree / patch_base: the checkout the conflict is shown in, and the commit (the
            release just before the patch) it is shown on.
    """

    patch: str
    patch_sha256: str
    worktree: str
    patch_base: str


@dataclass(frozen=True)
class Pending:
    """A sync stopped on conflicts, waiting for ``--continue`` or ``--abort``.

    Attributes:
        upstream: upstream name; version: the release being integrated.
        sha256 / upstream_commit: the release's source identity (None when not applicable).
        vendor / transformed: the release's vendor and transformed commits.
        fork_before: the fork branch commit before the merge started.
        refs_before: full ref name -> commit id ("" = did not exist) before the sync
            moved it, so ``--abort`` can put every ref back.
        conflicts: the unmerged paths when the sync stopped.
        patch_conflict: the diff patch that conflicted (stage ``patch``), else None.
        writes: what the merge writes into the fork's working tree, recorded before it
            starts: path -> [blob id before, blob id forktool writes, and for a
            conflicted file the blob git writes before forktool names its markers]
            ("" = no file). Undoing touches a path only while it holds one of those.
        each_remaining: the releases ``sync --each`` had still to integrate after this
            one, oldest first ([] when the sync was not one of ``--each``'s).
        each_commits: True when those are the upstream commits ``sync --each-commit``
            steps through (versions of commits between releases, and releases), False for
            ``--each``'s releases.
        series: the fingerprint of the patch series the transformed commit is built with
            (the lock file records it when the sync finishes; "" in older records).
    """

    upstream: str
    version: str
    sha256: str | None
    upstream_commit: str | None
    vendor: str
    transformed: str
    fork_before: str
    refs_before: dict[str, str]
    conflicts: list[str]
    patch_conflict: PatchConflict | None = None
    writes: dict[str, list[str]] = field(default_factory=dict)
    each_remaining: list[str] = field(default_factory=list)
    each_commits: bool = False
    series: str = ""

    @property
    def interrupted(self) -> bool:
        """True for a merge whose conflicts were never recorded: the sync was killed
        mid-merge (the next sync finishes or undoes it), not waiting on conflicts."""
        return self.patch_conflict is None and not self.conflicts

    @property
    def stage(self) -> Stage:
        """Whether the fork merge or a patch of the series conflicted."""
        return Stage.MERGE if self.patch_conflict is None else Stage.PATCH

    def to_json(self) -> dict[str, Any]:
        """The record as stored: one flat object, ``stage`` and the patch fields included."""
        # the fields as they are (asdict would copy every one of a release's writes first)
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "patch_conflict"}
        patch = asdict(self.patch_conflict) if self.patch_conflict else dict.fromkeys(_PATCH, "")
        # None as "" (as the lock file spells it): what older forktools read
        absent = {key: "" for key in ("sha256", "upstream_commit") if data[key] is None}
        return {**data, **absent, "stage": self.stage, **patch}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Pending:
        """The record from its stored form (see :meth:`to_json`).

        Raises:
            TypeError, KeyError: fields are missing or of the wrong type.
        """
        known = {f.name for f in fields(cls)} - {"patch_conflict"}
        patch = (
            PatchConflict(**{k: data[k] for k in _PATCH})
            if data.get("stage") == Stage.PATCH
            else None
        )
        record = cls(**{k: v for k, v in data.items() if k in known}, patch_conflict=patch)
        # records of older forktools spell an absent identity ""
        record = replace(
            record, sha256=record.sha256 or None, upstream_commit=record.upstream_commit or None
        )
        if not isinstance(record.writes, dict) or not isinstance(record.refs_before, dict):
            raise TypeError("writes and refs_before must be objects")
        if not all(isinstance(v, str) for v in record.each_remaining):
            raise TypeError("each_remaining must be a list of versions")
        if not isinstance(record.each_commits, bool):
            raise TypeError("each_commits must be a boolean")
        return record


_PATCH = tuple(f.name for f in fields(PatchConflict))


def pending_path(repo: GitRepo, name: str) -> Path:
    """Where the pending record of upstream ``name`` lives."""
    return state_dir(repo) / f"{name}.pending.json"


def conflicts_path(repo: GitRepo, name: str) -> Path:
    """Where the JSON list of conflicted paths of upstream ``name`` is written."""
    return state_dir(repo) / f"{name}.conflicts.json"


def read_pending(repo: GitRepo, name: str) -> Pending | None:
    """The pending record of ``name``, or None when no sync is waiting.

    Raises:
        RepositoryError: the record exists but is not one forktool wrote (truncated,
            edited, not JSON, a directory).
    """
    path = pending_path(repo, name)
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        pending = Pending.from_json(data)
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
        raise RepositoryError(
            f"forktool's record of a stopped sync, {path}, is damaged ({type(exc).__name__})",
            f"if no sync of {name} is waiting, delete that file and 'git status' the fork; "
            "forktool cannot tell what it wrote without it",
        ) from exc
    return pending


def write_pending(repo: GitRepo, pending: Pending) -> Path:
    """Save ``pending`` and the conflicts JSON (atomically); return the conflicts JSON path."""
    write_json(pending_path(repo, pending.upstream), pending.to_json())
    report = conflicts_path(repo, pending.upstream)
    write_json(
        report,
        {
            "upstream": pending.upstream,
            "version": pending.version,
            "fork_repository": str(repo.path),
            "conflicts": pending.conflicts,
        },
    )
    return report


def clear_pending(repo: GitRepo, name: str) -> None:
    """Remove the pending record and conflicts JSON of ``name`` (finished or undone)."""
    # The pending record marks a sync as waiting: it goes last, so a kill in between
    # leaves a record the next sync recovers rather than a stray conflicts file.
    conflicts_path(repo, name).unlink(missing_ok=True)
    pending_path(repo, name).unlink(missing_ok=True)


# The commands that get a fork out of a stopped sync: every message, status line and
# report names them through these, so their wording is decided here once.


def continue_command(upstream: str) -> str:
    """``forktool sync UPSTREAM --continue``: finish a sync whose conflicts are resolved."""
    return f"forktool sync {upstream} --continue"


def abort_command(upstream: str) -> str:
    """``forktool sync UPSTREAM --abort``: undo a stopped sync."""
    return f"forktool sync {upstream} --abort"


def refresh_command(upstream: str, patch: str) -> str:
    """``forktool patch refresh PATCH --upstream UPSTREAM``: rewrite a conflicting patch
    from its resolution."""
    return f"forktool patch refresh {patch} --upstream {upstream}"


def way_out(pending: Pending) -> tuple[str, ...]:
    """The commands that finish ``pending``'s sync, in order: after a patch conflict,
    refresh the patch then continue; after a merge conflict, continue; a sync killed
    mid-merge (no conflicts recorded) is settled by the next ``forktool sync``."""
    if pending.patch_conflict is not None:
        return (
            refresh_command(pending.upstream, pending.patch_conflict.patch),
            continue_command(pending.upstream),
        )
    if pending.interrupted:
        return (f"forktool sync {pending.upstream}",)
    return (continue_command(pending.upstream),)
