"""forktool.git.refs: resolving and moving refs, remote tags."""

from __future__ import annotations

from pathlib import Path

import pytest

from forktool.errors import SourceError
from forktool.git.command import GitFailed
from tests.helpers import git, git_save, saved_repo


def test_unborn_head(tmp_path: Path) -> None:
    repo = saved_repo(tmp_path)
    assert repo.resolve("HEAD") is None
    assert not repo.has_commits()
    assert repo.current_branch() == "main"
    assert repo.refs() == {}


def test_resolve_and_branch(tmp_path: Path) -> None:
    repo = saved_repo(tmp_path, {"a.txt": "a\n"})
    head = git(tmp_path, "rev-parse", "HEAD")
    assert repo.resolve("HEAD") == repo.resolve("main") == head
    assert repo.resolve("no..such") is None
    assert repo.has_commits()
    git(tmp_path, "checkout", "--quiet", "--detach")
    assert repo.current_branch() is None


def test_is_ancestor(tmp_path: Path) -> None:
    repo = saved_repo(tmp_path, {"a.txt": "a\n"})
    first = repo.resolve("HEAD")
    second = git_save(tmp_path, "second")
    assert first is not None
    assert repo.is_ancestor(first, second)
    assert not repo.is_ancestor(second, first)
    assert not repo.is_ancestor("0" * 40, second)  # no such commit


def test_set_ref_snapshot_and_put_back(tmp_path: Path) -> None:
    repo = saved_repo(tmp_path, {"a.txt": "a\n"})
    head = repo.resolve("HEAD")
    before = repo.refs()
    assert before == {"refs/heads/main": head}
    repo.set_ref("refs/heads/vendor/x", head, "test")
    repo.set_ref("refs/heads/main", None, "test")
    repo.set_ref("refs/heads/never", None, "test")  # deleting what is not there: no-op
    moved = repo.moved_refs(before)
    assert moved == {"refs/heads/main": head, "refs/heads/vendor/x": ""}
    repo.put_back(moved, "undo")
    assert repo.refs() == before
    with pytest.raises(GitFailed):
        repo.set_ref("refs/heads/bad", "1" * 40, "missing object")


def test_remote_tags_and_fetch(tmp_path: Path) -> None:
    upstream = tmp_path / "up"
    saved_repo(upstream, {"a.txt": "a\n"})
    git(upstream, "tag", "light")
    commit = git_save(upstream, "two", tag="v2")
    repo = saved_repo(tmp_path / "fork")
    tags = repo.ls_remote_tags(str(upstream))
    assert tags["v2"] == commit  # the annotated tag, peeled
    assert set(tags) == {"light", "v2"}
    assert repo.fetch_tag(str(upstream), "v2", "refs/tags/upstream/v2") == commit
    with pytest.raises(SourceError, match="cannot fetch tag v9"):
        repo.fetch_tag(str(upstream), "v9", "refs/tags/upstream/v9")
    with pytest.raises(SourceError, match="cannot read tags"):
        repo.ls_remote_tags(str(tmp_path / "nowhere"))
