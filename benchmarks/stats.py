"""Summaries of repeated measurements: median, min, max and the number of runs."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Summary:
    """Repeated values of one measurement.

    Attributes:
        values: one value per run, in run order.
        unit: ``"s"`` (wall seconds) or ``"KiB"`` (memory).
    """

    values: tuple[float, ...]
    unit: str = "s"

    @property
    def runs(self) -> int:
        """How many runs were measured."""
        return len(self.values)

    @property
    def median(self) -> float:
        """The median over the runs (in :attr:`unit`)."""
        return statistics.median(self.values)

    @property
    def min(self) -> float:
        """The smallest value (in :attr:`unit`)."""
        return min(self.values)

    @property
    def max(self) -> float:
        """The largest value (in :attr:`unit`)."""
        return max(self.values)

    def as_json(self) -> dict[str, Any]:
        """The summary as a JSON-ready dict: values, median, min, max, runs, unit."""
        return {
            "values": list(self.values),
            "median": self.median,
            "min": self.min,
            "max": self.max,
            "runs": self.runs,
            "unit": self.unit,
        }


def summarize(values: list[float], unit: str = "s") -> Summary:
    """Summarize one value per run.

    Args:
        values: at least one value.
        unit: the values' unit, ``"s"`` or ``"KiB"``.

    Returns:
        the summary.
    """
    if not values:
        raise ValueError("no values to summarize")
    return Summary(tuple(values), unit)
