"""forktool.git.rerere: recorded resolutions kept in forktool's directory, reused by merge."""

from __future__ import annotations

from pathlib import Path

import pytest

from forktool.errors import ConfigError
from forktool.git.command import Result
from forktool.git.rerere import reused_paths
from tests.helpers import diverged, git, saved_repo


def test_enable_rerere_links_the_cache(tmp_path: Path) -> None:
    repo = saved_repo(tmp_path / "repo", {"a.txt": "a\n"})
    recorded = repo.git_dir / "rr-cache" / "0123"
    recorded.mkdir(parents=True)
    cache = tmp_path / "cache"
    repo.enable_rerere(cache)
    assert (repo.git_dir / "rr-cache").resolve() == cache.resolve()
    assert (cache / "0123").is_dir()  # kept what was recorded before
    assert git(tmp_path / "repo", "config", "rerere.enabled") == "true"
    repo.enable_rerere(cache)  # again: nothing to do
    (tmp_path / "file").write_text("")
    with pytest.raises(ConfigError, match="is not a directory"):
        repo.enable_rerere(tmp_path / "file")


def test_a_recorded_resolution_is_reused(tmp_path: Path) -> None:
    repo, side = diverged(tmp_path / "repo")
    repo.enable_rerere(tmp_path / "cache")
    assert repo.merge(side, "first\n").conflicts == ("a.txt",)
    (tmp_path / "repo" / "a.txt").write_text("resolved\n")
    git(tmp_path / "repo", "add", "a.txt")
    git(tmp_path / "repo", "rerere")  # record the resolution
    repo.abort_merge()
    outcome = repo.merge(side, "second\n")
    assert (outcome.conflicts, outcome.reused) == ((), ("a.txt",))
    assert outcome.commit == repo.resolve("HEAD")
    assert (tmp_path / "repo" / "a.txt").read_text() == "resolved\n"


def test_forget_merge_keeps_index_and_files(tmp_path: Path) -> None:
    repo, side = diverged(tmp_path / "repo")
    repo.enable_rerere(tmp_path / "cache")
    repo.merge(side, "merge\n")
    repo.forget_merge()
    assert repo.merge_head() is None
    assert not (repo.git_dir / "MERGE_RR").exists()
    assert repo.unmerged_paths() == ("a.txt",)


def test_reused_paths_reads_both_streams() -> None:
    said = Result(
        ("merge",), 1, b"Resolved 'b.txt' using previous resolution.\n",
        b"Staged 'a b.txt' using previous resolution.\n",
    )  # fmt: skip
    assert reused_paths(said) == ("a b.txt", "b.txt")
