"""``forktool backport``: an upstream commit or patch file renamed forward into the series."""

from __future__ import annotations

from pathlib import Path

import click

from forktool.cli import views
from forktool.cli.group import main
from forktool.cli.output import out
from forktool.cli.upstream_config import one_config
from forktool.exchange import backport as backport_mod
from forktool.sync.writerlock import exclusive


@main.command("backport")
@click.argument("what", metavar="UPSTREAM-COMMIT|PATCH-FILE")
@click.option(
    "-u", "--upstream", "upstream_name", metavar="NAME",
    help="The upstream (default: the only one defined).",
)  # fmt: skip
@click.option("--name", metavar="FILE", help="Patch file name (default: backport-<subject>).")
@click.option("--reason", metavar="TEXT", help="Why the fork needs it (its Reason: line).")
@click.option("--json", "as_json", is_flag=True, help="Print the patch added as JSON.")
@click.pass_obj
def backport(
    root: Path | None,
    what: str,
    upstream_name: str | None,
    name: str | None,
    reason: str | None,
    as_json: bool,
) -> None:
    """Rename an upstream commit or patch file forward and add it to the patch series.

    The next sync applies it (the integrated release built again with it, or a newer
    one); once a release has the change, its health is 'upstreamed' and
    'forktool patch drop --upstreamed' removes it.

    Examples:

    \b
      forktool backport a29f88ce6f2f               an upstream commit, by id
      forktool backport ~/Downloads/5930.patch     a pull request's .patch, upstream's names
      forktool backport a29f88ce6f2f --name streaming-docs.patch --reason "users asked"
      forktool backport a29f88ce6f2f --upstream flask --json
                                                   with several upstreams; as JSON
    """
    cfg = one_config(root, upstream_name)
    with exclusive(cfg):
        done = backport_mod.backport(cfg, what, name, reason)
    if as_json:
        click.echo(
            views.patch_change_json(
                "backport",
                cfg.name,
                patch=done.patch,
                path=done.path,
                source=done.source,
                backport_of=done.origin,
                subject=done.subject,
                base=done.base,
                three_way=done.three_way,
                paths=list(done.paths),
            )
        )
        return
    what = "upstream commit " + done.origin[:12] if done.source == "commit" else done.origin
    how = ", by a three-way merge" if done.three_way else ""
    for line in (
        f"added {done.patch} to the series ({done.path})",
        f"  backport of {what} ({done.subject}), renamed onto {cfg.name} {done.base}{how}",
        f"  changes {', '.join(done.paths)}",
        "  the next sync applies it; once a release has the change, its health is "
        "'upstreamed' and 'forktool patch drop --upstreamed' removes it",
    ):
        out.print(line, highlight=False, markup=False, soft_wrap=True)
