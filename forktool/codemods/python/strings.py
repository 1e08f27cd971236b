"""Where a string literal appears in Python source, and what it is expected to hold there.

:class:`StringContexts` is a mixin for the codemod's transformer: its ``visit_*`` methods
run before a node's children are visited, so by the time a string's ``leave_*`` runs its
context is known (``dist`` for ``importlib.metadata.version("flask")``, ``module`` for
``import_module("flask")``, ...). :func:`rename_in_context` renames a value for its context.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

import libcst as cst
from libcst.helpers import get_full_name_for_node

from forktool.codemods import names
from forktool.codemods.packaging import ini
from forktool.codemods.paths import rename_path
from forktool.codemods.python.contexts import (
    DIST,
    DIST_FUNCTIONS,
    DIST_SUFFIXES,
    DOCSTRING,
    ENTRY,
    ENTRY_GROUP,
    ENTRY_INI,
    ENTRY_SCRIPT,
    IMPORT_FUNCTIONS,
    IMPORT_PATH,
    MODULE,
    MODULE_FUNCTIONS,
    MODULE_REGEX,
    PATH,
    PATH_PART,
    REQUIREMENT,
    REQUIREMENT_FUNCTIONS,
    RESOURCE_FUNCTIONS,
    RESOURCE_SUFFIXES,
    SCRIPT,
    SCRIPT_GROUPS,
    SETUP_FUNCTIONS,
    SETUP_KEYWORDS,
    SYMBOL_NAME,
    SYS_MODULES_METHODS,
    WARNING_SPEC,
)
from forktool.codemods.python.literals import literal_value
from forktool.codemods.python.module_calls import bound_argument, callee_parameters, is_old_module
from forktool.model import RenameMap

_STRING_NODES = (cst.SimpleString, cst.ConcatenatedString)
# ``__name__ == "flask"``, ``cls.__module__ == "flask.app"``: the other side is a module name.
_MODULE_NAME_ATTRIBUTES = frozenset({"__module__", "__package__"})
# ``os.path.join(...)`` / ``Path(...)``: arguments are path parts.
_PATH_JOINS = frozenset({"os.path.join", "posixpath.join", "ntpath.join", "path.join"})
_PATH_CLASSES = frozenset({"Path", "PurePath", "PosixPath", "PurePosixPath"})
_CLI_CLASS_SUFFIXES = ("Group", "Command")
_CLI_DECORATORS = frozenset({"group", "command"})
_EQUALITY = (cst.Equal, cst.NotEqual, cst.In, cst.NotIn, cst.Is, cst.IsNot)
# ``{"__name__": "acme"}``: a module's namespace (frame globals, ``exec``'s globals).
_NAMESPACE_KEYS = frozenset({"__name__", "__package__"})
# What a module holding a module name in one of its own names mentions.
_FLOW_HINT = re.compile(r"__name__|__package__|__module__|sys\.modules")
# Namespaces whose ``.get("__name__")`` is a module's name.
_NAMESPACE_SUFFIXES = ("f_globals", "__dict__")
# Calls that copy a display into a container: ``tuple(["acme"] + extra)``.
_CONTAINER_CALLS = frozenset({"tuple", "list", "set", "frozenset", "sorted"})


class StringContexts:
    """Record, for string literals in telling positions, what they are expected to hold.

    A mixin for the transformer: its ``visit_*`` methods run before the children are
    visited, so a string's context is known by the time its ``leave_*`` runs.

    Callees are resolved through the module's own imports (``from importlib.metadata
    import version`` makes ``version(...)`` a distribution look-up), in source order and
    ignoring shadowing: a cheap stand-in for libcst's QualifiedNameProvider, which costs a
    full extra pass over every module.
    """

    def __init__(self, rename: RenameMap, *, in_package: bool = False, source: str = "") -> None:
        """``in_package``: the module belongs to an old package (its CLI is the script's).
        ``source``: the module's text, read only to tell whether a string may reach a
        module name through a name (:meth:`visit_Module`)."""
        self.contexts: dict[cst.CSTNode, str] = {}
        self.imported: dict[str, str] = {}  # local name -> dotted name it stands for
        self.in_package = in_package
        self.tops = frozenset(old.split(".")[0] for old in rename.packages)
        self._rename_map = rename
        self._flow_hint = names_may_hold_modules(source, rename)

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            dotted = get_full_name_for_node(alias.name)
            if dotted is None:
                continue
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.imported[alias.asname.name.value] = dotted
            else:
                top = dotted.split(".")[0]
                self.imported[top] = top

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if node.relative or node.module is None or isinstance(node.names, cst.ImportStar):
            return
        module = get_full_name_for_node(node.module)
        for alias in node.names:
            name = get_full_name_for_node(alias.name)
            if module is None or name is None:
                continue
            local = name
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            self.imported[local] = f"{module}.{name}"

    def _set(self, node: cst.CSTNode | None, context: str) -> None:
        if isinstance(node, _STRING_NODES):
            self.contexts.setdefault(node, context)

    def _set_elements(self, node: cst.CSTNode, context: str) -> None:
        if isinstance(node, cst.IfExp):  # ``['acme'] if cpython else []``
            self._set_elements(node.body, context)
            self._set_elements(node.orelse, context)
        elif isinstance(node, (cst.List, cst.Tuple, cst.Set)):
            for element in node.elements:
                self._set(element.value, context)
        else:
            self._set(node, context)

    def _callee_names(self, func: cst.BaseExpression) -> set[str]:
        """The callee as spelled and as resolved through the imports seen so far."""
        spelled = get_full_name_for_node(func)
        if spelled is None:
            return set()
        resolved = self._resolved(spelled)
        return {spelled} if resolved is None else {spelled, resolved}

    def _resolved(self, spelled: str) -> str | None:
        """``spelled`` with its first name replaced by what the module imported under it."""
        head, _, rest = spelled.partition(".")
        resolved = self.imported.get(head)
        return None if resolved is None else resolved + ("." + rest if rest else "")

    def _visit_module_parameters(self, node: cst.Call) -> None:
        """``PackageLoader("flask")`` where the tree shows ``PackageLoader``'s parameter
        reaching ``import_module`` (``RenameMap.module_parameters``): a module name."""
        spelled = _dotted_name(node.func)
        if spelled is None or not self._rename_map.module_parameters:
            return
        found = callee_parameters(spelled, self._resolved(spelled), self._rename_map)
        if not found:
            return
        positional: list[cst.BaseExpression] = []
        for arg in node.args:
            if arg.star or arg.keyword is not None:
                break
            positional.append(arg.value)
        keywords = {arg.keyword.value: arg.value for arg in node.args if arg.keyword is not None}
        for parameter in found:
            value = bound_argument(parameter, positional, keywords)
            if isinstance(value, _STRING_NODES):
                text = value.evaluated_value  # None with an f-string piece; bytes for b""
                if isinstance(text, str) and is_old_module(text, self._rename_map):
                    self._set(value, MODULE)

    def visit_Call(self, node: cst.Call) -> None:
        self._visit_module_parameters(node)
        callees = self._callee_names(node.func)
        lasts = {callee.rsplit(".", 1)[-1] for callee in callees}
        positional = [arg.value for arg in node.args if arg.keyword is None and not arg.star]
        keywords = {arg.keyword.value: arg.value for arg in node.args if arg.keyword is not None}
        first = positional[0] if positional else None
        if callees & DIST_FUNCTIONS or any(c.endswith(DIST_SUFFIXES) for c in callees):
            self._set(first if first is not None else keywords.get("distribution_name"), DIST)
        elif any("version" in last or "distribution" in last for last in lasts):
            # ``get_version("Flask")`` (Sphinx conf helpers): a distribution name, if any
            self._set(first, DIST)
        elif callees & REQUIREMENT_FUNCTIONS:
            for value in positional:
                self._set_elements(value, REQUIREMENT)
        elif lasts & MODULE_FUNCTIONS or callees & SYS_MODULES_METHODS:
            imports = bool(lasts & IMPORT_FUNCTIONS)
            self._set_module_head(
                first if first is not None else keywords.get("name"),
                IMPORT_PATH if imports else MODULE,
            )
        elif callees & RESOURCE_FUNCTIONS or any(c.endswith(RESOURCE_SUFFIXES) for c in callees):
            for key in ("package", "anchor", "package_or_requirement"):
                first = first if first is not None else keywords.get(key)
            self._set(first, MODULE)
        elif "filterwarnings" in lasts and any(c.endswith("mark.filterwarnings") for c in callees):
            self._set(first, WARNING_SPEC)
        elif lasts & {"filterwarnings", "simplefilter"}:
            self._set(keywords.get("module"), MODULE_REGEX)
            if "filterwarnings" in lasts and len(positional) > 3:
                self._set(positional[3], MODULE_REGEX)
        elif callees & SETUP_FUNCTIONS:
            self._visit_setup(keywords)
        elif lasts & {"find_packages", "find_namespace_packages"}:
            for key in ("include", "exclude"):
                if key in keywords:
                    self._set_elements(keywords[key], IMPORT_PATH)
        elif callees & _PATH_JOINS or lasts & _PATH_CLASSES:
            self._set_path_parts(positional)
        elif any(last.endswith("Extension") for last in lasts):
            # Extension("acme._speedups", ["acme/_speedups.c"], include_dirs=[...])
            if len(positional) > 1:
                self._set_elements(positional[1], PATH)
            for key in ("sources", "include_dirs", "depends", "library_dirs"):
                if key in keywords:
                    self._set_elements(keywords[key], PATH)
        elif (
            isinstance(node.func, cst.Attribute)
            and node.func.attr.value == "startswith"
            and _is_module_name(node.func.value)
            and first is not None
        ):
            self._set_elements(first, MODULE)  # __name__.startswith("flask")
        self._mark_dash_m(positional)
        self._visit_cli_names(lasts, keywords)
        if lasts & {"startswith", "endswith"} and isinstance(first, cst.Tuple):
            # x.startswith(("acme", "acme.")): one test of a module name
            self._mark_siblings([element.value for element in first.elements])

    def _set_module_head(self, node: cst.BaseExpression | None, context: str = MODULE) -> None:
        """A module name, or the expression building one: its leading string is a module.

        ``"acme." + name``, ``"acme.%s" % name``, ``"".join(["acme", ".", name])``.
        """
        while isinstance(node, cst.BinaryOperation) and isinstance(
            node.operator, (cst.Add, cst.Modulo)
        ):
            node = node.left
        if (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Attribute)
            and node.func.attr.value == "join"
            and node.args
            and isinstance(node.args[0].value, (cst.List, cst.Tuple))
            and node.args[0].value.elements
        ):
            node = node.args[0].value.elements[0].value
        self._set(node, context)

    def _set_path_parts(self, parts: Sequence[cst.BaseExpression]) -> None:
        """``os.path.join(here, "src", "acme", "x.py")``: the package directory moves.

        The first string part, or the one right after ``"src"``, when it is exactly an old
        package name, is the package directory (a deeper ``tests/acme`` is not).
        """
        strings = [(part, _string_value(part)) for part in parts]
        seen_string = False
        for index, (part, value) in enumerate(strings):
            if value is None:
                continue
            after_src = index > 0 and strings[index - 1][1] == "src"
            if (not seen_string or after_src) and value in self.tops:
                self._set(part, PATH)
                self._set_dotted_parts(strings[index:])
            seen_string = True

    def _set_dotted_parts(self, strings: Sequence[tuple[cst.BaseExpression, str | None]]) -> None:
        """``"zope", "interface"`` spelling a dotted old package one part per argument:
        each part becomes its counterpart in the new name (when it has as many parts)."""
        values = [value for _, value in strings]
        for old, new in self._rename_map.packages.items():
            old_parts, new_parts = old.split("."), new.split(".")
            if len(old_parts) < 2 or len(new_parts) != len(old_parts):
                continue
            if values[: len(old_parts)] == old_parts:
                for (part, value), replacement in zip(strings, new_parts, strict=False):
                    if value != replacement:
                        self.contexts[part] = PATH_PART + replacement
                return

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        """``Path(__file__).parent / "acme" / "__init__.py"``: parts after a path object.

        The outermost division of a chain is visited first and sees the whole chain; the
        inner ones see a prefix of it and change nothing (contexts are set once).
        """
        if not isinstance(node.operator, cst.Divide):
            return
        parts: list[cst.BaseExpression] = [node.right]
        left = node.left
        while isinstance(left, cst.BinaryOperation) and isinstance(left.operator, cst.Divide):
            parts.append(left.right)
            left = left.left
        if _string_value(left) is None:
            self._set_path_parts(parts[::-1])

    def visit_Module(self, node: cst.Module) -> None:
        """Strings that reach a module name through the module's own names (see
        :class:`_ModuleNameFlow`); looked for only where the text hints at it."""
        if not self._flow_hint:
            return
        flow = _ModuleNameFlow()
        node.visit(flow)
        for string in flow.module_names():
            self._set(string, MODULE)

    def visit_Dict(self, node: cst.Dict) -> None:
        """Dict displays that say what their strings are, wherever they are written.

        ``{"console_scripts": [...]}`` / ``{"entry_points": {...}}`` (setup keywords passed
        through ``**extra``), logging ``dictConfig``'s ``{"loggers": {"acme": ...}}``, a
        module's namespace ``{"__name__": "acme"}`` (frame globals, ``exec``). A dict
        holding ``packages`` and another of setup's keywords (lxml's ``setup(**opts)``) is
        read as setup's keywords.
        """
        keywords = {
            key: element.value
            for element in node.elements
            if isinstance(element, cst.DictElement)
            and (key := _string_value(element.key)) is not None
        }
        if {"packages", "py_modules"} & set(keywords) and len(SETUP_KEYWORDS & set(keywords)) > 1:
            self._visit_setup(keywords)
            return
        for element in node.elements:
            if not isinstance(element, cst.DictElement):
                continue
            key = _string_value(element.key)
            if key in SCRIPT_GROUPS:
                self._set_elements(element.value, ENTRY_SCRIPT)
            elif key == "entry_points" and isinstance(element.value, cst.Dict):
                self._visit_setup_dict("entry_points", element.value)
            elif key == "loggers" and isinstance(element.value, cst.Dict):
                for logger in element.value.elements:
                    if isinstance(logger, cst.DictElement):
                        self._set(logger.key, MODULE)
            elif key in _NAMESPACE_KEYS:
                self._set(element.value, MODULE)

    def visit_BooleanOperation(self, node: cst.BooleanOperation) -> None:
        """``name == "acme" or name.startswith("acme.")``: both halves name modules."""
        self._mark_siblings(list(_operand_strings(node)))

    def _mark_siblings(self, values: Sequence[cst.BaseExpression]) -> None:
        """In one test of a name (a boolean expression, a ``startswith`` tuple), a bare old
        package name beside a module path under it (``"acme"`` and ``"acme."``) is a
        module name too.

        Not in list, tuple or dict displays in general: there the bare name is often data
        compared with a literal in another file (``handler500 = "django"``), which must
        then stay as it is too.
        """
        found = [(value, _string_value(value)) for value in values]
        bare = [value for value, text in found if text in self.tops]
        if not bare:
            return
        dotted = any(
            text is not None
            and "." in text
            and text.split(".")[0] in self.tops
            and names.rename_module(text, self._rename_map) is not None
            for _, text in found
        )
        if dotted:
            for value in bare:
                self._set(value, MODULE)

    def _visit_cli_names(self, lasts: set[str], keywords: dict[str, cst.BaseExpression]) -> None:
        """The package's own CLI named after its console script: ``FlaskGroup(name="flask")``.

        Inside an old package, ``prog_name=`` anywhere, and ``name=`` given to a click-style
        group or command (``...Group``/``...Command`` classes, ``group()``/``command()``
        decorators), are the usage name of the console script; when that name is an old
        script it is renamed with the script. Elsewhere (tests) the same string may also be
        a sub-command typed in an argument list, so it stays and is reported.
        """
        if not self.in_package:
            return
        self._set(keywords.get("prog_name"), SCRIPT)
        if any(last.endswith(_CLI_CLASS_SUFFIXES) or last in _CLI_DECORATORS for last in lasts):
            self._set(keywords.get("name"), SCRIPT)

    def _visit_setup(self, keywords: dict[str, cst.BaseExpression]) -> None:
        for key, value in keywords.items():
            if key == "name":
                self._set(value, DIST)
            elif key in ("packages", "py_modules", "namespace_packages"):
                self._set_elements(value, IMPORT_PATH)
            elif key in ("install_requires", "tests_require", "setup_requires"):
                self._set_elements(value, REQUIREMENT)
            elif isinstance(value, cst.Dict):
                self._visit_setup_dict(key, value)
            elif key == "entry_points":
                self._set(value, ENTRY_INI)

    def _visit_setup_dict(self, key: str, value: cst.Dict) -> None:
        for element in value.elements:
            if not isinstance(element, cst.DictElement):
                continue
            if key == "package_dir":
                self._set(element.key, IMPORT_PATH)
                self._set(element.value, PATH)
            elif key in ("package_data", "exclude_package_data"):
                self._set(element.key, IMPORT_PATH)
            elif key == "extras_require":
                self._set_elements(element.value, REQUIREMENT)
            elif key == "entry_points":
                self._set(element.key, ENTRY_GROUP)
                group = (
                    literal_value(element.key.value)
                    if isinstance(element.key, cst.SimpleString)
                    else None
                )
                context = ENTRY_SCRIPT if group in SCRIPT_GROUPS else ENTRY
                if isinstance(element.value, _STRING_NODES):
                    self._set(element.value, context)
                else:
                    self._set_elements(element.value, context)

    def _mark_dash_m(self, values: Sequence[cst.BaseExpression]) -> None:
        for before, after in zip(values, values[1:], strict=False):
            if (
                isinstance(before, cst.SimpleString)
                and "-m" in before.value
                and literal_value(before.value) == "-m"
            ):
                self._set(after, MODULE)

    def visit_List(self, node: cst.List) -> None:
        self._mark_dash_m([element.value for element in node.elements])

    def visit_Tuple(self, node: cst.Tuple) -> None:
        self._mark_dash_m([element.value for element in node.elements])

    def visit_Subscript(self, node: cst.Subscript) -> None:
        """``sys.modules["acme"]``; ``config["loggers"]["acme"]`` (a logger name)."""
        index = node.slice[0].slice if len(node.slice) == 1 else None
        if not isinstance(index, cst.Index):
            return
        if get_full_name_for_node(node.value) == "sys.modules":
            self._set(index.value, MODULE)
        elif isinstance(node.value, cst.Subscript) and len(node.value.slice) == 1:
            outer = node.value.slice[0].slice
            if isinstance(outer, cst.Index) and _string_value(outer.value) == "loggers":
                self._set(index.value, MODULE)

    def visit_Comparison(self, node: cst.Comparison) -> None:
        left = node.left
        for target in node.comparisons:
            if isinstance(target.operator, (cst.In, cst.NotIn)) and (
                get_full_name_for_node(target.comparator) == "sys.modules"
            ):
                self._set(node.left, MODULE)
            if isinstance(target.operator, _EQUALITY):
                for one, other in ((left, target.comparator), (target.comparator, left)):
                    if _is_module_name(one):
                        self._set_elements(other, MODULE)
                    elif _is_object_name(one):
                        self._set_elements(other, SYMBOL_NAME)
            left = target.comparator

    def visit_Expr(self, node: cst.Expr) -> None:
        self._set(node.value, DOCSTRING)


def names_may_hold_modules(source: str, rename: RenameMap) -> bool:
    """Whether ``source`` may pass an old package's name to a module name through one of
    its own names (:class:`_ModuleNameFlow`): it mentions a module name's source
    (``__name__``, ``sys.modules``...) and quotes an old top-level package. A cheap test
    on the text, so that most modules skip the extra pass (and keep the statement cut of
    :mod:`~forktool.codemods.python.spans`, which the pass cannot look across)."""
    return _FLOW_HINT.search(source) is not None and any(
        f'"{top}"' in source or f"'{top}'" in source
        for top in {old.split(".")[0] for old in rename.packages}
    )


def _is_module_name(node: cst.BaseExpression) -> bool:
    """``__name__``, ``__package__``, ``x.__module__``, ``x.__package__``, ``__spec__.name``,
    ``x.__name__`` (a module's, or else a class's: then the value is not a module path
    and stays; see :func:`_is_object_name`)."""
    if isinstance(node, cst.Name):
        return node.value in ("__name__", "__package__")
    if isinstance(node, cst.Subscript) and len(node.slice) == 1:
        index = node.slice[0].slice  # globals()["__name__"], module.__dict__["__name__"]
        return isinstance(index, cst.Index) and _string_value(index.value) in (
            "__name__",
            "__package__",
            "__module__",
        )
    if isinstance(node, cst.Attribute):
        if node.attr.value in _MODULE_NAME_ATTRIBUTES or node.attr.value == "__name__":
            return True
        dotted = get_full_name_for_node(node) or ""
        return dotted.endswith("__spec__.name") or dotted.endswith("__spec__.parent")
    if (  # frame.f_globals.get("__name__"), globals().get("__name__"), mod.__dict__.get(...)
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value == "get"
        and node.args
        and _string_value(node.args[0].value) in _NAMESPACE_KEYS
    ):
        namespace = node.func.value
        if isinstance(namespace, cst.Call):
            return get_full_name_for_node(namespace.func) in ("globals", "vars")
        return (get_full_name_for_node(namespace) or "").endswith(_NAMESPACE_SUFFIXES)
    return False


_Scope = tuple[int, ...]


class _ModuleNameFlow(cst.CSTVisitor):
    """Strings that reach a module name through names the module binds.

    ``name = frame.f_globals.get("__name__") or "?"`` makes ``name`` hold a module name
    (one of its assignments does); ``ignores = tuple(["acme"] + extra)`` followed by
    ``name.startswith(ignores)`` (or ``name == ignored``, ``name in ignores``) makes the
    strings ``ignores`` is built from module names. Loop variables over ``sys.modules``
    (its keys; ``item[0]`` of its items) hold module names too. Names are resolved
    lexically: in the function that reads them, else in the functions around it, else
    in the module (``global`` statements and reassignment order are not followed).
    """

    def __init__(self) -> None:
        self._scope: _Scope = ()
        self._assigned: dict[tuple[_Scope, str], list[tuple[cst.BaseExpression, _Scope]]] = {}
        self._keys: set[tuple[_Scope, str]] = set()  # bound to sys.modules' keys
        self._items: set[tuple[_Scope, str]] = set()  # bound to its (name, module) pairs
        # (module name side, strings side, scope) of each test seen
        self._tests: list[tuple[cst.BaseExpression, cst.BaseExpression, _Scope]] = []

    def module_names(self) -> list[cst.BaseExpression]:
        """The string literals found to hold module names."""
        found: list[cst.BaseExpression] = []
        for name_side, strings_side, scope in self._tests:
            if self._holds_module(name_side, scope, set()):
                found.extend(self._strings(strings_side, scope, set()))
        return found

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._scope = (*self._scope, id(node))

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._scope = self._scope[:-1]

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._bind(target.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._bind(node.target, node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.operator, cst.AddAssign):
            self._bind(node.target, node.value)

    def visit_For(self, node: cst.For) -> None:
        self._loop(node.target, node.iter)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._loop(node.target, node.iter)

    def visit_Call(self, node: cst.Call) -> None:
        if (
            isinstance(node.func, cst.Attribute)
            and node.func.attr.value == "startswith"
            and node.args
        ):
            self._tests.append((node.func.value, node.args[0].value, self._scope))

    def visit_Comparison(self, node: cst.Comparison) -> None:
        left = node.left
        for target in node.comparisons:
            if isinstance(target.operator, _EQUALITY):
                self._tests.append((left, target.comparator, self._scope))
                self._tests.append((target.comparator, left, self._scope))
            left = target.comparator

    def _bind(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name):
            self._assigned.setdefault((self._scope, target.value), []).append((value, self._scope))

    def _loop(self, target: cst.BaseExpression, iterable: cst.BaseExpression) -> None:
        """``for name in sys.modules``, ``for name, module in sys.modules.items()``,
        ``[item for item in sys.modules.items()]`` (possibly through ``list(...)``)."""
        while (
            isinstance(iterable, cst.Call)
            and get_full_name_for_node(iterable.func) in _CONTAINER_CALLS
            and iterable.args
        ):
            iterable = iterable.args[0].value
        spelled = get_full_name_for_node(
            iterable.func if isinstance(iterable, cst.Call) else iterable
        )
        if spelled in ("sys.modules", "sys.modules.keys") and isinstance(target, cst.Name):
            self._keys.add((self._scope, target.value))
        elif spelled == "sys.modules.items":
            if isinstance(target, cst.Name):
                self._items.add((self._scope, target.value))
            elif isinstance(target, (cst.Tuple, cst.List)) and target.elements:
                first = target.elements[0].value
                if isinstance(first, cst.Name):
                    self._keys.add((self._scope, first.value))

    @staticmethod
    def _lookup(scope: _Scope) -> Iterator[_Scope]:
        """The scopes a name read in ``scope`` may be bound in: innermost first."""
        for depth in range(len(scope), -1, -1):
            yield scope[:depth]

    def _holds_module(
        self, node: cst.BaseExpression, scope: _Scope, seen: set[tuple[_Scope, str]]
    ) -> bool:
        if _is_module_name(node):
            return True
        if isinstance(node, cst.BooleanOperation):
            return self._holds_module(node.left, scope, seen) or self._holds_module(
                node.right, scope, seen
            )
        if isinstance(node, cst.IfExp):
            return self._holds_module(node.body, scope, seen) or self._holds_module(
                node.orelse, scope, seen
            )
        if (  # item[0] of sys.modules.items()
            isinstance(node, cst.Subscript)
            and isinstance(node.value, cst.Name)
            and len(node.slice) == 1
            and isinstance(node.slice[0].slice, cst.Index)
            and isinstance(node.slice[0].slice.value, cst.Integer)
            and node.slice[0].slice.value.value == "0"
        ):
            return any((where, node.value.value) in self._items for where in self._lookup(scope))
        if not isinstance(node, cst.Name):
            return False
        for where in self._lookup(scope):
            key = (where, node.value)
            if key in self._keys:
                return True
            if key in self._assigned:
                if key in seen:
                    return False
                seen.add(key)
                return any(
                    self._holds_module(value, bound_in, seen)
                    for value, bound_in in self._assigned[key]
                )
        return False

    def _strings(
        self, node: cst.BaseExpression, scope: _Scope, seen: set[tuple[_Scope, str]]
    ) -> list[cst.BaseExpression]:
        """The string literals ``node`` is built from: displays, ``+``, ``or``, conditional
        expressions, ``tuple(...)``-like copies and the names assigned from them."""
        if isinstance(node, _STRING_NODES):
            return [node]
        if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
            return [
                found
                for element in node.elements
                for found in self._strings(element.value, scope, seen)
            ]
        if isinstance(node, (cst.BinaryOperation, cst.BooleanOperation)) and (
            isinstance(node, cst.BooleanOperation) or isinstance(node.operator, cst.Add)
        ):
            return self._strings(node.left, scope, seen) + self._strings(node.right, scope, seen)
        if isinstance(node, cst.IfExp):
            return self._strings(node.body, scope, seen) + self._strings(node.orelse, scope, seen)
        if (
            isinstance(node, cst.Call)
            and get_full_name_for_node(node.func) in _CONTAINER_CALLS
            and len(node.args) == 1
        ):
            return self._strings(node.args[0].value, scope, seen)
        if not isinstance(node, cst.Name):
            return []
        for where in self._lookup(scope):
            key = (where, node.value)
            if key in self._assigned:
                if key in seen:
                    return []
                seen.add(key)
                return [
                    found
                    for value, bound_in in self._assigned[key]
                    for found in self._strings(value, bound_in, seen)
                ]
        return []


def _is_object_name(node: cst.BaseExpression) -> bool:
    """``x.__qualname__``: a class's or function's own name (``x.__name__`` is also
    checked, as a module name first)."""
    return isinstance(node, cst.Attribute) and node.attr.value == "__qualname__"


def _dotted_name(node: cst.BaseExpression) -> str | None:
    """``a.b.c`` for a name or a chain of attributes of one; None for anything else
    (``f()(x)`` calls what ``f`` returns, not ``f``)."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        head = _dotted_name(node.value)
        return None if head is None else f"{head}.{node.attr.value}"
    return None


def _string_value(node: cst.CSTNode | None) -> str | None:
    if isinstance(node, cst.SimpleString):
        return literal_value(node.value)
    return None


def _operand_strings(node: cst.BaseExpression) -> Iterator[cst.BaseExpression]:
    """Strings compared or passed to calls in the operands of a boolean expression."""
    if isinstance(node, cst.BooleanOperation):
        yield from _operand_strings(node.left)
        yield from _operand_strings(node.right)
    elif isinstance(node, cst.UnaryOperation):
        yield from _operand_strings(node.expression)
    elif isinstance(node, cst.Comparison):
        yield node.left
        for target in node.comparisons:
            yield target.comparator
            if isinstance(target.comparator, (cst.Tuple, cst.List, cst.Set)):
                yield from (element.value for element in target.comparator.elements)
    elif isinstance(node, cst.Call):
        for arg in node.args:
            yield arg.value
            if isinstance(arg.value, (cst.Tuple, cst.List)):
                yield from (element.value for element in arg.value.elements)


def rename_in_context(value: str, context: str, rename: RenameMap) -> str | None:
    """Rename a string value for its context; None when the context has no special rule.

    Args:
        value: the string's value.
        context: one of this module's context names.
        rename: the rename map.
    """
    stripped = value.strip()
    if context == DIST:
        return names.rename_dist(value, rename)
    if context == REQUIREMENT:
        return names.rename_requirement(value, rename)
    if context in (MODULE, IMPORT_PATH):
        new_module = names.rename_module(stripped, rename, keep=context == MODULE, known=True)
        return None if new_module is None else value.replace(stripped, new_module, 1)
    if context == MODULE_REGEX:
        return names.rename_module_regex(value, rename)
    if context == WARNING_SPEC:
        return names.rename_warning_filter(value, rename)
    if context in (ENTRY, ENTRY_SCRIPT):
        return names.rename_entry_spec(
            value, rename, script=context == ENTRY_SCRIPT
        ) or names.rename_module(value, rename)
    if context == ENTRY_GROUP:
        return names.rename_module(value, rename)
    if context == ENTRY_INI:
        new = ini.rename_entry_points_ini(value, rename)
        return new if new != value else None
    if context == PATH:
        new = rename_path(value, rename)
        return new if new != value else None
    if context.startswith(PATH_PART):
        return context[len(PATH_PART) :]
    if context == SCRIPT:
        return names.rename_script(value, rename) or value
    if context == SYMBOL_NAME:
        return _rename_symbol_name(value, rename)
    return None


def _rename_symbol_name(value: str, rename: RenameMap) -> str | None:
    """``cls.__name__ == "Flask"``: a renamed symbol's plain name (unique among symbols)."""
    news = {new for old, new in rename.symbols.items() if old.rsplit(".", 1)[1] == value}
    return news.pop() if len(news) == 1 else None
