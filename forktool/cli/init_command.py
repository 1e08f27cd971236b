"""``forktool init``: scaffold the definition of a new upstream, asking for the new names."""

from __future__ import annotations

import json
import shlex
import sys
from collections.abc import Callable
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

from forktool import config as config_mod
from forktool import scaffold
from forktool.cli.group import main
from forktool.cli.output import err, out
from forktool.errors import ForktoolError


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
    "--skip", "skipped", multiple=True, metavar="OLD",
    help="Leave the guessed import package OLD out of the rename (repeatable).",
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
    skipped: tuple[str, ...],
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
      forktool init --pypi pytest --skip py --package pytest=ptest --package _pytest=_ptest
                                     a wrong guess left out
      forktool init --pypi flask --package framework --fork-path ../framework
                                     fork repository elsewhere
      forktool init --pypi flask --package framework --json
                                     what was written, as JSON
    """

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
    source = scaffold.make_source(project, url, index, tag_pattern)
    names = scaffold.parse_names(packages, distribution, scripts, skipped)
    name = upstream_name or scaffold.default_name(source)
    scaffold.check_name(name)
    if root is not None:
        definition = root.resolve()
    else:
        try:
            definition = config_mod.find_root(Path.cwd())
        except ForktoolError:
            definition = Path.cwd()  # no definition yet: start one here
        if definition != Path.cwd().resolve():  # said before anything is asked or written
            err.print(
                f"adding upstream {name} to the fork definition at {definition} (found above "
                "the current directory); '--root DIR' starts a definition elsewhere",
                highlight=False, markup=False, soft_wrap=True,
            )  # fmt: skip
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
