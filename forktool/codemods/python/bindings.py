"""Scope analysis for names bound by ``import <old>``: which uses change, which aliases stay.

``import flask`` binds ``flask``; every use libcst's scope analysis ties to that binding
becomes ``framework``. A parameter or local variable shadowing it is another binding and
stays. When a use could also see another binding (``try: import flask`` / ``except
ImportError: flask = None``), the uses stay and the import keeps the name instead
(``import framework as flask``).

:class:`ImportFinder` tells cheaply (statements only) whether a module needs the
analysis at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import libcst as cst
from libcst.helpers import get_full_name_for_node
from libcst.metadata import BaseAssignment, ImportAssignment, Scope

from forktool.model import RenameMap


class ImportFinder(cst.CSTVisitor):
    """What the imports need: scope analysis for names, for symbols? Visits statements only.

    Attributes:
        found: there is an ``import <old>`` / ``import <old>.x`` without ``as``.
        imports_old: there is an ``import`` of an old package, with or without ``as``, or
            a ``from <old>... import`` (which may bind a module, ``from flask import app``).
        from_names: names imported by ``from <old>... import`` or relative imports.
    """

    def __init__(self, rename: RenameMap) -> None:
        super().__init__()
        self.tops = {old.split(".")[0] for old in rename.packages}
        self.found = False
        self.imports_old = False
        self.from_names: set[str] = set()

    def _check(self, statements: Sequence[cst.BaseSmallStatement]) -> bool:
        for statement in statements:
            if isinstance(statement, cst.Import):
                for alias in statement.names:
                    if (get_full_name_for_node(alias.name) or "").split(".")[0] in self.tops:
                        self.imports_old = True
                        self.found = self.found or alias.asname is None
            elif isinstance(statement, cst.ImportFrom) and not isinstance(
                statement.names, cst.ImportStar
            ):
                module = get_full_name_for_node(statement.module) if statement.module else ""
                from_old = (module or "").split(".")[0] in self.tops
                self.imports_old = self.imports_old or (from_old and not statement.relative)
                if statement.relative or from_old:
                    self.from_names.update(
                        name
                        for alias in statement.names
                        if (name := get_full_name_for_node(alias.name)) is not None
                    )
        return False  # imports are statements: nothing to find inside expressions

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> bool:
        return self._check(node.body)

    def visit_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> bool:
        return self._check(node.body)

    def visit_Decorator(self, node: cst.Decorator) -> bool:
        return False

    def visit_Parameters(self, node: cst.Parameters) -> bool:
        return False


@dataclass
class Plan:
    """What the scope analysis decided: which ``Name`` nodes and aliases change."""

    names: dict[cst.Name, str] = field(default_factory=dict)
    aliased: set[cst.ImportAlias] = field(default_factory=set)
    #: ``jaraco.functools`` (an attribute chain) after ``import jaraco.functools``, when
    #: the dotted package itself is renamed: the chain -> its new dotted spelling.
    chains: dict[cst.Attribute, str] = field(default_factory=dict)


def plan_bindings(scopes: Mapping[cst.CSTNode, Scope | None], rename: RenameMap) -> Plan:
    """Find every use of a name bound by ``import <old>`` and decide how to rename it.

    Args:
        scopes: libcst ``ScopeProvider`` results for the module.
        rename: the rename map (packages whose old and new names are identifiers).

    Returns:
        The :class:`Plan`: ``Name`` nodes to rename, and import aliases that must keep
        the old name because a use also sees another binding.
    """
    plan = Plan()
    renamable = {
        old: new
        for old, new in rename.packages.items()
        if old.isidentifier() and new.isidentifier()
    }
    _plan_dotted_chains(scopes, rename, set(renamable), plan)
    if not renamable:
        return plan
    groups: dict[tuple[Scope, str], list[ImportAssignment]] = {}
    for scope in {scope for scope in scopes.values() if scope is not None}:
        for assignment in scope.assignments:
            top = assignment.name.split(".")[0]
            if top in renamable and _binds_old_module(assignment):
                assert isinstance(assignment, ImportAssignment)
                groups.setdefault((scope, top), []).append(assignment)
    bindings: set[BaseAssignment] = {a for group in groups.values() for a in group}
    for (scope, top), group in groups.items():
        roots: list[cst.Name] = []
        # Another binding of the name in the same scope (``flask = None``) keeps the name.
        conflicted = any(other not in bindings for other in scope.assignments[top])
        for assignment in group:
            for access in assignment.references:
                if isinstance(access.node, cst.BaseString):
                    continue  # string annotations: the string rules handle them
                if any(referent not in bindings for referent in access.referents):
                    conflicted = True
                root = leftmost_name(access.node)
                if root is not None and root.value == top:
                    roots.append(root)
        if not conflicted:
            plan.names.update((root, renamable[top]) for root in roots)
            continue
        for assignment in group:
            alias = _alias_of(assignment)
            if alias is not None and isinstance(alias.name, cst.Name):
                plan.aliased.add(alias)
    return plan


def _plan_dotted_chains(
    scopes: Mapping[cst.CSTNode, Scope | None],
    rename: RenameMap,
    renamed_tops: set[str],
    plan: Plan,
) -> None:
    """``import jaraco.functools`` then ``jaraco.functools.compose``: with the dotted
    package renamed (``jfunc``), the chain naming it becomes the new name."""
    dotted = {
        old: new
        for old, new in rename.packages.items()
        if "." in old and old.split(".")[0] not in renamed_tops
    }
    if not dotted:
        return
    for scope in {scope for scope in scopes.values() if scope is not None}:
        for assignment in scope.assignments:
            if not _binds_old_module(assignment):
                continue
            for old, new in dotted.items():
                if assignment.name != old and not assignment.name.startswith(old + "."):
                    continue
                for access in assignment.references:
                    spelled = get_full_name_for_node(access.node) or ""
                    if isinstance(access.node, cst.Attribute) and (
                        spelled == old or spelled.startswith(old + ".")
                    ):
                        plan.chains[access.node] = new + spelled[len(old) :]


def _binds_old_module(assignment: BaseAssignment) -> bool:
    """True for the binding made by ``import flask`` / ``import flask.x`` (no ``as``)."""
    return (
        isinstance(assignment, ImportAssignment)
        and isinstance(assignment.node, cst.Import)
        and _alias_of(assignment) is not None
    )


def _alias_of(assignment: BaseAssignment) -> cst.ImportAlias | None:
    if not isinstance(assignment, ImportAssignment) or not isinstance(assignment.node, cst.Import):
        return None
    for alias in assignment.node.names:
        if alias.asname is None and alias.name is assignment.as_name:
            return alias
    return None


def leftmost_name(node: cst.CSTNode) -> cst.Name | None:
    """The ``Name`` an attribute chain starts from (``flask`` in ``flask.json.dumps``), or
    None when it starts from something else (a call, a subscript)."""
    while isinstance(node, cst.Attribute):
        node = node.value
    return node if isinstance(node, cst.Name) else None
