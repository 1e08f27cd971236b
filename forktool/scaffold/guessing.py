"""Guessing from a release tree what the rename map needs: import packages, distribution, scripts.

:func:`guess` combines :func:`guess_packages`, :func:`guess_distribution` and
:func:`guess_scripts`: small pure functions of a tree (path -> :class:`FileEntry`), looking
where a maintainer would look: ``*.egg-info/top_level.txt``, the packages a build
configuration names (``pyproject.toml``, ``setup.cfg``, ``setup.py`` literals), directories
holding ``__init__.py`` at the top or under ``src/``, then single top-level modules.
:func:`describe` puts a :class:`Guess` into words. Nothing here reads the disk or the network.
"""

from __future__ import annotations

import ast
import configparser
import contextlib
import keyword
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from packaging.utils import canonicalize_name

from forktool.config import git_url_problem
from forktool.model import Tree

#: Top-level directories and modules that are not the library: never guessed as packages.
NOT_PACKAGES = frozenset(
    {
        "test", "tests", "testing", "doc", "docs", "example", "examples", "benchmark",
        "benchmarks", "bench", "script", "scripts", "tool", "tools", "build", "dist", "ci",
        "htmlcov", "site", "venv", "env", "setup", "conftest", "noxfile", "tasks", "fabfile",
        "runtests", "run_tests", "versioneer", "ez_setup", "distribute_setup", "bootstrap",
        "hatch_build", "manage",
    }
)  # fmt: skip
_TESTISH = re.compile(r"(^|_)tests?(_|$)")
#: An ``__init__.py`` that makes its package a namespace shared with other distributions.
_NAMESPACE_INIT = re.compile(r"declare_namespace\(|extend_path\(")
#: A distribution name as PEP 508 allows it.
DIST_NAME = re.compile(r"^([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9])$")
#: ``name = module:attr`` (an entry point line); group 1 is the name.
_ENTRY_POINT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*=\s*[\w.]+\s*(:\s*[\w.]+)?")


@dataclass(frozen=True)
class Guess:
    """What the release's own files say the rename map needs.

    Attributes:
        packages: top-level import packages (or single modules), the main one first.
        distribution: the distribution (project) name.
        scripts: console and GUI scripts.
        origins: ``packages`` / ``distribution`` / ``scripts`` -> where it was read,
            e.g. ``"src/ (directories with __init__.py)"``; absent when nothing was found.
        entry_point_groups: entry-point groups the packages' own code loads plugins from
            (``flask.commands``): extensions register under these names, so the rename
            must keep them.
        repository: the project's git repository named by ``PKG-INFO`` (``Project-URL:
            Source``, ``Repository`` or ``Code``), "" when none; offered, never used
            unless the user keeps it (:func:`guess_repository`).
    """

    packages: tuple[str, ...]
    distribution: str
    scripts: tuple[str, ...]
    origins: Mapping[str, str] = field(default_factory=dict)
    entry_point_groups: tuple[str, ...] = ()
    repository: str = ""


def guess(tree: Tree, fallback_distribution: str) -> Guess:
    """Guess packages, distribution and scripts from a release tree.

    Args:
        tree: the release's files (sdist or tag tree).
        fallback_distribution: the distribution name when no metadata names one (the
            project name on the index, or the repository name).
    """
    distribution, dist_origin = guess_distribution(tree)
    packages, package_origin = guess_packages(tree, distribution or fallback_distribution)
    scripts, script_origin = guess_scripts(tree)
    origins = {"packages": package_origin, "scripts": script_origin}
    if distribution is None:
        distribution, dist_origin = fallback_distribution, "the project name"
    origins["distribution"] = dist_origin
    # The main package first: named like the distribution, or inside its name (yaml in
    # PyYAML, dateutil in python-dateutil), or at least not private.
    main = canonicalize_name(distribution).replace("-", "_")
    ordered = sorted(
        packages,
        key=lambda p: (p.lower() != main, p.lower() not in main, p.startswith("_"), p),
    )
    return Guess(
        packages=tuple(ordered),
        distribution=distribution,
        scripts=tuple(scripts),
        origins={k: v for k, v in origins.items() if v},
        entry_point_groups=guess_entry_point_groups(tree, ordered),
        repository=guess_repository(tree),
    )


def guess_entry_point_groups(tree: Tree, packages: Iterable[str]) -> tuple[str, ...]:
    """Entry-point groups named after one of ``packages`` that Python code of the tree
    loads: ``entry_points(group="flask.commands")``, ``iter_entry_points("flask.x")``,
    ``.select(group=...)``. Sorted, without duplicates."""
    names = "|".join(re.escape(package) for package in packages)
    if not names:
        return ()
    loader = r"""(?:\bgroup\s*=\s*|iter_entry_points\(\s*)"""
    pattern = re.compile(loader + "[\"']((?:" + names + r")\.[\w.-]+)[\"']")
    found: set[str] = set()
    for path, entry in tree.items():
        if path.endswith(".py") and not entry.symlink:
            found.update(pattern.findall(entry.data.decode("utf-8", "replace")))
    return tuple(sorted(found))


def guess_packages(tree: Tree, distribution: str = "") -> tuple[list[str], str]:
    """The top-level import packages of a tree, and where they were found.

    In order, the first that names any: ``*.egg-info/top_level.txt``; the packages and
    modules the build configuration lists (``[tool.setuptools] packages`` /
    ``py-modules``, ``[tool.flit.module] name``, hatch's wheel ``packages``, Poetry's
    ``packages``, ``setup.cfg`` ``[options] packages`` / ``py_modules``, literal lists in
    ``setup.py``); directories holding ``__init__.py`` under ``src/`` or at the top; single
    ``*.py`` modules there (``six.py``); directories with ``__init__.py`` one level below
    another directory (SQLAlchemy's ``lib/sqlalchemy``). Tests, docs, examples and tooling
    are left out, unless named like ``distribution`` (the project ``build`` has a package
    ``build``). A namespace package (``jaraco/`` without ``__init__.py``) is not the
    release's to rename: its subpackages are named instead (``jaraco.functools``).

    Returns:
        (names, origin); ``([], "")`` when nothing looks like a package.
    """
    names, origin = _listed_packages(tree, distribution)
    return [name for top in names for name in _namespace_children(tree, top)], origin


def _listed_packages(tree: Tree, distribution: str) -> tuple[list[str], str]:
    """Top-level names as :func:`guess_packages` finds them, before namespace packages
    are looked into."""
    for path in sorted(tree):
        if re.fullmatch(r"(src/)?[^/]+\.egg-info/top_level\.txt", path):
            names = _top_names(_text(tree, path).split(), distribution)
            if names:
                return names, path
    for finder in (_pyproject_packages, _setup_cfg_packages, _setup_py_packages):
        names, origin = finder(tree)
        names = _top_names(names, distribution)
        if names:
            return names, origin
    for base in ("src/", ""):
        below = [p[len(base) :] for p in tree if p.startswith(base)]
        dirs = [p.split("/")[0] for p in below if p.count("/") == 1 and p.endswith("/__init__.py")]
        names = _top_names(dirs, distribution)
        if names:
            return names, f"directories with __init__.py {_at(base)}"
    for base in ("src/", ""):
        below = [p[len(base) :] for p in tree if p.startswith(base)]
        modules = [p[:-3] for p in below if "/" not in p and p.endswith(".py")]
        names = _top_names(modules, distribution)
        if names:
            return names, f"single modules {_at(base)}"
    by_base: dict[str, list[str]] = {}
    for path in tree:
        parts = path.split("/")
        if len(parts) == 3 and parts[2] == "__init__.py" and _is_source_home(parts[0]):
            by_base.setdefault(parts[0], []).append(parts[1])
    for base in sorted(by_base, key=lambda b: (-len(by_base[b]), b)):
        names = _top_names(by_base[base], distribution)
        if names:
            return names, f"directories with __init__.py {_at(base + '/')}"
    return [], ""


def _namespace_children(tree: Tree, top: str) -> list[str]:
    """``[top]``, or its subpackages (``jaraco.functools``) when ``top`` is a namespace
    package in ``tree``: a directory holding packages, without ``__init__.py`` or with
    one that only declares the namespace (``pkg_resources``/``pkgutil`` style)."""
    inits = [
        path
        for path in tree
        if (path == f"{top}/__init__.py" or path.endswith(f"/{top}/__init__.py"))
        and _is_source_home(path[: -len(f"{top}/__init__.py")])
    ]
    declared = [path for path in inits if _NAMESPACE_INIT.search(_text(tree, path))]
    if (inits and len(declared) < len(inits)) or f"{top}.py" in tree:
        return [top]
    children = sorted(
        {
            rest.split("/")[0]
            for path in tree
            for home in ("", "src/")
            if path.startswith(f"{home}{top}/")
            and (rest := path[len(f"{home}{top}/") :]).count("/") == 1
            and rest.endswith("/__init__.py")
            and rest.split("/")[0].isidentifier()
        }
    )
    return [f"{top}.{child}" for child in children] or [top]


def _is_source_home(prefix: str) -> bool:
    """True for where an import package can live: the top, ``src/`` or another directory
    that is not tests, docs or tooling."""
    parts = [part.lower() for part in prefix.split("/") if part]
    return not any(part in NOT_PACKAGES or _TESTISH.search(part) for part in parts)


def guess_distribution(tree: Tree) -> tuple[str | None, str]:
    """The distribution name from ``PKG-INFO``, ``pyproject.toml``, ``setup.cfg`` or ``setup.py``.

    Returns:
        (name, origin), or ``(None, "")`` when no metadata names it.
    """
    if "PKG-INFO" in tree:
        for line in _text(tree, "PKG-INFO").splitlines():
            if not line.strip():
                break  # the headers end at the first blank line
            key, _, value = line.partition(":")
            if key.strip().lower() == "name" and DIST_NAME.match(value.strip()):
                return value.strip(), "PKG-INFO"
    pyproject = _pyproject(tree)
    for keys, origin in (
        (("project", "name"), "pyproject.toml [project]"),
        (("tool", "poetry", "name"), "pyproject.toml [tool.poetry]"),
    ):
        value = _dig(pyproject, *keys)
        if isinstance(value, str) and DIST_NAME.match(value):
            return value, origin
    cfg_name = _ini_value(tree, "setup.cfg", "metadata", "name")
    if cfg_name and DIST_NAME.match(cfg_name):
        return cfg_name, "setup.cfg [metadata]"
    for call in _setup_calls(tree):
        literal = _keyword_literal(call, "name")
        if isinstance(literal, str) and DIST_NAME.match(literal):
            return literal, "setup.py"
    return None, ""


#: ``Project-URL`` labels naming the source repository, best first (compared lowercased,
#: without spaces, ``-`` and ``_``).
_REPOSITORY_LABELS = ("source", "sourcecode", "repository", "code")


def guess_repository(tree: Tree) -> str:
    """The project's git repository as ``PKG-INFO`` names it: the ``Project-URL`` labelled
    ``Source`` (or ``Source Code``, ``Repository``, ``Code``), when it is an http(s) URL
    git may be handed (:func:`forktool.config.git_url_problem`); "" otherwise."""
    found: dict[str, str] = {}
    for line in _text(tree, "PKG-INFO").splitlines():
        if not line.strip():
            break  # the headers end at the first blank line
        key, _, value = line.partition(":")
        label, _, url = value.partition(",")
        label = re.sub(r"[\s_-]+", "", label).lower()
        url = url.strip().rstrip("/")
        if (
            key.strip().lower() == "project-url"
            and label in _REPOSITORY_LABELS
            and re.match(r"https?://[^/\s]+/\S", url)
            and git_url_problem(url) is None
        ):
            found.setdefault(label, url)
    return next((found[label] for label in _REPOSITORY_LABELS if label in found), "")


def guess_scripts(tree: Tree) -> tuple[list[str], str]:
    """Console and GUI scripts: ``[project.scripts]``, Poetry's scripts, ``entry_points.txt``,
    ``setup.cfg`` ``[options.entry_points]``, ``setup.py`` ``entry_points``.

    Returns:
        (names in the order found, origins joined by ", "); ``([], "")`` when none.
    """
    found: dict[str, None] = {}
    origins: list[str] = []

    def add(names: Iterable[str], origin: str) -> None:
        names = [n for n in names if DIST_NAME.match(n)]
        if names:
            found.update(dict.fromkeys(names))
            origins.append(origin)

    pyproject = _pyproject(tree)
    for keys, origin in (
        (("project", "scripts"), "pyproject.toml [project.scripts]"),
        (("project", "gui-scripts"), "pyproject.toml [project.gui-scripts]"),
        (("tool", "poetry", "scripts"), "pyproject.toml [tool.poetry.scripts]"),
    ):
        table = _dig(pyproject, *keys)
        if isinstance(table, dict):
            add(table, origin)
    for path in sorted(tree):
        if re.fullmatch(r"(src/)?[^/]+\.egg-info/entry_points\.txt", path):
            parser = _ini(tree, path)
            for group in ("console_scripts", "gui_scripts"):
                if parser is not None and parser.has_section(group):
                    add(parser.options(group), path)
    for group in ("console_scripts", "gui_scripts"):
        value = _ini_value(tree, "setup.cfg", "options.entry_points", group)
        if value:
            add(_entry_point_names(value.splitlines()), "setup.cfg [options.entry_points]")
    for call in _setup_calls(tree):
        entry_points = _keyword_literal(call, "entry_points")
        if isinstance(entry_points, dict):
            for group in ("console_scripts", "gui_scripts"):
                lines = entry_points.get(group)
                if isinstance(lines, str):
                    lines = lines.splitlines()
                if isinstance(lines, list | tuple):
                    add(_entry_point_names(str(line) for line in lines), "setup.py entry_points")
    return list(found), ", ".join(dict.fromkeys(origins))


def describe(guessed: Guess) -> list[str]:
    """What was guessed and where it was read: one line each for packages, distribution
    and scripts."""
    origins = guessed.origins

    def said(what: str, value: str) -> str:
        return f"{value} ({origins[what]})" if what in origins else value

    lines = [
        f"import packages: {said('packages', ', '.join(guessed.packages) or 'none found')}",
        f"distribution:    {said('distribution', guessed.distribution)}",
        f"console scripts: {said('scripts', ', '.join(guessed.scripts) or 'none')}",
    ]
    if guessed.entry_point_groups:
        groups = ", ".join(guessed.entry_point_groups)
        lines.append(f"plugin groups:   {groups} (kept: extensions register under them)")
    return lines


def _at(base: str) -> str:
    return f"under {base}" if base else "at the top level"


def _top_names(names: Iterable[str], distribution: str) -> list[str]:
    """Top-level components of dotted names or paths, deduplicated, tooling left out
    (unless named like ``distribution``)."""
    project = canonicalize_name(distribution).replace("-", "_")
    found: dict[str, None] = {}
    for name in names:
        top = name.strip().replace("/", ".").split(".")[0]
        if (
            top.isidentifier()
            and not keyword.iskeyword(top)
            and (
                top.lower() == project
                or (top.lower() not in NOT_PACKAGES and not _TESTISH.search(top.lower()))
            )
        ):
            found[top] = None
    return sorted(found)


def _pyproject_packages(tree: Tree) -> tuple[list[str], str]:
    data = _pyproject(tree)
    setuptools = _dig(data, "tool", "setuptools")
    if isinstance(setuptools, dict):
        listed = [
            *_strings(setuptools.get("packages")),
            *_strings(setuptools.get("py-modules")),
        ]
        if listed:
            return listed, "pyproject.toml [tool.setuptools]"
    module = _dig(data, "tool", "flit", "module", "name")
    if isinstance(module, str):
        return [module], "pyproject.toml [tool.flit.module]"
    hatch = _strings(_dig(data, "tool", "hatch", "build", "targets", "wheel", "packages"))
    if hatch:
        return [PurePosixPath(p).name for p in hatch], "pyproject.toml [tool.hatch.build]"
    poetry = _dig(data, "tool", "poetry", "packages")
    if isinstance(poetry, list):
        names = [str(p["include"]) for p in poetry if isinstance(p, dict) and "include" in p]
        if names:
            return names, "pyproject.toml [tool.poetry] packages"
    return [], ""


def _setup_cfg_packages(tree: Tree) -> tuple[list[str], str]:
    names: list[str] = []
    for key in ("packages", "py_modules"):
        value = _ini_value(tree, "setup.cfg", "options", key) or ""
        if not value.strip().startswith(("find", "attr")):
            names.extend(re.split(r"[\s,]+", value.strip()))
    return [n for n in names if n], "setup.cfg [options]"


def _setup_py_packages(tree: Tree) -> tuple[list[str], str]:
    names: list[str] = []
    for call in _setup_calls(tree):
        for key in ("packages", "py_modules"):
            names.extend(_strings(_keyword_literal(call, key)))
    return names, "setup.py"


def _entry_point_names(lines: Iterable[str]) -> list[str]:
    return [m.group(1) for line in lines if (m := _ENTRY_POINT.match(line))]


def _text(tree: Tree, path: str) -> str:
    entry = tree.get(path)
    if entry is None or entry.symlink:
        return ""
    return entry.data.decode("utf-8", errors="replace")


def _pyproject(tree: Tree) -> dict[str, Any]:
    try:
        return tomllib.loads(_text(tree, "pyproject.toml"))
    except tomllib.TOMLDecodeError:
        return {}


def _ini(tree: Tree, path: str) -> configparser.ConfigParser | None:
    if path not in tree:
        return None
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    try:
        parser.read_string(_text(tree, path))
    except configparser.Error:
        return None
    return parser


def _ini_value(tree: Tree, path: str, section: str, key: str) -> str | None:
    parser = _ini(tree, path)
    if parser is None or not parser.has_option(section, key):
        return None
    return parser.get(section, key)


def _dig(data: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _strings(value: Any) -> list[str]:
    if isinstance(value, list | tuple):
        return [v for v in value if isinstance(v, str)]
    return []


def _setup_calls(tree: Tree) -> list[ast.Call]:
    """The ``setup(...)`` calls of ``setup.py`` (none if it does not parse)."""
    if "setup.py" not in tree:
        return []
    try:
        module = ast.parse(tree["setup.py"].data)
    except (SyntaxError, ValueError, RecursionError):
        return []
    return [
        node
        for node in ast.walk(module)
        if isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Name) and node.func.id == "setup")
            or (isinstance(node.func, ast.Attribute) and node.func.attr == "setup")
        )
    ]


def _keyword_literal(call: ast.Call, name: str) -> Any:
    """The literal value of keyword ``name`` of ``call``, or None when it is not a literal."""
    for item in call.keywords:
        if item.arg == name:
            with contextlib.suppress(ValueError, TypeError, SyntaxError, RecursionError):
                return ast.literal_eval(item.value)
    return None
