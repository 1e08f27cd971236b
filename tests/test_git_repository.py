"""forktool.git.repository: opening and creating repositories."""

from __future__ import annotations

from pathlib import Path

import pytest

from forktool.errors import RepositoryError
from forktool.git.repository import GitRepo, remove_repository


def test_init_and_open(tmp_path: Path) -> None:
    repo = GitRepo.init(tmp_path / "new", "trunk")
    assert repo.current_branch() == "trunk" and not repo.has_commits()
    assert repo.git_dir == tmp_path / "new" / ".git"
    reopened = GitRepo(tmp_path / "new" / ".")
    assert reopened.path == tmp_path / "new"
    repo.close()
    remove_repository(tmp_path / "new")
    assert not (tmp_path / "new").exists()


def test_not_a_repository(tmp_path: Path) -> None:
    with pytest.raises(RepositoryError, match="is not a git repository"):
        GitRepo(tmp_path / "missing")
    (tmp_path / "plain").mkdir()
    with pytest.raises(RepositoryError, match="is not a git repository"):
        GitRepo(tmp_path / "plain")
