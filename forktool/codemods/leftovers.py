"""Find every old package name still present after the rename.

An occurrence is the old top-level package name as a whole word, case-sensitive
(``flask`` in ``flask.palletsprojects.com`` or ``"flask"``; not ``Flask``, ``flask_test``
or ``.flaskenv``). Each becomes a :class:`~forktool.model.Leftover`:

- kind: ``identifier``, ``string``, ``docstring`` or ``comment`` in Python (from the token
  stream), ``other-file`` elsewhere;
- reason: ``kept`` for what is deliberately preserved (URLs, host names, keep-listed
  strings, identifiers that are not the imported package, part of a hyphenated name such
  as ``flask-sqlalchemy``, and every comment, docstring and documentation file when
  ``RenameMap.docs`` is False), ``ambiguous`` for a bare word the rename could not
  classify, ``unparseable`` when the file could not be analysed.

With renamed symbols, Python code is also searched for their old plain names (``Flask``):
an identifier left with that name is a different binding (``kept``); a string whose whole
value is that name is ``ambiguous``. Prose is not searched: the product name is a word.
"""

from __future__ import annotations

import ast
import io
import re
import token
import tokenize
import warnings
from collections.abc import Iterable, Iterator

from forktool.codemods.docs.prose import protected_spans
from forktool.codemods.names import is_host_name, kept_around, word_re
from forktool.codemods.python.spans import groups
from forktool.model import Leftover, RenameMap

KEPT = "kept"
AMBIGUOUS = "ambiguous"
UNPARSEABLE = "unparseable"
_MAX_TEXT = 200
#: Lines longer than this (characters) are classified from a window around each occurrence.
_LONG_LINE = 4000
_WINDOW = 300
_DOTTED_AROUND = re.compile(r"[\w.-]*$")
_DOTTED_AFTER = re.compile(r"[\w.-]*")
# Tokens after which a string starts a statement (so it is a docstring-like expression).
_STATEMENT_START = {token.NEWLINE, token.INDENT, token.DEDENT, token.ENCODING}
_STRING_TYPES = {token.STRING} | {
    getattr(token, name) for name in ("FSTRING_MIDDLE", "TSTRING_MIDDLE") if hasattr(token, name)
}


def text_leftovers(
    path: str, text: str, rename: RenameMap, *, kind: str = "other-file", reason: str | None = None
) -> list[Leftover]:
    """Leftovers in a non-Python file (or a Python file that could not be tokenized).

    Args:
        path: the file's path in the transformed tree.
        text: the transformed text.
        rename: the rename map.
        kind: the kind to record.
        reason: force this reason (e.g. ``unparseable``); by default ``kept`` for URLs,
            host names and keep-listed strings, ``ambiguous`` otherwise.

    Returns:
        One leftover per occurrence, in line order.
    """
    pattern = word_re(rename)
    found: list[Leftover] = []
    for number, line in enumerate(text.splitlines(), start=1):
        excerpt = None  # once per line: a minified file's one line holds thousands
        for match in pattern.finditer(line):
            why = reason or _reason(line, match.start(), match.end(), rename)
            excerpt = excerpt or _excerpt(line)
            found.append(Leftover(path, number, kind, why, excerpt))
    return _unique(found)


def python_leftovers(
    path: str, source: str, rename: RenameMap, *, reason: str | None = None
) -> list[Leftover]:
    """Leftovers in transformed Python source, classified by token.

    Args:
        path: the file's path in the transformed tree.
        source: the transformed source.
        rename: the rename map.
        reason: force this reason (``unparseable`` for a file the codemod could not parse
            but the tokenizer can, e.g. Python 2 ``print`` statements).

    Returns:
        One leftover per occurrence, in line order. Falls back to :func:`text_leftovers`
        with reason ``unparseable`` if the source cannot be tokenized. Never raises.
    """
    pattern = word_re(rename)
    symbols = _symbol_names(rename)
    if pattern.search(source) is None and not any(name in source for name in symbols):
        return []
    lines = source.splitlines()
    found: list[Leftover] = []
    try:
        for offset, chunk in _statements_to_scan(source, pattern, symbols):
            found.extend(_scan(path, chunk, offset, lines, rename, symbols, reason))
    except (tokenize.TokenError, SyntaxError):
        return text_leftovers(path, source, rename, reason=UNPARSEABLE)
    return _unique(found)


def _statements_to_scan(
    source: str, pattern: re.Pattern[str], symbols: frozenset[str]
) -> Iterator[tuple[int, list[tokenize.TokenInfo]]]:
    """The tokens of the top-level statements that contain a match, one list per
    statement with the number of lines before it in ``source``; all of ``source`` as one
    list when CPython cannot cut it into statements. Tokenizing is the slow part, and a
    statement always starts and ends between tokens."""
    syntax = _parse(source)
    if syntax is None or "\r" in source or not syntax.body:
        yield 0, list(tokenize.generate_tokens(io.StringIO(source).readline))
        return
    lines = source.split("\n")
    ends = [group.last for group in groups(syntax.body)]
    ends[-1] = len(lines)
    start = 0
    for end in ends:
        text = "\n".join(lines[start:end])
        if pattern.search(text) is not None or any(name in text for name in symbols):
            yield start, list(tokenize.generate_tokens(io.StringIO(text + "\n").readline))
        start = end


def _parse(source: str) -> ast.Module | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarning: invalid escape sequence
            return ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _scan(
    path: str,
    tokens: list[tokenize.TokenInfo],
    offset: int,
    lines: list[str],
    rename: RenameMap,
    symbols: frozenset[str],
    reason: str | None,
) -> Iterator[Leftover]:
    """Leftovers among ``tokens``, which start at a statement ``offset`` lines down."""
    pattern = word_re(rename)
    previous = token.NEWLINE
    for index, tok in enumerate(tokens):
        if tok.type == token.NL:
            continue
        number = tok.start[0] + offset
        line = lines[number - 1] if number <= len(lines) else tok.line
        if tok.type == token.NAME and (pattern.fullmatch(tok.string) or tok.string in symbols):
            why = reason or KEPT
            yield Leftover(path, number, "identifier", why, _excerpt(line))
        elif tok.type == tokenize.COMMENT or tok.type in _STRING_TYPES:
            kind = "comment" if tok.type == tokenize.COMMENT else "string"
            if kind == "string" and previous in _STATEMENT_START and _ends_statement(tokens, index):
                kind = "docstring"
            prose_reason = reason or (KEPT if kind != "string" and not rename.docs else None)
            yield from _in_token(path, tok, number, kind, lines, rename, prose_reason)
            if kind == "string" and symbols and _string_text(tok.string) in symbols:
                why = reason or AMBIGUOUS
                yield Leftover(path, number, "string", why, _excerpt(line))
        if tok.type not in (token.NL, tokenize.COMMENT):
            previous = tok.type


def _symbol_names(rename: RenameMap) -> frozenset[str]:
    """Old plain names of renamed symbols (``Flask`` for ``flask.Flask``)."""
    return frozenset(
        qualified.rsplit(".", 1)[1]
        for qualified, new in rename.symbols.items()
        if qualified.rsplit(".", 1)[1] != new
    )


def _string_text(literal: str) -> str:
    """A string token's text between its quotes (escapes left as written)."""
    body = literal.lstrip("rRbBuUfF")
    for quote in ('"""', "'''", '"', "'"):
        if body.startswith(quote) and body.endswith(quote) and len(body) >= 2 * len(quote):
            return body[len(quote) : -len(quote)]
    return body


def _ends_statement(tokens: list[tokenize.TokenInfo], index: int) -> bool:
    for tok in tokens[index + 1 :]:
        if tok.type in (token.STRING, token.NL, tokenize.COMMENT):
            continue
        return tok.type in (token.NEWLINE, token.ENDMARKER)
    return True


def _in_token(
    path: str,
    tok: tokenize.TokenInfo,
    first_line: int,
    kind: str,
    lines: list[str],
    rename: RenameMap,
    reason: str | None,
) -> Iterable[Leftover]:
    for offset, piece in enumerate(tok.string.split("\n")):
        number = first_line + offset
        line = lines[number - 1] if number <= len(lines) else piece
        excerpt = None
        for match in word_re(rename).finditer(piece):
            excerpt = excerpt or _excerpt(line)
            yield Leftover(
                path,
                number,
                kind,
                reason or _reason(piece, match.start(), match.end(), rename),
                excerpt,
            )


def _reason(line: str, start: int, end: int, rename: RenameMap) -> str:
    """``kept`` for a URL, address, host name, keep-listed string or another package's
    attribute (``webframe.template.backends.flask``); ``ambiguous`` otherwise."""
    if len(line) > _LONG_LINE:
        # A minified or generated one-line file: look only around the occurrence, or each
        # of its thousands of occurrences would scan the whole line again.
        low = max(0, start - _WINDOW)
        line, start, end = line[low : end + _WINDOW], start - low, end - low
    if start > 0 and line[start - 1] == ".":
        return KEPT
    if _hyphenated(line, start, end):
        return KEPT
    if any(s < end and start < e for s, e in protected_spans(line)):
        return KEPT
    if kept_around(line, start, end, rename):
        return KEPT
    # The dotted word around the occurrence: flask.palletsprojects.com is a host name.
    chain = _DOTTED_AROUND.search(line[:start])
    after = _DOTTED_AFTER.match(line, end)
    dotted = (chain.group() if chain else "") + line[start:end] + (after.group() if after else "")
    return KEPT if is_host_name(dotted.strip(".")) else AMBIGUOUS


def _hyphenated(line: str, start: int, end: int) -> bool:
    """Part of a hyphenated name (``flask-sqlalchemy``, ``sentry-flask``, ``flask-logo.svg``)."""
    before = line[start - 2 : start] if start >= 2 else ""
    after = line[end : end + 2]
    return (len(after) == 2 and after[0] == "-" and after[1].isalnum()) or (
        len(before) == 2 and before[1] == "-" and before[0].isalnum()
    )


def _excerpt(line: str) -> str:
    text = line.strip()
    return text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 3] + "..."


def _unique(found: list[Leftover]) -> list[Leftover]:
    return list(dict.fromkeys(found))
