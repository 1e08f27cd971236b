"""``forktool export``: a fork commit, range or series patch in upstream's names."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from forktool import interrupts
from forktool.cli.group import main
from forktool.cli.output import EXIT_CONFLICT, check_output, err
from forktool.cli.upstream_config import one_config
from forktool.config import UpstreamConfig
from forktool.errors import ConfigError, ForktoolError, Interrupted
from forktool.exchange.export import (
    ApplyStatus,
    Exported,
    Request,
    create_branch,
    export,
    write_forwarded,
)
from forktool.exchange.inverse import RoundTripLine
from forktool.sync.writerlock import exclusive

#: Lines that do not round-trip shown per change (JSON lists them all).
_SHOWN = 50


@main.command("export")
@click.argument("what", metavar="COMMIT|A..B|PATCH")
@click.option(
    "-u", "--upstream", "upstream_name", metavar="NAME",
    help="The upstream (default: the only one defined).",
)  # fmt: skip
@click.option(
    "--onto",
    is_flag=False,
    flag_value="",
    default=None,
    metavar="[REF]",
    help="Check that it applies: alone, to the newest release on the vendor branch; with "
    "REF, to that release, or to a branch, tag or commit of a git upstream.",
)
@click.option(
    "--branch",
    metavar="NAME",
    help="With --onto (git upstream): create branch NAME with the change in a local clone.",
)
@click.option(
    "--clone",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="DIR",
    help="The local clone for --branch (default: the upstream URL, when it is a directory).",
)
@click.option(
    "--forwarded",
    metavar="URL|no",
    help="Write 'Forwarded: URL' (or 'no') into the header of the series patch exported.",
)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
    help="Write the patch to FILE (default: standard output).",
)  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_obj
def export_command(
    root: Path | None,
    what: str,
    upstream_name: str | None,
    onto: str | None,
    branch: str | None,
    clone: Path | None,
    forwarded: str | None,
    output: Path | None,
    as_json: bool,
) -> None:
    """Export a fork commit, range or series patch as a patch in upstream's names.

    The patch is git format-patch output (author, date and message kept). Renaming it
    forward again must give the fork's change byte for byte; lines that do not are
    listed with file and line. Exit code 1 when --onto does not apply, not even three-way.

    Examples:

    \b
      forktool export HEAD --output fix.patch    the fork's last commit, to a file
      forktool export HEAD~3..HEAD --json        three commits, one message each; as JSON
      forktool export server-banner.patch --onto
                                                 a series patch, checked on the newest release
      forktool export HEAD --onto main --branch fix-banner
                                                 a branch on upstream's main, ready to push
      forktool export HEAD --onto main --branch fix --clone ~/src/flask
                                                 the branch in your own clone
      forktool export fix.patch --forwarded https://github.com/pallets/flask/pull/1
                                                 record where the series patch was sent
      forktool export HEAD --upstream flask      with several upstreams
    """
    cfg = one_config(root, upstream_name)
    if output is not None:
        check_output(output)
    request = Request(what, onto, branch, clone, forwarded)
    made: list[str] = []
    try:
        with exclusive(cfg):
            result = export(cfg, request)
            _write(cfg, result, output, made)
        if as_json:
            click.echo(json.dumps(_document(result, output), indent=1))
        else:
            if output is None:
                sys.stdout.buffer.write(result.patch)
                sys.stdout.flush()
            _summary(result, output)
    except Interrupted as exc:
        if made:  # the group's message would say "undone"
            exc.detail = f"it had {', '.join(made)}; nothing else was changed"
        raise
    if result.onto is not None and result.onto.status == ApplyStatus.CONFLICTS:
        sys.exit(EXIT_CONFLICT)


def _write(cfg: UpstreamConfig, result: Exported, output: Path | None, made: list[str]) -> None:
    """Write what the export planned: the ``-o`` file, ``Forwarded:``, and last the branch
    (an interrupt before the push leaves no branch). Each step runs shielded from Ctrl-C
    and is added to ``made`` once done, for the message of an interrupt or a later failure.

    Raises:
        ForktoolError: a step failed; its message names the steps done before it.
    """
    steps: list[tuple[Callable[[], None], str]] = []
    if output is not None:
        steps.append((lambda: _write_output(output, result.patch), f"written {output}"))
    forwarding = result.forwarded
    if forwarding is not None:
        done = f"written Forwarded: {forwarding.value} into {forwarding.path}"
        steps.append((lambda: write_forwarded(forwarding), done))
    branch = result.branch
    if branch is not None:
        done = f"created branch {branch.name} ({branch.commit[:12]}) in {branch.clone}"
        steps.append((lambda: create_branch(cfg, branch), done))
    for step, done in steps:
        try:
            with interrupts.shielded():
                step()
                made.append(done)
        except ForktoolError as exc:
            if not made:
                raise
            message = f"{exc.message} (it had {', '.join(made)})"
            raise ForktoolError(message, exc.hint) from exc


def _write_output(output: Path, patch: bytes) -> None:
    """Write the patch to a new file ``output`` (never over one that appeared meanwhile).

    Raises:
        ConfigError: it cannot be created (nothing was written then).
    """
    try:
        with output.open("xb") as file:
            file.write(patch)
    except OSError as exc:
        raise ConfigError(
            f"cannot write -o {output}: {exc.strerror or exc}",
            "give a new file in a directory you can write",
        ) from exc


def _summary(result: Exported, output: Path | None) -> None:
    """What was exported, its round trip, the --onto check: on stderr."""
    where = f" to {output}" if output is not None else ""
    say(f"{result.upstream}: exported {len(result.changes)} change(s){where}")
    for change in result.changes:
        files = ", ".join(change.files)
        trip = "round trip byte-identical" if change.exact else "round trip NOT identical"
        source = change.source[:12] if change.kind == "commit" else change.source
        say(f"  {change.kind} {source} {change.subject!r}: {files}; {trip}")
        if not change.exact and not change.round_trip:
            say("    (the difference lies outside the lines of the change)")
        for line in change.round_trip[:_SHOWN]:
            say(f"    {line.path}:{line.line} ({line.side}): {line.fork!r} -> {line.round_trip!r}")
        if len(change.round_trip) > _SHOWN:
            say(f"    … {len(change.round_trip) - _SHOWN} more (--json lists them all)")
    onto = result.onto
    if onto is not None:
        state = {
            ApplyStatus.APPLIES: "applies",
            ApplyStatus.THREE_WAY: "applies with three-way",
            ApplyStatus.CONFLICTS: "conflicts",
        }[onto.status]
        say(f"onto {onto.description} ({onto.commit[:12]}): {state}")
        if onto.detail:
            say(f"  git apply --check ({_short(onto.failed)}): {onto.detail}")
        if onto.conflicts:
            say(f"  three-way conflicts in: {', '.join(onto.conflicts)}")
    if result.branch is not None:
        branch = result.branch
        say(f"created branch {branch.name} ({branch.commit[:12]}) in {branch.clone}")
        say(f"  push it: git -C {branch.clone} push <remote> {branch.name}")
    if result.forwarded is not None:
        say(f"wrote Forwarded: {result.forwarded.value} into {result.forwarded.path}")


def _short(source: str) -> str:
    """A fork commit id shortened; a patch name as it is."""
    return source[:12] if len(source) == 40 and source.isalnum() else source


def say(text: str) -> None:
    """One plain line on stderr (no markup: paths and code may hold brackets)."""
    err.print(text, highlight=False, markup=False, soft_wrap=True)


def _document(result: Exported, output: Path | None) -> dict[str, Any]:
    """The ``forktool export --json`` document (docs/json.md)."""
    onto = result.onto
    branch = result.branch
    return {
        "schema": 1,
        "command": "export",
        "upstream": result.upstream,
        "exact": result.exact,
        "changes": [
            {
                "kind": str(change.kind),
                "source": change.source,
                "subject": change.subject,
                "commit": change.commit,
                "files": list(change.files),
                "exact": change.exact,
                "round_trip": [_line(line) for line in change.round_trip],
            }
            for change in result.changes
        ],
        "patch": result.patch.decode("utf-8", "replace"),
        "output": str(output) if output is not None else None,
        "onto": None
        if onto is None
        else {
            "ref": onto.ref,
            "commit": onto.commit,
            "description": onto.description,
            "status": str(onto.status),
            "detail": onto.detail,
            "failed": onto.failed,
            "conflicts": list(onto.conflicts),
        },
        "branch": None
        if branch is None
        else {"name": branch.name, "clone": str(branch.clone), "commit": branch.commit},
        "forwarded": str(result.forwarded.path) if result.forwarded is not None else None,
    }


def _line(line: RoundTripLine) -> dict[str, Any]:
    return {
        "path": line.path,
        "line": line.line,
        "side": str(line.side),
        "fork": line.fork,
        "round_trip": line.round_trip,
    }
