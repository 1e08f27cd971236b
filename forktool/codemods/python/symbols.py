"""Plan symbol renames in one Python module (``flask.Flask`` -> ``framework.Framework``).

The rename map's ``symbols`` (already expanded over the tree by
:func:`forktool.codemods.passes.reexports.expand_symbols`) are matched by qualified name, through
libcst's scope analysis (relative imports resolved with the module's own name):

- ``from flask import Flask`` / ``from .app import Flask as Flask``: the imported name
  changes; the local binding changes with it, and so does every use that scope analysis
  ties to it (``class MyApp(Flask)``, ``Flask.run``, string annotations ``"Flask"``,
  ``t.cast("Flask", x)``). A user alias stays: ``from flask import Flask as F`` becomes
  ``from framework import Framework as F``.
- the definition in its own module (``class Flask`` in ``flask.app``) and its uses there;
- attributes reaching the symbol through a module bound by an import: ``flask.Flask``,
  ``flask.app.Flask.run``, ``f.Flask`` after ``import flask as f`` (the plan records which
  names stand for which module; the transformer renames the attribute);
- ``__all__`` entries naming a renamed module-level binding.

When a use could also see another binding of the name (``try: from flask import Flask`` /
``except ImportError: Flask = None``), the local name is kept: the import becomes
``from framework import Framework as Flask``. A local variable shadowing the name is a
different binding and stays.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

import libcst as cst
from libcst.helpers import get_full_name_for_node
from libcst.metadata import Assignment, BaseAssignment, GlobalScope, ImportAssignment, Scope

from forktool.model import RenameMap


class ModuleContext(NamedTuple):
    """Where a module sits: its dotted name and the package relative imports start from.

    For ``src/flask/json/__init__.py``: ``("flask.json", "flask.json")``; for
    ``src/flask/app.py``: ``("flask.app", "flask")``. ``in_package`` is True for a module
    of an old package (its module-level definitions can be symbols).
    """

    name: str
    package: str
    in_package: bool = False


@dataclass
class SymbolPlan:
    """What changes.

    Attributes:
        names: Name nodes to rename (bindings, their uses, imported names).
        keep_local: imports whose local name must stay (``... as Flask``).
        strings: string annotations and ``__all__`` entries: node -> old -> new name.
        module_roots: Name nodes that stand for a module of an old package (``flask`` after
            ``import flask``, ``f`` after ``import flask as f``) -> its dotted name, so
            attributes hanging off them can be matched against the symbols.
        global_names: module-level names renamed with their binding (for ``# type:``
            comments, which scope analysis does not see).
    """

    names: dict[cst.Name, str] = field(default_factory=dict)
    keep_local: dict[cst.ImportAlias, str] = field(default_factory=dict)
    strings: dict[cst.CSTNode, dict[str, str]] = field(default_factory=dict)
    module_roots: dict[cst.Name, str] = field(default_factory=dict)
    global_names: dict[str, str] = field(default_factory=dict)


def plan_symbols(
    module: cst.Module,
    scopes: Mapping[cst.CSTNode, Scope | None],
    context: ModuleContext,
    rename: RenameMap,
) -> SymbolPlan:
    """Decide every symbol rename in one module.

    Args:
        module: the parsed module.
        scopes: libcst ``ScopeProvider`` results for it.
        context: the module's name and package (old namespace).
        rename: the rename map, ``symbols`` expanded over the tree.

    Returns:
        The plan; empty when nothing refers to a renamed symbol.
    """
    plan = SymbolPlan()
    if not rename.symbols:
        return plan
    olds = tuple(rename.packages)
    renamed: dict[BaseAssignment, str] = {}
    aliases: dict[BaseAssignment, cst.ImportAlias] = {}
    for scope in {scope for scope in scopes.values() if scope is not None}:
        for assignment in scope.assignments:
            new = _binding_rename(assignment, scope, context, rename, plan, aliases)
            if new is not None:
                renamed[assignment] = new
            _record_module_root(assignment, context, olds, plan)
    _plan_bindings(renamed, aliases, plan)
    _plan_dunder_all(module, scopes, renamed, plan)
    return plan


def _record_module_root(
    assignment: BaseAssignment, context: ModuleContext, olds: tuple[str, ...], plan: SymbolPlan
) -> None:
    """Remember the uses of a name bound to a module (or object) of an old package."""
    if not isinstance(assignment, ImportAssignment):
        return
    node = assignment.node
    dotted: str | None = None
    if isinstance(node, cst.Import):
        for alias in node.names:
            full = get_full_name_for_node(alias.name) or ""
            if alias.asname is not None and _local_name(alias) == assignment.name:
                dotted = full
            elif alias.asname is None and assignment.name in (full, full.split(".")[0]):
                # ``import flask.views`` binds "flask" (libcst also records "flask.views")
                dotted = full.split(".")[0]
    elif isinstance(node, cst.ImportFrom) and not isinstance(node.names, cst.ImportStar):
        source = _import_source(node, context)
        for alias in node.names:
            if source is not None and _local_name(alias) == assignment.name:
                dotted = f"{source}.{get_full_name_for_node(alias.name)}"
    if dotted is None or not any(dotted == old or dotted.startswith(old + ".") for old in olds):
        return
    for access in assignment.references:
        root: cst.CSTNode = access.node
        while isinstance(root, cst.Attribute):  # ``flask.app`` after ``import flask.app``
            root = root.value
        if isinstance(root, cst.Name):
            plan.module_roots[root] = dotted


def _binding_rename(
    assignment: BaseAssignment,
    scope: Scope,
    context: ModuleContext,
    rename: RenameMap,
    plan: SymbolPlan,
    aliases: dict[BaseAssignment, cst.ImportAlias],
) -> str | None:
    """The new name of a binding of a symbol, or None; records the imported-name edits."""
    if isinstance(assignment, ImportAssignment) and isinstance(assignment.node, cst.ImportFrom):
        node = assignment.node
        source = _import_source(node, context)
        if source is None or isinstance(node.names, cst.ImportStar):
            return None
        for alias in node.names:
            name = get_full_name_for_node(alias.name)
            local = _local_name(alias)
            if local != assignment.name or name is None:
                continue
            new = rename.symbols.get(f"{source}.{name}")
            if new is None:
                return None
            if isinstance(alias.name, cst.Name):
                plan.names[alias.name] = new
            if local != name:
                return None  # a user alias: the local name stays
            aliases[assignment] = alias
            return new
        return None
    if (
        context.in_package
        and isinstance(scope, GlobalScope)
        and isinstance(assignment, Assignment)
        and not isinstance(assignment, ImportAssignment)
    ):
        return rename.symbols.get(f"{context.name}.{assignment.name}")
    return None


def _plan_bindings(
    renamed: dict[BaseAssignment, str],
    aliases: dict[BaseAssignment, cst.ImportAlias],
    plan: SymbolPlan,
) -> None:
    groups: dict[tuple[Scope, str], list[BaseAssignment]] = {}
    for assignment in renamed:
        groups.setdefault((assignment.scope, assignment.name), []).append(assignment)
    for (scope, name), group in groups.items():
        news = {renamed[assignment] for assignment in group}
        conflicted = len(news) > 1 or any(other not in renamed for other in scope.assignments[name])
        for assignment in group:
            for access in assignment.references:
                if any(referent not in renamed for referent in access.referents):
                    conflicted = True
        if conflicted:
            for assignment in group:
                alias = aliases.get(assignment)
                if alias is not None:
                    plan.keep_local[alias] = name
        elif isinstance(scope, GlobalScope):
            plan.global_names[name] = news.pop()
        for assignment in group:
            new = renamed[assignment]
            if assignment in aliases:
                if conflicted:
                    continue
                asname = aliases[assignment].asname
                if asname is not None and isinstance(asname.name, cst.Name):
                    plan.names[asname.name] = new
            else:
                _rename_definition(assignment, new, plan)
            for access in assignment.references:
                if conflicted and any(r not in renamed for r in access.referents):
                    continue
                if isinstance(access.node, cst.Name):
                    plan.names[access.node] = new
                elif isinstance(access.node, cst.BaseString):
                    plan.strings.setdefault(access.node, {})[name] = new


def _rename_definition(assignment: BaseAssignment, new: str, plan: SymbolPlan) -> None:
    node = getattr(assignment, "node", None)
    if isinstance(node, (cst.ClassDef, cst.FunctionDef)):
        plan.names[node.name] = new
    elif isinstance(node, cst.Name):
        plan.names[node] = new


def _plan_dunder_all(
    module: cst.Module,
    scopes: Mapping[cst.CSTNode, Scope | None],
    renamed: dict[BaseAssignment, str],
    plan: SymbolPlan,
) -> None:
    """``__all__ = ["Flask"]``: an entry naming a renamed module-level binding follows it."""
    scope = scopes.get(module)
    if scope is None:
        return
    news = {
        assignment.name: new
        for assignment, new in renamed.items()
        if assignment.scope is scope and _binding_renamed(assignment, plan)
    }
    if not news:
        return
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            value = _dunder_all_value(small)
            if not isinstance(value, (cst.List, cst.Tuple)):
                continue
            for element in value.elements:
                if isinstance(element.value, cst.SimpleString):
                    text = element.value.evaluated_value
                    if isinstance(text, str) and text in news:
                        plan.strings.setdefault(element.value, {})[text] = news[text]


def _binding_renamed(assignment: BaseAssignment, plan: SymbolPlan) -> bool:
    """Whether the plan renames the binding itself (not only its imported name)."""
    node = getattr(assignment, "node", None)
    if isinstance(node, (cst.ClassDef, cst.FunctionDef)):
        return node.name in plan.names
    if isinstance(node, cst.ImportFrom) and not isinstance(node.names, cst.ImportStar):
        return not any(alias in plan.keep_local for alias in node.names)
    return isinstance(node, cst.Name) and node in plan.names


def _dunder_all_value(small: cst.BaseSmallStatement) -> cst.BaseExpression | None:
    if isinstance(small, cst.Assign) and any(
        isinstance(target.target, cst.Name) and target.target.value == "__all__"
        for target in small.targets
    ):
        return small.value
    if (
        isinstance(small, (cst.AnnAssign, cst.AugAssign))
        and isinstance(small.target, cst.Name)
        and small.target.value == "__all__"
    ):
        return small.value
    return None


def _import_source(node: cst.ImportFrom, context: ModuleContext) -> str | None:
    """The absolute module a ``from ... import`` reads from, in the old namespace."""
    module = get_full_name_for_node(node.module) if node.module is not None else None
    dots = len(node.relative)
    if dots == 0:
        return module
    bits = context.package.split(".") if context.package else []
    if not bits or dots - 1 > len(bits) - 1:
        return None
    base = bits[: len(bits) - (dots - 1)]
    return ".".join(base + ([module] if module else []))


def _local_name(alias: cst.ImportAlias) -> str | None:
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    return get_full_name_for_node(alias.name)


def rename_names_in_code(code: str, names: Mapping[str, str]) -> str | None:
    """Rename plain names inside an expression held in a string (``"t.Optional[Flask]"``).

    Only ``Name`` nodes change, not attributes (``x.Flask``). Returns None if ``code`` is
    not an expression.
    """
    try:
        expression = cst.parse_expression(code)
    except cst.ParserSyntaxError:
        return None

    class _Names(cst.CSTTransformer):
        def visit_Attribute(self, node: cst.Attribute) -> bool:
            return False  # the attribute's name is not a binding; its value is visited below

        def leave_Attribute(
            self, original_node: cst.Attribute, updated_node: cst.Attribute
        ) -> cst.Attribute:
            return updated_node.with_changes(value=original_node.value.visit(self))

        def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
            new = names.get(updated_node.value)
            return updated_node if new is None else updated_node.with_changes(value=new)

    renamed = expression.visit(_Names())
    assert isinstance(renamed, cst.BaseExpression)
    return cst.Module(body=[]).code_for_node(renamed)
