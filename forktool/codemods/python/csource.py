"""C and C++ sources of extension modules (``_speedups.c``): module paths in string literals.

An extension module names Python modules in C strings: its type names
(``"simplejson._speedups.Scanner"``), the modules it imports at load time
(``PyImport_ImportModule("simplejson.errors")``), its ``PyModuleDef`` name. A string
literal whose whole content is a module path under an old package is renamed; so is a
quoted ``#include "msgpack/sysdep.h"`` (or ``"../cffi/parse_c_type.h"``) of a header
inside the package directory, which moves with it (angle-bracket includes name system and
other projects' headers and stay). Every other string (messages, docstrings) and all
code and comments stay.
"""

from __future__ import annotations

import re

from forktool.codemods.names import rename_module
from forktool.codemods.paths import rename_path
from forktool.model import RenameMap

# A comment, a character literal, or a string literal (C strings stay on one line).
_TOKEN_RE = re.compile(
    r"//[^\n]*|/\*.*?\*/|'(?:[^'\\\n]|\\.)*'|\"(?P<body>(?:[^\"\\\n]|\\.)*)\"", re.DOTALL
)
# What precedes the file name of an ``#include "..."`` on its line.
_INCLUDE_RE = re.compile(r"[ \t]*#[ \t]*include[ \t]*")


def rename_c_source(source: str, rename: RenameMap) -> str:
    """The codemod for ``.c``/``.h``/``.cpp`` files.

    Args:
        source: the file's text.
        rename: the rename map.

    Returns:
        The text with module-path string literals renamed; never raises.
    """
    out: list[str] = []
    cursor = 0
    for match in _TOKEN_RE.finditer(source):
        body = match["body"]
        if body is None or "\\" in body:
            continue
        new = rename_module(body, rename)
        if _is_include(source, match.start()) and "/" in body:
            new = _include_path(body, rename)
        if new is not None and "." in body:
            start, end = match.span("body")
            out.append(source[cursor:start])
            out.append(new)
            cursor = end
    out.append(source[cursor:])
    return "".join(out)


def _include_path(path: str, rename: RenameMap) -> str | None:
    """The renamed ``#include`` path, or None. ``../cffi/x.h`` (from ``src/c/``) names the
    sibling package directory: the ``../`` steps are kept and the rest is renamed as a path
    from where packages live."""
    ups = ""
    while path.startswith("../"):
        ups, path = ups + "../", path[3:]
    new = rename_path(path, rename)
    return None if new == path else ups + new


def _is_include(source: str, quote: int) -> bool:
    """True when the string literal opening at ``quote`` is an ``#include`` file name."""
    line_start = source.rfind("\n", 0, quote) + 1
    return _INCLUDE_RE.fullmatch(source, line_start, quote) is not None
