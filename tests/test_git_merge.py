"""forktool.git.merge: the in-memory preview and the working-tree merge, one result type."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from forktool.errors import RepositoryError
from forktool.git.command import GitFailed
from forktool.git.merge import MergeOutcome
from tests.helpers import diverged, git, git_save, saved_repo


def _clean_side(path: Path) -> str:
    """Commit ``side`` on a branch of ``path``'s repository that merges cleanly into main."""
    git(path, "checkout", "--quiet", "-b", "side")
    (path / "side.txt").write_text("side\n")
    side = git_save(path, "side")
    git(path, "checkout", "--quiet", "main")
    return side


def _hook(repo_path: Path, name: str, status: int) -> None:
    hook = repo_path / ".git" / "hooks" / name
    hook.write_text(f"#!/bin/sh\necho {name} says no >&2\nexit {status}\n")
    hook.chmod(0o755)


def test_preview_of_a_clean_merge(tmp_path: Path) -> None:
    repo = saved_repo(tmp_path, {"a.txt": "a\n"})
    side = _clean_side(tmp_path)
    preview = repo.merge_preview(side)
    assert preview == MergeOutcome(None, (), tree=repo.tree_of(side))


def test_preview_of_a_conflict_holds_the_markers(tmp_path: Path) -> None:
    repo, side = diverged(tmp_path)
    preview = repo.merge_preview(side)
    assert (preview.commit, preview.conflicts) == (None, ("a.txt",))
    merged = repo.blob_at(preview.tree, "a.txt")
    assert merged is not None and b"||||||| " in merged  # diff3 markers, as git merge writes
    assert repo.merge_preview(side, ours=side).conflicts == ()
    with pytest.raises(GitFailed):
        repo.merge_preview("0" * 40)


def test_merge_clean(tmp_path: Path) -> None:
    repo = saved_repo(tmp_path, {"a.txt": "a\n"})
    head = repo.resolve("HEAD")
    side = _clean_side(tmp_path)
    outcome = repo.merge(side, "merge side\n")
    assert outcome.commit == repo.resolve("HEAD") and outcome.conflicts == ()
    assert outcome.tree == repo.tree_of("HEAD")
    assert repo.parents("HEAD") == [head, side]
    assert (tmp_path / "side.txt").read_text() == "side\n"
    assert repo.resolve("ORIG_HEAD") == head
    assert repo.merge(side, "again\n") == MergeOutcome(outcome.commit, ())  # already merged


def test_merge_with_conflicts_is_left_to_git(tmp_path: Path) -> None:
    repo, side = diverged(tmp_path)
    outcome = repo.merge(side, "merge side\n")
    assert outcome == MergeOutcome(None, ("a.txt",))
    assert repo.merge_head() == side
    assert repo.operation_in_progress() == "merge"
    assert "||||||| " in (tmp_path / "a.txt").read_text()
    (tmp_path / "a.txt").write_text("resolved\n")
    git(tmp_path, "add", "a.txt")
    commit = repo.commit_merge()
    assert repo.parents(commit)[1] == side
    assert repo.operation_in_progress() is None


def test_abort_merge(tmp_path: Path) -> None:
    repo, side = diverged(tmp_path)
    repo.merge(side, "merge side\n")
    repo.abort_merge()
    assert repo.merge_head() is None
    assert (tmp_path / "a.txt").read_text() == "main\n"
    with pytest.raises(GitFailed):
        repo.abort_merge()  # nothing to abort


def test_merge_refuses_untracked_files_in_the_way(tmp_path: Path) -> None:
    repo = saved_repo(tmp_path, {"a.txt": "a\n"})
    side = _clean_side(tmp_path)
    (tmp_path / "side.txt").write_text("mine\n")
    with pytest.raises(RepositoryError, match="untracked working tree file 'side.txt'"):
        repo.merge(side, "merge side\n")
    assert (tmp_path / "side.txt").read_text() == "mine\n"


@pytest.mark.skipif(os.name != "posix", reason="shell hooks")
def test_failing_pre_merge_commit_hook_changes_nothing(tmp_path: Path) -> None:
    repo = saved_repo(tmp_path, {"a.txt": "a\n"})
    head = repo.resolve("HEAD")
    side = _clean_side(tmp_path)
    _hook(tmp_path, "pre-merge-commit", 1)
    with pytest.raises(RepositoryError, match="pre-merge-commit says no"):
        repo.merge(side, "merge side\n")
    assert repo.resolve("HEAD") == head
    assert not (tmp_path / "side.txt").exists()


@pytest.mark.skipif(os.name != "posix", reason="shell hooks")
def test_failing_hooks_around_a_conflicted_merge(tmp_path: Path) -> None:
    repo, side = diverged(tmp_path)
    _hook(tmp_path, "post-merge", 1)  # ignored, like git merge does
    assert repo.merge(side, "merge side\n").conflicts == ("a.txt",)
    (tmp_path / "a.txt").write_text("resolved\n")
    git(tmp_path, "add", "a.txt")
    _hook(tmp_path, "pre-commit", 1)
    with pytest.raises(RepositoryError, match="git refused to commit the merge"):
        repo.commit_merge("merge side\n")
    assert repo.merge_head() == side


def test_merge_file(tmp_path: Path) -> None:
    repo = saved_repo(tmp_path)
    base = b"a\nb\nc\nd\ne\n"
    clean = repo.merge_file(b"A\nb\nc\nd\ne\n", base, b"a\nb\nc\nd\nE\n", ["o", "b", "t"])
    assert clean == b"A\nb\nc\nd\nE\n"
    conflicted = repo.merge_file(b"ours\n", b"base\n", b"theirs\n", ["o", "b", "t"])
    assert conflicted == b"<<<<<<< o\nours\n||||||| b\nbase\n=======\ntheirs\n>>>>>>> t\n"
