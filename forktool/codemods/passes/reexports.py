"""Which qualified names reach a renamed symbol: following re-exports through a tree.

``RenameMap.symbols`` names a symbol once (``flask.Flask``), but the same object is reached
under several qualified names: where it is defined (``flask.app.Flask``), where the package
re-exports it (``flask.Flask``) and every module of the package that imports it
(``flask.testing.Flask``). :func:`expand_symbols` reads the old package's modules in a tree
and returns a rename map whose ``symbols`` lists every such name, so each file can then be
renamed on its own (a pure function of file and map) and still agree with the others.

Only module-level names are followed: definitions (``class``, ``def``, assignments) and
``from ... import`` statements (relative ones resolved, ``*`` followed), also inside
``if``/``try`` blocks such as ``if t.TYPE_CHECKING:``. A name imported under another local
name (``from .app import Flask as F``) reaches the symbol but is not renamed.
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import json
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from forktool.codemods.passes.observed import Answer, Reads
from forktool.codemods.paths import module_name
from forktool.model import RenameMap, Tree

#: The probes :func:`reaching_names` makes (:mod:`forktool.codemods.passes.observed`): the
#: file is the module of that dotted name (whether it exists decides whether an imported
#: name is a submodule); a module that may bind a wanted name (argument: the names, JSON);
#: what a module read binds.
IS_MODULE, MAY_BIND, BINDINGS = "is-module", "may-bind", "bindings"


@dataclass
class _Module:
    """What one module binds at module level: names it defines, imports and star-imports."""

    defined: set[str] = field(default_factory=set)
    imported: dict[str, tuple[str, str]] = field(default_factory=dict)  # local -> (module, name)
    stars: list[str] = field(default_factory=list)


def expand_symbols(tree: Tree, rename: RenameMap) -> RenameMap:
    """Add to ``rename.symbols`` every qualified name that reaches a declared symbol.

    Args:
        tree: the release tree (relative POSIX path -> file); only Python modules inside an
            old package are read, and only those that mention a symbol's name.
        rename: the rename map; ``symbols`` maps qualified old names to new plain names.

    Returns:
        ``rename`` itself when it has no symbols, else a copy whose ``symbols`` also maps
        the defining module's name and every re-export under the same name, e.g.
        ``{"flask.Flask": "Framework", "flask.app.Flask": "Framework",
        "flask.testing.Flask": "Framework"}``. Declared entries always win. A module that
        does not parse is skipped. Never raises.
    """
    if not rename.symbols:
        return rename
    reaching = reaching_names(tree, rename, rename.symbols)
    expanded = dict(rename.symbols)
    for qualified, new in rename.symbols.items():
        for candidate in reaching.get(qualified, ()):
            expanded.setdefault(candidate, new)
    return dataclasses.replace(rename, symbols=expanded)


def reaching_names(
    tree: Tree, rename: RenameMap, qualified: Iterable[str], reads: Reads | None = None
) -> dict[str, tuple[str, ...]]:
    """Every qualified name under which each of ``qualified`` is reached in the old packages.

    Args:
        tree: the release tree; only modules of old packages that mention a wanted name
            (or star-import) are read.
        rename: the rename map (its packages say which modules are read).
        qualified: names of module-level objects (``flask.app.Flask``, or a re-export such
            as ``flask.Flask``).
        reads: where the probes made of the tree's files are noted (see :func:`probe`).

    Returns:
        Each name of ``qualified`` that resolves to a definition -> the names that resolve
        to the same one, in module order, the definition's own name included
        (``{"flask.Flask": ("flask.Flask", "flask.app.Flask", "flask.testing.Flask")}``).
        Never raises.
    """
    wanted = list(dict.fromkeys(qualified))
    modules, paths, read = _index(tree, rename, {name.rsplit(".", 1)[1] for name in wanted}, reads)
    asked: set[str] = set()
    queried: dict[str, set[str]] = {}
    found: dict[str, tuple[str, ...]] = {}
    for name in wanted:
        root = _resolve(modules, name, set(), asked, queried)
        if root is None:
            continue
        last = name.rsplit(".", 1)[1]
        found[name] = tuple(
            f"{module}.{last}"
            for module in sorted(modules)
            if _resolve(modules, f"{module}.{last}", set(), asked, queried) == root
        )
    if reads is not None:
        for dotted in sorted(asked):  # whether a module of that name exists: its files
            reads.made(IS_MODULE, dotted)
            for path in paths.get(dotted, ()):
                reads.note(IS_MODULE, dotted, path, True)
        for path, (name, bound) in read.items():  # what was asked of the modules read
            names = sorted(queried.get(name, ()))
            answer = _digest(bound, names)
            reads.note(BINDINGS, json.dumps(names), path, answer, everywhere=False)
    return found


def _index(
    tree: Tree, rename: RenameMap, wanted: set[str], reads: Reads | None
) -> tuple[dict[str, _Module], dict[str, list[str]], dict[str, tuple[str, _Module | None]]]:
    """Module name -> what it binds (empty for a module that cannot bind a wanted name);
    module name -> its files; and each file read -> its module name and what it binds
    (None: it does not parse)."""
    modules: dict[str, _Module] = {}
    paths: dict[str, list[str]] = {}
    read: dict[str, tuple[str, _Module | None]] = {}
    needles = sorted(wanted)
    argument = json.dumps(needles)
    if reads is not None:
        reads.made(MAY_BIND, argument)
    for path, entry in sorted(tree.items()):  # sorted: the same merge whatever the order
        name = module_name(path, rename)
        if name is None or entry.symlink:
            continue
        info = modules.setdefault(name, _Module())
        paths.setdefault(name, []).append(path)
        may_bind = _may_bind(entry.data, needles)
        if reads is not None:
            reads.note(MAY_BIND, argument, path, may_bind)
        if not may_bind:
            continue  # cannot bind a symbol's name (a star import might)
        found = read[path] = name, _bindings(path, name, entry.data)
        bound = found[1]
        if bound is not None:
            info.defined |= bound.defined
            info.imported |= bound.imported
            info.stars += bound.stars
    return modules, paths, read


def probe(kind: str, argument: str, path: str, data: bytes | None, rename: RenameMap) -> Answer:
    """Answer again a probe :func:`reaching_names` noted (:data:`IS_MODULE`, :data:`MAY_BIND`,
    :data:`BINDINGS`) on one file: ``data`` its bytes, None when it is not there.

    Raises:
        ValueError: ``kind`` is not one of them.
    """
    name = module_name(path, rename)
    if kind == IS_MODULE:
        return data is not None and name == argument
    if kind == MAY_BIND:
        return data is not None and name is not None and _may_bind(data, json.loads(argument))
    if kind == BINDINGS:
        if data is None or name is None:
            return ""
        return _digest(_bindings(path, name, data), json.loads(argument))
    raise ValueError(f"not a probe of the re-export pass: {kind}")


def _may_bind(data: bytes, needles: list[str]) -> bool:
    return b"import *" in data or any(needle.encode() in data for needle in needles)


def _bindings(path: str, name: str, data: bytes) -> _Module | None:
    """What the module ``name`` at ``path`` binds at module level; None if it does not
    parse."""
    syntax = parse_module(data)
    if syntax is None:
        return None
    package = name if path.endswith(("__init__.py", "__init__.pyi")) else name.rpartition(".")[0]
    found = _Module()
    _read_bindings(syntax.body, name, package, found)
    return found


def _digest(found: _Module | None, names: list[str]) -> str:
    """What resolving ``names`` in a module asks of what it binds, as a digest: whether
    it defines each, where it imports each from, and its star imports (a binding of any
    other name, a version number, is left out)."""
    if found is None:
        return "unparsed"
    defined = [name for name in names if name in found.defined]
    imported = [(name, found.imported[name]) for name in names if name in found.imported]
    text = repr((defined, imported, found.stars))
    return hashlib.sha256(text.encode()).hexdigest()


def parse_module(data: bytes) -> ast.Module | None:
    """``data`` parsed by CPython's own parser, or None when it does not parse (or is too
    deep to); its warnings (invalid escape sequences) silenced."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences and the like
            return ast.parse(data)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _read_bindings(body: list[ast.stmt], module: str, package: str, info: _Module) -> None:
    for statement in binding_statements(body):
        if isinstance(statement, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            info.defined.add(statement.name)
        elif isinstance(statement, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets: list[ast.expr] = (
                statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            )
            info.defined.update(_target_names(targets))
        elif isinstance(statement, ast.ImportFrom):
            source = _absolute(statement.module, statement.level, package)
            if source is None:
                continue
            for alias in statement.names:
                if alias.name == "*":
                    info.stars.append(source)
                else:
                    info.imported[alias.asname or alias.name] = (source, alias.name)


def binding_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements of ``body`` that can bind its names, looking into ``if``/``try``/
    ``with`` blocks (each such block is given, then what it holds)."""
    for statement in body:
        yield statement
        if isinstance(statement, ast.If):
            yield from binding_statements(statement.body)
            yield from binding_statements(statement.orelse)
        elif isinstance(statement, ast.Try):
            for block in (statement.body, statement.orelse, statement.finalbody):
                yield from binding_statements(block)
            for handler in statement.handlers:
                yield from binding_statements(handler.body)
        elif isinstance(statement, ast.With):
            yield from binding_statements(statement.body)


def _target_names(targets: list[ast.expr]) -> Iterator[str]:
    for target in targets:
        if isinstance(target, ast.Name):
            yield target.id
        elif isinstance(target, (ast.Tuple, ast.List)):
            yield from _target_names(list(target.elts))


def _absolute(module: str | None, level: int, package: str) -> str | None:
    """Resolve ``from <level dots><module> import ...`` inside ``package``."""
    if level == 0:
        return module
    bits = package.split(".") if package else []
    if level - 1 > len(bits) or not bits:
        return None
    base = bits[: len(bits) - (level - 1)]
    return ".".join(base + ([module] if module else []))


def _resolve(
    modules: dict[str, _Module],
    qualified: str,
    seen: set[str],
    asked: set[str],
    queried: dict[str, set[str]],
) -> str | None:
    """Follow imports from ``qualified`` to the defining module's name for it, or None;
    the module names whose existence decided it are added to ``asked``, and the names
    looked up in each module to ``queried``."""
    if qualified in seen:
        return None
    seen.add(qualified)
    module, _, name = qualified.rpartition(".")
    info = modules.get(module)
    if info is None:
        return None
    queried.setdefault(module, set()).add(name)
    if name in info.imported:
        source, source_name = info.imported[name]
        asked.add(f"{source}.{source_name}")
        if f"{source}.{source_name}" in modules:
            return None  # ``from . import json``: a submodule, not a symbol
        found = _resolve(modules, f"{source}.{source_name}", seen, asked, queried)
        if found is not None:
            return found
    if name in info.defined:
        return qualified
    for star in info.stars:
        found = _resolve(modules, f"{star}.{name}", seen, asked, queried)
        if found is not None:
            return found
    return None
