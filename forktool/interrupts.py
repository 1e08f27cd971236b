"""Orderly interrupts: Ctrl-C and SIGTERM become :class:`~forktool.errors.Interrupted`,
and clean-up runs shielded from a second one.

The CLI runs every command inside :func:`converted`; code that undoes a run
wraps that work in :func:`shielded`, so a second Ctrl-C waits until the fork repository is
consistent again (and the git commands run meanwhile, which inherit the blocked mask, are
not cut short either).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from forktool.errors import Interrupted

#: The signals turned into :class:`Interrupted`.
SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _raise(signum: int, _frame: FrameType | None) -> None:
    raise Interrupted(signum)


@contextmanager
def converted(*, last: bool = False) -> Iterator[None]:
    """Within the block, SIGINT and SIGTERM raise :class:`Interrupted` (in the main thread:
    Python delivers signals there only; elsewhere nothing changes). The previous handlers
    come back after it; with ``last`` (the process exits after the block) they are ignored
    instead: the command is over, and an interrupt now would only kill the process on its
    way out, without a word."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.signal(signum, _raise) for signum in SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, signal.SIG_IGN if last else handler)


def ignore_in_worker() -> None:
    """For a worker process: ignore Ctrl-C (the terminal sends it to the whole process
    group; forktool's main process decides) and die of SIGTERM as usual."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


@contextmanager
def shielded() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back for the ``with`` block; one that arrived meanwhile is
    delivered (raising :class:`Interrupted`) when the block ends."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
