"""Where each statement of a module lies, from Python's own parser, so libcst builds a CST
only for the statements that can change.

libcst's parser costs about ten times CPython's ``ast.parse``, and most statements of a
typical module never mention an old name. :meth:`Spans.cut` leaves out every statement
whose text mentions no old name and imports nothing (the codemod learns callee names from
imports): top-level statements with the comments before them, and, inside the statements
kept, the statements of their bodies, at any depth. Each run of statements left out is
replaced by one :data:`GAP` statement at its indentation; libcst parses the rest
(:meth:`Cut.subset`) and the lines left out are put back after the transform
(:meth:`Cut.splice`). When the whole module must be parsed (renamed symbols),
:func:`mark_unchanged` tells the transformer which statements it may skip instead.

The line ranges come from ``ast`` (``lineno``/``end_lineno``, decorators included);
statements sharing a line (``a = 1; b = 2``) form one range, as they form one libcst
``SimpleStatementLine``. Sources with carriage returns are not cut (line numbering would
be ambiguous): callers parse them whole.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass

import libcst as cst

#: The statement standing in for a run of statements left out (at their indentation), so
#: that the rest still parses and no comment attaches across the cut; the transformed code
#: is split on it afterwards.
GAP = "__forktool_unselected_statements__\n"
_GAP_LINE = re.compile(r"^[ \t]*" + re.escape(GAP), re.MULTILINE)


@dataclass(frozen=True)
class Group:
    """Statements sharing lines: one libcst statement.

    Attributes:
        first: index of the first line (0-based), decorators included.
        last: index after the last line.
        node: the last ``ast`` statement of the group (the only one when it is compound).
        col: the column the group's first statement (or first decorator) starts at.
    """

    first: int
    last: int
    node: ast.stmt
    col: int = 0


def groups(statements: Sequence[ast.stmt]) -> list[Group]:
    """Group a body's statements by shared lines, in order."""
    result: list[Group] = []
    for statement in statements:
        decorators = getattr(statement, "decorator_list", ())
        # A decorator's expression starts one column after its ``@``.
        first, col = min(
            [(statement.lineno, statement.col_offset)]
            + [(d.lineno, d.col_offset - 1) for d in decorators]
        )
        last = statement.end_lineno or statement.lineno
        if result and first - 1 < result[-1].last:
            previous = result[-1]
            result[-1] = Group(previous.first, max(last, previous.last), statement, previous.col)
        else:
            result.append(Group(first - 1, last, statement, col))
    return result


@dataclass(frozen=True)
class Spans:
    """A module's lines and its top-level statement groups.

    Attributes:
        lines: the source's lines, line ends kept; ``"".join(lines)`` is the source.
        top: the top-level statement groups.
    """

    lines: tuple[str, ...]
    top: tuple[Group, ...]

    def text(self, start: int, end: int) -> str:
        """The source of lines ``[start, end)``."""
        return "".join(self.lines[start:end])

    def cut(self, needles: Sequence[str]) -> Cut:
        """The :class:`Cut` leaving out every statement whose lines do not
        :func:`mention` a needle: top-level statements (with the comments before them),
        and statements in the bodies of the statements kept, at any depth."""
        omitted: list[tuple[int, int, str]] = []
        for index, group in enumerate(self.top):
            start = self.top[index - 1].last if index else 0
            end = group.last if index + 1 < len(self.top) else len(self.lines)
            if not mentions(self.text(start, end), needles):
                _omit(omitted, start, end, "")
            else:
                self._cut_body(group, needles, omitted)
        return Cut(self.lines, tuple(omitted))

    def _cut_body(self, group: Group, needles: Sequence[str], omitted: list[Omitted]) -> None:
        body = getattr(group.node, "body", None)
        if not isinstance(body, list) or not body or not isinstance(body[0], ast.stmt):
            return
        inner = groups(body)
        indent = self._indent(inner)
        if indent is None or inner[0].first <= group.node.lineno - 1:
            return  # a body on the header's line: ``class A: pass``
        for index, child in enumerate(inner):
            start = inner[index - 1].last if index else child.first
            if not mentions(self.text(start, child.last), needles):
                _omit(omitted, start, child.last, indent)
            else:
                self._cut_body(child, needles, omitted)

    def _indent(self, body: Sequence[Group]) -> str | None:
        """The indentation all ``body`` statements start at, or None when one does not
        start its line (``x = 1; y = 2`` after a header on the same line)."""
        first = body[0].node
        indent = self.lines[body[0].first][: body[0].col]
        if indent.strip() or not first.col_offset:
            return None
        for group in body:
            if self.lines[group.first][: group.col] != indent:
                return None
        return indent


#: Lines ``[start, end)`` left out, and the indentation of the gap statement for them.
Omitted = tuple[int, int, str]


def _omit(omitted: list[Omitted], start: int, end: int, indent: str) -> None:
    if omitted and omitted[-1][1] == start and omitted[-1][2] == indent:
        omitted[-1] = (omitted[-1][0], end, indent)
    else:
        omitted.append((start, end, indent))


@dataclass(frozen=True)
class Cut:
    """A module with some statements left out, each run of them replaced by one
    :data:`GAP` statement at its indentation, so libcst parses only the rest.

    Attributes:
        lines: the module's lines.
        omitted: line ranges left out, ascending, with their gaps' indentation.
    """

    lines: tuple[str, ...]
    omitted: tuple[Omitted, ...]

    def subset(self) -> str:
        """The module without the omitted lines."""
        pieces: list[str] = []
        position = 0
        for start, end, indent in self.omitted:
            pieces.extend(self.lines[position:start])
            pieces.append(indent + GAP)
            position = end
        pieces.extend(self.lines[position:])
        return "".join(pieces)

    def splice(self, new_subset: str) -> str:
        """The whole module: ``new_subset`` (:meth:`subset` after the transform) with the
        omitted lines put back in place of the gaps.

        Raises:
            ValueError: ``new_subset`` does not have one gap per omitted range.
        """
        pieces = _GAP_LINE.split(new_subset)
        if len(pieces) != len(self.omitted) + 1:
            raise ValueError("the transformed statements do not fit their places")
        result = [pieces[0]]
        for (start, end, _), piece in zip(self.omitted, pieces[1:], strict=True):
            result.extend(self.lines[start:end])
            result.append(piece)
        return "".join(result)


def spans(source: str, syntax: ast.Module) -> Spans | None:
    """The :class:`Spans` of ``source`` as parsed into ``syntax``, or None when it cannot be
    cut safely (carriage returns, no statements, the gap statement itself in it)."""
    if "\r" in source or not syntax.body or GAP.strip() in source:
        return None
    lines = source.split("\n")
    kept = tuple([line + "\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else []))
    return Spans(kept, tuple(groups(syntax.body)))


def mentions(text: str, needles: Sequence[str]) -> bool:
    """Does this source text need the transformer: an old-name needle (lowercase), or an
    import (which tells the transformer what callees are)?"""
    lowered = text.lower()
    return "import" in lowered or any(needle in lowered for needle in needles)


def mark_unchanged(
    statements: Sequence[cst.BaseStatement],
    body: Sequence[Group],
    bounds: tuple[int, int],
    source: Spans,
    needles: Sequence[str],
    skip: set[cst.CSTNode],
) -> None:
    """Add to ``skip`` the libcst statements of one body whose lines mention nothing
    (:func:`mentions`), looking into the indented bodies of the others.

    Args:
        statements: libcst statements of one body, in order.
        body: the same statements' :class:`Group` list; nothing is marked when the counts
            differ.
        bounds: lines ``[start, end)`` of the enclosing body: the first statement's range
            starts at ``start``, the last one's ends at ``end``.
        source: the module's spans (for its lines).
        needles: lowercase old-name needles.
        skip: the set to add to.
    """
    if len(statements) != len(body):
        return
    for index, (statement, group) in enumerate(zip(statements, body, strict=True)):
        # Comments before a statement are its own; those after it may be in its footer.
        start = body[index - 1].last if index else bounds[0]
        end = body[index + 1].first if index + 1 < len(body) else bounds[1]
        if not mentions(source.text(start, end), needles):
            skip.add(statement)
            continue
        block = getattr(statement, "body", None)  # ``match`` has cases instead
        inner = getattr(group.node, "body", None)
        if isinstance(block, cst.IndentedBlock) and isinstance(inner, list):
            mark_unchanged(block.body, groups(inner), (start, end), source, needles, skip)
