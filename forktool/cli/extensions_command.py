"""``forktool extensions``: every listed extension's own tests, on the real upstream
release and on the fork with its shim, compared test by test (docs/extensions.md)."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import tempfile
from pathlib import Path

import click
from rich.console import Console

from forktool import config as config_mod
from forktool.cli.group import main
from forktool.cli.output import (
    EXIT_CONFLICT,
    EXIT_OK,
    check_output,
    err,
    format_of,
    out,
    write_output,
)
from forktool.cli.upstream_config import one_config
from forktool.errors import ConfigError, ForktoolError
from forktool.extensions import listing, orchestrator, report, results
from forktool.extensions.compare import ExtensionStatus
from forktool.extensions.orchestrator import RunPlan, framework_names, parse_shard, shard_of
from forktool.records import lockfile, state
from forktool.records.fork import find_fork
from forktool.sync.status import pinned_version, shim_state
from forktool.upstream.gitsource import is_between_releases
from forktool.upstream.urlauth import redact


@main.command("extensions")
@click.argument("args", nargs=-1, metavar="[UPSTREAM] | merge RESULTS...")
@click.option(
    "--add",
    "added",
    multiple=True,
    metavar="DIST[==VERSION]",
    help="Add an extension to [extensions] packages of the definition (repeatable); runs nothing.",
)
@click.option("--only", multiple=True, metavar="DIST", help="Run only these listed extensions.")
@click.option("--shard", metavar="K/N", help="Run the K-th of N slices of the list.")
@click.option(
    "-j", "--jobs", type=click.IntRange(min=1), help="Extensions at once (default: CPUs)."
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=1),
    help="Seconds one extension may take ([extensions] timeout).",
)
@click.option(
    "--reruns",
    type=click.IntRange(min=0),
    help="Re-runs of a differing test ([extensions] reruns).",
)
@click.option(
    "-c",
    "--constraint",
    type=click.Path(path_type=Path),
    help="pip constraints file fixing third-party versions ([extensions] constraints).",
)
@click.option(
    "--cache",
    type=click.Path(file_okay=False, path_type=Path),
    help="Cache of environments and wheels (default: .git/forktool/extensions in the fork).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(report.FORMATS),
    help="terminal (default), markdown, json or html; with -o, default from the file's extension.",
)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the report here."
)
@click.option("-v", "--verbose", is_flag=True, help="Also list the tests that cannot be compared.")
@click.pass_obj
def extensions_command(
    root: Path | None,
    args: tuple[str, ...],
    added: tuple[str, ...],
    only: tuple[str, ...],
    shard: str | None,
    jobs: int | None,
    timeout: float | None,
    reruns: int | None,
    constraint: Path | None,
    cache: Path | None,
    fmt: str | None,
    output: Path | None,
    verbose: bool,
) -> None:
    """Run each extension's own tests on upstream and on the fork, and compare.

    Both sides get fresh virtual environments with the same pinned third-party versions:
    the upstream side installs the integrated release from the package index, the fork
    side the fork (from its repository) and its shim wheel. Each extension's sdist is
    downloaded (sha256-checked) and its test dependencies and tests are found in it.
    Exit code 0: no regression; 1: regressions; 2: error.

    Examples:

    \b
      forktool extensions --add Flask-Login --add Flask-SQLAlchemy==3.1.1
      forktool extensions flask                  run every listed extension
      forktool extensions --only Flask-Login --verbose   one, with every test listed
      forktool extensions --jobs 4 --timeout 600 --reruns 5
      forktool extensions --constraint pins.txt --cache /var/cache/ext
      forktool extensions --shard 1/2 --format json --output shard1.json
      forktool extensions merge shard1.json shard2.json -o report.html
    """
    if fmt is None and output is not None:
        fmt = format_of(output)
    if output is not None:
        check_output(output)
    if args and args[0] == "merge":
        if len(args) < 2:
            raise ForktoolError(
                "merge needs the JSON files of the shards",
                "forktool extensions merge A.json B.json",
            )
        merged = results.merge([(name, results.read(Path(name))) for name in args[1:]])
        _show(merged, fmt or "terminal", output, verbose)
        return
    if len(args) > 1:
        raise ForktoolError(
            f"unexpected argument {args[1]!r}", "give one UPSTREAM, or merge RESULTS..."
        )
    cfg = one_config(root, args[0] if args else None)
    if added:
        entries = listing.add(cfg, list(added))
        out.print(
            f"added {', '.join(entries)} to [extensions] packages in upstream/{cfg.name}.toml",
            highlight=False, markup=False, soft_wrap=True,
        )  # fmt: skip
        return
    plan = _plan(cfg, only, shard, jobs, timeout, reruns, constraint, cache)
    with tempfile.TemporaryDirectory(prefix="run-", dir=plan.cache) as work:
        found = orchestrator.run(dataclasses.replace(plan, work=Path(work)), progress=_progress)
    compared = [e for e in found.extensions if e.status in COMPARED]
    repo = find_fork(cfg)
    if repo is not None and compared and not (only or shard):
        # only a whole run is 'the last run' status shows: a slice would hide the rest
        results.save(found, state.state_dir(repo), cfg.name)
    _show(found, fmt or "terminal", output, verbose, nothing_compared=not compared)


def _plan(
    cfg: config_mod.UpstreamConfig,
    only: tuple[str, ...],
    shard: str | None,
    jobs: int | None,
    timeout: float | None,
    reruns: int | None,
    constraint: Path | None,
    cache: Path | None,
) -> RunPlan:
    """Check everything a run needs before anything runs; the plan.

    Raises:
        ForktoolError: no extensions listed (or ``--only`` names one not listed), no
            fork or integrated release, a release between releases, no current shim, a
            constraints file missing, a bad ``--shard``.
    """
    extensions = listing.extensions(cfg)
    if not extensions:
        raise ConfigError(
            f"upstream/{cfg.name}.toml lists no extensions",
            f"add some: forktool extensions {cfg.name} --add Flask-Login",
        )
    if only:
        for name in only:
            problem = config_mod.extension_requirement_problem(name)
            if problem:
                raise ConfigError(f"--only {name!r} {problem}", "give a listed distribution name")
        keys = {e.key: e for e in extensions}
        missing = [n for n in only if listing.Extension.parse(n).key not in keys]
        if missing:
            raise ConfigError(
                f"--only {missing[0]}: not in [extensions] packages of upstream/{cfg.name}.toml",
                f"listed: {', '.join(e.name for e in extensions)}",
            )
        wanted = {listing.Extension.parse(n).key for n in only}
        extensions = [e for e in extensions if e.key in wanted]
    cut = shard_of(extensions, parse_shard(shard) if shard else None)
    lock = lockfile.read(cfg.lock_path)
    repo = find_fork(cfg)
    if lock is None or repo is None:
        raise ForktoolError(
            f"{cfg.name} has no integrated release yet", f"run 'forktool sync {cfg.name}' first"
        )
    if is_between_releases(lock.version):
        raise ForktoolError(
            f"{cfg.name} integrates {lock.version}, a commit between releases: the package "
            "index has no such release for the upstream side",
            f"sync to a release first ('forktool sync {cfg.name} --to <release>')",
        )
    if not cfg.rename.distributions:
        raise ConfigError(
            f"upstream/{cfg.name}.toml has no [rename.distributions]: there is no shim",
            'name the distribution to rename, e.g. Flask = "Framework"',
        )
    shim = shim_state(cfg, lock.version)
    if shim.state != "current" or shim.wheel is None:
        raise ForktoolError(
            f"no current shim wheel for {cfg.name} {pinned_version(cfg, lock.version)} "
            f"in {shim.out}",
            f"run 'forktool shims {cfg.name}'",
        )
    constraints = constraint.resolve() if constraint else cfg.extensions.constraints
    if constraints is not None and not constraints.is_file():
        raise ConfigError(
            f"the constraints file {constraints} does not exist",
            "create it, or fix --constraint / [extensions] constraints",
        )
    head = repo.resolve("HEAD")
    if head is None:
        raise ForktoolError(
            f"the fork of {cfg.name} has no commit", f"run 'forktool sync {cfg.name}'"
        )
    tree = repo.tree_of(head)
    dirty = repo.dirty_paths() + repo.untracked_paths()  # what pip wheel would build from
    fork_key = tree
    if dirty:
        digest = hashlib.sha256(tree.encode())
        for path in sorted(dirty):
            file = cfg.fork_path / path
            digest.update(path.encode() + b"\0" + (file.read_bytes() if file.is_file() else b""))
        fork_key = digest.hexdigest()
    cache_dir = (cache or state.state_dir(repo) / "extensions").resolve()
    cache_dir.mkdir(parents=True, exist_ok=True)
    index = listing.package_index(cfg)
    return RunPlan(
        upstream=cfg.name,
        distribution=next(iter(cfg.rename.distributions)),
        release=lock.version,
        framework=framework_names(cfg.rename.distributions),
        index=index,
        shown_index=redact(index),
        fork_path=cfg.fork_path,
        fork_commit=head,
        fork_key=fork_key,
        fork_dirty=bool(dirty),
        shim_wheel=shim.wheel,
        extensions=tuple(cut),
        constraints=constraints,
        timeout=timeout or cfg.extensions.timeout,
        reruns=cfg.extensions.reruns if reruns is None else reruns,
        jobs=jobs or os.cpu_count() or 1,
        shard=shard or "",
        cache=cache_dir,
        work=cache_dir,
    )


def _progress(step: str) -> None:
    """One line on stderr per step an extension finishes."""
    err.print(f"… {step}", highlight=False, markup=False, soft_wrap=True)


#: The statuses of an extension whose two sides were compared (what makes a run count).
COMPARED = (ExtensionStatus.COMPARED, ExtensionStatus.REGRESSED, ExtensionStatus.BROKEN_ON_FORK)


def _show(
    found: results.RunReport,
    fmt: str,
    output: Path | None,
    verbose: bool,
    *,
    nothing_compared: bool = False,
) -> None:
    """Print or write the report, then exit 0 (no regression) or 1 (regressions); when
    no extension could be compared at all, exit 2 after the report, saying so (a run
    that tested nothing is not a clean run)."""
    if fmt == "terminal" and output is None:
        out.print(report.terminal(found, verbose=verbose), soft_wrap=True)
    elif fmt == "terminal":
        console = Console(file=io.StringIO(), width=120, color_system=None, record=True)
        console.print(report.terminal(found, verbose=verbose))
        write_output(console.export_text(), output)
    else:
        write_output(report.render(found, fmt), output)
    if nothing_compared and found.extensions:
        raise ForktoolError(
            "no extension could be compared: each was not run, had no tests or ran out of "
            "time (the report says why for each)",
            "fix what it names (the index, pins with --constraint, --timeout), then run again",
        )
    click.get_current_context().exit(EXIT_CONFLICT if found.totals["regressions"] else EXIT_OK)
