"""Module names in escaped and encoded forms, and in Python's own renderings of modules.

Two things a string's plain rules would miss:

- **repr renderings of modules** (:func:`rename_module_reprs`): Python names a module in
  quotes in a few fixed shapes, and a bare package name there is a module name too:
  ``<module 'flask' from '.../flask/__init__.py'>`` (the file's package folder follows),
  a ``sys.modules`` entry printed as ``'flask': <module 'flask' ...>``,
  ``No module named 'flask'``, ``cannot import name 'X' from 'flask' (<file>)``,
  ``module 'flask' has no attribute 'X'`` (the first and the last also unquoted, as
  Python 2 and libraries that word their own messages like Python's write them);
- **escaped renderings** (:func:`rename_escaped`): a string whose value is HTML-escaped
  (``&#x27;flask&#x27;: &lt;module &#x27;flask&#x27; ...``: entities such as ``&#x27;``,
  ``&#39;``, ``&quot;``, ``&amp;``, ``&lt;``) or holds backslash escapes as text (JSON or a
  repr inside a string: ``{\\"logger\\": \\"flask\\"}``, ``\\u0027flask\\u0027``,
  ``\\'flask\\'``) is unescaped, renamed by the plain rules, and the names changed are put
  back in place: every other character keeps its spelling, escaped or not.

The plain rules decide alone: a bare ``flask`` in escaped prose stays as it would in plain
prose. An edit that would need escaping itself (a quote, ``&``, ``<``, a backslash) or that
cuts an escape in two falls back to the plain rules on the text as written.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from forktool.codemods import names
from forktool.codemods.python.literals import value_edits
from forktool.model import RenameMap

# --- repr renderings of modules ------------------------------------------------------------

_NAME = r"[A-Za-z_][\w.]*"
#: ``<module 'flask'``, maybe ``from '<file>'``, maybe after the same name as a dict key.
_MODULE_REPR_RE = re.compile(
    rf"(?:(?P<kq>['\"])(?P<key>{_NAME})(?P=kq): )?"
    rf"<module (?P<q>['\"])(?P<name>{_NAME})(?P=q)"
    r"(?: from (?P<fq>['\"])(?P<file>[^'\"<>]*)(?P=fq))?"
)
#: Python's messages that name a module in quotes (or without, as Python 2 and libraries
#: that copy the message word for word write it: ``module acme has no attribute X``).
_MESSAGE_RES = (
    re.compile(rf"No module named (?P<q>['\"]?)(?P<name>{_NAME})(?P=q)"),
    re.compile(
        rf"cannot import name (['\"]){_NAME}\1 from (?P<q>['\"])(?P<name>{_NAME})(?P=q)"
        r"(?: \((?P<file>[^()'\"<>]*)\))?"
    ),
    re.compile(
        rf"(?:^|(?<=: )|(?<=[\n'\"(]))module (?P<q>['\"]?)(?P<name>{_NAME})(?P=q) has no attribute"
    ),
)

Edit = tuple[int, int, str]


def rename_module_reprs(text: str, rename: RenameMap) -> str:
    """Rename the modules Python's renderings name in ``text`` (see the module docstring).

    Args:
        text: a string's value.
        rename: the rename map; keep-listed names stay.

    Returns:
        ``text`` with those module names (and a module repr's file path, when it ends in
        the module's own path) renamed; ``text`` itself when none is an old package's.
        Never raises.
    """
    edits: list[Edit] = []
    for match in _MODULE_REPR_RE.finditer(text):
        name = match["name"]
        new = names.rename_module(name, rename, known=True)
        if new is None:
            continue
        edits.append((match.start("name"), match.end("name"), new))
        if match["key"] == name:  # pprint of sys.modules: the key is the module's name
            edits.append((match.start("key"), match.end("key"), new))
        if match["file"]:
            new_file = _module_file(match["file"], name, new)
            if new_file is not None:
                edits.append((match.start("file"), match.end("file"), new_file))
    for pattern in _MESSAGE_RES:
        for match in pattern.finditer(text):
            name = match["name"]
            new = names.rename_module(name, rename, known=True)
            if new is None:
                continue
            edits.append((match.start("name"), match.end("name"), new))
            file = match.groupdict().get("file")
            new_file = _module_file(file, name, new) if file else None
            if new_file is not None:
                edits.append((match.start("file"), match.end("file"), new_file))
    return _apply(text, edits)


def _module_file(path: str, module: str, new_module: str) -> str | None:
    """``.../flask/app.py`` of module ``flask.app`` -> ``.../framework/app.py``.

    The folders (and a single module's file name) that spell the module are renamed, only
    when the path ends with them and the new name has as many parts.
    """
    old_parts, new_parts = module.split("."), new_module.split(".")
    if len(old_parts) != len(new_parts):
        return None
    separator = "\\" if "\\" in path and "/" not in path else "/"
    parts = path.split(separator)
    stem, dot, suffix = parts[-1].partition(".")
    if stem == "__init__":
        folders, spelled = parts[:-1], old_parts
    elif stem == old_parts[-1] and dot:
        folders, spelled = parts[:-1], old_parts[:-1]
    else:
        return None
    if spelled and folders[len(folders) - len(spelled) :] != spelled:
        return None
    kept = folders[: len(folders) - len(spelled)]
    if stem == "__init__":
        return separator.join([*kept, *new_parts, parts[-1]])
    return separator.join([*kept, *new_parts[:-1], new_parts[-1] + dot + suffix])


# --- escaped renderings --------------------------------------------------------------------

_HTML_RE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
#: Backslash escapes that show a string holds escaped text (not a regex or a path).
_BACKSLASH_SIGN_RE = re.compile(r"\\(?:u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|['\"])")
#: Backslash escapes decoded once the string is seen to hold them (``\b``, ``\f`` and any
#: other stay as written: in such text they are regex syntax more often than escapes).
_BACKSLASH_RE = re.compile(r"\\(?:u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|[\\'\"/nrt])")
_BACKSLASH_CHARS = {"\\": "\\", "'": "'", '"': '"', "/": "/", "n": "\n", "r": "\r", "t": "\t"}
#: Characters an edit may not introduce in each form (they would need escaping there).
_HTML_SPECIAL = frozenset("&<>\"'")
_BACKSLASH_SPECIAL = frozenset("\\'\"")
#: Nesting followed: HTML-escaped JSON, a repr inside a repr.
_MAX_DEPTH = 2

#: A character of decoded text and the span of ``text`` that spells it.
Spans = list[tuple[int, int]]


def rename_escaped(value: str, rename_plain: Callable[[str], str]) -> str:
    """Rename ``value`` with ``rename_plain``, reading through HTML and backslash escapes.

    Args:
        value: a string's value, e.g. ``"&#x27;flask&#x27;: &lt;module &#x27;flask&#x27;"``.
        rename_plain: the plain rules for a value (``str -> str``, must not raise).

    Returns:
        The renamed value, its escapes kept: ``rename_plain(value)`` when ``value`` holds
        no escapes, or when the names changed in the unescaped text cannot be put back.
    """
    new = _rename_decoded(value, rename_plain, _MAX_DEPTH)
    return rename_plain(value) if new is None else new


def _rename_decoded(value: str, rename_plain: Callable[[str], str], depth: int) -> str | None:
    """The value renamed through its escapes, or None when it holds none, nothing in the
    unescaped text changes, or the change cannot be put back."""
    if depth == 0:
        return None
    for decode, special in ((_decode_html, _HTML_SPECIAL), (_decode_backslash, _BACKSLASH_SPECIAL)):
        decoded = decode(value)
        if decoded is None:
            continue
        text, spans = decoded
        inner = _rename_decoded(text, rename_plain, depth - 1)
        new_text = rename_plain(text) if inner is None else inner
        if new_text == text:
            continue
        edits = _encode_edits(value, text, spans, value_edits(text, new_text), special)
        if edits is not None:
            return _apply(value, edits)
    return None


def _decode_html(value: str) -> tuple[str, Spans] | None:
    """HTML character references decoded (``html.unescape`` on each one); None when there
    is none."""
    return _decode(value, _HTML_RE, html.unescape, None)


def _decode_backslash(value: str) -> tuple[str, Spans] | None:
    """Backslash escapes decoded; None unless a quote or ``\\u``/``\\x`` escape shows the
    value holds escaped text."""
    return _decode(value, _BACKSLASH_RE, _backslash_char, _BACKSLASH_SIGN_RE)


def _backslash_char(escape: str) -> str:
    code = escape[1]
    if code in "ux":
        return chr(int(escape[2:], 16))
    return _BACKSLASH_CHARS[code]


def _decode(
    value: str,
    pattern: re.Pattern[str],
    decode: Callable[[str], str],
    sign: re.Pattern[str] | None,
) -> tuple[str, Spans] | None:
    if sign is not None and sign.search(value) is None:
        return None
    out: list[str] = []
    spans: Spans = []
    cursor = 0
    found = False
    for match in pattern.finditer(value):
        for index in range(cursor, match.start()):
            out.append(value[index])
            spans.append((index, index + 1))
        decoded = decode(match[0])
        found |= decoded != match[0]
        for char in decoded:  # one reference may stand for two characters
            out.append(char)
            spans.append(match.span())
        cursor = match.end()
    if not found:
        return None
    for index in range(cursor, len(value)):
        out.append(value[index])
        spans.append((index, index + 1))
    return "".join(out), spans


def _encode_edits(
    value: str, text: str, spans: Spans, edits: list[Edit], special: frozenset[str]
) -> list[Edit] | None:
    """Edits of the decoded ``text`` as edits of ``value``; None when one cannot be made
    without escaping (its new text holds a special or non-printable character) or starts
    or ends inside an escape."""
    out: list[Edit] = []
    for start, end, new in edits:
        if any(char in special or not char.isprintable() for char in new):
            return None
        if not (_at_boundary(spans, start) and _at_boundary(spans, end)):
            return None
        raw_start = spans[start][0] if start < len(text) else len(value)
        raw_end = spans[end - 1][1] if end > start else raw_start
        out.append((raw_start, raw_end, new))
    return out


def _at_boundary(spans: Spans, index: int) -> bool:
    """Whether decoded position ``index`` falls between two escapes (not inside one)."""
    return index == 0 or index >= len(spans) or spans[index - 1] != spans[index]


def _apply(text: str, edits: list[Edit]) -> str:
    """``text`` with non-overlapping edits applied (overlapping ones: the first wins)."""
    out: list[str] = []
    cursor = 0
    for start, end, new in sorted(edits):
        if start < cursor:
            continue
        out.append(text[cursor:start])
        out.append(new)
        cursor = end
    out.append(text[cursor:])
    return "".join(out)
