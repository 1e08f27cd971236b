"""Where each statement of a module lies, from Python's own parser, so libcst builds a CST
only for the statements that can change.

libcst's parser costs about ten times CPython's ``ast.parse``, and most statements of a
typical module never mention an old name: a module's top-level statements are cut into
line ranges (:class:`Spans`), only those whose text mentions an old name (or imports
anything: the codemod learns callee names from imports) are given to libcst, as one
smaller module, and the rest is copied through. Inside the statements that are parsed,
nested statements that mention nothing are marked for the transformer to skip
(:func:`mark_unchanged`).

The line ranges come from ``ast`` (``lineno``/``end_lineno``, decorators included);
statements sharing a line (``a = 1; b = 2``) form one range, as they form one libcst
``SimpleStatementLine``. Sources with carriage returns are not cut (line numbering would
be ambiguous): callers parse them whole.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass

import libcst as cst

#: A statement put between two runs of selected statements in the smaller module, so
#: that no comment of one run can attach to the other; the code is split on it afterwards.
GAP = "__forktool_unselected_statements__\n"


@dataclass(frozen=True)
class Group:
    """Statements sharing lines: one libcst statement.

    Attributes:
        first: index of the first line (0-based), decorators included.
        last: index after the last line.
        node: the last ``ast`` statement of the group (the only one when it is compound).
    """

    first: int
    last: int
    node: ast.stmt


def groups(statements: Sequence[ast.stmt]) -> list[Group]:
    """Group a body's statements by shared lines, in order."""
    result: list[Group] = []
    for statement in statements:
        first = min(
            [statement.lineno, *(d.lineno for d in getattr(statement, "decorator_list", ()))]
        )
        last = statement.end_lineno or statement.lineno
        if result and first - 1 < result[-1].last:
            result[-1] = Group(result[-1].first, max(last, result[-1].last), statement)
        else:
            result.append(Group(first - 1, last, statement))
    return result


@dataclass(frozen=True)
class Spans:
    """A module cut into its top-level statements.

    Attributes:
        lines: the source's lines, line ends kept; ``"".join(lines)`` is the source.
        top: the top-level statement groups.
    """

    lines: tuple[str, ...]
    top: tuple[Group, ...]

    def chunk(self, index: int) -> tuple[int, int]:
        """Lines ``[start, end)`` of top-level statement ``index`` with the comments and
        blank lines before it; the chunks partition the source (the last one runs to the
        end, trailing comments included)."""
        start = self.top[index - 1].last if index else 0
        end = self.top[index].last if index + 1 < len(self.top) else len(self.lines)
        return start, end

    def reach(self, index: int) -> tuple[int, int]:
        """Lines a statement's libcst node may hold: its chunk, and the comments after it
        up to the next statement (libcst gives comments indented into a block's footer)."""
        start, end = self.chunk(index)
        if index + 1 < len(self.top):
            end = self.top[index + 1].first
        return start, end

    def text(self, start: int, end: int) -> str:
        """The source of lines ``[start, end)``."""
        return "".join(self.lines[start:end])

    def subset(self, selected: Sequence[int]) -> str:
        """A module of the ``selected`` top-level statements (ascending indices), in order,
        with :data:`GAP` between runs that are not adjacent in the source."""
        pieces: list[str] = []
        for position, index in enumerate(selected):
            if position and selected[position - 1] != index - 1:
                pieces.append(GAP)
            pieces.append(self.text(*self.chunk(index)))
        return "".join(pieces)

    def splice(self, selected: Sequence[int], new_subset: str) -> str:
        """The whole source with the selected statements replaced by their new text:
        ``new_subset`` is :meth:`subset` after the transform.

        Raises:
            ValueError: ``new_subset`` does not have one run per gap.
        """
        runs = iter(new_subset.split(GAP))
        chosen = set(selected)
        pieces: list[str] = []
        index = 0
        while index < len(self.top):
            if index not in chosen:
                pieces.append(self.text(*self.chunk(index)))
                index += 1
                continue
            pieces.append(next(runs))
            while index in chosen:
                index += 1
        if next(runs, None) is not None:
            raise ValueError("the transformed statements do not fit their places")
        return "".join(pieces)


def spans(source: str, syntax: ast.Module) -> Spans | None:
    """The :class:`Spans` of ``source`` as parsed into ``syntax``, or None when it cannot be
    cut safely (carriage returns, no statements, the marker statement itself)."""
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


def is_gap(statement: cst.CSTNode) -> bool:
    """True for the :data:`GAP` statement in a parsed subset."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return False
    expr = statement.body[0]
    return (
        isinstance(expr, cst.Expr)
        and isinstance(expr.value, cst.Name)
        and expr.value.value == GAP.strip()
    )


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
        mark_statement(statement, group, (start, end), source, needles, skip)


def mark_statement(
    statement: cst.BaseStatement,
    group: Group,
    reach: tuple[int, int],
    source: Spans,
    needles: Sequence[str],
    skip: set[cst.CSTNode],
) -> None:
    """:func:`mark_unchanged` for one statement whose libcst node lies in lines
    ``reach`` (``[start, end)``)."""
    if not mentions(source.text(*reach), needles):
        skip.add(statement)
        return
    block = getattr(statement, "body", None)  # ``match`` has cases instead
    inner = getattr(group.node, "body", None)
    if isinstance(block, cst.IndentedBlock) and isinstance(inner, list):
        mark_unchanged(block.body, groups(inner), reach, source, needles, skip)
