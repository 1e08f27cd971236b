"""``forktool status``, ``leftovers`` and ``report``: show where a fork stands; change nothing."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import click
from rich.console import Console

from forktool import config as config_mod
from forktool.cli import views
from forktool.cli.group import main
from forktool.cli.output import EXIT_CONFLICT, check_output, format_of, out, write_output
from forktool.cli.upstream_config import one_config
from forktool.conflicts import collect as conflicts_mod
from forktool.conflicts import kept, render
from forktool.conflicts.share import shareable
from forktool.errors import ForktoolError, RepositoryError
from forktool.model import Evidence, Leftover
from forktool.records import state
from forktool.sync import status as status_mod
from forktool.sync.orchestrator import is_waiting


@main.command("status")
@click.argument("upstream_name", metavar="[UPSTREAM]", required=False)
@click.option("--offline", is_flag=True, help="Do not list the source's releases (no network).")
@click.option("--json", "as_json", is_flag=True, help="Print where each fork stands as JSON.")
@click.pass_obj
def status_command(
    root: Path | None, upstream_name: str | None, offline: bool, as_json: bool
) -> None:
    """Show where each fork stands; change nothing.

    For each upstream (with no UPSTREAM, every one under upstream/): the integrated
    release, the newer releases, the patch series health, a sync waiting for its conflicts
    to be resolved, the fork's working tree and the shim. A source that cannot be reached
    is reported, not an error. Exit code 0; 1: a sync waits for conflict resolution;
    2: error.

    Examples:

    \b
      forktool status                  every upstream
      forktool status flask --offline  no network: skip the newer releases
      forktool status --json           as JSON (docs/json.md)
    """
    definition = config_mod.definition_root(root)
    names = [upstream_name] if upstream_name else config_mod.upstream_names(definition)
    configs = [config_mod.load(definition, name) for name in names]
    found = [status_mod.status(cfg, offline=offline) for cfg in configs]
    if as_json:
        click.echo(views.status_json(found, offline=offline))
    else:
        for position, item in enumerate(found):
            if position:
                out.print()
            views.render_status(out, item)
    if any(item.waiting for item in found):
        sys.exit(EXIT_CONFLICT)


@main.command("leftovers")
@click.argument("upstream_name", metavar="[UPSTREAM]", required=False)
@click.option(
    "--reason",
    type=click.Choice(["kept", "ambiguous", "unparseable"]),
    help="Only occurrences left for this reason.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_obj
def leftovers_command(
    root: Path | None, upstream_name: str | None, reason: str | None, as_json: bool
) -> None:
    """List every old name the newest transform left in place, and why.

    Each line is path:line: kind (reason) text. Kinds: identifier, string, comment,
    docstring, other-file. Reasons: kept (keep-list, URLs), ambiguous (not guessed),
    unparseable (the file could not be parsed). A string passed to a function of the
    tree whose parameter holds a module name gets an "evidence:" line: why it was left,
    or, listed after the leftovers, why it was renamed (docs/rename.md).

    Examples:

    \b
      forktool leftovers flask                     everything left, with the reason
      forktool leftovers flask --reason ambiguous  only what the rename could not decide
      forktool leftovers flask --json              as JSON (docs/json.md)
    """
    definition = config_mod.definition_root(root)
    names = [upstream_name] if upstream_name else config_mod.upstream_names(definition)
    reports = [state.read_leftovers(config_mod.load(definition, n)) for n in names]
    for data in reports:
        items = [Leftover(**item) for item in data["leftovers"]]
        items = [item for item in items if reason is None or item.reason == reason]
        if as_json:
            click.echo(views.leftovers_json(data, items))
            continue
        evidence = [Evidence(**item) for item in data.get("evidence", [])]
        if reason is not None:
            evidence = [item for item in evidence if not item.renamed]
        out.print(f"[bold]{data['upstream']} {data['version']}[/]")
        views.render_leftovers(out, items, data["failures"], evidence=evidence)


FORMATS = ("terminal", "markdown", "json", "html")

#: The width of the terminal view written to a file: stacked sides, as on a narrow console.
TEXT_WIDTH = 100


@main.command("report")
@click.argument("upstream_name", metavar="[UPSTREAM]", required=False)
@click.option(
    "--format", "fmt", type=click.Choice(FORMATS),
    help="How to render the conflict report (default: terminal; with --output, from the "
    "file's extension: .md, .json, .html, .txt).",
)  # fmt: skip
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of standard output (terminal: plain text, no colours).",
)
@click.option("--json", "as_json", is_flag=True, help="The same as --format json.")
@click.option(
    "--release", metavar="VERSION",
    help="Show the report kept of the sync of this release (how it stopped, how it ended).",
)  # fmt: skip
@click.pass_obj
def report_command(
    root: Path | None,
    upstream_name: str | None,
    fmt: str | None,
    output: Path | None,
    as_json: bool,
    release: str | None,
) -> None:
    """Explain a stopped sync: every conflict, its hunks, and who changed those lines.

    With --output, the format is the file's extension (.md Markdown, .json JSON, .html
    HTML, .txt the terminal view as plain text) unless --format says otherwise. Markdown
    and HTML, meant to be shared, show paths relative to the fork definition; JSON keeps
    them absolute. Exit code 0: nothing is left to resolve; 1: conflicts wait; 2: error.

    Examples:

    \b
      forktool report                      in the terminal
      forktool report flask -o conflicts.html
                                           a page to share
      forktool report flask --output conflicts.md
                                           for a pull request
      forktool report flask --format terminal -o conflicts.log
                                           the terminal view, without colours
      forktool report --json               as JSON (docs/conflict-report.md)
      forktool report flask --release 3.1.3
                                           the report kept of the sync of 3.1.3
    """
    if as_json and fmt not in (None, "terminal", "json"):
        raise ForktoolError(f"--json and --format {fmt} exclude each other", "pick one")
    if output is not None:
        check_output(output)
    fmt = "json" if as_json else fmt or format_of(output)
    cfg = one_config(root, upstream_name)
    if release is not None:
        show_report(_kept(cfg, release), fmt, output, cfg.root)
        return
    waiting = is_waiting(cfg)
    if not waiting and fmt != "json":
        out.print(f"{cfg.name}: no sync is waiting; nothing to report", highlight=False)
        return
    collected = conflicts_mod.collect(cfg) if waiting else None
    if collected is None:  # --format json, nothing waiting: say so in JSON
        write_output(views.no_conflict_json(cfg.name) + "\n", output)
        return
    show_report(collected, fmt, output, cfg.root)
    if collected.conflicts:  # entries that still block --continue
        sys.exit(EXIT_CONFLICT)


def _kept(cfg: config_mod.UpstreamConfig, release: str) -> conflicts_mod.ConflictReport:
    """The kept report of ``release``.

    Raises:
        RepositoryError: no sync of ``release`` kept one.
    """
    found = kept.read(cfg, release)
    if found is None:
        kept_ones = state.kept_report_versions(cfg)
        newest = ", ".join(kept_ones[-10:])
        which = f"the newest 10 of {len(kept_ones)}: " if len(kept_ones) > 10 else ""
        raise RepositoryError(
            f"no kept report of {cfg.name} {release}",
            f"reports are kept for {which}{newest}"
            if kept_ones
            else "each sync keeps one; none is kept yet",
        )
    return found


def show_report(
    collected: conflicts_mod.ConflictReport, fmt: str, output: Path | None, definition: Path
) -> None:
    """Print ``collected`` in ``fmt`` (or write it to ``output``)."""
    if fmt == "terminal" and output is None:
        render.render_terminal(out, collected)
    elif fmt == "terminal":
        write_output(_plain_text(collected), output)
    elif fmt == "json":
        write_output(views.conflict_json(collected), output)
    else:
        to_text = render.to_markdown if fmt == "markdown" else render.to_html
        write_output(to_text(shareable(collected, definition)), output)


def _plain_text(collected: conflicts_mod.ConflictReport) -> str:
    """The terminal view as plain text: no colour or other escape codes."""
    console = Console(
        file=io.StringIO(), width=TEXT_WIDTH, color_system=None, force_terminal=False,
        record=True,
    )  # fmt: skip
    render.render_terminal(console, collected)
    return console.export_text()
