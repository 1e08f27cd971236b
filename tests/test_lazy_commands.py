"""Command modules are imported on first use, and the map that says which module registers
which command is complete and exact."""

from __future__ import annotations

import importlib
import subprocess
import sys

import click

from forktool.cli import group


def test_the_map_names_exactly_the_commands_the_modules_register() -> None:
    for module in sorted(set(group.COMMANDS.values())):
        importlib.import_module(module)
    assert set(group.main.commands) == set(group.COMMANDS)
    for name, command in group.main.commands.items():
        # the command object is defined in the module the map names
        callback = command.callback
        assert callback is not None
        defined_in = sys.modules[callback.__module__].__name__
        assert defined_in == group.COMMANDS[name], name


def test_help_lists_every_command() -> None:
    ctx = click.Context(group.main)
    assert group.main.list_commands(ctx) == sorted(group.COMMANDS)
    for name in group.COMMANDS:
        assert group.main.get_command(ctx, name) is not None


def _modules_after(*args: str) -> set[str]:
    """The modules a fresh ``forktool ARGS`` process has imported when it exits."""
    code = (
        "import sys\n"
        "from forktool.cli import main\n"
        "try:\n"
        f"    main({list(args)!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        "sys.stderr.write('\\n'.join(sorted(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(done.stderr.split())


def test_a_command_imports_its_own_module_only() -> None:
    loaded = _modules_after("status", "--help")
    assert "forktool.cli.report_commands" in loaded
    others = set(group.COMMANDS.values()) - {"forktool.cli.report_commands"}
    assert not others & loaded
    assert "libcst" not in loaded  # status needs no CST


def test_version_imports_no_command() -> None:
    loaded = _modules_after("--version")
    assert not set(group.COMMANDS.values()) & loaded
