"""``forktool resolve``: a conflicted hunk's side, or its proposed text, put in place of
its conflict block, on real syncs that stop."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from tests.helpers import build_file_tree, git, git_init, git_save, run_cli
from tests.test_conflicts import close_repositories, edit, fork_of, stopped_sync

__all__ = ["close_repositories"]  # the fixture, used by every test here

CONF = "src/ourpkg/conf.py"


def two_releases(tmp_path: Path, before: str, after: str) -> Path:
    """A git upstream whose conf.py is ``before`` in 1.0 and ``after`` in 1.1."""
    repo = git_init(tmp_path / "up")
    build_file_tree(repo, {"src/mypkg/__init__.py": "", "src/mypkg/conf.py": before})
    git_save(repo, "release 1.0", tag="v1.0")
    build_file_tree(repo, {"src/mypkg/conf.py": after})
    git_save(repo, "conf changes", tag="v1.1")
    return repo


def adjacent(tmp_path: Path) -> Path:
    """Upstream inserts B and C after A, the fork changes A: one adjacent hunk."""
    repo = two_releases(tmp_path, "A = 1\nZ = 0\n", "A = 1\nB = 2\nC = 3\nZ = 0\n")
    return stopped_sync(tmp_path, repo, lambda fork: edit(fork, CONF, "A = 1\n", "A = 10\n"))


def two_hunks(tmp_path: Path) -> Path:
    """Two hunks far apart: the fork changes A and Y, upstream inserts after each."""
    middle = "".join(f"M{i} = {i}\n" for i in range(10))
    before = f"A = 1\n{middle}Y = 1\n"
    after = f"A = 1\nB = 2\n{middle}Y = 1\nX = 2\n"
    repo = two_releases(tmp_path, before, after)

    def change(fork: Path) -> None:
        edit(fork, CONF, "A = 1\n", "A = 10\n")
        edit(fork, CONF, "Y = 1\n", "Y = 10\n")

    return stopped_sync(tmp_path, repo, change)


def staged(fork: Path) -> bool:
    """Whether conf.py is staged as it is in the working tree (no longer unmerged)."""
    stages = {line.split()[2] for line in git(fork, "ls-files", "--stage", "--", CONF).splitlines()}
    return stages == {"0"} and not git(fork, "diff", "--name-only", "--", CONF)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    ("take", "expected", "said"),
    [
        (
            "proposed",
            "A = 10\nB = 2\nC = 3\nZ = 0\n",
            "took the proposed text: keeps the fork's changed line and upstream's 2 "
            "inserted lines; drops nothing",
        ),
        (
            "fork",
            "A = 10\nZ = 0\n",
            "took the fork's side (the fork's changed line); "
            "drops upstream's 2 lines `B = 2`, `C = 3`",
        ),
        (
            "upstream",
            "A = 1\nB = 2\nC = 3\nZ = 0\n",
            "took upstream's side (upstream's 2 inserted lines); drops the fork's line `A = 10`",
        ),
    ],
)
def test_taking_a_side_or_the_proposal_writes_stages_and_continues(
    tmp_path: Path, take: str, expected: str, said: str
) -> None:
    definition = adjacent(tmp_path)
    fork = fork_of(definition)

    result = run_cli(definition, "resolve", CONF, "--take", take)

    assert result.exit_code == 0, result.output
    assert (fork / CONF).read_text() == expected
    assert result.output.splitlines() == [
        f"hunk 1 (line 1): {said}",
        f"staged {CONF}; every path is resolved: run `forktool sync mypkg --continue`",
    ]
    assert staged(fork)
    assert run_cli(definition, "sync", "--continue").exit_code == 0
    assert git(fork, "show", f"HEAD:{CONF}") == expected.rstrip("\n")


def test_json_document(tmp_path: Path) -> None:
    definition = adjacent(tmp_path)

    result = run_cli(definition, "resolve", CONF, "--take", "proposed", "--json")

    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["command"] == "resolve" and document["take"] == "proposed"
    assert (document["path"], document["left"], document["staged"]) == (CONF, 0, True)
    assert document["file"] == str(fork_of(definition) / CONF)
    [hunk] = document["hunks"]
    assert (hunk["number"], hunk["line"], hunk["kind"]) == (1, 1, "adjacent")
    assert hunk["outcome"].endswith("drops nothing")
    assert document["unmerged"] == []
    assert document["next_step"] == "every path is resolved: run `forktool sync mypkg --continue`"


def test_same_line_hunk_has_no_proposal_to_take(tmp_path: Path) -> None:
    repo = two_releases(tmp_path, "A = 1\n", "A = 2\n")
    definition = stopped_sync(tmp_path, repo, lambda fork: edit(fork, CONF, "A = 1\n", "A = 3\n"))
    before = digest(fork_of(definition) / CONF)

    result = run_cli(definition, "resolve", CONF, "--take", "proposed")

    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"error: hunk 1 of {CONF} has no proposed text: both sides changed the same line"
        " — use --take fork or --take upstream, or merge it by hand"
    ]
    assert digest(fork_of(definition) / CONF) == before
    assert not staged(fork_of(definition))


def test_one_hunk_of_two_leaves_the_file_unstaged(tmp_path: Path) -> None:
    definition = two_hunks(tmp_path)
    fork = fork_of(definition)

    result = run_cli(definition, "resolve", CONF, "--take", "upstream", "--hunk", "2")

    assert result.exit_code == 1, result.output  # a hunk still waits
    lines = result.output.splitlines()
    assert lines[0].startswith("hunk 2 (line ")
    assert lines[0].endswith("drops the fork's line `Y = 10`")
    assert lines[1] == f"not staged; 1 hunk left in {CONF}: resolve it, then `git add {CONF}`"
    shown = (fork / CONF).read_text()
    assert shown.count("<<<<<<<") == 1 and shown.endswith("Y = 1\nX = 2\n")
    assert not staged(fork)

    again = run_cli(definition, "resolve", CONF, "--take", "proposed")  # the one left

    assert again.exit_code == 0, again.output
    assert again.output.splitlines()[0].startswith("hunk 1 (line 1): took the proposed text")
    assert (fork / CONF).read_text().startswith("A = 10\nB = 2\nM0 = 0\n")
    assert staged(fork)
    assert run_cli(definition, "sync", "--continue").exit_code == 0


def test_every_hunk_without_hunk(tmp_path: Path) -> None:
    definition = two_hunks(tmp_path)

    result = run_cli(definition, "resolve", CONF, "--take", "fork")

    assert result.exit_code == 0, result.output
    assert [line[:6] for line in result.output.splitlines()[:2]] == ["hunk 1", "hunk 2"]
    assert "<<<<<<<" not in (fork_of(definition) / CONF).read_text()
    assert staged(fork_of(definition))


def test_an_edited_block_is_refused_and_the_file_left_alone(tmp_path: Path) -> None:
    definition = two_hunks(tmp_path)
    target = fork_of(definition) / CONF
    target.write_text(target.read_text().replace("Y = 10\n", "Y = 11  # mine\n"))
    before = digest(target)

    edited = run_cli(definition, "resolve", CONF, "--take", "upstream")
    untouched_only = run_cli(definition, "resolve", CONF, "--take", "upstream", "--hunk", "2")

    for result in (edited, untouched_only):
        assert result.exit_code == 2
        [line, *_] = result.stderr.splitlines()
        assert line.startswith(f"error: hunk 2 of {CONF} is no longer as git wrote it")
    assert digest(target) == before
    assert not staged(fork_of(definition))
    # The hunk the user did not touch can still be taken.
    assert run_cli(definition, "resolve", CONF, "--take", "fork", "--hunk", "1").exit_code == 1
    assert "Y = 11  # mine\n" in target.read_text()


def test_refused_without_a_waiting_sync_or_a_conflicted_path(tmp_path: Path) -> None:
    definition = adjacent(tmp_path)
    other = run_cli(definition, "resolve", "src/ourpkg/__init__.py", "--take", "fork")
    assert other.exit_code == 2
    assert "src/ourpkg/__init__.py is not conflicted" in other.stderr
    assert run_cli(definition, "sync", "--abort").exit_code == 0

    result = run_cli(definition, "resolve", CONF, "--take", "fork")

    assert result.exit_code == 2
    assert result.stderr.startswith("error: no sync of mypkg is waiting for conflict resolution — ")


def test_a_path_inside_the_fork_named_from_elsewhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    definition = adjacent(tmp_path)
    monkeypatch.chdir(fork_of(definition) / "src")

    result = run_cli(definition, "resolve", "ourpkg/conf.py", "--take", "proposed")

    assert result.exit_code == 0, result.output
    assert staged(fork_of(definition))


def test_a_file_of_the_users_beside_the_resolved_one_is_left_alone(tmp_path: Path) -> None:
    definition = adjacent(tmp_path)
    fork = fork_of(definition)
    mine = (fork / CONF).with_name(f".{(fork / CONF).name}.forktool-resolve")
    mine.write_text("USER NOTES\n")
    assert run_cli(definition, "resolve", CONF, "--take", "upstream").exit_code == 0
    assert mine.read_text() == "USER NOTES\n"
    assert [p.name for p in fork.rglob("*forktool-resolve*")] == [mine.name]


def test_hunks_keep_the_numbers_the_report_gave_them(tmp_path: Path) -> None:
    definition = two_hunks(tmp_path)
    fork = fork_of(definition)

    first = run_cli(definition, "resolve", CONF, "--take", "fork", "--hunk", "1")
    assert first.exit_code == 1, first.output  # hunk 2 still waits

    report = json.loads(run_cli(definition, "report", "--json").output)
    [entry] = [e for e in report["entries"] if e["path"] == CONF]
    assert [h["line"] == 0 for h in entry["hunks"]] == [True, False]  # 1 resolved, 2 shown
    again = run_cli(definition, "resolve", CONF, "--take", "fork", "--hunk", "1")
    assert again.exit_code == 2
    assert "hunk 1 of src/ourpkg/conf.py is no longer in the file (resolved already)" in (
        again.output
    )
    second = run_cli(definition, "resolve", CONF, "--take", "upstream", "--hunk", "2")
    assert second.exit_code == 0, second.output
    assert second.output.startswith("hunk 2 (line ")
    assert "<<<<<<<" not in (fork / CONF).read_text() and staged(fork)
