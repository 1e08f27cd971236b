"""libcst's own rename codemod, ``rename.RenameCommand``, on an unpacked sdist.

Run as ``python -m libcst.tool codemod rename.RenameCommand --old_name <old>
--new_name <new> -j <jobs> --no-format --hide-progress <dir>`` from the work directory:
``--no-format`` skips the formatter (black by default), and libcst's defaults need no
``.libcst.codemod.yaml``. The codemod rewrites files in place, so every run gets a fresh
copy of the sources. Its exit code is 1 when some files failed to codemod (syntax errors
in test data): that is counted, not fatal.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.inputs import extract

_SUMMARY = {
    "transformed": re.compile(r"Transformed (\d+) files"),
    "skipped": re.compile(r"Skipped (\d+) files"),
    "failed": re.compile(r"Failed to codemod (\d+) files"),
}


@dataclass(frozen=True)
class RenameCommandRun:
    """One RenameCommand run.

    Attributes:
        seconds: wall time of the codemod process, seconds.
        transformed: files it reported transformed.
        skipped: files it skipped (generated code).
        failed: files it failed to codemod.
    """

    seconds: float
    transformed: int
    skipped: int
    failed: int


def run_rename_command(sdist: Path, old: str, new: str, jobs: int, work: Path) -> RenameCommandRun:
    """Unpack ``sdist`` afresh and time RenameCommand ``old`` -> ``new`` on it.

    Args:
        sdist: the archive.
        old: the module renamed, e.g. ``django``.
        new: its new name.
        jobs: the codemod's ``-j``.
        work: the work directory (the copy is made, and removed, below it).

    Returns:
        the wall time (unpacking excluded) and the codemod's file counts.

    Raises:
        SystemExit: the codemod crashed (exit code other than 0 or 1, or no summary).
    """
    with tempfile.TemporaryDirectory(dir=work, prefix="rename-command-") as temp:
        source = extract(sdist, Path(temp) / "src")
        command = [sys.executable, "-m", "libcst.tool", "codemod", "rename.RenameCommand"]
        command += ["--old_name", old, "--new_name", new, "-j", str(jobs)]
        command += ["--no-format", "--hide-progress", str(source)]
        start = time.perf_counter()
        done = subprocess.run(command, cwd=temp, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - start
        shutil.rmtree(source)
    if done.returncode not in (0, 1) or "Finished codemodding" not in done.stderr:
        sys.stderr.write(done.stderr[-5000:])
        raise SystemExit(f"benchmark: RenameCommand failed (exit code {done.returncode})")
    counts = {}
    for name, pattern in _SUMMARY.items():
        match = pattern.search(done.stderr)
        counts[name] = int(match.group(1)) if match else -1
    return RenameCommandRun(seconds, counts["transformed"], counts["skipped"], counts["failed"])
