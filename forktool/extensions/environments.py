"""Virtual environments for both sides of a run, with pip, resolved once and cached.

Every pip run goes through one *tool environment* (``<cache>/tool``, a venv with pip,
made once): environments for the tests are made without pip (``python -m venv
--without-pip``, fast) and installed into with ``pip --python ENV/bin/python``.

**Resolve once, install with constraints.** :func:`resolve` asks pip what the *upstream*
side would install (``pip install --dry-run --ignore-installed --report``): the real
framework release, the extension's wheel and its test requirements, under the
maintainer's constraints file if any. Every third-party package of that answer becomes an
exact pin (:attr:`Resolution.pins`, written as a constraints file), and *both* sides are
installed with it (``pip install -c``), so a package both sides need gets the same
version on both; the fork side only replaces the framework's distribution with the
fork's wheel and the shim wheel. What each environment really holds is read back from
it (:attr:`Environment.installed`), and the report shows any package whose version
differs between the sides.

**Caches**, under the cache directory: ``tool/`` (pip), ``wheels/<key>/`` (a wheel built
from an sdist or the fork, by the sdist's sha256 or the fork's tree), ``envs/<key>/``
(an environment, keyed by the sha256 of everything it was made from: pins, wheels'
digests, requirements, the Python). An environment is complete once its
``forktool-env.json`` is written; an incomplete one is made again. A lock file per
environment (``fcntl.flock``) keeps two processes sharing a cache (shards) from making
the same one at once.

The index: pip is given ``--index-url`` derived from the JSON API root of the
definition (:func:`simple_url`), credentials included, as pip takes them.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name

#: Lines of pip's output kept for a failure's message.
TAIL_LINES = 12
_MARKER = "forktool-env.json"
_tool_lock = threading.Lock()


class Stopping:
    """The run's stop switch, for an interrupt (Ctrl-C): once :meth:`stop` is called no
    new pip step or test run starts, and each live test run's process group (started in
    its own session, so a terminal's Ctrl-C does not reach it) is killed."""

    def __init__(self) -> None:
        self._stopped = threading.Event()
        self._live: set[int] = set()
        self._lock = threading.Lock()

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    def start(self) -> None:
        """Arm the switch for a new run."""
        self._stopped.clear()

    def stop(self) -> None:
        """Stop: kill every live process group registered with :meth:`live`."""
        self._stopped.set()
        with self._lock:
            groups = list(self._live)
        for group in groups:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(group, signal.SIGKILL)

    def live(self, group: int) -> None:
        """Register a running process group; killed at once if the run is stopping."""
        with self._lock:
            self._live.add(group)
        if self.stopped:
            self.stop()

    def done(self, group: int) -> None:
        with self._lock:
            self._live.discard(group)


#: The one stop switch of the running ``forktool extensions`` (one run per process).
STOPPING = Stopping()


class StepFailed(Exception):
    """A pip or venv step failed or ran out of time; ``message`` is one line, ``log`` the
    tail of the command's output; ``timed_out`` when the wall-clock limit ended it."""

    def __init__(self, message: str, log: str = "", *, timed_out: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.log = log
        self.timed_out = timed_out


@dataclass(frozen=True)
class Resolution:
    """What pip chose for the upstream side.

    Attributes:
        pins: normalized distribution name -> version, every third-party package (the
            framework's distributions and the extension left out), sorted by name.
        constraints: the constraints file holding them as ``name==version`` lines.
    """

    pins: dict[str, str]
    constraints: Path


@dataclass(frozen=True)
class Environment:
    """A virtual environment ready for a side's tests.

    Attributes:
        path: its directory; ``python`` its interpreter.
        key: the cache key it is stored under (sha256 hex).
        installed: normalized distribution name -> version, read from the environment.
        cached: True when it was there already (made by an earlier run).
        seconds: how long getting it took (wall clock).
    """

    path: Path
    key: str
    installed: dict[str, str]
    cached: bool
    seconds: float

    @property
    def python(self) -> Path:
        """The environment's interpreter, ``<path>/bin/python``."""
        return self.path / "bin" / "python"


def simple_url(json_api_root: str) -> str:
    """pip's ``--index-url`` for an index whose JSON API root is ``json_api_root``:
    ``https://pypi.org/pypi`` -> ``https://pypi.org/simple`` (a root ending in ``/pypi``
    has it replaced; any other gets ``/simple`` appended)."""
    root = json_api_root.rstrip("/")
    return root.removesuffix("/pypi") + "/simple"


def tool_python(cache: Path, deadline: float) -> Path:
    """The interpreter of the tool environment (made on first use, with pip)."""
    tool = cache / "tool"
    python = tool / "bin" / "python"
    with _tool_lock, _file_lock(cache / "tool.lock"):
        if not (tool / _MARKER).is_file():
            if tool.exists():
                shutil.rmtree(tool)
            _run([sys.executable, "-m", "venv", str(tool)], deadline, "create pip's environment")
            (tool / _MARKER).write_text("{}\n", encoding="utf-8")
    return python


def build_wheel(
    tool: Path, source: Path, out: Path, deadline: float, *, index: str, env: dict[str, str]
) -> Path:
    """The wheel of the project in ``source``, built once into ``out`` (``pip wheel
    --no-deps``); an ``out`` holding a wheel already is reused.

    Raises:
        StepFailed: the build failed or ran out of time.
    """
    with _file_lock(out.with_suffix(".lock")):
        found = sorted(out.glob("*.whl")) if out.is_dir() else []
        if found:
            return found[0]
        temp = out.with_name(out.name + ".tmp")
        shutil.rmtree(temp, ignore_errors=True)
        copy = out.with_name(out.name + ".src")
        shutil.rmtree(copy, ignore_errors=True)
        # a copy (without .git): a build back-end writes build/ or *.egg-info beside the
        # sources, which must never land in the user's checkout
        shutil.copytree(source, copy, symlinks=True, ignore=shutil.ignore_patterns(".git"))
        pip = [str(tool), "-m", "pip", "wheel", "--no-deps", "-q", "--index-url", index]
        try:
            _run([*pip, "-w", str(temp), str(copy)], deadline, f"build {source.name}", env=env)
        finally:
            shutil.rmtree(copy, ignore_errors=True)
        wheels = sorted(temp.glob("*.whl"))
        if not wheels:
            raise StepFailed(f"building {source.name} made no wheel")
        shutil.rmtree(out, ignore_errors=True)
        temp.rename(out)
        return out / wheels[0].name


def resolve(
    tool: Path,
    requirements: Sequence[str],
    work: Path,
    deadline: float,
    *,
    index: str,
    constraints: Path | None,
    left_out: frozenset[str],
    env: dict[str, str],
) -> Resolution:
    """Resolve ``requirements`` once (``pip install --dry-run --report``) and pin every
    package of the answer but those in ``left_out`` (normalized names).

    Writes ``<work>/report.json`` (pip's) and ``<work>/constraints.txt``.

    Raises:
        StepFailed: pip cannot resolve them (the message is pip's last line).
    """
    work.mkdir(parents=True, exist_ok=True)
    report = work / "report.json"
    command = [str(tool), "-m", "pip", "install", "--dry-run", "--ignore-installed", "-q"]
    command += ["--index-url", index, "--report", str(report)]
    if constraints is not None:
        command += ["-c", str(constraints)]
    _run([*command, *requirements], deadline, "resolve the requirements", env=env)
    document = json.loads(report.read_text(encoding="utf-8"))
    pins: dict[str, str] = {}
    for item in document.get("install", []):
        metadata = item.get("metadata", {})
        name = canonicalize_name(str(metadata.get("name", "")))
        if name and name not in left_out:
            pins[name] = str(metadata.get("version", ""))
    pins = dict(sorted(pins.items()))
    path = work / "constraints.txt"
    path.write_text("".join(f"{n}=={v}\n" for n, v in pins.items()), encoding="utf-8")
    return Resolution(pins, path)


def environment(
    tool: Path,
    cache: Path,
    requirements: Sequence[str],
    deadline: float,
    *,
    index: str,
    constraints: Sequence[Path],
    key_parts: Sequence[str],
    env: dict[str, str],
) -> Environment:
    """A virtual environment holding ``requirements`` installed under ``constraints``,
    from the cache when one was made from the same inputs.

    Args:
        tool: the tool environment's interpreter (:func:`tool_python`).
        cache: the cache directory (``envs/<key>/`` is made there).
        requirements: what ``pip install`` is given (requirement strings, wheel paths).
        constraints: constraints files (their contents enter the key).
        key_parts: whatever else identifies the inputs (wheel digests).

    Raises:
        StepFailed: creating or installing failed, or ran out of time.
    """
    started = time.monotonic()
    digest = hashlib.sha256()
    for part in (sys.version, *requirements, *key_parts):
        digest.update(part.encode() + b"\0")
    for path in constraints:
        digest.update(path.read_bytes() + b"\0")
    key = digest.hexdigest()
    path = cache / "envs" / key[:32]
    path.parent.mkdir(parents=True, exist_ok=True)
    with _file_lock(path.with_suffix(".lock")):
        marker = path / _MARKER
        if marker.is_file():
            installed = json.loads(marker.read_text(encoding="utf-8"))["installed"]
            return Environment(path, key, installed, True, time.monotonic() - started)
        if path.exists():
            shutil.rmtree(path)
        venv = [sys.executable, "-m", "venv", "--without-pip", str(path)]
        _run(venv, deadline, "create a virtual environment")
        python = path / "bin" / "python"
        command = [str(tool), "-m", "pip", "--python", str(python), "install", "-q"]
        command += ["--index-url", index]
        for constraint in constraints:
            command += ["-c", str(constraint)]
        _run([*command, *requirements], deadline, "install", env=env)
        installed = installed_versions(python, deadline)
        record = {"requirements": list(requirements), "installed": installed}
        marker.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    return Environment(path, key, installed, False, time.monotonic() - started)


def installed_versions(python: Path, deadline: float) -> dict[str, str]:
    """Normalized distribution name -> version of everything ``python``'s environment
    holds, read with ``importlib.metadata`` inside it."""
    code = (
        "import importlib.metadata as m, json, re\n"
        "print(json.dumps({re.sub(r'[-_.]+', '-', d.metadata['Name']).lower(): d.version"
        " for d in m.distributions()}))"
    )
    output = _run([str(python), "-I", "-c", code], deadline, "list the installed packages")
    return dict(sorted(json.loads(output).items()))


def remaining(deadline: float) -> float:
    """Seconds left until ``deadline`` (a :func:`time.monotonic` value), at least 0."""
    return max(0.0, deadline - time.monotonic())


def _run(
    command: Sequence[str], deadline: float, what: str, *, env: dict[str, str] | None = None
) -> str:
    """Run ``command``; its stdout. Raises :class:`StepFailed` on a non-zero exit (the
    message: ``what`` and the output's last line) or when ``deadline`` passes."""
    left = remaining(deadline)
    if STOPPING.stopped:
        raise StepFailed(f"{what}: interrupted")
    if left <= 0:
        raise StepFailed(f"{what}: out of time", timed_out=True)
    try:
        done = subprocess.run(
            list(command),
            capture_output=True,
            text=True,
            timeout=left,
            env=env,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise StepFailed(f"{what}: out of time", _tail(exc.stderr), timed_out=True) from None
    except OSError as exc:
        raise StepFailed(f"{what}: {exc}") from None
    if done.returncode != 0:
        log = _tail(done.stderr or done.stdout)
        last = log.splitlines()[-1] if log else f"exit code {done.returncode}"
        raise StepFailed(f"{what} failed: {last.strip()}", log)
    return done.stdout


def _tail(text: str | bytes | None) -> str:
    if isinstance(text, bytes):
        text = text.decode(errors="replace")
    lines = [line for line in (text or "").splitlines() if line.strip()]
    return "\n".join(lines[-TAIL_LINES:])


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """An exclusive ``flock`` on ``path`` (created), for as long as the block runs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def pip_environment() -> dict[str, str]:
    """The environment pip runs with: this process's, with pip's questions, version
    check and Python's bytecode writing turned off."""
    env = dict(os.environ)
    env.update(PIP_NO_INPUT="1", PIP_DISABLE_PIP_VERSION_CHECK="1", PYTHONDONTWRITEBYTECODE="1")
    return env
