"""``forktool patch`` and its subcommands: list, add, refresh, drop and replay the patch series."""

from __future__ import annotations

from pathlib import Path

import click

from forktool.cli import views
from forktool.cli.group import main
from forktool.cli.output import out
from forktool.cli.upstream_config import one_config
from forktool.errors import ForktoolError
from forktool.model import PatchHealth, PatchStatus
from forktool.patches import metadata, workspace
from forktool.patches import series as series_mod
from forktool.records import intent
from forktool.sync import replay as replay_mod
from forktool.sync import status as status_mod
from forktool.sync.writerlock import exclusive


@main.group("patch")
def patch_group() -> None:
    """Work with the fork's patch series (patches/<upstream>/series).

    Examples:

    \b
      forktool patch list                 the series and its health
      forktool patch add HEAD             turn the fork's last commit into a patch
      forktool patch replay --from 3.0.0  the series' health on older releases
    """


_UPSTREAM_OPTION = click.option(
    "-u", "--upstream", "upstream_name", metavar="NAME",
    help="The upstream (default: the only one defined).",
)  # fmt: skip


@patch_group.command("list")
@_UPSTREAM_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print the series and its health as JSON.")
@click.pass_obj
def patch_list(root: Path | None, upstream_name: str | None, as_json: bool) -> None:
    """List the series in order, with each patch's health on the newest release.

    Each patch also shows what it says about itself: a backport's origin, the release it
    was made on, and its Reason:, Forwarded: and Upstream-PR: lines.

    Examples:

    \b
      forktool patch list                   the only upstream's series
      forktool patch list --upstream flask  with several upstreams
      forktool patch list --json            as JSON (docs/json.md)
    """
    cfg = one_config(root, upstream_name)
    listed = series_mod.load(cfg.root, cfg.name)
    version, recorded = status_mod.recorded_health(cfg)
    health = {h.name: h for h in recorded}
    known = [
        health.get(p.name, PatchHealth(p.name, p.kind, PatchStatus.NOT_RUN)) for p in listed.patches
    ]
    described = [metadata.read(p) for p in listed.patches]
    if as_json:
        series_file = series_mod.series_path(cfg.root, cfg.name)
        click.echo(views.patch_list_json(cfg.name, series_file, version, known, described))
        return
    if not listed.patches:
        out.print(
            f"the series of {cfg.name} is empty ({series_mod.series_path(cfg.root, cfg.name)})"
        )
        return
    views.render_health(out, known, title=f"{cfg.name}: patch series", metadata=described)


@patch_group.command("add")
@click.argument("commit")
@_UPSTREAM_OPTION
@click.option("--name", metavar="FILE", help="Patch file name (default: from the subject).")
@click.option("--json", "as_json", is_flag=True, help="Print the patch added as JSON.")
@click.pass_obj
def patch_add(
    root: Path | None, commit: str, upstream_name: str | None, name: str | None, as_json: bool
) -> None:
    """Turn COMMIT of the fork repository into a diff patch at the end of the series.

    Examples:

    \b
      forktool patch add HEAD                          the fork's last commit, named by subject
      forktool patch add 1a2b3c4 --name cap-body-size.patch
                                                       choose the file name
      forktool patch add HEAD --upstream flask --json  with several upstreams; as JSON
    """
    cfg = one_config(root, upstream_name)
    with exclusive(cfg):
        path = workspace.add_patch(cfg, commit, name)
    if as_json:
        click.echo(views.patch_change_json("patch add", cfg.name, patch=path.name, path=path))
        return
    out.print(
        f"added {path.name} to the series ({path})", highlight=False, markup=False, soft_wrap=True
    )


@patch_group.command("refresh")
@click.argument("patch_name", metavar="[PATCH]", required=False)
@_UPSTREAM_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print the patch refreshed as JSON.")
@click.pass_obj
def patch_refresh(
    root: Path | None, patch_name: str | None, upstream_name: str | None, as_json: bool
) -> None:
    """Rewrite the patch that stopped a sync, from your resolution of its conflict.

    Then run 'forktool sync --continue'.

    Examples:

    \b
      forktool patch refresh                          the patch that stopped the sync
      forktool patch refresh cap-body-size.patch      name it
      forktool patch refresh --upstream flask --json  with several upstreams; as JSON
    """
    cfg = one_config(root, upstream_name)
    with exclusive(cfg):
        path = workspace.refresh_patch(cfg, patch_name)
    if as_json:
        click.echo(
            views.patch_change_json(
                "patch refresh",
                cfg.name,
                patch=path.name,
                path=path,
                next_step=intent.continue_command(cfg.name),
            )
        )
        return
    out.print(
        f"refreshed {path.name}; now run 'forktool sync --continue'", highlight=False, markup=False
    )


@patch_group.command("drop")
@click.argument("patch_names", nargs=-1, metavar="[PATCH]...")
@click.option("--upstreamed", is_flag=True, help="Drop every patch reported upstreamed.")
@_UPSTREAM_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print the patches dropped as JSON.")
@click.pass_obj
def patch_drop(
    root: Path | None,
    patch_names: tuple[str, ...],
    upstreamed: bool,
    upstream_name: str | None,
    as_json: bool,
) -> None:
    """Remove patches from the series and delete their files.

    Examples:

    \b
      forktool patch drop server-banner.patch  drop one patch
      forktool patch drop --upstreamed         drop every patch upstream has taken
      forktool patch drop --upstreamed --upstream flask --json
                                               with several upstreams; as JSON
    """
    cfg = one_config(root, upstream_name)
    names = list(patch_names) + (workspace.upstreamed(cfg) if upstreamed else [])
    if not names:
        raise ForktoolError("no patch to drop", "name patches, or use --upstreamed")
    with exclusive(cfg):
        dropped = workspace.drop_patches(cfg, list(dict.fromkeys(names)))
    if as_json:
        click.echo(views.patch_change_json("patch drop", cfg.name, dropped=dropped))
        return
    out.print(f"dropped {', '.join(dropped)}", highlight=False, markup=False)


@patch_group.command("replay")
@_UPSTREAM_OPTION
@click.option("--from", "start", metavar="VERSION", help="First release (default: oldest).")
@click.option("--to", "end", metavar="VERSION", help="Last release (default: newest).")
@click.option("--json", "as_json", is_flag=True, help="Print the health as JSON.")
@click.pass_obj
def patch_replay(
    root: Path | None, upstream_name: str | None, start: str | None, end: str | None, as_json: bool
) -> None:
    """Apply the series to every release in a range and show its health; changes no branch.

    Examples:

    \b
      forktool patch replay --from 2.0.0 --to 3.1.3  every release in between
      forktool patch replay --from 3.1.0             up to the newest
      forktool patch replay --upstream flask --json  with several upstreams; as JSON
    """
    rows = []
    cfg = one_config(root, upstream_name)
    with exclusive(cfg):
        for item in replay_mod.replay(cfg, start, end):
            rows.append(item)
            if not as_json:
                views.render_health(out, item.health, title=f"{cfg.name} {item.version}")
    if as_json:
        click.echo(views.replay_json(rows, cfg.name))
