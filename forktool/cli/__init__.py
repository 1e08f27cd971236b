"""The command line: the only place that prints or exits.

Exit codes: 0 success, 1 conflicts waiting for resolution, 2 error (nothing changed).

The ``main`` group lives in ``group``; each ``*_command(s)`` module registers its commands on
it when imported, which ``group`` does the first time a command is looked up (start-up
imports only the command that runs). ``output`` holds the consoles, the exit codes and the
error line; ``upstream_config`` picks the upstream a command works on.
"""

from __future__ import annotations

from forktool.cli.group import main

__all__ = ["main"]
