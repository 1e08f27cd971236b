"""forktool.git.names follows git's own rules: checked against the git on this machine."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from forktool.git.names import branch_problem, refused_component
from tests.helpers import git, git_init

BRANCHES = [
    "main", "feature/x", "a@b", "x/@", "ü", "a.lock.x", "v1.0+local", "a-b_c.d",
    "HEAD", "-x", "a.lock/b", "a/.b", "a b", "@{-1}", "a/", "/a", "a//b", "a..b", "a.",
    "a.lock", "a\x01", "a\x7f", "a~b", "a^b", "a:b", "a?b", "a*b", "a[b", "a\\b", "",
]  # fmt: skip


@pytest.mark.parametrize("name", BRANCHES)
def test_branch_names_agree_with_git(tmp_path: Path, name: str) -> None:
    # Outside any repository, so git does not expand @{-1} and the like.
    done = subprocess.run(
        ["git", "check-ref-format", "--branch", name], cwd=tmp_path, capture_output=True
    )
    assert (branch_problem(name) is None) == (done.returncode == 0), branch_problem(name)


def test_at_alone_is_refused_although_git_would_take_it() -> None:
    assert branch_problem("@") is not None  # git reads "@" as HEAD


PATHS = [
    ".git/x", ".GIT/x", ".git./x", ".git /x", "a/.Git. . /x", ".git:x", "git~1/x", "GIT~1.",
    "GIT~2/x", "x.git/y", ".gitx/y", "a/.gitmodules", ".gitignore", "gitmod~1", "gi7eba~9",
    "~1000000", "gi7eba~12", ".gitmodules:x/y", ".gitmodules/y", ".gitmodules.", "sub/GiT~1",
]  # fmt: skip


@pytest.mark.parametrize("symlink", [False, True])
@pytest.mark.parametrize("path", PATHS)
def test_tree_paths_agree_with_git(tmp_path: Path, path: str, symlink: bool) -> None:
    """git update-index drops the paths it refuses (with a warning only): ours must be
    exactly those, with the NTFS rules git applies everywhere."""
    repo = git_init(tmp_path / "repo")
    blob = git(repo, "hash-object", "-w", "/dev/null")
    record = f"{'120000' if symlink else '100644'} {blob}\t{path}\0"
    subprocess.run(
        ["git", "update-index", "-z", "--add", "--index-info"],
        cwd=repo,
        input=record.encode(),
        capture_output=True,
        check=True,
    )
    stored = git(repo, "ls-files") != ""
    ours = refused_component(path.split("/"), symlink=symlink)
    assert (ours is None) == stored, ours


@pytest.mark.parametrize(
    ("path", "index"), [(".g\u200cit/x", 0), ("a/\ufeff.GIT", 1), (".git\u200d/x", 0)]
)
def test_hfs_disguises_of_dot_git_are_refused(path: str, index: int) -> None:
    # git refuses them with core.protectHFS (the default on macOS) on checkout.
    assert refused_component(path.split("/")) == index


def test_hfs_disguise_of_gitmodules_only_for_symlinks() -> None:
    assert refused_component([".gitmod\u200cules"]) is None
    assert refused_component([".gitmod\u200cules"], symlink=True) == 0
