"""Real forks through the CLI: wall time of ``forktool --root <dir> sync <name> --to <v>``.

Every run builds a fresh fork definition in a temporary directory below the work dir
(``upstream/<name>.toml``, an empty ``patches/<name>/series``). To keep downloads out of
the timings, the fork repository is created empty first (``git init``) and the sdists
already downloaded by :mod:`benchmarks.inputs` are put in forktool's sdist cache
(``<fork>/.git/forktool/sdists/<sha256>``); each sync still lists the releases on PyPI
(one small JSON request). ``FORKTOOL_JOBS`` is set to the benchmark's ``--jobs``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.inputs import Sdist

FORKTOOL = Path(sys.executable).parent / "forktool"


@dataclass(frozen=True)
class Upstream:
    """A fork definition to sync.

    Attributes:
        name: the upstream's name (``upstream/<name>.toml``, ``forks/<name>``).
        project: the PyPI project.
        packages: ``[rename.packages]``, old -> new.
        distributions: ``[rename.distributions]``.
        scripts: ``[rename.scripts]``.
    """

    name: str
    project: str
    packages: dict[str, str]
    distributions: dict[str, str]
    scripts: dict[str, str]

    def toml(self) -> str:
        """The text of ``upstream/<name>.toml``."""
        lines = ["[source]", 'type = "pypi"', f'project = "{self.project}"', ""]
        for table, mapping in (
            ("packages", self.packages),
            ("distributions", self.distributions),
            ("scripts", self.scripts),
        ):
            lines.append(f"[rename.{table}]")
            lines += [f'"{old}" = "{new}"' for old, new in mapping.items()]
            lines.append("")
        lines += ["[fork]", f'path = "forks/{self.name}"', ""]
        return "\n".join(lines)


DJANGO = Upstream(
    "django", "Django", {"django": "dj2"}, {"Django": "DJ2"}, {"django-admin": "dj2-admin"}
)
FLASK = Upstream(
    "flask", "Flask", {"flask": "framework"}, {"Flask": "Framework"}, {"flask": "framework"}
)


@dataclass(frozen=True)
class SyncRun:
    """One ``forktool sync``.

    Attributes:
        version: the ``--to`` release.
        seconds: wall time of the forktool process, seconds.
        status: the ``status`` of its ``--json`` output (``""`` if none printed).
    """

    version: str
    seconds: float
    status: str


def prepare(root: Path, upstream: Upstream, sdists: list[Sdist]) -> None:
    """Write the fork definition (an empty series) in ``root`` and make its empty fork
    repository with the sdists in its cache (:func:`seed`)."""
    (root / "upstream").mkdir(parents=True)
    (root / "upstream" / f"{upstream.name}.toml").write_text(upstream.toml(), encoding="utf-8")
    (root / "patches" / upstream.name).mkdir(parents=True)
    (root / "patches" / upstream.name / "series").write_text("", encoding="utf-8")
    seed(root / "forks" / upstream.name, sdists)


def seed(fork: Path, sdists: list[Sdist]) -> None:
    """Make an empty fork repository at ``fork`` (branch ``main``) with ``sdists`` in
    forktool's sdist cache, so that no sync downloads them."""
    subprocess.run(["git", "init", "-q", "-b", "main", str(fork)], check=True)
    cache = fork / ".git" / "forktool" / "sdists"
    cache.mkdir(parents=True)
    for sdist in sdists:
        shutil.copyfile(sdist.path, cache / sdist.sha256)


def _status(stdout: str) -> str:
    try:
        data: Any = json.loads(stdout)
    except ValueError:
        return ""
    results = data.get("results") if isinstance(data, dict) else None
    if not isinstance(results, list) or not results or not isinstance(results[0], dict):
        return ""
    return str(results[0].get("status", ""))


def sync_sequence(
    upstream: Upstream, versions: list[str], sdists: list[Sdist], work: Path, jobs: int
) -> list[SyncRun]:
    """Sync ``versions`` one after the other into a new fork, timing each.

    Args:
        upstream: the fork definition.
        versions: the ``--to`` of each sync, in order.
        sdists: the releases' archives, put in the fork's sdist cache first.
        work: the work directory (the fork is made, and removed, below it).
        jobs: ``FORKTOOL_JOBS`` for the syncs.

    Returns:
        one :class:`SyncRun` per version.

    Raises:
        SystemExit: a sync exited with a code other than 0 (its output is shown).
    """
    env = dict(os.environ, FORKTOOL_JOBS=str(jobs))
    runs = []
    with tempfile.TemporaryDirectory(dir=work, prefix=f"fork-{upstream.name}-") as temp:
        root = Path(temp)
        prepare(root, upstream, sdists)
        for version in versions:
            command = [str(FORKTOOL), "--root", str(root), "sync", upstream.name]
            command += ["--to", version, "--json"]
            start = time.perf_counter()
            done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
            seconds = time.perf_counter() - start
            if done.returncode != 0:
                sys.stderr.write(done.stdout[-5000:] + done.stderr[-5000:])
                raise SystemExit(
                    f"benchmark: forktool sync {upstream.name} --to {version} failed "
                    f"(exit code {done.returncode})"
                )
            runs.append(SyncRun(version, seconds, _status(done.stdout)))
    return runs
