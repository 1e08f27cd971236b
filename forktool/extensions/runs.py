"""Running an extension's tests on one side, and reading each test's outcome.

pytest runs in a copy of the unpacked sdist (one per side, so neither sees the other's
files), as ``<env>/bin/python -P -m pytest`` (``-P``: the copy is not put on
``sys.path``, as with the ``pytest`` script; the extension is imported from the
environment), with the project's own configuration (its ``testpaths``, ``filterwarnings``,
...) and only these options added: ``--junitxml`` (``-o junit_family=xunit1``, which
records each test's file), ``-p no:cacheprovider``, ``-q`` and the test paths
:mod:`forktool.extensions.suites` found when the project configures none.

Outcomes are read from the JUnit XML with the standard library's parser: a ``testcase``
with ``<failure>`` is ``failed``, with ``<error>`` ``error``, with ``<skipped>``
``skipped`` (an expected failure counts as skipped, as pytest's own summary shows it),
else ``passed``. A test's id is pytest's node id rebuilt from ``file``, ``classname``
and ``name``: ``tests/test_login.py::LoginTestCase::test_x``.

The wall-clock limit is a deadline shared by everything one extension does; pytest is
started in its own process group and the whole group is killed when time runs out.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from forktool.extensions.compare import Outcome
from forktool.extensions.environments import STOPPING, remaining

#: Characters of a failure's message kept for the report.
DETAIL_CHARS = 300


@dataclass(frozen=True)
class TestRun:
    """One pytest run on one side.

    Attributes:
        outcomes: test id -> outcome, in the order pytest reported them.
        details: test id -> the first line of its failure or error message (failed and
            error tests only), at most :data:`DETAIL_CHARS` characters.
        exit_code: pytest's exit code (None: killed when time ran out).
        seconds: wall-clock time of the run.
        log: the last lines of pytest's output (for a run with no report).
    """

    outcomes: dict[str, Outcome]
    details: dict[str, str]
    exit_code: int | None
    seconds: float
    log: str

    @property
    def counts(self) -> dict[str, int]:
        """Outcome -> number of tests, every :class:`Outcome` present (0 when none)."""
        found = Counter(self.outcomes.values())
        return {str(o): found.get(o, 0) for o in Outcome if o is not Outcome.MISSING}

    @property
    def timed_out(self) -> bool:
        """True when the run was killed at the deadline."""
        return self.exit_code is None


def run_tests(
    python: Path,
    directory: Path,
    junit: Path,
    deadline: float,
    *,
    paths: Sequence[str] = (),
    env: dict[str, str] | None = None,
) -> TestRun:
    """Run pytest in ``directory`` with ``python`` and read its JUnit report.

    Args:
        python: the side's environment's interpreter.
        directory: the side's copy of the sdist (the working directory).
        junit: where pytest writes its JUnit XML (replaced).
        deadline: a :func:`time.monotonic` value; the run is killed when it passes.
        paths: test paths or node ids to give pytest (none: the project's testpaths).
        env: the environment variables (default: this process's).

    Returns:
        the outcomes; empty when pytest wrote no report (it could not start, collection
        failed badly, or time ran out before it finished).
    """
    junit.unlink(missing_ok=True)
    if STOPPING.stopped:  # interrupted: no new test run starts
        return TestRun({}, {}, None, 0.0, "interrupted")
    command = [str(python), "-P", "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    command += ["-o", "junit_family=xunit1", f"--junitxml={junit}", *paths]
    started = time.monotonic()
    process = subprocess.Popen(
        command,
        cwd=directory,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    STOPPING.live(process.pid)
    try:
        output, _ = process.communicate(timeout=remaining(deadline) or 0.001)
        code: int | None = process.returncode
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        code = None
    finally:
        STOPPING.done(process.pid)
    seconds = time.monotonic() - started
    text = output.decode(errors="replace") if output else ""
    log = "\n".join(line for line in text.splitlines() if line.strip())
    outcomes, details = parse_junit(junit) if code is not None and junit.is_file() else ({}, {})
    return TestRun(outcomes, details, code, seconds, "\n".join(log.splitlines()[-20:]))


def parse_junit(path: Path) -> tuple[dict[str, Outcome], dict[str, str]]:
    """Test id -> outcome, and test id -> first line of the failure message, from a
    pytest JUnit XML report (``xunit1``). A report that does not parse gives nothing."""
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError):
        return {}, {}
    outcomes: dict[str, Outcome] = {}
    details: dict[str, str] = {}
    for case in root.iter("testcase"):
        test_id = node_id(case.get("file", ""), case.get("classname", ""), case.get("name", ""))
        outcome = Outcome.PASSED
        for child, kind in (("failure", Outcome.FAILED), ("error", Outcome.ERROR)):
            found = case.find(child)
            if found is not None:
                outcome = kind
                message = found.get("message") or (found.text or "")
                details[test_id] = (message.strip().splitlines() or [""])[0][:DETAIL_CHARS]
                break
        else:
            if case.find("skipped") is not None:
                outcome = Outcome.SKIPPED
        # pytest reports a teardown error as a second testcase of the same test
        if outcomes.get(test_id) in (Outcome.FAILED, Outcome.ERROR):
            continue
        outcomes[test_id] = outcome
    return outcomes, details


def node_id(file: str, classname: str, name: str) -> str:
    """pytest's node id from a JUnit ``testcase``: ``file`` and the classes of
    ``classname`` below the module (``tests.test_x.TestA`` with file ``tests/test_x.py``
    gives ``tests/test_x.py::TestA::name``). Without ``file``: ``classname::name``."""
    if not file:
        return f"{classname}::{name}" if classname else name
    module = file.removesuffix(".py").replace("/", ".").replace("\\", ".")
    rest = classname.removeprefix(module).lstrip(".") if classname.startswith(module) else ""
    parts = [file.replace("\\", "/"), *(p for p in rest.split(".") if p), name]
    return "::".join(parts)
