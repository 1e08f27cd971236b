"""One writer at a time: an exclusive ``flock`` on the upstream's definition file.

Every command that changes the fork repository or the definition holds it while it runs,
so two forktool processes never interleave on the same upstream; the lock goes away with
the process, even when it is killed.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager

from forktool.config import UpstreamConfig
from forktool.errors import RepositoryError


@contextmanager
def exclusive(config: UpstreamConfig, *, wait: bool = False) -> Iterator[None]:
    """Hold the writer lock of ``config`` for the duration of the ``with`` block.

    Args:
        wait: block until the other forktool finishes instead of refusing.

    Raises:
        RepositoryError: another forktool holds the lock and ``wait`` is False.
    """
    fd = os.open(config.definition_path, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            raise RepositoryError(
                f"another forktool is working on {config.name} ({config.fork_path})",
                "wait for it to finish, or run again with --wait",
            ) from None
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
