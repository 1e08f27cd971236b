"""The one exception base of forktool.

Every failure a user can cause (bad config, unreachable source, dirty fork repository, ...)
is raised as a :class:`ForktoolError` subclass carrying a one-line message and a hint.
The CLI renders it as one red line plus the hint and exits with code 2. This module
imports nothing else from the package.
"""

from __future__ import annotations


class ForktoolError(Exception):
    """A failure the user can act on.

    Args:
        message: one line saying what is wrong (no trailing period needed).
        hint: one line saying what to do about it; may be empty.
    """

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class ConfigError(ForktoolError):
    """The fork definition (``upstream/<name>.toml``, lock file, series) is invalid."""


class SourceError(ForktoolError):
    """An upstream source (PyPI index, git repository, archive) failed or is untrustworthy."""


class RepositoryError(ForktoolError):
    """The fork repository is not in a state forktool can safely work on."""


class TransformError(ForktoolError):
    """The rename or the patch series could not be applied."""


class Interrupted(BaseException):
    """The run was interrupted by a signal (SIGINT from Ctrl-C, SIGTERM).

    A ``BaseException``, like ``KeyboardInterrupt``, so no ``except Exception`` swallows
    it; raised by the handlers :mod:`forktool.interrupts` installs. The CLI exits with
    ``128 + signum`` (130 for Ctrl-C, 143 for SIGTERM).

    Args:
        signum: the signal's number.

    Attributes:
        detail: what undoing the run could not do (paths it kept), one line; "" when the
            run was undone completely.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum
        self.detail = ""
