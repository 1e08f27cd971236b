"""Benchmark of ``forktool extensions``: wall time for two extensions (Flask-Login and
Flask-SQLAlchemy) on a Flask 3.1.3 fork, cold and warm cache, serial (``--jobs 1``) and
parallel (``--jobs 2``). Needs the network (PyPI). Not a timed test.

    .venv/bin/python -m benchmarks.extensions [--work DIR] [--runs N]

A fork definition is made once in the work directory (``forktool init --pypi flask
--package flask=framework --yes``, ``sync --to 3.1.3``, the two extensions added). A *cold*
run starts with an empty forktool cache (``--cache``) and an empty pip cache
(``PIP_CACHE_DIR``): downloads, wheel builds, resolutions and environments all happen; a
*warm* run reuses the cache of the cold run before it, so only pytest runs. Each
measurement is the median of ``--runs`` runs; the results go to ``<work>/extensions.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

EXTENSIONS = ("Flask-Login", "Flask-SQLAlchemy")


def forktool(root: Path, *args: str, env: dict[str, str] | None = None) -> int:
    """Run ``forktool --root ROOT ARGS`` quietly; its exit code."""
    command = [sys.executable, "-m", "forktool", "--root", str(root), *args]
    return subprocess.run(command, env=env, capture_output=True, check=False).returncode


def prepare(work: Path) -> Path:
    """The fork definition in ``work/definition``, made once."""
    root = work / "definition"
    if (root / "upstream" / "flask.lock").is_file():
        return root
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    steps = [
        ("init", "--pypi", "flask", "--package", "flask=framework", "--yes"),
        ("sync", "flask", "--to", "3.1.3"),
        ("extensions", *(f"--add={name}" for name in EXTENSIONS)),
    ]
    for step in steps:
        if forktool(root, *step) != 0:
            raise SystemExit(f"forktool {' '.join(step)} failed")
    return root


def timed(root: Path, cache: Path, jobs: int, pip_cache: Path) -> float:
    """Seconds one ``forktool extensions`` run takes (exit 0 or 1 expected)."""
    env = dict(os.environ, PIP_CACHE_DIR=str(pip_cache))
    started = time.monotonic()
    code = forktool(root, "extensions", "--jobs", str(jobs), "--cache", str(cache), env=env)
    seconds = time.monotonic() - started
    if code not in (0, 1):
        raise SystemExit(f"forktool extensions exited {code}")
    return seconds


def main() -> None:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path("benchmarks/.cache/extensions"))
    parser.add_argument("--runs", type=int, default=1)
    options = parser.parse_args()
    work: Path = options.work.resolve()
    root = prepare(work)
    found: dict[str, list[float]] = {}
    for run in range(options.runs):
        for jobs in (1, 2):
            cache = work / f"cache-{jobs}-{run}"
            pip_cache = work / f"pip-{jobs}-{run}"
            for path in (cache, pip_cache):
                shutil.rmtree(path, ignore_errors=True)
            found.setdefault(f"cold, jobs={jobs}", []).append(timed(root, cache, jobs, pip_cache))
            found.setdefault(f"warm, jobs={jobs}", []).append(timed(root, cache, jobs, pip_cache))
    table = {name: statistics.median(times) for name, times in found.items()}
    (work / "extensions.json").write_text(json.dumps(found, indent=1) + "\n", encoding="utf-8")
    print(f"forktool extensions, {' and '.join(EXTENSIONS)}, {os.cpu_count()} CPUs:")
    for name, seconds in table.items():
        print(f"  {name:<14} {seconds:6.1f} s  ({len(found[name])} runs)")


if __name__ == "__main__":
    main()
