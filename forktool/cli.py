"""The command line: the only place that prints or exits.

Exit codes: 0 success, 1 conflicts waiting for resolution, 2 error (nothing changed).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichProgress

from forktool import config as config_mod
from forktool import conflict_report, lockfile, patchwork, report, shims, state
from forktool import conflicts as conflicts_mod
from forktool import rename as rename_op
from forktool import replay as replay_mod
from forktool import series as series_mod
from forktool import status as status_mod
from forktool.build import Progress
from forktool.check import CheckResult, check
from forktool.errors import ForktoolError
from forktool.model import Leftover, RenameMap
from forktool.patches import PatchHealth
from forktool.sync import SyncResult, abort_sync, continue_sync, is_waiting, sync, sync_each
from forktool.writerlock import exclusive

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
    """Show ``exc`` as one line and exit with code 2.

    Under ``--json`` (or ``report --format json``) the error is also printed on stdout as
    ``{"schema": 1, "command", "error": {"message", "hint"}}``, so a program reading
    stdout always gets one JSON document.
    """
    ctx = click.get_current_context(silent=True)
    if ctx is not None and _json_requested(ctx):
        click.echo(report.error_json(_command_name(ctx), exc))
    _show_error(exc)
    sys.exit(EXIT_ERROR)


def _json_requested(ctx: click.Context) -> bool:
    """True when the running command was given ``--json`` (or ``--format json``)."""
    return bool(ctx.params.get("as_json")) or ctx.params.get("fmt") == "json"


def _command_name(ctx: click.Context) -> str:
    """The running command as typed after ``forktool``: ``sync``, ``patch list``, ..."""
    names: list[str] = []
    while ctx.parent is not None:
        names.append(ctx.info_name or "")
        ctx = ctx.parent
    return " ".join(reversed(names))


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

    Examples:

    \b
      forktool sync flask --to 3.1.3   integrate Flask 3.1.3 into the fork
      forktool --root ~/myfork status  use the definition in ~/myfork
      forktool --version               print forktool's version

    Start with 'forktool init' (a new upstream) or 'forktool sync' (this definition's
    upstreams); docs/tutorial.md walks through a whole fork.
    """
    ctx.obj = root


@main.command("sync")
@click.argument("upstream_name", metavar="[UPSTREAM]", required=False)
@click.option("--to", "to", metavar="VERSION", help="Release to integrate (default: newest).")
@click.option(
    "--continue", "continue_", is_flag=True, help="Finish a sync after resolving conflicts."
)
@click.option("--abort", is_flag=True, help="Undo a sync that stopped on conflicts.")
@click.option(
    "--each", is_flag=True,
    help="Integrate one release at a time up to the target; stop at the first that conflicts.",
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
      forktool sync flask --continue  after resolving the conflicts and git add
      forktool sync flask --abort     undo the stopped sync
      forktool sync flask --wait      queue behind another forktool on this fork
      forktool sync --json            results as JSON (docs/json.md)
    """
    if continue_ and abort:
        _fail(ForktoolError("--continue and --abort exclude each other", "pick one"))
    if (to or each) and (continue_ or abort):
        _fail(ForktoolError("--to and --each do not go with --continue or --abort", "drop them"))
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
    errors: list[tuple[str, ForktoolError]] = []
    for cfg in configs:
        try:
            with exclusive(cfg, wait=wait), _progress(as_json) as progress:
                if continue_:
                    done = [continue_sync(cfg, progress)]
                elif abort:
                    done = [abort_sync(cfg)]
                elif each:
                    done = sync_each(cfg, to, progress)
                else:
                    done = [sync(cfg, to, progress)]
        except ForktoolError as exc:
            if len(configs) == 1:
                _fail(exc)
            _show_error(exc)  # go on with the other upstreams; exit 2 at the end
            errors.append((cfg.name, exc))
            continue
        results.extend(done)
        if not as_json:
            for result in done:
                report.render_sync(out, result)
    if as_json:
        click.echo(report.dumps(results, errors))
    if errors:
        sys.exit(EXIT_ERROR)
    if any(r.status in ("conflict", "patch-conflict") for r in results):
        sys.exit(EXIT_CONFLICT)


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
    try:
        definition = root.resolve() if root else config_mod.find_root(Path.cwd())
        names = [upstream_name] if upstream_name else config_mod.upstream_names(definition)
        configs = [config_mod.load(definition, name) for name in names]
        found = [status_mod.status(cfg, offline=offline) for cfg in configs]
    except ForktoolError as exc:
        _fail(exc)
    if as_json:
        click.echo(report.status_json(found, offline=offline))
    else:
        for position, item in enumerate(found):
            if position:
                out.print()
            report.render_status(out, item)
    if any(item.waiting for item in found):
        sys.exit(EXIT_CONFLICT)


@main.command("rename")
@click.argument("targets", nargs=-1, metavar="[PATH]...")
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
    would change. Old names left in place are listed on stderr.

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
    try:
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
    except ForktoolError as exc:
        _fail(exc)
    if as_json:
        click.echo(report.rename_json(plans, applied=not diff))
        return
    for plan in plans:
        moved = sum(c.old_path != c.new_path for c in plan.changes)
        verb = "would change" if diff else "changed"
        err.print(f"{plan.root}: {verb} {len(plan.changes)} of {plan.files} files "
                  f"({moved} moved)", highlight=False, markup=False, soft_wrap=True)  # fmt: skip
        report.render_leftovers(err, plan.leftovers, plan.failures, limit=200)


def _rename_map(
    root: Path | None,
    upstream_name: str | None,
    packages: tuple[str, ...],
    distributions: tuple[str, ...],
    scripts: tuple[str, ...],
    keep: tuple[str, ...],
) -> RenameMap:
    """The rename map from --map/--dist/--script/--keep, or from an upstream definition."""
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
    definition = root.resolve() if root else config_mod.find_root(Path.cwd())
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
    unparseable (the file could not be parsed).

    Examples:

    \b
      forktool leftovers flask                     everything left, with the reason
      forktool leftovers flask --reason ambiguous  only what the rename could not decide
      forktool leftovers flask --json              as JSON (docs/json.md)
    """
    try:
        definition = root.resolve() if root else config_mod.find_root(Path.cwd())
        names = [upstream_name] if upstream_name else config_mod.upstream_names(definition)
        reports = [state.read_leftovers(config_mod.load(definition, n)) for n in names]
    except ForktoolError as exc:
        _fail(exc)
    for data in reports:
        items = [Leftover(**item) for item in data["leftovers"]]
        items = [item for item in items if reason is None or item.reason == reason]
        if as_json:
            click.echo(report.leftovers_json(data, items))
            continue
        out.print(f"[bold]{data['upstream']} {data['version']}[/]")
        report.render_leftovers(out, items, data["failures"])


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


def _one_config(root: Path | None, upstream_name: str | None) -> config_mod.UpstreamConfig:
    """The config of ``upstream_name``, or of the only upstream defined."""
    definition = root.resolve() if root else config_mod.find_root(Path.cwd())
    names = [upstream_name] if upstream_name else config_mod.upstream_names(definition)
    if len(names) != 1:
        raise ForktoolError(
            f"several upstreams are defined ({', '.join(names)})", "choose one with --upstream"
        )
    return config_mod.load(definition, names[0])


@patch_group.command("list")
@_UPSTREAM_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print the series and its health as JSON.")
@click.pass_obj
def patch_list(root: Path | None, upstream_name: str | None, as_json: bool) -> None:
    """List the series in order, with each patch's health on the newest release.

    Examples:

    \b
      forktool patch list                   the only upstream's series
      forktool patch list --upstream flask  with several upstreams
      forktool patch list --json            as JSON (docs/json.md)
    """
    try:
        cfg = _one_config(root, upstream_name)
        listed = series_mod.load(cfg.root, cfg.name)
        version, recorded = status_mod.recorded_health(cfg)
        health = {h.name: h for h in recorded}
    except ForktoolError as exc:
        _fail(exc)
    known = [health.get(p.name, PatchHealth(p.name, p.kind, "not run")) for p in listed.patches]
    if as_json:
        series_file = series_mod.series_path(cfg.root, cfg.name)
        click.echo(report.patch_list_json(cfg.name, series_file, version, known))
        return
    if not listed.patches:
        out.print(
            f"the series of {cfg.name} is empty ({series_mod.series_path(cfg.root, cfg.name)})"
        )
        return
    report.render_health(out, known, title=f"{cfg.name}: patch series")


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
    try:
        cfg = _one_config(root, upstream_name)
        with exclusive(cfg):
            path = patchwork.add_patch(cfg, commit, name)
    except ForktoolError as exc:
        _fail(exc)
    if as_json:
        click.echo(report.patch_change_json("patch add", cfg.name, patch=path.name, path=path))
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
    try:
        cfg = _one_config(root, upstream_name)
        with exclusive(cfg):
            path = patchwork.refresh_patch(cfg, patch_name)
    except ForktoolError as exc:
        _fail(exc)
    if as_json:
        click.echo(
            report.patch_change_json(
                "patch refresh",
                cfg.name,
                patch=path.name,
                path=path,
                next_step=f"forktool sync {cfg.name} --continue",
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
    try:
        cfg = _one_config(root, upstream_name)
        names = list(patch_names) + (patchwork.upstreamed(cfg) if upstreamed else [])
        if not names:
            raise ForktoolError("no patch to drop", "name patches, or use --upstreamed")
        with exclusive(cfg):
            dropped = patchwork.drop_patches(cfg, list(dict.fromkeys(names)))
    except ForktoolError as exc:
        _fail(exc)
    if as_json:
        click.echo(report.patch_change_json("patch drop", cfg.name, dropped=dropped))
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
    try:
        cfg = _one_config(root, upstream_name)
        with exclusive(cfg):
            for item in replay_mod.replay(cfg, start, end):
                rows.append(item)
                if not as_json:
                    report.render_health(out, item.health, title=f"{cfg.name} {item.version}")
    except ForktoolError as exc:
        _fail(exc)
    if as_json:
        click.echo(report.replay_json(rows, cfg.name))


@main.command("report")
@click.argument("upstream_name", metavar="[UPSTREAM]", required=False)
@click.option(
    "--format", "fmt", type=click.Choice(["terminal", "markdown", "json", "html"]),
    default="terminal", show_default=True, help="How to render the conflict report.",
)  # fmt: skip
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of standard output.",
)
@click.option("--json", "as_json", is_flag=True, help="The same as --format json.")
@click.pass_obj
def report_command(
    root: Path | None, upstream_name: str | None, fmt: str, output: Path | None, as_json: bool
) -> None:
    """Explain a stopped sync: every conflict, its hunks, and who changed those lines.

    Exit code 0: nothing is left to resolve; 1: conflicts wait; 2: error.

    Examples:

    \b
      forktool report         in the terminal
      forktool report flask --format html -o conflicts.html
                              a page to share
      forktool report flask --format markdown --output conflicts.md
                              for a pull request
      forktool report --json  as JSON (docs/conflict-report.md)
    """
    if as_json and fmt not in ("terminal", "json"):
        _fail(ForktoolError(f"--json and --format {fmt} exclude each other", "pick one"))
    fmt = "json" if as_json else fmt
    try:
        cfg = _one_config(root, upstream_name)
        waiting = is_waiting(cfg)
        if not waiting and fmt != "json":
            out.print(f"{cfg.name}: no sync is waiting; nothing to report", highlight=False)
            return
        collected = conflicts_mod.collect(cfg) if waiting else None
    except ForktoolError as exc:
        _fail(exc)
    if collected is None:  # --format json, nothing waiting: say so in JSON
        _write_report(report.no_conflict_json(cfg.name) + "\n", output)
        return
    if fmt == "terminal" and output is None:
        conflict_report.render_terminal(out, collected)
    else:
        render = {
            "markdown": conflict_report.to_markdown,
            "json": report.conflict_json,
            "html": conflict_report.to_html,
            "terminal": conflict_report.to_markdown,  # a file gets the plain-text form
        }[fmt]
        _write_report(render(collected), output)
    if collected.conflicts:  # entries that still block --continue
        sys.exit(EXIT_CONFLICT)


def _write_report(text: str, output: Path | None) -> None:
    """Print ``text`` on stdout, or write it to ``output`` and say so on stderr."""
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        err.print(f"wrote {output}", highlight=False, markup=False, soft_wrap=True)


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
    try:
        cfg = _one_config(root, upstream_name)
        lock = lockfile.read(cfg.lock_path)
        if lock is None or not (cfg.fork_path / ".git").exists():
            raise ForktoolError(
                f"{cfg.name} has no fork yet", f"run 'forktool sync {cfg.name}' first"
            )
        target = out_dir or cfg.shim_out
        assert target is not None
        plan = shims.plan(cfg.fork_path, cfg.rename, lock.version, shim_version=cfg.shim_version)
        if not dry_run:
            with exclusive(cfg):
                shims.write(plan, target)
    except ForktoolError as exc:
        _fail(exc)
    verb = "would write" if dry_run else "wrote"
    if as_json:
        click.echo(report.shims_json(cfg.name, plan, target, dry_run=dry_run))
    else:
        out.print(
            f"{verb} {plan.distribution} {plan.version} ({plan.requirement}), "
            f"{len(plan.modules)} aliased modules: {target / plan.wheel_name}",
            highlight=False, markup=False, soft_wrap=True,
        )  # fmt: skip
    for warning in plan.warnings:
        err.print(f"warning: {warning}", highlight=False, markup=False, soft_wrap=True)


@contextmanager
def _progress(quiet: bool) -> Iterator[Progress]:
    """Show each step: pulsing bars with elapsed time on a terminal, plain lines otherwise."""
    if quiet:
        yield lambda _: None
        return
    if not err.is_terminal:
        yield lambda step: err.print(f"… {step}", highlight=False, markup=False)
        return
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with RichProgress(*columns, console=err, transient=False) as bars:
        current: list[TaskID] = []

        def show(step: str) -> None:
            if current:
                bars.update(current[-1], total=1, completed=1)
            current.append(bars.add_task(step, total=None))

        yield show
        if current:
            bars.update(current[-1], total=1, completed=1)


def _stdin_is_terminal() -> bool:
    """Whether ``forktool init`` may ask questions: standard input is a terminal."""
    return sys.stdin.isatty()


@main.command("init")
@click.argument("upstream_name", metavar="[NAME]", required=False)
@click.option("--pypi", "project", metavar="PROJECT", help="Fork this project of a package index.")
@click.option("--git", "url", metavar="URL", help="Fork this git repository (URL or local path).")
@click.option(
    "--index", metavar="URL",
    help=f"With --pypi: the package index's JSON API (default: {config_mod.DEFAULT_INDEX}).",
)  # fmt: skip
@click.option(
    "--tag-pattern", metavar="REGEX",
    help="With --git: which tags are releases; the 'version' group is the version.",
)  # fmt: skip
@click.option(
    "--package", "packages", multiple=True, metavar="OLD=NEW",
    help="Rename import package OLD to NEW (repeatable); just NEW if one package is guessed.",
)  # fmt: skip
@click.option(
    "--dist", "distribution", metavar="NEW",
    help="The fork's distribution name (default: the first new package name).",
)  # fmt: skip
@click.option(
    "--script", "scripts", multiple=True, metavar="OLD=NEW",
    help="Rename console script OLD to NEW (default: the old package name replaced in OLD).",
)  # fmt: skip
@click.option(
    "--fork-path", metavar="PATH",
    help="Where sync builds the fork repository, relative to the definition (default: forks/NAME).",
)  # fmt: skip
@click.option("--yes", "-y", is_flag=True, help="Ask nothing: take the names from the options.")
@click.option("--json", "as_json", is_flag=True, help="Print what was guessed and written as JSON.")
@click.pass_obj
def init_command(
    root: Path | None,
    upstream_name: str | None,
    project: str | None,
    url: str | None,
    index: str | None,
    tag_pattern: str | None,
    packages: tuple[str, ...],
    distribution: str | None,
    scripts: tuple[str, ...],
    fork_path: str | None,
    yes: bool,
    as_json: bool,
) -> None:
    """Scaffold upstream/NAME.toml and patches/NAME/series for a new upstream.

    Reads the newest release of a PyPI project or git repository, guesses its import
    packages, distribution and console scripts, and asks for their new names (or takes
    them from the options; with --yes or no terminal it never asks). Never overwrites.
    NAME defaults to the project or repository name. Then run 'forktool sync NAME'.

    Examples:

    \b
      forktool init --pypi humanize  asks for the new names
      forktool init --pypi humanize --package humanize=humanise --yes
                                     asks nothing
      forktool init acme --git https://git.example/acme.git --package acme=acme2
                                     a git upstream
      forktool init --git ../acme --tag-pattern 'rel-(?P<version>.+)' --package acme2
                                     tags rel-1.0, ...
      forktool init --pypi acme --index https://mirror.example/pypi --package acme2
                                     a private index
      forktool init --pypi flask --package flask=framework --dist Framework --script flask=fw
      forktool init --pypi flask --package framework --fork-path ../framework
                                     fork repository elsewhere
      forktool init --pypi flask --package framework --json
                                     what was written, as JSON
    """
    import json  # here, not at the top: this block is init's alone
    import shlex
    from collections.abc import Callable

    from forktool import scaffold

    def ask(question: str, default: str | None, check: Callable[[str], str]) -> str:
        def answer(text: str) -> str:
            try:
                return check(text)
            except ForktoolError as exc:
                raise click.UsageError(f"{exc.message} — {exc.hint}") from None

        shown = bool(default)
        return str(click.prompt(question, default, show_default=shown, value_proc=answer, err=True))

    def show(console: Console, inspection: scaffold.Inspection) -> None:
        headline = f"[bold]{escape(scaffold.headline(inspection))}[/], guessed:"
        console.print(headline, highlight=False, soft_wrap=True)
        for line in scaffold.describe(inspection.guess):
            console.print(f"  {line}", highlight=False, markup=False, soft_wrap=True)

    interactive = not yes and _stdin_is_terminal()
    try:
        source = scaffold.make_source(project, url, index, tag_pattern)
        names = scaffold.parse_names(packages, distribution, scripts)
        name = upstream_name or scaffold.default_name(source)
        scaffold.check_name(name)
        if root is not None:
            definition = root.resolve()
        else:
            try:
                definition = config_mod.find_root(Path.cwd())
            except ForktoolError:
                definition = Path.cwd()  # no definition yet: start one here
        scaffold.check_free(definition, name)
        inspection = scaffold.inspect(source, name)
        if interactive:
            show(err, inspection)
        try:
            decided = scaffold.decide(inspection.guess, names, ask if interactive else None)
        except click.Abort:
            err.print()  # end the unanswered question's line
            raise ForktoolError(
                "stopped before every new name was given; nothing was written",
                "run it again, or give the names as options (--package OLD=NEW, --yes)",
            ) from None
        plan = scaffold.make_plan(name, definition, inspection, decided, fork_path)
        result = scaffold.write(plan)
    except ForktoolError as exc:
        _fail(exc)
    again = f"forktool --root {shlex.quote(str(root))} " if root is not None else "forktool "
    summary = {**scaffold.summary(result), "next": f"{again}sync {shlex.quote(name)}"}
    if as_json:
        click.echo(json.dumps(summary, indent=1))
        return
    if not interactive:
        show(out, inspection)
    renamed = "; ".join(
        f"{kind} " + ", ".join(f"{old} -> {new}" for old, new in mapping.items())
        for kind, mapping in (
            ("package", plan.rename.packages),
            ("distribution", plan.rename.distributions),
            ("script", plan.rename.scripts),
        )
        if mapping
    )
    for path, what in zip(result.files, (renamed, "empty, for your own changes"), strict=True):
        out.print(f"wrote {path}: {what}", highlight=False, markup=False, soft_wrap=True)
    for note in plan.notes:
        out.print(f"note: {note}", highlight=False, markup=False, soft_wrap=True)
    out.print(f"next: [bold]{escape(summary['next'])}[/]", highlight=False, soft_wrap=True)


@main.command("check")
@click.argument("upstream_name", metavar="[UPSTREAM]", required=False)
@click.option("--to", "to", metavar="VERSION", help="Release to check (default: newest).")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.pass_obj
def check_command(
    root: Path | None, upstream_name: str | None, to: str | None, as_json: bool
) -> None:
    """Tell whether the newest release would integrate cleanly; change nothing.

    Exit code 0: up to date or clean; 1: it would conflict; 2: error. For scheduled CI.

    Examples:

    \b
      forktool check flask             would the newest release merge cleanly?
      forktool check flask --to 3.1.3  would 3.1.3?
      forktool check --json            every upstream, as JSON (docs/json.md)
    """
    results: list[CheckResult] = []
    try:
        definition = root.resolve() if root else config_mod.find_root(Path.cwd())
        names = [upstream_name] if upstream_name else config_mod.upstream_names(definition)
        for name in names:
            cfg = config_mod.load(definition, name)
            with exclusive(cfg, wait=True), _progress(as_json) as progress:
                results.append(check(cfg, to, progress))
    except ForktoolError as exc:
        _fail(exc)
    if as_json:
        click.echo(report.check_json(results))
    else:
        for result in results:
            report.render_check(out, result)
    if any(r.status in ("conflict", "patch-conflict") for r in results):
        sys.exit(EXIT_CONFLICT)
