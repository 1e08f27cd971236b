"""forktool.git.worktree: what the checkout's files hold, and linked worktrees."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from forktool.errors import RepositoryError
from forktool.git.command import GitFailed
from forktool.model import FileEntry
from tests.helpers import saved_repo


def test_worktree_blobs(tmp_path: Path) -> None:
    repo = saved_repo(tmp_path, {"a.txt": "a\n", "d/b.txt": "b\n"})
    os.symlink("a.txt", tmp_path / "link")
    found = repo.worktree_blobs(["a.txt", "d", "link", "missing"])
    assert found == {
        "a.txt": repo.tree_blobs("HEAD")["a.txt"], "d": "directory",
        "link": FileEntry(b"a.txt", symlink=True).blob_id, "missing": "",
    }  # fmt: skip
    assert repo.worktree_blobs([]) == {}


def test_cut_short(tmp_path: Path) -> None:
    repo = saved_repo(tmp_path, {"whole.txt": "one\ntwo\n", "half.txt": "one\ntwo\n"})
    blobs = repo.tree_blobs("HEAD")
    (tmp_path / "half.txt").write_text("one\n")
    assert repo.cut_short({**blobs, "gone.txt": blobs["half.txt"], "new.txt": ""}) == {"half.txt"}


def test_remove_files_and_empty_directories(tmp_path: Path) -> None:
    repo = saved_repo(tmp_path, {"keep.txt": "k\n", "d/e/f.txt": "f\n"})
    repo.remove_files(["d/e/f.txt", "never.txt"])
    assert not (tmp_path / "d").exists()
    assert (tmp_path / "keep.txt").exists()


def test_linked_worktree(tmp_path: Path) -> None:
    repo = saved_repo(tmp_path / "repo", {"a.txt": "a\n"})
    head = repo.resolve("HEAD")
    assert head is not None
    linked = repo.add_worktree(tmp_path / "linked", head)
    assert linked.resolve("HEAD") == head and linked.current_branch() is None
    assert (tmp_path / "linked" / "a.txt").read_text() == "a\n"
    with pytest.raises(GitFailed):
        repo.add_worktree(tmp_path / "linked", head)  # already there
    repo.remove_worktree(tmp_path / "linked")
    assert not (tmp_path / "linked").exists()
    repo.remove_worktree(tmp_path / "linked")  # gone already: only prunes


def test_checkout_new_branch(tmp_path: Path) -> None:
    source = saved_repo(tmp_path / "src", {"a.txt": "a\n"})
    commit = source.resolve("HEAD")
    assert commit is not None
    repo = saved_repo(tmp_path / "fresh")
    repo.run(["fetch", "--quiet", str(tmp_path / "src"), "main"])
    (tmp_path / "fresh" / "a.txt").write_text("untracked\n")
    with pytest.raises(RepositoryError, match="git refused to check out the fork"):
        repo.checkout_new_branch("fork", commit)
    (tmp_path / "fresh" / "a.txt").unlink()
    repo.checkout_new_branch("fork", commit)
    assert repo.current_branch() == "fork" and repo.resolve("HEAD") == commit
