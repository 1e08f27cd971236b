"""The repository forktool works on: one class, :class:`GitRepo`, made of the parts in
:mod:`forktool.git` (each a small class in a module named for what it holds).

Vendor and transformed commits are built with plumbing only, so nobody's working tree is
touched; the only porcelain is the merge of a release into the fork's own working tree
(:mod:`.merge`).
"""

from __future__ import annotations

import shutil
import weakref
from pathlib import Path

import git

from forktool.errors import RepositoryError
from forktool.git.index import ApplyOutcome
from forktool.git.log import BlamedLine, Log, LoggedCommit
from forktool.git.merge import MergeOutcome, Merging
from forktool.git.objects import BOT_EMAIL, BOT_NAME, Authorship
from forktool.git.patches import MailInfo, Patches
from forktool.git.rerere import Rerere
from forktool.git.trees import private_index_prefix, stale_private_indexes
from forktool.git.worktree import Worktree

__all__ = [
    "BOT_EMAIL",
    "BOT_NAME",
    "ApplyOutcome",
    "Authorship",
    "BlamedLine",
    "GitRepo",
    "LoggedCommit",
    "MailInfo",
    "MergeOutcome",
    "private_index_prefix",
    "remove_repository",
    "stale_private_indexes",
]


class GitRepo(Merging, Rerere, Worktree, Log, Patches):
    """A git repository on disk: the fork repository, or a git upstream's clone.

    Args:
        path: the repository's top-level directory (with a ``.git`` inside).

    Raises:
        RepositoryError: ``path`` is not a git repository.
    """

    def __init__(self, path: Path) -> None:
        try:
            self._repo = git.Repo(path)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError) as exc:
            raise RepositoryError(
                f"{path} is not a git repository",
                "point [fork] path in the upstream definition at the fork repository",
            ) from exc
        self.path = Path(self._repo.working_tree_dir or path)
        self.git_dir = Path(self._repo.git_dir)
        # git.Repo keeps `git cat-file --batch` processes; stop them with this object.
        weakref.finalize(self, self._repo.close)

    @classmethod
    def init(cls, path: Path, branch: str) -> GitRepo:
        """Create an empty non-bare repository at ``path`` whose unborn HEAD is ``branch``."""
        path.mkdir(parents=True, exist_ok=True)
        git.Repo.init(path, initial_branch=branch)
        return cls(path)

    def add_worktree(self, path: Path, commit: str) -> GitRepo:
        """Check ``commit`` out, detached, in a new linked worktree at ``path``.

        Returns:
            the repository opened at ``path``.

        Raises:
            GitFailed: ``path`` exists and is not empty, or ``commit`` does not exist.
        """
        self.run(["worktree", "add", "--detach", "--quiet", str(path), commit])
        return GitRepo(path)

    def add_branch_worktree(self, path: Path, branch: str, commit: str) -> GitRepo:
        """Check out branch ``branch``, created (or reset) at ``commit``, in a new linked
        worktree at ``path``; no other checkout and no other branch moves.

        Returns:
            the repository opened at ``path``.

        Raises:
            GitFailed: ``path`` exists and is not empty, ``commit`` does not exist, or
                ``branch`` is checked out in another worktree.
        """
        self.run(["worktree", "add", "--quiet", "-B", branch, str(path), commit])
        return GitRepo(path)

    def close(self) -> None:
        """Stop the git processes this object keeps running (``cat-file --batch``) now,
        rather than whenever the garbage collector gets to them."""
        self._repo.close()


def remove_repository(path: Path) -> None:
    """Delete a repository directory forktool itself created in this run."""
    shutil.rmtree(path, ignore_errors=True)
