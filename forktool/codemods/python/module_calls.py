"""Calls of the tree's own functions whose parameters hold module names.

``RenameMap.module_parameters`` (found by
:func:`~forktool.codemods.passes.module_parameters.expand_module_parameters`) says which
parameters of which callees are module names. This module is the one place a call site is
matched against it: by the tree pass (calls passing a parameter on), by the codemod
(:class:`~forktool.codemods.python.strings.StringContexts`: a literal argument gets the
module context) and by the evidence report. It knows nothing of syntax trees: callers give
the callee's dotted name as spelled and as resolved through the module's imports, and the
call's arguments.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TypeVar

from forktool.codemods.names import is_module_path
from forktool.model import ModuleParameter, RenameMap

_Node = TypeVar("_Node")
_OTHER_OBJECT = "; this call is on another object, whose type is not known"


def callee_parameters(
    spelled: str,
    resolved: str | None,
    rename: RenameMap,
    *,
    proven: bool = True,
) -> tuple[ModuleParameter, ...]:
    """The parameters of the function or class a call names that hold module names.

    Args:
        spelled: the callee as written, a dotted name (``PackageLoader``,
            ``loaders.PackageLoader``, ``self.loader.load``).
        resolved: the same with its first name replaced by what the module imported under
            it (``jinja2.PackageLoader`` after ``from jinja2 import PackageLoader``), or None
            when the first name is not imported (a local name, ``self``, a relative import).
        rename: the rename map, ``module_parameters`` expanded over the tree.
        proven: only the parameters shown for every function or class the call can name
            (False: also those shown for some of them, and those of a method of another
            object by its last name, marked not proven and saying so, for the report).

    Returns:
        The matching entries of ``rename.module_parameters``, empty when none match. An
        imported callee is matched by its resolved qualified name alone; any other by its
        qualified name as spelled, else by its last name, but only where that name can
        only be the tree's: a bare name (``PackageLoader(...)``: defined in the module or
        relatively imported) or a method of the class itself (``self.load``,
        ``cls.load``). A method of any other object (``settings.get("flask")``,
        ``self.loader.load``) is never matched by its name: its type is not known.
    """
    table = rename.module_parameters
    if not table:
        return ()
    if resolved is not None:
        found = table.get(resolved, ())
    elif "." in spelled and spelled in table:
        found = table[spelled]
    elif _own_name(spelled):
        found = table.get(spelled.rsplit(".", 1)[-1], ())
    elif proven:
        found = ()
    else:  # for the report: the name has the parameter, but this call is not proven
        found = tuple(
            replace(item, proven=False, evidence=item.evidence + _OTHER_OBJECT)
            for item in table.get(spelled.rsplit(".", 1)[-1], ())
        )
    return tuple(item for item in found if item.proven or not proven)


def _own_name(spelled: str) -> bool:
    """A bare name, or a method looked up on the instance or class itself."""
    parts = spelled.split(".")
    return len(parts) == 1 or (len(parts) == 2 and parts[0] in ("self", "cls"))


def bound_argument(
    parameter: ModuleParameter,
    positional: Sequence[_Node],
    keywords: dict[str, _Node],
) -> _Node | None:
    """The argument a call passes for ``parameter``, or None when it passes none.

    Args:
        parameter: one parameter of the callee.
        positional: the call's positional arguments up to the first ``*args`` (after it
            positions are unknown).
        keywords: the call's keyword arguments by name (``**kwargs`` left out).
    """
    if parameter.position is not None and parameter.position < len(positional):
        return positional[parameter.position]
    if parameter.keyword is not None:
        return keywords.get(parameter.keyword)
    return None


def is_old_module(value: str, rename: RenameMap) -> bool:
    """True for an old package's name or the dotted path of a module under it
    (``jinja2``, ``jinja2.ext``): what a module-name parameter renames."""
    if not is_module_path(value):
        return False
    return any(value == old or value.startswith(old + ".") for old in rename.packages)
