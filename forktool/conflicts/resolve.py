"""``forktool resolve``: put the fork's side, upstream's side or the proposed text of
conflicted hunks in place of their conflict blocks, in the working-tree file.

:func:`plan` decides, without touching anything, which blocks are replaced by which text,
and refuses a block that is no longer exactly as git wrote it (the user's edits are never
overwritten); :func:`resolve` reads the file, plans, writes it and stages it when no
conflict markers are left. The caller holds the writer lock.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from forktool import interrupts
from forktool.config import UpstreamConfig
from forktool.conflicts import text as ctext
from forktool.conflicts.collect import BASE, FORK, UPSTREAM, ConflictedFile, Hunk, conflicted_file
from forktool.errors import RepositoryError
from forktool.git.repository import GitRepo


class Take(StrEnum):
    """What replaces a conflict block: a hunk's proposed text, or one side's text."""

    PROPOSED = ctext.PROPOSED
    FORK = FORK
    UPSTREAM = UPSTREAM


@dataclass(frozen=True)
class Taken:
    """One hunk put in place.

    Attributes:
        number: the hunk's number in its file, from 1 (as the report counts them).
        line: the line its ``<<<<<<<`` marker was on.
        kind: why it conflicted.
        outcome: one line: what it kept and dropped of each side
            (:func:`~forktool.conflicts.text.taken`).
    """

    number: int
    line: int
    kind: ctext.HunkKind
    outcome: str


@dataclass(frozen=True)
class Plan:
    """The file's new text, the hunks it puts in place, and the conflict blocks left."""

    text: str
    taken: tuple[Taken, ...]
    left: int


@dataclass(frozen=True)
class Resolution:
    """What :func:`resolve` did.

    Attributes:
        path: path in the fork; file: the working-tree file written.
        take: what was put in place; taken: each hunk, in file order.
        left: conflict blocks left in the file.
        staged: True when the file was staged (``git add``: no markers left).
        unmerged: the paths still unmerged where the file is resolved, afterwards.
        finish: the commands that finish the sync once nothing is unmerged.
    """

    path: str
    file: Path
    take: Take
    taken: tuple[Taken, ...]
    left: int
    staged: bool
    unmerged: tuple[str, ...]
    finish: tuple[str, ...]


def resolve(config: UpstreamConfig, path: str, take: Take, number: int | None = None) -> Resolution:
    """Put ``take`` in place of hunk ``number`` of ``path`` (every hunk when None), in the
    working tree where the waiting sync of ``config`` is resolved; stage the file when no
    conflict markers are left in it. Writes nothing when it refuses.

    Raises:
        RepositoryError: no sync is waiting, ``path`` is not conflicted or has no hunks, a
            hunk has no proposed text, or a block is no longer as git wrote it.
    """
    found = conflicted_file(config, path)
    try:
        shown = found.file.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RepositoryError(
            f"cannot read {found.path} as UTF-8 text: {exc}",
            f"resolve it by hand in {found.checkout}, then `git add {found.path}`",
        ) from exc
    planned = plan(shown, found, take, number)
    repo = GitRepo(found.checkout)
    try:
        with interrupts.shielded():
            _write(repo.git_dir, found.file, planned.text.encode("utf-8"))
    except OSError as exc:
        repo.close()
        raise RepositoryError(
            f"cannot write {found.path}: {exc.strerror or exc}", "check the file's permissions"
        ) from exc
    try:
        staged = not repo.marked_paths([found.path])
        if staged:
            repo.stage_paths([found.path])
        unmerged = repo.unmerged_paths()
    finally:
        repo.close()
    return Resolution(
        found.path, found.file, take, planned.taken, planned.left, staged, unmerged, found.finish
    )


def plan(shown: str, found: ConflictedFile, take: Take, number: int | None = None) -> Plan:
    """Which conflict blocks of the working-tree text ``shown`` become which text (pure).

    Args:
        found: the file's hunks as the report describes them.
        number: the hunk to put in place (from 1); None: every hunk.

    Raises:
        RepositoryError: the file has no hunks or no hunk ``number``, a chosen hunk has no
            proposed text (``take`` proposed), or its block in ``shown`` is not exactly as
            the report describes it (edited or moved since git wrote it).
    """
    hunks = found.hunks
    if not hunks:
        raise RepositoryError(
            f"{found.path} has no conflicted hunks to take a side of"
            + (f" ({found.note})" if found.note else ""),
            f"resolve it by hand in {found.checkout}, then `git add {found.path}`",
        )
    if number is not None and not 1 <= number <= len(hunks):
        raise RepositoryError(
            f"{found.path} has {_hunks(len(hunks))}; there is no hunk {number}",
            "'forktool report' numbers them",
        )
    shown_now = [n for n in range(1, len(hunks) + 1) if hunks[n - 1].line]  # not yet resolved
    numbers = [number] if number is not None else shown_now
    blocks = {
        block.line: block for block in ctext.parse_blocks(shown, found.ours, found.theirs).blocks
    }
    lines = shown.splitlines(keepends=True)
    taken: list[Taken] = []
    for chosen in reversed(numbers):  # from the end: earlier line numbers stay right
        hunk = hunks[chosen - 1]
        where = f"hunk {chosen} of {found.path}"
        text = _text(hunk, take)
        if text is None:
            raise RepositoryError(
                f"{where} has no proposed text: {hunk.why}",
                "use --take fork or --take upstream, or merge it by hand",
            )
        if not hunk.line:
            raise RepositoryError(
                f"{where} is no longer in the file (resolved already); nothing was changed",
                f"'forktool report' shows which hunks are left in {found.path}",
            )
        block = blocks.get(hunk.line)
        if block is None or not _as_described(hunk, block, found):
            raise RepositoryError(
                f"{where} is no longer as git wrote it (edited by hand?); nothing was changed",
                f"finish it by hand, or `git checkout --merge -- {found.path}` to get git's "
                "conflict blocks back (that discards your edits to the file)",
            )
        lines[hunk.line - 1 : hunk.line - 1 + block.length] = [text]
        outcome = ctext.taken(take, hunk.base.text, hunk.fork.text, hunk.upstream.text)
        taken.append(Taken(chosen, hunk.line, hunk.kind, outcome))
    merged = "".join(lines)
    left = len(ctext.parse_blocks(merged, found.ours, found.theirs).blocks)
    return Plan(merged, tuple(reversed(taken)), left)


def _text(hunk: Hunk, take: Take) -> str | None:
    if take == Take.PROPOSED:
        return hunk.proposed
    return hunk.fork.text if take == Take.FORK else hunk.upstream.text


def _as_described(hunk: Hunk, block: ctext.Block, found: ConflictedFile) -> bool:
    """Whether ``block`` is ``hunk`` exactly as git wrote it: its sections hold the hunk's
    sides, and each side is that side's file (its index stage) at the hunk's lines, so
    an edit inside a section shows."""
    sides = {BASE: hunk.base, FORK: hunk.fork, UPSTREAM: hunk.upstream}
    for role, side in sides.items():
        if (role != BASE or block.has_base) and "".join(block.texts[role]) != side.text:
            return False
        whole = found.texts[role].splitlines(keepends=True)
        first = side.start - 1 if side.start else 0
        if "".join(whole[first : first + side.count]) != side.text:
            return False
    return True


def _hunks(count: int) -> str:
    return f"{count} hunk" if count == 1 else f"{count} hunks"


def _write(git_dir: Path, target: Path, data: bytes) -> None:
    """Replace ``target`` whole with ``data``, keeping its mode. The temporary file is in
    the git dir, never beside the target (where a file of the user's could be)."""
    temporary = git_dir / "forktool-resolve.tmp"
    try:
        temporary.write_bytes(data)
        os.chmod(temporary, target.stat().st_mode)
        os.replace(temporary, target)
    except OSError:
        if not temporary.exists():
            raise
        target.write_bytes(data)  # the git dir on another file system
        temporary.unlink(missing_ok=True)
