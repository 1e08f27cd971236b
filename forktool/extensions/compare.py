"""Comparing one extension's tests between the sides: outcomes and what changed. Pure.

A test's change from the upstream side to the fork side:

| upstream | fork | change |
|---|---|---|
| passed | failed or error | ``regression`` |
| failed or error | passed | ``fix`` |
| anything | the same | ``same`` (not listed in reports) |
| failed | error, or error | failed | ``same-failure`` |
| passed or failed | skipped, or the other way | ``not-comparable`` (skipped on one side) |
| missing | failed or error | ``regression`` (only on the fork: a module that does not import) |
| present | missing, or the other way | ``not-comparable`` (only on one side) |

A ``regression`` or ``fix`` is run again on both sides (``reruns`` times); when a side's
outcome is not the same every time the test is ``flaky`` instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum


class Outcome(StrEnum):
    """A test's outcome on one side (values as in the JSON report)."""

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    SKIPPED = "skipped"
    MISSING = "missing"  # not collected on this side


class Change(StrEnum):
    """What happened to one test between the upstream side and the fork side."""

    REGRESSION = "regression"
    FIX = "fix"
    FLAKY = "flaky"
    NOT_COMPARABLE = "not-comparable"
    SAME_FAILURE = "same-failure"
    SAME = "same"


class ExtensionStatus(StrEnum):
    """How far one extension's run got (values as in the JSON report)."""

    COMPARED = "compared"  # both sides ran; see the tests' changes
    REGRESSED = "regressed"  # compared, with regressions
    BROKEN_ON_FORK = "broken-on-fork"  # upstream side ran, the fork side did not install/run
    NO_TESTS = "no-tests"  # the sdist holds no tests
    NOT_RUN = "not-run"  # neither side ran: download, resolution or upstream install failed
    TIMEOUT = "timeout"  # the wall-clock limit ended it


#: Changes counted as failing the run (exit code 1), and shown first.
FAILING = (Change.REGRESSION,)
#: The changes reports list, in the order they list them.
LISTED = (Change.REGRESSION, Change.FLAKY, Change.FIX, Change.NOT_COMPARABLE)

_BAD = (Outcome.FAILED, Outcome.ERROR)


@dataclass(frozen=True)
class TestChange:
    """One test whose outcome is not simply the same on both sides.

    Attributes:
        test: its pytest node id (``tests/test_login.py::LoginTestCase::test_x``).
        upstream: its outcome on the upstream side; fork: on the fork side.
        change: what that makes it.
        reruns_upstream: the outcomes of its re-runs on the upstream side (first run not
            included); reruns_fork: on the fork side. Empty when not re-run.
        detail: the first line of its failure message on the failing side, or "".
        reason: for ``not-comparable``: ``"only upstream"``, ``"only on the fork"``,
            ``"skipped upstream"``, ``"skipped on the fork"``; else "".
    """

    test: str
    upstream: Outcome
    fork: Outcome
    change: Change
    reruns_upstream: tuple[Outcome, ...] = ()
    reruns_fork: tuple[Outcome, ...] = ()
    detail: str = ""
    reason: str = ""


def change_of(upstream: Outcome, fork: Outcome) -> tuple[Change, str]:
    """The change from ``upstream`` to ``fork`` (first runs only), with the reason of a
    ``not-comparable`` (see the module doc's table)."""
    if upstream == fork:
        return Change.SAME, ""
    if upstream == Outcome.MISSING and fork in _BAD:
        return Change.REGRESSION, "only on the fork"  # e.g. a module the fork cannot import
    if Outcome.MISSING in (upstream, fork):
        return Change.NOT_COMPARABLE, (
            "only upstream" if fork == Outcome.MISSING else "only on the fork"
        )
    if Outcome.SKIPPED in (upstream, fork):
        return Change.NOT_COMPARABLE, (
            "skipped on the fork" if fork == Outcome.SKIPPED else "skipped upstream"
        )
    if upstream == Outcome.PASSED:
        return Change.REGRESSION, ""
    if fork == Outcome.PASSED:
        return Change.FIX, ""
    return Change.SAME_FAILURE, ""


def compare(
    upstream: Mapping[str, Outcome],
    fork: Mapping[str, Outcome],
    details: Mapping[str, str],
) -> list[TestChange]:
    """Every test whose outcome differs between the sides (``same`` left out), upstream's
    order first, then tests only the fork has.

    Args:
        upstream: test id -> outcome on the upstream side; fork: on the fork side.
        details: test id -> a failure's first line (from the failing side).
    """
    changes: list[TestChange] = []
    for test in [*upstream, *(t for t in fork if t not in upstream)]:
        before = upstream.get(test, Outcome.MISSING)
        after = fork.get(test, Outcome.MISSING)
        change, reason = change_of(before, after)
        if change is not Change.SAME:
            changes.append(
                TestChange(test, before, after, change, detail=details.get(test, ""), reason=reason)
            )
    return changes


def with_reruns(
    item: TestChange, upstream: Sequence[Outcome], fork: Sequence[Outcome]
) -> TestChange:
    """``item`` (a regression or a fix) with the outcomes of its re-runs; ``flaky`` when
    either side's outcomes (first run included) are not all the same."""
    flaky = len({item.upstream, *upstream}) > 1 or len({item.fork, *fork}) > 1
    return TestChange(
        item.test,
        item.upstream,
        item.fork,
        Change.FLAKY if flaky else item.change,
        tuple(upstream),
        tuple(fork),
        item.detail,
        item.reason,
    )


def needs_rerun(item: TestChange) -> bool:
    """True for the changes re-runs may turn into ``flaky``: regressions and fixes."""
    return item.change in (Change.REGRESSION, Change.FIX)


def tally(changes: Sequence[TestChange]) -> dict[str, int]:
    """Change -> count over ``changes``, every listed change present (0 when none)."""
    return {str(c): sum(1 for item in changes if item.change is c) for c in LISTED}
