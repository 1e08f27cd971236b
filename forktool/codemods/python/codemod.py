"""The libcst codemod for Python source: imports, the names they bind, symbols, and strings.

What changes (old -> new through the :class:`~forktool.model.RenameMap`):

- import statements: ``import flask``, ``import flask.json as j``, ``from flask.app import
  Flask as F``: the module path is rewritten, every alias kept. Relative imports stay.
- names bound by ``import flask`` / ``import flask.json``: scope-aware, see
  :mod:`forktool.codemods.python.bindings`.
- renamed symbols (``RenameMap.symbols``): definitions, imports, uses, attributes, string
  annotations, ``__all__`` and ``# type:`` comments, see
  :mod:`forktool.codemods.python.symbols`.
- strings, by where they appear (:mod:`forktool.codemods.python.strings`):

  - dotted module paths anywhere (``"flask.app"`` in ``mock.patch``, ``monkeypatch.setattr``,
    logger names, string annotations), module path templates (``"flask.%s"``,
    ``f"flask.{x}"``) and regexes (``r"flask\\.app"``), entry-point specs
    (``"flask.cli:main"``), warning filter specs (``"ignore::DeprecationWarning:flask"``);
  - a bare package name only where a module is expected: ``import_module("flask")``,
    ``getLogger``, ``find_spec``, ``importorskip``, ``sys.modules["flask"]``,
    ``[sys.executable, "-m", "flask"]``, ``warnings.filterwarnings(module="flask")``,
    ``importlib.resources.files("flask")``, ``__name__ == "flask"``, logging
    ``dictConfig`` ``"loggers"`` keys, beside a renamed ``"flask.x"`` in the same
    expression, or as the package directory in ``os.path.join`` / ``Path`` parts;
  - distribution look-ups: ``importlib.metadata.version("flask")`` (also ``distribution``,
    ``metadata``, ``requires``, ``files``, ``pkg_resources.get_distribution``, and any
    ``*version*`` helper given a distribution name) get the new distribution name;
  - ``setup(...)`` keywords (also in dicts passed as ``**extra``): ``name``, ``packages``,
    ``package_dir``, ``package_data``, ``entry_points`` (console scripts renamed too),
    ``install_requires``, ``extras_require``;
  - code inside strings and ASCII bytes (a test writing ``import flask`` to a file) is
    renamed recursively, quotes, escapes and indentation kept;
  - Python's renderings of modules (``<module 'flask' from ...>``, ``No module named
    'flask'``) and strings holding escaped text (HTML entities, backslash escapes as
    text): see :mod:`forktool.codemods.python.escaped`;
  - docstrings: documentation rules (:mod:`forktool.codemods.docs.rules`): references, Sphinx
    roles resolved against this module, doctests and code blocks through this codemod,
    command lines; comments: references and command lines; neither when
    ``RenameMap.docs`` is False (``# type:`` comments are code and always follow);
  - in the old package's own modules, the console script in its messages and CLI names
    (``FlaskGroup(name="flask")``, ``"Use 'flask --app'"``; see
    :mod:`forktool.codemods.docs.command_lines`);
  - other strings: prose references only.

Keep-listed strings never change, except where only an import path fits. A bare
``"flask"`` anywhere else is left alone (the leftover report lists it as ambiguous).
Code nested too deep for libcst raises RecursionError before libcst sees it.
"""

from __future__ import annotations

import ast
import codecs
import functools
import io
import re
import textwrap
import tokenize
import warnings
from collections.abc import Callable, Iterator, Sequence

import libcst as cst
from libcst.helpers import get_full_name_for_node
from libcst.metadata import MetadataWrapper, ScopeProvider

from forktool.codemods import names
from forktool.codemods.docs.code_blocks import PYTHON, TOML, CodeRenamer
from forktool.codemods.docs.command_lines import script_edits
from forktool.codemods.docs.prose import apply_edits, reference_edits, rename_references
from forktool.codemods.docs.rules import rename_doc
from forktool.codemods.packaging.pyproject import rename_pyproject
from forktool.codemods.paths import module_name, rename_package_path
from forktool.codemods.python import spans as python_spans
from forktool.codemods.python.bindings import ImportFinder, Plan, leftmost_name, plan_bindings
from forktool.codemods.python.contexts import DOCSTRING, GENERIC, IMPORT_PATH, PATH_PART
from forktool.codemods.python.escaped import rename_escaped, rename_module_reprs
from forktool.codemods.python.literals import (
    bytes_text,
    literal_value,
    rewrite_bytes_literal,
    rewrite_literal,
    rewrite_literal_parts,
)
from forktool.codemods.python.strings import (
    StringContexts,
    names_may_hold_modules,
    rename_in_context,
)
from forktool.codemods.python.symbols import (
    ModuleContext,
    SymbolPlan,
    plan_symbols,
    rename_names_in_code,
)
from forktool.model import RenameMap

PYTHON_MODULE_SUFFIXES = (".py", ".pyi", ".pyw")
_CIMPORTS = "cython.cimports."

#: Adds to the set the statements the transformer may skip, given the lowercase needles.
Mark = Callable[[tuple[str, ...], set[cst.CSTNode]], None]


def rename_python_source(
    source: str, rename: RenameMap, context: ModuleContext | None = None
) -> str:
    """Rename old package references in one Python module.

    Args:
        source: the module's text.
        rename: the rename map (``symbols`` expanded over the tree, see
            :func:`forktool.codemods.passes.reexports.expand_symbols`).
        context: where the module sits (:func:`module_context`); None for code that is
            not a module of the tree (a string holding code, a doc example).

    Returns:
        The transformed text; ``source`` itself when nothing refers to an old name.

    Raises:
        libcst.ParserSyntaxError: ``source`` is not valid Python 3.
        RecursionError: nesting too deep for the parser or the codemod.
    """
    if not _mentions_old_name(source, rename, context):
        return source
    return _rename(source, _parse_checked(source), rename, context)


def rename_python_bytes(
    data: bytes, rename: RenameMap, context: ModuleContext | None = None
) -> bytes:
    """Like :func:`rename_python_source` for file bytes, honouring a PEP 263 coding cookie.

    Raises:
        libcst.ParserSyntaxError: not valid Python 3.
        UnicodeDecodeError, LookupError: the bytes do not match the declared encoding.
        RecursionError: nesting too deep for the parser or the codemod.
    """
    syntax = _parse_checked(data)
    if syntax is None or data.startswith(codecs.BOM_UTF8):
        # CPython cannot read it (newer syntax, or not Python 3): libcst decides alone.
        module = cst.parse_module(data)
        source = data.decode(module.encoding)
        if not _mentions_old_name(source, rename, context):
            return data
        return _transform(module, source, rename, context).bytes
    encoding = tokenize.detect_encoding(io.BytesIO(data).readline)[0]
    source = data.decode(encoding)
    if not _mentions_old_name(source, rename, context):
        return data
    return _rename(source, syntax, rename, context).encode(encoding)


def _parse_checked(source: str | bytes) -> ast.Module | None:
    """CPython's parse of ``source``; RecursionError for code nested too deep for libcst.

    libcst's native parser overflows the C stack (and kills the process) on a few
    thousand nested brackets or operators. CPython's own parser refuses such code with a
    RecursionError, MemoryError or "too many nested parentheses", so it is not runnable
    Python anyway; any other SyntaxError is left for libcst to judge (it knows newer
    syntax than the running interpreter): None is returned then.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarning: invalid escape sequence
            return ast.parse(source)
    except (RecursionError, MemoryError) as error:
        raise RecursionError("nesting too deep to parse") from error
    except SyntaxError as error:
        if "too many nested" in str(error.msg):
            raise RecursionError(f"nesting too deep to parse: {error.msg}") from error
    except ValueError:
        pass  # NUL bytes and the like: libcst reports them
    return None


def _rename(
    source: str, syntax: ast.Module | None, rename: RenameMap, context: ModuleContext | None
) -> str:
    """Transform ``source`` (which mentions an old name), building the CST only for the
    statements that mention one or import anything (:mod:`~forktool.codemods.python.spans`)
    when CPython could parse it (``syntax``) and no renamed symbol can be reached from it."""
    spans = python_spans.spans(source, syntax) if syntax is not None else None
    if spans is None:
        return _transform(cst.parse_module(source), source, rename, context).code
    cut = spans.cut(names.old_name_needles(rename))
    # a string reaching a module name through a name needs the statements between them
    if cut.omitted and not names_may_hold_modules(source, rename):
        new = _rename_cut(cut, source, rename, context)
        if new is not None:
            return new
    module = cst.parse_module(source)

    def mark(needles: tuple[str, ...], skip: set[cst.CSTNode]) -> None:
        bounds = (0, len(spans.lines))
        python_spans.mark_unchanged(module.body, spans.top, bounds, spans, needles, skip)

    return _transform(module, source, rename, context, mark).code


def _rename_cut(
    cut: python_spans.Cut, source: str, rename: RenameMap, context: ModuleContext | None
) -> str | None:
    """The statements kept by ``cut`` transformed, the others put back; None when the
    module needs the whole CST (renamed symbols)."""
    try:
        module = cst.parse_module(cut.subset())
    except cst.ParserSyntaxError:
        return None
    finder = ImportFinder(rename)
    module.visit(finder)
    # Every statement that binds or uses an old package's name mentions it, so scope
    # analysis of the statements kept resolves those names as the whole module's would;
    # renamed symbols are looked for in more places and need the whole module.
    if _wants_symbols(source, rename, context, finder):
        return None
    new = _transform(module, source, rename, context, lambda _needles, _skip: None, finder)
    try:
        return cut.splice(new.code)
    except ValueError:
        return None


def module_context(path: str, rename: RenameMap) -> ModuleContext:
    """The :class:`ModuleContext` of the file at ``path`` (input tree, old names).

    A module of an old package gets its dotted name (``src/flask/app.py`` ->
    ``flask.app``); any other file gets a name made from its path, good enough to
    resolve its relative imports (``tests/apps/a.py`` -> ``tests.apps.a``).
    """
    name = module_name(path, rename)
    in_package = name is not None
    if name is None:
        stem = path.rsplit(".", 1)[0] if path.endswith(PYTHON_MODULE_SUFFIXES) else path
        name = ".".join(part for part in stem.split("/") if part.isidentifier()) or "__main__"
    is_init = path.rsplit("/", 1)[-1].startswith("__init__.")
    package = name if is_init else name.rpartition(".")[0]
    return ModuleContext(name, package, in_package)


def doc_code_renamers(rename: RenameMap, module: str | None) -> dict[str, CodeRenamer]:
    """The codemods for code shown in documentation: Python (doctests, code blocks), TOML.

    Doc examples often use the package or a symbol without importing it
    (``@click.command()``, ``app = Flask(__name__)``); such a free name is read as the
    package (``import click``), or the symbol of the same name in ``module``, its parent
    packages or the old top-level package (``from flask import Flask``): implicit imports
    are put in front of the code for the analysis and dropped afterwards. A name the code
    binds itself stays its own (scope analysis sees the conflict).

    Returns:
        Language -> ``str -> str`` function that raises on code that does not parse.
    """
    prelude_for = _prelude(rename, module)
    packages = {f"{old}.": f"import {old}\n" for old in rename.packages if old.isidentifier()}

    def rename_code(code: str) -> str:
        prelude = "".join(line for name, line in prelude_for.items() if name in code)
        prelude += "".join(line for dotted, line in packages.items() if dotted in code)
        if not prelude:
            return rename_python_source(code, rename)
        new = rename_python_source(prelude + code, rename)
        lines = new.split("\n")
        count = prelude.count("\n")
        return "\n".join(lines[count:])

    return {PYTHON: rename_code, TOML: functools.partial(rename_pyproject, rename=rename)}


def _prelude(rename: RenameMap, module: str | None) -> dict[str, str]:
    """Symbol name -> ``from <place> import <name>`` line, for the nearest place."""
    places: list[str] = []
    if module:
        parts = module.split(".")
        places.extend(".".join(parts[:size]) for size in range(len(parts), 0, -1))
    places.extend(old.split(".")[0] for old in rename.packages)
    rank = {place: index for index, place in enumerate(dict.fromkeys(places))}
    best: dict[str, tuple[int, str]] = {}
    for qualified in rename.symbols:
        place, _, name = qualified.rpartition(".")
        if place in rank and (name not in best or rank[place] < best[name][0]):
            best[name] = (rank[place], f"from {place} import {name}\n")
    return {name: line for name, (_, line) in best.items()}


def _mentions_old_name(source: str, rename: RenameMap, context: ModuleContext | None) -> bool:
    lowered = source.lower()
    if any(needle in lowered for needle in names.old_name_needles(rename)):
        return True
    # Inside the package a symbol is reached through relative imports and bare names.
    return bool(context and context.in_package and _symbol_names_in(source, rename))


def _symbol_names_in(source: str, rename: RenameMap) -> set[str]:
    return {name for name in _symbol_names(rename) if name in source}


def _symbol_names(rename: RenameMap) -> set[str]:
    return {qualified.rsplit(".", 1)[1] for qualified in rename.symbols}


def _wants_symbols(
    source: str, rename: RenameMap, context: ModuleContext | None, finder: ImportFinder
) -> bool:
    """Can this module reach a renamed symbol: by import, through a module, or at home?"""
    mentioned = _symbol_names_in(source, rename) if rename.symbols else set()
    if not mentioned:
        return False
    return bool(
        finder.imports_old
        or finder.from_names & mentioned
        or (context is not None and context.in_package)
    )


def _transform(
    module: cst.Module,
    source: str,
    rename: RenameMap,
    context: ModuleContext | None,
    mark: Mark | None = None,
    finder: ImportFinder | None = None,
) -> cst.Module:
    """Run the transformer over ``module`` (whose code is ``source``, or the part of it
    that may change), skipping the statements ``mark`` adds to its set (by default:
    those whose generated code mentions no old name)."""
    plan = Plan()
    symbol_plan = SymbolPlan()
    # Scope analysis is the expensive part; only a module with ``import <old>`` (or one
    # that can reach a renamed symbol) needs it.
    if finder is None:
        finder = ImportFinder(rename)
        module.visit(finder)
    wants_symbols = _wants_symbols(source, rename, context, finder)
    if finder.found or wants_symbols:
        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        scopes = wrapper.resolve(ScopeProvider)
        if finder.found:
            plan = plan_bindings(scopes, rename)
        if wants_symbols:
            where = context or ModuleContext("__main__", "")
            symbol_plan = plan_symbols(module, scopes, where, rename)
            plan.names.update(symbol_plan.names)
    needles = names.old_name_needles(rename)
    if wants_symbols:
        needles += tuple(name.lower() for name in _symbol_names(rename))
    skip: set[cst.CSTNode] = set()
    if mark is None:
        _mark_unchanged(module, module.body, needles, skip, depth=0)
    else:
        mark(needles, skip)
    return module.visit(_Renamer(rename, plan, symbol_plan, skip, context, source))


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


@functools.lru_cache(maxsize=64)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


# --- the transformer ---------------------------------------------------------------------


class _Renamer(StringContexts, cst.CSTTransformer):
    """Apply the plan: imports, bound names, strings, comments."""

    def __init__(
        self,
        rename: RenameMap,
        plan: Plan,
        symbol_plan: SymbolPlan,
        skip: set[cst.CSTNode],
        context: ModuleContext | None,
        source: str = "",
    ) -> None:
        StringContexts.__init__(
            self, rename, in_package=bool(context and context.in_package), source=source
        )
        cst.CSTTransformer.__init__(self)
        self.rename = rename
        self.plan = plan
        self.symbol_plan = symbol_plan
        self.skip = skip
        # Pieces of an all-plain implicit concatenation, renamed together by the outer node.
        self.in_concatenation: set[cst.CSTNode] = set()
        self.needles = names.old_name_needles(rename)
        # Sphinx roles in docstrings and comments resolve against the module they are in.
        self.module = context.name if context and context.in_package else None
        self.renamers = doc_code_renamers(rename, self.module)

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
        updated_node = self._keep_local_names(original_node, updated_node)
        if updated_node.relative or updated_node.module is None:
            return updated_node
        new = _rename_import_path(get_full_name_for_node(updated_node.module), self.rename)
        if new is None:
            return updated_node
        module = _dotted(new, updated_node.module)
        assert isinstance(module, (cst.Name, cst.Attribute))
        return updated_node.with_changes(module=module)

    def _keep_local_names(
        self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom
    ) -> cst.ImportFrom:
        """``from flask import Flask`` whose local name must stay: ``... as Flask``."""
        keep = self.symbol_plan.keep_local
        if not keep or isinstance(original_node.names, cst.ImportStar):
            return updated_node
        assert not isinstance(updated_node.names, cst.ImportStar)
        aliases = []
        for original, alias in zip(original_node.names, updated_node.names, strict=True):
            if original in keep:
                alias = alias.with_changes(asname=cst.AsName(name=cst.Name(keep[original])))
            aliases.append(alias)
        return updated_node.with_changes(names=aliases)

    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.BaseExpression:
        """``flask.Flask`` -> ``framework.Framework``: an attribute that is a renamed symbol;
        ``jaraco.functools`` -> ``jfunc``: a renamed dotted package."""
        chain = self.plan.chains.get(original_node)
        if chain is not None:
            return _dotted(chain, original_node)
        roots = self.symbol_plan.module_roots
        root = leftmost_name(original_node) if roots else None
        if root is None or root not in roots:
            return updated_node
        # ``f.Flask`` after ``import flask as f``: spelled with the local name, looked up
        # with the module it stands for; only this node's own attribute may change.
        _, _, rest = (get_full_name_for_node(original_node) or "").partition(".")
        qualified = f"{roots[root]}.{rest}"
        renamed = names.rename_symbol_path(qualified, self.rename)
        old_last, new_last = qualified.rsplit(".", 1)[1], renamed.rsplit(".", 1)[1]
        if renamed.count(".") != qualified.count(".") or new_last == old_last:
            return updated_node
        return updated_node.with_changes(attr=updated_node.attr.with_changes(value=new_last))

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        new = self.plan.names.get(original_node)
        return updated_node if new is None else updated_node.with_changes(value=new)

    def leave_Comment(self, original_node: cst.Comment, updated_node: cst.Comment) -> cst.Comment:
        text = updated_node.value
        if text[1:].lstrip().startswith("type:"):
            # A type comment is code (mypy reads it), whatever ``docs`` says.
            new = self._rename_type_comment(text)
            return updated_node if new == text else updated_node.with_changes(value=new)
        if not self.rename.docs:
            return updated_node
        edits = reference_edits(text, self.rename, module=self.module)
        new = apply_edits(text, [*edits, *script_edits(text, self.rename)])
        return updated_node if new == text else updated_node.with_changes(value=new)

    def _rename_type_comment(self, text: str) -> str:
        """``# type: (flask.Flask) -> Flask``: module paths, then renamed symbol names."""
        text = rename_references(text, self.rename)
        renames = self.symbol_plan.global_names
        head, _, body = text.partition("type:")
        if not renames or body.strip().startswith("ignore"):
            return text
        pieces = []
        for piece in body.split("->"):
            stripped = piece.strip()
            new = rename_names_in_code(stripped, renames) if stripped else None
            pieces.append(piece.replace(stripped, new, 1) if new else piece)
        return head + "type:" + "->".join(pieces)

    def leave_FormattedStringText(
        self, original_node: cst.FormattedStringText, updated_node: cst.FormattedStringText
    ) -> cst.FormattedStringText:
        new = rename_references(updated_node.value, self.rename)
        return updated_node if new == updated_node.value else updated_node.with_changes(value=new)

    def leave_FormattedString(
        self, original_node: cst.FormattedString, updated_node: cst.FormattedString
    ) -> cst.FormattedString:
        """``f"flask.{name}"``: a module path template whose first part is the package."""
        parts = updated_node.parts
        if (
            len(parts) > 1
            and isinstance(parts[0], cst.FormattedStringText)
            and isinstance(parts[1], cst.FormattedStringExpression)
            and parts[0].value.endswith(".")
        ):
            new = names.rename_module(parts[0].value, self.rename)
            if new is not None:
                first = parts[0].with_changes(value=new)
                return updated_node.with_changes(parts=[first, *parts[1:]])
        return updated_node

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
        literal = self._rename_symbols_in_string(original_node, updated_node.value)
        new = self._rename_pieces([literal], self.contexts.get(original_node, GENERIC))
        if new is not None:
            literal = new[0]
        elif literal[:2].lower() in ("b'", 'b"', "rb", "br"):
            literal = _rename_bytes_code(literal, self.rename) or literal
        return (
            updated_node
            if literal == updated_node.value
            else updated_node.with_changes(value=literal)
        )

    def _rename_symbols_in_string(self, node: cst.SimpleString, literal: str) -> str:
        """A string annotation (``"Flask"``) or ``__all__`` entry naming a renamed binding."""
        renames = self.symbol_plan.strings.get(node)
        value = literal_value(literal) if renames else None
        if renames is None or value is None:
            return literal
        new_value = rename_names_in_code(value, renames)
        if new_value is None or new_value == value:
            return literal
        return rewrite_literal(literal, new_value) or literal

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
        if not context.startswith(PATH_PART) and not any(n in lowered for n in self.needles):
            return None  # cannot mention an old name: skip the literal_eval
        values = [literal_value(literal) for literal in literals]
        if any(value is None for value in values):
            return None  # bytes or something exotic: left alone, reported as a leftover
        value = "".join(v for v in values if v is not None)
        if context == DOCSTRING:
            new_value = self._rename_docstring(value)
        else:
            new_value = rename_string_value(value, context, self.rename)
            if context == GENERIC and self.in_package:
                # The package's own messages name its console script (see scripts.py).
                new_value = apply_edits(new_value, script_edits(new_value, self.rename))
        if new_value == value:
            return None
        return rewrite_literal_parts(literals, new_value)

    def _rename_docstring(self, value: str) -> str:
        if not self.rename.docs or names.is_kept(value, self.rename):
            return value
        return rename_doc(value, self.rename, self.renamers, module=self.module)


def _rename_import_path(dotted: str | None, rename: RenameMap) -> str | None:
    """Rename the module path of an import; the keep-list is about strings, not imports.

    Cython's pure-Python ``from cython.cimports.flask.x import y`` names the module after
    its ``cython.cimports.`` prefix.
    """
    if dotted is None:
        return None
    if dotted.startswith(_CIMPORTS):
        rest = _rename_import_path(dotted[len(_CIMPORTS) :], rename)
        return None if rest is None else _CIMPORTS + rest
    for old in names.old_packages(rename):
        if dotted == old or dotted.startswith(old + "."):
            return rename.packages[old] + dotted[len(old) :]
    return None


def _dotted(new: str, old_node: cst.BaseExpression) -> cst.Name | cst.Attribute:
    """Spell ``new`` as a Name/Attribute, keeping ``old_node``'s formatting if the shape matches."""
    old = get_full_name_for_node(old_node) or ""
    old_parts, new_parts = old.split("."), new.split(".")
    if len(old_parts) == len(new_parts) and old_parts[1:] == new_parts[1:]:
        root = leftmost_name(old_node)
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
    if context != IMPORT_PATH and names.is_kept(value, rename):
        return value
    special = rename_in_context(value, context, rename)
    if special is not None:
        return special
    if context == DOCSTRING:
        return rename_references(value, rename) if rename.docs else value
    return rename_escaped(value, lambda plain: _rename_generic(plain, rename))


_URL_RE = re.compile(r"://")


def _rename_generic(value: str, rename: RenameMap) -> str:
    """A string whose position says nothing: what its value looks like decides."""
    if "." in value and names.is_module_path(value.rstrip(".")):
        return names.rename_module(value, rename) or value
    for special in (
        names.rename_entry_spec,
        names.rename_warning_filter,
        names.rename_module_template,
    ):
        new = special(value, rename)
        if new is not None:
            return new
    code = _rename_code(value, rename)
    if code is not None:
        return code
    if "/" in value and not _URL_RE.search(value) and not any(c.isspace() for c in value):
        new_path = rename_package_path(value, rename)
        if new_path is not None:
            return new_path
    if "\\." in value:
        value = names.rename_regex_modules(value, rename)
    value = rename_module_reprs(value, rename)
    return rename_references(value, rename)


def _rename_bytes_code(literal: str, rename: RenameMap) -> str | None:
    """Code held in a bytes literal (a test piping a script to ``python -``)."""
    text = bytes_text(literal)
    if text is None:
        return None
    new = _rename_code(text, rename)
    return None if new is None else rewrite_bytes_literal(literal, new)


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
