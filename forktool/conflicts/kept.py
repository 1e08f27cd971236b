"""The kept report of each sync of a release: ``.git/forktool/reports/<name>/<version>.json``.

The conflict report (``docs/conflict-report.md``) plus an ``outcome``: a sync that stops
keeps the report as collected then, with the blob id of each conflicted working-tree file
(markers and all); when the sync is finished (``--continue``, a recorded resolution, or a
clean merge) the report records how it ended and, per conflicted path, the diff from that
conflicted file to the committed merge's. ``forktool report --release`` shows it again.

Nothing here runs a sync: the CLI hands in the report it collected after a sync result came
back (``sync/`` may not import ``conflicts/``).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

from forktool.config import UpstreamConfig
from forktool.conflicts.changelog import ChangelogEntry
from forktool.conflicts.collect import (
    Commit,
    ConflictReport,
    Ending,
    Entry,
    EntryKind,
    Hunk,
    Outcome,
    PatchRef,
    Resolution,
    Side,
    SourceRepository,
)
from forktool.conflicts.render import report_dict
from forktool.conflicts.text import HunkKind
from forktool.errors import RepositoryError
from forktool.git.repository import GitRepo
from forktool.model import FileEntry, PatchKind, PatchStatus
from forktool.records import state
from forktool.records.intent import Stage
from forktool.upstream.repository import TreeDifference


def keep(repo: GitRepo, report: ConflictReport) -> Path:
    """Write ``report`` (with its outcome) as the kept report of its release."""
    path = state.kept_report_path(repo, report.upstream, report.version)
    state.write_json(path, report_dict(report))
    return path


def stopped(
    repo: GitRepo, report: ConflictReport, conflicted: Mapping[str, str], reused: Iterable[str]
) -> ConflictReport:
    """``report`` of a sync that stopped, with the outcome that says so: each blocking
    path with ``conflicted[path]``, the blob id of its file as the sync stopped ("": no
    file), and that file's text. ``reused`` paths were resolved by git's rerere already."""
    recorded = set(reused)
    paths = []
    for path in sorted({e.path for e in report.conflicts if e.path} | recorded):
        blob = conflicted.get(path, "")
        by = Ending.RECORDED if path in recorded else Ending.CONFLICT
        paths.append(Resolution(path, blob, by, conflicted_text=_text(repo, blob)))
    return replace(report, outcome=Outcome(Ending.CONFLICT, "", tuple(paths)))


def aborted(report: ConflictReport) -> ConflictReport:
    """``report``, kept when its sync stopped, now that ``--abort`` undid that sync: a
    later sync of the release is a new one, never taken for this one's resolution."""
    assert report.outcome is not None
    paths = tuple(replace(item, conflicted_text="") for item in report.outcome.paths)
    return replace(report, outcome=Outcome(Ending.ABORTED, "", paths))


def ended(repo: GitRepo, report: ConflictReport, fork: str) -> ConflictReport:
    """``report``, kept when its sync stopped, now that the merge is committed as ``fork``:
    resolved by hand when any path was, else by recorded resolution (clean: none
    conflicted), with each path's diff from the conflicted file to ``fork``'s."""
    before = report.outcome.paths if report.outcome else ()
    paths = tuple(
        replace(
            item,
            by=Ending.RECORDED if item.by == Ending.RECORDED else Ending.BY_HAND,
            diff=_diff(repo, item, fork),
            conflicted_text="",
        )
        for item in before
    )
    if not paths:
        status = Ending.CLEAN
    elif all(item.by == Ending.RECORDED for item in paths):
        status = Ending.RECORDED
    else:
        status = Ending.BY_HAND
    return replace(report, outcome=Outcome(status, fork, paths))


def read(config: UpstreamConfig, version: str) -> ConflictReport | None:
    """The kept report of ``version`` of ``config``'s upstream, None when there is none.

    Raises:
        RepositoryError: the file is not a report this forktool reads.
    """
    data = state.read_kept_report(config, version)
    if data is None:
        return None
    try:
        return from_dict(data)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise RepositoryError(
            f"the kept report of {config.name} {version} is not one this forktool reads "
            f"({type(exc).__name__}: {exc})",
            "delete it; the next sync of a release keeps a new one",
        ) from exc


def from_dict(data: dict[str, Any]) -> ConflictReport:
    """A report back from its JSON document (:func:`~forktool.conflicts.render.report_dict`)."""
    repository = data.get("repository")
    outcome = data.get("outcome")
    return ConflictReport(
        upstream=data["upstream"],
        version=data["version"],
        previous=data["previous"],
        stage=Stage(data["stage"]),
        source=data["source"],
        history=data["history"],
        fork_repository=Path(data["fork_repository"]),
        resolve_in=Path(data["resolve_in"]),
        entries=tuple(_entry(item) for item in data["entries"]),
        next_step=data["next_step"],
        patch=data.get("patch", ""),
        commit_url=data.get("commit_url", ""),
        repository=_repository(repository) if repository else None,
        changelog=data.get("changelog", ""),
        outcome=_outcome(outcome) if outcome else None,
    )


# -- helpers ------------------------------------------------------------------------------


def working_tree_blobs(repo: GitRepo, paths: Iterable[str]) -> dict[str, str]:
    """Blob ids of the working-tree files at ``paths`` (conflict markers and all), stored
    in the object store so the kept report can show them after the files change."""
    found = {}
    for path in paths:
        try:
            data = (repo.path / path).read_bytes()
        except OSError:
            continue  # no file (deleted on one side)
        entry = FileEntry(data)
        repo.store_blobs([entry])
        found[path] = entry.blob_id
    return found


def _text(repo: GitRepo, blob: str) -> str:
    """The text of ``blob`` ("" for no blob, or one that is not UTF-8 text)."""
    if not blob:
        return ""
    try:
        return repo.blob(blob).decode("utf-8")
    except (UnicodeDecodeError, ValueError):  # not text, or pruned by git gc
        return ""


def _diff(repo: GitRepo, item: Resolution, fork: str) -> str:
    """Unified diff of ``item``'s path from the file as its sync stopped (the kept text,
    else the blob) to its version in ``fork``."""
    old = item.conflicted_text or _text(repo, item.conflicted)
    new = repo.blob_at(fork, item.path) or b""
    lines = difflib.unified_diff(
        old.splitlines(keepends=True),
        new.decode("utf-8", "replace").splitlines(keepends=True),
        f"a/{item.path} (conflicted)",
        f"b/{item.path} (committed)",
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def _known(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    """The items of ``data`` that are fields of the dataclass ``cls``."""
    names = {f.name for f in fields(cls)}
    return {key: value for key, value in data.items() if key in names}


def _commits(items: list[dict[str, Any]]) -> tuple[Commit, ...]:
    return tuple(Commit(**_known(Commit, item)) for item in items)


def _side(data: dict[str, Any]) -> Side:
    return Side(**_known(Side, data))  # context ("before", "after") only in newer reports


def _hunk(data: dict[str, Any]) -> Hunk:
    return Hunk(
        line=data["line"],
        base=_side(data["base"]),
        fork=_side(data["fork"]),
        upstream=_side(data["upstream"]),
        upstream_commits=_commits(data.get("upstream_commits", [])),
        upstream_changes=tuple(data.get("upstream_changes", [])),
        fork_commits=_commits(data.get("fork_commits", [])),
        suggestion=data.get("suggestion", ""),
        kind=HunkKind(data.get("kind", HunkKind.SAME_LINES)),
        why=data.get("why", ""),
        proposed=data.get("proposed"),
        changelog=tuple(
            ChangelogEntry(e["version"], e["text"], e.get("security", False),
                           tuple(e.get("advisories", ())))
            for e in data.get("changelog", [])
        ),
        patches=_patches(data.get("patches", [])),
    )  # fmt: skip


def _entry(data: dict[str, Any]) -> Entry:
    return Entry(
        path=data["path"],
        upstream_path=data["upstream_path"],
        kind=EntryKind(data["kind"]),
        blocking=data["blocking"],
        detail=data["detail"],
        suggestion=data["suggestion"],
        hunks=tuple(_hunk(item) for item in data.get("hunks", [])),
        deleted_by=data.get("deleted_by", ""),
        upstream_commits=_commits(data.get("upstream_commits", [])),
        fork_commits=_commits(data.get("fork_commits", [])),
        patches=_patches(data.get("patches", [])),
    )


def _patches(items: list[dict[str, Any]]) -> tuple[PatchRef, ...]:
    return tuple(
        PatchRef(p["name"], PatchKind(p["kind"]), PatchStatus(p["status"]), p.get("detail", ""))
        for p in items
    )


def _repository(data: dict[str, Any]) -> SourceRepository:
    difference = data.get("sdist_vs_tag")
    return SourceRepository(
        url=data["url"],
        tags=dict(data.get("tags", {})),
        problem=data.get("problem", ""),
        sdist_vs_tag=TreeDifference(
            tuple(difference["only_in_sdist"]), tuple(difference["only_in_tag"]),
            tuple(difference["differing"]),
        ) if difference else None,
    )  # fmt: skip


def _outcome(data: dict[str, Any]) -> Outcome:
    return Outcome(
        status=Ending(data["status"]),
        fork=data.get("fork", ""),
        paths=tuple(
            Resolution(
                p["path"],
                p["conflicted"],
                Ending(p["by"]),
                p.get("diff", ""),
                p.get("conflicted_text", ""),
            )  # fmt: skip
            for p in data.get("paths", [])
        ),
    )
