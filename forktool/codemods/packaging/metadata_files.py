"""Small packaging files: requirements lists, ``MANIFEST.in``, ``PKG-INFO`` and egg-info.

Each function is ``str -> str``, edits line by line and never raises.
"""

from __future__ import annotations

import re

from forktool.codemods import names
from forktool.codemods.docs.documents import rename_document
from forktool.codemods.paths import rename_path
from forktool.model import RenameMap

_COMMENT_RE = re.compile(r"(?P<body>.*?)(?P<comment>(?:^|\s+)#.*)?", re.DOTALL)
_HEADER_RE = re.compile(r"(?P<name>[A-Za-z][A-Za-z0-9-]*)(?P<sep>:[ \t]*)(?P<value>.*)", re.DOTALL)
# pip-compile annotations: ``# via flask``, ``# via`` then ``#   flask`` per line.
_VIA_RE = re.compile(r"\s*#\s+via(?:\s+(?P<name>[A-Za-z0-9][\w.-]*)(?:\s+\(.*\))?)?\s*")
_VIA_ITEM_RE = re.compile(r"\s*#\s{2,}(?P<name>[A-Za-z0-9][\w.-]*)(?:\s+\(.*\))?\s*")
_MANIFEST_PATH_COMMANDS = frozenset({"include", "exclude", "graft", "prune"})
_MANIFEST_DIR_COMMANDS = frozenset({"recursive-include", "recursive-exclude"})


def _lines(source: str) -> list[tuple[str, str]]:
    """Split into (line without end-of-line, end-of-line) pairs."""
    out = []
    for line in source.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        out.append((body, line[len(body) :]))
    return out


def rename_requirements(source: str, rename: RenameMap) -> str:
    """The codemod for ``requirements*.txt`` / ``*.in`` and egg-info ``requires.txt``.

    Requirement lines naming an old distribution get the new name; options (``-r``,
    ``-e``, ``--hash``), URLs and ``[extra]`` headers stay. Comments stay too, except
    pip-compile's annotations, which name distributions (``# via flask``, and the
    ``#   flask`` lines under a bare ``# via``).
    """
    out = []
    in_via = False
    for body, eol in _lines(source):
        match = _COMMENT_RE.fullmatch(body)
        assert match is not None  # the pattern matches any line
        requirement = match["body"]
        stripped = requirement.strip()
        new = None
        if stripped and not stripped.startswith(("-", "[")) and "://" not in stripped:
            new = names.rename_requirement(requirement, rename)
        comment = match["comment"] or ""
        via = _VIA_RE.fullmatch(comment) or (_VIA_ITEM_RE.fullmatch(comment) if in_via else None)
        if via is not None and via["name"]:
            new_name = names.rename_dist(via["name"], rename)
            if new_name is not None:
                comment = comment[: via.start("name")] + new_name + comment[via.end("name") :]
        in_via = (via is not None and not via["name"]) or (in_via and via is not None)
        out.append((new or requirement) + comment + eol)
    return "".join(out)


def rename_manifest(source: str, rename: RenameMap) -> str:
    """The codemod for ``MANIFEST.in``: path arguments follow the package move.

    ``graft src/flask`` -> ``graft src/framework``; for ``recursive-include`` only the
    directory argument is a path (the rest are file patterns).
    """
    out = []
    for body, eol in _lines(source):
        words = re.split(r"(\s+)", body)
        command = words[0] if words else ""
        if command in _MANIFEST_PATH_COMMANDS:
            words = [command] + [_path_word(word, rename) for word in words[1:]]
        elif command in _MANIFEST_DIR_COMMANDS and len(words) > 2:
            words = [command, words[1], _path_word(words[2], rename), *words[3:]]
        out.append("".join(words) + eol)
    return "".join(out)


def _path_word(word: str, rename: RenameMap) -> str:
    return word if not word.strip() else rename_path(word, rename)


def rename_pkg_info(source: str, rename: RenameMap) -> str:
    """The codemod for core metadata (``PKG-INFO``, ``METADATA``).

    ``Name`` gets the new distribution name, ``Requires-Dist`` the renamed requirements,
    ``Import-Name`` / ``Import-Namespace`` (metadata 2.5) the renamed modules;
    the long description (the README) is documentation
    (:func:`forktool.codemods.docs.documents.rename_document`), whether it follows the headers
    or, in older metadata, is the indented continuation of a ``Description:`` header.
    """
    head, separator, description = source.partition("\n\n")
    out = []
    lines = _lines(head + ("\n" if separator else ""))
    index = 0
    while index < len(lines):
        body, eol = lines[index]
        index += 1
        match = _HEADER_RE.fullmatch(body)
        if match is not None and match["name"].lower() == "description":
            end = index
            while end < len(lines) and lines[end][0][:1] in (" ", "\t"):
                end += 1
            out.append(_description_header(match, lines[index:end], eol, rename))
            index = end
            continue
        if match is not None and match["name"].lower() == "name":
            new = names.rename_dist(match["value"].strip(), rename)
            body = body if new is None else match["name"] + match["sep"] + new
        elif match is not None and match["name"].lower() in ("requires-dist", "provides-dist"):
            new = names.rename_requirement(match["value"], rename)
            body = body if new is None else match["name"] + match["sep"] + new
        elif match is not None and match["name"].lower() in ("import-name", "import-namespace"):
            new = names.rename_import_name(match["value"], rename)  # metadata 2.5, PEP 794
            body = body if new is None else match["name"] + match["sep"] + new
        out.append(body + eol)
    renamed_head = "".join(out)
    if separator:
        renamed_head = renamed_head[:-1]
    return renamed_head + separator + rename_document(description, rename)


def _description_header(
    header: re.Match[str], continuation: list[tuple[str, str]], eol: str, rename: RenameMap
) -> str:
    """``Description: ...`` with its indented continuation lines, renamed as a document."""
    indent = "        "
    texts = [header["value"]] + [
        body[len(indent) :] if body.startswith(indent) else body.strip() for body, _ in continuation
    ]
    new_texts = rename_document("\n".join(texts), rename).split("\n")
    if len(new_texts) != len(texts):
        new_texts = texts
    out = [header["name"] + header["sep"] + new_texts[0] + eol]
    for (body, line_eol), old, new in zip(continuation, texts[1:], new_texts[1:], strict=True):
        out.append((body if new == old else indent + new) + line_eol)
    return "".join(out)


def rename_top_level(source: str, rename: RenameMap) -> str:
    """The codemod for egg-info ``top_level.txt``: one top-level module per line."""
    return "".join(
        (names.rename_module(body.strip(), rename) or body) + eol for body, eol in _lines(source)
    )


def rename_sources(source: str, rename: RenameMap) -> str:
    """The codemod for egg-info ``SOURCES.txt``: one path per line."""
    return "".join(rename_path(body, rename) + eol for body, eol in _lines(source))


def rename_ignore_file(source: str, rename: RenameMap) -> str:
    """The codemod for ``.gitignore``-style files: lines that are paths (they hold a
    ``/``; ``!`` negations too) follow the package, e.g. ``src/flask/_version.py``. Bare
    names and comments stay: ``flask`` alone matches any file of that name anywhere."""
    out = []
    for body, eol in _lines(source):
        negation = "!" if body.startswith("!") else ""
        pattern = body[len(negation) :]
        if "/" in pattern and not pattern.lstrip().startswith("#"):
            body = negation + rename_path(pattern, rename)
        out.append(body + eol)
    return "".join(out)
