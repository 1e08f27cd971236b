"""forktool.git.trees: ls-tree and diff-tree parsed once, trees built in a private index."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from forktool.git.command import GitFailed
from forktool.git.trees import TreeEntry, private_index, stale_private_indexes
from forktool.model import FileEntry
from tests.helpers import git, git_save, saved_repo


def test_write_tree_then_read_it_back(tmp_path: Path) -> None:
    repo = saved_repo(tmp_path)
    tree = {
        "a.txt": FileEntry(b"a\n"),
        "bin/run": FileEntry(b"#!/bin/sh\n", executable=True),
        "link": FileEntry(b"a.txt", symlink=True),
    }
    tree_id = repo.write_tree(tree)
    assert repo.read_tree(tree_id) == tree
    assert repo.tree_blobs(tree_id) == {path: entry.blob_id for path, entry in tree.items()}
    assert [entry.mode for entry in repo.ls_tree(tree_id)] == ["100644", "100755", "120000"]
    assert list(repo.git_dir.glob("forktool-*")) == []  # the private index is gone
    assert git(tmp_path, "status", "--porcelain") == ""


def test_empty_tree(tmp_path: Path) -> None:
    repo = saved_repo(tmp_path)
    assert repo.write_tree({}) == "4b825dc642cb6eb9a060e54bf8d69288fbee4904"


def test_ls_tree_of_a_missing_object(tmp_path: Path) -> None:
    repo = saved_repo(tmp_path, {"a.txt": "a\n"})
    with pytest.raises(GitFailed):
        repo.ls_tree("0" * 40)
    assert repo.ls_tree("HEAD") == [
        TreeEntry("100644", "blob", repo.tree_blobs("HEAD")["a.txt"], "a.txt")
    ]


def test_changes_between_trees(tmp_path: Path) -> None:
    repo = saved_repo(tmp_path, {"a.txt": "a\n", "gone.txt": "x\n"})
    old = repo.tree_of("HEAD")
    (tmp_path / "gone.txt").unlink()
    (tmp_path / "a.txt").write_text("A\n")
    (tmp_path / "new.txt").write_text("n\n")
    git_save(tmp_path)
    new = repo.tree_of("HEAD")
    assert repo.changed_files(old, new) == {
        "a.txt": FileEntry(b"A\n"), "gone.txt": None, "new.txt": FileEntry(b"n\n"),
    }  # fmt: skip
    blobs_old, blobs_new = repo.tree_blobs(old), repo.tree_blobs(new)
    assert repo.tree_changes(old, new) == {
        "a.txt": (blobs_old["a.txt"], blobs_new["a.txt"]),
        "gone.txt": (blobs_old["gone.txt"], ""),
        "new.txt": ("", blobs_new["new.txt"]),
    }
    assert repo.tree_changes(None, old) == {path: ("", b) for path, b in blobs_old.items()}
    assert repo.added_paths(old, new) == ["new.txt"]
    assert repo.diff_tree(new, new) == []
    assert b"-a\n+A\n" in repo.diff_trees(old, new)
    assert repo.diff_trees(old, old) == b""
    assert repo.diff_file(old, new, "a.txt").endswith("@@ -1 +1 @@\n-a\n+A\n")


def test_private_index_is_removed(tmp_path: Path) -> None:
    repo = saved_repo(tmp_path, {"a.txt": "a\n"})
    with private_index(repo.git_dir, "probe") as env:
        repo.run(["read-tree", "HEAD"], env=env)
        index = Path(env["GIT_INDEX_FILE"])
        assert index.name.startswith(f"forktool-probe-{os.getpid()}-")
        assert index.exists()
    assert not index.exists()


@pytest.mark.skipif(os.name != "posix", reason="processes probed with os.kill")
def test_stale_private_indexes(tmp_path: Path) -> None:
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    (tmp_path / f"forktool-index-{gone}-x").touch()
    (tmp_path / f"forktool-index-{os.getpid()}-y").touch()
    (tmp_path / "forktool-index-notapid-z").touch()
    assert stale_private_indexes(tmp_path) == [tmp_path / f"forktool-index-{gone}-x"]
