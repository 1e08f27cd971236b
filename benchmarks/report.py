"""The benchmark's output: an aligned table on the terminal and ``results.json``."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from benchmarks.stats import Summary

#: Table width when the output is not a terminal (a log file): wide enough not to wrap.
WIDTH = 140


@dataclass(frozen=True)
class Row:
    """One line of the measurement table.

    Attributes:
        key: the name in ``results.json``.
        label: the text in the table.
        summary: the values, or None when not measured (the note says why).
        note: a remark printed after the numbers.
    """

    key: str
    label: str
    summary: Summary | None
    note: str = ""


@dataclass(frozen=True)
class Ratio:
    """A ratio of two medians and its target.

    Attributes:
        key: the name in ``results.json``.
        label: the text in the table.
        value: numerator median / denominator median, or None when one is missing.
        target: the largest acceptable value, or None for information only.
    """

    key: str
    label: str
    value: float | None
    target: float | None

    @property
    def verdict(self) -> str:
        """``ok``, ``FAIL``, ``info`` (no target) or ``skipped`` (not measured)."""
        if self.value is None:
            return "skipped"
        if self.target is None:
            return "info"
        return "ok" if self.value <= self.target else "FAIL"


@dataclass
class Report:
    """Everything the benchmark prints.

    Attributes:
        header: run parameters (python, cpus, jobs, runs, ...), printed in the title.
        rows: the measurement table.
        ratios: the ratio table.
        checks: correctness comparisons: label -> differences found (0: same).
        details: anything else for ``results.json`` (counts, sync statuses).
    """

    header: dict[str, Any]
    rows: list[Row] = field(default_factory=list)
    ratios: list[Ratio] = field(default_factory=list)
    checks: dict[str, int] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)


def ratio(key: str, label: str, top: Row, bottom: Row, target: float | None) -> Ratio:
    """The ratio of two rows' medians (None when either was not measured).

    Args:
        key: the ratio's name in ``results.json``.
        label: its text in the table.
        top: the numerator row.
        bottom: the denominator row.
        target: the largest acceptable value, or None.

    Returns:
        the ratio.
    """
    value = None
    if top.summary is not None and bottom.summary is not None and bottom.summary.median > 0:
        value = top.summary.median / bottom.summary.median
    return Ratio(key, label, value, target)


def _format(value: float, unit: str) -> str:
    if unit == "KiB":
        return f"{value / 1024:.0f} MiB"
    return f"{value:.2f} s" if value < 10 else f"{value:.1f} s"


def render(report: Report, console: Console | None = None) -> None:
    """Print the measurement table, the ratios and the correctness check.

    Args:
        report: what to print.
        console: where (default: a new rich Console on stdout).
    """
    console = console or Console(width=None if sys.stdout.isatty() else WIDTH)
    head = report.header
    title = (
        f"forktool benchmark — Python {head['python']}, {head['cpus']} CPUs, "
        f"jobs={head['jobs']}, runs={head['runs']}, slow runs={head['slow_runs']}\n"
        f"load average (1 min) at start {head['load_average']:.2f}, "
        f"at end {head['load_average_end']:.2f}"
    )
    table = Table(title=title, title_justify="left", box=None, pad_edge=False)
    table.add_column("measurement")
    for name in ("median", "min", "max", "runs"):
        table.add_column(name, justify="right")
    table.add_column("note")
    for row in report.rows:
        if row.summary is None:
            table.add_row(row.label, "—", "—", "—", "0", row.note)
            continue
        unit = row.summary.unit
        cells = [_format(value, unit) for value in (row.summary.median, row.summary.min)]
        cells.append(_format(row.summary.max, unit))
        table.add_row(row.label, *cells, str(row.summary.runs), row.note)
    console.print(table)
    console.print()
    ratios = Table(title="ratios of medians", title_justify="left", box=None, pad_edge=False)
    for name, justify in (("ratio", "left"), ("value", "right"), ("target", "right")):
        ratios.add_column(name, justify=justify)  # type: ignore[arg-type]
    ratios.add_column("verdict")
    for item in report.ratios:
        value = "—" if item.value is None else f"{item.value:.3f}"
        target = "—" if item.target is None else f"≤ {item.target:g}"
        ratios.add_row(item.label, value, target, item.verdict)
    console.print(ratios)
    console.print()
    checks = Table(title="correctness", title_justify="left", box=None, pad_edge=False)
    checks.add_column("comparison")
    checks.add_column("result")
    for label, count in report.checks.items():
        text = "same" if count == 0 else f"{count} differences"
        checks.add_row(label, text)
    console.print(checks)


def write_json(report: Report, path: Path) -> None:
    """Write every number of ``report`` to ``path`` as JSON.

    Args:
        report: the results.
        path: the file to write (its directory must exist).
    """
    data = {
        "header": report.header,
        "measurements": {
            row.key: {
                "label": row.label,
                "note": row.note,
                **(row.summary.as_json() if row.summary else {"skipped": True}),
            }
            for row in report.rows
        },
        "ratios": {
            item.key: {
                "label": item.label,
                "value": item.value,
                "target": item.target,
                "verdict": item.verdict,
            }
            for item in report.ratios
        },
        "checks": report.checks,
        "details": report.details,
    }
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
