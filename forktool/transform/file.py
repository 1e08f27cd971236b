"""Rename one file: move its path, run the codemod it needs, list its leftovers.

:func:`transform_file` is a top-level pure function of ``(path, entry, rename)`` (the map
already expanded over the tree), so it can run in a worker process
(:mod:`forktool.transform.pool`) and be cached by blob id
(:mod:`forktool.transform.cache`); :func:`forktool.transform.tree.transform_tree` does both. It
does no I/O and never raises for one bad file: a file that cannot be transformed is carried
over (Python through the token-level fallback of :mod:`forktool.codemods.python.tokens`) and
recorded as a failure and as ``unparseable`` leftovers.

Which codemod a file gets is decided by its name: Python (also templates such as
``manage.py-tpl`` and ``#!``-python scripts), packaging and configuration files,
documentation, C sources of extension modules, other text; the members of an archive
(:mod:`forktool.codemods.archives`) get the same, archive and all repacked.
Prose and template files under ``tests/`` are test data and stay as they are.
"""

from __future__ import annotations

import io
import posixpath
import tokenize
from collections.abc import Callable
from typing import NamedTuple

from forktool.codemods.archives import MemberOutcome, is_archive, rewrite_archive
from forktool.codemods.docs import prose
from forktool.codemods.docs.documents import rename_document
from forktool.codemods.leftovers import KEPT, UNPARSEABLE, python_leftovers, text_leftovers
from forktool.codemods.names import old_name_needles
from forktool.codemods.packaging import ini, metadata_files, pyproject, uv_lock
from forktool.codemods.passes.module_parameters import file_evidence
from forktool.codemods.paths import rename_path
from forktool.codemods.python.codemod import (
    module_context,
    rename_python_bytes,
    rename_string_value,
)
from forktool.codemods.python.contexts import GENERIC
from forktool.codemods.python.csource import rename_c_source
from forktool.codemods.python.tokens import rename_python_tokens
from forktool.model import Evidence, FileEntry, Leftover, RenameMap

Codemod = Callable[[str, RenameMap], str]

PYTHON_SUFFIXES = (".py", ".pyi", ".pyw")
#: Python source under a template suffix (Django's ``manage.py-tpl``, cookiecutter files).
PYTHON_TEMPLATE_SUFFIXES = (
    ".py-tpl",
    ".py.tpl",
    ".py.tmpl",
    ".py_tmpl",
    ".py.j2",
    ".py.jinja",
    ".py.jinja2",
)
#: C/C++ sources of extension modules: module paths in their string literals.
C_SUFFIXES = (".c", ".h", ".cc", ".cpp", ".cxx", ".hpp")
#: Documentation: renamed with the docs rules, left alone entirely when ``docs`` is False.
DOC_SUFFIXES = (".rst", ".md", ".markdown", ".txt")
TEXT_SUFFIXES = (
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
_TEST_DIRS = frozenset({"tests", "test", "testing"})
INI_NAMES = frozenset({"setup.cfg", "tox.ini", "pytest.ini", "mypy.ini", ".coveragerc", ".flake8"})
EGG_INFO_FILES: dict[str, Codemod] = {
    "top_level.txt": metadata_files.rename_top_level,
    "SOURCES.txt": metadata_files.rename_sources,
    "requires.txt": metadata_files.rename_requirements,
    "entry_points.txt": ini.rename_entry_points_ini,
    "PKG-INFO": metadata_files.rename_pkg_info,
}


class FileOutcome(NamedTuple):
    """What happened to one file.

    Attributes:
        path: the file's path in the transformed tree.
        entry: the transformed file (the input entry itself when nothing changed).
        leftovers: old-name occurrences left in it.
        failure: why the file could not be transformed, or None.
        evidence: why module-name strings passed to the tree's functions were renamed or
            left (:func:`~forktool.codemods.passes.module_parameters.file_evidence`).
    """

    path: str
    entry: FileEntry
    leftovers: tuple[Leftover, ...]
    failure: str | None
    evidence: tuple[Evidence, ...] = ()


def codemod_for(path: str) -> Codemod | None:
    """Return the ``str -> str`` codemod for a non-Python file, or None to leave it as is."""
    name = posixpath.basename(path)
    parent = posixpath.basename(posixpath.dirname(path))
    suffix = posixpath.splitext(name)[1].lower()
    if parent.endswith(".egg-info") or parent == "EGG-INFO":  # ``EGG-INFO``: a zipped egg's
        return EGG_INFO_FILES.get(name, prose.rename_text)
    if parent.endswith(".dist-info") and name in EGG_INFO_FILES:  # a wheel's ``top_level.txt``
        return EGG_INFO_FILES[name]
    if name == "pyproject.toml":
        return pyproject.rename_pyproject
    if name == "uv.lock":
        return uv_lock.rename_uv_lock
    if name in ("PKG-INFO", "METADATA"):
        return metadata_files.rename_pkg_info
    if name == "entry_points.txt":
        return ini.rename_entry_points_ini
    if name == "MANIFEST.in":
        return metadata_files.rename_manifest
    if name in (".gitignore", ".dockerignore"):
        return metadata_files.rename_ignore_file
    if suffix in (".txt", ".in") and (name.startswith("requirements") or parent == "requirements"):
        return metadata_files.rename_requirements
    if name in INI_NAMES or suffix in (".cfg", ".ini"):
        return ini.rename_ini
    if suffix in C_SUFFIXES:
        return rename_c_source
    if suffix in DOC_SUFFIXES:
        return rename_document
    if suffix in TEXT_SUFFIXES:
        return prose.rename_text
    return None


def is_test_data(path: str) -> bool:
    """True for a file under a ``tests``/``test``/``testing`` directory.

    Prose and template files there are test inputs whose expected outputs live in other
    files (``example.md`` beside ``example.md.output``): renamed alone they would no longer
    match, so they are carried over unchanged (Python, packaging and configuration files
    there are still renamed).
    """
    return any(part in _TEST_DIRS for part in path.split("/")[:-1])


def transform_file(path: str, entry: FileEntry, rename: RenameMap) -> FileOutcome:
    """Transform one file: new path, new content, leftovers, failure.

    Args:
        path: the file's path in the input tree.
        entry: the file.
        rename: the rename map, its ``symbols`` already expanded over the whole tree
            (:func:`~forktool.codemods.passes.reexports.expand_symbols`, as :func:`transform_tree`
            does), so the result depends on nothing but these three arguments.

    Returns:
        A :class:`FileOutcome`. Never raises for a bad file: Python that does not parse,
        bytes that do not decode, or a codemod error give the file unchanged (Python gets
        the conservative prose rules as a fallback) with ``failure`` set.
    """
    return _transform(path, entry, rename, test_data=is_test_data(path))


def _transform(path: str, entry: FileEntry, rename: RenameMap, *, test_data: bool) -> FileOutcome:
    """:func:`transform_file`; ``test_data``: prose and templates stay (see
    :func:`is_test_data`; for an archive's member, the archive's place decides too)."""
    new_path = rename_path(path, rename)
    if entry.symlink:
        target = entry.data.decode("utf-8", "replace")
        return FileOutcome(new_path, entry, tuple(text_leftovers(new_path, target, rename)), None)
    if is_archive(path):  # compressed: its bytes say nothing, its members must be read
        return _archive_file(new_path, entry, rename, test_data=test_data)
    if not _may_mention(path, entry.data, rename):
        return FileOutcome(new_path, entry, (), None)
    if is_python(path, entry.data):
        return _python_file(path, new_path, entry, rename)
    codemod = codemod_for(path)
    try:
        source = _decode_text(entry.data)
    except ValueError as error:
        if codemod is None:
            return FileOutcome(new_path, entry, (), None)  # binary data
        lossy = entry.data.decode("utf-8", "replace").replace("\0", " ")
        leftovers = text_leftovers(new_path, lossy, rename, reason=UNPARSEABLE)
        return FileOutcome(new_path, entry, tuple(leftovers), f"not UTF-8 text: {error}")
    if codemod in (rename_document, prose.rename_text) and (not rename.docs or test_data):
        leftovers = text_leftovers(new_path, source, rename, reason=KEPT)
        return FileOutcome(new_path, entry, tuple(leftovers), None)
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


def _archive_file(
    new_path: str, entry: FileEntry, rename: RenameMap, *, test_data: bool
) -> FileOutcome:
    """An archive: its members renamed as files are, then repacked (or reported)."""

    def rename_member(member: str, content: FileEntry, inner: RenameMap) -> MemberOutcome:
        outcome = _transform(member, content, inner, test_data=test_data or is_test_data(member))
        return MemberOutcome(outcome.path, outcome.entry, outcome.leftovers)

    archive = rewrite_archive(new_path, entry.data, rename, rename_member)
    return FileOutcome(archive.path, _with_data(entry, archive.data), archive.leftovers, None)


def is_python(path: str, data: bytes) -> bool:
    """True for Python source: ``.py``/``.pyi``/``.pyw``, a Python template
    (``manage.py-tpl``), or a file without a suffix whose ``#!`` line names python
    (``bin/pyflakes``)."""
    lowered = path.lower()
    if lowered.endswith(PYTHON_SUFFIXES + PYTHON_TEMPLATE_SUFFIXES):
        return True
    name = posixpath.basename(path)
    if "." in name or not data.startswith(b"#!"):
        return False
    return b"python" in data.split(b"\n", 1)[0]


def _may_mention(path: str, data: bytes, rename: RenameMap) -> bool:
    """Cheap pre-check: can this file mention an old name at all?

    Any mention of an old package, distribution or script contains one of the needles
    (case-insensitively). A renamed symbol is reached by its bare name only inside its own
    package (relative imports); everywhere else through the package's name.
    """
    lowered = data.lower()
    if any(needle.encode() in lowered for needle in old_name_needles(rename)):
        return True
    if not rename.symbols or not path.endswith(PYTHON_SUFFIXES):
        return False
    if not module_context(path, rename).in_package:
        return False
    return any(qualified.rsplit(".", 1)[1].encode() in data for qualified in rename.symbols)


def _python_file(path: str, new_path: str, entry: FileEntry, rename: RenameMap) -> FileOutcome:
    try:
        if b"\0" in entry.data:
            raise ValueError("NUL bytes in Python source")
        data = rename_python_bytes(entry.data, rename, module_context(path, rename))
        source = data.decode(tokenize.detect_encoding(io.BytesIO(data).readline)[0])
    except Exception as error:  # Python 2 syntax, bad encoding, deep nesting, a codemod bug
        return _python_fallback(new_path, entry, rename, _describe(error))
    leftovers = tuple(python_leftovers(new_path, source, rename))
    evidence = file_evidence(path, entry.data, new_path, data, rename)
    return FileOutcome(new_path, _with_data(entry, data), leftovers, None, evidence)


def _python_fallback(path: str, entry: FileEntry, rename: RenameMap, failure: str) -> FileOutcome:
    """Unparseable Python: the token-level fallback on its text, if it decodes.

    The text is read in its declared encoding (PEP 263 cookie, else UTF-8); bytes that do
    not decode, or NUL bytes, leave the file unchanged, its mentions listed from a lossy
    reading.
    """
    try:
        encoding = tokenize.detect_encoding(io.BytesIO(entry.data).readline)[0]
        source = entry.data.decode(encoding)
        if "\0" in source:
            raise ValueError("NUL bytes")
    except (SyntaxError, LookupError, ValueError):  # UnicodeDecodeError is a ValueError
        lossy = entry.data.decode("utf-8", "replace").replace("\0", " ")
        leftovers = text_leftovers(path, lossy, rename, reason=UNPARSEABLE)
        return FileOutcome(path, entry, tuple(leftovers), failure)
    new_source = rename_python_tokens(
        source, rename, lambda value: rename_string_value(value, GENERIC, rename)
    )
    try:
        data = new_source.encode(encoding)
    except UnicodeEncodeError:
        new_source, data = source, entry.data
    leftovers = python_leftovers(path, new_source, rename, reason=UNPARSEABLE)
    return FileOutcome(path, _with_data(entry, data), tuple(leftovers), failure)


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
