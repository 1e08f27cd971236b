"""The ``forktool`` command group, on which every command module registers its commands."""

from __future__ import annotations

from pathlib import Path

import click


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
