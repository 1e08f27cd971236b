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
    second = definition.parent / "r2.html"
    assert run_cli(definition, "report", "--json", "-o", str(second)).exit_code == 1
    assert json.loads(second.read_text())["command"] == "report"
    # an existing file is never overwritten: one line, exit 2, the file as it was
    kept = target.read_bytes()
    again = run_cli(definition, "report", "-o", str(target))
    assert again.exit_code == 2 and "exists; forktool does not overwrite it" in again.output
    assert target.read_bytes() == kept


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


# -- the sync's closing lines, status, sync --each -----------------------------------------


def test_a_sync_stopped_on_conflicts_names_the_report(definition: Path) -> None:
    assert run_cli(definition, "sync", "mypkg", "--to", "1.0").exit_code == 0
    fork = definition / "forks" / "mypkg"
    core = fork / CORE
    core.write_text(core.read_text().replace('"hello "', '"Yo "'))
    git(fork, "commit", "-qam", "fork: a friendlier greeting")
    result = run_cli(definition, "sync", "mypkg", "--to", "1.1")
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == "  see the conflict report: forktool report mypkg"


def test_status_counts_a_path_resolved_only_without_markers(definition: Path) -> None:
    fork = stopped(definition)
    core = fork / CORE
    git(fork, "add", CORE)  # still holds the markers git wrote
    assert "<<<<<<< " in core.read_text()
    result = run_cli(definition, "status", "--offline")
    assert result.exit_code == 1
    assert f"    conflict {CORE}" in result.output.splitlines()
    data = json.loads(run_cli(definition, "status", "--offline", "--json").output)
    assert data["upstreams"][0]["pending"]["unresolved"] == [CORE]
    assert run_cli(definition, "sync", "--continue").exit_code == 2  # and --continue agrees

    kept = [line for line in core.read_text().splitlines(keepends=True)
            if not line.startswith(("<<<<<<<", "|||||||", "=======", ">>>>>>>"))]  # fmt: skip
    core.write_text("".join(kept))
    git(fork, "add", CORE)
    result = run_cli(definition, "status", "--offline")
    assert f"    resolved {CORE}" in result.output.splitlines()
    assert run_cli(definition, "sync", "--continue").exit_code == 0


def test_sync_each_prints_a_line_per_release(definition: Path, upstream_repo: Path) -> None:
    (upstream_repo / "NEWS.txt").write_text("1.3\n")
    git(upstream_repo, "add", "NEWS.txt")
    git(upstream_repo, "commit", "-qm", "release 1.3")
    git(upstream_repo, "tag", "v1.3")
    assert run_cli(definition, "sync", "mypkg", "--to", "1.0").exit_code == 0
    result = run_cli(definition, "sync", "mypkg", "--each")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert [line for line in lines if line.startswith("release ")] == [
        "release 1 of 2: mypkg 1.1",
        "release 2 of 2: mypkg 1.3",
    ]
    first, second = (
        lines.index("release 1 of 2: mypkg 1.1"),
        lines.index("release 2 of 2: mypkg 1.3"),
    )
    assert "mypkg: integrated 1.1 (was 1.0)" in lines[first + 1 : second]
    assert lines.count("mypkg: integrated 1.3 (was 1.1)") == 1  # each result printed once
    data = json.loads(run_cli(definition, "sync", "mypkg", "--each", "--json").output)
    assert data["command"] == "sync"  # no line of text in the JSON
