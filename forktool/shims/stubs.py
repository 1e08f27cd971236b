"""The ``.pyi`` stubs: a fork module's types, private names included, under the old name."""

from __future__ import annotations

import ast
import hashlib
from collections.abc import Callable, Iterable, Mapping, MutableMapping, Sequence
from pathlib import PurePosixPath

from forktool.shims.model import GENERATED

#: Module attributes a stub never re-exports (the import system or ``*`` handles them).
_MODULE_DUNDERS = {
    "__all__",
    "__annotations__",
    "__builtins__",
    "__cached__",
    "__dict__",
    "__doc__",
    "__file__",
    "__loader__",
    "__name__",
    "__package__",
    "__path__",
    "__spec__",
}


#: Runs ``function(source, path)`` for each ``(source, path)``, in order, perhaps in
#: parallel (``forktool.transform.pool.map_in_workers``): how :func:`fill_memo` reads
#: many modules at once.
Mapper = Callable[[Callable[[bytes, str], list[str]], Sequence[tuple[bytes, str]]], list[list[str]]]


def stub_path(old_module: str, source_path: str, aliases: Mapping[str, str]) -> str:
    """Where the stub of ``old_module`` goes: ``old/x.pyi``, or ``old/x/__init__.pyi``."""
    base = old_module.replace(".", "/")
    is_package = old_module in aliases or PurePosixPath(source_path).name.startswith("__init__.")
    return f"{base}/__init__.pyi" if is_package else f"{base}.pyi"


def stub(
    new_module: str, source: bytes, path: str, memo: MutableMapping[str, list[str]] | None = None
) -> str:
    """The ``.pyi`` text re-exporting ``new_module`` (read from ``source`` at ``path``).

    Args:
        memo: private names already found, by :func:`memo_key`; looked up first, and
            added to (the caller may keep it between runs: parsing every module of a big
            package takes a second).
    """
    key = memo_key(source, path)
    names = memo.get(key) if memo is not None else None
    if names is None:
        names = private_names(source, path)
        if memo is not None:
            memo[key] = names
    return stub_of_names(new_module, names)


def stub_of_names(new_module: str, names: Iterable[str]) -> str:
    """The ``.pyi`` text re-exporting ``new_module`` and its private ``names``, in order
    (what :func:`stub` writes once it knows them)."""
    lines = [
        f"# {GENERATED}: the types of {new_module}, under the old name.",
        f"from {new_module} import *",
    ]
    lines += [f"from {new_module} import {name} as {name}" for name in names]
    return "\n".join(lines) + "\n"


def private_names(source: bytes, path: str) -> list[str]:
    """The private names of a module, sorted, as a stub memo keeps them (see
    :func:`_private_names`)."""
    return sorted(_private_names(source, path))


def fill_memo(
    modules: Sequence[tuple[bytes, str]], memo: MutableMapping[str, list[str]], mapper: Mapper
) -> None:
    """Add to ``memo`` the private names of every module of ``modules`` (source, path) it
    lacks, found all at once by ``mapper`` (in worker processes: a big package's modules
    take a second to parse one after the other)."""
    missing: dict[str, tuple[bytes, str]] = {}
    for source, path in modules:
        key = memo_key(source, path)
        if key not in memo:
            missing.setdefault(key, (source, path))
    if missing:
        for key, names in zip(missing, mapper(private_names, list(missing.values())), strict=True):
            memo[key] = names


def memo_key(source: bytes, path: str) -> str:
    """The key of a module's private names in a ``stub`` memo: its suffix and bytes."""
    digest = hashlib.sha256(PurePosixPath(path).suffix.encode() + b"\0" + source)
    return digest.hexdigest()


def _private_names(source: bytes, path: str) -> set[str]:
    """Names starting with ``_`` that ``path`` defines (or re-exports explicitly).

    ``from m import *`` skips them, yet extensions use some (``flask.globals._cv_app``).
    Only what a type checker sees is collected: ``if TYPE_CHECKING`` bodies count,
    ``if not TYPE_CHECKING`` bodies do not.
    """
    if not source or not path.endswith((".py", ".pyi")):
        return set()
    try:
        module = ast.parse(source, filename=path)
    except (SyntaxError, ValueError):
        return set()
    names: set[str] = set()
    _collect(module.body, names)
    return {n for n in names if n.startswith("_") and n not in _MODULE_DUNDERS}


def _collect(body: list[ast.stmt], names: set[str]) -> None:
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                names.update(_target_names(target))
        elif isinstance(node, ast.AnnAssign | ast.AugAssign):
            names.update(_target_names(node.target))
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update(a.asname for a in node.names if a.asname and a.asname == a.name)
        elif isinstance(node, ast.If):
            checking = _type_checking(node.test)
            if checking is not False:
                _collect(node.body, names)
            if checking is not True:
                _collect(node.orelse, names)
        elif isinstance(node, ast.Try):
            for part in (node.body, node.orelse, node.finalbody):
                _collect(part, names)
            for handler in node.handlers:
                _collect(handler.body, names)


def _target_names(target: ast.expr) -> Iterable[str]:
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, ast.Tuple | ast.List):
        for element in target.elts:
            yield from _target_names(element)


def _type_checking(test: ast.expr) -> bool | None:
    """True for ``TYPE_CHECKING`` / ``t.TYPE_CHECKING``, False for its negation, else None."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = _type_checking(test.operand)
        return None if inner is None else not inner
    if isinstance(test, ast.Name) and test.id == "TYPE_CHECKING":
        return True
    if isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING":
        return True
    return None
