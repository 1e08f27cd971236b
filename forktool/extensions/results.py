"""What a run found: frozen results, their JSON document (``"schema": 1``, documented in
docs/json.md), shards merged, and the last run kept for ``forktool status``.

The JSON document is the one ``forktool extensions --format json`` prints and ``forktool
extensions merge`` reads back: :func:`to_dict` and :func:`from_dict` are each other's
inverse. The last run of an upstream is kept in the fork repository,
``.git/forktool/<name>.extensions.json`` (:func:`save`, :func:`load_last`).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from forktool.errors import ForktoolError
from forktool.extensions.compare import (
    Change,
    ExtensionStatus,
    Outcome,
    TestChange,
)

#: Version of the JSON document; bump it when a field changes meaning or disappears.
SCHEMA = 1
#: The ``command`` of the document.
COMMAND = "extensions"


class SideStatus(StrEnum):
    """How one side of one extension went (values as in the JSON report)."""

    RAN = "ran"  # pytest ran and wrote its report
    INSTALL_FAILED = "install-failed"  # the environment could not be made
    NO_REPORT = "no-report"  # pytest ran but wrote no report (it could not start)
    TIMEOUT = "timeout"  # the wall-clock limit ended it
    NOT_RUN = "not-run"  # an earlier step failed


@dataclass(frozen=True)
class SideReport:
    """One side (``upstream`` or ``fork``) of one extension.

    Attributes:
        status: how it went.
        counts: outcome -> number of tests (``passed``, ``failed``, ``error``,
            ``skipped``) of its first run; zeros when it did not run.
        seconds: wall-clock time of its first pytest run.
        environment: the cached environment's key (sha256 hex), or "".
        environment_cached: the environment came from the cache.
        installed: normalized distribution name -> version, everything its environment
            holds.
        message: one line on what went wrong, or "".
        log: the last lines of the failing step's output, or "".
    """

    status: SideStatus = SideStatus.NOT_RUN
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    environment: str = ""
    environment_cached: bool = False
    installed: dict[str, str] = field(default_factory=dict)
    message: str = ""
    log: str = ""


@dataclass(frozen=True)
class ExtensionReport:
    """One extension, both sides.

    Attributes:
        name: the distribution as configured (``Flask-Login``); requirement: the entry of
            ``[extensions] packages``.
        version: the release tested ("" when none was found); sdist_sha256: its sdist's
            digest, verified.
        status: how far it got; message: one line when it did not get to a comparison.
        dependency_source: where its test dependencies were read ("" when nowhere);
            test_requirements: what was installed for its tests.
        pytest_config: the file configuring pytest; test_paths: what pytest was given.
        notes: what the report says about it (dependencies not found, pins dropped).
        pins: normalized name -> version, the third-party packages both sides were
            installed with (resolved once, on the upstream side).
        differing_versions: name -> ``[upstream version, fork version]`` for a
            third-party package installed in other versions (or on one side only:
            ``""``); the framework's and the shim's distributions left out.
        upstream, fork: the two sides.
        changes: every test whose outcome is not simply the same, regressions first.
        seconds: wall-clock time of the whole extension.
    """

    name: str
    requirement: str
    version: str = ""
    sdist_sha256: str = ""
    status: ExtensionStatus = ExtensionStatus.NOT_RUN
    message: str = ""
    dependency_source: str = ""
    test_requirements: tuple[str, ...] = ()
    pytest_config: str = ""
    test_paths: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    pins: dict[str, str] = field(default_factory=dict)
    differing_versions: dict[str, tuple[str, str]] = field(default_factory=dict)
    upstream: SideReport = field(default_factory=SideReport)
    fork: SideReport = field(default_factory=SideReport)
    changes: tuple[TestChange, ...] = ()
    seconds: float = 0.0

    def count(self, change: Change) -> int:
        """How many tests of this extension have ``change``."""
        return sum(1 for item in self.changes if item.change is change)

    @property
    def regressions(self) -> int:
        """Regressed tests, plus one when the fork side broke as a whole."""
        broken = self.status is ExtensionStatus.BROKEN_ON_FORK
        return self.count(Change.REGRESSION) + (1 if broken else 0)


@dataclass(frozen=True)
class RunReport:
    """A whole run (or several shards merged).

    Attributes:
        upstream: the definition's name; distribution: the framework's distribution on
            the index (``Flask``); release: the integrated release both sides test.
        index: the JSON API root used (password redacted).
        fork_path, fork_commit: the fork repository and the commit its wheel was built
            from; fork_dirty: it had uncommitted changes (they were built too).
        shim_wheel: the shim wheel installed on the fork side.
        shards: the shards this report holds (``["1/2"]``; ``[]`` for a whole run).
        jobs: extensions run at once; reruns: re-runs of a differing test per side;
            timeout: the wall-clock limit of one extension, in seconds.
        started: when the run started (ISO 8601, UTC); seconds: its wall-clock time.
        extensions: one per extension, sorted by normalized name.
    """

    upstream: str
    distribution: str
    release: str
    index: str
    fork_path: str
    fork_commit: str
    fork_dirty: bool
    shim_wheel: str
    shards: tuple[str, ...]
    jobs: int
    reruns: int
    timeout: float
    started: str
    seconds: float
    extensions: tuple[ExtensionReport, ...]

    @property
    def totals(self) -> dict[str, int]:
        """``extensions``, ``compared``, ``regressions``, ``fixes``, ``flaky``,
        ``not_comparable`` and ``not_run`` (extensions not compared) over the run."""
        compared = (ExtensionStatus.COMPARED, ExtensionStatus.REGRESSED)
        return {
            "extensions": len(self.extensions),
            "compared": sum(1 for e in self.extensions if e.status in compared),
            "regressions": sum(e.regressions for e in self.extensions),
            "fixes": sum(e.count(Change.FIX) for e in self.extensions),
            "flaky": sum(e.count(Change.FLAKY) for e in self.extensions),
            "not_comparable": sum(e.count(Change.NOT_COMPARABLE) for e in self.extensions),
            "not_run": sum(
                1
                for e in self.extensions
                if e.status not in compared and e.status is not ExtensionStatus.BROKEN_ON_FORK
            ),
        }


def to_dict(report: RunReport) -> dict[str, Any]:
    """The JSON document of ``report`` (docs/json.md, *forktool extensions*)."""
    data = asdict(report)
    data["totals"] = report.totals
    for item, extension in zip(data["extensions"], report.extensions, strict=True):
        item["regressions"] = extension.regressions
        item["differing_versions"] = {k: list(v) for k, v in extension.differing_versions.items()}
    return {"schema": SCHEMA, "command": COMMAND, **data}


def to_json(report: RunReport) -> str:
    """:func:`to_dict` as indented JSON."""
    return json.dumps(to_dict(report), indent=1)


def from_dict(data: dict[str, Any], where: str) -> RunReport:
    """A report back from its JSON document (the inverse of :func:`to_dict`).

    Raises:
        ForktoolError: not a document of this command, another schema, or malformed;
            the message names ``where``.
    """
    if not isinstance(data, dict) or data.get("command") != COMMAND:
        raise ForktoolError(
            f"{where} is not the JSON of forktool extensions",
            "give files written by 'forktool extensions --format json'",
        )
    if data.get("schema") != SCHEMA:
        raise ForktoolError(
            f"{where} has schema {data.get('schema')!r}; this forktool reads schema {SCHEMA}",
            "run every shard with the same forktool",
        )
    try:
        extensions = tuple(_extension(item) for item in data["extensions"])
        return RunReport(
            upstream=str(data["upstream"]),
            distribution=str(data["distribution"]),
            release=str(data["release"]),
            index=str(data["index"]),
            fork_path=str(data["fork_path"]),
            fork_commit=str(data["fork_commit"]),
            fork_dirty=bool(data["fork_dirty"]),
            shim_wheel=str(data["shim_wheel"]),
            shards=tuple(str(s) for s in data["shards"]),
            jobs=int(data["jobs"]),
            reruns=int(data["reruns"]),
            timeout=float(data["timeout"]),
            started=str(data["started"]),
            seconds=float(data["seconds"]),
            extensions=extensions,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ForktoolError(
            f"{where} is malformed: {type(exc).__name__} {exc}",
            "give files written by 'forktool extensions --format json'",
        ) from None


def _extension(item: dict[str, Any]) -> ExtensionReport:
    return ExtensionReport(
        name=str(item["name"]),
        requirement=str(item["requirement"]),
        version=str(item["version"]),
        sdist_sha256=str(item["sdist_sha256"]),
        status=ExtensionStatus(item["status"]),
        message=str(item["message"]),
        dependency_source=str(item["dependency_source"]),
        test_requirements=tuple(item["test_requirements"]),
        pytest_config=str(item["pytest_config"]),
        test_paths=tuple(item["test_paths"]),
        notes=tuple(item["notes"]),
        pins=dict(item["pins"]),
        differing_versions={
            k: (str(v[0]), str(v[1])) for k, v in item["differing_versions"].items()
        },
        upstream=_side(item["upstream"]),
        fork=_side(item["fork"]),
        changes=tuple(_change(c) for c in item["changes"]),
        seconds=float(item["seconds"]),
    )


def _side(item: dict[str, Any]) -> SideReport:
    return SideReport(
        status=SideStatus(item["status"]),
        counts={str(k): int(v) for k, v in item["counts"].items()},
        seconds=float(item["seconds"]),
        environment=str(item["environment"]),
        environment_cached=bool(item["environment_cached"]),
        installed=dict(item["installed"]),
        message=str(item["message"]),
        log=str(item["log"]),
    )


def _change(item: dict[str, Any]) -> TestChange:
    return TestChange(
        test=str(item["test"]),
        upstream=Outcome(item["upstream"]),
        fork=Outcome(item["fork"]),
        change=Change(item["change"]),
        reruns_upstream=tuple(Outcome(o) for o in item["reruns_upstream"]),
        reruns_fork=tuple(Outcome(o) for o in item["reruns_fork"]),
        detail=str(item["detail"]),
        reason=str(item["reason"]),
    )


def merge(reports: list[tuple[str, RunReport]]) -> RunReport:
    """Shards' reports as one: extensions combined (sorted by name), shards listed,
    ``seconds`` the longest shard's, ``started`` the earliest.

    Args:
        reports: (where it was read, report) per shard, at least one.

    Raises:
        ForktoolError: the reports are of different upstreams, releases or fork commits,
            or two hold the same extension.
    """
    where, first = reports[0]
    seen: dict[str, str] = {}
    extensions: list[ExtensionReport] = []
    for name, report in reports:
        for key in ("upstream", "release", "fork_commit", "shim_wheel"):
            if getattr(report, key) != getattr(first, key):
                raise ForktoolError(
                    f"{name} and {where} are runs of different {key.replace('_', ' ')}s "
                    f"({getattr(report, key)} vs {getattr(first, key)})",
                    "merge the shards of one run only",
                )
        for extension in report.extensions:
            if extension.name.lower() in seen:
                raise ForktoolError(
                    f"{extension.name} is in both {seen[extension.name.lower()]} and {name}",
                    "merge each shard once; shards of one run never share an extension",
                )
            seen[extension.name.lower()] = name
            extensions.append(extension)
    return replace(
        first,
        shards=tuple(sorted({s for _, r in reports for s in r.shards})),
        started=min(r.started for _, r in reports),
        seconds=max(r.seconds for _, r in reports),
        extensions=tuple(sorted(extensions, key=lambda e: e.name.lower())),
    )


def read(path: Path) -> RunReport:
    """The report in the JSON file ``path``.

    Raises:
        ForktoolError: unreadable, not JSON, or not a document of this command.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ForktoolError(f"cannot read {path}: {exc.strerror}", "check the path") from None
    except ValueError:
        raise ForktoolError(
            f"{path} is not JSON", "give files written by 'forktool extensions --format json'"
        ) from None
    return from_dict(data, str(path))


def save(report: RunReport, state_dir: Path, name: str) -> Path:
    """Keep ``report`` as the last run of upstream ``name`` in ``state_dir``
    (``<name>.extensions.json``, written atomically); the path written."""
    state_dir.mkdir(parents=True, exist_ok=True)
    path = state_dir / f"{name}.extensions.json"
    fd, temp = tempfile.mkstemp(dir=state_dir, prefix=f".{name}.extensions.")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(to_json(report) + "\n")
    os.replace(temp, path)
    return path


@dataclass(frozen=True)
class LastRun:
    """What ``forktool status`` shows of the last run kept for an upstream.

    Attributes:
        path: the file it is kept in (``.git/forktool/<name>.extensions.json``).
        started: when it started (ISO 8601, UTC); release: the release it tested;
            fork_commit: the fork commit it built.
        totals: its :attr:`RunReport.totals`.
    """

    path: Path
    started: str
    release: str
    fork_commit: str
    totals: dict[str, int]


def last_run(state_dir: Path, name: str) -> LastRun | None:
    """The summary of the last run kept for upstream ``name`` (None: none kept)."""
    found = load_last(state_dir, name)
    if found is None:
        return None
    path = state_dir / f"{name}.extensions.json"
    return LastRun(path, found.started, found.release, found.fork_commit, found.totals)


def load_last(state_dir: Path, name: str) -> RunReport | None:
    """The last run kept for upstream ``name`` (None: none, or unreadable)."""
    path = state_dir / f"{name}.extensions.json"
    if not path.is_file():
        return None
    try:
        return read(path)
    except ForktoolError:
        return None
