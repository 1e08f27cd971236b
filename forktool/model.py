"""Plain frozen dataclasses shared by every layer.

Nothing here does I/O. Paths inside trees are POSIX, relative, without a leading ``./``.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


@dataclass(frozen=True)
class FileEntry:
    """One file of a source tree.

    Attributes:
        data: the file's bytes (for a symlink: the link target, encoded as UTF-8).
        executable: True for mode 100755.
        symlink: True for a symbolic link (mode 120000).
    """

    data: bytes
    executable: bool = False
    symlink: bool = False

    @functools.cached_property
    def blob_id(self) -> str:
        """The git blob id (sha1 hex) of ``data``, as ``git hash-object`` computes it;
        computed once per entry (the cache key and the tree write both need it)."""
        header = b"blob %d\0" % len(self.data)
        return hashlib.sha1(header + self.data, usedforsecurity=False).hexdigest()

    @property
    def git_mode(self) -> str:
        """The git tree mode as an octal string: ``100644``, ``100755`` or ``120000``."""
        if self.symlink:
            return "120000"
        return "100755" if self.executable else "100644"


#: A whole source tree: relative POSIX path -> file.
Tree = Mapping[str, FileEntry]


@dataclass(frozen=True)
class Release:
    """One upstream release, as listed by its source.

    Attributes:
        version: the version string as the source spells it (``"3.1.3"``).
        url: where its content comes from: the sdist URL (PyPI) or the git URL.
        sha256: the sdist's sha256 hex digest from the index (PyPI only).
        commit: the upstream commit id the tag points at (git only).
        tag: the upstream tag name (git only).
        date: when it was released (sdist upload time or commit time), timezone-aware UTC;
            used as author and committer date so vendor commits are reproducible.
    """

    version: str
    url: str
    sha256: str | None = None
    commit: str | None = None
    tag: str | None = None
    date: datetime | None = None


@dataclass(frozen=True)
class ModuleParameter:
    """A parameter of a function or class of the tree shown to hold a module name: what
    is passed there reaches ``import_module`` and the like (see
    :mod:`forktool.codemods.passes.module_parameters`).

    Attributes:
        position: the argument's index among a call's positional arguments (``self`` and
            ``cls`` not counted), or None for a keyword-only parameter.
        keyword: the parameter's name, given as a keyword argument, or None for a
            positional-only parameter.
        evidence: how it was shown, e.g. ``"PackageLoader(package_name) -> import_module
            at src/jinja2/loaders.py:323"`` (paths and lines of the input tree).
        proven: False when the callee's name is defined several times in the tree and
            not every definition has the evidence: such a call is left alone, and
            ``evidence`` only explains the report.
    """

    position: int | None
    keyword: str | None
    evidence: str
    proven: bool = True


@dataclass(frozen=True)
class RenameMap:
    """What the rename changes, old name -> new name.

    Attributes:
        packages: import packages, e.g. ``{"flask": "framework"}``.
        distributions: distribution (project) names, e.g. ``{"Flask": "Framework"}``;
            compared after PEP 503 normalization.
        scripts: console scripts, e.g. ``{"flask": "framework"}``.
        keep: strings left alone wherever they appear whole, e.g. the ``flask.commands``
            entry-point group, so extensions still register; shell-style wildcards
            (``FLASK_*``, ``https://*``) match many.
        symbols: optional renames of names defined by the old package, by qualified name:
            ``{"flask.Flask": "Framework"}`` makes ``flask.Flask`` ``framework.Framework``
            everywhere it is reached (re-exports, imports, subclasses, docs).
        docs: also rename references in docstrings, comments and documentation files
            (Sphinx roles and directives, doctests); False leaves all prose alone.
        roots: directories, besides the top of the tree and a top-level ``src/``, whose
            children are import packages (``("lib",)`` for PyYAML's ``lib/yaml/``):
            relative POSIX paths found in the tree by
            :func:`~forktool.codemods.passes.roots.expand_roots`, not configured.
        layout: where an old top-level package lies beside the tree's ``pyproject.toml``,
            for build back-ends that find the package by the distribution's name: old name
            -> path relative to that file's directory, ``src/blinker`` or ``blinker`` for
            a package, ``src/blinker.py`` or ``blinker.py`` for a single module; found in
            the tree by :func:`~forktool.codemods.passes.layout.expand_layout`, not
            configured.
        module_parameters: callee name -> the parameters shown to hold a module name, found
            in the tree by
            :func:`~forktool.codemods.passes.module_parameters.expand_module_parameters`,
            not configured. A qualified name (``jinja2.loaders.PackageLoader``, and each
            name a package re-exports it under) or a plain one (``PackageLoader``: every
            function or class of that name in the tree).
    """

    packages: Mapping[str, str] = field(default_factory=dict)
    distributions: Mapping[str, str] = field(default_factory=dict)
    scripts: Mapping[str, str] = field(default_factory=dict)
    keep: tuple[str, ...] = ()
    symbols: Mapping[str, str] = field(default_factory=dict)
    docs: bool = True
    roots: tuple[str, ...] = ()
    layout: Mapping[str, str] = field(default_factory=dict)
    module_parameters: Mapping[str, tuple[ModuleParameter, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Leftover:
    """An occurrence of an old name the transform deliberately left in place.

    Attributes:
        path: file path in the transformed tree.
        line: 1-based line number (0 when unknown).
        kind: ``identifier``, ``string``, ``comment``, ``docstring`` or ``other-file``.
        reason: ``kept``, ``ambiguous`` or ``unparseable``.
        text: the line (or a short excerpt) holding the occurrence.
    """

    path: str
    line: int
    kind: str
    reason: str
    text: str


@dataclass(frozen=True)
class Evidence:
    """Why a string passed to a function of the tree was, or was not, read as a module name.

    Attributes:
        path: file path in the transformed tree.
        line: 1-based line number of the string.
        text: the line, as transformed.
        evidence: what the callee does with the argument (:attr:`ModuleParameter.evidence`).
        renamed: True: the string was renamed as a module name; False: it is left (an
            ambiguous leftover at the same line), the evidence not covering this call.
    """

    path: str
    line: int
    text: str
    evidence: str
    renamed: bool


@dataclass(frozen=True)
class TransformResult:
    """The output of transforming one release tree.

    Attributes:
        tree: the transformed tree (paths already moved, e.g. ``src/flask`` -> ``src/framework``).
        leftovers: old-name occurrences left in place, sorted by path and line.
        failures: path -> reason, for files carried over unchanged because they could
            not be transformed (e.g. a syntax error); the run itself did not fail.
        evidence: for strings passed to a function of the tree whose parameter holds a
            module name: the ones renamed and the ones left, sorted by path and line.
    """

    tree: Tree
    leftovers: tuple[Leftover, ...] = ()
    failures: Mapping[str, str] = field(default_factory=dict)
    evidence: tuple[Evidence, ...] = ()


class PatchKind(StrEnum):
    """What a patch of the series is: a libcst codemod (``*.py``) or a unified diff."""

    CODEMOD = "codemod"
    DIFF = "diff"


class PatchStatus(StrEnum):
    """How a patch fared on a release (its health).

    ``clean``: applied as it is; ``three-way``: applied by a three-way merge; ``conflict``:
    does not apply (left out of the tree); ``no-match``: the code a codemod patches is not
    there; ``upstreamed``: upstream already made the change; ``error``: the patch raised or
    is malformed. For a patch in the series that the last recorded transform did not run:
    ``not applied yet`` (``status``) and ``not run`` (``patch list``); the two wordings are
    kept because both are documented output.
    """

    CLEAN = "clean"
    THREE_WAY = "three-way"
    CONFLICT = "conflict"
    NO_MATCH = "no-match"
    UPSTREAMED = "upstreamed"
    ERROR = "error"
    NOT_APPLIED = "not applied yet"
    NOT_RUN = "not run"


@dataclass(frozen=True)
class PatchHealth:
    """How one patch fared on one release.

    Attributes:
        name: the patch's file name in the series.
        kind: codemod or diff.
        status: how it fared.
        detail: one line: the exception, git's reason, or what did not match.
        paths: files the patch changed (or conflicted in).
    """

    name: str
    kind: PatchKind
    status: PatchStatus
    detail: str = ""
    paths: tuple[str, ...] = ()


@dataclass(frozen=True)
class InMemoryMerge:
    """A release's merge into the fork, computed without touching the fork's checkout
    (``forktool check``, or a merge already committed): what the conflict report of it is
    collected from (:func:`~forktool.conflicts.collect.collect_merge`).

    Attributes:
        version: the release merged.
        upstream_commit: its upstream commit (None when unknown).
        vendor / transformed: the release's vendor and transformed commits.
        fork: the fork commit it is merged into ("" on a first sync: nothing to merge).
        tree: the merged tree, conflicted files holding the markers a sync writes ("" when
            not computed).
    """

    version: str
    upstream_commit: str | None
    vendor: str
    transformed: str
    fork: str
    tree: str = ""
