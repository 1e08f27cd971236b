"""A whole ``forktool extensions`` run: every extension, both sides, compared.

For each extension, with one wall-clock deadline (``[extensions] timeout``) for all its
steps: pick the release (:mod:`.listing`), fetch its sdist and find its suite
(:mod:`.suites`), build its wheel, resolve the upstream side once and pin it
(:mod:`.environments`), make (or reuse) both environments, run pytest on both
(:mod:`.runs`), compare (:mod:`.compare`), and re-run every regression and fix on both
sides to tell flaky tests. The fork's wheel is built once per run. Extensions run in
parallel, up to ``jobs`` at a time; a shard ``K/N`` takes every N-th extension (sorted
by normalized name) from the K-th. Nothing raises for one extension: what went wrong is
in its :class:`~forktool.extensions.results.ExtensionReport`.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from packaging.utils import canonicalize_name

from forktool.errors import ForktoolError
from forktool.extensions import environments as envs
from forktool.extensions import listing, suites
from forktool.extensions.compare import (
    Change,
    ExtensionStatus,
    Outcome,
    TestChange,
    compare,
    needs_rerun,
    with_reruns,
)
from forktool.extensions.environments import StepFailed
from forktool.extensions.listing import Extension
from forktool.extensions.results import ExtensionReport, RunReport, SideReport, SideStatus
from forktool.extensions.runs import TestRun, run_tests

#: A progress callback: one line per step an extension finishes.
Progress = Callable[[str], None]


@dataclass(frozen=True)
class RunPlan:
    """Everything a run needs, checked by the caller.

    Attributes:
        upstream: the definition's name.
        distribution: the framework's distribution on the index (``Flask``); release:
            the integrated release, installed on the upstream side as
            ``<distribution>==<release>``.
        framework: normalized names of the framework's distributions, old and new
            (``{"flask", "framework"}``): never pinned, never compared.
        index: the JSON API root of the package index (pip gets its simple API,
            :func:`forktool.extensions.environments.simple_url`).
        shown_index: ``index`` with its password redacted, for the report.
        fork_path: the fork repository (pip builds the fork's wheel from it).
        fork_commit: its HEAD; fork_key: what identifies the tree built (HEAD's tree,
            plus a digest of uncommitted files); fork_dirty: it has uncommitted changes.
        shim_wheel: the shim wheel (``forktool shims``).
        extensions: the extensions of this run (already cut to the shard).
        constraints: the maintainer's pip constraints file, or None.
        timeout: seconds one extension may take; reruns: re-runs per differing test.
        jobs: extensions run at once.
        shard: ``"K/N"`` or "".
        cache: the cache directory (tool env, wheels, environments, sdists).
        work: a directory for this run's unpacked sdists and pytest reports.
    """

    upstream: str
    distribution: str
    release: str
    framework: frozenset[str]
    index: str
    shown_index: str
    fork_path: Path
    fork_commit: str
    fork_key: str
    fork_dirty: bool
    shim_wheel: Path
    extensions: tuple[Extension, ...]
    constraints: Path | None
    timeout: float
    reruns: int
    jobs: int
    shard: str
    cache: Path
    work: Path


def shard_of(extensions: list[Extension], shard: tuple[int, int] | None) -> list[Extension]:
    """The extensions of shard ``(k, n)`` (1-based ``k``): every n-th from the k-th, in
    normalized-name order; all of them for None."""
    ordered = sorted(extensions, key=lambda e: e.key)
    if shard is None:
        return ordered
    k, n = shard
    return ordered[k - 1 :: n]


def parse_shard(text: str) -> tuple[int, int]:
    """``"K/N"`` as ``(k, n)`` with ``1 <= k <= n``.

    Raises:
        ForktoolError: not of that form.
    """
    try:
        k, n = (int(part) for part in text.split("/"))
    except ValueError:
        k = n = 0
    if not 1 <= k <= n:
        raise ForktoolError(
            f"--shard {text!r} is not K/N with 1 <= K <= N", "write e.g. --shard 1/4"
        )
    return k, n


def run(plan: RunPlan, progress: Progress = lambda _: None) -> RunReport:
    """Run every extension of ``plan`` on both sides and compare (see the module doc).

    Raises:
        ForktoolError: the fork's wheel cannot be built, or pip's tool environment cannot
            be made (nothing can run then); one extension's failure is never raised.
    """
    envs.STOPPING.start()  # armed before any pip step: a run after an interrupted one works
    started = datetime.now(UTC)
    clock = time.monotonic()
    plan.work.mkdir(parents=True, exist_ok=True)
    setup_deadline = clock + max(plan.timeout, 600.0)
    env = envs.pip_environment()
    index = envs.simple_url(plan.index)
    try:
        tool = envs.tool_python(plan.cache, setup_deadline)
        progress(f"building the fork's wheel from {plan.fork_path}")
        fork_wheel = envs.build_wheel(
            tool,
            plan.fork_path,
            plan.cache / "wheels" / f"fork-{plan.fork_key[:32]}",
            setup_deadline,
            index=index,
            env=env,
        )
    except StepFailed as exc:
        raise ForktoolError(
            f"cannot build the fork's wheel: {exc.message}",
            f"check that 'pip wheel {plan.fork_path}' works",
        ) from None
    context = _Context(plan, tool, fork_wheel, index, env, progress)
    pool = ThreadPoolExecutor(max_workers=max(1, plan.jobs))
    try:
        reports = list(pool.map(context.extension, plan.extensions))
    except BaseException:  # Ctrl-C, SIGTERM: stop the test runs now, start no other
        envs.STOPPING.stop()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown()
    return RunReport(
        upstream=plan.upstream,
        distribution=plan.distribution,
        release=plan.release,
        index=plan.shown_index,
        fork_path=str(plan.fork_path),
        fork_commit=plan.fork_commit,
        fork_dirty=plan.fork_dirty,
        shim_wheel=str(plan.shim_wheel),
        shards=(plan.shard,) if plan.shard else (),
        jobs=plan.jobs,
        reruns=plan.reruns,
        timeout=plan.timeout,
        started=started.isoformat(timespec="seconds"),
        seconds=round(time.monotonic() - clock, 2),
        extensions=tuple(reports),
    )


@dataclass(frozen=True)
class _Context:
    plan: RunPlan
    tool: Path
    fork_wheel: Path
    index: str
    env: dict[str, str]
    progress: Progress

    def extension(self, extension: Extension) -> ExtensionReport:
        """One extension, start to end; never raises a ForktoolError."""
        started = time.monotonic()
        deadline = started + self.plan.timeout
        report = ExtensionReport(extension.name, extension.requirement)
        try:
            report = self._extension(extension, deadline, report)
        except ForktoolError as exc:
            report = replace(report, status=ExtensionStatus.NOT_RUN, message=exc.message)
        except StepFailed as exc:
            status = ExtensionStatus.TIMEOUT if exc.timed_out else ExtensionStatus.NOT_RUN
            report = replace(report, status=status, message=exc.message)
        self.progress(f"{extension.name}: {report.status}")
        return replace(report, seconds=round(time.monotonic() - started, 2))

    def _extension(
        self, extension: Extension, deadline: float, report: ExtensionReport
    ) -> ExtensionReport:
        plan = self.plan
        release = listing.pick_release(extension, plan.index)
        report = replace(report, version=release.version, sdist_sha256=release.sha256 or "")
        work = plan.work / extension.key
        suite = suites.fetch(
            extension.name,
            release,
            work,
            index=plan.index,
            cache=plan.cache / "sdists",
            framework=plan.framework,
        )
        report = replace(
            report,
            dependency_source=suite.dependency_source,
            test_requirements=suite.test_requirements,
            pytest_config=suite.pytest_config,
            test_paths=suite.test_paths,
            notes=suite.notes,
        )
        if suite.problem:
            return replace(report, status=ExtensionStatus.NO_TESTS, message=suite.problem)
        self.progress(f"{extension.name} {release.version}: building its wheel")
        wheel = envs.build_wheel(
            self.tool,
            suite.directory,
            plan.cache / "wheels" / f"{extension.key}-{suite.sha256[:32]}",
            deadline,
            index=self.index,
            env=self.env,
        )
        upstream_requirements = [
            f"{plan.distribution}=={plan.release}",
            str(wheel),
            *suite.test_requirements,
        ]
        self.progress(f"{extension.name}: resolving")
        resolution = envs.resolve(
            self.tool,
            upstream_requirements,
            work / "resolve",
            deadline,
            index=self.index,
            constraints=plan.constraints,
            left_out=plan.framework | {extension.key},
            env=self.env,
        )
        report = replace(report, pins=resolution.pins)
        sides: dict[str, SideReport] = {}
        environments: dict[str, envs.Environment] = {}
        fork_requirements = [
            str(self.fork_wheel),
            str(plan.shim_wheel),
            str(wheel),
            *suite.test_requirements,
        ]
        for side, requirements, parts in (
            ("upstream", upstream_requirements, [suite.sha256]),
            ("fork", fork_requirements, [suite.sha256, plan.fork_key, _digest(plan.shim_wheel)]),
        ):
            self.progress(f"{extension.name}: {side} environment")
            try:
                environments[side] = envs.environment(
                    self.tool,
                    plan.cache,
                    requirements,
                    deadline,
                    index=self.index,
                    constraints=[resolution.constraints],
                    key_parts=parts,
                    env=self.env,
                )
            except StepFailed as exc:
                status = SideStatus.TIMEOUT if exc.timed_out else SideStatus.INSTALL_FAILED
                sides[side] = SideReport(status=status, message=exc.message, log=exc.log)
                if exc.timed_out:
                    break
        if "upstream" not in environments or "fork" not in environments:
            return self._not_compared(report, sides, environments)
        first: dict[str, TestRun] = {}
        for side in ("upstream", "fork"):
            self.progress(f"{extension.name}: testing on the {side} side")
            first[side] = self._run(suite, environments[side], work / side, deadline, side)
            sides[side] = _side_report(first[side], environments[side])
        report = replace(
            report,
            upstream=sides["upstream"],
            fork=sides["fork"],
            differing_versions=_differing(
                environments["upstream"].installed,
                environments["fork"].installed,
                plan.framework | {extension.key},
            ),
        )
        statuses = (sides["upstream"].status, sides["fork"].status)
        if SideStatus.TIMEOUT in statuses:
            return replace(report, status=ExtensionStatus.TIMEOUT, message="out of time")
        if sides["upstream"].status is not SideStatus.RAN:
            return replace(
                report, status=ExtensionStatus.NOT_RUN, message=sides["upstream"].message
            )
        if sides["fork"].status is not SideStatus.RAN:
            return replace(
                report, status=ExtensionStatus.BROKEN_ON_FORK, message=sides["fork"].message
            )
        details = {**first["upstream"].details, **first["fork"].details}
        changes = compare(first["upstream"].outcomes, first["fork"].outcomes, details)
        changes = self._rerun(suite, environments, work, deadline, changes)
        order = {Change.REGRESSION: 0, Change.FLAKY: 1, Change.FIX: 2}
        changes.sort(key=lambda c: order.get(c.change, 3))
        regressed = any(c.change is Change.REGRESSION for c in changes)
        verdict = ExtensionStatus.REGRESSED if regressed else ExtensionStatus.COMPARED
        return replace(report, status=verdict, changes=tuple(changes))

    def _not_compared(
        self,
        report: ExtensionReport,
        sides: dict[str, SideReport],
        environments: dict[str, envs.Environment],
    ) -> ExtensionReport:
        upstream = sides.get("upstream", SideReport())
        fork = sides.get("fork", SideReport())
        if upstream.status is SideStatus.TIMEOUT or fork.status is SideStatus.TIMEOUT:
            verdict, message = ExtensionStatus.TIMEOUT, "out of time while installing"
        elif "upstream" in environments:
            verdict, message = ExtensionStatus.BROKEN_ON_FORK, f"fork side: {fork.message}"
        else:
            verdict, message = ExtensionStatus.NOT_RUN, f"upstream side: {upstream.message}"
        return replace(report, status=verdict, message=message, upstream=upstream, fork=fork)

    def _run(
        self,
        suite: suites.Suite,
        environment: envs.Environment,
        directory: Path,
        deadline: float,
        label: str,
        paths: tuple[str, ...] | None = None,
    ) -> TestRun:
        """pytest on a fresh copy of the sdist in ``directory/src``."""
        source = directory / "src"
        if source.exists():
            shutil.rmtree(source)
        shutil.copytree(suite.directory, source, symlinks=True)
        junit = directory / f"{label}.xml"
        env = _test_environment(environment.path)
        return run_tests(
            environment.python,
            source,
            junit,
            deadline,
            paths=suite.test_paths if paths is None else paths,
            env=env,
        )

    def _rerun(
        self,
        suite: suites.Suite,
        environments: dict[str, envs.Environment],
        work: Path,
        deadline: float,
        changes: list[TestChange],
    ) -> list[TestChange]:
        """Regressions and fixes re-run ``reruns`` times on both sides; flaky ones marked."""
        wanted = tuple(c.test for c in changes if needs_rerun(c) and "::" in c.test)
        if not wanted or self.plan.reruns == 0:
            return changes
        seen: dict[str, dict[str, list[Outcome]]] = {
            "upstream": {t: [] for t in wanted},
            "fork": {t: [] for t in wanted},
        }
        for round_ in range(self.plan.reruns):
            for side in ("upstream", "fork"):
                label = f"rerun-{round_ + 1}"
                result = self._run(
                    suite, environments[side], work / side, deadline, label, paths=wanted
                )
                if result.timed_out:
                    return changes
                for test in wanted:
                    if test in result.outcomes:
                        seen[side][test].append(result.outcomes[test])
        return [
            with_reruns(c, seen["upstream"][c.test], seen["fork"][c.test])
            if c.test in seen["upstream"]
            else c
            for c in changes
        ]


def _side_report(result: TestRun, environment: envs.Environment) -> SideReport:
    if result.timed_out:
        status, message = SideStatus.TIMEOUT, "out of time while testing"
    elif not result.outcomes and result.exit_code not in (0, 5):
        last = result.log.splitlines()[-1] if result.log else ""
        status, message = SideStatus.NO_REPORT, f"pytest exited {result.exit_code}: {last}"
    else:
        status, message = SideStatus.RAN, ""
    return SideReport(
        status=status,
        counts=result.counts,
        seconds=round(result.seconds, 2),
        environment=environment.key,
        environment_cached=environment.cached,
        installed=environment.installed,
        message=message,
        log=result.log if status is not SideStatus.RAN else "",
    )


def _differing(
    upstream: dict[str, str], fork: dict[str, str], left_out: frozenset[str]
) -> dict[str, tuple[str, str]]:
    names = sorted((set(upstream) | set(fork)) - left_out)
    return {
        n: (upstream.get(n, ""), fork.get(n, ""))
        for n in names
        if upstream.get(n, "") != fork.get(n, "")
    }


def _test_environment(environment: Path) -> dict[str, str]:
    """Environment variables for pytest: this process's, as if the environment were
    activated, with nothing of forktool's own Python leaking in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PIP_"))}
    env["VIRTUAL_ENV"] = str(environment)
    env["PATH"] = f"{environment / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def framework_names(distributions: Mapping[str, str]) -> frozenset[str]:
    """The normalized names of ``[rename.distributions]``'s old and new names."""
    return frozenset(canonicalize_name(n) for pair in distributions.items() for n in pair)
