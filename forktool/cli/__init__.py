"""The command line: the only place that prints or exits.

Exit codes: 0 success, 1 conflicts waiting for resolution, 2 error (nothing changed).

The ``main`` group lives in ``group``; each ``*_command(s)`` module registers its commands on
it when imported here. ``output`` holds the consoles, the exit codes and the error line;
``upstream_config`` picks the upstream a command works on.
"""

from __future__ import annotations

from forktool.cli import (  # noqa: F401  (imported for their commands, registered on main)
    backport_command,
    ci_command,
    export_command,
    extensions_command,
    init_command,
    patch_commands,
    rename_command,
    report_commands,
    resolve_command,
    shims_command,
    sync_commands,
)
from forktool.cli.group import main

__all__ = ["main"]
