"""One forktool command, timed: wall time, processor time and peak memory of the process
and everything it waited for (git, the rename's workers), its output, and the step times
it printed under ``FORKTOOL_TIMINGS=1``.

A :class:`Tool` is a forktool to run: this checkout, or an earlier commit's source
unpacked into the work directory (``--baseline``), run the same way (``python -m forktool``
with ``PYTHONPATH`` at its source) with this virtual environment's packages, so that
"before" and "after" are measured in the same run on the same machine.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from forktool import perf

#: This checkout: ``forktool`` and ``benchmarks`` live below it.
ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Tool:
    """A forktool to measure.

    Attributes:
        label: how the tables name it (``after``, ``before``).
        source: the directory holding its ``forktool`` package.
        commit: the git commit it is (for the header).
        env: variables added to every command's environment.
    """

    label: str
    source: Path
    commit: str
    env: dict[str, str] = field(default_factory=dict)

    def with_env(self, label: str, **variables: str) -> Tool:
        """The same forktool, labelled ``label``, with ``variables`` set."""
        return Tool(label, self.source, self.commit, {**self.env, **variables})


@dataclass(frozen=True)
class Run:
    """One finished command.

    Attributes:
        seconds: wall time of the process.
        cpu: processor time (user + system) of it and the processes it waited for.
        rss_kib: peak resident set size of the largest of them (``ru_maxrss``), KiB.
        returncode: its exit code.
        stdout: what it printed on stdout.
        steps: the steps it timed (``FORKTOOL_TIMINGS``), in order; [] when none.
        memory: (main, largest child) peak KiB it reported itself, or None.
    """

    seconds: float
    cpu: float
    rss_kib: int
    returncode: int
    stdout: str
    steps: list[perf.Step]
    memory: tuple[int, int] | None

    def json(self) -> Any:
        """stdout parsed as JSON (None when it is not)."""
        try:
            return json.loads(self.stdout)
        except ValueError:
            return None


def this_checkout() -> Tool:
    """The forktool of this checkout, labelled ``after``."""
    done = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True
    )
    return Tool("after", ROOT, done.stdout.strip())


def baseline(revision: str, work: Path) -> Tool:
    """The forktool of ``revision`` (a commit of this repository), its source unpacked
    once into ``<work>/baseline-<commit>``, labelled ``before``.

    Raises:
        SystemExit: git does not know ``revision``.
    """
    git = ["git", "-C", str(ROOT)]
    found = subprocess.run([*git, "rev-parse", "--verify", f"{revision}^{{commit}}"],
                           capture_output=True, text=True)  # fmt: skip
    if found.returncode != 0:
        raise SystemExit(f"benchmark: no commit {revision!r} in {ROOT}")
    commit = found.stdout.strip()
    source = work / f"baseline-{commit[:12]}"
    if not (source / "forktool" / "__main__.py").is_file():
        archive = subprocess.run([*git, "archive", commit, "forktool"], capture_output=True)
        source.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile() as raw:
            raw.write(archive.stdout)
            raw.seek(0)
            with tarfile.open(fileobj=raw) as tar:
                tar.extractall(source, filter="data")
    return Tool("before", source, commit)


def run(tool: Tool, root: Path, args: list[str], jobs: int, *, timings: bool = False) -> Run:
    """Run ``forktool --root ROOT ARGS`` with ``tool``, ``FORKTOOL_JOBS=jobs``.

    Args:
        timings: set ``FORKTOOL_TIMINGS=1`` and read the steps it prints.

    Raises:
        SystemExit: the command exited with a code other than 0 or 1 (its output shown).
    """
    env = dict(os.environ, FORKTOOL_JOBS=str(jobs), PYTHONPATH=str(tool.source), **tool.env)
    if timings:
        env[perf.TIMINGS_ENV] = "1"
    command = [sys.executable, "-m", "forktool", "--root", str(root), *args]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, env=env, cwd=root)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors="replace")
        stderr = err.read().decode(errors="replace")
    if process.returncode not in (0, 1):
        sys.stderr.write(stdout[-3000:] + stderr[-3000:])
        raise SystemExit(f"benchmark: forktool {' '.join(args)} exited {process.returncode}")
    lines = stderr.splitlines()
    steps = [step for step in map(perf.parse_line, lines) if step is not None]
    memory = next((m for m in map(perf.parse_memory_line, lines) if m is not None), None)
    cpu = usage.ru_utime + usage.ru_stime
    return Run(seconds, cpu, usage.ru_maxrss, process.returncode, stdout, steps, memory)
