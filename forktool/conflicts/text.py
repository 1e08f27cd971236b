"""Text logic of the conflict report, free of git: conflict-marker blocks, line alignment
between similar texts, unified-diff hunks, and for a conflicted hunk: why its sides
conflict (:func:`classify`), a merged text that keeps both (:func:`propose`, with a merge
function given by the caller) and the suggested next step (:func:`suggest`).

Line ranges are :data:`Span` pairs ``(start, count)``: ``start`` is the 1-based first line;
for ``count == 0`` it is the line before which the empty range sits; ``start == 0`` means
the file does not exist on that side.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum

#: ``(start, count)``: a 1-based line range (see the module docstring).
Span = tuple[int, int]

#: The role of the common-ancestor section of a conflict block.
BASE = "base"


# -- conflict blocks ----------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """One conflict block of a merged text.

    Attributes:
        line: 1-based line of its ``<<<<<<<`` marker (0: not shown in the working tree).
        texts: role -> the block's lines on that side, with line endings.
        offsets: role -> index of the block's first line in that role's projection.
        has_base: False for two-way markers (no ``|||||||`` section).
    """

    line: int
    texts: dict[str, list[str]]
    offsets: dict[str, int]
    has_base: bool

    @property
    def length(self) -> int:
        """Its number of lines in the merged text, marker lines included."""
        markers = 4 if self.has_base else 3
        return markers + sum(len(lines) for lines in self.texts.values())


@dataclass(frozen=True)
class Merged:
    """A merged text's conflict blocks and, per role, its projection: the merged text with
    every block replaced by that role's section.

    A projection differs from the role's real file only where the other side changed lines
    cleanly, so aligning the two finds each block's line numbers in the real file.
    """

    blocks: tuple[Block, ...]
    projections: dict[str, list[str]]

    def locate(self, role: str, text: str | None) -> list[Span]:
        """Each block's ``role`` lines as a span of that side's whole file ``text`` (None:
        the file does not exist on that side, every span is ``(0, 0)``)."""
        if text is None:
            return [(0, 0) for _ in self.blocks]
        line_map = LineMap(self.projections[role], text.splitlines(keepends=True))
        return [(line_map.position(b.offsets[role]) + 1, len(b.texts[role])) for b in self.blocks]

    def at_lines(self, lines: Sequence[int]) -> Merged:
        """The same blocks with marker lines ``lines`` (one per block)."""
        blocks = tuple(
            Block(line, b.texts, b.offsets, b.has_base)
            for b, line in zip(self.blocks, lines, strict=True)
        )
        return Merged(blocks, self.projections)


_MARKERS = {"<": "<<<<<<<", "|": "|||||||", "=": "=======", ">": ">>>>>>>"}


def _marker(line: str) -> str:
    """The marker kind of ``line`` (``<``, ``|``, ``=``, ``>``) or ""."""
    for kind, marker in _MARKERS.items():
        if line.startswith(marker) and (len(line) == 7 or line[7] in " \r\n"):
            return kind
    return ""


def parse_blocks(text: str, ours: str, theirs: str) -> Merged:
    """The conflict blocks of a merged ``text`` (diff3 or two-way markers).

    Args:
        ours / theirs: the roles of the ``<<<<<<<`` and ``>>>>>>>`` sections; the
            ``|||||||`` section is :data:`BASE` (empty with two-way markers).

    Returns:
        the blocks in order, with their sections by role, and the projections.
    """
    roles = (ours, BASE, theirs)
    projections: dict[str, list[str]] = {role: [] for role in roles}
    blocks: list[Block] = []
    section: str | None = None
    current: dict[str, list[str]] = {}
    has_base, marker_line = False, 0
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        kind = _marker(line)
        if section is None and kind == "<":
            section, current, has_base, marker_line = ours, {r: [] for r in roles}, False, number
        elif section == ours and kind == "|":
            section, has_base = BASE, True
        elif section in (ours, BASE) and kind == "=":
            section = theirs
        elif section == theirs and kind == ">":
            offsets = {role: len(projections[role]) for role in roles}
            blocks.append(Block(marker_line, current, offsets, has_base))
            for role in roles:
                projections[role] += current[role]
            section = None
        elif section is None:
            for role in roles:
                projections[role].append(line)
        else:
            current[section].append(line)
    return Merged(tuple(blocks), projections)


# -- line alignment and diffs -------------------------------------------------------------


class LineMap:
    """Maps line positions of one text onto another, similar one (a diff alignment):
    equal lines map one to one, changed lines pair up in order, removed lines collapse onto
    where the text goes on.

    Args:
        old / new: the two texts' lines.
    """

    def __init__(self, old: Sequence[str], new: Sequence[str]) -> None:
        self._to = [0] * (len(old) + 1)
        matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            for offset in range(i2 - i1):
                if tag == "equal" or (tag == "replace" and offset < j2 - j1):
                    self._to[i1 + offset] = j1 + offset
                else:
                    self._to[i1 + offset] = j2 - 1 if tag == "replace" else j1
        self._to[len(old)] = len(new)

    def position(self, index: int) -> int:
        """Where 0-based line ``index`` of the old text is in the new one (0-based)."""
        return self._to[min(max(index, 0), len(self._to) - 1)]

    def span(self, span: Span) -> Span:
        """``span`` of the old text as a span of the new text."""
        start, count = span
        if start == 0:
            return span
        first = self.position(start - 1)
        if count == 0:
            return first + 1, 0
        last = self.position(start + count - 2)
        return first + 1, max(last - first + 1, 1)


def log_span(span: Span, total: int, *, shrank: bool = False) -> tuple[int, int] | None:
    """The inclusive ``(first, last)`` lines to trace with ``git log -L`` for ``span`` of a
    file of ``total`` lines: its lines, or for an empty span the lines on both sides of the
    gap. ``shrank``: lines were deleted from this span (the older version had more), maybe
    at its edges, which ``git log -L`` sees only from the lines around them: one line more
    on each side. None when the file does not exist or is empty."""
    start, count = span
    if start == 0 or total == 0:
        return None
    if count:
        widen = 1 if shrank else 0
        return max(min(start, total) - widen, 1), min(start + count - 1 + widen, total)
    return max(start - 1, 1), min(start, total)


_HUNK_HEADER = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def diff_hunks(diff: str) -> Iterator[tuple[str, Span, Span]]:
    """Each hunk of a unified diff: ``(its text from the @@ line, old span, new span)``."""
    current: list[str] = []
    spans: tuple[Span, Span] | None = None
    for line in [*diff.splitlines(keepends=True), "@@ end"]:
        header = _HUNK_HEADER.match(line)
        if header or line == "@@ end":
            if spans:
                yield "".join(current), spans[0], spans[1]
            current, spans = [line], None
            if header:
                a, b, c, d = (int(g) if g is not None else 1 for g in header.groups())
                # diff names the line *after* which an empty range is; a Span, the one before.
                spans = ((a + (b == 0), b), (c + (d == 0), d))
        elif spans:
            current.append(line)


def added_lines(diff: str, path: str) -> frozenset[str]:
    """The lines (stripped, 4 characters or more, so a lone ``)`` or ``else:`` does not
    count) that the unified ``diff`` adds to ``path`` (``+++ b/<path>``)."""
    found: set[str] = set()
    inside = False
    for line in diff.splitlines():
        if line.startswith("+++ "):
            inside = line[4:].strip() == f"b/{path}"
        elif line.startswith("diff --git "):
            inside = False
        elif inside and line.startswith("+") and len(line[1:].strip()) >= 4:
            found.add(line[1:].strip())
    return frozenset(found)


def overlaps(first: Span, second: Span | None) -> bool:
    """True when two spans share a line; an empty span also touches its neighbours."""
    if second is None or second[0] == 0 or first[0] == 0:
        return False
    lo1, hi1 = first[0], first[0] + max(first[1], 1) - 1
    lo2, hi2 = second[0], second[0] + max(second[1], 1) - 1
    if first[1] == 0 or second[1] == 0:  # a gap sits between two lines
        lo1, lo2 = lo1 - 1, lo2 - 1
    return lo1 <= hi2 and lo2 <= hi1


# -- why a hunk conflicts -----------------------------------------------------------------

FORK, UPSTREAM = "fork", "upstream"
_WHO = {FORK: "the fork", UPSTREAM: "upstream"}
_WHOSE = {FORK: "the fork's", UPSTREAM: "upstream's"}
_OTHER = {FORK: UPSTREAM, UPSTREAM: FORK}


class HunkKind(StrEnum):
    """Why a hunk conflicts, from how each side changed the base lines."""

    SAME_LINES = "same-lines"  # both sides changed the same base lines
    ADJACENT = "adjacent"  # no base line changed by both: insertions or changes side by side
    DELETED = "deleted"  # one side deleted (or moved away) lines the other changed
    WHITESPACE = "whitespace"  # one side changed only whitespace


@dataclass(frozen=True)
class Reason:
    """Why a hunk conflicts: its :class:`HunkKind`, and one line that names the sides
    ("upstream inserted 2 lines next to the fork's changed line")."""

    kind: HunkKind
    why: str


@dataclass(frozen=True)
class _Change:
    """What one side did to a hunk's base lines (0-based base line indices).

    Attributes:
        changed: base lines it replaced with other lines.
        deleted: base lines it deleted outright.
        inserted: base line index -> number of lines it inserted before that line.
    """

    changed: frozenset[int]
    deleted: frozenset[int]
    inserted: dict[int, int]

    @classmethod
    def of(cls, base: list[str], side: list[str]) -> _Change:
        changed: set[int] = set()
        deleted: set[int] = set()
        inserted: dict[int, int] = {}
        for tag, i1, i2, j1, j2 in _opcodes(base, side):
            if tag == "replace" and i2 - i1 != j2 - j1:
                # N lines became M: the pairs that still look alike were changed, the
                # other base lines deleted, the other side lines inserted
                pairs = _alike(base[i1:i2], side[j1:j2])
                changed.update(i1 + i for i, _ in pairs)
                deleted.update(set(range(i1, i2)) - {i1 + i for i, _ in pairs})
                for at, count in _inserted_between(pairs, i2 - i1, j2 - j1):
                    inserted[i1 + at] = inserted.get(i1 + at, 0) + count
            elif tag == "replace":
                changed.update(range(i1, i2))
            elif tag == "delete":
                deleted.update(range(i1, i2))
            elif tag == "insert":
                inserted[i1] = j2 - j1
        return cls(frozenset(changed), frozenset(deleted), inserted)

    @property
    def touched(self) -> frozenset[int]:
        """The base lines it changed or deleted."""
        return self.changed | self.deleted

    @property
    def insertions(self) -> int:
        return sum(self.inserted.values())

    def verb(self) -> str:
        """``changed 1 line``, ``inserted 2 lines``, ``changed 1 line and deleted 2 lines``."""
        parts = [
            f"{verb} {_plural(count, 'line')}"
            for verb, count in (
                ("changed", len(self.changed)),
                ("inserted", self.insertions),
                ("deleted", len(self.deleted)),
            )
            if count
        ]
        return " and ".join(parts) or "changed nothing"

    def noun(self, role: str) -> str:
        """``the fork's changed line``, ``upstream's 2 inserted lines``, ``the fork's changes``."""
        kinds = [
            (adjective, count)
            for adjective, count in (
                ("changed", len(self.changed)),
                ("inserted", self.insertions),
                ("deleted", len(self.deleted)),
            )
            if count
        ]
        if len(kinds) != 1:
            return f"{_WHOSE[role]} changes"
        adjective, count = kinds[0]
        if adjective == "deleted":
            return f"{_WHOSE[role]} deletion of {_plural(count, 'line')}"
        number = "" if count == 1 else f"{count} "
        return f"{_WHOSE[role]} {number}{adjective} {'line' if count == 1 else 'lines'}"


def classify(
    base: str, fork: str, upstream: str, fork_file: str = "", upstream_file: str = ""
) -> Reason:
    """Why a hunk with these three sides conflicts, naming the side that did what.

    Args:
        base / fork / upstream: the hunk's text on each side.
        fork_file / upstream_file: that side's whole file, to tell lines it moved elsewhere
            from lines it deleted ("" when unknown).
    """
    base_lines = base.splitlines()
    lines = {FORK: fork.splitlines(), UPSTREAM: upstream.splitlines()}
    if lines[FORK] == lines[UPSTREAM]:
        return Reason(HunkKind.SAME_LINES, "both sides made the same change")
    spaced = [role for role in (FORK, UPSTREAM) if _squashed(lines[role]) == _squashed(base_lines)]
    changes = {role: _Change.of(base_lines, lines[role]) for role in (FORK, UPSTREAM)}
    whitespace = "whitespace (indentation, spacing or blank lines)"
    if len(spaced) == 2:
        return Reason(HunkKind.WHITESPACE, f"both sides only changed {whitespace}")
    if spaced:
        role, other = spaced[0], _OTHER[spaced[0]]
        return Reason(
            HunkKind.WHITESPACE,
            f"{_WHO[role]} only changed {whitespace} where {_WHO[other]} {changes[other].verb()}",
        )
    files = {FORK: fork_file, UPSTREAM: upstream_file}
    for role in (UPSTREAM, FORK):
        other = _OTHER[role]
        gone = changes[role].deleted & changes[other].changed
        if gone or (not lines[role] and changes[other].changed):
            count = _plural(len(gone or changes[other].changed), "line")
            removed = [base_lines[i] for i in sorted(changes[role].deleted)]
            if _found_in(removed, files[role]):
                why = f"{_WHO[role]} moved {count} {_WHO[other]} changed elsewhere in the file"
            elif gone and len(changes[role].deleted) > len(gone):
                deleted = _plural(len(changes[role].deleted), "line")
                why = f"{_WHO[role]} deleted {deleted}, {len(gone)} of them {_WHO[other]} changed"
            else:
                why = f"{_WHO[role]} deleted {count} {_WHO[other]} changed"
            return Reason(HunkKind.DELETED, why)
    shared = changes[FORK].touched & changes[UPSTREAM].touched
    if shared:
        what = "line" if len(shared) == 1 else f"{len(shared)} lines"
        return Reason(HunkKind.SAME_LINES, f"both sides changed the same {what}")
    inserters = [role for role in (UPSTREAM, FORK) if not changes[role].touched]
    if len(inserters) == 2:
        counts = f"the fork {changes[FORK].insertions}, upstream {changes[UPSTREAM].insertions}"
        return Reason(HunkKind.ADJACENT, f"both sides inserted lines at the same place ({counts})")
    role = inserters[0] if inserters else UPSTREAM
    change, theirs = changes[role], changes[_OTHER[role]]
    where = "next to"
    if inserters and theirs.touched:
        low, high = min(theirs.touched), max(theirs.touched)
        where = "among" if any(low < at <= high for at in change.inserted) else "next to"
    return Reason(
        HunkKind.ADJACENT, f"{_WHO[role]} {change.verb()} {where} {theirs.noun(_OTHER[role])}"
    )


def _squashed(lines: list[str]) -> list[str]:
    """The non-blank lines without their whitespace: equal when only whitespace
    (indentation, spacing, blank lines) differs (as ``git diff -w`` sees it)."""
    return ["".join(line.split()) for line in lines if line.strip()]


def _found_in(lines: list[str], text: str) -> bool:
    """True when the non-blank ``lines`` (at least one of them 8 characters or more) occur
    together, in order, in ``text`` (indentation aside)."""
    needle = [line.strip() for line in lines if line.strip()]
    if not any(len(line) >= 8 for line in needle):
        return False
    hay = [line.strip() for line in text.splitlines() if line.strip()]
    return any(hay[i : i + len(needle)] == needle for i in range(len(hay) - len(needle) + 1))


# -- a merged text that keeps both sides --------------------------------------------------

#: Merges three texts, ``(ours, base, theirs) -> merged``, with conflict markers where
#: the sides conflict (``git merge-file``).
MergeText = Callable[[str, str, str], str]

# A line no source file holds, put after every line so that git's merge sees an unchanged
# line between any two lines (see :func:`propose`).
_SYNC = "\x1f forktool: one line \x1f\n"
_GIT_LINE = re.compile(r"[^\n]*\n|[^\n]+\Z")


def propose(base: str, fork: str, upstream: str, merge: MergeText) -> str | None:
    """A text that keeps both sides' changes of a hunk, when they touch no common base line;
    None when they do (or the texts cannot be merged line by line).

    ``merge`` (``git merge-file``) does the merging. Left alone it calls changes to
    *neighbouring* lines a conflict, which is why the hunk exists; so each text is given to
    it with a sync line after every line, which puts an unchanged line between any two, and
    only changes to the same lines conflict. Git's diff places an inserted block next to
    the line after it, so the lines are also merged in reverse order (which merges an
    insertion *before* the other side's change); a clean result is taken when the two
    passes do not disagree.
    """
    texts = (fork, base, upstream)
    if any(not _mergeable(text) for text in texts):
        return None
    results = []
    for order in (1, -1):
        encoded = ["".join(line + _SYNC for line in _lines(text)[::order]) for text in texts]
        decoded = _unsync(merge(*encoded))
        if decoded is not None:
            results.append("".join(decoded[::order]))
    return results[0] if results and len(set(results)) == 1 else None


def _lines(text: str) -> list[str]:
    """``text``'s lines split as git does, at ``\\n`` only (not at form feeds and the
    like, as :meth:`str.splitlines` would), endings kept."""
    return _GIT_LINE.findall(text)


def _mergeable(text: str) -> bool:
    """True when every line ends with a newline and none is a sync or marker line."""
    lines = _lines(text)
    return all(line.endswith("\n") and line != _SYNC and not _marker(line) for line in lines)


def _unsync(merged: str) -> list[str] | None:
    """The lines of a merge of sync-lined texts, without the sync lines; None when the
    merge left conflict markers."""
    lines = _lines(merged)
    content, syncs = lines[0::2], lines[1::2]
    if len(content) != len(syncs) or any(line != _SYNC for line in syncs):
        return None
    if any(line == _SYNC or _marker(line) for line in content):
        return None
    return content


# -- suggestions --------------------------------------------------------------------------

#: How a suggestion that would lose upstream lines says so; the renderers mark the clause
#: from this phrase to the next ";" (or the end). Every other suggestion says
#: "drops nothing" or what it drops of the fork's ("drops the fork's ...").
DROPS_UPSTREAM = "drops upstream's"
_NOTHING = "drops nothing"

# A dict entry ("KEY": value), a def/class, or an assignment (name = value).
_KEY = re.compile(
    r"""^\s*(?:["'](?P<key>[^"']+)["']\s*:\s*(?P<value>.*)"""
    r"""|(?:async\s+)?(?:def|class)\s+(?P<definition>\w+)"""
    r"""|(?P<name>[A-Za-z_][\w.]*)\s*(?::[^=]*)?=(?!=)\s*(?P<assigned>.*))$"""
)


def suggest(base: str, fork: str, upstream: str, proposed: str | None = None) -> str:
    """One concrete next step for a conflicted hunk, from its three sides' text, saying what
    it keeps and what it drops of each side; a step that drops upstream lines says
    :data:`DROPS_UPSTREAM` and names them.

    Recognises: a proposed merged text (see :func:`propose`), the same change on both
    sides, a deletion against a change, both sides only adding lines (naming the keys,
    functions or names they add, and any both add), upstream already holding the fork's
    lines; otherwise: take upstream's side and re-apply the fork's lines it lacks.
    """
    base_lines, fork_lines, up_lines = base.splitlines(), fork.splitlines(), upstream.splitlines()
    fork_change, up_change = _Change.of(base_lines, fork_lines), _Change.of(base_lines, up_lines)
    if proposed is not None:
        both = _both(fork_change, up_change)
        return f"take the proposed text (both sides merged line by line): it {both}"
    if fork_lines == up_lines:
        return f"both sides made the same change: keep either side; {_NOTHING}"
    if _squashed(fork_lines) == _squashed(base_lines):
        return (
            "the fork only changed whitespace here: take upstream's side (drops the fork's "
            "whitespace change; redo it if it matters)"
        )
    if _squashed(up_lines) == _squashed(base_lines):
        return (
            "upstream only changed whitespace here: keep the fork's side, which "
            f"{DROPS_UPSTREAM} whitespace change (redo it if it matters, e.g. indentation)"
        )
    if not up_lines:
        return (
            f"upstream removed these lines and the fork {fork_change.verb()} here: drop them "
            f"(keeps upstream's removal, drops {fork_change.noun(FORK)}), or move the fork's "
            "change to where upstream does this now"
        )
    if not fork_lines:
        return (
            "the fork removed these lines and upstream changed them: take upstream's new "
            f"version (drops the fork's removal), or keep them removed, which "
            f"{_dropping(up_lines)}"
        )
    fork_added, up_added = _added(base_lines, fork_lines), _added(base_lines, up_lines)
    if fork_added is not None and up_added is not None:
        return _both_added(fork_added, up_added)
    upstream_has = {line.strip() for line in up_lines}
    missing = [
        line for line in _changed(base_lines, fork_lines) if line.strip() not in upstream_has
    ]
    # Upstream's lines where it changed base lines the fork changed or removed too.
    overwritten = _lines_at(base_lines, up_lines, fork_change.touched & up_change.changed)
    if not missing:
        if not _changed(base_lines, fork_lines):
            step = "the fork only removed lines here: take upstream's side and remove them again"
            return (
                f"{step}, which {_dropping(overwritten)}" if overwritten else f"{step}; {_NOTHING}"
            )
        return f"keep upstream's side: it already holds the fork's lines; {_NOTHING}"
    what = "line" if len(missing) == 1 else f"{len(missing)} lines"
    step = f"take upstream's side, then re-apply the fork's {what}: " + ", ".join(
        _code(line) for line in missing
    )
    if overwritten:
        return f"{step}, which {_dropping(overwritten)} (both changed it); or combine the two"
    if up_change.deleted & fork_change.changed:
        them = "that line" if len(missing) == 1 else "those lines"
        return (
            f"{step}, which undoes upstream's removal of {them}; or leave it out, which "
            "drops the fork's change"
        )
    return f"{step}; {_NOTHING}"


def _dropping(lines: list[str], role: str = UPSTREAM) -> str:
    """``drops upstream's line `x``` / ``drops the fork's 2 lines `x`, `y```."""
    shown = [line for line in lines if line.strip()] or lines
    what = "line" if len(shown) == 1 else f"{len(shown)} lines"
    return f"drops {_WHOSE[role]} {what} {', '.join(_code(line) for line in shown)}".rstrip()


def _both(fork_change: _Change, up_change: _Change) -> str:
    """``keeps the fork's changed line and upstream's 2 inserted lines; drops nothing``."""
    return f"keeps {fork_change.noun(FORK)} and {up_change.noun(UPSTREAM)}; {_NOTHING}"


# -- what a choice kept and dropped ------------------------------------------------------

#: What ``forktool resolve --take`` can put in place of a conflict block.
PROPOSED = "proposed"


def taken(choice: str, base: str, fork: str, upstream: str) -> str:
    """What putting ``choice`` (:data:`PROPOSED`, ``fork`` or ``upstream``) in place of a
    hunk keeps and drops of each side, in :func:`suggest`'s words: ``took upstream's side
    (upstream's 2 inserted lines); drops the fork's line `A = 10```. A side's lines are
    dropped when the kept text lacks them (whitespace counts), or when it keeps base lines
    that side deleted.
    """
    base_lines = base.splitlines()
    if choice == PROPOSED:
        changes = (_Change.of(base_lines, side.splitlines()) for side in (fork, upstream))
        return f"took the proposed text: {_both(*changes)}"
    kept, other = (fork, upstream) if choice == FORK else (upstream, fork)
    role = FORK if choice == FORK else UPSTREAM
    kept_lines = kept.splitlines()
    what = _Change.of(base_lines, kept_lines).noun(role) if kept != base else "the base lines"
    lost = _lost(base_lines, other.splitlines(), kept_lines, _OTHER[role])
    return f"took {_WHOSE[role]} side ({what}); {lost}"


def _lost(base: list[str], side: list[str], kept: list[str], role: str) -> str:
    """What keeping ``kept`` drops of ``role``'s ``side``: its changed lines ``kept``
    lacks, else its deletion of base lines ``kept`` still has, else nothing."""
    have = set(kept)
    missing = [line for line in _changed(base, side) if line not in have]
    if missing:
        return _dropping(missing, role)
    deleted = [base[i] for i in sorted(_Change.of(base, side).deleted) if base[i] in have]
    if deleted:
        return f"drops {_WHOSE[role]} deletion of {_plural(len(deleted), 'line')}"
    return _NOTHING


def _lines_at(base: list[str], side: list[str], indices: frozenset[int]) -> list[str]:
    """``side``'s lines that replace base lines ``indices`` (in a block of N lines that
    became M, only the lines paired with those: see :meth:`_Change.of`)."""
    found: list[str] = []
    for tag, i1, i2, j1, j2 in _opcodes(base, side):
        if tag != "replace" or not any(i1 <= i < i2 for i in indices):
            continue
        if i2 - i1 == j2 - j1:
            found += side[j1:j2]
        else:
            pairs = _alike(base[i1:i2], side[j1:j2])
            found += [side[j1 + j] for i, j in pairs if i1 + i in indices]
    return found


#: How alike two lines must be (difflib's ratio, the cutoff difflib's Differ uses) to
#: count as one line changed.
_ALIKE = 0.75
#: Past this many line pairs a block is not searched for alike lines (every line changed).
_ALIKE_PAIRS = 4_000


def _alike(old: list[str], new: list[str]) -> list[tuple[int, int]]:
    """In-order pairs ``(i, j)`` of lines of ``old`` and ``new`` that look alike (one line
    changed rather than one deleted and another inserted), found as difflib's Differ does:
    the most alike pair (ratio at least :data:`_ALIKE`) first, then the same on each side
    of it. A line with no partner whose words mostly remain in ``new`` (a line split or
    joined, a docstring reflowed) is paired with the first line that holds them. Each
    ratio is computed once (at most :data:`_ALIKE_PAIRS` of them), and the answer for a
    block is remembered: classifying and suggesting ask for the same blocks."""
    if not old or not new or len(old) * len(new) > _ALIKE_PAIRS:
        return []
    return list(_alike_cached(tuple(old), tuple(new)))


@functools.lru_cache(maxsize=256)
def _alike_cached(old: tuple[str, ...], new: tuple[str, ...]) -> tuple[tuple[int, int], ...]:
    ratios = [[_ratio(a, b) for b in new] for a in old]

    def pairs(i1: int, i2: int, j1: int, j2: int) -> list[tuple[int, int]]:
        best, found = _ALIKE, None
        for i in range(i1, i2):
            for j in range(j1, j2):
                ratio = ratios[i][j]
                if ratio >= best and (found is None or ratio > best):
                    best, found = ratio, (i, j)
        if found is None:
            kept = _kept_words(list(old[i1:i2]), list(new[j1:j2]))
            return [(i1 + a, j1 + b) for a, b in kept]
        i, j = found
        return [*pairs(i1, i, j1, j), found, *pairs(i + 1, i2, j + 1, j2)]

    return tuple(pairs(0, len(old), 0, len(new)))


def _ratio(line: str, other: str) -> float:
    """difflib's similarity of two lines (stripped), 0 when its quick upper bounds are
    already below :data:`_ALIKE`; very long lines are compared by their first
    :data:`_RATIO_CHARS` characters (autojunk off makes the full ratio quadratic)."""
    a, b = line.strip()[:_RATIO_CHARS], other.strip()[:_RATIO_CHARS]
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    if matcher.real_quick_ratio() < _ALIKE or matcher.quick_ratio() < _ALIKE:
        return 0.0
    return matcher.ratio()


#: Characters of a line compared for likeness (see :func:`_ratio`).
_RATIO_CHARS = 400


def _kept_words(old: list[str], new: list[str]) -> list[tuple[int, int]]:
    """Pairs for lines of ``old`` more than half of whose words (3 letters or more) are
    in ``new``, each with the first line of ``new`` at or after the last pair's that holds
    one of them (a changed line, not a deleted one)."""
    pairs: list[tuple[int, int]] = []
    new_words = [{w.lower() for w in _WORDS.findall(line)} for line in new]
    everywhere = set().union(*new_words)
    start = 0
    for i, line in enumerate(old):
        words = {w.lower() for w in _WORDS.findall(line)}
        if not words or len(words & everywhere) * 2 <= len(words):
            continue
        j = next((j for j in range(start, len(new)) if words & new_words[j]), None)
        if j is not None:
            pairs.append((i, j))
            start = j + 1
    return pairs


_WORDS = re.compile(r"[A-Za-z_][A-Za-z0-9_]{2,}")


def _inserted_between(
    pairs: list[tuple[int, int]], old_count: int, new_count: int
) -> Iterator[tuple[int, int]]:
    """``(old index, count)`` of the new lines no pair holds, each run placed before the
    old line of the pair that follows it (``old_count`` at the end)."""
    previous = -1
    for i, j in [*pairs, (old_count, new_count)]:
        if j - previous > 1:
            yield i, j - previous - 1
        previous = j


def _opcodes(base: list[str], side: list[str]) -> Sequence[tuple[str, int, int, int, int]]:
    return difflib.SequenceMatcher(None, base, side, autojunk=False).get_opcodes()


def _added(base: list[str], side: list[str]) -> list[str] | None:
    """The lines ``side`` adds when it keeps every base line in order; else None."""
    added: list[str] = []
    for tag, _, _, j1, j2 in _opcodes(base, side):
        if tag in ("delete", "replace"):
            return None
        if tag == "insert":
            added += side[j1:j2]
    return added


def _changed(base: list[str], side: list[str]) -> list[str]:
    """The non-blank lines ``side`` has where ``base`` has other lines or none, in order."""
    return [
        line
        for tag, _, _, j1, j2 in _opcodes(base, side)
        if tag in ("insert", "replace")
        for line in side[j1:j2]
        if line.strip()
    ]


def _keys(lines: list[str]) -> dict[str, str]:
    """What the lines define: dict key, function, class or name -> its value (or line)."""
    found: dict[str, str] = {}
    for line in lines:
        match = _KEY.match(line.rstrip())
        if not match:
            continue
        name = match["key"] or match["definition"] or match["name"]
        value = match["value"] if match["key"] else match["assigned"]
        found.setdefault(name, _value(value) if value is not None else line.strip())
    return found


def _value(text: str) -> str:
    """A value as written, without the trailing comma or comment."""
    text = re.split(r"\s+#", text, maxsplit=1)[0].strip()
    return text.removesuffix(",").strip()


def _both_added(fork_added: list[str], up_added: list[str]) -> str:
    fork_keys, up_keys = _keys(fork_added), _keys(up_added)
    common = [key for key in fork_keys if key in up_keys]
    if common:
        key = common[0]
        rest = [k for k in up_keys if k not in fork_keys]
        tail = f"; keep upstream's new {_names(rest)} too" if rest else ""
        if fork_keys[key] == up_keys[key]:
            return f"both sides add {_code(key)} alike: keep it once{tail}; {_NOTHING}"
        return (
            f"both sides add {_code(key)}: keep one value (fork: {_code(fork_keys[key])}, "
            f"upstream: {_code(up_keys[key])}); keeping the fork's value "
            f"{DROPS_UPSTREAM} {_code(up_keys[key])}{tail}"
        )
    fork_what = _names(list(fork_keys)) if fork_keys else f"{len(fork_added)} added lines"
    up_what = _names(list(up_keys)) if up_keys else f"{len(up_added)} added lines"
    return f"keep both: the fork's {fork_what} and upstream's new {up_what}; {_NOTHING}"


def _names(keys: list[str]) -> str:
    return ", ".join(_code(key) for key in keys)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _code(line: str) -> str:
    """``line``, stripped, as inline code (:func:`code_span`), whole and unchanged."""
    return code_span(line.strip())


def code_span(text: str) -> str:
    """``text`` as a CommonMark inline code span that survives backticks inside it: a
    delimiter one backtick longer than its longest run, padded with a space when it starts
    or ends with one (``x``, ````` ``None`` `````); :data:`CODE_SPAN` reads it back."""
    runs = [len(run) for run in re.findall(r"`+", text)]
    ticks = "`" * (max(runs, default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


#: A code span as :func:`code_span` writes it: group ``code`` is its text (with the
#: padding spaces, which :func:`code_text` removes).
CODE_SPAN = r"(?<!`)(?P<ticks>`+)(?!`)(?P<code>[^\n]+?)(?<!`)(?P=ticks)(?!`)"


def code_text(padded: str) -> str:
    """The text of a code span's ``code`` group: one space each side removed when both
    are there and it is not all spaces (CommonMark)."""
    if len(padded) > 2 and padded.startswith(" ") and padded.endswith(" ") and padded.strip():
        return padded[1:-1]
    return padded
