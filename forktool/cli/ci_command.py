"""``forktool ci init`` and ``forktool ci run``: the fork bot (docs/bot.md)."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from forktool import config as config_mod
from forktool.bot import body, workflows
from forktool.bot.run import BotResult, BotStatus, check_remote, run
from forktool.cli.group import main
from forktool.cli.output import EXIT_CONFLICT, EXIT_ERROR, err, out, show_error, show_progress
from forktool.cli.views import _error
from forktool.errors import ConfigError, ForktoolError
from forktool.sync.writerlock import exclusive


@main.group("ci")
def ci_group() -> None:
    """The fork bot: propose each newer upstream release as a pull request, on a schedule.

    Examples:

    \b
      forktool ci init --github         write .github/workflows/forktool.yml
      forktool ci run --remote origin   sync newer releases on branches and push them
    """


@ci_group.command("init")
@click.argument("upstream_name", metavar="[UPSTREAM]", required=False)
@click.option("--github", "forge", flag_value="github", help="GitHub Actions (the default).")
@click.option("--gitlab", "forge", flag_value="gitlab", help="GitLab CI.")
@click.option(
    "--requirement", metavar="SPEC",
    help="What the job installs forktool with (pip): 'forktool @ git+URL@COMMIT', a wheel's "
    "path, ... (default: as this forktool was installed, if the job can reach it).",
)  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print the files written as JSON.")
@click.pass_obj
def init_command(
    root: Path | None,
    upstream_name: str | None,
    forge: str | None,
    requirement: str | None,
    as_json: bool,
) -> None:
    """Write the workflow that runs the fork bot on a schedule; never overwrite a file.

    The job clones the fork repository where [fork] path says (of UPSTREAM, or of the
    only upstream defined), and installs forktool as --requirement says: by default as
    this forktool was installed (a package index: forktool==VERSION; a git URL: that
    commit); one installed from a local directory needs --requirement.

    Examples:

    \b
      forktool ci init --github   .github/workflows/forktool.yml
      forktool ci init --gitlab   .gitlab/forktool.yml (+ .gitlab-ci.yml including it)
      forktool ci init --json     the files written, as JSON (docs/json.md)
      forktool ci init --requirement 'forktool @ git+https://github.com/you/forktool@COMMIT'
    """
    definition = config_mod.definition_root(root)
    names = [upstream_name] if upstream_name else config_mod.upstream_names(definition)
    if len(names) != 1:
        raise ConfigError(
            f"several upstreams are defined ({', '.join(names)}): the workflow clones one "
            "fork repository",
            "name the UPSTREAM whose fork repository the workflow clones",
        )
    cfg = config_mod.load(definition, names[0])
    fork_path = os.path.relpath(cfg.fork_path, definition)
    chosen = workflows.Forge(forge or "github")
    spec = workflows.requirement(requirement)
    files = workflows.plan(chosen, definition, fork_path, spec)
    written = workflows.write(definition, files)
    include = chosen == workflows.Forge.GITLAB and len(files) == 1
    if as_json:
        document = {
            "schema": 1,
            "command": "ci init",
            "forge": str(chosen),
            "written": [str(path) for path in written],
            "include": workflows.gitlab_include() if include else "",
        }
        click.echo(json.dumps(document, indent=1))
        return
    for path in written:
        out.print(f"wrote {path}", highlight=False, markup=False, soft_wrap=True)
    if include:
        out.print("add to your .gitlab-ci.yml:", highlight=False)
        out.print(workflows.gitlab_include(), highlight=False, markup=False, end="")
    out.print("next: set the variable and secret the file names, then see docs/bot.md")


@dataclass(frozen=True)
class _Posted:
    result: BotResult
    post: body.Post
    where: Path


@ci_group.command("run")
@click.argument("upstream_name", metavar="[UPSTREAM]", required=False)
@click.option(
    "--remote", required=True, metavar="NAME",
    help="The fork repository's remote to push the branches to (in CI: origin).",
)  # fmt: skip
@click.option(
    "--out", "out_dir", type=click.Path(path_type=Path), default=Path(workflows.OUT_DIR),
    show_default=True, metavar="DIR",
    help="Where to write each upstream's title and body for the workflow.",
)  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.option("--wait", is_flag=True, help="Wait for another forktool on this fork to finish.")
@click.pass_obj
def run_command(
    root: Path | None,
    upstream_name: str | None,
    remote: str,
    out_dir: Path,
    as_json: bool,
    wait: bool,
) -> None:
    """Propose each newer release on a branch of the fork repository, pushed.

    Syncs it on the branch forktool/<upstream>-<version> and writes the pull request's
    (or, on conflicts, the issue's) title and body. Never checks out or moves the fork
    branch, and never changes the lock file. Exit code 0: done (proposed, up to date, or
    too new); 1: a release conflicts (its issue body is written); 2: error.

    Examples:

    \b
      forktool ci run --remote origin              every upstream
      forktool ci run flask --remote origin --out /tmp/bot
      forktool ci run --remote origin --json       results as JSON (docs/json.md)
      forktool ci run --remote origin --wait       queue behind another forktool
    """
    if out_dir.exists() and not out_dir.is_dir():
        raise ConfigError(f"--out {out_dir} is not a directory", "name a directory (or a new one)")
    definition = config_mod.definition_root(root)
    names = [upstream_name] if upstream_name else config_mod.upstream_names(definition)
    configs = [config_mod.load(definition, name) for name in names]
    for cfg in configs:  # refuse a missing remote before anything is done
        check_remote(cfg, remote)
    now = datetime.now(UTC)
    posted: list[_Posted] = []
    errors: list[tuple[str, ForktoolError]] = []
    for cfg in configs:
        try:
            with exclusive(cfg, wait=wait), show_progress(as_json) as progress:
                result = run(cfg, remote, now, progress)
                repo = check_remote(cfg, remote)
                post = body.compose(cfg, repo, result)
                posted.append(_Posted(result, post, body.write_post(out_dir, result, post)))
        except ForktoolError as exc:
            if len(configs) == 1:
                raise
            show_error(exc)
            errors.append((cfg.name, exc))
    if as_json:
        click.echo(_json(posted, errors, remote))
    else:
        for item in posted:
            _render(item)
    if errors:
        sys.exit(EXIT_ERROR)
    if any(item.result.status.waits for item in posted):
        sys.exit(EXIT_CONFLICT)


def _render(item: _Posted) -> None:
    """One line per upstream, then what was pushed and where the body is."""
    result = item.result
    name = result.upstream
    if result.status == BotStatus.UP_TO_DATE:
        line = f"{name}: {result.integrated} is up to date; nothing to propose"
    elif result.status == BotStatus.TOO_NEW:
        line = (
            f"{name}: {result.version} is younger than [bot] min-release-age; proposed "
            f"after {result.eligible}"
        )
    elif result.status == BotStatus.ISSUE:
        line = (
            f"{name}: {result.version} conflicts with {result.base}; nothing pushed, "
            "issue body written"
        )
    else:
        proposal = result.proposal
        assert proposal is not None
        pushed = (
            f"pushed {', '.join(proposal.pushed)}"
            if proposal.pushed
            else f"the remote has {result.head} at it already; nothing pushed"
        )
        line = (
            f"{name}: {result.version} merges cleanly: {result.branch} at "
            f"{proposal.commit[:12]}; {pushed}"
        )
    out.print(line, highlight=False, markup=False, soft_wrap=True)
    err.print(f"  title and body in {item.where}", highlight=False, markup=False, soft_wrap=True)


def _json(posted: list[_Posted], errors: list[tuple[str, ForktoolError]], remote: str) -> str:
    """``{"schema": 1, "command": "ci run", "remote", "results": [...], "errors": [...]}``
    (docs/json.md)."""
    results: list[dict[str, Any]] = []
    for item in posted:
        result = item.result
        proposal = result.proposal
        results.append(
            {
                "upstream": result.upstream,
                "status": str(result.status),
                "integrated": result.integrated,
                "version": result.version,
                "released": result.released,
                "eligible": result.eligible,
                "branch": result.branch,
                "head": result.head,
                "base": result.base,
                "commit": proposal.commit if proposal else "",
                "pushed": list(proposal.pushed) if proposal else [],
                "conflicts": list(result.check.conflicts) if result.check else [],
                "title": item.post.title,
                "out": str(item.where),
            }
        )
    failed = [{"upstream": name, **_error(exc)} for name, exc in errors]
    document = {"schema": 1, "command": "ci run", "remote": remote, "results": results}
    return json.dumps({**document, "errors": failed}, indent=1)
