"""``forktool check``, ``sync --each`` and remembered resolutions (rerere), on real git."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import tomlkit

from tests.helpers import build_file_tree, git, run_cli
from tests.test_status import everything, index_file


def fork_path(definition: Path) -> Path:
    return definition / "forks" / "mypkg"


def lock(definition: Path) -> dict[str, str]:
    return tomlkit.parse((definition / "upstream" / "mypkg.lock").read_text()).unwrap()


def edit_greeting(definition: Path, greeting: str) -> None:
    fork = fork_path(definition)
    core = fork / "src/ourpkg/core.py"
    core.write_text(core.read_text().replace('"hello "', greeting))
    git(fork, "commit", "-qam", "fork: greeting")


def resolve_keeping_fork(definition: Path) -> None:
    core = fork_path(definition) / "src/ourpkg/core.py"
    text = core.read_text()
    head, rest = text.split("<<<<<<<", 1)
    ours = rest.split("\n", 1)[1].split("|||||||", 1)[0]
    tail = rest.split(">>>>>>>", 1)[1].split("\n", 1)[1]
    core.write_text(head + ours + tail)
    git(fork_path(definition), "add", "src/ourpkg/core.py")


def checked(definition: Path, *args: str, code: int) -> dict[str, Any]:
    """``forktool check --json ARGS``'s one result; it must exit ``code`` and leave alone
    the refs, HEAD, index, working tree (untracked files too), forktool's state files, the
    definition, the shim and what sits beside the fork (no patch-conflict checkout)."""
    beside = sorted(p.name for p in fork_path(definition).parent.iterdir())
    before = everything(definition)
    index = index_file(definition)
    result = run_cli(definition, "check", "--json", *args)
    assert result.exit_code == code, result.output
    assert index_file(definition) == index
    assert everything(definition) == before
    assert sorted(p.name for p in fork_path(definition).parent.iterdir()) == beside
    (found,) = json.loads(result.stdout)["results"]
    assert isinstance(found, dict)
    return found


def test_check_clean_conflict_patch_conflict_and_up_to_date_touch_nothing(
    definition: Path,
) -> None:
    assert run_cli(definition, "sync", "--to", "1.0").exit_code == 0
    fork = fork_path(definition)
    build_file_tree(fork, {"notes.txt": "untracked\n", "staged.txt": "staged\n"})
    git(fork, "add", "staged.txt")

    clean = checked(definition, code=0)
    assert (clean["status"], clean["candidate"], clean["integrated"]) == ("clean", "1.1", "1.0")
    current = checked(definition, "--to", "1.0", code=0)
    assert (current["status"], current["candidate"]) == ("up-to-date", "1.0")
    assert "up to date at 1.0" in run_cli(definition, "check", "--to", "1.0").output

    git(fork, "reset", "-q")  # staged.txt stays out of the fork commit
    edit_greeting(definition, '"Hi "')
    git(fork, "add", "staged.txt")
    conflict = checked(definition, code=1)
    assert (conflict["status"], conflict["conflicts"]) == ("conflict", ["src/ourpkg/core.py"])
    text = run_cli(definition, "check")
    assert "would conflict" in text.output and "src/ourpkg/core.py" in text.output

    assert run_cli(definition, "patch", "add", "HEAD").exit_code == 0  # "Hi " meets 1.1's "Hello"
    patch = checked(definition, code=1)
    assert (patch["status"], patch["conflicts"]) == ("patch-conflict", ["fork-greeting.patch"])


def test_check_before_any_sync_is_an_error(definition: Path) -> None:
    result = run_cli(definition, "check")
    assert result.exit_code == 2
    assert "no integrated release" in result.output


def test_each_stops_at_the_first_release_that_conflicts(
    definition: Path, upstream_repo: Path
) -> None:
    for tag, name in (("v1.3", "NOTES.txt"), ("v1.4", "MORE.txt")):
        (upstream_repo / name).write_text(f"{tag}\n")
        git(upstream_repo, "add", name)
        git(upstream_repo, "commit", "-qm", tag)
        git(upstream_repo, "tag", tag)
    assert run_cli(definition, "sync", "--to", "1.0").exit_code == 0
    edit_greeting(definition, '"Hi "')  # 1.1 changes the same line
    result = run_cli(definition, "sync", "--each", "--json")
    assert result.exit_code == 1, result.output
    results = json.loads(result.output)["results"]
    assert [(r["version"], r["status"]) for r in results] == [("1.1", "conflict")]
    assert results[0]["remaining"] == ["1.3", "1.4"]
    resolve_keeping_fork(definition)
    continued = run_cli(definition, "sync", "--continue")
    assert continued.exit_code == 0, continued.output
    # what --each had still to do, from the intent record, with the command that does it
    assert (
        "sync --each has 2 more releases to go (1.3, 1.4): "
        "run 'forktool sync mypkg --each --to 1.4'"
    ) in continued.output
    rest = run_cli(definition, "sync", "--each", "--to", "1.4", "--json")
    assert rest.exit_code == 0, rest.output
    results = json.loads(rest.output)["results"]
    assert [(r["version"], r["status"]) for r in results] == [("1.3", "merged"), ("1.4", "merged")]
    assert all(r["remaining"] == [] for r in results)


def test_a_resolution_is_reused_from_the_definition(definition: Path) -> None:
    assert run_cli(definition, "sync", "--to", "1.0").exit_code == 0
    edit_greeting(definition, '"Hi "')
    start = git(fork_path(definition), "rev-parse", "HEAD")
    lock_text = (definition / "upstream/mypkg.lock").read_text()
    assert run_cli(definition, "sync", "--to", "1.1").exit_code == 1
    resolve_keeping_fork(definition)
    assert run_cli(definition, "sync", "--continue").exit_code == 0
    resolved = (fork_path(definition) / "src/ourpkg/core.py").read_text()
    assert list((definition / "patches/mypkg/rr-cache").iterdir())  # recorded in the definition

    # Replay the same sync from the same starting point: rerere resolves it.
    git(fork_path(definition), "reset", "-q", "--hard", start)
    (definition / "upstream/mypkg.lock").write_text(lock_text)
    again = run_cli(definition, "sync", "--to", "1.1")

    assert again.exit_code == 0, again.output
    assert "resolved with a recorded resolution (rerere): src/ourpkg/core.py" in again.output
    assert (fork_path(definition) / "src/ourpkg/core.py").read_text() == resolved
    assert git(fork_path(definition), "status", "--porcelain") == ""


def test_report_command_formats_and_exit_codes(definition: Path, tmp_path: Path) -> None:
    assert run_cli(definition, "sync", "--to", "1.0").exit_code == 0
    idle = run_cli(definition, "report")
    assert idle.exit_code == 0 and "nothing to report" in idle.output
    edit_greeting(definition, '"Hi "')
    assert run_cli(definition, "sync", "--to", "1.1").exit_code == 1
    markdown = run_cli(definition, "report", "--format", "markdown")
    assert markdown.exit_code == 1
    assert "src/ourpkg/core.py" in markdown.output and "fork: greeting" in markdown.output
    page = tmp_path / "report.html"
    html = run_cli(definition, "report", "--format", "html", "--output", str(page))
    assert html.exit_code == 1
    assert page.read_text().lstrip().lower().startswith("<!doctype html>")
    data = json.loads(run_cli(definition, "report", "--format", "json").output)
    assert data["schema"] == 1
