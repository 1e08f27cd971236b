"""How a sync's cost grows: full and patch syncs of synthetic upstreams and of Django.

Synthetic upstreams are generated here, deterministically (seeded): the project
``synth``, an sdist (``.tar.gz`` with ``PKG-INFO``, ``pyproject.toml``, ``README.md``) whose
package ``synth/`` holds N Python modules in directories of :data:`MODULES_PER_DIR`, of
sizes drawn like real modules' (median about 50 lines, a long tail up to
:data:`MAX_LINES`); one module in :data:`MENTION_EVERY` imports or names ``synth``, the
others do not mention it at all. Release ``1.0`` is followed by ``1.1``, ``1.2``, ...,
each changing K modules of the one before (chosen at random, seeded).

Every sync goes through the real CLI (``forktool --root DIR sync NAME --to V --json``)
in a fork definition made in a new temporary directory, with ``FORKTOOL_JOBS`` set. The
releases are listed by a package index on 127.0.0.1 (:class:`LocalIndex`, PyPI's JSON
API) and are already in the fork's sdist cache, so neither the network nor downloads are
timed. For each size: the full sync of ``1.0`` into a new fork, then one patch sync per
change count K (at most a tenth of the size), each after the one before. Django: the full
sync of 5.2, then 5.2.1 after it, as points on the same axes (served the same way).

Memory: the peak over the sync of the summed PSS of the forktool process and all its
descendants (workers, git), sampled every :data:`SAMPLE_SECONDS` from ``/proc`` (Linux),
and the largest ``ru_maxrss`` of a single process of the tree (exact, from ``wait4``).

Slopes: ``k`` of a least-squares line through ``log(time)`` against ``log(size)``
(time ∝ size^k: 1 is linear, 0 flat), and the line time = fixed + per-file × size.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import itertools
import json
import math
import os
import random
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import click
import tomlkit
from rich.console import Console
from rich.table import Table

from benchmarks import forks, inputs
from benchmarks.report import WIDTH
from benchmarks.stats import Summary, summarize

PROJECT, NEW_NAME = "synth", "morph"
#: The seed of every synthetic upstream: the same sizes give the same bytes.
SEED = 20
#: One module in this many imports or names the package (20 %).
MENTION_EVERY = 5
#: Modules per subpackage directory (``synth/sub_NNN/``), its ``__init__.py`` included.
MODULES_PER_DIR = 100
#: Line counts of a module: lognormal with this median and spread, cut at MAX_LINES.
MEDIAN_LINES, LINES_SIGMA, MAX_LINES = 50, 1.1, 1_000
DEFAULT_SIZES = (1_000, 10_000, 50_000)
DEFAULT_CHANGES = (1, 10, 100, 1_000)
#: A patch sync changes at most this share of the upstream's modules.
MAX_CHANGED_SHARE = 0.1
SAMPLE_SECONDS = 0.1
DJANGO_FULL, DJANGO_PATCH = "5.2", "5.2.1"
#: Upload time of release 1.0; each following release one day later.
_FIRST_UPLOAD = datetime(2024, 1, 1, tzinfo=UTC)
#: Modification time of every synthetic sdist member (2024-01-01).
_MTIME = 1_704_067_200

_WORDS = (
    "account", "alpha", "batch", "border", "buffer", "cache", "channel", "column", "config",
    "counter", "cursor", "delta", "digest", "domain", "engine", "entry", "event", "field",
    "filter", "frame", "gamma", "group", "handle", "header", "index", "item", "kernel",
    "label", "layer", "ledger", "marker", "member", "metric", "node", "offset",
    "option", "order", "packet", "panel", "parser", "policy", "queue", "record", "region",
    "report", "route", "sample", "schema", "scope", "signal", "slot", "source", "stage",
    "state", "stream", "table", "target", "ticket", "token", "track", "value", "vector",
    "window", "worker", "zone",
)  # fmt: skip
_STDLIB = (
    "collections", "dataclasses", "functools", "itertools", "json", "logging", "math", "os",
    "re", "string", "textwrap", "time", "typing", "warnings",
)  # fmt: skip

# -- the synthetic upstream --------------------------------------------------------------


def module_path(index: int) -> str:
    """The path of module ``index`` in the sdist (0 is ``synth/__init__.py``).

    Modules 1..100 are ``synth/sub_000/`` (1 its ``__init__.py``), 101..200 ``sub_001/``...
    """
    if index == 0:
        return f"{PROJECT}/__init__.py"
    directory, position = divmod(index - 1, MODULES_PER_DIR)
    name = "__init__" if position == 0 else f"mod_{index:05d}"
    return f"{PROJECT}/sub_{directory:03d}/{name}.py"


def mentions(index: int) -> bool:
    """Whether module ``index`` imports or names the package."""
    return index % MENTION_EVERY == 0


def _dotted(index: int) -> str:
    return module_path(index).removesuffix(".py").removesuffix("/__init__").replace("/", ".")


def module_source(index: int, revision: int = 0, seed: int = SEED) -> str:
    """The text of module ``index`` after ``revision`` changes.

    A pure function of its arguments. A module that :func:`mentions` the package imports
    modules of it by absolute name, names one in a logger and a dotted-path string and in
    its docstring; the others import the standard library and their siblings (relatively)
    only, and contain no ``synth`` in any case. A revision sets ``REVISION`` and adds a
    function.
    """
    rng = random.Random(f"{seed}/{index}")
    words = _WORDS
    target = min(MAX_LINES, int(rng.lognormvariate(math.log(MEDIAN_LINES), LINES_SIGMA)))
    first, directory_start = index, (index - 1) // MODULES_PER_DIR * MODULES_PER_DIR + 1
    lines = [f'"""{rng.choice(words).title()} and {rng.choice(words)} handling.']
    if mentions(index):
        lines += ["", f"Used by :mod:`{_dotted(rng.randrange(max(first, 1)))}`."]
    lines += ['"""', "", "from __future__ import annotations", ""]
    lines += [f"import {name}" for name in sorted(rng.sample(_STDLIB, rng.randint(1, 4)))]
    siblings = range(directory_start + 1, index) if index > 0 else range(0)
    if siblings:
        lines.append(f"from . import {module_path(rng.choice(siblings)).rsplit('/')[-1][:-3]}")
    if mentions(index):
        others = sorted({rng.randrange(max(index, 1)) for _ in range(rng.randint(1, 3))})
        lines += [f"import {_dotted(other)}" for other in others if other > 0]
        lines += ["import logging", f"from {PROJECT} import {rng.choice(words)}_support"]
        lines += ["", f"logger = logging.getLogger({_dotted(index)!r})"]
        lines.append(f"HANDLER = {_dotted(others[0]) + '.' + rng.choice(words).title()!r}")
    lines += ["", f"REVISION = {revision}", ""]
    while len(lines) < target:
        lines += _block(rng)
    for change in range(1, revision + 1):
        lines += ["", f"def changed_{change}(value):", f"    return value + {change}", ""]
    return "\n".join(lines) + "\n"


def _block(rng: random.Random) -> list[str]:
    """A top-level function, class or constant, with a blank line after it."""
    word, other = rng.sample(_WORDS, 2)
    kind = rng.randrange(4)
    if kind == 0:
        return [
            "",
            f"def {word}_{other}({word}, {other}=None, *, most={rng.randint(1, 99)}):",
            f'    """Return the {word} of {other}, at most ``most``."""',
            f"    if {other} is None:",
            f"        {other} = []",
            f"    result = [item for item in {word} if item not in {other}]",
            f"    # keep the {rng.choice(_WORDS)} order",
            "    return result[:most]",
            "",
        ]
    if kind == 1:
        name = f"{word.title()}{other.title()}"
        methods = []
        for method in rng.sample(_WORDS, rng.randint(1, 4)):
            methods += [
                "",
                f"    def {method}(self, value):",
                f"        self.{method}_count += 1",
                f'        return f"{{self.name}}: {method} {{value!r}}"',
            ]
        return [
            "",
            f"class {name}:",
            f'    """A {word} with its {other}s."""',
            "",
            "    def __init__(self, name):",
            "        self.name = name",
            *[f"        self.{method}_count = 0" for method in _methods(methods)],
            *methods,
            "",
        ]
    if kind == 2:
        keys = rng.sample(_WORDS, rng.randint(2, 6))
        return [
            "",
            f"{word.upper()}_{other.upper()} = {{",
            *[f'    "{key}": {rng.randint(0, 999)},' for key in keys],
            "}",
            "",
        ]
    return [
        "",
        f"def check_{word}(value):",
        f"    for step in range({rng.randint(2, 9)}):",
        f"        if value > step * {rng.randint(2, 50)}:",
        f'            raise ValueError(f"{word} too large: {{value}}")',
        "    return value",
        "",
    ]


def _methods(lines: list[str]) -> list[str]:
    return [line.split("def ")[1].split("(")[0] for line in lines if "    def " in line]


def metadata_files(version: str) -> dict[str, bytes]:
    """``PKG-INFO``, ``pyproject.toml`` and ``README.md`` of release ``version``."""
    pkg_info = f"Metadata-Version: 2.1\nName: {PROJECT}\nVersion: {version}\n"
    pkg_info += f"Summary: A generated upstream.\nRequires-Python: >=3.11\n\n# {PROJECT}\n"
    pyproject = (
        '[build-system]\nrequires = ["setuptools>=68"]\n'
        'build-backend = "setuptools.build_meta"\n\n'
        f'[project]\nname = "{PROJECT}"\nversion = "{version}"\n'
        'requires-python = ">=3.11"\n\n'
        f'[tool.setuptools.packages.find]\ninclude = ["{PROJECT}*"]\n'
    )
    readme = f"# {PROJECT}\n\nA generated upstream: `import {PROJECT}`.\n"
    return {
        "PKG-INFO": pkg_info.encode(),
        "pyproject.toml": pyproject.encode(),
        "README.md": readme.encode(),
    }


def build_sdist(top: str, files: Mapping[str, bytes]) -> bytes:
    """A ``.tar.gz`` whose members are ``{top}/{path}``, the same bytes for the same input.

    Members are sorted, with fixed times, owners and modes; the gzip header has no time.
    """
    raw = io.BytesIO()
    with (
        gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, compresslevel=6) as compressed,
        tarfile.open(fileobj=compressed, mode="w", format=tarfile.PAX_FORMAT) as archive,
    ):
        for path in sorted(files):
            info = tarfile.TarInfo(f"{top}/{path}")
            info.size, info.mtime, info.mode = len(files[path]), _MTIME, 0o644
            archive.addfile(info, io.BytesIO(files[path]))
    return raw.getvalue()


@dataclass(frozen=True)
class Release:
    """A release of an upstream, as an sdist on disk.

    Attributes:
        version: its version.
        sdist: the archive (``sdist.path`` and ``sdist.sha256`` as the index lists them).
        files: members of the sdist that are files.
        changed: files whose path or bytes are not in the release before (0: the first).
        changed_python: of them, ``.py`` files.
    """

    version: str
    sdist: inputs.Sdist
    files: int
    changed: int
    changed_python: int


def count_changes(before: Mapping[str, bytes], after: Mapping[str, bytes]) -> tuple[int, int]:
    """How many files of ``after`` are new or differ from ``before``, and how many of them
    are ``.py`` files (both 0 when ``before`` is empty: a first release)."""
    if not before:
        return 0, 0
    changed = [path for path, data in after.items() if before.get(path) != data]
    return len(changed), sum(1 for path in changed if path.endswith(".py"))


def synthetic_releases(
    size: int, changes: Sequence[int], directory: Path, seed: int = SEED
) -> list[Release]:
    """Write release ``1.0`` of a ``size``-module upstream, then one release per change count.

    Args:
        size: Python modules in the package (at least 1).
        changes: how many modules each following release (``1.1``, ``1.2``...) changes in
            the one before; each at most ``size``.
        directory: where the sdists are written (``synth-<version>.tar.gz``).
        seed: the generator's seed.

    Returns:
        the releases, oldest first.
    """
    revisions = [0] * size
    files = {module_path(index): module_source(index, 0, seed).encode() for index in range(size)}
    releases: list[Release] = []
    before: dict[str, bytes] = {}
    for number, count in enumerate([0, *changes]):
        version = f"1.{number}"
        picked = random.Random(f"{seed}/changes/{size}/{version}").sample(range(size), count)
        for index in picked:
            revisions[index] += 1
            files[module_path(index)] = module_source(index, revisions[index], seed).encode()
        release = {**metadata_files(version), **files}
        data = build_sdist(f"{PROJECT}-{version}", release)
        path = directory / f"{PROJECT}-{version}.tar.gz"
        path.write_bytes(data)
        sdist = inputs.Sdist(PROJECT, version, path, hashlib.sha256(data).hexdigest())
        releases.append(Release(version, sdist, len(release), *count_changes(before, release)))
        before = release
    return releases


# -- a package index on 127.0.0.1 --------------------------------------------------------


class LocalIndex:
    """PyPI's JSON API (``/pypi/<project>/json``) and the files it lists, on a free port.

    Use as a context manager; :attr:`url` is the JSON API root to name as ``index``.
    """

    def __init__(self) -> None:
        self._projects: dict[str, dict[str, list[dict[str, Any]]]] = {}
        self._files: dict[str, Path] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _IndexHandler)
        self._server.daemon_threads = True
        self._server.index = self  # type: ignore[attr-defined]
        host, port = self._server.server_address[:2]
        self.url = f"http://{host!s}:{port}/pypi"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> LocalIndex:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def add(self, project: str, sdist: inputs.Sdist, date: datetime) -> None:
        """List ``sdist`` as the sdist of ``project`` ``sdist.version``, uploaded at ``date``."""
        name = project.lower()
        route = f"/files/{name}/{sdist.path.name}"
        entry = {
            "filename": sdist.path.name,
            "packagetype": "sdist",
            "url": route,  # relative: resolved against the JSON's URL
            "digests": {"sha256": sdist.sha256},
            "upload_time_iso_8601": date.isoformat().replace("+00:00", "Z"),
            "yanked": False,
        }
        with self._lock:
            self._projects.setdefault(name, {})[sdist.version] = [entry]
            self._files[route] = sdist.path

    def respond(self, path: str) -> tuple[int, bytes, str]:
        """(status, body, content type) for a GET of ``path``."""
        with self._lock:
            if path.startswith("/pypi/") and path.rstrip("/").endswith("/json"):
                name = path.split("/")[2].lower()
                if name in self._projects:
                    body = json.dumps({"info": {"name": name}, "releases": self._projects[name]})
                    return 200, body.encode(), "application/json"
            elif path in self._files:
                return 200, self._files[path].read_bytes(), "application/octet-stream"
        return 404, b"not found", "text/plain"


class _IndexHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        index: LocalIndex = self.server.index  # type: ignore[attr-defined]
        status, body, kind = index.respond(self.path.split("?", 1)[0])
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (base signature)
        pass


# -- one sync, timed, with its memory ----------------------------------------------------


@dataclass(frozen=True)
class SyncPoint:
    """One timed ``forktool sync``.

    Attributes:
        version: the ``--to`` release.
        seconds: wall time of the forktool process.
        tree_pss_kib: peak of the summed PSS of forktool and its descendants, KiB (sampled).
        largest_rss_kib: the largest peak RSS of one process of the tree, KiB (``wait4``).
        status: the ``status`` of the ``--json`` output.
    """

    version: str
    seconds: float
    tree_pss_kib: int
    largest_rss_kib: int
    status: str


def _parents() -> dict[int, int]:
    """pid -> parent pid of every live process (Linux ``/proc``)."""
    found = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:
                continue
            found[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    return found


def _pss_kib(pid: int) -> int:
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0
    for line in rollup.splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    return 0


def tree_pss_kib(root: int) -> int:
    """The summed PSS (KiB) of process ``root`` and its live descendants, now."""
    children: dict[int, list[int]] = {}
    for pid, parent in _parents().items():
        children.setdefault(parent, []).append(pid)
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += _pss_kib(pid)
        todo += children.get(pid, [])
    return total


def _status(stdout: str) -> str:
    try:
        results = json.loads(stdout).get("results") or [{}]
        return str(results[0].get("status", ""))
    except (ValueError, AttributeError, TypeError):
        return ""


def timed_sync(root: Path, name: str, version: str, jobs: int) -> SyncPoint:
    """Run ``forktool --root ROOT sync NAME --to VERSION --json``; time it, sample its memory.

    Raises:
        SystemExit: the sync exited with a code other than 0 (its output is shown).
    """
    env = dict(os.environ, FORKTOOL_JOBS=str(jobs))
    command = [str(forks.FORKTOOL), "--root", str(root), "sync", name, "--to", version, "--json"]
    peak, stop = [0], threading.Event()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, env=env)

        def sample() -> None:
            while not stop.wait(SAMPLE_SECONDS):
                peak[0] = max(peak[0], tree_pss_kib(process.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, wait_status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(wait_status)  # reaped here, not by Popen
        stop.set()
        sampler.join()
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    if process.returncode != 0:
        sys.stderr.write(stdout[-5000:] + stderr[-5000:])
        raise SystemExit(
            f"benchmark: forktool sync {name} --to {version} failed "
            f"(exit code {process.returncode})"
        )
    return SyncPoint(version, seconds, peak[0], usage.ru_maxrss, _status(stdout))


@contextmanager
def _fork(
    work: Path, upstream: forks.Upstream, index: LocalIndex, releases: Sequence[Release]
) -> Iterator[Path]:
    """A new fork definition below ``work`` listing ``releases`` on ``index`` (and their
    sdists in the fork's cache); removed afterwards."""
    for number, release in enumerate(releases):
        index.add(upstream.project, release.sdist, _FIRST_UPLOAD + timedelta(days=number))
    with tempfile.TemporaryDirectory(dir=work, prefix=f"scaling-{upstream.name}-") as temp:
        root = Path(temp)
        forks.prepare(root, upstream, [release.sdist for release in releases])
        definition = root / "upstream" / f"{upstream.name}.toml"
        document = tomlkit.parse(definition.read_text(encoding="utf-8"))
        document["source"]["index"] = index.url
        definition.write_text(tomlkit.dumps(document), encoding="utf-8")
        yield root


# -- the section: every sync, the fits, the tables ---------------------------------------


@dataclass(frozen=True)
class Settings:
    """What the scaling section runs.

    Attributes:
        sizes: Python modules of each synthetic upstream.
        changes: modules changed by each patch release (those over a tenth of a size are
            left out for that size).
        runs: repetitions of every sync (each in new forks).
        django: also sync Django 5.2 and 5.2.1 (needs the sdists; PyPI when not cached).
        skip: do not run the section (``--skip-scaling``).
        only: run nothing else (``--only-scaling``).
    """

    sizes: tuple[int, ...] = DEFAULT_SIZES
    changes: tuple[int, ...] = DEFAULT_CHANGES
    runs: int = 1
    django: bool = True
    skip: bool = False
    only: bool = False

    @classmethod
    def from_options(cls, values: Mapping[str, Any]) -> Settings:
        """The settings given by the command-line options of :func:`options`."""
        return cls(
            sizes=values["scaling_sizes"],
            changes=values["scaling_changes"],
            runs=values["scaling_runs"],
            django=values["scaling_django"],
            skip=values["skip_scaling"],
            only=values["only_scaling"],
        )


@dataclass
class Point:
    """The syncs of one release, over the runs.

    Attributes:
        upstream: ``synth`` or ``django``.
        size: Python modules (synthetic; Django: its ``.py`` files).
        files: files in the release's sdist.
        mentioning: of them, those naming the package (synthetic; Django: ``.py`` files
            containing ``django``).
        changed: files changed since the release before (0: a full sync in a new fork).
        changed_python: of them, ``.py`` files (synthetic: the changed modules).
        syncs: one per run.
    """

    upstream: str
    size: int
    files: int
    mentioning: int
    changed: int
    changed_python: int
    syncs: list[SyncPoint] = field(default_factory=list)

    @property
    def seconds(self) -> Summary:
        """Wall time over the runs."""
        return summarize([sync.seconds for sync in self.syncs])

    @property
    def memory(self) -> Summary:
        """Peak PSS of the process tree over the runs, KiB."""
        return summarize([float(sync.tree_pss_kib) for sync in self.syncs], "KiB")

    @property
    def largest(self) -> Summary:
        """Largest single-process peak RSS over the runs, KiB."""
        return summarize([float(sync.largest_rss_kib) for sync in self.syncs], "KiB")


@dataclass(frozen=True)
class Fit:
    """A fit of measured values against a size.

    Attributes:
        label: what is fitted against what.
        expected: the exponent hoped for, as text.
        xs: the sizes.
        ys: the values (seconds or KiB).
        exponent: ``k`` of value ∝ size^k (least squares on logarithms).
        fixed: the intercept of value = fixed + per_unit × size.
        per_unit: its slope.
        r2: the square of the correlation of value and size (how straight the line is).
        steps: ``k`` between each two neighbouring sizes, smallest first (a growing ``k``
            shows a cost growing faster than the fit's ``exponent`` says).
    """

    label: str
    expected: str
    xs: tuple[float, ...]
    ys: tuple[float, ...]
    exponent: float
    fixed: float
    per_unit: float
    r2: float
    steps: tuple[float, ...]


def fit(label: str, expected: str, xs: Sequence[float], ys: Sequence[float]) -> Fit | None:
    """Fit ``ys`` against ``xs`` (both positive), or None with fewer than two distinct xs."""
    if len(set(xs)) < 2:
        return None
    pairs = sorted(zip(xs, ys, strict=True))
    steps = tuple(
        math.log(y2 / y1) / math.log(x2 / x1)
        for (x1, y1), (x2, y2) in itertools.pairwise(pairs)
        if x2 != x1
    )
    logs = statistics.linear_regression([math.log(x) for x in xs], [math.log(y) for y in ys])
    line = statistics.linear_regression(xs, ys)
    r2 = statistics.correlation(xs, ys) ** 2 if len(set(ys)) > 1 else 0.0
    return Fit(
        label, expected, tuple(xs), tuple(ys), logs.slope, line.intercept, line.slope, r2, steps
    )


@dataclass
class Results:
    """The scaling section's measurements.

    Attributes:
        header: run parameters and the load average at the start and the end.
        full: full syncs, synthetic sizes ascending, then Django.
        patches: patch syncs, by size then change count, then Django's.
        fits: the slopes (see :func:`fits`).
    """

    header: dict[str, Any]
    full: list[Point] = field(default_factory=list)
    patches: list[Point] = field(default_factory=list)
    fits: list[Fit] = field(default_factory=list)


SYNTH = forks.Upstream(PROJECT, PROJECT, {PROJECT: NEW_NAME}, {PROJECT: NEW_NAME}, {})


def _sync_chain(
    upstream: forks.Upstream,
    releases: Sequence[Release],
    points: Sequence[Point],
    runs: int,
    jobs: int,
    work: Path,
    say: Callable[[str], None],
) -> None:
    """Sync ``releases`` in order into a new fork ``runs`` times; add each to its point."""
    with LocalIndex() as index:
        for run in range(1, runs + 1):
            with _fork(work, upstream, index, releases) as root:
                for release, point in zip(releases, points, strict=True):
                    sync = timed_sync(root, upstream.name, release.version, jobs)
                    point.syncs.append(sync)
                    say(
                        f"[scaling {run}/{runs}] {upstream.name}, {point.size} Python files, "
                        f"--to {release.version} ({point.changed} files changed): "
                        f"{sync.seconds:.2f} s, {sync.tree_pss_kib / 1024:.0f} MiB"
                    )


def _changed(release: Release) -> tuple[int, int]:
    return release.changed, release.changed_python


def _synthetic(
    settings: Settings, results: Results, jobs: int, work: Path, say: Callable[[str], None]
) -> None:
    for size in sorted(settings.sizes):
        changes = [count for count in settings.changes if count <= size * MAX_CHANGED_SHARE]
        say(f"[scaling] generating {PROJECT} with {size} modules, {len(changes)} patch releases")
        with tempfile.TemporaryDirectory(dir=work, prefix="scaling-sdists-") as temp:
            releases = synthetic_releases(size, changes, Path(temp))
            mentioning = sum(1 for index in range(size) if mentions(index))
            points = [
                Point(PROJECT, size, release.files, mentioning, *_changed(release))
                for release in releases
            ]
            _sync_chain(SYNTH, releases, points, settings.runs, jobs, work, say)
        results.full.append(points[0])
        results.patches += points[1:]


def _django_release(
    sdist: inputs.Sdist, before: Mapping[str, bytes]
) -> tuple[Release, dict[str, bytes], int, int]:
    """The release of a Django sdist; its files; its ``.py`` files; those naming django."""
    with tarfile.open(sdist.path) as archive:
        files = {
            member.name.split("/", 1)[1]: archive.extractfile(member).read()  # type: ignore[union-attr]
            for member in archive.getmembers()
            if member.isfile()
        }
    python = [data for path, data in files.items() if path.endswith(".py")]
    mentioning = sum(1 for data in python if b"django" in data.lower())
    release = Release(sdist.version, sdist, len(files), *count_changes(before, files))
    return release, files, len(python), mentioning


def _django(
    settings: Settings, results: Results, jobs: int, work: Path, say: Callable[[str], None]
) -> None:
    releases: list[Release] = []
    points: list[Point] = []
    before: dict[str, bytes] = {}
    for version in (DJANGO_FULL, DJANGO_PATCH):
        sdist = inputs.fetch_sdist("Django", version, work)
        release, before, python, mentioning = _django_release(sdist, before)
        releases.append(release)
        points.append(Point("django", python, release.files, mentioning, *_changed(release)))
    _sync_chain(forks.DJANGO, releases, points, settings.runs, jobs, work, say)
    results.full.append(points[0])
    results.patches.append(points[1])


def fits(results: Results) -> list[Fit]:
    """The slopes of the synthetic points (Django's are shown, not fitted).

    Returns:
        full-sync time, then memory, against the sdist's files; patch-sync time against
        the changed files at each size; patch-sync time against the sdist's files for each
        change count measured at two sizes or more. Series with fewer than two sizes are
        left out.
    """
    full = [point for point in results.full if point.upstream == PROJECT]
    files = [float(point.files) for point in full]
    found = [
        fit("full sync: time against files", "≈ 1", files, [p.seconds.median for p in full]),
        fit("full sync: memory against files", "≤ 1", files, [p.memory.median for p in full]),
    ]
    patches = [point for point in results.patches if point.upstream == PROJECT]
    for size in sorted({point.size for point in patches}):
        series = [point for point in patches if point.size == size]
        found.append(
            fit(
                f"patch sync: time against changed files ({size:,} modules)",
                "≤ 1",
                [float(point.changed) for point in series],
                [point.seconds.median for point in series],
            )
        )
    for changed in sorted({point.changed for point in patches}):
        series = [point for point in patches if point.changed == changed]
        found.append(
            fit(
                f"patch sync: time against files ({changed:,} files changed)",
                "≈ 0",
                [float(point.files) for point in series],
                [point.seconds.median for point in series],
            )
        )
    return [item for item in found if item is not None]


def _header(settings: Settings, jobs: int) -> dict[str, Any]:
    return {
        "python": sys.version.split()[0],
        "cpus": len(os.sched_getaffinity(0)),
        "jobs": jobs,
        "runs": settings.runs,
        "sizes": list(settings.sizes),
        "changes": list(settings.changes),
        "seed": SEED,
        "mention_share": 1 / MENTION_EVERY,
        "load_average": os.getloadavg()[0],
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def run(settings: Settings, jobs: int, work: Path, console: Console | None = None) -> Results:
    """Run the scaling section: every sync, the fits; print the tables, write the JSON.

    Args:
        settings: sizes, change counts, runs, whether to include Django.
        jobs: ``FORKTOOL_JOBS`` for every sync.
        work: the work directory (temporary sdists and forks below it; Django's sdists
            cached there); ``<work>/scaling.json`` receives the results.
        console: where the tables go (default: stdout).

    Returns:
        the results.

    Raises:
        SystemExit: a sync failed, or a Django sdist could not be had.
    """

    def say(text: str) -> None:
        click.echo(text, err=True)

    results = Results(_header(settings, jobs))
    _synthetic(settings, results, jobs, work, say)
    if settings.django:
        _django(settings, results, jobs, work, say)
    results.fits = fits(results)
    results.header["load_average_end"] = os.getloadavg()[0]
    render(results, console)
    write_json(results, work / "scaling.json")
    click.echo(f"\nscaling results written to {work / 'scaling.json'}")
    return results


def _format(value: float, unit: str) -> str:
    if unit == "KiB":
        return f"{value / 1024:.0f} MiB"
    return f"{value:.2f} s" if value < 10 else f"{value:.1f} s"


def _cell(summary: Summary) -> str:
    """The median, with min–max when there were several runs."""
    text = _format(summary.median, summary.unit)
    if summary.runs > 1:
        text += f" ({_format(summary.min, summary.unit)}–{_format(summary.max, summary.unit)})"
    return text


def render(results: Results, console: Console | None = None) -> None:
    """Print the full-sync table, the patch-sync table and the slopes."""
    console = console or Console(width=None if sys.stdout.isatty() else WIDTH)
    head = results.header
    console.print(
        f"\nscaling — Python {head['python']}, {head['cpus']} CPUs, jobs={head['jobs']}, "
        f"runs={head['runs']}; load average (1 min) at start {head['load_average']:.2f}, "
        f"at end {head['load_average_end']:.2f}\n"
        f"synthetic upstreams: seed {head['seed']}, "
        f"{head['mention_share']:.0%} of modules mention the package"
    )
    for title, points in (
        ("full sync (new fork) against the upstream's size", results.full),
        ("patch sync (after the release before) against the changed files", results.patches),
    ):
        table = Table(title=title, title_justify="left", box=None, pad_edge=False)
        columns = ("upstream", "Python files", "mentioning", "sdist files", "changed", "(.py)")
        for name in columns:
            table.add_column(name, justify="left" if name == "upstream" else "right")
        for name in ("time", "tree memory (PSS)", "largest process (RSS)"):
            table.add_column(name, justify="right")
        for point in points:
            table.add_row(
                point.upstream,
                f"{point.size:,}",
                f"{point.mentioning:,}",
                f"{point.files:,}",
                f"{point.changed:,}",
                f"{point.changed_python:,}",
                _cell(point.seconds),
                _cell(point.memory),
                _cell(point.largest),
            )
        console.print()
        console.print(table)
    console.print()
    if not results.fits:
        console.print("slopes: none (they need two sizes, or two change counts, or more)")
        return
    console.print(
        "slopes (synthetic upstreams): k of value ∝ size^k (least squares on logarithms); "
        "the line value = fixed + per 1,000 × size, and its r²"
    )
    table = Table(box=None, pad_edge=False)
    slope_columns = (
        "series",
        "points",
        "k",
        "expected",
        "k step by step",
        "fixed",
        "per 1,000",
        "r²",
    )
    for name in slope_columns:
        table.add_column(name, justify="left" if name == "series" else "right")
    for item in results.fits:
        unit = "KiB" if "memory" in item.label else "s"
        table.add_row(
            item.label,
            str(len(item.xs)),
            f"{item.exponent:.2f}",
            item.expected,
            ", ".join(f"{step:.2f}" for step in item.steps),
            _format(item.fixed, unit),
            _format(item.per_unit * 1000, unit),
            f"{item.r2:.3f}",
        )
    console.print(table)


def write_json(results: Results, path: Path) -> None:
    """Write every point and fit of ``results`` to ``path``."""

    def point(item: Point) -> dict[str, Any]:
        data = {key: getattr(item, key) for key in ("upstream", "size", "files", "mentioning")}
        data["changed"], data["changed_python"] = item.changed, item.changed_python
        data["syncs"] = [asdict(sync) for sync in item.syncs]
        data["seconds"] = item.seconds.as_json()
        data["tree_pss"] = item.memory.as_json()
        data["largest_rss"] = item.largest.as_json()
        return data

    document = {
        "header": results.header,
        "full": [point(item) for item in results.full],
        "patches": [point(item) for item in results.patches],
        "fits": [asdict(item) for item in results.fits],
    }
    path.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")


# -- command-line options of ``python -m benchmarks`` ------------------------------------


def _counts(ctx: click.Context, param: click.Parameter, value: str) -> tuple[int, ...]:
    """Parse ``1000,10000,50000`` into positive integers."""
    try:
        counts = tuple(int(part) for part in value.split(",") if part.strip())
    except ValueError:
        counts = ()
    if not counts or min(counts) < 1:
        raise click.BadParameter(f"{value!r} is not a comma-separated list of positive numbers")
    return counts


def options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add the scaling section's options to a click command (read them back with
    :meth:`Settings.from_options`)."""
    default = Settings()
    decorators = [
        click.option("--skip-scaling", is_flag=True, help="Do not run the scaling section."),
        click.option("--only-scaling", is_flag=True, help="Run the scaling section only."),
        click.option(
            "--scaling-sizes",
            default=",".join(map(str, default.sizes)),
            show_default=True,
            callback=_counts,
            help="Python modules of each synthetic upstream.",
        ),
        click.option(
            "--scaling-changes",
            default=",".join(map(str, default.changes)),
            show_default=True,
            callback=_counts,
            help="Modules changed by each patch release (up to a tenth of a size).",
        ),
        click.option(
            "--scaling-runs",
            default=default.runs,
            show_default=True,
            type=click.IntRange(min=1),
            help="Repetitions of every scaling sync.",
        ),
        click.option(
            "--scaling-django/--no-scaling-django",
            default=default.django,
            show_default=True,
            help="Also sync Django 5.2 and 5.2.1 in the scaling section.",
        ),
    ]
    for decorator in reversed(decorators):
        command = decorator(command)
    return command
