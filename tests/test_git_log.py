"""forktool.git.log: commit metadata, and git log of paths and line ranges."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from forktool.git.command import GitFailed
from tests.helpers import git, git_save, saved_repo


def test_commit_info_and_date(tmp_path: Path) -> None:
    repo = saved_repo(tmp_path, {"a.txt": "a\n"})
    (tmp_path / "a.txt").write_text("b\n")
    commit = git_save(tmp_path, "subject line\n\nbody text\n")
    assert repo.commit_info(commit) == ("Up Stream <up@example.org>", "subject line", "body text")
    assert repo.commit_date(commit).tzinfo == UTC
    assert repo.commit_date(commit) <= datetime.now(UTC)
    assert len(repo.parents(commit)) == 1
    with pytest.raises(GitFailed):
        repo.commit_info("0" * 40)


def test_path_and_line_log(tmp_path: Path) -> None:
    repo = saved_repo(tmp_path, {"a.txt": "1\n2\n3\n", "b.txt": "b\n"})
    first = repo.resolve("HEAD")
    (tmp_path / "a.txt").write_text("1\nTWO\n3\n")
    second = git_save(tmp_path, "change line 2")
    (tmp_path / "b.txt").write_text("B\n")
    git_save(tmp_path, "change b")
    logged = repo.path_log(f"{first}..HEAD", "a.txt")
    assert [(c.commit, c.subject, c.author) for c in logged] == [
        (second, "change line 2", "Up Stream <up@example.org>")
    ]
    assert [c.commit for c in repo.line_log(f"{first}..HEAD", "a.txt", 2, 2)] == [second]
    assert repo.line_log(f"{first}..HEAD", "a.txt", 3, 3) == []
    assert repo.line_log("HEAD", "missing.txt", 1, 1) == []  # git cannot trace it
    assert repo.path_log("no-such-rev", "a.txt") == []
    # git log -S: the commit that made a line disappear, however git's diff draws it
    (tmp_path / "a.txt").write_text("1\n3\n")
    dropped = git_save(tmp_path, "drop line 2")
    found = repo.pickaxe_log(f"{first}..HEAD", "a.txt", "TWO")
    assert [c.commit for c in found] == [dropped, second]  # deleted it, added it
    assert repo.pickaxe_log(f"{first}..HEAD", "a.txt", "never there") == []
    assert repo.pickaxe_log("no-such-rev", "a.txt", "TWO") == []


def test_blame_names_who_last_wrote_each_line_through_merges_and_renames(tmp_path: Path) -> None:
    quoted = "tab\tand é.txt"  # git C-quotes it in blame's output
    repo = saved_repo(tmp_path, {quoted: "1\n2\n3\n4\n"})
    first = repo.resolve("HEAD")
    git(tmp_path, "checkout", "-q", "-b", "side")
    (tmp_path / quoted).write_text("1\n2\n3\nFOUR\n")
    side = git_save(tmp_path, "side: four")
    git(tmp_path, "checkout", "-q", "main")
    (tmp_path / quoted).write_text("ONE\n2\n3\n4\n")
    main = git_save(tmp_path, "main: one")
    git(tmp_path, "merge", "-q", "--no-edit", "side")
    git(tmp_path, "mv", quoted, "b.txt")
    moved = git_save(tmp_path, "rename")

    blamed = repo.blame(moved, "b.txt", [(1, 1), (3, 4)])

    assert [(b.commit.commit, b.line) for b in blamed] == [(main, 1), (first, 3), (side, 4)]
    assert {b.path for b in blamed} == {quoted}  # blame follows the rename
    logged = {c.commit: c for c in repo.path_log(moved)}  # the same metadata as git log
    assert [b.commit for b in blamed] == [logged[main], logged[first], logged[side]]
    assert repo.blame(moved, "b.txt", []) == []
    assert repo.blame(moved, "missing.txt", [(1, 1)]) == []
    assert repo.blame(moved, "b.txt", [(9, 9)]) == []  # past the end
