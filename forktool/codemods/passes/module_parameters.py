"""Which parameters of the tree's own functions and classes hold module names, shown by
what the code does with them.

A bare ``"jinja2"`` is renamed where its position says it is a module
(``import_module("jinja2")``), and left and reported anywhere else. Libraries wrap those
positions in their own API: ``PackageLoader(package_name)`` passes ``package_name`` to
``import_module``, so ``PackageLoader("jinja2")`` names a module just as surely.
:func:`expand_module_parameters` reads the tree once (with :mod:`ast`) and lists such
parameters in ``RenameMap.module_parameters``; the codemod then renames a literal old module
name passed there (:mod:`forktool.codemods.python.module_calls`), each file still on its own.

What counts as shown: a parameter that reaches, unchanged,

- the module argument of a call that takes a module name
  (:func:`~forktool.codemods.python.strings.module_argument`: ``import_module``,
  ``__import__``, ``find_spec``, ``importlib.resources.files``, ``pkgutil.get_data``,
  ``pkg_resources.resource_filename``, ...) or of an entry point made by hand
  (``EntryPoint(name, value)``), a ``sys.modules`` key or ``name in sys.modules``;
- directly, through local names assigned from it (``name = package``), through an
  attribute (``self.package = package`` in any method, then ``import_module(self.package)``
  in any method of the same class), or as the argument of a call of another function or
  class of the tree whose parameter is shown (``_DEPTH`` calls deep), the subclass calling
  ``super().__init__(package)`` or ``cls(package)`` included; a plain class without an
  ``__init__`` of its own takes its base's (not a ``@dataclass``, which writes one).

Not followed: a parameter changed on the way (``"x." + package``, or a local name or
attribute assigned anything else anywhere in the function or class), ``*args`` and
``**kwargs``, containers, closures, attributes set in one class and used in another, calls
through variables (``loader = PackageLoader; loader(name)``). No evidence: the string is
left and reported, as before.

:func:`file_evidence` then names, per file, the evidence for every literal old module name
passed to such a parameter, renamed or left.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from forktool.codemods.names import FILE_SUFFIXES, HOST_LABELS
from forktool.codemods.passes import reexports
from forktool.codemods.passes.observed import Answer, Kept, Probe, Reads, blob_ids, still_holds
from forktool.codemods.passes.reexports import binding_statements, parse_module, reaching_names
from forktool.codemods.paths import module_name
from forktool.codemods.python.contexts import GENERIC, MODULE, module_argument
from forktool.codemods.python.module_calls import bound_argument, callee_parameters, is_old_module
from forktool.model import Evidence, FileEntry, ModuleParameter, RenameMap, Tree

#: How many calls deep a parameter is followed to a module-name argument.
_DEPTH = 3
#: Text a module that calls a module-name function contains (the first files read).
_SINK_NEEDLES = (
    b"import_module",
    b"__import__",
    b"importorskip",
    b"find_spec",
    b"find_loader",
    b"run_module",
    b"import_string",
    b"resolve_name",
    b"importlib",
    b"pkgutil",
    b"pkg_resources",
    b"sys.modules",
    b"EntryPoint",
)
_SINK_TEXT = tuple(needle.decode() for needle in _SINK_NEEDLES)
#: Entry points made by hand: the argument (position, keyword) holding the module.
_ENTRY_POINTS = {
    "pkg_resources.EntryPoint": (1, "module_name"),
    "importlib.metadata.EntryPoint": (1, "value"),
    "importlib_metadata.EntryPoint": (1, "value"),
}
_SYS_MODULES = "sys.modules"
#: Nodes that bind the name in their ``name``.
_NAMED = (
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
    ast.ExceptHandler,
    ast.MatchAs,
    ast.MatchStar,
)
_OVERLOAD = frozenset({"overload", "typing.overload", "t.overload", "typing_extensions.overload"})
_MAX_EVIDENCE = 3
_MAX_TEXT = 200
#: Line ends as the parser counts lines.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
#: The probes of the tree this pass makes (:mod:`forktool.codemods.passes.observed`): a
#: module mentions one of the words (argument: JSON list); a pattern finds something in
#: it (argument: the pattern); the lines where it writes ``def``/``class`` of a name
#: (argument: the name); what the pass reads of a module it parses (a digest).
MENTIONS, MATCHES, DEFINES, PARSED = "mentions", "matches", "defines", "parsed"

#: What an argument carries: ("param", parameter name) or ("attr", attribute of self).
_Carrier = tuple[str, str]


@dataclass
class _Call:
    """A call inside a function passing something it carries on."""

    spelled: str | None  # None: super().__init__ or cls(...)
    resolved: str | None
    special: str  # "", "super" or "class"
    where: str  # path:line
    args: list[tuple[int | None, str | None, _Carrier]]


@dataclass
class _File:
    path: str
    modules: tuple[str, ...]  # the dotted names it may be imported under
    imports: dict[str, str]
    lines: list[str]
    needles: tuple[str, ...]  # text a function calling a module-name function contains


@dataclass
class _Function:
    """A function or method of the tree and what its body does with its parameters (read
    only once its text mentions something that matters: :meth:`_Index.analyze`)."""

    node: ast.FunctionDef | ast.AsyncFunctionDef
    info: _File
    label: str  # "helper", "Loader.load", "Loader" (its __init__)
    owner: _Class | None
    module_level: bool
    params: dict[str, tuple[int | None, str | None]]
    first: str | None  # self or cls
    classmethod: bool
    overload: bool
    analyzed: bool = False
    sinks: list[tuple[_Carrier, str]] = field(default_factory=list)  # (carrier, tail)
    calls: list[_Call] = field(default_factory=list)
    attr_sets: list[tuple[str, str | None]] = field(default_factory=list)
    proven: dict[str, str] = field(default_factory=dict)  # parameter -> evidence

    @property
    def name(self) -> str:
        return self.node.name

    @property
    def path(self) -> str:
        return self.info.path

    @property
    def line(self) -> int:
        return self.node.lineno

    @functools.cached_property
    def text(self) -> str:
        end = self.node.end_lineno or self.node.lineno
        return "\n".join(self.info.lines[self.node.lineno - 1 : end])


@dataclass
class _Class:
    """A class of the tree: its methods, bases, and the attributes its methods set."""

    path: str
    line: int
    name: str
    module_level: bool
    bases: list[tuple[str, str | None]]
    plain: bool  # no decorator or class keyword (``@dataclass`` writes its own __init__)
    methods: list[_Function] = field(default_factory=list)
    init: _Function | None = None
    attr_sinks: dict[str, str] = field(default_factory=dict)  # attribute -> tail
    inherited: tuple[ModuleParameter, ...] = ()


def expand_module_parameters(
    tree: Tree, rename: RenameMap, store: KeptStore | None = None
) -> RenameMap:
    """List the parameters of the tree's functions and classes shown to hold module names.

    Args:
        tree: the release tree (relative POSIX path -> file); Python modules (``.py``,
            ``.pyw``) that call a module-name function are read first, then those that
            call what was found, ``_DEPTH`` times at most. Modules that do not parse are
            skipped.
        rename: the rename map.
        store: where the last result is kept with what the pass read of its tree
            (:mod:`forktool.codemods.passes.observed`): when ``tree`` differs from that tree
            only in files whose every probe answers the same, the kept result is used
            (the same as a run would give) and the pass does not run; the record is then
            saved for ``tree`` too. The store finds the record of this very tree first
            (a replay over releases seen before), else the one used last. The caller keys
            the store by the rename map and the code.

    Returns:
        ``rename`` itself when nothing is found, else a copy whose ``module_parameters``
        maps each callee name to its parameters: the qualified name of a module-level
        function or class (and every name an old package re-exports it under; a module
        outside the old packages under each dotted tail of its path), and the plain name
        (``PackageLoader``, ``load`` for a method), which is ``proven`` only when every
        ``def`` or ``class`` of that name in the tree's text has the parameter. Never
        raises.
    """
    if not rename.packages:
        return rename
    files = {
        path: entry
        for path, entry in tree.items()
        if not entry.symlink and path.endswith((".py", ".pyw", ".pyi"))
    }
    ids = blob_ids(files)
    kept = None if store is None else store.load(ids)
    table = None if kept is None else _table_from_json(kept.result)
    if kept is not None and table is not None and _holds(kept, files, rename):
        assert store is not None
        if kept.files != ids:
            store.save(dataclasses.replace(kept, files=ids))
    else:
        reads = Reads()
        table = _expand(tree, rename, reads)
        if store is not None:
            store.save(Kept(ids, reads, _table_to_json(table)))
    if not table:
        return rename
    return dataclasses.replace(rename, module_parameters=table)


def _holds(kept: Kept, files: Mapping[str, FileEntry], rename: RenameMap) -> bool:
    """:func:`~forktool.codemods.passes.observed.still_holds`; a probe a damaged record
    names that cannot be made again means the record is as good as none."""
    try:
        return still_holds(kept, files, probe(rename))
    except (KeyError, IndexError, TypeError, ValueError, re.error):
        return False


class KeptStore(Protocol):
    """Where the pass keeps its results and what it read, for this rename map and code."""

    def load(self, files: Mapping[str, str]) -> Kept | None:
        """The record of the tree with these files (path -> blob id) if kept, else the one
        used last, or None."""

    def save(self, kept: Kept) -> None:
        """Keep ``kept`` (as the record of the tree of its files)."""


def probe(rename: RenameMap) -> Probe:
    """What answers again, on one file, a probe this pass (or the re-export pass it calls)
    noted, for :func:`~forktool.codemods.passes.observed.still_holds`."""

    def answer(kind: str, argument: str, path: str, data: bytes | None) -> Answer:
        if kind in (reexports.IS_MODULE, reexports.MAY_BIND, reexports.BINDINGS):
            return reexports.probe(kind, argument, path, data, rename)
        if kind == PARSED:
            return "" if data is None else _reread(path, data, rename, argument)
        if data is None or not _is_module_file(path, False):
            return [] if kind == DEFINES else False
        if kind == MENTIONS:
            return _mentions(data, tuple(word.encode() for word in json.loads(argument)))
        if kind == MATCHES:
            return re.compile(argument.encode()).search(data) is not None
        if kind == DEFINES:
            return _definition_lines(argument, data)
        raise ValueError(f"not a probe of the module-parameter pass: {kind}")

    return answer


def _expand(tree: Tree, rename: RenameMap, reads: Reads) -> dict[str, tuple[ModuleParameter, ...]]:
    """The pass itself, every probe of the tree noted in ``reads``."""
    index = _Index(tree, rename, reads)
    index.read(index.mentioning(_SINK_NEEDLES))
    index.analyze_sinks()
    table = index.settle()
    for _ in range(_DEPTH):
        names = _callee_names(table)
        if not names:
            break
        index.read(index.matching(_words(names)))
        index.analyze(names)
        if not index.propagate(table):
            break
        table = index.settle()
    index.note_parsed()
    return table


def _table_to_json(table: Mapping[str, tuple[ModuleParameter, ...]]) -> object:
    return {name: [dataclasses.astuple(item) for item in found] for name, found in table.items()}


def _table_from_json(data: object) -> dict[str, tuple[ModuleParameter, ...]] | None:
    """The table :func:`_table_to_json` wrote, or None for anything else (a damaged
    record is as good as none)."""
    try:
        assert isinstance(data, dict)
        table = {
            name: tuple(ModuleParameter(*item) for item in found) for name, found in data.items()
        }
        assert all(isinstance(name, str) for name in table)
        assert all(
            (item.position is None or isinstance(item.position, int))
            and (item.keyword is None or isinstance(item.keyword, str))
            and isinstance(item.evidence, str)
            and isinstance(item.proven, bool)
            for found in table.values()
            for item in found
        )
        return table
    except (AssertionError, TypeError, ValueError):
        return None


def _reread(path: str, data: bytes, rename: RenameMap, argument: str) -> str:
    """:func:`_shape` of the module ``data`` at ``path``, read as the run that noted the
    probe read it (``argument``: :meth:`_Index.note_parsed`'s context)."""
    context = json.loads(argument)
    index = _Index({path: FileEntry(data)}, rename, Reads())
    index.read([path])
    if path not in index.files:
        return "unparsed"
    analyzed = set(context["analyzed"])
    for key, function in _keyed(index.functions):
        if key in analyzed:
            _analyze(function)
    return _shape(
        index.files[path], index.functions, index.classes, context["names"], set(context["lined"])
    )


def _shape(
    info: _File,
    functions: list[_Function],
    classes: list[_Class],
    rounds: list[list[str]],
    lined: set[str],
) -> str:
    """A digest of what the pass takes from one module it read: its imports, each
    function's and class's record, whether each function's text lets it be analysed (the
    sink words, and each round's names), and for the functions analysed their analysis and
    line (and the line of an overload, and of the classes in ``lined``). Lines of the rest
    are left out: code added above a function the pass never looks into changes nothing."""
    patterns = [re.compile(r"\b(?:" + "|".join(map(re.escape, names)) + r")\b") for names in rounds]
    parts: list[object] = [sorted(info.imports.items()), info.needles]
    owners = {id(owner): key for key, owner in _keyed(classes)}
    for key, function in _keyed(functions):
        text = function.text
        gates = [_mentions_text(text, info.needles), *(bool(p.search(text)) for p in patterns)]
        within = None if function.owner is None else owners[id(function.owner)]
        item: list[object] = [key, within, function.module_level, sorted(function.params.items())]
        item += [function.first, function.classmethod, function.overload, gates]
        if function.overload or function.analyzed:
            item.append(function.line)
        if function.analyzed:
            calls = [dataclasses.astuple(call) for call in function.calls]
            item += [function.sinks, calls, function.attr_sets]
        parts.append(item)
    for key, owner in _keyed(classes):
        methods = [method.name for method in owner.methods]
        parts.append([key, owner.module_level, owner.bases, owner.plain, methods])
        if key in lined:
            parts.append(owner.line)
    return hashlib.sha256(repr(parts).encode()).hexdigest()


_Item = TypeVar("_Item", "_Function", "_Class")


def _keyed(items: Iterable[_Item]) -> Iterator[tuple[str, _Item]]:
    """Each function (or class) of one module with a key that names it in the module:
    its label (name) and how many of that label came before it."""
    seen: dict[str, int] = {}
    for item in items:
        label = item.label if isinstance(item, _Function) else item.name
        seen[label] = seen.get(label, -1) + 1
        yield f"{label}#{seen[label]}", item


def _definition_lines(
    name: str, data: bytes, found: Mapping[bytes, list[int]] | None = None
) -> list[int]:
    """The lines where ``def name`` or ``class name`` is written in ``data`` (its text: a
    definition is never missed; one in a string counts too). ``found``: :func:`_defined`
    of ``data``, the same answer from one scan for every name."""
    word = name.encode()
    if word not in data:
        return []
    if found is not None and word.isascii():
        return [data.count(b"\n", 0, start) + 1 for start in found.get(word, ())]
    pattern = re.compile(rb"\b(?:def|class)\s+" + re.escape(word) + rb"\b")
    return [data.count(b"\n", 0, match.start()) + 1 for match in pattern.finditer(data)]


#: ``def``/``class`` and the name after it (looked ahead: ``class def f`` holds both).
_DEFINED = re.compile(rb"\b(?:def|class)\s+(?=(\w+))")


def _defined(data: bytes) -> dict[bytes, list[int]]:
    """Each ASCII name written after ``def`` or ``class`` in ``data`` -> where each such
    ``def``/``class`` starts (byte offsets)."""
    found: dict[bytes, list[int]] = {}
    for match in _DEFINED.finditer(data):
        found.setdefault(match.group(1), []).append(match.start())
    return found


def file_evidence(
    path: str, data: bytes, new_path: str, new_data: bytes, rename: RenameMap
) -> tuple[Evidence, ...]:
    """The evidence for each literal old module name in one module passed to a parameter
    of ``rename.module_parameters`` whose fate this rule decided: renamed, or left because
    not every function of that name has the parameter. Per file, so it is cached and
    computed in parallel with the file's rename (:func:`forktool.transform.file.transform_file`).

    Args:
        path: the module's path in the input tree; data: its bytes.
        new_path: its path in the transformed tree; new_data: its renamed bytes.
        rename: the rename map, ``module_parameters`` expanded over the tree.

    Returns:
        One :class:`~forktool.model.Evidence` per such literal, sorted by line; empty for
        a file that is not a module (``.py``, ``.pyw``) or does not parse. Never raises.
    """
    if not rename.module_parameters or not _is_module_file(path, False):
        return ()
    # here, not at the top: the pass above runs on every sync, the codemod (and libcst)
    # only where a file is renamed
    from forktool.codemods.python.codemod import rename_string_value

    callees = tuple({key.rsplit(".", 1)[-1].encode() for key in rename.module_parameters})
    if not _mentions(data, callees):
        return ()
    # Where the rule can decide: a bare package, or a module named like a file or host
    # (which the position-blind rules leave); any other module path is renamed anyway.
    labels = "|".join(sorted(FILE_SUFFIXES | HOST_LABELS))
    quoted = re.compile(
        "|".join(
            rf"""['"]{re.escape(old)}(?:[\w.]*\.(?:{labels}))?['"]""" for old in rename.packages
        ).encode(),
        re.IGNORECASE,
    )
    if quoted.search(data) is None:
        return ()
    syntax = parse_module(data)
    if syntax is None:
        return ()
    new_lines = _LINE_BREAK.split(new_data.decode("utf-8", "replace"))
    old_lines = _LINE_BREAK.split(data.decode("utf-8", "replace"))
    found: list[Evidence] = []
    for line, value, parameter in _literal_arguments(syntax, rename, old_lines):
        # Only where the rule decides: a string the position-blind rules rename the
        # same way anyway (``"jinja2.ext"``) is not this rule's doing.
        generic = rename_string_value(value, GENERIC, rename)
        if parameter.proven:
            module = rename_string_value(value, MODULE, rename)
            if module == generic:
                continue
            done = module != value and new_lines[line - 1 : line] != old_lines[line - 1 : line]
        elif generic == value:
            done = False
        else:
            continue
        text = new_lines[line - 1] if line <= len(new_lines) else ""
        found.append(Evidence(new_path, line, _excerpt(text), parameter.evidence, done))
    return tuple(sorted(set(found), key=lambda item: (item.line, item.evidence)))


def _literal_arguments(
    syntax: ast.Module, rename: RenameMap, lines: list[str]
) -> Iterator[tuple[int, str, ModuleParameter]]:
    """(line, value, parameter) for each literal old module name (one string token, on
    line ``line`` of ``lines``) passed to a parameter listed in
    ``rename.module_parameters``, proven or not."""
    imports = _imports(syntax)
    for node in ast.walk(syntax):
        if not isinstance(node, ast.Call):
            continue
        spelled = _dotted(node.func)
        if spelled is None:
            continue
        found = callee_parameters(spelled, _resolve(spelled, imports), rename, proven=False)
        positional, keywords = _arguments(node)
        for parameter in found:
            value = bound_argument(parameter, positional, keywords)
            if (
                isinstance(value, ast.Constant)
                and isinstance(value.value, str)
                and is_old_module(value.value, rename)
                and _one_token(value, lines)
            ):
                yield value.lineno, value.value, parameter


def _one_token(node: ast.Constant, lines: list[str]) -> bool:
    """A string written as one literal on one line (not ``"jinja" "2"``)."""
    if node.end_lineno != node.lineno or node.end_col_offset is None:
        return False
    line = lines[node.lineno - 1].encode()  # offsets count UTF-8 bytes
    text = line[node.col_offset : node.end_col_offset].decode("utf-8", "replace")
    body = text.lstrip("rRuU")
    for quote in ('"""', "'''", '"', "'"):
        if body.startswith(quote) and body.endswith(quote) and len(body) >= 2 * len(quote):
            return quote[0] not in body[len(quote) : -len(quote)]  # module names hold none
    return False


class _Index:
    """The functions and classes of the modules read so far, and what is shown of them."""

    def __init__(self, tree: Tree, rename: RenameMap, reads: Reads) -> None:
        self.tree = tree
        self.rename = rename
        self.reads = reads
        self.sources = {
            path: entry.data for path, entry in tree.items() if _is_module_file(path, entry.symlink)
        }
        self.read_paths: set[str] = set()
        self.rounds: list[list[str]] = []  # the names of each round (functions' text gates)
        self.files: dict[str, _File] = {}
        self.functions: list[_Function] = []
        self.classes: list[_Class] = []
        self.sites: dict[str, list[tuple[str, int]]] = {}  # name -> its def/class lines
        self.defined: dict[str, dict[bytes, list[int]]] = {}  # path -> _defined() of it
        self.reaching: dict[str, tuple[str, ...]] = {}  # qualified name -> its re-exports

    # --- reading -----------------------------------------------------------------------

    def mentioning(self, words: tuple[bytes, ...]) -> list[str]:
        """The modules that mention one of ``words`` (a probe noted for each)."""
        argument = json.dumps([word.decode() for word in words])
        self.reads.made(MENTIONS, argument)
        found = []
        for path, data in self.sources.items():
            if _mentions(data, words):
                self.reads.note(MENTIONS, argument, path, True)
                found.append(path)
        return found

    def matching(self, pattern: re.Pattern[bytes]) -> list[str]:
        """The modules ``pattern`` finds something in (a probe noted for each)."""
        argument = pattern.pattern.decode()
        self.reads.made(MATCHES, argument)
        found = []
        for path, data in self.sources.items():
            if pattern.search(data):
                self.reads.note(MATCHES, argument, path, True)
                found.append(path)
        return found

    def note_parsed(self) -> None:
        """Note what the run took from each module it read (:func:`_shape`), with the
        context that says how: the rounds' names, which functions were analysed and which
        classes' lines were used (:func:`_reread` reads a module again the same way)."""
        by_path: dict[str, tuple[list[_Function], list[_Class]]] = {}
        for function in self.functions:
            by_path.setdefault(function.path, ([], []))[0].append(function)
        for owner in self.classes:
            by_path.setdefault(owner.path, ([], []))[1].append(owner)
        for path in sorted(self.read_paths):
            if path not in self.files:
                context = json.dumps({"names": self.rounds, "analyzed": [], "lined": []})
                self.reads.note(PARSED, context, path, "unparsed", everywhere=False)
                continue
            functions, classes = by_path.get(path, ([], []))
            analyzed = [key for key, item in _keyed(functions) if item.analyzed]
            lined = [
                key
                for key, owner in _keyed(classes)
                if owner.inherited or any(method.analyzed for method in owner.methods)
            ]
            context = json.dumps({"names": self.rounds, "analyzed": analyzed, "lined": lined})
            shape = _shape(self.files[path], functions, classes, self.rounds, set(lined))
            self.reads.note(PARSED, context, path, shape, everywhere=False)

    def read(self, paths: Iterable[str]) -> None:
        """Index the functions and classes of ``paths`` (their bodies are analysed later)."""
        for path in sorted(set(paths) - self.read_paths):
            self.read_paths.add(path)
            syntax = parse_module(self.sources[path])
            if syntax is None:
                continue
            imports = _imports(syntax)
            needles = _SINK_TEXT + tuple(
                local for local, dotted in imports.items() if _mentions_text(dotted, _SINK_TEXT)
            )
            text = self.sources[path].decode("utf-8", "replace")
            info = _File(path, _module_names(path, self.rename), imports, text.split("\n"), needles)
            self.files[path] = info
            self._read_body(syntax.body, info, None, module_level=True)

    def _read_body(
        self, body: list[ast.stmt], info: _File, owner: _Class | None, module_level: bool
    ) -> None:
        for node in _definitions(body):
            if isinstance(node, ast.ClassDef):
                self._read_class(node, info, module_level and owner is None)
                continue
            function = _function(node, info, owner, module_level and owner is None)
            self.functions.append(function)
            if owner is not None:
                owner.methods.append(function)
                if node.name == "__init__" and owner.init is None:
                    owner.init = function
            self._read_body(node.body, info, None, module_level=False)

    def _read_class(self, node: ast.ClassDef, info: _File, module_level: bool) -> None:
        bases = []
        for base in node.bases:
            spelled = _dotted(base)
            if spelled is not None:
                bases.append((spelled, _resolve(spelled, info.imports)))
        plain = not node.decorator_list and not node.keywords
        owner = _Class(info.path, node.lineno, node.name, module_level, bases, plain)
        self.classes.append(owner)
        self._read_body(node.body, info, owner, module_level=False)

    def analyze_sinks(self) -> None:
        """Analyse the functions that may call a module-name function."""
        for function in self.functions:
            if not function.analyzed and _mentions_text(function.text, function.info.needles):
                _analyze(function)

    def analyze(self, names: set[str]) -> None:
        """Analyse the functions that mention one of ``names``, and every method of a class
        whose base is one of them (``super().__init__(name)``)."""
        self.rounds.append(sorted(names))
        pattern = re.compile(r"\b(?:" + "|".join(re.escape(name) for name in names) + r")\b")
        for function in self.functions:
            if not function.analyzed and pattern.search(function.text):
                _analyze(function)
        for owner in self.classes:
            if any(spelled.rsplit(".", 1)[-1] in names for spelled, _ in owner.bases):
                self._analyze_methods(owner)

    def _analyze_methods(self, owner: _Class) -> None:
        for method in owner.methods:
            if not method.analyzed:
                _analyze(method)

    def _definition_sites(self, name: str) -> list[tuple[str, int]]:
        """Where ``def name`` or ``class name`` is written in the tree's modules (their
        text, so a definition is never missed; one in a string counts too)."""
        if name not in self.sites:
            self.reads.made(DEFINES, name)
            sites = []
            for path, data in sorted(self.sources.items()):
                if path not in self.defined:
                    self.defined[path] = _defined(data)
                lines = _definition_lines(name, data, self.defined[path])
                self.reads.note(DEFINES, name, path, lines)
                sites += [(path, line) for line in lines]
            self.sites[name] = sites
        return self.sites[name]

    # --- proving -----------------------------------------------------------------------

    def settle(self) -> dict[str, tuple[ModuleParameter, ...]]:
        """What is shown so far, attributes followed: the table of
        :func:`expand_module_parameters`."""
        self.prove_attributes()
        return self.table()

    def prove_attributes(self) -> None:
        """``self.x = param`` in a method, ``import_module(self.x)`` in any method of the
        class: the parameter is shown (unless ``self.x`` is also set to anything else)."""
        for function in self.functions:
            for (kind, name), tail in function.sinks:
                if kind == "param":
                    function.proven.setdefault(name, f"{function.label}({name}) -> {tail}")
                elif function.owner is not None:
                    function.owner.attr_sinks.setdefault(name, tail)
        for owner in self.classes:
            if not owner.attr_sinks:
                continue
            self._analyze_methods(owner)
            sets: dict[str, list[tuple[_Function, str | None]]] = {}
            for method in owner.methods:
                for attr, param in method.attr_sets:
                    sets.setdefault(attr, []).append((method, param))
            for attr, tail in sorted(owner.attr_sinks.items()):
                assigned = sets.get(attr, [])
                if any(param is None for _, param in assigned):
                    continue  # also set to something else
                for method, param in assigned:
                    assert param is not None
                    evidence = f"{method.label}({param}) -> self.{attr} -> {tail}"
                    method.proven.setdefault(param, evidence)

    def propagate(self, table: Mapping[str, tuple[ModuleParameter, ...]]) -> bool:
        """One more call deep: a parameter passed on to a parameter shown; True if any."""
        rename = dataclasses.replace(self.rename, module_parameters=table)
        changed = False
        for owner in self.classes:
            if owner.init is None and not owner.inherited and self._inherits(owner):
                inherited = self._base_parameters(owner, rename)
                if inherited:
                    owner.inherited = tuple(
                        dataclasses.replace(item, evidence=f"{owner.name} -> {item.evidence}")
                        for item in inherited
                    )
                    changed = True
        for function in self.functions:
            for call in function.calls:
                for parameter in self._call_parameters(function, call, rename):
                    changed |= self._pass_on(function, call, parameter)
        return changed

    def _pass_on(self, function: _Function, call: _Call, parameter: ModuleParameter) -> bool:
        head, _, rest = parameter.evidence.partition(" -> ")
        tail = f"{head} at {call.where} -> {rest}" if rest else f"{head} at {call.where}"
        changed = False
        for position, keyword, (kind, name) in call.args:
            if not (
                (position is not None and position == parameter.position)
                or (keyword is not None and keyword == parameter.keyword)
            ):
                continue
            if kind == "param" and name not in function.proven:
                function.proven[name] = f"{function.label}({name}) -> {tail}"
                changed = True
            elif kind == "attr" and function.owner and name not in function.owner.attr_sinks:
                function.owner.attr_sinks[name] = tail
                changed = True
        return changed

    def _call_parameters(
        self, function: _Function, call: _Call, rename: RenameMap
    ) -> tuple[ModuleParameter, ...]:
        owner = function.owner
        if call.special == "super" and owner is not None:
            return self._base_parameters(owner, rename)
        if call.special == "class" and owner is not None:
            return self._class_parameters(owner, rename)
        if call.spelled is None:
            return ()
        return callee_parameters(call.spelled, call.resolved, rename)

    @staticmethod
    def _inherits(owner: _Class) -> bool:
        """A class without ``__init__`` is called as its base is: unless it is decorated
        (``@dataclass``), has a metaclass, or makes its instances in ``__new__``."""
        return owner.plain and all(method.name != "__new__" for method in owner.methods)

    def _base_parameters(self, owner: _Class, rename: RenameMap) -> tuple[ModuleParameter, ...]:
        for spelled, resolved in owner.bases:
            found = callee_parameters(spelled, resolved, rename)
            if found:
                return found
        return ()

    def _class_parameters(self, owner: _Class, rename: RenameMap) -> tuple[ModuleParameter, ...]:
        if owner.init is None:
            return owner.inherited
        return _parameters(owner.init)

    # --- the table ---------------------------------------------------------------------

    def table(self) -> dict[str, tuple[ModuleParameter, ...]]:
        """Callee name -> parameters, for what is shown so far (see
        :func:`expand_module_parameters`)."""
        shown: list[tuple[_Function | _Class, tuple[ModuleParameter, ...]]] = []
        for function in self.functions:
            if function.proven and function.name != "__init__" and not function.overload:
                shown.append((function, _parameters(function)))
        for owner in self.classes:
            found = _parameters(owner.init) if owner.init is not None else owner.inherited
            if found:
                shown.append((owner, found))
        # ``import_string`` and the like take a module name by their own name already.
        shown = [(item, found) for item, found in shown if _sink(item.name, None) is None]
        if not shown:
            return {}
        qualified: dict[str, tuple[ModuleParameter, ...]] = {}
        for item, found in shown:
            if item.module_level:
                for module in self.files[item.path].modules:
                    qualified.setdefault(f"{module}.{item.name}", found)
        in_packages = [name for name in qualified if self._in_package(name)]
        # a name's re-exports depend on the modules that mention its last part only:
        # each is looked up once, however many rounds the table is settled in
        new = [name for name in in_packages if name not in self.reaching]
        if new:
            aliases = reaching_names(self.tree, self.rename, new, self.reads)
            self.reaching.update({name: aliases.get(name, ()) for name in new})
        for name in in_packages:
            for alias in self.reaching[name]:
                qualified.setdefault(alias, qualified[name])
        return dict(sorted({**qualified, **self._plain_names(shown)}.items()))

    def _in_package(self, qualified: str) -> bool:
        return any(qualified.startswith(old + ".") for old in self.rename.packages)

    def _plain_names(
        self, shown: list[tuple[_Function | _Class, tuple[ModuleParameter, ...]]]
    ) -> dict[str, tuple[ModuleParameter, ...]]:
        """Plain name -> parameters: proven where every definition of the name has them."""
        plain: dict[str, tuple[ModuleParameter, ...]] = {}
        for name in sorted({item.name for item, _ in shown}):
            if _dunder(name):
                continue
            overloads = {(f.path, f.line) for f in self.functions if f.overload and f.name == name}
            sites = [site for site in self._definition_sites(name) if site not in overloads]
            slots: dict[tuple[int | None, str | None], list[tuple[str, int, str]]] = {}
            for item, found in shown:
                if item.name != name:
                    continue
                for parameter in found:
                    slots.setdefault((parameter.position, parameter.keyword), []).append(
                        (item.path, item.line, parameter.evidence)
                    )
            entries = []
            for (position, keyword), having in sorted(slots.items(), key=_slot_order):
                evidence = "; ".join(text for _, _, text in having[:_MAX_EVIDENCE])
                places = {(path, line) for path, line, _ in having}
                others = [site for site in sites if site not in places]
                if others:
                    where = ", ".join(f"{path}:{line}" for path, line in others[:_MAX_EVIDENCE])
                    evidence += f"; not shown for {len(others)} other {name} ({where})"
                entries.append(ModuleParameter(position, keyword, evidence, not others))
            plain[name] = tuple(entries)
        return plain


def _function(
    node: ast.FunctionDef | ast.AsyncFunctionDef,
    info: _File,
    owner: _Class | None,
    module_level: bool,
) -> _Function:
    """A function's record: its parameters as a call passes them (``self`` left out)."""
    decorators = {_dotted(item) for item in node.decorator_list}
    arguments = node.args
    positional = [*arguments.posonlyargs, *arguments.args]
    only = len(arguments.posonlyargs)
    first = None
    if owner is not None and "staticmethod" not in decorators and positional:
        first = positional.pop(0).arg
        only = max(0, only - 1)
    params: dict[str, tuple[int | None, str | None]] = {
        arg.arg: (number, None if number < only else arg.arg)
        for number, arg in enumerate(positional)
    }
    params.update({arg.arg: (None, arg.arg) for arg in arguments.kwonlyargs})
    label = node.name if owner is None else f"{owner.name}.{node.name}"
    if owner is not None and node.name == "__init__":
        label = owner.name
    return _Function(
        node,
        info,
        label,
        owner,
        module_level,
        params,
        first,
        "classmethod" in decorators,
        bool(decorators & _OVERLOAD),
    )


def _analyze(function: _Function) -> None:
    function.analyzed = True
    _Body(function).read(function.node.body)


class _Body:
    """Reads one function body: which names carry a parameter unchanged, which calls get
    them, what is set on ``self``."""

    def __init__(self, function: _Function) -> None:
        self.function = function
        self.info = function.info
        self.first = function.first  # self (or cls)
        self.cls = function.classmethod
        self.carriers: dict[str, str] = {}

    def read(self, body: list[ast.stmt]) -> None:
        nodes = list(_own_nodes(body))
        self.carriers = _carriers(nodes, set(self.function.params))
        for node in nodes:
            if isinstance(node, ast.Call):
                self._call(node)
            elif isinstance(node, ast.Subscript) and _dotted(node.value) == _SYS_MODULES:
                self._sink(node.slice, _SYS_MODULES, node.lineno)
            elif isinstance(node, ast.Compare):
                self._compare(node)
        held = {
            id(target): param
            for node in nodes
            if isinstance(node, (ast.Assign, ast.AnnAssign))
            and node.value is not None
            and (target := _single_target(node)) is not None
            and (param := self._param(node.value)) is not None
        }
        for node in nodes:
            if isinstance(node, ast.Attribute) and isinstance(node.ctx, (ast.Store, ast.Del)):
                attr = self._self_attribute(node)
                if attr is not None:
                    self.function.attr_sets.append((attr, held.get(id(node))))

    def _compare(self, node: ast.Compare) -> None:
        left = node.left
        for operator, right in zip(node.ops, node.comparators, strict=True):
            if isinstance(operator, (ast.In, ast.NotIn)) and _dotted(right) == _SYS_MODULES:
                self._sink(left, f"in {_SYS_MODULES}", node.lineno)
            left = right

    def _param(self, node: ast.expr) -> str | None:
        carried = self._carrier(node)
        return carried[1] if carried is not None and carried[0] == "param" else None

    def _call(self, node: ast.Call) -> None:
        spelled = _dotted(node.func)
        resolved = _resolve(spelled, self.info.imports) if spelled else None
        positional, keywords = _arguments(node)
        if spelled is not None:
            sink = _sink(spelled, resolved)
            if sink is not None:
                position, names = sink
                argument = positional[position] if position < len(positional) else None
                for name in names:
                    argument = argument if argument is not None else keywords.get(name)
                self._sink(argument, spelled, node.lineno)
                return
        special = self._special(node.func)
        if spelled is None and not special:
            return
        args: list[tuple[int | None, str | None, _Carrier]] = []
        for number, value in enumerate(positional):
            carried = self._carrier(value)
            if carried is not None:
                args.append((number, None, carried))
        for keyword, value in keywords.items():
            carried = self._carrier(value)
            if carried is not None:
                args.append((None, keyword, carried))
        if args:
            where = f"{self.function.path}:{node.lineno}"
            callee = None if special else spelled
            self.function.calls.append(_Call(callee, resolved, special, where, args))

    def _special(self, func: ast.expr) -> str:
        """``super().__init__`` -> "super"; ``cls`` in a classmethod -> "class"."""
        if (
            isinstance(func, ast.Attribute)
            and func.attr == "__init__"
            and isinstance(func.value, ast.Call)
            and _dotted(func.value.func) == "super"
        ):
            return "super"
        if self.cls and isinstance(func, ast.Name) and func.id == self.first:
            return "class"
        return ""

    def _sink(self, argument: ast.expr | None, label: str, line: int) -> None:
        carried = self._carrier(argument)
        if carried is not None:
            tail = f"{label} at {self.function.path}:{line}"
            self.function.sinks.append((carried, tail))

    def _carrier(self, node: ast.expr | None) -> _Carrier | None:
        if isinstance(node, ast.Name) and node.id in self.carriers:
            return ("param", self.carriers[node.id])
        attr = self._self_attribute(node)
        return None if attr is None else ("attr", attr)

    def _self_attribute(self, node: ast.expr | None) -> str | None:
        if (
            self.first is not None
            and not self.cls
            and isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == self.first
        ):
            return node.attr
        return None


def _carriers(nodes: list[ast.AST], params: set[str]) -> dict[str, str]:
    """Local name -> the parameter it holds unchanged: every binding of the name in the
    function is ``name = <a name holding that parameter>`` (a parameter never rebound
    holds itself)."""
    sources: dict[str, set[str | None]] = {}
    for node in nodes:
        for name, source in _bindings(node):
            sources.setdefault(name, set()).add(source)
    carriers = {param: param for param in params if param not in sources}
    changed = True
    while changed:
        changed = False
        for name, held in sources.items():
            if name in carriers or name in params or None in held:
                continue
            origins = {carriers.get(source) for source in held if source is not None}
            if len(origins) == 1 and None not in origins:
                origin = origins.pop()
                assert origin is not None
                carriers[name] = origin
                changed = True
    return carriers


def _bindings(node: ast.AST) -> Iterator[tuple[str, str | None]]:
    """(name, the name assigned to it, or None for anything else) for each name ``node``
    binds."""
    if isinstance(node, (ast.Assign, ast.AnnAssign)) and _is_alias(node):
        target, value = _single_target(node), node.value
        assert isinstance(target, ast.Name) and isinstance(value, ast.Name)
        yield target.id, value.id
        return
    if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
        yield node.id, None
    elif isinstance(node, _NAMED) and node.name:
        yield node.name, None
    elif isinstance(node, (ast.Import, ast.ImportFrom)):
        for alias in node.names:
            yield (alias.asname or alias.name).split(".")[0], None
    elif isinstance(node, (ast.Global, ast.Nonlocal)):
        for name in node.names:
            yield name, None
    elif isinstance(node, ast.MatchMapping) and node.rest:
        yield node.rest, None


def _own_nodes(body: list[ast.stmt]) -> Iterator[ast.AST]:
    """Every node of a function body, not looking into nested functions, classes and
    lambdas (their own scopes); the nested definition itself is yielded (it binds a name)."""
    stack: list[ast.AST] = list(reversed(body))
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, ast.Assign | ast.AnnAssign) and _is_alias(node):
            # ``name = other``: its target Name is a binding already accounted for
            stack.extend(reversed(list(ast.iter_child_nodes(node))[1:]))
            continue
        stack.extend(reversed(list(ast.iter_child_nodes(node))))


def _single_target(node: ast.Assign | ast.AnnAssign) -> ast.expr | None:
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    return targets[0] if len(targets) == 1 else None


def _is_alias(node: ast.Assign | ast.AnnAssign) -> bool:
    """``name = other``: one name assigned another."""
    return isinstance(_single_target(node), ast.Name) and isinstance(node.value, ast.Name)


def _definitions(
    body: list[ast.stmt],
) -> Iterator[ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef]:
    """The functions and classes a body defines, looking into ``if``/``try``/``with``."""
    for statement in binding_statements(body):
        if isinstance(statement, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            yield statement


def _parameters(function: _Function) -> tuple[ModuleParameter, ...]:
    """The parameters shown of ``function``, in their order."""
    found = [
        ModuleParameter(*function.params[name], evidence)
        for name, evidence in function.proven.items()
        if name in function.params
    ]
    return tuple(sorted(found, key=lambda item: _slot_order(((item.position, item.keyword), 0))))


def _callee_names(table: Mapping[str, tuple[ModuleParameter, ...]]) -> set[str]:
    """The last names of the callees a call can be matched to (proven entries only)."""
    return {key.rsplit(".", 1)[-1] for key, found in table.items() if any(p.proven for p in found)}


def _words(names: Iterable[str]) -> re.Pattern[bytes]:
    alternatives = b"|".join(re.escape(name.encode()) for name in sorted(names))
    return re.compile(rb"\b(?:" + alternatives + rb")\b")


def _slot_order(item: tuple[tuple[int | None, str | None], object]) -> tuple[int, str]:
    (position, keyword), _ = item
    return (-1 if position is None else position, keyword or "")


def _dunder(name: str) -> bool:
    return name.startswith("__") and name.endswith("__")


def _sink(spelled: str, resolved: str | None) -> tuple[int, tuple[str, ...]] | None:
    """(position, keywords) of the module argument of a call that takes one, else None."""
    callees = {spelled} if resolved is None else {spelled, resolved}
    keywords = module_argument(callees)
    if keywords is not None:
        return 0, keywords
    for callee in sorted(callees):
        if callee in _ENTRY_POINTS:
            position, keyword = _ENTRY_POINTS[callee]
            return position, (keyword,)
    return None


def _arguments(node: ast.Call) -> tuple[list[ast.expr], dict[str, ast.expr]]:
    """A call's positional arguments up to the first ``*args``, and its keywords."""
    positional: list[ast.expr] = []
    for arg in node.args:
        if isinstance(arg, ast.Starred):
            break
        positional.append(arg)
    keywords = {item.arg: item.value for item in node.keywords if item.arg is not None}
    return positional, keywords


def _dotted(node: ast.expr) -> str | None:
    """``a.b.c`` for a name or a chain of attributes of one, else None."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = _dotted(node.value)
        return None if head is None else f"{head}.{node.attr}"
    return None


def _imports(syntax: ast.Module) -> dict[str, str]:
    """Local name -> the dotted name it was imported as, for every absolute import of
    the module, at any depth (as :class:`~forktool.codemods.python.strings.StringContexts`
    reads them)."""
    imported: dict[str, str] = {}
    for node in _statements(syntax.body):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname is not None:
                    imported[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    imported[top] = top
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                if alias.name != "*":
                    imported[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return imported


def _statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Every statement of ``body``, nested blocks included (expressions not looked into)."""
    for statement in body:
        yield statement
        for name in ("body", "orelse", "finalbody", "handlers", "cases"):
            block = getattr(statement, name, None)
            if isinstance(block, list):
                for item in block:
                    if isinstance(item, ast.stmt):
                        yield from _statements([item])
                    elif isinstance(item, (ast.ExceptHandler, ast.match_case)):
                        yield from _statements(item.body)


def _resolve(spelled: str, imports: Mapping[str, str]) -> str | None:
    head, _, rest = spelled.partition(".")
    resolved = imports.get(head)
    return None if resolved is None else resolved + ("." + rest if rest else "")


def _module_names(path: str, rename: RenameMap) -> tuple[str, ...]:
    """The dotted names a module may be imported under: its name in an old package; else
    each dotted tail of its path (``tests/util/helpers.py``: ``tests.util.helpers``,
    ``util.helpers``, ``helpers``), whichever directory is on ``sys.path``."""
    name = module_name(path, rename)
    if name is not None:
        return (name,)
    parts = path.rsplit(".", 1)[0].split("/")
    if parts[-1] == "__init__":
        parts.pop()
    names = []
    for start in range(len(parts)):
        tail = parts[start:]
        if all(part.isidentifier() for part in tail):
            names.append(".".join(tail))
    return tuple(names)


def _is_module_file(path: str, symlink: bool) -> bool:
    return not symlink and path.endswith((".py", ".pyw"))


def _mentions(data: bytes, needles: tuple[bytes, ...]) -> bool:
    return any(needle in data for needle in needles)


def _mentions_text(text: str, needles: tuple[str, ...]) -> bool:
    return any(needle in text for needle in needles)


def _excerpt(line: str) -> str:
    text = line.strip()
    return text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 3] + "..."
