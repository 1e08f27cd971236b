"""One writer at a time: an exclusive ``flock`` on the upstream's definition file.

Every command that changes the fork repository or the definition holds it while it runs,
so two forktool processes never interleave on the same upstream; the lock goes away with
the process, even when it is killed. Only the process that took it holds it: a child forked
while it is held closes its copy of the descriptor at once (:func:`_close_inherited`, run
by Python after every fork), and git children never get it (the descriptor is not
inheritable across exec).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager

from forktool.config import UpstreamConfig
from forktool.errors import RepositoryError

#: Descriptors holding a writer lock in this process.
_held: set[int] = set()


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
        _held.add(fd)
        yield
    finally:
        _held.discard(fd)
        os.close(fd)  # closing the descriptor releases the lock


def _close_inherited() -> None:
    """In a forked child: close the writer-lock descriptors inherited from the parent, so
    the lock is released as soon as the parent ends, whatever the child does."""
    for fd in list(_held):
        _held.discard(fd)
        with contextlib.suppress(OSError):
            os.close(fd)


os.register_at_fork(after_in_child=_close_inherited)
