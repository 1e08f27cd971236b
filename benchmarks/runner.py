"""Starting :mod:`benchmarks.measure` in a fresh process and reading its JSON line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

#: The repository root: ``benchmarks`` must be importable from the measuring process.
ROOT = Path(__file__).resolve().parent.parent


def run_measure(
    what: str, sdist: Path, jobs: int, cache: Path | None = None, following: Path | None = None
) -> dict[str, Any]:
    """Run ``python -m benchmarks.measure <what>`` in a new process.

    Args:
        what: ``forktool``, ``floor``, ``check`` or ``patch``.
        sdist: the input archive.
        jobs: worker processes.
        cache: the TransformCache path (``check``, ``patch``).
        following: the next release's archive (``patch``).

    Returns:
        the measurement's JSON object.

    Raises:
        SystemExit: the process failed or printed no JSON (its stderr is shown).
    """
    command = [sys.executable, "-m", "benchmarks.measure", what]
    command += ["--sdist", str(sdist), "--jobs", str(jobs)]
    if cache is not None:
        command += ["--cache", str(cache)]
    if following is not None:
        command += ["--next", str(following)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"benchmark: measure {what} failed (exit code {done.returncode})")
    result: dict[str, Any] = json.loads(lines[-1])
    return result
