"""C and C++ sources of extension modules (``_speedups.c``): module paths in string literals.

An extension module names Python modules in C strings: its type names
(``"simplejson._speedups.Scanner"``), the modules it imports at load time
(``PyImport_ImportModule("simplejson.errors")``), its ``PyModuleDef`` name. A string
literal whose whole content is a module path under an old package is renamed; every other
string (messages, docstrings) and all code and comments stay.
"""

from __future__ import annotations

import re

from forktool.codemods.names import rename_module
from forktool.model import RenameMap

# A comment, a character literal, or a string literal (C strings stay on one line).
_TOKEN_RE = re.compile(
    r"//[^\n]*|/\*.*?\*/|'(?:[^'\\\n]|\\.)*'|\"(?P<body>(?:[^\"\\\n]|\\.)*)\"", re.DOTALL
)


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
        if new is not None and "." in body:
            start, end = match.span("body")
            out.append(source[cursor:start])
            out.append(new)
            cursor = end
    out.append(source[cursor:])
    return "".join(out)
