"""forktool: keep a renamed fork of an upstream framework in step with upstream."""

__version__ = "0.1.0"
