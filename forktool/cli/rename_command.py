"""``forktool rename``: apply a rename map to an extension's own files, or stdin."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from forktool import config as config_mod
from forktool.cli import views
from forktool.cli.group import main
from forktool.cli.output import err
from forktool.errors import ForktoolError
from forktool.model import RenameMap
from forktool.transform import on_disk as rename_op


@main.command("rename")
@click.argument("targets", nargs=-1, metavar="PATH...")
@click.option(
    "-u",
    "--upstream",
    "upstream_name",
    metavar="NAME",
    help="Take the rename map from upstream/NAME.toml (default: the only one defined).",
)
@click.option(
    "--map",
    "packages",
    multiple=True,
    metavar="OLD=NEW",
    help="Rename import package OLD to NEW (repeatable); replaces --upstream.",
)
@click.option(
    "--dist",
    "distributions",
    multiple=True,
    metavar="OLD=NEW",
    help="Rename distribution OLD to NEW (with --map).",
)
@click.option(
    "--script",
    "scripts",
    multiple=True,
    metavar="OLD=NEW",
    help="Rename console script OLD to NEW (with --map).",
)
@click.option(
    "--keep",
    multiple=True,
    metavar="PATTERN",
    help="Leave strings matching PATTERN alone (with --map; wildcards allowed).",
)
@click.option("--diff", is_flag=True, help="Print a unified diff and change nothing.")
@click.option(
    "--stdin-name",
    default="stdin.py",
    show_default=True,
    metavar="NAME",
    help="File name that decides how '-' (stdin) is read.",
)
@click.option("--json", "as_json", is_flag=True, help="Print changes and leftovers as JSON.")
@click.pass_obj
def rename_command(
    root: Path | None,
    targets: tuple[str, ...],
    upstream_name: str | None,
    packages: tuple[str, ...],
    distributions: tuple[str, ...],
    scripts: tuple[str, ...],
    keep: tuple[str, ...],
    diff: bool,
    stdin_name: str,
    as_json: bool,
) -> None:
    """Apply a rename map to directories or files (or '-': stdin to stdout).

    Use it to port an extension's own code to the fork. Files are rewritten in place and
    files or directories named after an old package are moved; --diff only shows what
    would change. Old names left in place are listed on stderr. Give at least one PATH
    ('.' for the current directory); only --diff, which changes nothing, defaults to '.'.

    Examples:

    \b
      forktool rename --diff ./flask_login                  show what would change
      forktool rename --upstream flask ./my_extension       in place, map of upstream/flask.toml
      forktool rename --map flask=framework --dist Flask=Framework ./ext
                                                            a map given here
      forktool rename --map flask=framework --script flask=fw --keep 'FLASK_*' .
      cat app.py | forktool rename --map flask=framework -  stdin to stdout
      forktool rename --map flask=framework --stdin-name setup.cfg - < setup.cfg
                                                            read as setup.cfg
      forktool rename --json ./ext                          changes and leftovers as JSON
    """
    if not targets and not diff:
        raise ForktoolError(
            "forktool rename rewrites files in place and was given no PATH",
            "name what to rewrite ('.' for the current directory, '-' for stdin), "
            "or add --diff to see what would change",
        )
    rename_map = _rename_map(root, upstream_name, packages, distributions, scripts, keep)
    plans = []
    for target in targets or (".",):
        if target == "-":
            data, plan = rename_op.rename_text(sys.stdin.buffer.read(), stdin_name, rename_map)
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        else:
            plan = rename_op.plan(Path(target), rename_map)
            if diff and not as_json:
                click.echo(rename_op.unified_diff(plan), nl=False)
            elif not diff:
                rename_op.apply(plan)
        plans.append(plan)
    if as_json:
        click.echo(views.rename_json(plans, applied=not diff))
        return
    for plan in plans:
        moved = sum(c.old_path != c.new_path for c in plan.changes)
        verb = "would change" if diff else "changed"
        err.print(f"{plan.root}: {verb} {len(plan.changes)} of {plan.files} files "
                  f"({moved} moved)", highlight=False, markup=False, soft_wrap=True)  # fmt: skip
        views.render_leftovers(err, plan.leftovers, plan.failures, 200, plan.evidence)


def _rename_map(
    root: Path | None,
    upstream_name: str | None,
    packages: tuple[str, ...],
    distributions: tuple[str, ...],
    scripts: tuple[str, ...],
    keep: tuple[str, ...],
) -> RenameMap:
    """The rename map from --map/--dist/--script/--keep, or from an upstream definition."""
    if root is not None:
        config_mod.definition_root(root)  # a --root that names no definition is a mistake
    if packages:
        table = {
            "packages": _pairs(packages, "--map"),
            "distributions": _pairs(distributions, "--dist"),
            "scripts": _pairs(scripts, "--script"),
            "keep": list(keep),
        }
        return config_mod.parse_rename(table, "the command line")
    if distributions or scripts or keep:
        raise ForktoolError("--dist, --script and --keep go with --map", "add --map OLD=NEW")
    definition = config_mod.definition_root(root)
    names = [upstream_name] if upstream_name else config_mod.upstream_names(definition)
    if len(names) != 1:
        raise ForktoolError(
            f"several upstreams are defined ({', '.join(names)})", "choose one with --upstream"
        )
    return config_mod.load(definition, names[0]).rename


def _pairs(values: tuple[str, ...], option: str) -> dict[str, str]:
    pairs = {}
    for value in values:
        old, sep, new = value.partition("=")
        if not sep or not old or not new:
            raise ForktoolError(f"{option} {value!r} is not OLD=NEW", f"write e.g. {option} a=b")
        pairs[old.strip()] = new.strip()
    return pairs
