"""The format of diff patch files in a series.

A patch file is a mail-like header (``From:``, ``Subject:``, the message), a
``Forktool-Base: <upstream> <version>`` line naming the release the diff was made on, a
``---`` line, then a ``git diff --full-index`` diff. ``git apply`` ignores everything before
the first ``diff --git`` line, and plain or ``git format-patch`` diffs are accepted too.
"""

from __future__ import annotations

import re

BASE_TRAILER = "Forktool-Base:"
_DIFF_START = re.compile(rb"^diff --git ", re.MULTILINE)


def split(data: bytes) -> tuple[bytes, bytes]:
    """Split a patch file into (header, diff); the header is everything before the first
    ``diff --git`` line (empty for a bare diff)."""
    match = _DIFF_START.search(data)
    if match is None:
        return data, b""
    return data[: match.start()], data[match.start() :]


def with_base(header: bytes, base: str) -> bytes:
    """``header`` with its ``Forktool-Base:`` line set to ``base`` (added when missing)."""
    line = f"{BASE_TRAILER} {base}\n".encode()
    lines = header.splitlines(keepends=True)
    for index, existing in enumerate(lines):
        if existing.startswith(BASE_TRAILER.encode()):
            lines[index] = line
            return b"".join(lines)
    if lines and lines[-1].strip() == b"---":  # keep the separator last
        return b"".join(lines[:-1]) + line + lines[-1]
    return b"".join(lines) + line + (b"---\n" if lines else b"")


def compose(author: str, subject: str, body: str, base: str, diff: bytes) -> bytes:
    """A patch file: mail-like header, ``Forktool-Base:`` line, ``---``, then the diff."""
    header = f"From: {author}\nSubject: {subject}\n\n"
    if body:
        header += body.rstrip() + "\n\n"
    return with_base(header.encode() + b"---\n", base) + diff


def base_of(data: bytes) -> tuple[str, str] | None:
    """``(upstream, version)`` from the ``Forktool-Base:`` line, or None when absent."""
    header, _ = split(data)
    for line in header.decode("utf-8", "replace").splitlines():
        if line.startswith(BASE_TRAILER):
            parts = line[len(BASE_TRAILER) :].split()
            if len(parts) == 2:
                return parts[0], parts[1]
    return None
