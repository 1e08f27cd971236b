"""forktool.git.index: unmerged entries, patches applied to an index, restoring paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from forktool.git.command import GitFailed
from forktool.git.index import ApplyOutcome
from forktool.git.repository import GitRepo
from tests.helpers import diverged, git, saved_repo


def _side_patch(tmp_path: Path) -> tuple[GitRepo, bytes, str]:
    """The repository of :func:`diverged`, the patch of its side commit, and that commit."""
    repo, side = diverged(tmp_path)
    return repo, git(tmp_path, "diff", "--full-index", f"{side}^", side).encode() + b"\n", side


def test_apply_patch(tmp_path: Path) -> None:
    repo, patch, side = _side_patch(tmp_path)
    base = repo.tree_of(f"{side}^")
    assert repo.apply_patch(base, patch) == ApplyOutcome(repo.tree_of(side))
    assert repo.apply_patch(repo.tree_of(side), patch, check_reverse=True).tree is not None
    assert repo.apply_patch(base, patch, check_reverse=True).error  # not applied yet
    refused = repo.apply_patch(repo.tree_of("main"), patch)
    assert refused.tree is None and refused.error.startswith("patch failed: a.txt:1")
    three_way = repo.apply_patch(repo.tree_of("main"), patch, three_way=True)
    assert three_way == ApplyOutcome(None, ("a.txt",))
    assert repo.unmerged_paths() == ()  # only the private index had them
    assert repo.apply_patch(base, b"not a patch\n").error.startswith("No valid patches")
    with pytest.raises(GitFailed):
        repo.apply_patch("0" * 40, patch)


def test_apply_in_worktree_leaves_conflicts(tmp_path: Path) -> None:
    repo, patch, _ = _side_patch(tmp_path)
    assert repo.apply_in_worktree(patch) == ("a.txt",)
    stages = repo.unmerged_stages()
    assert sorted(stages["a.txt"]) == [1, 2, 3]
    assert repo.blob(stages["a.txt"][3]) == b"side\n"


def test_stage_restore_and_dirty(tmp_path: Path) -> None:
    repo = saved_repo(tmp_path, {"a.txt": "a\n", "b.txt": "b\n"})
    head = repo.resolve("HEAD")
    (tmp_path / "a.txt").write_text("changed\n")
    (tmp_path / "new.txt").write_text("new\n")
    assert repo.dirty_paths() == ["a.txt"]  # untracked files are not dirty
    tree = repo.stage_all_tree()
    assert set(repo.tree_blobs(tree)) == {"a.txt", "b.txt", "new.txt"}
    repo.restore_paths(head, ["a.txt"], files=False)  # index only
    assert (tmp_path / "a.txt").read_text() == "changed\n"
    assert git(tmp_path, "diff", "--cached", "--name-only") == "new.txt"
    repo.restore_paths(head, ["a.txt"], files=True)
    assert (tmp_path / "a.txt").read_text() == "a\n"
    repo.restore_paths(head, [], files=True)  # nothing to do


def test_restore_paths_on_unborn_branch(tmp_path: Path) -> None:
    repo = saved_repo(tmp_path)
    (tmp_path / "a.txt").write_text("a\n")
    git(tmp_path, "add", "a.txt")
    repo.restore_paths(None, ["a.txt", "never-added.txt"], files=False)
    assert git(tmp_path, "ls-files") == ""
    assert (tmp_path / "a.txt").exists()
    assert repo.dirty_paths() == []
