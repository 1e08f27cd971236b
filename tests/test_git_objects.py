"""forktool.git.objects: blobs in and out, reproducible commits."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from forktool.errors import RepositoryError, SourceError
from forktool.git.command import GitFailed
from forktool.git.objects import git_date
from forktool.model import FileEntry
from tests.helpers import git, saved_repo


def test_store_blobs_writes_only_missing_ones(tmp_path: Path) -> None:
    repo = saved_repo(tmp_path, {"a.txt": "a\n"})
    entries = [FileEntry(b"a\n"), FileEntry(b"new\n")]
    repo.store_blobs(entries)
    for entry in entries:
        assert repo.blob(entry.blob_id) == entry.data
    repo.store_blobs([])  # nothing to do, no git run


def test_store_blobs_where_git_cannot_write(tmp_path: Path) -> None:
    repo = saved_repo(tmp_path, {"a.txt": "a\n"})
    pack = repo.git_dir / "objects" / "pack"
    pack.rmdir()
    pack.touch()  # fast-import cannot create its pack file
    with pytest.raises(RepositoryError, match="cannot write into the object store.*Not a dir"):
        repo.store_blobs([FileEntry(b"never stored\n")])


def test_a_keep_file_a_killed_import_left_does_not_block_the_next(tmp_path: Path) -> None:
    """fast-import names its pack by its content and writes ``pack-<id>.keep`` before the
    pack is in place: killed in between, it leaves a ``.keep`` without an ``.idx``, and
    the same blobs imported again (the retry) failed with "cannot create keep file"."""
    entries = [FileEntry(f"blob {n}\n".encode() * 40) for n in range(150)]  # over unpackLimit
    first = saved_repo(tmp_path / "first", {"a.txt": "a\n"})
    before = set((first.git_dir / "objects" / "pack").glob("pack-*.pack"))
    first.store_blobs(entries)
    [pack] = set((first.git_dir / "objects" / "pack").glob("pack-*.pack")) - before
    retry = saved_repo(tmp_path / "retry", {"a.txt": "a\n"})
    stale = retry.git_dir / "objects" / "pack" / pack.with_suffix(".keep").name
    stale.write_text("fast-import")  # as a kill between the keep and the index leaves it
    os.utime(stale, (time.time() - 600, time.time() - 600))  # a run's, ten minutes ago
    retry.store_blobs(entries)
    for entry in entries:
        assert retry.blob(entry.blob_id) == entry.data
    assert not stale.exists() or stale.with_suffix(".idx").exists()


def test_blob_at(tmp_path: Path) -> None:
    repo = saved_repo(tmp_path, {"a.txt": "a\n", "d/b.txt": "b\n"})
    assert repo.blob_at("HEAD", "a.txt") == b"a\n"
    assert repo.blob_at("HEAD", "d") is None  # a tree, not a file
    assert repo.blob_at("HEAD", "missing.txt") is None
    assert repo.blob_at("no-such-ref", "a.txt") is None


def test_tree_of(tmp_path: Path) -> None:
    repo = saved_repo(tmp_path, {"a.txt": "a\n"})
    assert repo.tree_of("HEAD") == git(tmp_path, "rev-parse", "HEAD^{tree}")
    with pytest.raises(GitFailed):
        repo.tree_of("0" * 40)


def test_commit_tree_is_reproducible(tmp_path: Path) -> None:
    one = saved_repo(tmp_path / "one", {"a.txt": "a\n"})
    two = saved_repo(tmp_path / "two", {"a.txt": "a\n"})
    when = datetime(2024, 5, 1, tzinfo=UTC)
    made = [repo.commit_tree(repo.tree_of("HEAD"), [], "msg\n", when) for repo in (one, two)]
    assert made[0] == made[1]
    child = one.commit_tree(one.tree_of("HEAD"), [made[0]], "child\n", None)
    assert one.parents(child) == [made[0]]
    assert git(tmp_path / "one", "log", "-1", "--format=%an %ae %at", child) == (
        "forktool forktool@localhost 0"
    )


def test_commit_tree_of_a_missing_tree(tmp_path: Path) -> None:
    repo = saved_repo(tmp_path, {"a.txt": "a\n"})
    with pytest.raises(GitFailed):
        repo.commit_tree("1" * 40, [], "msg\n", None)


def test_git_date() -> None:
    assert git_date(None) == "@0 +0000"
    assert git_date(datetime(1970, 1, 2, tzinfo=UTC)) == "@86400 +0000"
    with pytest.raises(SourceError, match="before 1970"):
        git_date(datetime(1969, 12, 31, tzinfo=UTC))
