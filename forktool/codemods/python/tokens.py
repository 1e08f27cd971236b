"""Token-level fallback for Python files libcst cannot parse (Python 2, deep nesting).

No syntax tree, so nothing scope-aware; only edits that are safe from the token stream
alone, each replacing exactly one token's text at its position:

- the module path of ``import flask.x`` and ``from flask.x import y`` statements, and
  renamed symbols among the imported names, keeping the local name
  (``from framework import Framework as Flask``);
- a dotted name ``flask.x`` / a bare ``flask`` (not after a ``.``, not a keyword argument)
  when the file binds the package itself with ``import flask`` / ``import flask.x``;
  otherwise such names stay, since ``flask`` could be anything;
- string literals, with the same rules as in parsed code for a string whose position says
  nothing (module paths, specs, code, prose references);
- comments, with the prose rules (unless ``rename.docs`` is False).

Tokenizing stops at the first error (an unclosed bracket, a bad indent); the tokens before
it are still used.
"""

from __future__ import annotations

import io
import token
import tokenize
from collections.abc import Callable, Sequence

from forktool.codemods.docs.prose import Edit, apply_edits, rename_references
from forktool.codemods.names import rename_symbol_path
from forktool.codemods.python.literals import literal_value, rewrite_literal
from forktool.model import RenameMap

#: Renames a string literal's value (``python.rename_string_value`` with a fixed context).
StringRenamer = Callable[[str], str]

_STATEMENT_START = {token.NEWLINE, token.INDENT, token.DEDENT, token.ENCODING}


def rename_python_tokens(source: str, rename: RenameMap, rename_string: StringRenamer) -> str:
    """Rename what the token stream of ``source`` shows safely.

    Args:
        source: Python-like source text that libcst could not parse.
        rename: the rename map.
        rename_string: renames a string value found outside any telling position.

    Returns:
        The new text (the tokens up to a tokenizer error are renamed). Never raises.
    """
    tokens: list[tokenize.TokenInfo] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type != token.NL:
                tokens.append(tok)
    except (tokenize.TokenError, SyntaxError, RecursionError, MemoryError):
        pass  # the tokens before the error are whole; each edit replaces one of them
    offsets = _line_offsets(source)
    edits: list[Edit] = []
    statements = _statement_starts(tokens)
    binds = _binds_package(tokens, statements, rename)
    index = 0
    while index < len(tokens):
        tok = tokens[index]
        previous = tokens[index - 1].string if index else ""
        if tok.type == tokenize.COMMENT and rename.docs:
            _replace(edits, offsets, tok, rename_references(tok.string, rename))
        elif index in statements and tok.string in ("import", "from"):
            index = _import_statement(tokens, index, rename, offsets, edits)
            continue
        elif tok.type == token.NAME and tok.string in binds and previous != ".":
            if not _is_keyword_argument(tokens, index):
                _replace(edits, offsets, tok, rename.packages[tok.string])
                _rename_attributes(tokens, index, rename, offsets, edits)
        elif tok.type == token.STRING:
            value = literal_value(tok.string)
            if value is not None:
                new_value = rename_string(value)
                if new_value != value:
                    _replace(edits, offsets, tok, rewrite_literal(tok.string, new_value))
        index += 1
    return apply_edits(source, edits)


def _rename_attributes(
    tokens: Sequence[tokenize.TokenInfo],
    index: int,
    rename: RenameMap,
    offsets: list[int],
    edits: list[Edit],
) -> None:
    """``flask.Flask``: attributes of the package that are renamed symbols."""
    chain = [tokens[index]]
    while (
        index + 2 < len(tokens)
        and tokens[index + 1].string == "."
        and tokens[index + 2].type == token.NAME
    ):
        chain.append(tokens[index + 2])
        index += 2
    dotted = ".".join(tok.string for tok in chain)
    renamed = rename_symbol_path(dotted, rename).split(".")
    for tok, new in zip(chain[1:], renamed[1:], strict=True):
        _replace(edits, offsets, tok, new)


def _line_offsets(source: str) -> list[int]:
    offsets = [0, 0]  # tokenize rows are 1-based
    for line in io.StringIO(source, newline=""):
        offsets.append(offsets[-1] + len(line))
    return offsets


def _replace(
    edits: list[Edit], offsets: list[int], tok: tokenize.TokenInfo, new: str | None
) -> None:
    if new is None or new == tok.string:
        return
    start = offsets[tok.start[0]] + tok.start[1]
    edits.append((start, start + len(tok.string), new))


def _statement_starts(tokens: Sequence[tokenize.TokenInfo]) -> set[int]:
    """Indexes of the tokens that begin a simple statement (after a newline or ``;``)."""
    starts = set()
    previous: tokenize.TokenInfo | None = None
    for index, tok in enumerate(tokens):
        if tok.type == tokenize.COMMENT:
            continue
        if previous is None or previous.type in _STATEMENT_START or previous.string in (";", ":"):
            starts.add(index)
        previous = tok
    return starts


def _binds_package(
    tokens: Sequence[tokenize.TokenInfo], statements: set[int], rename: RenameMap
) -> set[str]:
    """Old packages bound under their own name: ``import flask`` / ``import flask.x``."""
    tops = {old for old in rename.packages if "." not in old}
    bound: set[str] = set()
    for index in statements:
        if tokens[index].string != "import":
            continue
        for start, end in _items(tokens, index + 1):
            names = [tok.string for tok in tokens[start:end]]
            if names and names[0] in tops and "as" not in names:
                bound.add(names[0])
    return bound


def _items(tokens: Sequence[tokenize.TokenInfo], index: int) -> list[tuple[int, int]]:
    """The comma-separated [start, end) token ranges up to the end of the statement."""
    items = []
    start = index
    while index < len(tokens):
        tok = tokens[index]
        if tok.type in (token.NEWLINE, token.ENDMARKER, tokenize.COMMENT) or tok.string == ";":
            break
        if tok.string == ",":
            items.append((start, index))
            start = index + 1
        index += 1
    items.append((start, index))
    return [(a, b) for a, b in items if a < b]


def _is_keyword_argument(tokens: Sequence[tokenize.TokenInfo], index: int) -> bool:
    """``f(flask=1)``: a keyword argument's name is not the package."""
    if index + 1 >= len(tokens) or tokens[index + 1].string != "=":
        return False
    depth = 0
    for tok in reversed(tokens[:index]):
        if tok.type == token.NEWLINE:
            return False
        if tok.string in (")", "]", "}"):
            depth += 1
        elif tok.string in ("(", "[", "{"):
            if depth == 0:
                return tok.string == "("
            depth -= 1
    return False


def _import_statement(
    tokens: Sequence[tokenize.TokenInfo],
    index: int,
    rename: RenameMap,
    offsets: list[int],
    edits: list[Edit],
) -> int:
    """Rename module paths (and imported symbols) in one import; return the index after it."""
    items = _items(tokens, index + 1)
    end = items[-1][1] if items else index + 1
    if tokens[index].string == "import":
        for start, stop in items:
            _rename_dotted(tokens[start:stop], rename, offsets, edits)
        return end
    position = index + 1
    if tokens[position].type != token.NAME:
        return end  # relative: ``from . import x``, ``from .app import y``
    module_end = position
    while module_end < end and tokens[module_end].string != "import":
        module_end += 1
    module = "".join(tok.string for tok in tokens[position:module_end])
    _rename_dotted(tokens[position:module_end], rename, offsets, edits)
    if module_end + 1 < end and rename.symbols:
        for start, stop in _items(tokens, module_end + 1):
            names = [tok for tok in tokens[start:stop] if tok.type == token.NAME]
            new = rename.symbols.get(f"{module}.{names[0].string}") if names else None
            if new is not None:
                # Without scope analysis the uses cannot follow: keep the local name.
                local = "" if len(names) > 1 else f" as {names[0].string}"
                _replace(edits, offsets, names[0], new + local)
    return end


def _rename_dotted(
    tokens: Sequence[tokenize.TokenInfo], rename: RenameMap, offsets: list[int], edits: list[Edit]
) -> None:
    """Rename the package part of ``flask.x`` spelled as NAME ``.`` NAME tokens."""
    names = [tok for tok in tokens if tok.type == token.NAME]
    if not names or names[0].string not in {old.split(".")[0] for old in rename.packages}:
        return
    dotted_names = []
    for tok in names:
        if tok.string == "as":
            break
        dotted_names.append(tok)
    dotted = ".".join(tok.string for tok in dotted_names)
    for old, new in sorted(rename.packages.items(), key=lambda item: -len(item[0])):
        if dotted != old and not dotted.startswith(old + "."):
            continue
        old_parts, new_parts = old.split("."), new.split(".")
        if len(old_parts) != len(new_parts):
            return  # a different depth cannot be spelled token by token
        for tok, new_part in zip(dotted_names, new_parts, strict=False):
            _replace(edits, offsets, tok, new_part)
        return
