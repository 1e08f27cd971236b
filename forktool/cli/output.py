"""What every command prints with, and how it exits.

The consoles (``out`` for results, ``err`` for errors, progress and notes), the exit codes,
the one-line error (also as JSON under ``--json``) and the progress display.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichProgress

from forktool import perf
from forktool.errors import ForktoolError
from forktool.upstream.urlauth import redact

EXIT_OK, EXIT_CONFLICT, EXIT_ERROR = 0, 1, 2

out = Console()
err = Console(stderr=True)


def show_error(exc: ForktoolError) -> None:
    """One red line: what is wrong, then (dimmed) what to do; any password in a URL is
    redacted (:func:`forktool.upstream.urlauth.redact`)."""
    hint = f" [dim]— {escape(redact(exc.hint))}[/]" if exc.hint else ""
    message = escape(redact(exc.message))
    err.print(f"[bold red]error:[/] [red]{message}[/]{hint}", highlight=False, soft_wrap=True)


def fail(exc: ForktoolError) -> NoReturn:
    """Show ``exc`` as one line and exit with code 2.

    Under ``--json`` (or ``report --format json``) the error is also printed on stdout as
    ``{"schema": 1, "command", "error": {"message", "hint"}}``, so a program reading
    stdout always gets one JSON document.
    """
    ctx = click.get_current_context(silent=True)
    if ctx is not None and _json_requested(ctx):
        from forktool.cli import views  # here: it imports every command's results

        click.echo(views.error_json(_command_name(ctx), exc))
    show_error(exc)
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


@contextmanager
def show_progress(quiet: bool) -> Iterator[Callable[[str], None]]:
    """Show each step: pulsing bars with elapsed time on a terminal, plain lines otherwise."""
    if quiet:
        yield lambda _: None
        return
    if not err.is_terminal:
        yield lambda step: err.print(f"… {step}", highlight=False, markup=False)
        return
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with (
        RichProgress(*columns, console=err, transient=False) as bars,
        perf.pausing(lambda: _paused(bars)),
    ):
        current: list[TaskID] = []

        def show(step: str) -> None:
            if current:
                bars.update(current[-1], total=1, completed=1)
            current.append(bars.add_task(step, total=None))

        yield show
        if current:
            bars.update(current[-1], total=1, completed=1)


@contextmanager
def _paused(bars: RichProgress) -> Iterator[None]:
    """The progress display without its refresh thread, so that the rename's workers can
    be forked (``perf.single_threaded``): stopped as a transient display (what it drew
    is erased), started again where it was."""
    live = bars.live
    live.transient = True
    bars.stop()
    try:
        yield
    finally:
        live.transient = False
        bars.start()


#: The format ``--output FILE`` implies, by the file's extension (lower-cased).
FORMAT_OF_EXTENSION = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".json": "json",
    ".html": "html",
    ".htm": "html",
    ".txt": "terminal",
}


def format_of(output: Path | None) -> str:
    """The format ``--output`` implies (``terminal`` on standard output).

    Raises:
        ForktoolError: the file's extension names no format.
    """
    if output is None:
        return "terminal"
    found = FORMAT_OF_EXTENSION.get(output.suffix.lower())
    if found is None:
        raise ForktoolError(
            f"cannot tell the report's format from the name {output.name}",
            "name the file .md, .json, .html or .txt, or give --format",
        )
    return found


def check_output(output: Path) -> None:
    """Refuse an ``--output`` FILE before anything is read or written: one that exists
    (forktool overwrites only what it can prove it wrote, and a file named on the command
    line is not that), or whose directory does not.

    Raises:
        ForktoolError: what is wrong with it, one line.
    """
    if output.exists() or output.is_symlink():
        raise ForktoolError(
            f"{output} exists; forktool does not overwrite it",
            "give a new file name, or move that file away first",
        )
    if not output.parent.is_dir():
        raise ForktoolError(
            f"cannot write {output}: the directory {output.parent} does not exist",
            "create it first, or give a file in an existing directory",
        )


def write_output(text: str, output: Path | None) -> None:
    """Print ``text`` on stdout, or write it to the new file ``output`` (never one that
    appeared meanwhile) and say so on stderr.

    Raises:
        ForktoolError: the file exists by now or cannot be written, one line.
    """
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        with output.open("x", encoding="utf-8") as file:
            try:
                file.write(text)
            except BaseException:
                output.unlink(missing_ok=True)  # ours, just created: a cut-short file goes
                raise
    except FileExistsError as exc:
        raise ForktoolError(
            f"{output} appeared meanwhile; forktool does not overwrite it",
            "give a new file name",
        ) from exc
    except OSError as exc:
        raise ForktoolError(
            f"cannot write {output}: {exc.strerror or exc}",
            "give another --output, or check that directory's permissions",
        ) from exc
    err.print(f"wrote {output}", highlight=False, markup=False, soft_wrap=True)
