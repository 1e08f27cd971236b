"""Render sync results for people (rich) and programs (JSON). No decisions are made here."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from forktool.conflicts.collect import ConflictReport
from forktool.conflicts.render import print_wrapped, report_dict
from forktool.conflicts.resolve import Resolution
from forktool.errors import ForktoolError
from forktool.extensions import report as extensions_report
from forktool.model import Evidence, Leftover, PatchHealth, PatchStatus
from forktool.patches.metadata import PatchMetadata
from forktool.records import intent
from forktool.records.intent import Stage
from forktool.shims import ShimPlan
from forktool.sync.check import CheckResult, CheckStatus
from forktool.sync.orchestrator import SyncResult, SyncStatus
from forktool.sync.replay import ReleaseHealth
from forktool.sync.status import UpstreamStatus
from forktool.transform.on_disk import RenamePlan
from forktool.upstream.gitsource import is_between_releases
from forktool.upstream.urlauth import redact

_HEADLINES = {
    SyncStatus.UP_TO_DATE: "[green]{u}[/] is up to date at {v}",
    SyncStatus.CREATED: "[green]{u}[/]: created the fork at {v}",
    SyncStatus.MERGED: "[green]{u}[/]: integrated {v}" + " (was {p})",
    SyncStatus.CONFLICT: "[yellow]{u}[/]: {v} conflicts with the fork in {paths}",
    SyncStatus.PATCH_CONFLICT: "[yellow]{u}[/]: a patch of the series conflicts with {v}",
    SyncStatus.ABORTED: "[green]{u}[/]: sync of {x} aborted; the fork is back at {v}",
}


def render_sync(console: Console, result: SyncResult) -> None:
    """Print ``result`` for a person: a headline, then what to look at or do next."""
    template = _HEADLINES[result.status]
    if result.status == SyncStatus.MERGED and result.previous == result.version:
        template = "[green]{u}[/]: integrated the changed patch series on {v}"
    headline = template.format(
        u=result.upstream, v=result.version or "no release", p=result.previous,
        n=len(result.conflicts), x=result.undone, paths=_count(len(result.conflicts), "path"),
    )  # fmt: skip
    print_wrapped(console, headline.replace(" (was None)", ""))
    between = is_between_releases(result.version) and not result.each_commits
    if between and result.status in (SyncStatus.CREATED, SyncStatus.MERGED, SyncStatus.CONFLICT):
        _plain(console, f"  upstream commit: {_commit_line(result)}")
    if result.status in (SyncStatus.CREATED, SyncStatus.MERGED):
        _plain(console, f"  fork repository: {result.fork_repository}")
        _plain(console, f"  fork commit:     {result.fork[:12]}")
        _plain(console, f"  shim:            {result.shim.wheel or result.shim.note}")
    if result.leftovers:
        counts = ", ".join(f"{n} {reason}" for reason, n in sorted(result.leftovers.items()))
        _plain(
            console,
            f"  old names left in place: {counts} "
            f"(list them: forktool leftovers {result.upstream})",
        )
    for path in result.reused:
        _plain(console, f"  resolved with a recorded resolution (rerere): {path}")
    if result.patches:
        render_health(console, result.patches)
    if result.failures:
        console.print(f"  [yellow]{len(result.failures)} files carried over untransformed:[/]")
        for path, reason in sorted(result.failures.items()):
            _plain(console, f"    {path}: {reason}")
    if result.status == SyncStatus.PATCH_CONFLICT:
        if not result.conflicts:
            detail = next(
                (h.detail for h in result.patches if h.status == PatchStatus.CONFLICT), ""
            )
            _plain(console, f"  {_conflicting_patch(result)} cannot be merged: {detail}")
            _plain(console, f"  make its change by hand in {result.patch_worktree}")
        for path in result.conflicts:
            console.print(f"  [red]conflict[/] {escape(path)}", soft_wrap=True, highlight=False)
        _plain(
            console,
            f"  resolve them in {result.patch_worktree} ('git status' there lists them), then "
            f"run '{intent.refresh_command(result.upstream, _conflicting_patch(result))}' and "
            f"'{intent.continue_command(result.upstream)}' (or '--abort' to undo the sync)",
        )
    if result.status == SyncStatus.CONFLICT:
        for path in result.conflicts:
            console.print(f"  [red]conflict[/] {escape(path)}", soft_wrap=True, highlight=False)
        _plain(console, f"  conflicts written to {result.conflicts_file}")
        _plain(
            console,
            f"  resolve them in {result.fork_repository} ('git status' lists them), 'git add' "
            f"each, then run '{intent.continue_command(result.upstream)}' "
            "(or '--abort' to undo the sync)",
        )
    if result.remaining:
        _plain(console, f"  {_each_remaining(result)}")
    if result.status.waits:
        _plain(console, f"  see the conflict report: {report_command(result.upstream)}")


def _commit_line(result: SyncResult) -> str:
    """``<short id> <subject>`` of the upstream commit ``result`` integrates."""
    return f"{result.upstream_commit[:12]} {result.upstream_subject}".strip()


def _each_remaining(result: SyncResult) -> str:
    """What ``sync --each`` (``--each-commit``) has still to do after ``result``'s
    release (commit), and the command."""
    if result.each_commits:
        option, count = "--each-commit", _count(len(result.remaining), "more commit")
    else:
        option, count = "--each", _count(len(result.remaining), "more release", "more releases")
    command = f"forktool sync {result.upstream} {option} --to {result.remaining[-1]}"
    then = "after '--continue', run" if result.status.waits else "run"
    return f"sync {option} has {count} to go ({_versions(result.remaining)}): {then} '{command}'"


def render_release(console: Console, position: int, total: int, result: SyncResult) -> None:
    """Print one release of ``sync --each``: ``release 3 of 7: <version>``, then its
    result; one commit of ``sync --each-commit``: ``commit 3 of 7: <version> (<id>
    <subject>)``."""
    if result.each_commits:
        line = f"commit {position} of {total}: {result.upstream} {result.version}"
        if result.upstream_commit:
            line += f" ({_commit_line(result)})"
    else:
        line = f"release {position} of {total}: {result.upstream} {result.version}"
    _plain(console, line)
    render_sync(console, result)


def report_command(upstream: str) -> str:
    """The command that explains a stopped sync of ``upstream``."""
    return f"forktool report {upstream}"


def _conflicting_patch(result: SyncResult) -> str:
    return next((h.name for h in result.patches if h.status == PatchStatus.CONFLICT), "<patch>")


def _plain(console: Console, text: str) -> None:
    """Print text that may hold paths: no markup, no highlighting, wrapped between words
    on a terminal (:func:`~forktool.conflicts.render.print_wrapped`)."""
    print_wrapped(console, Text(text))


def sync_json(result: SyncResult) -> dict[str, Any]:
    """``result`` as a JSON-ready dict (paths as strings)."""
    data = asdict(result)
    data["fork_repository"] = str(result.fork_repository)
    data["conflicts_file"] = str(result.conflicts_file) if result.conflicts_file else None
    data["patch_worktree"] = str(result.patch_worktree) if result.patch_worktree else None
    data["shim"] = str(result.shim.wheel) if result.shim.wheel else None
    data["shim_note"] = result.shim.note
    data["conflicts"] = list(result.conflicts)
    data["remaining"] = list(result.remaining)
    return data


def dumps(results: list[SyncResult], errors: Sequence[tuple[str, ForktoolError]] = ()) -> str:
    """The JSON document printed by ``sync --json``: ``{"schema": 1, "command": "sync",
    "results": [...], "errors": [{"upstream", "message", "hint"}]}`` (``errors``: the
    upstreams that failed while others were synced)."""
    failed = [{"upstream": name, **_error(exc)} for name, exc in errors]
    return json.dumps(
        {
            "schema": 1,
            "command": "sync",
            "results": [sync_json(r) for r in results],
            "errors": failed,
        },
        indent=2,
    )


def render_leftovers(
    console: Console,
    leftovers: Sequence[Leftover],
    failures: Mapping[str, str],
    limit: int | None = None,
    evidence: Sequence[Evidence] = (),
) -> None:
    """Print leftovers as ``path:line: kind (reason) text`` lines (a string left at a call
    of a function that takes a module name elsewhere: with an ``evidence:`` line under
    it), the strings renamed as module names on evidence, then untransformed files.

    Args:
        limit: print at most this many leftovers, and as many renamed strings (None:
            all), then say how many more.
        evidence: :attr:`~forktool.model.TransformResult.evidence`.
    """
    left: dict[tuple[str, int], list[str]] = {}
    for found in evidence:
        if not found.renamed:
            left.setdefault((found.path, found.line), []).append(found.evidence)
    shown = leftovers if limit is None else leftovers[:limit]
    explained: set[tuple[str, int]] = set()
    for item in shown:
        where = f"{item.path}:{item.line}" if item.line else item.path
        _plain(console, f"{where}: {item.kind} ({item.reason}) {item.text.strip()}")
        if item.kind == "string" and (item.path, item.line) not in explained:
            explained.add((item.path, item.line))
            for text in left.get((item.path, item.line), ()):
                _plain(console, f"  evidence: {text}")
    if len(leftovers) > len(shown):
        _plain(console, f"... and {len(leftovers) - len(shown)} more (--json lists all)")
    renamed = [found for found in evidence if found.renamed]
    for found in renamed if limit is None else renamed[:limit]:
        _plain(console, f"{found.path}:{found.line}: string (renamed as a module name) "
                        f"{found.text}")  # fmt: skip
        _plain(console, f"  evidence: {found.evidence}")
    if limit is not None and len(renamed) > limit:
        _plain(console, f"... and {len(renamed) - limit} more renamed (--json lists all)")
    for path, reason in sorted(failures.items()):
        _plain(console, f"{path}: not transformed: {reason}")
    counts = Counter(item.reason for item in leftovers)
    summary = ", ".join(f"{n} {reason}" for reason, n in sorted(counts.items())) or "none"
    _plain(console, f"{len(leftovers)} old-name occurrences left ({summary}); "
                    f"{len(failures)} files not transformed")  # fmt: skip
    if renamed:
        _plain(console, f"{len(renamed)} strings renamed as module names on evidence")


def rename_json(plans: Sequence[RenamePlan], *, applied: bool) -> str:
    """The JSON printed by ``forktool rename --json``: ``{"schema": 1, "applied": bool,
    "targets": [{"root", "files", "changes": [{"old_path", "new_path"}], "leftovers": [...],
    "failures": {...}, "evidence": [...]}]}``."""
    targets = [
        {
            "root": str(plan.root),
            "files": plan.files,
            "changes": [{"old_path": c.old_path, "new_path": c.new_path} for c in plan.changes],
            "leftovers": [asdict(item) for item in plan.leftovers],
            "failures": plan.failures,
            "evidence": [asdict(item) for item in plan.evidence],
        }
        for plan in plans
    ]
    return json.dumps(
        {"schema": 1, "command": "rename", "applied": applied, "targets": targets}, indent=1
    )


_STATUS_STYLE = {
    PatchStatus.CLEAN: "green",
    PatchStatus.THREE_WAY: "cyan",
    PatchStatus.UPSTREAMED: "blue",
    PatchStatus.NO_MATCH: "yellow",
    PatchStatus.CONFLICT: "red",
    PatchStatus.ERROR: "bold red",
    PatchStatus.NOT_APPLIED: "dim",
}


def render_health(
    console: Console,
    health: Sequence[PatchHealth],
    title: str = "",
    metadata: Sequence[PatchMetadata] = (),
) -> None:
    """Print the patch series health as a table: patch, kind, status, detail.

    With ``metadata`` (one per patch, in the same order; ``patch list``), an ``origin``
    column (backport of what, the release it was made on) when some patch says either,
    and each patch's ``reason:``, ``forwarded:``, ``upstream PR:`` lines in its detail."""
    table = Table(title=title or None, title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("patch", no_wrap=True)
    table.add_column("kind", no_wrap=True)
    table.add_column("status", no_wrap=True)
    with_origin = any(meta.origin_line for meta in metadata)
    if with_origin:
        table.add_column("origin")
    table.add_column("detail", overflow="fold")
    for position, item in enumerate(health):
        style = _STATUS_STYLE.get(item.status, "dim")
        meta = _metadata_at(metadata, position)
        origin = [escape(meta.origin_line)] if with_origin else []
        table.add_row(
            escape(item.name),
            item.kind,
            f"[{style}]{item.status}[/]",
            *origin,
            escape(_detail_lines(item, meta)),
        )
    console.print(table)


def _metadata_at(metadata: Sequence[PatchMetadata], position: int) -> PatchMetadata:
    """The metadata of the patch at ``position`` (none when not given)."""
    return metadata[position] if position < len(metadata) else PatchMetadata()


def _detail_lines(item: PatchHealth, meta: PatchMetadata, *, origin: bool = False) -> str:
    """A patch's detail (or paths), then (with ``origin``) where it came from, then its
    metadata notes and problems, one a line."""
    lines = [item.detail or ", ".join(item.paths), meta.origin_line if origin else "", *meta.notes]
    lines += [f"header problem: {problem}" for problem in meta.problems]
    return "\n".join(line for line in lines if line)


def replay_json(rows: Sequence[ReleaseHealth], upstream: str = "") -> str:
    """The JSON printed by ``forktool patch replay --json``: ``{"schema": 1, "command":
    "patch replay", "upstream", "releases": [{"version", "patches": [{name, kind, status,
    detail, paths}]}]}``."""
    releases = [{"version": r.version, "patches": [asdict(h) for h in r.health]} for r in rows]
    return json.dumps(
        {"schema": 1, "command": "patch replay", "upstream": upstream, "releases": releases},
        indent=1,
    )


_CHECK_HEADLINES = {
    CheckStatus.UP_TO_DATE: "[green]{u}[/]: up to date at {i}",
    CheckStatus.CLEAN: "[green]{u}[/]: {c} would integrate cleanly (integrated: {i})",
    CheckStatus.CONFLICT: "[yellow]{u}[/]: {c} would conflict with the fork in {paths} "
    "(integrated: {i})",
    CheckStatus.PATCH_CONFLICT: "[yellow]{u}[/]: {c} would stop on a conflicting patch "
    "(integrated: {i})",
}


def in_the_way_text(path: str) -> tuple[str, str]:
    """What check says of :attr:`CheckResult.in_the_way` ``path``: (the warning, why and
    what to do), plain text for the terminal and for Markdown."""
    return (
        "a sync now would be refused",
        f"the file {path} in the fork's checkout holds what git does not track (an "
        "untracked or ignored file, or an edit hidden by update-index) where the merge "
        "writes — move it out of the way (or commit it)",
    )


def render_check(console: Console, result: CheckResult) -> None:
    """Print a check result: a headline, what would conflict, the series health."""
    print_wrapped(console, _check_markup(result))
    for path in result.conflicts:
        console.print(f"  [red]conflict[/] {escape(path)}", soft_wrap=True, highlight=False)
    if result.in_the_way:
        refused, why = in_the_way_text(result.in_the_way)
        print_wrapped(console, f"  [yellow]{refused}[/]: {escape(why)}")
    if result.patches:
        render_health(console, result.patches)


def check_json(results: Sequence[CheckResult]) -> str:
    """The JSON printed by ``forktool check --json``: ``{"schema": 1, "command": "check",
    "results": [{"upstream", "integrated", "candidate", "status", "conflicts", "patches",
    "upstream_commit", "in_the_way"}]}``."""
    shown = [{k: v for k, v in asdict(r).items() if k != "merge"} for r in results]
    return json.dumps({"schema": 1, "command": "check", "results": shown}, indent=1)


def check_report_json(
    results: Sequence[CheckResult], reports: Sequence[ConflictReport | None]
) -> str:
    """The JSON of ``forktool check --format json``: :func:`check_json`'s, each result with
    a ``report``: the conflict report of its would-be merge (docs/conflict-report.md),
    null when there is none (up to date, or a patch of the series would conflict)."""
    shown = [
        {
            **{k: v for k, v in asdict(r).items() if k != "merge"},
            "report": report_dict(report) if report else None,
        }
        for r, report in zip(results, reports, strict=True)
    ]
    return json.dumps(
        {"schema": 1, "command": "check", "results": shown}, indent=2, ensure_ascii=False
    )


def check_headline(result: CheckResult) -> str:
    """The check's headline as plain text (for Markdown)."""
    return Text.from_markup(_check_markup(result)).plain


def _check_markup(result: CheckResult) -> str:
    """The check's headline, rich markup."""
    return _CHECK_HEADLINES[result.status].format(
        u=result.upstream, c=result.candidate, i=result.integrated,
        paths=_count(len(result.conflicts), "path"),
    )  # fmt: skip


# -- JSON documents of the other commands (see docs/json.md) ------------------------------


def _error(exc: ForktoolError) -> dict[str, str]:
    """The error's message and hint, any password in a URL redacted."""
    return {"message": redact(exc.message), "hint": redact(exc.hint)}


def error_json(command: str, exc: ForktoolError) -> str:
    """What a command given ``--json`` prints on stdout when it fails (exit code 2):
    ``{"schema": 1, "command", "error": {"message", "hint"}}``."""
    return json.dumps({"schema": 1, "command": command, "error": _error(exc)}, indent=1)


def _default(value: object) -> str:
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _document(command: str, **fields: Any) -> str:
    """``{"schema": 1, "command": command, **fields}`` as indented JSON (paths as strings)."""
    return json.dumps({"schema": 1, "command": command, **fields}, indent=1, default=_default)


def leftovers_json(data: Mapping[str, Any], items: Sequence[Leftover]) -> str:
    """The JSON printed by ``forktool leftovers --json`` for one upstream: the recorded
    report (``<name>.leftovers.json``) with ``command`` added and ``leftovers`` filtered."""
    document = {"schema": data.get("schema", 1), "command": "leftovers", **data}
    document["leftovers"] = [asdict(item) for item in items]
    document.setdefault("evidence", [])  # a report written before forktool recorded it
    return json.dumps(document, indent=1)


def conflict_json(collected: ConflictReport) -> str:
    """The JSON of ``forktool report --json``: the conflict report of
    docs/conflict-report.md with ``command`` and ``waiting`` (true; false for a kept report,
    ``--release``, which has an ``outcome``) added after ``schema``."""
    data = report_dict(collected)
    waiting = collected.outcome is None  # a kept report says how it ended instead
    document = {"schema": data.pop("schema"), "command": "report", "waiting": waiting, **data}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def no_conflict_json(upstream: str) -> str:
    """``forktool report --json`` when no sync waits: ``{"schema": 1, "command": "report",
    "waiting": false, "upstream"}``."""
    return _document("report", waiting=False, upstream=upstream)


def status_json(statuses: Sequence[UpstreamStatus], *, offline: bool) -> str:
    """The JSON printed by ``forktool status --json``: ``{"schema": 1, "command": "status",
    "offline", "waiting", "upstreams": [...]}``, one object per upstream (see docs/json.md)."""
    upstreams = []
    for item in statuses:
        data = asdict(item)
        data["newer"] = list(item.newer) if item.newer is not None else None
        del data["patch_metadata"]
        data["patches"] = _with_metadata(item.patches, item.patch_metadata)
        upstreams.append(data)
    return _document(
        "status",
        offline=offline,
        waiting=any(item.waiting for item in statuses),
        upstreams=upstreams,
    )


def patch_list_json(
    upstream: str,
    series: Path,
    version: str | None,
    health: Sequence[PatchHealth],
    metadata: Sequence[PatchMetadata] = (),
) -> str:
    """The JSON printed by ``forktool patch list --json``: each patch's health with its
    ``metadata`` (:func:`_with_metadata`)."""
    return _document(
        "patch list",
        upstream=upstream,
        series=series,
        version=version,
        patches=_with_metadata(health, metadata),
    )


def _with_metadata(
    health: Sequence[PatchHealth], metadata: Sequence[PatchMetadata]
) -> list[dict[str, Any]]:
    """Each patch's health as a dict, with ``metadata``: ``{"origin", "backport_of",
    "base", "reason", "forwarded", "upstream_pr", "problems"}`` (docs/json.md, *Patch*)."""
    return [
        {**asdict(item), "metadata": asdict(_metadata_at(metadata, position))}
        for position, item in enumerate(health)
    ]


def patch_change_json(command: str, upstream: str, **fields: Any) -> str:
    """The JSON printed by ``forktool patch add|refresh|drop --json``."""
    return _document(command, upstream=upstream, **fields)


def shims_json(upstream: str, plan: ShimPlan, out_dir: Path, *, dry_run: bool) -> str:
    """The JSON printed by ``forktool shims --json``: what was (or would be) written."""
    return _document(
        "shims",
        upstream=upstream,
        dry_run=dry_run,
        distribution=plan.distribution,
        version=plan.version,
        requirement=plan.requirement,
        wheel=out_dir / plan.wheel_name,
        source_dir=out_dir / plan.source_dir_name,
        modules=list(plan.modules),
        files=list(plan.files),
        warnings=list(plan.warnings),
    )


# -- forktool status ----------------------------------------------------------------------


def _count(n: int, word: str, plural: str = "") -> str:
    return f"{n} {word if n == 1 else plural or word + 's'}"


def _versions(versions: Sequence[str]) -> str:
    if len(versions) <= 4:
        return ", ".join(versions)
    return f"{versions[0]} … {versions[-1]}"


def status_headline(item: UpstreamStatus) -> str:
    """One line (rich markup) saying where ``item`` stands."""
    name = f"[bold]{escape(item.upstream)}[/]"
    pending = item.pending
    if pending is not None and pending.interrupted:
        return (
            f"{name}: [yellow]interrupted[/]: a sync of {pending.version} was killed mid-merge "
            f"— the next '{escape(pending.next_steps[0])}' finishes or undoes it"
        )
    if pending is not None and pending.stage == Stage.PATCH:
        paths = f" in {_count(len(pending.conflicts), 'path')}" if pending.conflicts else ""
        return (
            f"{name}: [yellow]waiting[/]: patch {escape(pending.patch)} conflicts with "
            f"{pending.version}{paths} — resolve, then "
            + " and ".join(escape(step) for step in pending.next_steps)
        )
    if pending is not None:
        return (
            f"{name}: [yellow]waiting[/]: sync to {pending.version} stopped on conflicts in "
            f"{_count(len(pending.conflicts), 'path')} — resolve, then "
            f"{escape(pending.next_steps[0])}"
        )
    if item.integrated is None:
        newest = f"; newest release {item.newest}" if item.newest else ""
        return f"{name}: not synced yet{newest} — run forktool sync {escape(item.upstream)}"
    at = item.integrated
    if is_between_releases(at) and item.integrated_commit:
        at += f" (upstream commit {item.integrated_commit[:12]}, between releases)"
    if item.newer is None:
        why = escape(item.releases_error) if item.releases_error else "--offline"
        return f"{name}: at {at} (newer releases not listed: {why})"
    if not item.newer:
        return f"{name}: [green]up to date[/] at {at}"
    return (
        f"{name}: at {at}, [yellow]{_count(len(item.newer), 'newer release')}[/] "
        f"({_versions(item.newer)})"
    )


def render_status(console: Console, item: UpstreamStatus) -> None:
    """Print where one upstream stands: a headline, then source, fork, pending conflicts,
    the patch series and the shim, one block."""
    console.print(status_headline(item), soft_wrap=True, highlight=False)
    where = item.source if item.source_type == "git" else f"{item.source} on {item.index}"
    _plain(console, f"  source   {item.source_type}: {where}")
    if item.pending is not None or (item.integrated is None and item.newer is None):
        _plain(console, f"  releases {_releases_line(item)}")
    _plain(console, f"  fork     {_fork_line(item)}")
    pending = item.pending
    if pending is not None and not pending.interrupted:
        unresolved = set(pending.unresolved)
        for path in pending.conflicts:
            mark = "[red]conflict[/]" if path in unresolved else "[green]resolved[/]"
            console.print(f"    {mark} {escape(path)}", soft_wrap=True, highlight=False)
        _plain(console, f"    resolve in {pending.resolve_in}; undo the sync: {pending.abort}")
    if item.patches:
        recorded = f"health as of {item.patches_version}" if item.patches_version else "no sync yet"
        _plain(console, f"  patches  {_count(len(item.patches), 'patch', 'patches')} ({recorded}):")
        table = Table(box=None, show_header=False, padding=(0, 2, 0, 0), pad_edge=False)
        table.add_column("patch", no_wrap=True)
        table.add_column("kind", no_wrap=True)
        table.add_column("status", no_wrap=True)
        table.add_column("detail", overflow="fold")
        for position, patch in enumerate(item.patches):
            style = _STATUS_STYLE.get(patch.status, "dim")
            detail = _detail_lines(patch, _metadata_at(item.patch_metadata, position), origin=True)
            table.add_row(
                escape(patch.name), patch.kind, f"[{style}]{patch.status}[/]", escape(detail)
            )
        console.print(Padding(table, (0, 0, 0, 4), expand=False))
    else:
        _plain(console, f"  patches  none ({item.series})")
    _plain(console, f"  shim     {_shim_line(item)}")
    if item.extensions is not None:
        _plain(console, f"  extensions {_extensions_line(item)}")
    if item.bot is not None:
        _plain(console, f"  bot      {_bot_line(item)}")


def _bot_line(item: UpstreamStatus) -> str:
    """The last ``forktool ci run`` in one line: ``1.1: pull-request on origin
    (forktool/flask at 1a2b3c4d5e6f, pushed, 2026-05-01T05:23:00Z)``."""
    run = item.bot
    assert run is not None
    if not run.branch:
        what = f"{run.version}: {run.outcome}" if run.version else run.outcome
        return f"{what} ({run.at})"
    moved = "pushed" if run.pushed else "unchanged"
    return (
        f"{run.version}: {run.outcome} on {run.remote} ({run.branch} at {run.commit[:12]}, "
        f"{moved}, {run.at})"
    )


def _extensions_line(item: UpstreamStatus) -> str:
    """The last ``forktool extensions`` run in one line."""
    run = item.extensions
    assert run is not None
    counted = extensions_report.counted(run.totals)
    stale = "" if run.release == item.integrated else f", not the integrated {item.integrated}"
    return (
        f"{item.upstream} {run.release}: {', '.join(counted)} "
        f"(fork {run.fork_commit[:12]}, {run.started}{stale})"
    )


def _releases_line(item: UpstreamStatus) -> str:
    integrated = f"at {item.integrated}" if item.integrated else "nothing integrated"
    if item.newer is None:
        why = item.releases_error or "--offline"
        return f"{integrated}; newer releases not listed ({why})"
    if not item.newer:
        return f"{integrated}; no newer release"
    return f"{integrated}; {_count(len(item.newer), 'newer release')} ({_versions(item.newer)})"


def _fork_line(item: UpstreamStatus) -> str:
    fork = item.fork
    if not fork.exists:
        return f"{fork.path} (not created yet)"
    if fork.checked_out != fork.branch:
        on = f"on {fork.checked_out}" if fork.checked_out else "detached HEAD"
        branch = f"{on}, not {fork.branch}"
    else:
        branch = fork.branch
    if fork.clean:
        tree = "clean"
    else:
        tree = f"{_count(len(fork.dirty), 'uncommitted change')}, e.g. {fork.dirty[0]}"
    return f"{fork.path} ({branch}, {tree})"


def _shim_line(item: UpstreamStatus) -> str:
    shim = item.shim
    if shim.state == "not-configured":
        return "not configured (no [rename.distributions])"
    if shim.state == "not-synced":
        return "none yet (every sync writes it)"
    if shim.state == "current" and shim.wheel is not None:
        return f"{shim.wheel.name} (current) in {shim.out}"
    redo = f"run 'forktool shims {item.upstream}'"
    if shim.state == "stale" and shim.wheel is not None:
        return f"stale: {shim.wheel.name} in {shim.out}, expected {shim.expected} — {redo}"
    return f"missing: no {shim.distribution} wheel in {shim.out}, expected {shim.expected} — {redo}"


def resolve_next_step(resolution: Resolution, upstream: str) -> str:
    """One line after ``forktool resolve``: what is left, and the command that follows."""
    path, left = resolution.path, resolution.left
    if not resolution.staged:
        hunks = "1 hunk" if left == 1 else f"{left} hunks"
        them = "it" if left == 1 else "them"
        return f"{hunks} left in {path}: resolve {them}, then `git add {path}`"
    if resolution.unmerged:
        count = len(resolution.unmerged)
        paths = "1 conflicted path" if count == 1 else f"{count} conflicted paths"
        return (
            f"{paths} left: `forktool report {upstream}` explains {'it' if count == 1 else 'them'}"
        )
    return "every path is resolved: run " + " then ".join(f"`{c}`" for c in resolution.finish)


def render_resolution(console: Console, resolution: Resolution, upstream: str) -> None:
    """``forktool resolve``: one line per hunk put in place, then whether the file was
    staged and what follows."""
    for taken in resolution.taken:
        line = f"hunk {taken.number} (line {taken.line}): {taken.outcome}"
        console.print(line, highlight=False, markup=False, soft_wrap=True)
    staged = f"staged {resolution.path}" if resolution.staged else "not staged"
    console.print(
        f"{staged}; {resolve_next_step(resolution, upstream)}",
        highlight=False, markup=False, soft_wrap=True,
    )  # fmt: skip


def resolve_json(resolution: Resolution, upstream: str) -> str:
    """The JSON printed by ``forktool resolve --json``."""
    return _document(
        "resolve",
        upstream=upstream,
        path=resolution.path,
        file=resolution.file,
        take=resolution.take,
        hunks=[asdict(taken) for taken in resolution.taken],
        left=resolution.left,
        staged=resolution.staged,
        unmerged=list(resolution.unmerged),
        next_step=resolve_next_step(resolution, upstream),
    )
