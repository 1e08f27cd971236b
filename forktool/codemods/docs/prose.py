"""Conservative renaming of references in prose: docs, README, comments, docstrings.

Only what is clearly a reference to the Python package (or a renamed symbol) changes:

- qualified names: ``flask.json``, ``flask.Flask.route``, ``~flask.Flask`` in Sphinx roles
  (symbols too: ``flask.Flask`` -> ``framework.Framework`` when ``flask.Flask`` is renamed);
- import statements: ``import flask``, ``from flask.json import provider`` (also in doctests
  and in shell one-liners such as ``python -c "import flask"``), and renamed symbols in the
  imported names (``from flask import Flask`` -> ``from framework import Framework``);
- Sphinx targets naming the bare package: ``:mod:`flask```, ``.. automodule:: flask``,
  ``.. currentmodule:: flask``;
- Sphinx Python-domain roles and object directives naming a renamed symbol without its
  module (``:class:`Flask```, ``.. autoclass:: Flask``), resolved against the current
  module (the last ``.. module::``/``.. currentmodule::``, or the module whose docstring
  it is), its parent packages, then the old top-level packages;
- ``python -m flask`` (and ``mypy -p``, ``pytest --pyargs``, ``--verifytypes``,
  ``--source``, ``--cov``); from ````flask````, the ````flask```` module (or package);
- paths into the package: ``src/flask``, ``src/flask/*.py``, ``flask/app.py``;
- distribution look-ups written out: ``importlib.metadata.version("flask")`` (the new
  distribution name).

Product-name prose ("Flask"), command lines (``flask run``, see
:mod:`forktool.codemods.docs.command_lines`), URLs (``https://flask.palletsprojects.com``,
``github.com/pallets/flask``), host names and keep-listed strings stay; the leftover report
lists them.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence

from forktool.codemods.names import (
    old_packages,
    rename_dist,
    rename_module,
    rename_symbol_path,
)
from forktool.model import RenameMap

#: A text edit: (start, end, replacement), offsets into the original text.
Edit = tuple[int, int, str]

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
        re.compile(rf":(?:py:)?{_PY_ROLES}:`(?:[^`<\n]*<)?[~!]?\.?(?P<mod>{module})>?`"),
        # .. automodule:: flask / .. currentmodule:: flask
        re.compile(
            rf"(?m)^[ \t]*\.\.[ \t]+(?:py:)?(?:auto)?(?:module|currentmodule)::[ \t]+"
            rf"(?P<mod>{module})\b",
        ),
        # python -m flask; mypy -p flask; pytest --pyargs flask; pyright --verifytypes flask
        re.compile(rf"(?<=-m )(?P<mod>{module})(?![\w.-])"),
        re.compile(
            r"(?:(?<=\s)|^)(?:-p|--package|--pyargs|--verifytypes|--source|--cov)[ =]"
            rf"(?P<mod>{module})(?![\w.-])"
        ),
        # paths into the package: src/flask, src/flask/*.py, flask/app.py
        re.compile(rf"(?<![\w./\-@:~$])src/(?P<mod>{alternatives})(?![\w.-])"),
        re.compile(rf"(?<![\w./\-@:~$])(?P<mod>{alternatives})(?=/[\w/.*-]*\.pyi?\b)"),
        # logging.config's ext://flask.logging.wsgi_errors_stream names an importable object
        re.compile(rf"(?<=ext://)(?P<mod>{module})"),
        # from ``flask``, import ``flask``; the ``flask`` module / package
        re.compile(rf"\b(?:from|import)[ \t]+``(?P<mod>{module})``"),
        re.compile(rf"``(?P<mod>{module})``[ \t]*\n?[ \t]*(?:module|package|namespace)\b"),
    )


_DIST_LOOKUP_RE = re.compile(
    r"\b(?:version|distribution|requires|files|metadata|get_distribution)\([ \t]*"
    r"(?P<q>[\"'])(?P<dist>[A-Za-z0-9][A-Za-z0-9._-]*)(?P=q)[ \t]*\)"
)
_IMPORTED_RE = re.compile(
    rf"(?P<name>{_IDENT})(?:[ \t]+as[ \t]+{_IDENT})?(?P<sep>[ \t]*,[ \t]*|[ \t]*\)?[ \t]*$)"
)
_ROLE_TARGET_RE = re.compile(
    rf":(?:py:)?{_PY_ROLES}:`(?:[^`<\n]*<)?[~!]?\.?(?P<target>{_IDENT}(?:\.{_IDENT})*)>?`"
)
_OBJECT_DIRECTIVE_RE = re.compile(
    r"(?m)^[ \t]*\.\.[ \t]+(?:py:)?(?:auto)?"
    r"(?:class|function|method|attribute|data|exception|decorator|property)::[ \t]+"
    rf"(?P<target>{_IDENT}(?:\.{_IDENT})*)"
)
_CONTEXT_RE = re.compile(
    r"(?m)^[ \t]*\.\.[ \t]+(?:py:)?(?:module|currentmodule)::[ \t]+"
    rf"(?P<mod>{_IDENT}(?:\.{_IDENT})*)"
)


def protected_spans(text: str) -> list[tuple[int, int]]:
    """Spans of ``text`` that must never change: URLs, web and e-mail addresses."""
    return [match.span() for match in _PROTECTED_RE.finditer(text)]


def rename_references(text: str, rename: RenameMap, *, module: str | None = None) -> str:
    """Rename clear references to an old package (or renamed symbol) inside prose.

    Args:
        text: any text: a whole document, a comment, a docstring's value.
        rename: the rename map.
        module: the module a docstring belongs to (old namespace), for roles naming a
            symbol without its module; None for documents.

    Returns:
        The text with references renamed; everything else byte for byte. Never raises.
    """
    return apply_edits(text, reference_edits(text, rename, module=module))


def reference_edits(
    text: str,
    rename: RenameMap,
    *,
    module: str | None = None,
    protected: Sequence[tuple[int, int]] = (),
) -> list[Edit]:
    """The edits :func:`rename_references` makes, skipping ``protected`` spans.

    Returns:
        Non-overlapping ``(start, end, replacement)`` edits in text order.
    """
    olds = old_packages(rename)
    if not olds or not _may_mention(text, rename, olds):
        return []
    protected = [*protected_spans(text), *protected]
    edits: list[Edit] = []
    for pattern in _patterns(olds):
        for match in pattern.finditer(text):
            start, end = match.span("mod")
            dotted = text[start:end]
            if _overlaps(start, end, protected):  # host names: rename_module decides
                continue
            if match.group().startswith("import") and _FROM_BEFORE_RE.search(
                text, text.rfind("\n", 0, match.start()) + 1, match.start()
            ):
                continue
            new = rename_module(dotted, rename)
            if new is not None:
                edits.append((start, end, new))
    for match in _DIST_LOOKUP_RE.finditer(text):
        start, end = match.span("dist")
        new_dist = rename_dist(match["dist"], rename)
        if new_dist is not None and not _overlaps(start, end, protected):
            edits.append((start, end, new_dist))
    if rename.symbols:
        edits.extend(_imported_symbol_edits(text, rename, olds, protected))
        edits.extend(_unqualified_target_edits(text, rename, module, protected))
    return _non_overlapping(edits)


def _may_mention(text: str, rename: RenameMap, olds: tuple[str, ...]) -> bool:
    if any(old in text for old in olds):
        return True
    lowered = text.lower()
    if any(dist.lower() in lowered for dist in rename.distributions):
        return True
    return any(qualified.rsplit(".", 1)[1] in text for qualified in rename.symbols)


def _overlaps(start: int, end: int, spans: Iterable[tuple[int, int]]) -> bool:
    return any(s < end and start < e for s, e in spans)


def _imported_symbol_edits(
    text: str, rename: RenameMap, olds: tuple[str, ...], protected: list[tuple[int, int]]
) -> list[Edit]:
    """``from flask import Flask, g``: the imported names that are renamed symbols."""
    edits: list[Edit] = []
    for match in _patterns(olds)[0].finditer(text):
        module = match["mod"]
        position = match.end()
        line_end = text.find("\n", position)
        line_end = len(text) if line_end < 0 else line_end
        while position < line_end and text[position] in " \t(":
            position += 1
        while position < line_end:
            item = _IMPORTED_RE.match(text, position, line_end)
            if item is None:
                break
            start, end = item.span("name")
            new = rename.symbols.get(f"{module}.{item['name']}")
            if new is not None and not _overlaps(start, end, protected):
                edits.append((start, end, new))
            position = item.end()
    return edits


def _unqualified_target_edits(
    text: str, rename: RenameMap, module: str | None, protected: list[tuple[int, int]]
) -> list[Edit]:
    """``:class:`Flask``` / ``.. autoclass:: Flask`` under a module that has the symbol."""
    contexts = [(match.start(), match["mod"]) for match in _CONTEXT_RE.finditer(text)]
    tops = tuple(dict.fromkeys(old.split(".")[0] for old in rename.packages))
    edits: list[Edit] = []
    for pattern in (_ROLE_TARGET_RE, _OBJECT_DIRECTIVE_RE):
        for match in pattern.finditer(text):
            start, end = match.span("target")
            target = match["target"]
            if target.split(".")[0] in tops or _overlaps(start, end, protected):
                continue
            current = module
            for position, name in contexts:
                if position < start:
                    current = name
            new = resolve_symbol(target, current, rename)
            if new is not None:
                edits.append((start, end, new))
    return edits


def resolve_symbol(target: str, module: str | None, rename: RenameMap) -> str | None:
    """Rename a dotted target written without its module (``Flask.run``), or None.

    It is looked up in ``module``, then each of its parent packages, then each old
    top-level package; the first place where ``<place>.<target>`` runs through a renamed
    symbol wins (``Flask.run`` -> ``Framework.run``).
    """
    places: list[str] = []
    if module:
        parts = module.split(".")
        places.extend(".".join(parts[:size]) for size in range(len(parts), 0, -1))
    places.extend(old.split(".")[0] for old in rename.packages)
    for place in dict.fromkeys(places):
        qualified = f"{place}.{target}"
        renamed = rename_symbol_path(qualified, rename)
        if renamed != qualified and renamed.startswith(place + "."):
            return renamed[len(place) + 1 :]
    return None


def rename_text(source: str, rename: RenameMap) -> str:
    """The codemod for plain text files (``.rst``, ``.md``, ``.txt``, ``.html``, ...).

    Same rules as :func:`rename_references`, applied to the whole file.
    """
    return rename_references(source, rename)


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """Apply edits to ``text``; where two overlap the earlier-starting one wins."""
    kept = _non_overlapping(edits)
    if not kept:
        return text
    out: list[str] = []
    cursor = 0
    for start, end, new in kept:
        out.append(text[cursor:start])
        out.append(new)
        cursor = end
    out.append(text[cursor:])
    return "".join(out)


def _non_overlapping(edits: Iterable[Edit]) -> list[Edit]:
    kept: list[Edit] = []
    cursor = 0
    for start, end, new in sorted(edits, key=lambda edit: (edit[0], -edit[1])):
        if start < cursor or (kept and start == kept[-1][0] and end == kept[-1][1]):
            continue
        kept.append((start, end, new))
        cursor = max(cursor, end)
    return kept
