"""forktool: keep a renamed fork of an upstream framework in step with upstream."""

from forktool import perf as _perf  # noqa: F401  (first: its clock starts here)

__version__ = "0.1.0"
