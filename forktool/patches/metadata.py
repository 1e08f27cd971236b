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

This module is the one reader and writer of these lines (:func:`read`,
:func:`with_value`), and reads a patch file's mail header (author, subject, message) with
git's own parser (:func:`read_mail`).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from enum import StrEnum

from forktool.git.repository import GitRepo
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
_COMMIT = re.compile(r"[0-9a-f]{40}")


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
    def backport_commit(self) -> str:
        """The upstream commit (full id) a backport was made from; "" for a patch file's
        backport or a fork patch."""
        return self.backport_of if _COMMIT.fullmatch(self.backport_of) else ""

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
    return origin[:12] if _COMMIT.fullmatch(origin) else origin


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


def with_value(data: bytes, key: str, value: str) -> bytes:
    """A diff patch's bytes with its ``key`` line (one of the keys above, e.g.
    ``Forwarded:``) set to ``value``: the first line with that key (compared
    case-insensitively, as :func:`from_diff` reads it) is replaced, else one is added
    before the ``Forktool-Base:`` line or the ``---`` line, else at the end of the header.
    Every other byte is kept (line endings too).

    Raises:
        ValueError: ``key`` is not one of the keys above.
    """
    if key.lower() not in _KEYS:
        raise ValueError(f"{key!r} is not a patch metadata key")
    header, diff = split(data)
    lines = header.splitlines(keepends=True)
    eol = b"\r\n" if lines and lines[0].endswith(b"\r\n") else b"\n"
    line = f"{_KEYS[key.lower()]} {value}".encode() + eol
    stop = len(lines)
    for index, existing in enumerate(lines):
        if existing.strip() == b"---":
            stop = index
            break
        match = _LINE.match(existing.decode("utf-8", "replace"))
        if match and match["key"].lower() == key.lower():
            return b"".join([*lines[:index], line, *lines[index + 1 :]]) + diff
    for index, existing in enumerate(lines[:stop]):
        if existing.lower().startswith(BASE_TRAILER.lower().encode()):
            stop = index
            break
    return b"".join([*lines[:stop], line, *lines[stop:]]) + diff


def without_metadata(message: str) -> str:
    """``message`` less its lines that are metadata keys (compared case-insensitively):
    what is left is the change's own message, e.g. to send upstream."""
    kept = []
    for line in message.splitlines():
        match = _LINE.match(line)
        if not (match and match["key"].lower() in _KEYS):
            kept.append(line)
    return "\n".join(kept)


@dataclass(frozen=True)
class Mail:
    """A patch file's mail header, as ``git mailinfo`` reads it (RFC 2047 decoded, folded
    lines joined, ``[PATCH ...]`` taken off the subject, the diffstat left out).

    Attributes:
        name / email / date: the author and date ("" when the file does not say).
        subject: the subject ("" when there is none).
        body: the message after the subject, stripped ("" when there is none); metadata
            lines are kept (:func:`without_metadata` takes them out).
    """

    name: str = ""
    email: str = ""
    date: str = ""
    subject: str = ""
    body: str = ""

    @property
    def author(self) -> str:
        """``Name <email>``, or "" when the file names no author."""
        if not self.name and not self.email:
            return ""
        return f"{self.name} <{self.email}>" if self.email else self.name


def read_mail(repo: GitRepo, data: bytes) -> Mail:
    """The mail header of the patch file ``data`` (``git format-patch`` output, a pull
    request's ``.patch``, or a plain diff, which has none), as git's own parser reads it
    (:meth:`~forktool.git.repository.GitRepo.mail_info`). Never raises for what the file
    holds."""
    info = repo.mail_info(data)
    return Mail(info.author, info.email, info.date, info.subject, info.message.strip())
