"""What a stopped sync says on the way out, and what ``forktool report -o FILE`` writes: the
format from the file's extension, plain text without colour codes, repository-relative
paths in what is shared (Markdown, HTML), absolute ones in JSON; ``status`` counting a path
resolved only without markers left; ``sync --each`` naming each release as it goes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import git, run_cli
from tests.test_conflicts import close_repositories

__all__ = ["close_repositories"]  # a fixture, for every test here

CORE = "src/ourpkg/core.py"


def stopped(definition: Path) -> Path:
    """Sync 1.0, commit a fork change to the line 1.1 changes, sync 1.1: conflicts wait.

    Returns:
        the fork repository.
    """
    assert run_cli(definition, "sync", "mypkg", "--to", "1.0").exit_code == 0
    fork = definition / "forks" / "mypkg"
    core = fork / CORE
    core.write_text(core.read_text().replace('"hello "', '"Yo "'))
    git(fork, "commit", "-qam", "fork: a friendlier greeting")
    assert run_cli(definition, "sync", "mypkg", "--to", "1.1").exit_code == 1
    return fork


@pytest.mark.parametrize(
    ("name", "starts"),
    [
        ("r.md", "# "),
        ("r.markdown", "# "),
        ("r.json", "{"),
        ("r.HTML", "<!DOCTYPE html>"),
        ("r.txt", "mypkg 1.0 → 1.1"),
    ],
)
def test_output_format_follows_the_extension(definition: Path, name: str, starts: str) -> None:
    stopped(definition)
    target = definition.parent / name
    result = run_cli(definition, "report", "mypkg", "-o", str(target))
    assert result.exit_code == 1, result.output
    assert target.read_text(encoding="utf-8").startswith(starts)


def test_an_explicit_format_wins_over_the_extension(definition: Path) -> None:
    stopped(definition)
    target = definition.parent / "r.html"
    assert run_cli(definition, "report", "--format", "markdown", "-o", str(target)).exit_code == 1
    assert target.read_text().startswith("# ")
    assert run_cli(definition, "report", "--json", "-o", str(target)).exit_code == 1
    assert json.loads(target.read_text())["command"] == "report"


def test_an_unknown_extension_is_refused_before_anything_is_written(definition: Path) -> None:
    stopped(definition)
    target = definition.parent / "report.out"
    result = run_cli(definition, "report", "-o", str(target))
    assert result.exit_code == 2
    assert "cannot tell the report's format from the name report.out" in result.output
    assert not target.exists()
    assert run_cli(definition, "report", "--format", "html", "-o", str(target)).exit_code == 1
    assert "<html" in target.read_text()


def test_terminal_format_to_a_file_is_plain_text(definition: Path) -> None:
    fork = stopped(definition)
    target = definition.parent / "r.txt"
    assert run_cli(definition, "report", "--format", "terminal", "-o", str(target)).exit_code == 1
    text = target.read_text(encoding="utf-8")
    assert "\x1b" not in text  # no colour or other escape codes
    assert "# " not in text.splitlines()[0]  # not Markdown
    assert f"content {CORE}" in text
    assert "fork: a friendlier greeting" in text
    assert str(fork) in text  # what the terminal shows, for the one who resolves


def test_shared_formats_show_repository_relative_paths_json_absolute(definition: Path) -> None:
    fork = stopped(definition)
    local = str(definition.parent)  # the temporary directory: nobody else has it
    for name in ("r.md", "r.html"):
        target = definition.parent / name
        assert run_cli(definition, "report", "-o", str(target)).exit_code == 1
        text = target.read_text(encoding="utf-8")
        assert local not in text, name
        assert "forks/mypkg" in text, name
    target = definition.parent / "r.json"
    assert run_cli(definition, "report", "-o", str(target)).exit_code == 1
    data = json.loads(target.read_text())
    assert data["fork_repository"] == str(fork)
    assert data["resolve_in"] == str(fork)
