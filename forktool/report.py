"""Render sync results for people (rich) and programs (JSON). No decisions are made here."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from forktool.check import CheckResult
from forktool.model import Leftover
from forktool.patches import PatchHealth
from forktool.rename import RenamePlan
from forktool.replay import ReleaseHealth
from forktool.sync import SyncResult

_HEADLINES = {
    "up-to-date": "[green]{u}[/] is up to date at {v}",
    "created": "[green]{u}[/]: created the fork at {v}",
    "merged": "[green]{u}[/]: integrated {v}" + " (was {p})",
    "conflict": "[yellow]{u}[/]: {v} conflicts with the fork in {n} paths",
    "patch-conflict": "[yellow]{u}[/]: a patch of the series conflicts with {v}",
    "aborted": "[green]{u}[/]: sync aborted; the fork is back at {v}",
}


def render_sync(console: Console, result: SyncResult) -> None:
    """Print ``result`` for a person: a headline, then what to look at or do next."""
    headline = _HEADLINES[result.status].format(
        u=result.upstream, v=result.version or "no release", p=result.previous,
        n=len(result.conflicts),
    )  # fmt: skip
    console.print(headline.replace(" (was None)", ""), soft_wrap=True)
    if result.status in {"created", "merged"}:
        _plain(console, f"  fork repository: {result.fork_repository}")
        _plain(console, f"  fork commit:     {result.fork[:12]}")
        _plain(console, f"  shim:            {result.shim or result.shim_note}")
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
    if result.status == "patch-conflict":
        if not result.conflicts:
            detail = next((h.detail for h in result.patches if h.status == "conflict"), "")
            _plain(console, f"  {_conflicting_patch(result)} cannot be merged: {detail}")
            _plain(console, f"  make its change by hand in {result.patch_worktree}")
        for path in result.conflicts:
            console.print(f"  [red]conflict[/] {escape(path)}", soft_wrap=True, highlight=False)
        _plain(
            console,
            f"  resolve them in {result.patch_worktree} ('git status' there lists them), then "
            f"run 'forktool patch refresh {_conflicting_patch(result)} --upstream "
            f"{result.upstream}' and "
            f"'forktool sync {result.upstream} --continue' (or '--abort' to undo the sync)",
        )
    if result.status == "conflict":
        for path in result.conflicts:
            console.print(f"  [red]conflict[/] {escape(path)}", soft_wrap=True, highlight=False)
        _plain(console, f"  conflicts written to {result.conflicts_file}")
        _plain(
            console,
            f"  resolve them in {result.fork_repository} ('git status' lists them), 'git add' "
            f"each, then run 'forktool sync {result.upstream} --continue' "
            "(or '--abort' to undo the sync)",
        )


def _conflicting_patch(result: SyncResult) -> str:
    return next((h.name for h in result.patches if h.status == "conflict"), "<patch>")


def _plain(console: Console, text: str) -> None:
    """Print text that may hold paths: no markup, no highlighting, no wrapping mid-path."""
    console.print(text, markup=False, highlight=False, soft_wrap=True)


def sync_json(result: SyncResult) -> dict[str, Any]:
    """``result`` as a JSON-ready dict (paths as strings)."""
    data = asdict(result)
    data["fork_repository"] = str(result.fork_repository)
    data["conflicts_file"] = str(result.conflicts_file) if result.conflicts_file else None
    data["patch_worktree"] = str(result.patch_worktree) if result.patch_worktree else None
    data["shim"] = str(result.shim) if result.shim else None
    data["conflicts"] = list(result.conflicts)
    return data


def dumps(results: list[SyncResult]) -> str:
    """The JSON document printed by ``--json``: ``{"schema": 1, "results": [...]}``."""
    return json.dumps({"schema": 1, "results": [sync_json(r) for r in results]}, indent=2)


def render_leftovers(
    console: Console,
    leftovers: Sequence[Leftover],
    failures: Mapping[str, str],
    limit: int | None = None,
) -> None:
    """Print leftovers as ``path:line: kind (reason) text`` lines, then untransformed files.

    Args:
        limit: print at most this many leftovers (None: all), then say how many more.
    """
    shown = leftovers if limit is None else leftovers[:limit]
    for item in shown:
        where = f"{item.path}:{item.line}" if item.line else item.path
        _plain(console, f"{where}: {item.kind} ({item.reason}) {item.text.strip()}")
    if len(leftovers) > len(shown):
        _plain(console, f"... and {len(leftovers) - len(shown)} more (--json lists all)")
    for path, reason in sorted(failures.items()):
        _plain(console, f"{path}: not transformed: {reason}")
    counts = Counter(item.reason for item in leftovers)
    summary = ", ".join(f"{n} {reason}" for reason, n in sorted(counts.items())) or "none"
    _plain(console, f"{len(leftovers)} old-name occurrences left ({summary}); "
                    f"{len(failures)} files not transformed")  # fmt: skip


def rename_json(plans: Sequence[RenamePlan], *, applied: bool) -> str:
    """The JSON printed by ``forktool rename --json``: ``{"schema": 1, "applied": bool,
    "targets": [{"root", "files", "changes": [{"old_path", "new_path"}], "leftovers": [...],
    "failures": {...}}]}``."""
    targets = [
        {
            "root": str(plan.root),
            "files": plan.files,
            "changes": [{"old_path": c.old_path, "new_path": c.new_path} for c in plan.changes],
            "leftovers": [asdict(item) for item in plan.leftovers],
            "failures": plan.failures,
        }
        for plan in plans
    ]
    return json.dumps({"schema": 1, "applied": applied, "targets": targets}, indent=1)


_STATUS_STYLE = {
    "clean": "green",
    "three-way": "cyan",
    "upstreamed": "blue",
    "no-match": "yellow",
    "conflict": "red",
    "error": "bold red",
}


def render_health(console: Console, health: Sequence[PatchHealth], title: str = "") -> None:
    """Print the patch series health as a table: patch, kind, status, detail."""
    table = Table(title=title or None, title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("patch", no_wrap=True)
    table.add_column("kind", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("detail", overflow="fold")
    for item in health:
        style = _STATUS_STYLE.get(item.status, "dim")
        detail = item.detail or ", ".join(item.paths)
        table.add_row(escape(item.name), item.kind, f"[{style}]{item.status}[/]", escape(detail))
    console.print(table)


def replay_json(rows: Sequence[ReleaseHealth]) -> str:
    """The JSON printed by ``forktool patch replay --json``: ``{"schema": 1, "releases":
    [{"version", "patches": [{name, kind, status, detail, paths}]}]}``."""
    releases = [{"version": r.version, "patches": [asdict(h) for h in r.health]} for r in rows]
    return json.dumps({"schema": 1, "releases": releases}, indent=1)


_CHECK_HEADLINES = {
    "up-to-date": "[green]{u}[/]: up to date at {i}",
    "clean": "[green]{u}[/]: {c} would integrate cleanly (integrated: {i})",
    "conflict": "[yellow]{u}[/]: {c} would conflict with the fork in {n} paths (integrated: {i})",
    "patch-conflict": "[yellow]{u}[/]: {c} would stop on a conflicting patch (integrated: {i})",
}


def render_check(console: Console, result: CheckResult) -> None:
    """Print a check result: a headline, what would conflict, the series health."""
    console.print(
        _CHECK_HEADLINES[result.status].format(
            u=result.upstream, c=result.candidate, i=result.integrated, n=len(result.conflicts)
        ),
        soft_wrap=True,
    )
    for path in result.conflicts:
        console.print(f"  [red]conflict[/] {escape(path)}", soft_wrap=True, highlight=False)
    if result.patches:
        render_health(console, result.patches)


def check_json(results: Sequence[CheckResult]) -> str:
    """The JSON printed by ``forktool check --json``: ``{"schema": 1, "results":
    [{"upstream", "integrated", "candidate", "status", "conflicts", "patches"}]}``."""
    return json.dumps({"schema": 1, "results": [asdict(r) for r in results]}, indent=1)
