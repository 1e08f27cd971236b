"""The ``forktool`` command group, on which every command module registers its commands.

Command modules are imported when their command is first looked up (:data:`COMMANDS`), so
that ``forktool status`` does not pay at start-up for libcst and every other command's
imports; ``forktool --help`` imports them all to list them.
"""

from __future__ import annotations

import importlib
import signal
from pathlib import Path
from typing import Any

import click

from forktool import interrupts, perf
from forktool.cli.output import fail
from forktool.errors import ForktoolError, Interrupted


class ForktoolCommand(click.Command):
    """A command whose :class:`ForktoolError` ends as the one-line error and exit code 2
    (also as JSON under ``--json``: :func:`forktool.cli.output.fail`); the one place a
    command's error is turned into output."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ForktoolError as exc:
            fail(exc)


#: Each top-level command -> the module that registers it on :data:`main` when imported
#: (``tests/test_help.py`` checks this against the commands the modules register).
COMMANDS = {
    "backport": "forktool.cli.backport_command",
    "check": "forktool.cli.sync_commands",
    "ci": "forktool.cli.ci_command",
    "export": "forktool.cli.export_command",
    "extensions": "forktool.cli.extensions_command",
    "init": "forktool.cli.init_command",
    "leftovers": "forktool.cli.report_commands",
    "patch": "forktool.cli.patch_commands",
    "rename": "forktool.cli.rename_command",
    "report": "forktool.cli.report_commands",
    "resolve": "forktool.cli.resolve_command",
    "shims": "forktool.cli.shims_command",
    "status": "forktool.cli.report_commands",
    "sync": "forktool.cli.sync_commands",
}


class ForktoolGroup(click.Group):
    """The command group: every command runs with Ctrl-C and SIGTERM turned into
    :class:`Interrupted` (the command undoes what it started), and an interrupt ends in one
    line and exit code 128 + the signal's number (130 for Ctrl-C, 143 for SIGTERM), never
    in click's "Aborted!" with exit code 1, which means "conflicts wait"."""

    command_class = ForktoolCommand
    group_class = type  # subgroups (``forktool patch``) are ForktoolGroups too

    #: Set when run as the program (the console script, ``python -m forktool``): the
    #: process exits after the command.
    is_program = False
    #: Commands registered by importing a module, imported on first lookup (command name
    #: -> module); only :data:`main` has any.
    lazy_commands: dict[str, str] = {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self.lazy_commands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = self.lazy_commands.get(cmd_name)
        if module is not None and cmd_name not in self.commands:
            with perf.step(f"import {module}"):
                importlib.import_module(module)
        return super().get_command(ctx, cmd_name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.is_program = True
        return self.main(*args, **kwargs)

    def invoke(self, ctx: click.Context) -> Any:
        if self.is_program:
            perf.mark("start-up: Python imports")
        try:
            with interrupts.converted(last=self.is_program):
                return super().invoke(ctx)
        except (Interrupted, KeyboardInterrupt) as exc:
            signum = exc.signum if isinstance(exc, Interrupted) else signal.SIGINT
            detail = exc.detail if isinstance(exc, Interrupted) else ""
            name = signal.Signals(signum).name
            click.echo(
                f"error: interrupted ({name}) — "
                + (detail or "what the command had started is undone; run it again when ready"),
                err=True,
            )
            ctx.exit(128 + signum)
        finally:
            if self.is_program and perf.timings_wanted():
                perf.mark("the whole command")
                for line in perf.format_steps(perf.recorded()):
                    click.echo(line, err=True)
                click.echo(perf.memory_line(), err=True)


@click.group(cls=ForktoolGroup, context_settings={"help_option_names": ["-h", "--help"]})
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


main.lazy_commands = COMMANDS
