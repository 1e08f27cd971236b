"""``forktool resolve``: take a side (or the proposed text) of conflicted hunks."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from forktool.cli import views
from forktool.cli.group import main
from forktool.cli.output import EXIT_CONFLICT, out
from forktool.cli.upstream_config import one_config
from forktool.conflicts.resolve import Take, resolve
from forktool.sync.writerlock import exclusive


@main.command("resolve")
@click.argument("path")
@click.option(
    "--take", type=click.Choice([t.value for t in Take]), required=True,
    help="What replaces each hunk's conflict block: its proposed text (see 'forktool "
    "report'), the fork's side or upstream's side.",
)  # fmt: skip
@click.option(
    "--hunk", "number", type=click.IntRange(min=1), metavar="N",
    help="Only hunk N of the file (numbered as 'forktool report' does). Default: every hunk.",
)  # fmt: skip
@click.option(
    "-u", "--upstream", "upstream_name", metavar="NAME",
    help="The upstream (default: the only one defined).",
)  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print what was done as JSON.")
@click.pass_obj
def resolve_command(
    root: Path | None,
    path: str,
    take: str,
    number: int | None,
    upstream_name: str | None,
    as_json: bool,
) -> None:
    """Resolve conflicted hunks of PATH by taking a side, or the proposed text.

    Each chosen hunk's conflict block (markers included) in the working-tree file (of the
    fork, or of the patch-conflict checkout) is replaced by the fork's text, upstream's, or
    the hunk's proposed text, which keeps both sides where they touch no common line. Each
    hunk's line says what it kept and what it dropped. The file is staged (git add) once no
    conflict markers are left in it. A block edited since git wrote it is refused, as is
    --take proposed for a hunk without a proposal: then nothing is changed (exit code 2).
    Exit code 0 when nothing is left unmerged (the sync can be finished), 1 when conflicts
    still wait (hunks of this file, or other paths).

    Examples:

    \b
      forktool resolve src/framework/app.py --take proposed     every hunk of the file
      forktool resolve src/framework/app.py --take upstream --hunk 2
                                                                 only the second hunk
      forktool resolve app.py --take fork --upstream flask      with several upstreams
      forktool resolve src/framework/app.py --take fork --json  as JSON (docs/json.md)
    """
    cfg = one_config(root, upstream_name)
    with exclusive(cfg):
        resolution = resolve(cfg, path, Take(take), number)
    if as_json:
        click.echo(views.resolve_json(resolution, cfg.name))
    else:
        views.render_resolution(out, resolution, cfg.name)
    if resolution.left or resolution.unmerged:
        sys.exit(EXIT_CONFLICT)
