"""Conservative renaming of references in prose: docs, README, comments, docstrings.

Only what is clearly a reference to the Python package changes:

- qualified names: ``flask.json``, ``flask.Flask.route``, ``~flask.Flask`` in Sphinx roles;
- import statements: ``import flask``, ``from flask.json import provider`` (also in doctests
  and in shell one-liners such as ``python -c "import flask"``);
- Sphinx targets naming the bare package: ``:mod:`flask```, ``.. automodule:: flask``,
  ``.. currentmodule:: flask``;
- ``python -m flask``.

Product-name prose ("Flask"), command lines (``flask run``), URLs
(``https://flask.palletsprojects.com``, ``github.com/pallets/flask``), host names and
keep-listed strings stay; the leftover report lists them.
"""

from __future__ import annotations

import functools
import re

from forktool.codemods.names import is_host_name, old_packages, rename_module
from forktool.model import RenameMap

_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
_FROM_BEFORE_RE = re.compile(r"\bfrom[ \t]+[\w.]+[ \t]+$")
_PY_ROLES = r"(?:mod|module|class|func|meth|attr|data|exc|obj|const|type)"
_PROTECTED_RE = re.compile(
    r"(?<![A-Za-z0-9+.-])(?!ext://)[A-Za-z][A-Za-z0-9+.-]*://[^\s<>\"'`)\]]*"  # URLs
    r"|\bwww\.[^\s<>\"'`)\]]*"  # scheme-less web addresses
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # e-mail addresses
    r"|(?<![\w.])(?:[\w-]+\.)*(?:github|gitlab|bitbucket|pypi|readthedocs)\.\w+/[^\s<>\"'`)\]]*"
)


@functools.lru_cache(maxsize=64)
def _patterns(olds: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    alternatives = "|".join(re.escape(old) for old in olds)
    module = rf"(?:{alternatives})(?:\.{_IDENT})*"
    return (
        # from flask.json import x
        re.compile(rf"(?m)(?:(?<=[\s`;\"'(>])|^)from[ \t]+(?P<mod>{module})[ \t]+import\b"),
        # import flask / import flask.json as j (not the name in ``from x import flask``)
        re.compile(rf"(?m)(?:(?<=[\s`;\"'(>])|^)import[ \t]+(?P<mod>{module})(?![\w.])"),
        # qualified names, not part of a longer dotted word, path or address
        re.compile(rf"(?<![\w.\-/@\\$])(?P<mod>(?:{alternatives})(?:\.{_IDENT})+)(?![\w])"),
        # ... but a long dotted path in a URL path is still one (/docs/views/flask.app.Flask/)
        re.compile(rf"(?<=/)(?P<mod>(?:{alternatives})(?:\.{_IDENT}){{2,}})(?![\w])"),
        # :mod:`flask`, :mod:`~flask`, :mod:`the package <flask>` (Python-domain roles only:
        # :command:`flask` is the console script)
        re.compile(rf":(?:py:)?{_PY_ROLES}:`(?:[^`<\n]*<)?[~!]?(?P<mod>{module})>?`"),
        # .. automodule:: flask / .. currentmodule:: flask
        re.compile(
            rf"(?m)^[ \t]*\.\.[ \t]+(?:py:)?(?:auto)?(?:module|currentmodule)::[ \t]+"
            rf"(?P<mod>{module})\b",
        ),
        # python -m flask
        re.compile(rf"(?<=-m )(?P<mod>{module})(?![\w.-])"),
        # logging.config's ext://flask.logging.wsgi_errors_stream names an importable object
        re.compile(rf"(?<=ext://)(?P<mod>{module})"),
    )


def protected_spans(text: str) -> list[tuple[int, int]]:
    """Spans of ``text`` that must never change: URLs, web and e-mail addresses."""
    return [match.span() for match in _PROTECTED_RE.finditer(text)]


def rename_references(text: str, rename: RenameMap) -> str:
    """Rename clear references to an old package inside prose.

    Args:
        text: any text: a whole document, a comment, a docstring's value.
        rename: the rename map.

    Returns:
        The text with references renamed; everything else byte for byte. Never raises.
    """
    olds = old_packages(rename)
    if not olds or not any(old in text for old in olds):
        return text
    protected = protected_spans(text)
    edits: list[tuple[int, int, str]] = []
    for pattern in _patterns(olds):
        for match in pattern.finditer(text):
            start, end = match.span("mod")
            dotted = text[start:end]
            if is_host_name(dotted) or any(s < end and start < e for s, e in protected):
                continue
            if match.group().startswith("import") and _FROM_BEFORE_RE.search(
                text, text.rfind("\n", 0, match.start()) + 1, match.start()
            ):
                continue
            new = rename_module(dotted, rename)
            if new is not None:
                edits.append((start, end, new))
    return _apply(text, edits)


def rename_text(source: str, rename: RenameMap) -> str:
    """The codemod for plain text files (``.rst``, ``.md``, ``.txt``, ``.html``, ...).

    Same rules as :func:`rename_references`, applied to the whole file.
    """
    return rename_references(source, rename)


def _apply(text: str, edits: list[tuple[int, int, str]]) -> str:
    """Apply non-overlapping edits; where two overlap the earlier-starting one wins."""
    if not edits:
        return text
    out: list[str] = []
    cursor = 0
    for start, end, new in sorted(edits, key=lambda edit: (edit[0], -edit[1])):
        if start < cursor:
            continue
        out.append(text[cursor:start])
        out.append(new)
        cursor = end
    out.append(text[cursor:])
    return "".join(out)
