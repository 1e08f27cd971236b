"""The fork repository of an upstream, found and opened the same way everywhere.

The repository lives at ``[fork] path`` of the upstream's definition (``config.fork_path``);
it exists once the first sync made it (or the user cloned it there).
"""

from __future__ import annotations

from forktool.config import UpstreamConfig
from forktool.errors import RepositoryError
from forktool.git.repository import GitRepo


def find_fork(config: UpstreamConfig) -> GitRepo | None:
    """The fork repository of ``config``, or None when there is none yet."""
    path = config.fork_path
    return GitRepo(path) if (path / ".git").exists() else None


def open_fork(config: UpstreamConfig, hint: str) -> GitRepo:
    """The fork repository of ``config``.

    Args:
        hint: what to do when there is none (the command decides: sync first, clone it).

    Raises:
        RepositoryError: there is no repository at ``config.fork_path``.
    """
    repo = find_fork(config)
    if repo is None:
        raise RepositoryError(f"the fork repository {config.fork_path} does not exist", hint)
    return repo
