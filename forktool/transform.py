"""Rename a whole release tree: move paths, run the codemod each file needs, list leftovers.

:func:`transform_file` is a top-level pure function of ``(path, entry, rename)`` so it can
run in a process pool and be cached by blob id; :func:`transform_tree` maps it over a tree
and assembles the :class:`~forktool.model.TransformResult`. Neither does I/O or raises for
one bad file: a file that cannot be transformed is carried over (through a conservative
text fallback where that is safe) and recorded in ``failures``.
"""

from __future__ import annotations

import dataclasses
import io
import posixpath
import tokenize
from collections.abc import Callable
from typing import NamedTuple

from forktool.codemods import inifile, packaging_files, pyproject, text
from forktool.codemods.leftovers import UNPARSEABLE, python_leftovers, text_leftovers
from forktool.codemods.names import old_name_needles
from forktool.codemods.paths import rename_path
from forktool.codemods.python import rename_python_bytes
from forktool.model import FileEntry, Leftover, RenameMap, TransformResult, Tree

Codemod = Callable[[str, RenameMap], str]

PYTHON_SUFFIXES = (".py", ".pyi", ".pyw")
TEXT_SUFFIXES = (
    ".rst",
    ".md",
    ".markdown",
    ".txt",
    ".html",
    ".htm",
    ".xml",
    ".jinja",
    ".jinja2",
    ".j2",
    ".toml",
    ".yml",
    ".yaml",
    ".json",
    ".pyx",
    ".pxd",
)
INI_NAMES = frozenset({"setup.cfg", "tox.ini", "pytest.ini", "mypy.ini", ".coveragerc", ".flake8"})
EGG_INFO_FILES: dict[str, Codemod] = {
    "top_level.txt": packaging_files.rename_top_level,
    "SOURCES.txt": packaging_files.rename_sources,
    "requires.txt": packaging_files.rename_requirements,
    "entry_points.txt": inifile.rename_entry_points_ini,
    "PKG-INFO": packaging_files.rename_pkg_info,
}


class FileOutcome(NamedTuple):
    """What happened to one file.

    Attributes:
        path: the file's path in the transformed tree.
        entry: the transformed file (the input entry itself when nothing changed).
        leftovers: old-name occurrences left in it.
        failure: why the file could not be transformed, or None.
    """

    path: str
    entry: FileEntry
    leftovers: tuple[Leftover, ...]
    failure: str | None


def codemod_for(path: str) -> Codemod | None:
    """Return the ``str -> str`` codemod for a non-Python file, or None to leave it as is."""
    name = posixpath.basename(path)
    parent = posixpath.basename(posixpath.dirname(path))
    suffix = posixpath.splitext(name)[1].lower()
    if parent.endswith(".egg-info"):
        return EGG_INFO_FILES.get(name, text.rename_text)
    if name == "pyproject.toml":
        return pyproject.rename_pyproject
    if name in ("PKG-INFO", "METADATA"):
        return packaging_files.rename_pkg_info
    if name == "entry_points.txt":
        return inifile.rename_entry_points_ini
    if name == "MANIFEST.in":
        return packaging_files.rename_manifest
    if suffix in (".txt", ".in") and (name.startswith("requirements") or parent == "requirements"):
        return packaging_files.rename_requirements
    if name in INI_NAMES or suffix in (".cfg", ".ini"):
        return inifile.rename_ini
    if suffix in TEXT_SUFFIXES:
        return text.rename_text
    return None


def transform_file(path: str, entry: FileEntry, rename: RenameMap) -> FileOutcome:
    """Transform one file: new path, new content, leftovers, failure.

    Args:
        path: the file's path in the input tree.
        entry: the file.
        rename: the rename map.

    Returns:
        A :class:`FileOutcome`. Never raises for a bad file: Python that does not parse,
        bytes that do not decode, or a codemod error give the file unchanged (Python gets
        the conservative prose rules as a fallback) with ``failure`` set.
    """
    new_path = rename_path(path, rename)
    if entry.symlink:
        target = entry.data.decode("utf-8", "replace")
        return FileOutcome(new_path, entry, tuple(text_leftovers(new_path, target, rename)), None)
    lowered = entry.data.lower()
    if not any(needle.encode() in lowered for needle in old_name_needles(rename)):
        return FileOutcome(new_path, entry, (), None)
    if path.endswith(PYTHON_SUFFIXES):
        return _python_file(new_path, entry, rename)
    codemod = codemod_for(path)
    try:
        source = _decode_text(entry.data)
    except ValueError as error:
        failure = None if codemod is None else f"not UTF-8 text: {error}"
        return FileOutcome(new_path, entry, (), failure)
    if codemod is None:
        return FileOutcome(new_path, entry, tuple(text_leftovers(new_path, source, rename)), None)
    try:
        new_source = codemod(source, rename)
    except Exception as error:  # one file's codemod failing must not fail the run
        leftovers = text_leftovers(new_path, source, rename, reason=UNPARSEABLE)
        return FileOutcome(new_path, entry, tuple(leftovers), _describe(error))
    new_entry = _with_data(entry, new_source.encode("utf-8"))
    return FileOutcome(
        new_path, new_entry, tuple(text_leftovers(new_path, new_source, rename)), None
    )


def _python_file(path: str, entry: FileEntry, rename: RenameMap) -> FileOutcome:
    try:
        if b"\0" in entry.data:
            raise ValueError("NUL bytes in Python source")
        data = rename_python_bytes(entry.data, rename)
        source = data.decode(tokenize.detect_encoding(io.BytesIO(data).readline)[0])
    except Exception as error:  # Python 2 syntax, bad encoding, or a codemod bug
        return _python_fallback(path, entry, rename, _describe(error))
    leftovers = tuple(python_leftovers(path, source, rename))
    return FileOutcome(path, _with_data(entry, data), leftovers, None)


def _python_fallback(path: str, entry: FileEntry, rename: RenameMap, failure: str) -> FileOutcome:
    """Unparseable Python: the prose rules (imports, qualified names) on its text, if it decodes."""
    try:
        source = _decode_text(entry.data)
    except ValueError:
        return FileOutcome(path, entry, (), failure)
    new_source = text.rename_references(source, rename)
    leftovers = python_leftovers(path, new_source, rename, reason=UNPARSEABLE)
    return FileOutcome(
        path, _with_data(entry, new_source.encode("utf-8")), tuple(leftovers), failure
    )


def _decode_text(data: bytes) -> str:
    """UTF-8 text without NUL bytes; ValueError (incl. UnicodeDecodeError) otherwise."""
    source = data.decode("utf-8")
    if "\0" in source:
        raise ValueError("NUL bytes")
    return source


def _with_data(entry: FileEntry, data: bytes) -> FileEntry:
    if data == entry.data:
        return entry
    return FileEntry(data=data, executable=entry.executable, symlink=entry.symlink)


def _describe(error: BaseException) -> str:
    first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {first_line}" if first_line else type(error).__name__


def transform_tree(tree: Tree, rename: RenameMap) -> TransformResult:
    """Rename a whole source tree.

    Args:
        tree: relative POSIX path -> file, e.g. an upstream release.
        rename: the rename map.

    Returns:
        The transformed tree (every input file present once, moved and/or rewritten), the
        leftovers sorted by path and line, and ``failures`` (path in the output tree ->
        reason) for files carried over without a complete transform. Two files that would
        land on the same path (``src/flask/x.py`` and an existing ``src/framework/x.py``)
        keep their original paths and are listed in ``failures``. Never raises for one file.
    """
    outcomes = {path: transform_file(path, entry, rename) for path, entry in tree.items()}
    claims: dict[str, list[str]] = {}
    for path, outcome in outcomes.items():
        claims.setdefault(outcome.path, []).append(path)
    new_tree: dict[str, FileEntry] = {}
    failures: dict[str, str] = {}
    leftovers: list[Leftover] = []
    for path, outcome in sorted(outcomes.items()):
        target = outcome.path
        if len(claims[target]) > 1 and target != path:
            others = ", ".join(p for p in claims[target] if p != path)
            failures[path] = f"not moved to {target}: it would replace {others}"
            target = path
        new_tree[target] = outcome.entry
        if outcome.failure is not None:
            failures[target] = outcome.failure
        leftovers.extend(
            leftover if leftover.path == target else dataclasses.replace(leftover, path=target)
            for leftover in outcome.leftovers
        )
    leftovers.sort(key=lambda item: (item.path, item.line, item.kind, item.text))
    return TransformResult(tree=new_tree, leftovers=tuple(leftovers), failures=failures)
