"""Text logic of the conflict report, free of git: conflict-marker blocks, line alignment
between similar texts, unified-diff hunks, and the suggested next step for a hunk.

Line ranges are :data:`Span` pairs ``(start, count)``: ``start`` is the 1-based first line;
for ``count == 0`` it is the line before which the empty range sits; ``start == 0`` means
the file does not exist on that side.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

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


def log_span(span: Span, total: int) -> tuple[int, int] | None:
    """The inclusive ``(first, last)`` lines to trace with ``git log -L`` for ``span`` of a
    file of ``total`` lines: its lines, or for an empty span the lines on both sides of the
    gap. None when the file does not exist or is empty."""
    start, count = span
    if start == 0 or total == 0:
        return None
    if count:
        return min(start, total), min(start + count - 1, total)
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


def overlaps(first: Span, second: Span | None) -> bool:
    """True when two spans share a line; an empty span also touches its neighbours."""
    if second is None or second[0] == 0 or first[0] == 0:
        return False
    lo1, hi1 = first[0], first[0] + max(first[1], 1) - 1
    lo2, hi2 = second[0], second[0] + max(second[1], 1) - 1
    if first[1] == 0 or second[1] == 0:  # a gap sits between two lines
        lo1, lo2 = lo1 - 1, lo2 - 1
    return lo1 <= hi2 and lo2 <= hi1


# -- suggestions --------------------------------------------------------------------------

# A dict entry ("KEY": value), a def/class, or an assignment (name = value).
_KEY = re.compile(
    r"""^\s*(?:["'](?P<key>[^"']+)["']\s*:\s*(?P<value>.*)"""
    r"""|(?:async\s+)?(?:def|class)\s+(?P<definition>\w+)"""
    r"""|(?P<name>[A-Za-z_][\w.]*)\s*(?::[^=]*)?=(?!=)\s*(?P<assigned>.*))$"""
)


def suggest(base: str, fork: str, upstream: str) -> str:
    """One concrete next step for a conflicted hunk, from its three sides' text.

    Recognises: the same change on both sides, a deletion against a change, both sides
    only adding lines (naming the keys, functions or names they add, and any both add),
    upstream already holding the fork's lines; otherwise: take upstream's side and
    re-apply the fork's lines it lacks.
    """
    base_lines, fork_lines, up_lines = base.splitlines(), fork.splitlines(), upstream.splitlines()
    if fork_lines == up_lines:
        return "both sides made the same change: keep either side"
    if not up_lines:
        return (
            "upstream removed these lines and the fork changed them: drop them, or move "
            "the fork's change to where upstream does this now"
        )
    if not fork_lines:
        return (
            "the fork removed these lines and upstream changed them: keep them removed, "
            "or take upstream's new version"
        )
    fork_added, up_added = _added(base_lines, fork_lines), _added(base_lines, up_lines)
    if fork_added is not None and up_added is not None:
        return _both_added(fork_added, up_added)
    upstream_has = {line.strip() for line in up_lines}
    missing = [
        line for line in _changed(base_lines, fork_lines) if line.strip() not in upstream_has
    ]
    if not missing:
        if _changed(base_lines, fork_lines):
            return "upstream's side already holds the fork's lines: keep upstream's side"
        return "the fork only removed lines here: take upstream's side and remove them again"
    what = "line" if len(missing) == 1 else f"{len(missing)} lines, first"
    return f"take upstream's side, then re-apply the fork's {what}: {_code(missing[0])}"


def _added(base: list[str], side: list[str]) -> list[str] | None:
    """The lines ``side`` adds when it keeps every base line in order; else None."""
    added: list[str] = []
    for tag, _, _, j1, j2 in difflib.SequenceMatcher(None, base, side, False).get_opcodes():
        if tag in ("delete", "replace"):
            return None
        if tag == "insert":
            added += side[j1:j2]
    return added


def _changed(base: list[str], side: list[str]) -> list[str]:
    """The non-blank lines ``side`` has where ``base`` has other lines or none, in order."""
    opcodes = difflib.SequenceMatcher(None, base, side, False).get_opcodes()
    return [
        line
        for tag, _, _, j1, j2 in opcodes
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
            return f"both sides add {_code(key)} alike: keep it once{tail}"
        return (
            f"both sides add {_code(key)}: keep one value (fork: {_code(fork_keys[key])}, "
            f"upstream: {_code(up_keys[key])}){tail}"
        )
    fork_what = _names(list(fork_keys)) if fork_keys else f"{len(fork_added)} added lines"
    up_what = _names(list(up_keys)) if up_keys else f"{len(up_added)} added lines"
    return f"keep both: the fork's {fork_what} and upstream's new {up_what}"


def _names(keys: list[str]) -> str:
    shown = ", ".join(_code(key) for key in keys[:4])
    return shown + (f" and {len(keys) - 4} more" if len(keys) > 4 else "")


def _code(line: str, width: int = 60) -> str:
    """``line`` as inline code (backticks), shortened to ``width`` characters."""
    text = line.strip().replace("`", "'")
    return f"`{text if len(text) <= width else text[: width - 1] + '…'}`"
