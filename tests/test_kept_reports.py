"""A report kept for every sync (``report --release``), and ``check --format``: the conflict
report of the would-be merge, computed in memory, on real git."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import git, run_cli, snapshot
from tests.test_conflicts import close_repositories, conflicting_fork
from tests.test_conflicts import definition as conflicts_definition
from tests.test_conflicts import upstream as conflicts_upstream

# the fixtures of test_conflicts: an upstream whose 1.1 collides with the fork's changes
__all__ = ["close_repositories"]
upstream = conflicts_upstream
definition = conflicts_definition

KEPT = Path(".git/forktool/reports/mypkg/1.1.json")


def hunks(report: dict) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """Each conflicted path with its hunks' three sides."""
    return [
        (e["path"], [(h["base"]["text"], h["fork"]["text"], h["upstream"]["text"])
                     for h in e["hunks"]])
        for e in report["entries"]
        if e["blocking"]
    ]  # fmt: skip


def test_a_conflicted_sync_keeps_its_report_and_how_it_was_resolved(definition: Path) -> None:
    fork = conflicting_fork(definition)
    assert run_cli(definition, "sync", "--to", "1.1").exit_code == 1

    kept = json.loads((fork / KEPT).read_text())
    assert kept["outcome"]["status"] == "conflict"
    paths = {item["path"]: item for item in kept["outcome"]["paths"]}
    assert "src/ourpkg/core.py" in paths
    marked = git(fork, "cat-file", "-p", paths["src/ourpkg/core.py"]["conflicted"])
    assert "<<<<<<< fork" in marked
    assert hunks(kept) == hunks(json.loads(run_cli(definition, "report", "--json").output))

    resolve_keeping_the_fork(fork)
    assert run_cli(definition, "sync", "--continue").exit_code == 0

    shown = run_cli(definition, "report", "--release", "1.1")
    assert shown.exit_code == 0, shown.output
    assert "resolved by hand" in shown.output
    assert '-    return "Hello, " + name' in shown.output  # the resolution dropped upstream's
    data = json.loads(run_cli(definition, "report", "--release", "1.1", "--json").output)
    assert (data["waiting"], data["outcome"]["status"]) == (False, "resolved-by-hand")
    core = next(p for p in data["outcome"]["paths"] if p["path"] == "src/ourpkg/core.py")
    assert core["by"] == "resolved-by-hand"
    assert "+<<<<<<<" not in core["diff"] and "-<<<<<<< fork" in core["diff"]
    markdown = run_cli(definition, "report", "--release", "1.1", "--format", "markdown")
    assert "resolved by hand" in markdown.output and "```diff" in markdown.output


def resolve_keeping_the_fork(fork: Path) -> None:
    """Resolve every conflict by hand, keeping the fork's side (or its deletion)."""
    for path in git(fork, "diff", "--name-only", "--diff-filter=U").split():
        if git(fork, "ls-files", "--stage", "--", path).count(" 2\t"):
            git(fork, "checkout", "--ours", "--", path)
            git(fork, "add", "--", path)
        else:
            git(fork, "rm", "-q", "--", path)


def test_a_clean_sync_keeps_a_report_saying_clean(definition: Path) -> None:
    assert run_cli(definition, "sync", "--to", "1.0").exit_code == 0
    assert run_cli(definition, "sync", "--to", "1.1").exit_code == 0

    data = json.loads(run_cli(definition, "report", "--release", "1.1", "--json").output)
    assert data["outcome"]["status"] == "clean"
    assert [e for e in data["entries"] if e["blocking"]] == []
    first = run_cli(definition, "report", "--release", "1.0")
    assert first.exit_code == 0 and "clean" in first.output


def test_no_kept_report_is_one_line_and_exit_2(definition: Path) -> None:
    assert run_cli(definition, "sync", "--to", "1.0").exit_code == 0
    result = run_cli(definition, "report", "--release", "9.9")
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1
    assert "no kept report of mypkg 9.9 — reports are kept for 1.0" in result.output


def test_check_format_json_is_the_report_of_the_real_sync_and_changes_nothing(
    definition: Path,
) -> None:
    fork = conflicting_fork(definition)
    before = snapshot(fork)

    checked = run_cli(definition, "check", "--to", "1.1", "--format", "json")

    assert checked.exit_code == 1, checked.output
    assert snapshot(fork) == before
    [result] = json.loads(checked.output)["results"]
    assert result["status"] == "conflict"
    would_be = result["report"]
    assert run_cli(definition, "sync", "--to", "1.1").exit_code == 1
    real = json.loads(run_cli(definition, "report", "--json").output)
    assert hunks(would_be) == hunks(real)
    assert [h["line"] for e in would_be["entries"] for h in e["hunks"]] == [
        h["line"] for e in real["entries"] for h in e["hunks"]
    ]
    assert [e["kind"] for e in would_be["entries"]] == [e["kind"] for e in real["entries"]]


def test_check_format_markdown_and_exit_codes(definition: Path) -> None:
    conflicting_fork(definition)
    markdown = run_cli(definition, "check", "--to", "1.1", "--format", "markdown")
    assert markdown.exit_code == 1
    assert "would conflict" in markdown.output
    assert "# Conflict report: mypkg 1.0 → 1.1" in markdown.output
    assert "src/ourpkg/core.py" in markdown.output
    clean = run_cli(definition, "check", "--to", "1.0", "--format", "json")
    assert clean.exit_code == 0
    assert json.loads(clean.output)["results"][0]["report"] is None


def test_a_report_that_cannot_be_kept_never_fails_the_sync(definition: Path) -> None:
    """Something in the way of the kept report (here a directory): a warning, exit 0."""
    assert run_cli(definition, "sync", "--to", "1.0").exit_code == 0
    reports = fork_path_of(definition) / ".git/forktool/reports/mypkg"
    (reports / "1.1.json").mkdir(parents=True)
    result = run_cli(definition, "sync", "--to", "1.1")
    assert result.exit_code == 0, result.output
    assert "warning: the report of mypkg 1.1 was not kept" in result.output
    shown = run_cli(definition, "report", "--release", "1.1")
    assert shown.exit_code == 2 and "cannot be read" in shown.output


def fork_path_of(definition: Path) -> Path:
    return definition / "forks" / "mypkg"


def test_an_aborted_sync_is_never_taken_for_a_later_clean_one(definition: Path) -> None:
    fork = conflicting_fork(definition)
    start = git(fork, "rev-parse", "HEAD")
    assert run_cli(definition, "sync", "--to", "1.1").exit_code == 1
    aborted = run_cli(definition, "sync", "--abort")
    assert aborted.exit_code == 0
    assert "mypkg: sync of 1.1 aborted; the fork is back at 1.0" in aborted.output

    kept = json.loads((fork / KEPT).read_text())
    assert kept["outcome"]["status"] == "aborted"
    assert all(p["conflicted_text"] == "" for p in kept["outcome"]["paths"])
    shown = run_cli(definition, "report", "--release", "1.1")
    assert "undone with --abort" in shown.output and "resolution of" not in shown.output

    # The user takes the fork's changes back out; the same release then merges cleanly.
    git(fork, "reset", "-q", "--hard", f"{start}~5")
    assert run_cli(definition, "sync", "--to", "1.1").exit_code == 0
    data = json.loads(run_cli(definition, "report", "--release", "1.1", "--json").output)
    assert data["outcome"]["status"] == "clean"  # not "resolved-by-hand" from the aborted one
    assert data["outcome"]["paths"] == []


def test_the_resolution_diff_survives_git_gc_pruning_the_conflicted_blob(
    definition: Path,
) -> None:
    fork = conflicting_fork(definition)
    assert run_cli(definition, "sync", "--to", "1.1").exit_code == 1
    kept = json.loads((fork / KEPT).read_text())
    core = next(p for p in kept["outcome"]["paths"] if p["path"] == "src/ourpkg/core.py")
    assert "<<<<<<< fork" in core["conflicted_text"]
    git(fork, "-c", "gc.reflogExpire=now", "gc", "-q", "--prune=now")
    pruned = git(fork, "cat-file", "-t", core["conflicted"], check=False)
    assert "blob" not in pruned  # the blob is gone: only the kept text can show the diff

    resolve_keeping_the_fork(fork)
    assert run_cli(definition, "sync", "--continue").exit_code == 0
    data = json.loads(run_cli(definition, "report", "--release", "1.1", "--json").output)
    core = next(p for p in data["outcome"]["paths"] if p["path"] == "src/ourpkg/core.py")
    assert "-<<<<<<< fork" in core["diff"] and core["conflicted_text"] == ""
