"""Every command says in one line what it does, and shows every option in an example."""

from __future__ import annotations

import re

import click
import pytest
from click.testing import CliRunner

from forktool.cli import main


def commands() -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = []

    ctx = click.Context(main)

    def walk(command: click.Command, path: str) -> None:
        found.append((path, command))
        if isinstance(command, click.Group):
            for name in command.list_commands(ctx):  # imports the lazily loaded ones
                sub = command.get_command(ctx, name)
                assert sub is not None, f"{path} {name}: listed, but no module registers it"
                walk(sub, f"{path} {name}")

    walk(main, "forktool")
    return found


COMMANDS = dict(commands())


def example_lines(command: click.Command) -> list[str]:
    """The lines of the help's Examples block that run forktool."""
    text = command.help or ""
    _, _, examples = text.partition("Examples:")
    _, _, block = examples.partition("\b\n")
    lines = block.split("\n\n")[0].splitlines()
    return [line.strip() for line in lines if "forktool" in line]


@pytest.mark.parametrize("path", COMMANDS)
def test_summary_is_one_short_sentence(path: str) -> None:
    summary = (COMMANDS[path].help or "").strip().splitlines()[0]
    assert summary.endswith("."), summary
    assert len(summary) <= 88, summary


@pytest.mark.parametrize("path", COMMANDS)
def test_every_option_has_help_and_an_example(path: str) -> None:
    command = COMMANDS[path]
    examples = example_lines(command)
    assert examples, f"{path}: no Examples block"
    assert all(line.startswith(("forktool", "cat ")) for line in examples)
    for param in command.params:
        if not isinstance(param, click.Option) or param.name in ("help", "version_option"):
            continue
        assert param.help and "\n" not in param.help.strip(), f"{path} {param.opts}: no help"
        if param.opts == ["--version"]:
            names = ["--version"]
        else:
            names = [name for name in param.opts if name.startswith("--")]
        used = any(
            re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", e) for n in names for e in examples
        )
        assert used, f"{path}: no example uses {names[0]}"


@pytest.mark.parametrize("path", COMMANDS)
def test_help_renders_with_examples_kept_on_their_lines(path: str) -> None:
    args = path.split()[1:] + ["--help"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    for line in example_lines(COMMANDS[path]):
        command = re.split(r"\s{2,}", line)[0]
        assert command in result.output, f"{path}: example {command!r} was rewrapped"
