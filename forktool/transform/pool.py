"""Run :func:`~forktool.transform.file.transform_file` over many files in worker processes
(and any other function of a file's bytes: :func:`map_in_workers`).

Workers get the files in batches of roughly equal size, biggest first, so one big module
does not finish last on a single core. On Linux, a single-threaded forktool forks its
workers (about 20 ms; they only compute, and leave with ``os._exit``, so the git processes
and files they inherit are untouched); elsewhere, or with other threads running, workers
are spawned (each starts an interpreter and imports libcst: most of a second). Small
amounts of work are done in this process.

No worker outlives forktool: each asks the kernel to kill it when its parent dies (Linux's
parent-death signal), leaves if the parent is already gone, and ignores Ctrl-C (the parent
handles it and stops the pool). A forked one does not keep the writer lock either (see
:mod:`forktool.sync.writerlock`).
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from forktool import interrupts, perf
from forktool.errors import ConfigError
from forktool.model import FileEntry, RenameMap
from forktool.transform.file import FileOutcome, transform_file

#: Below this many bytes of work, a pool costs more than it saves.
MIN_POOL_BYTES = 512 * 1024
#: Batches per worker: enough to even out the load, few enough to keep pickling cheap.
BATCHES_PER_WORKER = 8
#: prctl(2) option: the signal a process gets when its parent dies.
_PR_SET_PDEATHSIG = 1

Job = tuple[str, FileEntry]
_Result = TypeVar("_Result")


def default_jobs() -> int:
    """Worker processes to use: ``FORKTOOL_JOBS`` if set (a positive integer), else the
    CPUs this process may run on.

    Raises:
        ConfigError: ``FORKTOOL_JOBS`` is not a positive integer.
    """
    value = os.environ.get("FORKTOOL_JOBS", "").strip()
    if value:
        if not value.isdigit() or int(value) < 1:
            raise ConfigError(
                f"FORKTOOL_JOBS={value!r} is not a number of processes",
                "set it to a positive integer such as 2, or unset it to use every CPU",
            )
        return int(value)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def transform_files(jobs: Sequence[Job], rename: RenameMap, workers: int) -> dict[str, FileOutcome]:
    """Transform every ``(path, entry)`` of ``jobs`` with ``rename`` (already expanded).

    Args:
        jobs: the files to transform.
        rename: the expanded rename map.
        workers: processes to use at most; 1 (or little work) runs in this process.

    Returns:
        Input path -> outcome, the same as calling ``transform_file`` on each in turn.
    """
    size = sum(len(entry.data) for _, entry in jobs)
    if workers <= 1 or len(jobs) < 2 or size < MIN_POOL_BYTES:
        return _transform_batch(list(jobs), rename)
    done: dict[str, FileOutcome] = {}
    for result in _in_workers(_transform_batch, _batches(jobs, workers * BATCHES_PER_WORKER),
                              rename, workers):  # fmt: skip
        done.update(result)
    missing = [job for job in jobs if job[0] not in done]
    done.update(_transform_batch(missing, rename))
    return done


def map_in_workers(
    function: Callable[[bytes, str], _Result], files: Sequence[tuple[bytes, str]], workers: int
) -> list[_Result]:
    """``[function(data, path) for data, path in files]``, in worker processes as
    :func:`transform_files` runs (in this process for a little work, or one worker).

    Args:
        function: a module-level function (workers may be spawned: it is pickled by
            name), pure, and quick to return (results come back pickled).
        files: its arguments, file contents and paths.
        workers: processes to use at most.
    """
    size = sum(len(data) for data, _ in files)
    if workers <= 1 or len(files) < 2 or size < MIN_POOL_BYTES:
        return [function(data, path) for data, path in files]
    jobs = [(path, FileEntry(data)) for data, path in files]
    found: dict[str, _Result] = {}
    for result in _in_workers(_call_batch, _batches(jobs, workers * BATCHES_PER_WORKER),
                              function, workers):  # fmt: skip
        found.update(result)
    return [found[path] if path in found else function(data, path) for data, path in files]


def _call_batch(batch: list[Job], function: Callable[[bytes, str], _Result]) -> dict[str, Any]:
    return {path: function(entry.data, path) for path, entry in batch}


def _in_workers(
    run_batch: Callable[[list[Job], Any], dict[str, Any]],
    batches: list[list[Job]],
    argument: Any,
    workers: int,
) -> list[dict[str, Any]]:
    """``run_batch(batch, argument)`` of every batch in ``workers`` processes; the results
    of the batches that finished (all, unless a worker died: the caller does the rest)."""
    done: list[dict[str, Any]] = []
    # the CLI's progress display stops its thread while the workers start: they can be
    # forked then (a fork while another thread runs could copy a lock it holds)
    with perf.single_threaded():
        method = _start_method()
        if method == "fork":
            # Forked workers share this process's objects; a collection in a worker would
            # walk (and so copy) all of them. Frozen objects are left out of collections.
            gc.freeze()
        context = multiprocessing.get_context(method)
        pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=_start_worker,
            initargs=(os.getpid(),),
        )
        try:  # the first task starts every worker
            results = pool.map(run_batch, batches, [argument] * len(batches))
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            if method == "fork":
                gc.unfreeze()
            raise
    try:
        try:
            for result in results:
                done.append(result)
        except BaseException:  # an interrupt: stop now rather than finish every batch
            _stop(pool)
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    except BrokenProcessPool:
        pass  # a worker died (killed, out of memory): finish here, where errors show
    finally:
        if method == "fork":
            gc.unfreeze()
    return done


def _start_worker(parent: int) -> None:
    """Tie a worker's life to forktool's (runs first thing in each worker)."""
    interrupts.ignore_in_worker()
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the request above took effect
        os._exit(1)


def _stop(pool: ProcessPoolExecutor) -> None:
    """Kill the pool's workers at once (they only compute; nothing of theirs is lost)."""
    processes = getattr(pool, "_processes", None) or {}
    for process in list(processes.values()):
        with contextlib.suppress(OSError, ValueError):
            process.kill()


def _start_method() -> str:
    forkable = sys.platform == "linux" and threading.active_count() == 1
    return "fork" if forkable else "spawn"


def _transform_batch(batch: list[Job], rename: RenameMap) -> dict[str, FileOutcome]:
    return {path: transform_file(path, entry, rename) for path, entry in batch}


def _batches(jobs: Sequence[Job], count: int) -> list[list[Job]]:
    """Split ``jobs`` into at most ``count`` batches of similar total size (largest file
    first into the lightest batch), heaviest batch first."""
    count = max(1, min(count, len(jobs)))
    batches: list[list[Job]] = [[] for _ in range(count)]
    weights = [0] * count
    for job in sorted(jobs, key=lambda job: len(job[1].data), reverse=True):
        lightest = weights.index(min(weights))
        batches[lightest].append(job)
        weights[lightest] += len(job[1].data) + 1
    order = sorted(range(count), key=lambda index: weights[index], reverse=True)
    return [batches[index] for index in order if batches[index]]
