"""Code inside documentation: doctest examples and code blocks (Python, TOML).

Documentation shows code (``>>> from flask import Flask``, a ``.. code-block:: python``
with ``app = Flask(__name__)``); prose rules alone would rename the import and miss the
names it binds. This module finds the code, lets the Python codemod rename it as one
module (all doctest examples of a text together, all code blocks together, so an import
in one example reaches the uses in the next), and maps the result back onto the lines,
keeping prompts (``>>>``, ``...``) and indentation.

Code is recognised as:

- doctest examples (:class:`doctest.DocTestParser`), anywhere;
- reStructuredText ``code-block``/``sourcecode``/``code``/``testcode`` directives whose
  language is Python or unspecified, and ``::`` literal blocks;
- Markdown fenced blocks (```` ``` ````/``~~~``) whose language is Python or unspecified.

TOML blocks (``pyproject.toml`` examples) go through the ``pyproject.toml`` codemod, one
block at a time. A block that does not parse is left to the prose rules. The codemods are
passed in as functions, so this module does not depend on :mod:`forktool.codemods.python.codemod`.
"""

from __future__ import annotations

import doctest
import re
from collections.abc import Callable, Iterator, Mapping
from typing import NamedTuple

from forktool.codemods.docs.prose import Edit

#: Renames a piece of code; raises (any exception) when it is not code of its language.
CodeRenamer = Callable[[str], str]

PYTHON = "python"
TOML = "toml"
_LANGUAGES = {
    **dict.fromkeys(("", "python", "python3", "py", "py3", "ipython", "ipython3"), PYTHON),
    "toml": TOML,
}
_DIRECTIVE_RE = re.compile(
    r"(?P<indent>[ \t]*)\.\.[ \t]+(?:code-block|sourcecode|code|testcode)::[ \t]*"
    r"(?P<lang>[\w+-]*)[ \t]*"
)
_FENCE_RE = re.compile(r"(?P<indent>[ \t]{0,3})(?P<fence>`{3,}|~{3,})[ \t]*(?P<lang>[\w+-]*).*")


class _Line(NamedTuple):
    """One line of code inside a text: where its code starts and ends, and the code."""

    start: int
    end: int
    code: str


def code_edits(
    text: str, renamers: Mapping[str, CodeRenamer]
) -> tuple[list[Edit], list[tuple[int, int]]]:
    """Rename the code shown in a document or docstring.

    Args:
        text: the document.
        renamers: language (:data:`PYTHON`, :data:`TOML`) -> the codemod for one piece of
            code in it; a language without one is left alone.

    Returns:
        The edits, and the spans of every line of code that was analysed (renamed or
        found unchanged), which prose rules must then leave alone. Never raises.
    """
    lines = _split_lines(text)
    edits: list[Edit] = []
    regions: list[tuple[int, int]] = []
    blocks = list(_block_pieces(lines))
    groups: list[tuple[list[list[_Line]], CodeRenamer, bool]] = []
    if PYTHON in renamers:
        python_blocks = [piece for language, piece in blocks if language == PYTHON]
        groups.append((list(_doctest_pieces(text, lines)), renamers[PYTHON], True))
        groups.append((python_blocks, renamers[PYTHON], True))
    for language, renamer in renamers.items():
        if language != PYTHON:
            groups.append(([piece for lang, piece in blocks if lang == language], renamer, False))
    for pieces, rename_code, together in groups:
        for piece, new_code in _rename_pieces(pieces, rename_code, together=together):
            regions.extend((line.start, line.end) for line in piece)
            for line, new in zip(piece, new_code, strict=True):
                if new != line.code:
                    edits.append((line.start, line.end, new))
    return edits, regions


def _split_lines(text: str) -> list[tuple[int, str]]:
    """(offset, line without its end) for every line of ``text``."""
    out = []
    offset = 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        out.append((offset, body))
        offset += len(line)
    return out


def _rename_pieces(
    pieces: list[list[_Line]], rename_code: CodeRenamer, *, together: bool
) -> Iterator[tuple[list[_Line], list[str]]]:
    """Rename pieces together if they parse together, else one by one; skip the rest."""
    if not pieces:
        return
    joined = None
    if together:
        joined = _rename_lines([line.code for piece in pieces for line in piece], rename_code)
    if joined is not None:
        position = 0
        for piece in pieces:
            yield piece, joined[position : position + len(piece)]
            position += len(piece)
        return
    for piece in pieces:
        alone = _rename_lines([line.code for line in piece], rename_code)
        if alone is not None:
            yield piece, alone


def _rename_lines(code: list[str], rename_code: CodeRenamer) -> list[str] | None:
    source = "\n".join(code) + "\n"
    try:
        new = rename_code(source)
    except Exception:  # not Python (or too odd): the prose rules handle it
        return None
    new_lines = new.split("\n")[:-1] if new.endswith("\n") else new.split("\n")
    return new_lines if len(new_lines) == len(code) else None


def _doctest_pieces(text: str, lines: list[tuple[int, str]]) -> Iterator[list[_Line]]:
    if ">>>" not in text:
        return
    try:
        examples = doctest.DocTestParser().get_examples(text)
    except ValueError:  # inconsistent indentation: leave it to the prose rules
        return
    for example in examples:
        prefix = example.indent + 4
        piece = []
        for number in range(example.lineno, example.lineno + example.source.count("\n")):
            if number >= len(lines):
                break
            offset, body = lines[number]
            start = offset + min(prefix, len(body))
            piece.append(_Line(start, offset + len(body), body[prefix:]))
        yield piece


def _block_pieces(lines: list[tuple[int, str]]) -> Iterator[tuple[str, list[_Line]]]:
    """Code blocks with their language: rst directives and ``::`` blocks, Markdown fences."""
    index = 0
    while index < len(lines):
        _, body = lines[index]
        fence = _FENCE_RE.fullmatch(body)
        if fence is not None:
            end = _fence_end(lines, index, fence["fence"])
            language = _LANGUAGES.get(fence["lang"].lower())
            piece = _dedented(lines[index + 1 : end])
            if language is not None and piece:
                yield language, piece
            index = end + 1
            continue
        directive = _DIRECTIVE_RE.fullmatch(body)
        literal = body.rstrip().endswith("::") and not body.lstrip().startswith("..")
        if directive is not None or literal:
            indent = len(body) - len(body.lstrip())
            start, end = _indented_block(lines, index + 1, indent, options=directive is not None)
            language = PYTHON if directive is None else _LANGUAGES.get(directive["lang"].lower())
            piece = _dedented(lines[start:end])
            if language is not None and piece:
                yield language, piece
            index = max(end, index + 1)
            continue
        index += 1


def _fence_end(lines: list[tuple[int, str]], index: int, fence: str) -> int:
    for end in range(index + 1, len(lines)):
        if lines[end][1].strip().startswith(fence[0] * len(fence)):
            return end
    return len(lines)


def _indented_block(
    lines: list[tuple[int, str]], index: int, indent: int, *, options: bool
) -> tuple[int, int]:
    """The [start, end) line range of the block indented deeper than ``indent``."""
    if options:
        while index < len(lines) and lines[index][1].strip().startswith(":"):
            index += 1
    start = index
    end = index
    for number in range(index, len(lines)):
        body = lines[number][1]
        if not body.strip():
            continue
        if len(body) - len(body.lstrip()) <= indent:
            break
        end = number + 1
    while start < end and not lines[start][1].strip():
        start += 1
    return start, end


def _dedented(block: list[tuple[int, str]]) -> list[_Line]:
    widths = [len(body) - len(body.lstrip()) for _, body in block if body.strip()]
    if not widths:
        return []
    cut = min(widths)
    return [
        _Line(offset + min(cut, len(body)), offset + len(body), body[cut:])
        for offset, body in block
    ]
