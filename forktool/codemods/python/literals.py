"""Rewriting the value of Python string literals while keeping how they are written.

The rename works on a string's *value* (``import flask\\n``), but the file holds its
*spelling* (``"import flask\\n"``, maybe ``r'...'``, ``'''...'''`` or implicitly concatenated
pieces). These helpers map value edits back onto the spelling: only the edited characters
are re-spelled, quotes, prefixes, escapes and the split into pieces stay. Every result is
checked with :func:`ast.literal_eval`; when it cannot be made exact the functions return
``None`` and the caller leaves the literal alone.
"""

from __future__ import annotations

import ast
import difflib
import re
import unicodedata
from collections.abc import Sequence

_PREFIX_RE = re.compile(r"(?P<prefix>[A-Za-z]*)(?P<quote>'''|\"\"\"|'|\")", re.DOTALL)
_TOKEN_RE = re.compile(r"\w+|\s+|[^\w\s]")
#: Texts longer than this (characters) are diffed by lines before words.
_LONG_TEXT = 10_000
_SIMPLE_ESCAPES = {
    "\\": "\\",
    "'": "'",
    '"': '"',
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
}
_OCTAL = "01234567"
_HEX_LENGTHS = {"x": 2, "u": 4, "U": 8}


def literal_value(literal: str) -> str | None:
    """Return the value of a (non-f, non-bytes) string literal, or None if it is not one."""
    parts = _split(literal)
    if parts is None:
        return None
    try:
        value = ast.literal_eval(literal)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    return value if isinstance(value, str) else None


def rewrite_literal(literal: str, new_value: str) -> str | None:
    """Return ``literal`` re-spelled so that its value is ``new_value``.

    Args:
        literal: the source text of one string literal, e.g. ``'"import flask\\n"'``.
        new_value: the value it should have.

    Returns:
        The new source text, or None if ``literal`` is an f-string, a bytes literal, not a
        literal, or cannot spell ``new_value`` (e.g. a raw string would need an escape).
    """
    result = rewrite_literal_parts([literal], new_value)
    return None if result is None else result[0]


def rewrite_literal_parts(literals: Sequence[str], new_value: str) -> list[str] | None:
    """Like :func:`rewrite_literal` for implicitly concatenated pieces (``"a" "b"``).

    Each edit must fall inside one piece (an edit straddling two pieces makes the function
    return None). Returns the pieces, unchanged ones identical to the input.
    """
    values: list[str] = []
    for literal in literals:
        value = literal_value(literal)
        if value is None:
            return None
        values.append(value)
    old_value = "".join(values)
    if old_value == new_value:
        return list(literals)
    bounds: list[tuple[int, int]] = []
    offset = 0
    for value in values:
        bounds.append((offset, offset + len(value)))
        offset += len(value)
    per_part: list[list[tuple[int, int, str]]] = [[] for _ in literals]
    for start, end, text in value_edits(old_value, new_value):
        index = _owning_part(bounds, start, end)
        if index is None:
            return None
        base = bounds[index][0]
        per_part[index].append((start - base, end - base, text))
    out: list[str] = []
    for literal, value, edits in zip(literals, values, per_part, strict=True):
        if not edits:
            out.append(literal)
            continue
        respelled = _apply_edits(literal, value, edits)
        if respelled is None:
            return None
        out.append(respelled)
    return out


def _owning_part(bounds: list[tuple[int, int]], start: int, end: int) -> int | None:
    for index, (lo, hi) in enumerate(bounds):
        if start == end and lo <= start < hi:
            return index
        if start < end and lo <= start and end <= hi:
            return index
    if start == end and bounds and start == bounds[-1][1]:
        return len(bounds) - 1
    return None


def value_edits(old: str, new: str) -> list[tuple[int, int, str]]:
    """Word-level diff: (start, end, replacement) in ``old`` coordinates, left to right.

    Applied right to left to ``old``, the edits give ``new``.

    A long text (a module docstring of a hundred kilobytes) is diffed by lines first and by
    words only inside the changed lines: a word diff of the whole costs minutes there.
    """
    if len(old) <= _LONG_TEXT:
        return _word_edits(old, new)
    old_lines = old.splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    old_offsets = _offsets(old_lines)
    new_offsets = _offsets(new_lines)
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    edits = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        base = old_offsets[i1]
        old_block, new_block = old[base : old_offsets[i2]], new[new_offsets[j1] : new_offsets[j2]]
        inner = _word_edits(old_block, new_block, long=len(old_block) > _LONG_TEXT)
        edits += [(base + start, base + end, text) for start, end, text in inner]
    return edits


def _word_edits(old: str, new: str, *, long: bool = False) -> list[tuple[int, int, str]]:
    """:func:`value_edits` by words over the whole of both texts.

    ``long``: a long run without line breaks (minified code): the words both sides start
    and end with are set aside, and difflib's heuristic for frequent words is on, so the
    cost stays near linear.
    """
    old_tokens = _TOKEN_RE.findall(old)
    new_tokens = _TOKEN_RE.findall(new)
    shorter = min(len(old_tokens), len(new_tokens))
    head = tail = 0
    while long and head < shorter and old_tokens[head] == new_tokens[head]:
        head += 1
    while long and tail < shorter - head and old_tokens[-1 - tail] == new_tokens[-1 - tail]:
        tail += 1
    old_offsets = _offsets(old_tokens)
    new_offsets = _offsets(new_tokens)
    matcher = difflib.SequenceMatcher(
        None,
        old_tokens[head : len(old_tokens) - tail],
        new_tokens[head : len(new_tokens) - tail],
        autojunk=long,
    )
    edits = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            start, end = old_offsets[head + i1], old_offsets[head + i2]
            edits.append((start, end, new[new_offsets[head + j1] : new_offsets[head + j2]]))
    return edits


def _offsets(tokens: list[str]) -> list[int]:
    offsets = [0]
    for token in tokens:
        offsets.append(offsets[-1] + len(token))
    return offsets


def _split(literal: str) -> tuple[str, str, str] | None:
    """(prefix, quote, body) of a plain string literal; None for f/b/t-strings."""
    match = _PREFIX_RE.match(literal)
    if match is None:
        return None
    prefix, quote = match["prefix"], match["quote"]
    if set(prefix.lower()) - {"r", "u"} or not literal.endswith(quote):
        return None
    body = literal[match.end() : len(literal) - len(quote)]
    if len(literal) < len(prefix) + 2 * len(quote):
        return None
    return prefix, quote, body


def _apply_edits(literal: str, value: str, edits: list[tuple[int, int, str]]) -> str | None:
    split = _split(literal)
    if split is None:
        return None
    prefix, quote, body = split
    raw = "r" in prefix.lower()
    new_value = value
    for start, end, text in reversed(edits):
        new_value = new_value[:start] + text + new_value[end:]
    spans = None if raw else _decode_spans(body)
    if raw or (spans is not None and "".join(c for c, _ in spans) == value):
        pieces: list[str] = []
        cursor = 0
        for start, end, text in edits:
            raw_start = _raw_position(spans, start, len(body))
            raw_end = _raw_end(spans, start, end, raw_start)
            spelled = _spell(text, quote, raw)
            if spelled is None:
                break
            pieces.append(body[cursor:raw_start])
            pieces.append(spelled)
            cursor = raw_end
        else:
            pieces.append(body[cursor:])
            candidate = prefix + quote + "".join(pieces) + quote
            if _evaluates_to(candidate, new_value):
                return candidate
    # Fall back to spelling the whole value afresh in the same quotes.
    spelled_all = _spell(new_value, quote, raw)
    if spelled_all is None:
        return None
    candidate = prefix + quote + spelled_all + quote
    return candidate if _evaluates_to(candidate, new_value) else None


def _raw_position(spans: list[tuple[str, tuple[int, int]]] | None, index: int, size: int) -> int:
    if spans is None:
        return index
    return spans[index][1][0] if index < len(spans) else size


def _raw_end(
    spans: list[tuple[str, tuple[int, int]]] | None, start: int, end: int, raw_start: int
) -> int:
    if end == start:
        return raw_start
    return end if spans is None else spans[end - 1][1][1]


def _evaluates_to(candidate: str, value: str) -> bool:
    try:
        return bool(ast.literal_eval(candidate) == value)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return False


def _spell(text: str, quote: str, raw: bool) -> str | None:
    """Spell ``text`` inside ``quote`` quotes; None if a raw string cannot hold it."""
    triple = len(quote) == 3
    if raw:
        if quote[0] in text or "\\" in text or (not triple and "\n" in text):
            return None
        return text
    out = []
    for char in text:
        if char == "\\":
            out.append("\\\\")
        elif char == quote[0]:
            out.append("\\" + char)
        elif char == "\n":
            out.append("\n" if triple else "\\n")
        elif char == "\t":
            out.append("\t")
        elif char in "\r\0" or (not char.isprintable() and char != " "):
            out.append(repr(char)[1:-1])
        else:
            out.append(char)
    return "".join(out)


def _decode_spans(body: str) -> list[tuple[str, tuple[int, int]]] | None:
    """Decode a non-raw literal body: each value character with its span in ``body``."""
    spans: list[tuple[str, tuple[int, int]]] = []
    i = 0
    size = len(body)
    while i < size:
        char = body[i]
        if char != "\\" or i + 1 >= size:
            spans.append((char, (i, i + 1)))
            i += 1
            continue
        nxt = body[i + 1]
        if nxt == "\n":
            i += 2
        elif nxt == "\r":
            i += 3 if body[i + 2 : i + 3] == "\n" else 2
        elif nxt in _SIMPLE_ESCAPES:
            spans.append((_SIMPLE_ESCAPES[nxt], (i, i + 2)))
            i += 2
        elif nxt in _OCTAL:
            end = i + 2
            while end < min(size, i + 4) and body[end] in _OCTAL:
                end += 1
            spans.append((chr(int(body[i + 1 : end], 8)), (i, end)))
            i = end
        elif nxt in _HEX_LENGTHS:
            end = i + 2 + _HEX_LENGTHS[nxt]
            try:
                spans.append((chr(int(body[i + 2 : end], 16)), (i, end)))
            except ValueError:
                return None
            i = end
        elif nxt == "N" and body[i + 2 : i + 3] == "{":
            close = body.find("}", i + 3)
            if close < 0:
                return None
            try:
                spans.append((unicodedata.lookup(body[i + 3 : close]), (i, close + 1)))
            except KeyError:
                return None
            i = close + 1
        else:
            # An unknown escape keeps its backslash.
            spans.append(("\\", (i, i + 1)))
            i += 1
    return spans


def bytes_text(literal: str) -> str | None:
    """The ASCII text of a bytes literal (``b"import flask"``), or None.

    None for anything else: a str literal, bytes with non-ASCII values, or a body that
    uses ``\\u``/``\\N`` (which would mean something else in a str literal).
    """
    split = _split_bytes(literal)
    if split is None:
        return None
    try:
        value = ast.literal_eval(literal)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    if not isinstance(value, bytes) or not value.isascii():
        return None
    return value.decode("ascii")


def rewrite_bytes_literal(literal: str, new_text: str) -> str | None:
    """Re-spell a bytes literal so that its value is ``new_text`` encoded as ASCII.

    The literal is edited as the str literal with the same body (the ``b`` dropped), then
    checked. Returns None when that cannot be made exact (non-ASCII text, say).
    """
    split = _split_bytes(literal)
    if split is None or not new_text.isascii():
        return None
    prefix, rest = split
    new_str = rewrite_literal(prefix + rest, new_text)
    if new_str is None:
        return None
    original_prefix = literal[: len(literal) - len(rest)]
    candidate = original_prefix + new_str[len(prefix) :]
    try:
        return candidate if ast.literal_eval(candidate) == new_text.encode("ascii") else None
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None


def _split_bytes(literal: str) -> tuple[str, str] | None:
    """(prefix without ``b``, rest) of a bytes literal whose body reads the same as str."""
    match = _PREFIX_RE.match(literal)
    if match is None or "b" not in match["prefix"].lower():
        return None
    prefix = match["prefix"].replace("b", "").replace("B", "")
    rest = literal[len(match["prefix"]) :]
    raw = "r" in prefix.lower()
    if not raw and ("\\u" in rest or "\\U" in rest or "\\N" in rest):
        return None
    return prefix, rest
