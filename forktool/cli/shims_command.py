"""``forktool shims``: generate the shim distribution named like the original."""

from __future__ import annotations

from pathlib import Path

import click

from forktool import shims
from forktool.cli import views
from forktool.cli.group import main
from forktool.cli.output import err, out
from forktool.cli.upstream_config import one_config
from forktool.errors import ForktoolError
from forktool.records import lockfile
from forktool.records.fork import find_fork
from forktool.sync.writerlock import exclusive


@main.command("shims")
@click.argument("upstream_name", metavar="[UPSTREAM]", required=False)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Output directory (default: [shim] out, or <fork path>.shim).",
)
@click.option("--dry-run", is_flag=True, help="Show what would be generated; write nothing.")
@click.option(
    "--json", "as_json", is_flag=True, help="Print what was (or would be) written as JSON."
)
@click.pass_obj
def shims_command(
    root: Path | None, upstream_name: str | None, out_dir: Path | None, dry_run: bool, as_json: bool
) -> None:
    """Generate the shim distribution named like the original, so extensions run unchanged.

    Its package aliases every old module to the fork's module object. Install the wheel it
    writes next to the fork. Every sync regenerates it.

    Examples:

    \b
      forktool shims flask && pip install forks/flask.shim/*.whl
      forktool shims flask --dry-run        what would be generated
      forktool shims flask --out dist/shim  somewhere else
      forktool shims --json                 what was written, as JSON
    """
    cfg = one_config(root, upstream_name)
    lock = lockfile.read(cfg.lock_path)
    if lock is None or find_fork(cfg) is None:
        raise ForktoolError(f"{cfg.name} has no fork yet", f"run 'forktool sync {cfg.name}' first")
    target = out_dir or cfg.shim_out
    assert target is not None
    plan = shims.plan(cfg.fork_path, cfg.rename, lock.version, shim_version=cfg.shim_version)
    if not dry_run:
        with exclusive(cfg):
            shims.write(plan, target)
    verb = "would write" if dry_run else "wrote"
    if as_json:
        click.echo(views.shims_json(cfg.name, plan, target, dry_run=dry_run))
    else:
        out.print(
            f"{verb} {plan.distribution} {plan.version} ({plan.requirement}), "
            f"{len(plan.modules)} aliased modules: {target / plan.wheel_name}",
            highlight=False, markup=False, soft_wrap=True,
        )  # fmt: skip
    for warning in plan.warnings:
        err.print(f"warning: {warning}", highlight=False, markup=False, soft_wrap=True)
