"""One measurement in a fresh process: ``python -m benchmarks.measure <what> ...``.

Prints exactly one JSON line on stdout (the last line), so that each run's peak RSS is its
own. ``<what>`` is:

* ``forktool``: ``transform_tree`` of the sdist with ``jobs`` workers: wall seconds of the
  call, the peak RSS of this process and of its largest worker (KiB), and result counts.
* ``floor``: libcst parse + codegen of every ``*.py`` file (:mod:`benchmarks.floor`).
* ``check``: the transform with ``jobs`` workers, in one process, and twice with a
  ``TransformCache`` in ``--cache``; how their results differ, and each wall time.
* ``patch``: the transform of the next release (``--next``) with a ``TransformCache`` in
  ``--cache`` filled by the transform of ``--sdist`` (untimed): what a patch release costs.

Uses argparse, not click, to keep this process's own memory small.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import time
from pathlib import Path
from typing import Any

from benchmarks import floor
from benchmarks.transform_api import DJANGO_RENAME, differences, load_tree
from forktool.model import TransformResult, Tree
from forktool.transform.cache import TransformCache
from forktool.transform.tree import transform_tree


def _proc_hwm_kib(pid: int) -> int:
    """VmHWM (peak RSS, KiB) of a live process, 0 if unknown."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def _live_children() -> list[int]:
    """Pids of this process's live children (Linux /proc), e.g. a resource tracker."""
    me = os.getpid()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == me:
            found.append(int(entry.name))
    return found


def peak_rss_kib() -> tuple[int, int]:
    """Peak resident set sizes so far, KiB (Linux).

    Returns:
        this process's ``ru_maxrss``, and the largest child's: ``RUSAGE_CHILDREN``'s
        ``ru_maxrss`` (the largest finished, waited-for child) or the VmHWM of a child
        still running, whichever is larger.
    """
    multiprocessing.active_children()  # reap finished children
    main = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    live = max((_proc_hwm_kib(pid) for pid in _live_children()), default=0)
    return main, max(child, live)


def measure_forktool(sdist: Path, jobs: int) -> dict[str, Any]:
    """Time ``transform_tree`` of ``sdist`` (Django rename) with ``jobs`` workers.

    Returns:
        ``seconds`` (wall, the call only), ``rss_main_kib``, ``rss_worker_kib``, ``files``,
        ``leftovers``, ``failures``.
    """
    tree = load_tree(sdist)
    result, seconds = _timed(tree, jobs)
    main, worker = peak_rss_kib()
    return {
        "seconds": seconds,
        "rss_main_kib": main,
        "rss_worker_kib": worker,
        "files": len(tree),
        "leftovers": len(result.leftovers),
        "failures": len(result.failures),
    }


def measure_floor(sdist: Path, jobs: int) -> dict[str, Any]:
    """Time libcst parse + codegen of every ``*.py`` file of ``sdist`` with ``jobs`` workers.

    Returns:
        ``seconds`` (wall, pool start included), ``files``, ``failed`` (did not parse),
        ``rss_main_kib``, ``rss_worker_kib``.
    """
    tree = load_tree(sdist)
    files = [entry.data for path, entry in tree.items() if path.endswith(".py")]
    result = floor.run_floor(files, jobs)
    main, worker = peak_rss_kib()
    return {
        "seconds": result.seconds,
        "files": result.files,
        "failed": result.failed,
        "rss_main_kib": main,
        "rss_worker_kib": worker,
    }


def _timed(
    tree: Tree, jobs: int, cache: TransformCache | None = None
) -> tuple[TransformResult, float]:
    start = time.perf_counter()
    result = transform_tree(tree, DJANGO_RENAME, jobs=jobs, cache=cache)
    return result, time.perf_counter() - start


def measure_check(sdist: Path, jobs: int, cache_path: Path) -> dict[str, Any]:
    """Check that workers and the cache do not change the result.

    Runs the transform with ``jobs`` workers and no cache (the reference), with
    ``jobs=1`` and no cache, then twice with a TransformCache at ``cache_path`` (cold,
    then warm) and ``jobs`` workers.

    Returns:
        wall seconds of each run (``parallel_s``, ``one_process_s``, ``cache_cold_s``,
        ``cache_warm_s``), the reference's
        ``leftovers`` and ``failures`` counts, and ``differences``: for each comparison
        (``one_process_vs_parallel``, ``cold_cache_vs_parallel``, ``warm_vs_cold_cache``)
        the counts of :func:`benchmarks.transform_api.differences`.
    """
    tree = load_tree(sdist)
    parallel, parallel_s = _timed(tree, jobs)
    single, single_s = _timed(tree, 1)
    one_process = differences(single, parallel)
    del single
    with TransformCache(cache_path) as cache:
        cold, cold_s = _timed(tree, jobs, cache)
    with TransformCache(cache_path) as cache:  # reopened, as the next sync would
        warm, warm_s = _timed(tree, jobs, cache)
    return {
        "parallel_s": parallel_s,
        "one_process_s": single_s,
        "cache_cold_s": cold_s,
        "cache_warm_s": warm_s,
        "leftovers": len(parallel.leftovers),
        "failures": len(parallel.failures),
        "differences": {
            "one_process_vs_parallel": one_process,
            "cold_cache_vs_parallel": differences(cold, parallel),
            "warm_vs_cold_cache": differences(warm, cold),
        },
    }


def measure_patch(sdist: Path, following: Path, jobs: int, cache_path: Path) -> dict[str, Any]:
    """Fill a TransformCache with the rename of ``sdist``, then time the rename of the
    ``following`` release with it, ``jobs`` workers.

    Returns:
        ``seconds`` (wall, the second call only), ``files`` (of the following release) and
        ``changed`` (its files whose path and bytes were not in ``sdist``).
    """
    tree, next_tree = load_tree(sdist), load_tree(following)
    with TransformCache(cache_path) as cache:
        transform_tree(tree, DJANGO_RENAME, jobs=jobs, cache=cache)
    with TransformCache(cache_path) as cache:  # reopened, as the next sync would
        _, seconds = _timed(next_tree, jobs, cache)
    changed = sum(1 for path, entry in next_tree.items() if tree.get(path) != entry)
    return {"seconds": seconds, "files": len(next_tree), "changed": changed}


def main(argv: list[str] | None = None) -> None:
    """Parse the command line, run one measurement, print its JSON line."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.measure")
    parser.add_argument("what", choices=["forktool", "floor", "check", "patch"])
    parser.add_argument("--sdist", type=Path, required=True)
    parser.add_argument("--jobs", type=int, required=True)
    parser.add_argument("--cache", type=Path, help="TransformCache path (check, patch)")
    parser.add_argument("--next", type=Path, help="the following release's sdist (patch)")
    args = parser.parse_args(argv)
    if args.what == "forktool":
        result = measure_forktool(args.sdist, args.jobs)
    elif args.what == "floor":
        result = measure_floor(args.sdist, args.jobs)
    elif args.what == "patch":
        if args.cache is None or args.next is None:
            parser.error("patch needs --cache and --next")
        result = measure_patch(args.sdist, args.next, args.jobs, args.cache)
    else:
        if args.cache is None:
            parser.error("check needs --cache")
        result = measure_check(args.sdist, args.jobs, args.cache)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
