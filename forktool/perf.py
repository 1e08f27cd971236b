"""How fast a command runs: the wall time of its steps (``FORKTOOL_TIMINGS=1``), and the
switch that turns the incremental shortcuts off (``FORKTOOL_NO_SHORTCUTS=1``) to prove
they change nothing (README, *Performance*).

Code marks a step with ``with perf.step("read the sdist"):``; steps nest. Recording is
always on (one ``perf_counter`` call at each end: negligible beside any step worth
timing); the CLI prints :func:`recorded` to stderr at exit when :func:`timings_wanted`.
A shortcut (a tree written from the previous release's, a merge skipped because nothing
changed, ...) asks :func:`shortcuts` first and does the work in full when it says no: the
results must be the same either way, which the tests and the benchmark check. Nothing
here prints, and nothing here imports forktool.
"""

from __future__ import annotations

import os
import resource
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from typing import NamedTuple

#: Set (to anything but ``""`` or ``0``): the CLI prints each step's wall time to stderr.
TIMINGS_ENV = "FORKTOOL_TIMINGS"
#: Set (to anything but ``""`` or ``0``): every shortcut is off; results are the same.
NO_SHORTCUTS_ENV = "FORKTOOL_NO_SHORTCUTS"
#: What each line :func:`format_steps` makes starts with.
PREFIX = "forktool timing: "
#: What the line of :func:`memory_line` starts with.
MEMORY_PREFIX = "forktool peak memory: "

#: When this module was first imported: near the start of the process (forktool's
#: package imports it first), so start-up is measured from here.
STARTED = time.perf_counter()


class Step(NamedTuple):
    """One timed step.

    Attributes:
        name: what was done ("read the sdist").
        depth: how deep it is nested in other steps (0: outermost).
        seconds: its wall time.
        cpu: the processor time it took: this process's, and that of the processes it
            started and waited for (git, the rename's workers).
    """

    name: str
    depth: int
    seconds: float
    cpu: float = 0.0


def cpu_seconds() -> float:
    """Processor time (user + system) used so far by this process and the child processes
    it has waited for."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


_steps: list[Step] = []
_depth = 0


def _set(variable: str) -> bool:
    return os.environ.get(variable, "") not in ("", "0")


def timings_wanted() -> bool:
    """True when ``FORKTOOL_TIMINGS`` asks for the steps' times."""
    return _set(TIMINGS_ENV)


def shortcuts() -> bool:
    """True unless ``FORKTOOL_NO_SHORTCUTS`` turns the incremental shortcuts off."""
    return not _set(NO_SHORTCUTS_ENV)


@contextmanager
def step(name: str) -> Iterator[None]:
    """Time the block as step ``name``; a step that raises is recorded too (its time
    until it failed)."""
    global _depth
    start, cpu = time.perf_counter(), cpu_seconds()
    index = len(_steps)
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        # inserted where it started: a step comes before the steps nested in it
        done = Step(name, _depth, time.perf_counter() - start, cpu_seconds() - cpu)
        _steps.insert(index, done)


def mark(name: str) -> None:
    """Record step ``name`` as having run from the start of the process until now."""
    _steps.append(Step(name, _depth, time.perf_counter() - STARTED, cpu_seconds()))


def recorded() -> list[Step]:
    """The steps recorded so far, each before the steps nested in it."""
    return list(_steps)


def format_steps(steps: list[Step]) -> list[str]:
    """One line per step, ``forktool timing:   1.234 s wall   0.987 s cpu  <two spaces
    per depth><name>``: what the CLI prints, and what :func:`parse_line` reads back."""
    return [
        f"{PREFIX}{item.seconds:8.3f} s wall {item.cpu:8.3f} s cpu  {'  ' * item.depth}{item.name}"
        for item in steps
    ]


#: How the helper threads the CLI started stop for a while and start again (see
#: :func:`single_threaded`).
Pause = Callable[[], AbstractContextManager[object]]
_pauses: list[Pause] = []


@contextmanager
def pausing(pause: Pause) -> Iterator[None]:
    """Within the block, :func:`single_threaded` stops a helper thread with ``pause`` (a
    context manager: the thread is stopped inside it, started again at its end)."""
    _pauses.append(pause)
    try:
        yield
    finally:
        _pauses.remove(pause)


@contextmanager
def single_threaded() -> Iterator[None]:
    """Within the block, the helper threads registered with :func:`pausing` are stopped
    (the CLI's progress display), so that worker processes can be forked: a fork while
    another thread runs could copy a lock it holds. Threads still running after (at most
    half a second) are left to the caller's judgement (``threading.active_count()``)."""
    with ExitStack() as stack:
        for pause in list(_pauses):
            stack.enter_context(pause())
        deadline = time.monotonic() + 0.5
        while _pauses and threading.active_count() > 1 and time.monotonic() < deadline:
            time.sleep(0.005)  # a stopped thread ends its last turn
        yield


def peak_memory_kib() -> tuple[int, int]:
    """Peak resident set sizes (KiB, Linux): this process's, and that of the largest
    child process it has waited for (a rename worker, or git)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss


def memory_line() -> str:
    """``forktool peak memory: main <KiB> KiB, largest child <KiB> KiB``."""
    own, child = peak_memory_kib()
    return f"{MEMORY_PREFIX}main {own} KiB, largest child {child} KiB"


def parse_memory_line(line: str) -> tuple[int, int] | None:
    """The (main, largest child) KiB of a :func:`memory_line`; None for any other line."""
    if not line.startswith(MEMORY_PREFIX):
        return None
    try:
        main, child = line[len(MEMORY_PREFIX) :].split(", ")
        return int(main.split()[1]), int(child.split()[2])
    except (ValueError, IndexError):
        return None


def parse_line(line: str) -> Step | None:
    """A line of :func:`format_steps` as a :class:`Step`; None for any other line."""
    if not line.startswith(PREFIX):
        return None
    numbers, separator, rest = line[len(PREFIX) :].partition(" s cpu  ")
    wall, _, cpu = numbers.partition(" s wall ")
    name = rest.lstrip(" ")
    if not separator or not name:
        return None
    try:
        return Step(name, (len(rest) - len(name)) // 2, float(wall), float(cpu))
    except ValueError:
        return None
