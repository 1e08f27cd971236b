"""The command line: the only place that prints or exits.

Exit codes: 0 success, 1 conflicts waiting for resolution, 2 error (nothing changed).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import click
from rich.console import Console
from rich.markup import escape

from forktool import config as config_mod
from forktool import report
from forktool.errors import ForktoolError
from forktool.sync import Progress, SyncResult, abort_sync, continue_sync, is_waiting, sync

EXIT_OK, EXIT_CONFLICT, EXIT_ERROR = 0, 1, 2

out = Console()
err = Console(stderr=True)


def _show_error(exc: ForktoolError) -> None:
    """One red line: what is wrong, then (dimmed) what to do."""
    hint = f" [dim]— {escape(exc.hint)}[/]" if exc.hint else ""
    err.print(
        f"[bold red]error:[/] [red]{escape(exc.message)}[/]{hint}", highlight=False, soft_wrap=True
    )


def _fail(exc: ForktoolError) -> NoReturn:
    """Show ``exc`` as one line and exit with code 2."""
    _show_error(exc)
    sys.exit(EXIT_ERROR)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    help="The fork definition (directory holding upstream/). Default: found from the "
    "current directory upwards.",
)
@click.version_option(package_name="forktool")
@click.pass_context
def main(ctx: click.Context, root: Path | None) -> None:
    """Keep a renamed fork of an upstream framework in step with upstream.

    Example: forktool sync flask --to 3.1.3
    """
    ctx.obj = root


@main.command("sync")
@click.argument("upstream_name", metavar="[UPSTREAM]", required=False)
@click.option("--to", "to", metavar="VERSION", help="Release to integrate (default: newest).")
@click.option(
    "--continue", "continue_", is_flag=True, help="Finish a sync after resolving conflicts."
)
@click.option("--abort", is_flag=True, help="Undo a sync that stopped on conflicts.")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.pass_obj
def sync_command(
    root: Path | None,
    upstream_name: str | None,
    to: str | None,
    continue_: bool,
    abort: bool,
    as_json: bool,
) -> None:
    """Import, rename and three-way merge an upstream release into the fork.

    With no UPSTREAM, every upstream under upstream/ is synced.

    Example: forktool sync flask --to 3.1.3
    """
    if continue_ and abort:
        _fail(ForktoolError("--continue and --abort exclude each other", "pick one"))
    if to and (continue_ or abort):
        _fail(ForktoolError("--to does not go with --continue or --abort", "drop --to"))
    try:
        definition = root.resolve() if root else config_mod.find_root(Path.cwd())
        names = [upstream_name] if upstream_name else config_mod.upstream_names(definition)
        configs = [config_mod.load(definition, name) for name in names]
    except ForktoolError as exc:
        _fail(exc)
    if to and len(configs) > 1:
        _fail(ForktoolError("--to needs an UPSTREAM when several are defined", "name one"))
    if (continue_ or abort) and not upstream_name:
        configs = [cfg for cfg in configs if is_waiting(cfg)] or configs[:1]

    results: list[SyncResult] = []
    failed = False
    for cfg in configs:
        try:
            if continue_:
                result = continue_sync(cfg)
            elif abort:
                result = abort_sync(cfg)
            else:
                result = sync(cfg, to, progress=_progress(as_json))
        except ForktoolError as exc:
            if len(configs) == 1:
                _fail(exc)
            _show_error(exc)  # go on with the other upstreams; exit 2 at the end
            failed = True
            continue
        results.append(result)
        if not as_json:
            report.render_sync(out, result)
    if as_json:
        click.echo(report.dumps(results))
    if failed:
        sys.exit(EXIT_ERROR)
    if any(r.status == "conflict" for r in results):
        sys.exit(EXIT_CONFLICT)


def _progress(quiet: bool) -> Progress:
    def show(step: str) -> None:
        if not quiet:
            err.print(f"[dim]… {step}[/]", highlight=False)

    return show
