"""The libcst codemod for Python source: imports, the names they bind, and strings.

What changes (old -> new through the :class:`~forktool.model.RenameMap`):

- import statements: ``import flask``, ``import flask.json as j``, ``from flask.app import
  Flask as F``: the module path is rewritten, every alias kept. Relative imports stay.
- names bound by ``import flask`` / ``import flask.json``: every use resolved to that
  binding by libcst's scope analysis becomes ``framework``. A parameter or local variable
  that shadows it is a different binding and stays. When a use could also see another
  binding of the name (``try: import flask`` / ``except ImportError: flask = None``), the
  import becomes ``import framework as flask`` instead and the uses stay.
- strings, by where they appear:

  - dotted module paths anywhere (``"flask.app"`` in ``mock.patch``, ``monkeypatch.setattr``,
    logger names, string annotations), entry-point specs (``"flask.cli:main"``), warning
    filter specs (``"ignore::DeprecationWarning:flask.app"``);
  - a bare package name only where a module is expected: ``import_module("flask")``,
    ``getLogger``, ``find_spec``, ``importorskip``, ``sys.modules["flask"]``,
    ``[sys.executable, "-m", "flask"]``, ``warnings.filterwarnings(module="flask")``;
  - distribution look-ups: ``importlib.metadata.version("flask")`` (also ``distribution``,
    ``metadata``, ``requires``, ``files``, ``pkg_resources.get_distribution``) get the new
    distribution name;
  - ``setup(...)`` keywords: ``name``, ``packages``, ``package_dir``, ``package_data``,
    ``entry_points`` (console scripts renamed too), ``install_requires``, ``extras_require``;
  - code inside strings (a string with ``import flask`` that parses as Python) is renamed
    recursively, quotes, escapes and indentation kept;
  - docstrings, comments and other strings: qualified references and import lines only,
    as for prose (:func:`forktool.codemods.text.rename_references`).

Keep-listed strings never change. A bare ``"flask"`` anywhere else is left alone (the
leftover report lists it as ambiguous).
"""

from __future__ import annotations

import functools
import re
import textwrap
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import libcst as cst
from libcst.helpers import get_full_name_for_node
from libcst.metadata import (
    BaseAssignment,
    ImportAssignment,
    MetadataWrapper,
    Scope,
    ScopeProvider,
)

from forktool.codemods import inifile, names
from forktool.codemods.literals import literal_value, rewrite_literal_parts
from forktool.codemods.paths import rename_path
from forktool.codemods.text import rename_references
from forktool.model import RenameMap

# String contexts: what a string literal is expected to hold where it appears.
DIST = "dist"
REQUIREMENT = "requirement"
MODULE = "module"
MODULE_REGEX = "module-regex"
WARNING_SPEC = "warning-spec"
ENTRY = "entry"
ENTRY_SCRIPT = "entry-script"
ENTRY_GROUP = "entry-group"
ENTRY_INI = "entry-ini"
PATH = "path"
DOCSTRING = "docstring"
GENERIC = "generic"

_METADATA_MODULES = ("importlib.metadata", "importlib_metadata")
_DIST_FUNCTIONS = frozenset(
    f"{module}.{func}"
    for module in _METADATA_MODULES
    for func in (
        "version",
        "distribution",
        "metadata",
        "requires",
        "files",
        "Distribution.from_name",
    )
) | {"pkg_resources.get_distribution"}
# ``metadata.version(...)`` when the module object came from somewhere the imports don't show.
_DIST_SUFFIXES = tuple(
    f"metadata.{func}" for func in ("version", "distribution", "metadata", "requires", "files")
)
_REQUIREMENT_FUNCTIONS = frozenset({"pkg_resources.require"})
_SYS_MODULES_METHODS = frozenset(
    f"sys.modules.{method}" for method in ("get", "pop", "setdefault", "__contains__")
)
# Callables whose first argument is a module (or logger) name, matched by their last name.
_MODULE_FUNCTIONS = frozenset(
    {
        "import_module",
        "__import__",
        "importorskip",
        "find_spec",
        "getLogger",
        "run_module",
        "import_string",
        "resolve_name",
        "find_loader",
    }
)
_SETUP_FUNCTIONS = frozenset({"setup", "setuptools.setup", "distutils.core.setup"})
_SCRIPT_GROUPS = frozenset({"console_scripts", "gui_scripts"})
_STRING_NODES = (cst.SimpleString, cst.ConcatenatedString)


def rename_python_source(source: str, rename: RenameMap) -> str:
    """Rename old package references in one Python module.

    Args:
        source: the module's text.
        rename: the rename map.

    Returns:
        The transformed text; ``source`` itself when nothing refers to an old name.

    Raises:
        libcst.ParserSyntaxError: ``source`` is not valid Python 3.
    """
    if not _mentions_old_name(source, rename):
        return source
    return _transform(cst.parse_module(source), rename).code


def rename_python_bytes(data: bytes, rename: RenameMap) -> bytes:
    """Like :func:`rename_python_source` for file bytes, honouring a PEP 263 coding cookie.

    Raises:
        libcst.ParserSyntaxError: not valid Python 3.
        UnicodeDecodeError, LookupError: the bytes do not match the declared encoding.
    """
    module = cst.parse_module(data)
    source = data.decode(module.encoding)
    if not _mentions_old_name(source, rename):
        return data
    return _transform(module, rename).bytes


def _mentions_old_name(source: str, rename: RenameMap) -> bool:
    lowered = source.lower()
    return any(needle in lowered for needle in names.old_name_needles(rename))


def _transform(module: cst.Module, rename: RenameMap) -> cst.Module:
    plan = _Plan()
    # Scope analysis is the expensive part; only a module with ``import <old>`` needs it.
    finder = _BindingImportFinder(rename)
    module.visit(finder)
    if finder.found:
        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        plan = _plan_bindings(wrapper.resolve(ScopeProvider), rename)
    skip: set[cst.CSTNode] = set()
    _mark_unchanged(module, module.body, names.old_name_needles(rename), skip, depth=0)
    return module.visit(_Renamer(rename, plan, skip))


def _mark_unchanged(
    module: cst.Module,
    statements: Sequence[cst.CSTNode],
    needles: tuple[str, ...],
    skip: set[cst.CSTNode],
    depth: int,
) -> None:
    """Collect statements the transformer can skip: their text mentions no old name.

    A libcst transformer rebuilds every node it visits, which dominates the run time on
    big modules; most statements of a typical module never mention the old name (``from
    flask.x import Y`` binds ``Y``). Statements with ``import`` in them are still visited,
    because the transformer learns callee names (``version`` from ``importlib.metadata``)
    from them. Compound statements are looked into two levels deep.
    """
    for statement in statements:
        text = module.code_for_node(statement).lower()
        if "import" not in text and not any(needle in text for needle in needles):
            skip.add(statement)
        elif depth < 2 and isinstance(statement, cst.BaseCompoundStatement):
            body = getattr(statement, "body", None)  # ``match`` has cases instead
            if isinstance(body, cst.IndentedBlock):
                _mark_unchanged(module, body.body, needles, skip, depth + 1)


class _BindingImportFinder(cst.CSTVisitor):
    """Is there an ``import <old>`` / ``import <old>.x`` without ``as``? Visits statements only."""

    def __init__(self, rename: RenameMap) -> None:
        super().__init__()
        self.tops = {old.split(".")[0] for old in rename.packages}
        self.found = False

    def _check(self, statements: Sequence[cst.BaseSmallStatement]) -> bool:
        for statement in statements:
            if isinstance(statement, cst.Import) and any(
                alias.asname is None
                and (get_full_name_for_node(alias.name) or "").split(".")[0] in self.tops
                for alias in statement.names
            ):
                self.found = True
        return False  # imports are statements: nothing to find inside expressions

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> bool:
        return self._check(node.body)

    def visit_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> bool:
        return self._check(node.body)

    def visit_Decorator(self, node: cst.Decorator) -> bool:
        return False

    def visit_Parameters(self, node: cst.Parameters) -> bool:
        return False


@functools.lru_cache(maxsize=64)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


# --- names bound by imports --------------------------------------------------------------


@dataclass
class _Plan:
    """What the scope analysis decided: which ``Name`` nodes and aliases change."""

    names: dict[cst.Name, str] = field(default_factory=dict)
    aliased: set[cst.ImportAlias] = field(default_factory=set)


def _plan_bindings(scopes: Mapping[cst.CSTNode, Scope | None], rename: RenameMap) -> _Plan:
    """Find every use of a name bound by ``import <old>`` and decide how to rename it."""
    plan = _Plan()
    renamable = {
        old: new
        for old, new in rename.packages.items()
        if old.isidentifier() and new.isidentifier()
    }
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
                root = _leftmost_name(access.node)
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


def _leftmost_name(node: cst.CSTNode) -> cst.Name | None:
    while isinstance(node, cst.Attribute):
        node = node.value
    return node if isinstance(node, cst.Name) else None


# --- where strings appear ----------------------------------------------------------------


class _StringContexts:
    """Record, for string literals in telling positions, what they are expected to hold.

    A mixin for the transformer: its ``visit_*`` methods run before the children are
    visited, so a string's context is known by the time its ``leave_*`` runs.

    Callees are resolved through the module's own imports (``from importlib.metadata
    import version`` makes ``version(...)`` a distribution look-up), in source order and
    ignoring shadowing: a cheap stand-in for libcst's QualifiedNameProvider, which costs a
    full extra pass over every module.
    """

    def __init__(self) -> None:
        self.contexts: dict[cst.CSTNode, str] = {}
        self.imported: dict[str, str] = {}  # local name -> dotted name it stands for

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
        if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
            for element in node.elements:
                self._set(element.value, context)
        else:
            self._set(node, context)

    def _callee_names(self, func: cst.BaseExpression) -> set[str]:
        """The callee as spelled and as resolved through the imports seen so far."""
        spelled = get_full_name_for_node(func)
        if spelled is None:
            return set()
        head, _, rest = spelled.partition(".")
        resolved = self.imported.get(head)
        if resolved is None:
            return {spelled}
        return {spelled, resolved + ("." + rest if rest else "")}

    def visit_Call(self, node: cst.Call) -> None:
        callees = self._callee_names(node.func)
        lasts = {callee.rsplit(".", 1)[-1] for callee in callees}
        positional = [arg.value for arg in node.args if arg.keyword is None and not arg.star]
        keywords = {arg.keyword.value: arg.value for arg in node.args if arg.keyword is not None}
        first = positional[0] if positional else None
        if callees & _DIST_FUNCTIONS or any(c.endswith(_DIST_SUFFIXES) for c in callees):
            self._set(first if first is not None else keywords.get("distribution_name"), DIST)
        elif callees & _REQUIREMENT_FUNCTIONS:
            for value in positional:
                self._set_elements(value, REQUIREMENT)
        elif lasts & _MODULE_FUNCTIONS or callees & _SYS_MODULES_METHODS:
            self._set(first if first is not None else keywords.get("name"), MODULE)
        elif "filterwarnings" in lasts and any(c.endswith("mark.filterwarnings") for c in callees):
            self._set(first, WARNING_SPEC)
        elif lasts & {"filterwarnings", "simplefilter"}:
            self._set(keywords.get("module"), MODULE_REGEX)
            if "filterwarnings" in lasts and len(positional) > 3:
                self._set(positional[3], MODULE_REGEX)
        elif callees & _SETUP_FUNCTIONS:
            self._visit_setup(keywords)
        elif lasts & {"find_packages", "find_namespace_packages"}:
            for key in ("include", "exclude"):
                if key in keywords:
                    self._set_elements(keywords[key], MODULE)
        self._mark_dash_m(positional)

    def _visit_setup(self, keywords: dict[str, cst.BaseExpression]) -> None:
        for key, value in keywords.items():
            if key == "name":
                self._set(value, DIST)
            elif key in ("packages", "py_modules", "namespace_packages"):
                self._set_elements(value, MODULE)
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
                self._set(element.key, MODULE)
                self._set(element.value, PATH)
            elif key in ("package_data", "exclude_package_data"):
                self._set(element.key, MODULE)
            elif key == "extras_require":
                self._set_elements(element.value, REQUIREMENT)
            elif key == "entry_points":
                self._set(element.key, ENTRY_GROUP)
                group = (
                    literal_value(element.key.value)
                    if isinstance(element.key, cst.SimpleString)
                    else None
                )
                context = ENTRY_SCRIPT if group in _SCRIPT_GROUPS else ENTRY
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
        if get_full_name_for_node(node.value) == "sys.modules" and len(node.slice) == 1:
            index = node.slice[0].slice
            if isinstance(index, cst.Index):
                self._set(index.value, MODULE)

    def visit_Comparison(self, node: cst.Comparison) -> None:
        for target in node.comparisons:
            if isinstance(target.operator, (cst.In, cst.NotIn)) and (
                get_full_name_for_node(target.comparator) == "sys.modules"
            ):
                self._set(node.left, MODULE)

    def visit_Expr(self, node: cst.Expr) -> None:
        self._set(node.value, DOCSTRING)


# --- the transformer ---------------------------------------------------------------------


class _Renamer(_StringContexts, cst.CSTTransformer):
    """Apply the plan: imports, bound names, strings, comments."""

    def __init__(self, rename: RenameMap, plan: _Plan, skip: set[cst.CSTNode]) -> None:
        _StringContexts.__init__(self)
        cst.CSTTransformer.__init__(self)
        self.rename = rename
        self.plan = plan
        self.skip = skip
        # Pieces of an all-plain implicit concatenation, renamed together by the outer node.
        self.in_concatenation: set[cst.CSTNode] = set()
        self.needles = names.old_name_needles(rename)

    def on_visit(self, node: cst.CSTNode) -> bool:
        if node in self.skip:
            return False
        return super().on_visit(node)

    def leave_Import(self, original_node: cst.Import, updated_node: cst.Import) -> cst.Import:
        aliases = []
        for original, alias in zip(original_node.names, updated_node.names, strict=True):
            new = _rename_import_path(get_full_name_for_node(alias.name), self.rename)
            if new is not None:
                alias = alias.with_changes(name=_dotted(new, alias.name))
                if original in self.plan.aliased:
                    old_top = get_full_name_for_node(original.name) or ""
                    alias = alias.with_changes(asname=cst.AsName(name=cst.Name(old_top)))
            aliases.append(alias)
        return updated_node.with_changes(names=aliases)

    def leave_ImportFrom(
        self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom
    ) -> cst.ImportFrom:
        if updated_node.relative or updated_node.module is None:
            return updated_node
        new = _rename_import_path(get_full_name_for_node(updated_node.module), self.rename)
        if new is None:
            return updated_node
        module = _dotted(new, updated_node.module)
        assert isinstance(module, (cst.Name, cst.Attribute))
        return updated_node.with_changes(module=module)

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        new = self.plan.names.get(original_node)
        return updated_node if new is None else updated_node.with_changes(value=new)

    def leave_Comment(self, original_node: cst.Comment, updated_node: cst.Comment) -> cst.Comment:
        new = rename_references(updated_node.value, self.rename)
        return updated_node if new == updated_node.value else updated_node.with_changes(value=new)

    def leave_FormattedStringText(
        self, original_node: cst.FormattedStringText, updated_node: cst.FormattedStringText
    ) -> cst.FormattedStringText:
        new = rename_references(updated_node.value, self.rename)
        return updated_node if new == updated_node.value else updated_node.with_changes(value=new)

    def visit_ConcatenatedString(self, node: cst.ConcatenatedString) -> None:
        if node in self.in_concatenation:
            return
        pieces = list(_pieces(node))
        if all(isinstance(piece, cst.SimpleString) for piece in pieces):
            self.in_concatenation.update(pieces)
            self.in_concatenation.update(_nested_concatenations(node))
        elif node in self.contexts:
            for piece in pieces:
                self.contexts.setdefault(piece, self.contexts[node])

    def leave_SimpleString(
        self, original_node: cst.SimpleString, updated_node: cst.SimpleString
    ) -> cst.SimpleString:
        if original_node in self.in_concatenation:
            return updated_node
        new = self._rename_pieces([updated_node.value], self.contexts.get(original_node, GENERIC))
        return updated_node if new is None else updated_node.with_changes(value=new[0])

    def leave_ConcatenatedString(
        self, original_node: cst.ConcatenatedString, updated_node: cst.ConcatenatedString
    ) -> cst.ConcatenatedString:
        if original_node in self.in_concatenation:
            return updated_node
        pieces = list(_pieces(updated_node))
        if not all(isinstance(piece, cst.SimpleString) for piece in pieces):
            return updated_node
        literals = [piece.value for piece in pieces if isinstance(piece, cst.SimpleString)]
        new = self._rename_pieces(literals, self.contexts.get(original_node, GENERIC))
        if new is None:
            return updated_node
        return _replace_pieces(updated_node, iter(new))

    def _rename_pieces(self, literals: list[str], context: str) -> list[str] | None:
        lowered = "".join(literals).lower()
        if not any(needle in lowered for needle in self.needles):
            return None  # cannot mention an old name: skip the literal_eval
        values = [literal_value(literal) for literal in literals]
        if any(value is None for value in values):
            return None  # bytes or something exotic: left alone, reported as a leftover
        value = "".join(v for v in values if v is not None)
        new_value = rename_string_value(value, context, self.rename)
        if new_value == value:
            return None
        return rewrite_literal_parts(literals, new_value)


def _rename_import_path(dotted: str | None, rename: RenameMap) -> str | None:
    """Rename the module path of an import; the keep-list is about strings, not imports."""
    if dotted is None:
        return None
    for old in names.old_packages(rename):
        if dotted == old or dotted.startswith(old + "."):
            return rename.packages[old] + dotted[len(old) :]
    return None


def _dotted(new: str, old_node: cst.BaseExpression) -> cst.Name | cst.Attribute:
    """Spell ``new`` as a Name/Attribute, keeping ``old_node``'s formatting if the shape matches."""
    old = get_full_name_for_node(old_node) or ""
    old_parts, new_parts = old.split("."), new.split(".")
    if len(old_parts) == len(new_parts) and old_parts[1:] == new_parts[1:]:
        root = _leftmost_name(old_node)
        if root is not None:
            replaced = old_node.deep_replace(root, root.with_changes(value=new_parts[0]))
            assert isinstance(replaced, (cst.Name, cst.Attribute))
            return replaced
    expression = cst.parse_expression(new)
    assert isinstance(expression, (cst.Name, cst.Attribute))
    return expression


def _pieces(node: cst.BaseExpression) -> Iterator[cst.BaseExpression]:
    if isinstance(node, cst.ConcatenatedString):
        yield from _pieces(node.left)
        yield from _pieces(node.right)
    else:
        yield node


def _nested_concatenations(node: cst.ConcatenatedString) -> Iterator[cst.ConcatenatedString]:
    right = node.right
    while isinstance(right, cst.ConcatenatedString):
        yield right
        right = right.right


def _replace_pieces(node: cst.BaseExpression, new: Iterator[str]) -> cst.ConcatenatedString:
    def replace(part: cst.BaseExpression) -> cst.BaseExpression:
        if isinstance(part, cst.ConcatenatedString):
            return part.with_changes(left=replace(part.left), right=replace(part.right))
        assert isinstance(part, cst.SimpleString)
        return part.with_changes(value=next(new))

    result = replace(node)
    assert isinstance(result, cst.ConcatenatedString)
    return result


# --- string values -----------------------------------------------------------------------


def rename_string_value(value: str, context: str, rename: RenameMap) -> str:
    """Rename a string's value given where it appears (one of this module's context names).

    Args:
        value: the string's value (not its spelling).
        context: ``dist``, ``module``, ``entry-script``, ... or ``generic`` when nothing
            about the position says what the string holds.
        rename: the rename map.

    Returns:
        The new value; ``value`` itself when nothing applies. Never raises.
    """
    if value in rename.keep:
        return value
    special = _rename_in_context(value, context, rename)
    if special is not None:
        return special
    if context == DOCSTRING:
        return rename_references(value, rename)
    return _rename_generic(value, rename)


def _rename_in_context(value: str, context: str, rename: RenameMap) -> str | None:
    stripped = value.strip()
    if context == DIST:
        return names.rename_dist(value, rename)
    if context == REQUIREMENT:
        return names.rename_requirement(value, rename)
    if context == MODULE:
        new_module = names.rename_module(stripped, rename)
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
        new = inifile.rename_entry_points_ini(value, rename)
        return new if new != value else None
    if context == PATH:
        new = rename_path(value, rename)
        return new if new != value else None
    return None


_URL_RE = re.compile(r"://")


def _rename_generic(value: str, rename: RenameMap) -> str:
    if "." in value and names.is_module_path(value.rstrip(".")):
        return names.rename_module(value, rename) or value
    for special in (names.rename_entry_spec, names.rename_warning_filter):
        new = special(value, rename)
        if new is not None:
            return new
    code = _rename_code(value, rename)
    if code is not None:
        return code
    if "/" in value and not _URL_RE.search(value) and not any(c.isspace() for c in value):
        new_path = rename_path(value, rename)
        if new_path != value:
            return new_path
    return rename_references(value, rename)


def _code_pattern(rename: RenameMap) -> re.Pattern[str]:
    olds = "|".join(re.escape(old) for old in names.old_packages(rename))
    return _compiled(
        rf"(?m)^[ \t]*(?:import[ \t]+(?:{olds})\b|from[ \t]+(?:{olds})(?:\.[\w.]+)?[ \t]+import\b)"
    )


def _rename_code(value: str, rename: RenameMap) -> str | None:
    """Rename Python code held in a string (a test writing a module to disk); None if not code."""
    if not rename.packages or not _code_pattern(rename).search(value):
        return None
    dedented = textwrap.dedent(value)
    try:
        new = rename_python_source(dedented, rename)
    except Exception:  # not code after all (or too odd): the string stays as it is
        return None
    if new == dedented:
        return None
    if dedented == value:
        return new
    # Put back the indentation dedent removed; the rename never adds or removes lines.
    old_lines = value.splitlines(keepends=True)
    dedented_lines = dedented.splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    if not len(old_lines) == len(dedented_lines) == len(new_lines):
        return None
    out = []
    for old_line, dedented_line, new_line in zip(old_lines, dedented_lines, new_lines, strict=True):
        indent = old_line[: len(old_line) - len(dedented_line)] if dedented_line.strip() else ""
        out.append(indent + new_line if dedented_line.strip() else old_line)
    return "".join(out)
