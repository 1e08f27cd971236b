"""``forktool sync`` and ``forktool check``: integrate a release, or tell whether it would."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from forktool import config as config_mod
from forktool import perf
from forktool.cli import views
from forktool.cli.group import main
from forktool.cli.kept_reports import Keeper
from forktool.cli.output import EXIT_CONFLICT, EXIT_ERROR, out, show_error, show_progress
from forktool.conflicts.collect import ConflictReport, collect_merge
from forktool.conflicts.render import to_markdown
from forktool.conflicts.share import shareable
from forktool.errors import ForktoolError
from forktool.records import lockfile
from forktool.sync.check import CheckResult, check
from forktool.sync.orchestrator import (
    ReleaseDone,
    SyncResult,
    abort_sync,
    continue_sync,
    is_waiting,
    sync,
    sync_each,
    sync_each_commit,
)
from forktool.sync.writerlock import exclusive


@main.command("sync")
@click.argument("upstream_name", metavar="[UPSTREAM]", required=False)
@click.option(
    "--to", "to", metavar="REF",
    help="Release to integrate (default: newest); for a git upstream also a branch, tag or "
    "commit id.",
)  # fmt: skip
@click.option(
    "--continue", "continue_", is_flag=True, help="Finish a sync after resolving conflicts."
)
@click.option("--abort", is_flag=True, help="Undo a sync that stopped on conflicts.")
@click.option(
    "--each", is_flag=True,
    help="Integrate one release at a time up to the target; stop at the first that conflicts.",
)  # fmt: skip
@click.option(
    "--each-commit", is_flag=True,
    help="Git upstreams: integrate one upstream commit at a time up to the target (first "
    "parents); stop at the first that conflicts.",
)  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.option("--wait", is_flag=True, help="Wait for another forktool on this fork to finish.")
@click.pass_obj
def sync_command(
    root: Path | None,
    upstream_name: str | None,
    to: str | None,
    continue_: bool,
    abort: bool,
    each: bool,
    each_commit: bool,
    as_json: bool,
    wait: bool,
) -> None:
    """Import, rename and three-way merge an upstream release into the fork.

    With no UPSTREAM, every upstream under upstream/ is synced.

    Examples:

    \b
      forktool sync                   every upstream, to its newest release
      forktool sync flask --to 3.1.3  one upstream, to a given release
      forktool sync flask --each      one release at a time; stop at the first conflict
      forktool sync flask --to main   a git upstream's branch (or a commit id)
      forktool sync flask --each-commit --to main
                                      one upstream commit at a time; stop at the first
                                      conflict
      forktool sync flask --continue  after resolving the conflicts and git add
      forktool sync flask --abort     undo the stopped sync
      forktool sync flask --wait      queue behind another forktool on this fork
      forktool sync --json            results as JSON (docs/json.md)
    """
    if continue_ and abort:
        raise ForktoolError("--continue and --abort exclude each other", "pick one")
    if each and each_commit:
        raise ForktoolError("--each and --each-commit exclude each other", "pick one")
    if (to or each or each_commit) and (continue_ or abort):
        raise ForktoolError(
            "--to, --each and --each-commit do not go with --continue or --abort", "drop them"
        )
    definition = config_mod.definition_root(root)
    names = [upstream_name] if upstream_name else config_mod.upstream_names(definition)
    configs = [config_mod.load(definition, name) for name in names]
    if (to or each_commit) and len(configs) > 1:
        option = "--to" if to else "--each-commit"
        raise ForktoolError(f"{option} needs an UPSTREAM when several are defined", "name one")
    if (continue_ or abort) and not upstream_name:
        configs = [cfg for cfg in configs if is_waiting(cfg)] or configs[:1]

    results: list[SyncResult] = []
    shown: list[SyncResult] = []  # printed as they came (sync --each)
    errors: list[tuple[str, ForktoolError]] = []
    for cfg in configs:
        try:
            with exclusive(cfg, wait=wait), show_progress(as_json) as progress:
                keeper = Keeper(cfg, continuing=continue_)
                if continue_:
                    done = [continue_sync(cfg, progress)]
                elif abort:
                    done = [abort_sync(cfg)]
                elif each:
                    done = sync_each(cfg, to, progress, each_shown(as_json, shown, keeper))
                elif each_commit:
                    shower = each_shown(as_json, shown, keeper)
                    done = sync_each_commit(cfg, to, progress, shower)
                else:
                    done = [sync(cfg, to, progress)]
                with perf.step("keep the sync's report"):
                    for result in done:
                        keeper.keep(result)
        except ForktoolError as exc:
            if len(configs) == 1:
                raise
            show_error(exc)  # go on with the other upstreams; exit 2 at the end
            errors.append((cfg.name, exc))
            continue
        results.extend(done)
        if not as_json:
            for result in done:
                if not any(result is seen for seen in shown):
                    views.render_sync(out, result)
    if as_json:
        click.echo(views.dumps(results, errors))
    if errors:
        sys.exit(EXIT_ERROR)
    if any(r.status.waits for r in results):
        sys.exit(EXIT_CONFLICT)


def each_shown(as_json: bool, shown: list[SyncResult], keeper: Keeper) -> ReleaseDone:
    """What ``sync --each`` (``--each-commit``) does after each release (commit): keep its
    report, print ``release 3 of 7: <version>`` (``commit 3 of 7: <version> (<id>
    <subject>)``) and its result at once (nothing under ``--json``), adding the result to
    ``shown``."""

    def show(position: int, total: int, result: SyncResult) -> None:
        keeper.keep(result)
        if as_json:
            return
        views.render_release(out, position, total, result)
        shown.append(result)

    return show


@main.command("check")
@click.argument("upstream_name", metavar="[UPSTREAM]", required=False)
@click.option(
    "--to", "to", metavar="REF",
    help="Release to check (default: newest); for a git upstream also a branch, tag or "
    "commit id.",
)  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.option(
    "--format", "fmt", type=click.Choice(["markdown", "json"]),
    help="Print the full conflict report of the would-be merge (docs/conflict-report.md).",
)  # fmt: skip
@click.pass_obj
def check_command(
    root: Path | None, upstream_name: str | None, to: str | None, as_json: bool, fmt: str | None
) -> None:
    """Tell whether the newest release would integrate cleanly; change nothing.

    Exit code 0: up to date or clean; 1: it would conflict; 2: error. For scheduled CI.

    Examples:

    \b
      forktool check flask             would the newest release merge cleanly?
      forktool check flask --to 3.1.3  would 3.1.3?
      forktool check flask --to main   would upstream's main branch (git upstreams)?
      forktool check --json            every upstream, as JSON (docs/json.md)
      forktool check flask --format markdown
                                       the conflict report it would stop on, for CI
    """
    if as_json and fmt == "markdown":
        raise ForktoolError("--json and --format markdown exclude each other", "pick one")
    results: list[CheckResult] = []
    reports: list[ConflictReport | None] = []
    definition = config_mod.definition_root(root)
    names = [upstream_name] if upstream_name else config_mod.upstream_names(definition)
    for name in names:
        cfg = config_mod.load(definition, name)
        with exclusive(cfg, wait=True), show_progress(as_json or fmt is not None) as progress:
            results.append(check(cfg, to, progress))
            reports.append(_would_be(cfg, results[-1]) if fmt else None)
    if fmt == "json":
        click.echo(views.check_report_json(results, reports))
    elif fmt == "markdown":
        click.echo(check_markdown(results, reports, definition), nl=False)
    elif as_json:
        click.echo(views.check_json(results))
    else:
        for result in results:
            views.render_check(out, result)
    if any(r.status.waits for r in results):
        sys.exit(EXIT_CONFLICT)


def _would_be(cfg: config_mod.UpstreamConfig, result: CheckResult) -> ConflictReport | None:
    """The conflict report of the merge ``result`` computed in memory (None: none was)."""
    if result.merge is None:
        return None
    return collect_merge(cfg, result.merge, lockfile.read(cfg.lock_path), result.patches)


def check_markdown(
    results: list[CheckResult], reports: list[ConflictReport | None], definition: Path
) -> str:
    """``forktool check --format markdown``: each upstream's check headline, then the
    conflict report of its would-be merge (paths relative to ``definition``)."""
    parts = []
    for result, report in zip(results, reports, strict=True):
        parts.append(f"**{views.check_headline(result)}**\n")
        if result.in_the_way:
            refused, why = views.in_the_way_text(f"`{result.in_the_way}`")
            parts.append(f"{refused.capitalize()}: {why}.\n")
        if report is not None and report.entries:
            parts.append(to_markdown(shareable(report, definition)))
    return "\n".join(parts)
