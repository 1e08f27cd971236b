"""What a patch of the series says about itself: where it came from, the release it was
made on, and why the fork carries it.

Every field is optional and read from the patch file's own text, never by running it:

- a diff patch: ``Key: value`` lines in its header (the mail-like part before the diff,
  :func:`forktool.patches.diff_format.split`), up to the ``---`` line;
- a codemod patch: the same lines in its module docstring (read with :mod:`ast`; the file
  is not imported), usually as a block at its end::

      \"\"\"Cap request bodies at 16 MiB by default.

      Reason: our load balancers reject larger bodies anyway
      Forwarded: no
      \"\"\"

The keys (compared case-insensitively, the first occurrence wins):

- ``Forktool-Base: <upstream> <version>``: the release the patch was made on;
- ``Forktool-Backport:``: the upstream commit id, or the patch file's name, it was
  backported from (``forktool backport``);
- ``Reason:``: why the fork needs the change (one line);
- ``Forwarded:``: where it was offered upstream (a URL), or ``no``;
- ``Upstream-PR:``: upstream's pull request for it (a URL or a number).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from enum import StrEnum

from forktool.model import PatchKind
from forktool.patches.diff_format import BASE_TRAILER, split
from forktool.patches.series import PatchFile

BACKPORT_TRAILER = "Forktool-Backport:"
REASON = "Reason:"
FORWARDED = "Forwarded:"
UPSTREAM_PR = "Upstream-PR:"

_KEYS = {
    key.lower(): key for key in (BASE_TRAILER, BACKPORT_TRAILER, REASON, FORWARDED, UPSTREAM_PR)
}
_LINE = re.compile(r"^\s*(?P<key>[A-Za-z-]+:)[ \t]*(?P<value>.*?)\s*$")


class PatchOrigin(StrEnum):
    """Where a patch of the series came from.

    ``fork``: made for the fork (``forktool patch add``, or written by hand); ``backport``:
    an upstream change renamed forward (``forktool backport``, a ``Forktool-Backport:`` line).
    """

    FORK = "fork"
    BACKPORT = "backport"


@dataclass(frozen=True)
class PatchMetadata:
    """What one patch says about itself (every field "" when it does not say).

    Attributes:
        origin: ``backport`` when it names what it was backported from, else ``fork``.
        backport_of: the upstream commit id or patch file name (``Forktool-Backport:``).
        base: the version of the release it was made on (``Forktool-Base:``).
        reason: ``Reason:``.
        forwarded: ``Forwarded:``: a URL, or ``no``.
        upstream_pr: ``Upstream-PR:``.
        problems: one line per value that is not what its key expects (a ``Forwarded:``
            that is neither a URL nor ``no``, a ``Forktool-Base:`` that is not
            ``<upstream> <version>``); the value is kept all the same.
    """

    origin: PatchOrigin = PatchOrigin.FORK
    backport_of: str = ""
    base: str = ""
    reason: str = ""
    forwarded: str = ""
    upstream_pr: str = ""
    problems: tuple[str, ...] = ()

    @property
    def notes(self) -> tuple[str, ...]:
        """``reason: …``, ``forwarded: …``, ``upstream PR: …``: the fields set, one line
        each, as every view shows them."""
        fields = (
            ("reason", self.reason),
            ("forwarded", self.forwarded),
            ("upstream PR", self.upstream_pr),
        )
        return tuple(f"{label}: {value}" for label, value in fields if value)

    @property
    def origin_line(self) -> str:
        """``backport of <commit or file>, made on <version>``, ``made on <version>``, or ""
        when the patch says neither."""
        parts = []
        if self.origin == PatchOrigin.BACKPORT:
            parts.append(f"backport of {short(self.backport_of)}")
        if self.base:
            parts.append(f"made on {self.base}")
        return ", ".join(parts)

    def describe(self) -> str:
        """Everything set, on one line (``; ``-separated): for the conflict report."""
        return "; ".join(part for part in (self.origin_line, *self.notes) if part)


def short(origin: str) -> str:
    """A commit id shortened to 12 digits; a file name as it is."""
    return origin[:12] if re.fullmatch(r"[0-9a-f]{40}", origin) else origin


def read(patch: PatchFile) -> PatchMetadata:
    """The metadata of ``patch``, from its header (diff) or module docstring (codemod).

    Never raises: a codemod that does not parse, or a header that is not UTF-8, gives what
    could be read (possibly nothing)."""
    if patch.kind == PatchKind.CODEMOD:
        return from_codemod(patch.data)
    return from_diff(patch.data)


def from_diff(data: bytes) -> PatchMetadata:
    """The metadata in a diff patch's header: the lines before its first ``diff --git``
    line, up to a line ``---``."""
    header, _ = split(data)
    lines = []
    for line in header.decode("utf-8", "replace").splitlines():
        if line.strip() == "---":
            break
        lines.append(line)
    return _parse(lines)


def from_codemod(data: bytes) -> PatchMetadata:
    """The metadata in a codemod patch's module docstring (nothing when there is none,
    or the file does not parse)."""
    try:
        module = ast.parse(data)
    except (SyntaxError, ValueError):
        return PatchMetadata()
    docstring = ast.get_docstring(module, clean=True)
    return _parse(docstring.splitlines()) if docstring else PatchMetadata()


def _parse(lines: list[str]) -> PatchMetadata:
    found: dict[str, str] = {}
    for line in lines:
        match = _LINE.match(line)
        key = _KEYS.get(match["key"].lower()) if match else None
        if match and key and key not in found and match["value"]:
            found[key] = match["value"]
    problems = []
    base = ""
    if BASE_TRAILER in found:
        parts = found[BASE_TRAILER].split()
        if len(parts) == 2:
            base = parts[1]
        else:
            problems.append(f"{BASE_TRAILER} {found[BASE_TRAILER]!r} is not '<upstream> <version>'")
    forwarded = found.get(FORWARDED, "")
    if forwarded and forwarded.lower() != "no" and not re.match(r"https?://\S+$", forwarded):
        problems.append(f"{FORWARDED} {forwarded!r} is neither a URL nor 'no'")
    backport_of = found.get(BACKPORT_TRAILER, "")
    return PatchMetadata(
        origin=PatchOrigin.BACKPORT if backport_of else PatchOrigin.FORK,
        backport_of=backport_of,
        base=base,
        reason=found.get(REASON, ""),
        forwarded=forwarded,
        upstream_pr=found.get(UPSTREAM_PR, ""),
        problems=tuple(problems),
    )
