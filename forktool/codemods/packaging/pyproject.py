"""``pyproject.toml`` through tomlkit, so comments, quoting and layout survive.

What changes:

- ``[project] name`` -> the new distribution; ``import-names`` / ``import-namespaces``
  (PEP 794) naming an old package; dependencies, optional dependencies,
  ``[dependency-groups]`` and ``[build-system] requires`` naming an old distribution;
- ``[project.scripts]`` / ``[project.gui-scripts]``: keys through ``RenameMap.scripts``,
  values' module paths; ``[project.entry-points]``: values' module paths, and group names
  unless keep-listed (``flask.commands`` stays so extensions keep registering);
- every string under ``[tool]`` that is a module path (``[tool.flit.module] name``,
  ``[tool.coverage.run] source``, ``[tool.mypy] packages``), a path into the package
  (``[tool.flit.sdist] include``, hatch targets, ``[tool.mypy] files``), a warning filter
  (``[tool.pytest.ini_options] filterwarnings``) or an ``--option=module`` in ``addopts``;
  plus keys that name modules or paths (setuptools ``package-dir``/``package-data``, hatch
  ``force-include``/``sources``) and Poetry's name, dependencies and scripts.

``[project]`` prose (description, classifiers, keywords, URLs) is never touched.

When the build back-end finds the package by the distribution's name and would now look
for the old one (the distribution's name kept), the setting naming the renamed package is
added (:mod:`~forktool.codemods.packaging.backends`).

Values are edited through tomlkit. tomlkit has no public way to rename a key in place, so
keys are renamed on the rendered text afterwards and the result is re-parsed and compared
with the expected data; if that check fails the keys stay (and show up as leftovers).
"""

from __future__ import annotations

import re
from collections.abc import Callable, MutableMapping
from typing import Any

import tomlkit
import tomlkit.exceptions
from tomlkit.items import Array, String

from forktool.codemods import names
from forktool.codemods.packaging import backends
from forktool.codemods.packaging.ini import rename_item, rename_words
from forktool.codemods.paths import rename_path
from forktool.model import RenameMap

_Rule = Callable[[str], "str | None"]
_MODULE_KEY_TABLES = frozenset({"package-data", "exclude-package-data", "package-dir"})
_IMPORT_PATH_KEYS = frozenset({("setuptools", "packages"), ("setuptools", "py-modules")})
_FIND = ("packages", "find")
_FIND_KEYS = frozenset({"include", "exclude"})
_PATH_KEY_TABLES = frozenset({"force-include", "sources"})
_POETRY_DEPENDENCY_TABLES = frozenset({"dependencies", "dev-dependencies"})
#: ``[tool.poetry]`` keys that are the distribution's metadata, like ``[project]``'s: the
#: name is a distribution name (renamed by the map's ``distributions`` only), the rest prose.
_POETRY_METADATA = frozenset(
    {"name", "version", "description", "license", "authors", "maintainers", "readme",
     "homepage", "repository", "documentation", "keywords", "classifiers", "urls"}
)  # fmt: skip


def rename_pyproject(source: str, rename: RenameMap) -> str:
    """The codemod for ``pyproject.toml``.

    Args:
        source: the file's text.
        rename: the rename map.

    Returns:
        The renamed document, formatting kept.

    Raises:
        tomlkit.exceptions.TOMLKitError: ``source`` is not valid TOML.
    """
    document = tomlkit.parse(source)
    pin = backends.plan_pin(document, rename)  # read in upstream's names
    editor = _Pyproject(rename)
    editor.run(document)
    text = document.as_string()
    if pin is not None:
        text = backends.apply_pin(text, pin) or text
    if not editor.key_renames:
        return text
    expected = _renamed(tomlkit.parse(text).unwrap(), editor)
    return _rename_keys_in_text(text, editor.key_renames, expected)


class _Pyproject:
    """Walks a parsed document: edits values in place, collects key renames."""

    def __init__(self, rename: RenameMap) -> None:
        self.rename = rename
        # full key path -> new last component, applied by _rename_keys_in_text
        self.key_renames: dict[tuple[str, ...], str] = {}

    def rename_keys(
        self, table: MutableMapping[str, Any], path: tuple[str, ...], rule: _Rule
    ) -> None:
        for key in table:
            new = rule(key)
            if new is not None and new != key and new not in table:
                self.key_renames[(*path, key)] = new

    def dist(self, value: str) -> str | None:
        return names.rename_dist(value, self.rename)

    def requirement(self, value: str) -> str | None:
        return names.rename_requirement(value, self.rename)

    def spec(self, value: str) -> str | None:
        return names.rename_entry_spec(value, self.rename) or names.rename_module(
            value, self.rename
        )

    def import_name(self, value: str) -> str | None:
        """A PEP 794 import name, ``module`` or ``module; private``."""
        return names.rename_import_name(value, self.rename)

    def config(self, value: str) -> str | None:
        """A string somewhere under ``[tool]``: one item, or words split on spaces."""
        stripped = value.strip()
        if " " not in stripped:
            new = rename_item(stripped, self.rename)
            return None if new is None else value.replace(stripped, new, 1)
        new = rename_words(value, self.rename, command=True)
        return new if new != value else None

    def run(self, document: MutableMapping[str, Any]) -> None:
        project = document.get("project")
        if isinstance(project, MutableMapping):
            self.project(project)
        build = document.get("build-system")
        if isinstance(build, MutableMapping):
            _rewrite(build, "requires", self.requirement)
        groups = document.get("dependency-groups")
        if isinstance(groups, MutableMapping):
            for key in list(groups):
                _rewrite(groups, key, self.requirement)
        tool = document.get("tool")
        if isinstance(tool, MutableMapping):
            self.tool(tool)

    def project(self, project: MutableMapping[str, Any]) -> None:
        _rewrite(project, "name", self.dist)
        for key in ("import-names", "import-namespaces"):
            _rewrite(project, key, self.import_name)
        _rewrite(project, "dependencies", self.requirement)
        optional = project.get("optional-dependencies")
        if isinstance(optional, MutableMapping):
            for key in list(optional):
                _rewrite(optional, key, self.requirement)
        for table_name in ("scripts", "gui-scripts"):
            scripts = project.get(table_name)
            if isinstance(scripts, MutableMapping):
                self.rename_keys(
                    scripts,
                    ("project", table_name),
                    lambda key: names.rename_script(key, self.rename),
                )
                for key in list(scripts):
                    _rewrite(scripts, key, self.spec)
        entry_points = project.get("entry-points")
        if isinstance(entry_points, MutableMapping):
            self.rename_keys(
                entry_points,
                ("project", "entry-points"),
                lambda key: names.rename_module(key, self.rename),
            )
            for group in entry_points.values():
                if isinstance(group, MutableMapping):
                    for key in list(group):
                        _rewrite(group, key, self.spec)

    def tool(self, table: MutableMapping[str, Any], path: tuple[str, ...] = ()) -> None:
        name = path[-1] if path else ""
        full = ("tool", *path)
        if name in _MODULE_KEY_TABLES:
            self.rename_keys(
                table, full, lambda key: names.rename_module(key, self.rename, keep=False)
            )
        elif name in _PATH_KEY_TABLES:
            self.rename_keys(table, full, lambda key: _changed(rename_path(key, self.rename), key))
        if path[:1] == ("poetry",):
            self.poetry(table, path)
        for key in list(table):
            value = table[key]
            if path == ("poetry",) and key in _POETRY_METADATA:
                continue
            if isinstance(value, MutableMapping):
                self.tool(value, (*path, key))
            elif name == "package-dir":
                _rewrite(table, key, lambda v: _changed(rename_path(v, self.rename), v))
            elif (*path, key) in _IMPORT_PATH_KEYS or (path[-2:] == _FIND and key in _FIND_KEYS):
                # only an import path fits here: the keep-list does not apply
                _rewrite(table, key, lambda v: names.rename_module(v, self.rename, keep=False))
            elif isinstance(value, list) and any(isinstance(v, MutableMapping) for v in value):
                for item in value:
                    if isinstance(item, MutableMapping):
                        self.tool(item, (*path, key))
            else:
                _rewrite(table, key, self.config, nested=True)

    def poetry(self, table: MutableMapping[str, Any], path: tuple[str, ...]) -> None:
        if path == ("poetry",):
            _rewrite(table, "name", self.dist)
        elif path[-1] in _POETRY_DEPENDENCY_TABLES:
            self.rename_keys(table, ("tool", *path), self.dist)
        elif path[-1] == "scripts":
            self.rename_keys(
                table, ("tool", *path), lambda key: names.rename_script(key, self.rename)
            )


def _changed(new: str, old: str) -> str | None:
    return None if new == old else new


def _rewrite(
    table: MutableMapping[str, Any], key: str, rule: _Rule, *, nested: bool = False
) -> None:
    """Apply ``rule`` to the string (or array of strings) at ``table[key]``, keeping style."""
    value = table.get(key)
    if isinstance(value, String):
        new = rule(str(value))
        if new is not None and new != str(value):
            table[key] = String.from_raw(new, type_=value.type)
    elif isinstance(value, Array):
        for index, item in enumerate(value):
            if isinstance(item, String):
                new = rule(str(item))
                if new is not None and new != str(item):
                    value[index] = String.from_raw(new, type_=item.type)
            elif nested and isinstance(item, Array):
                holder = {"item": item}
                _rewrite(holder, "item", rule, nested=True)


def _renamed(value: Any, editor: _Pyproject, path: tuple[str, ...] = ()) -> Any:
    """The plain data ``value`` with the planned key renames applied (for verification)."""
    if isinstance(value, dict):
        return {
            editor.key_renames.get((*path, key), key): _renamed(item, editor, (*path, key))
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_renamed(item, editor, path) for item in value]
    return value


_KEY_PART_RE = re.compile(r"""\s*(?:"(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_-]+)\s*""")
_HEADER_RE = re.compile(r"(?P<lead>\s*\[\[?)(?P<key>[^\]]*)(?P<rest>\]\]?\s*(?:#.*)?)", re.DOTALL)
_ASSIGN_RE = re.compile(r"(?P<lead>\s*)(?P<key>[^=\s\[#][^=]*?)(?P<rest>\s*=.*)", re.DOTALL)


def _rename_keys_in_text(text: str, renames: dict[tuple[str, ...], str], expected: Any) -> str:
    """Rename keys in rendered TOML, keeping each key's quoting.

    tomlkit has no public way to rename a key in place, so this edits header lines
    (``[project.entry-points."flask.x"]``) and ``key = value`` lines of the tables named in
    ``renames``. The result is re-parsed and must equal ``expected``; if it does not (an
    inline table, a key inside a multi-line string), the keys are left as they were.
    """
    out: list[str] = []
    table: tuple[str, ...] = ()
    for line in text.splitlines(keepends=True):
        header = _HEADER_RE.fullmatch(line)
        if header is not None and line.lstrip().startswith("["):
            parts = _split_key(header["key"])
            if parts is not None:
                table = tuple(_unquote(part) for part in parts)
                new_key = _renamed_key(parts, (), renames)
                line = header["lead"] + new_key + header["rest"]
            out.append(line)
            continue
        assign = _ASSIGN_RE.fullmatch(line)
        parts = _split_key(assign["key"]) if assign is not None else None
        if assign is not None and parts is not None:
            line = assign["lead"] + _renamed_key(parts, table, renames) + assign["rest"]
        out.append(line)
    result = "".join(out)
    try:
        if tomlkit.parse(result).unwrap() == expected:
            return result
    except tomlkit.exceptions.TOMLKitError:
        pass
    return text


def _split_key(key: str) -> list[str] | None:
    """Split a dotted TOML key into its parts as written (quotes and spaces kept)."""
    parts: list[str] = []
    position = 0
    while True:
        match = _KEY_PART_RE.match(key, position)
        if match is None:
            return None
        parts.append(match.group())
        position = match.end()
        if position == len(key):
            return parts
        if key[position] != ".":
            return None
        position += 1


def _unquote(part: str) -> str:
    stripped = part.strip()
    if stripped[:1] == '"':
        value = tomlkit.parse(f"k = {stripped}")["k"]
        return str(value)
    if stripped[:1] == "'":
        return stripped[1:-1]
    return stripped


def _renamed_key(
    parts: list[str], table: tuple[str, ...], renames: dict[tuple[str, ...], str]
) -> str:
    out = []
    path = table
    for part in parts:
        path = (*path, _unquote(part))
        new = renames.get(path)
        if new is None:
            out.append(part)
            continue
        stripped = part.strip()
        lead = part[: len(part) - len(part.lstrip())]
        trail = part[len(part.rstrip()) :]
        if stripped[:1] == "'" and "'" not in new:
            spelled = f"'{new}'"
        elif stripped[:1] in "\"'" or not re.fullmatch(r"[A-Za-z0-9_-]+", new):
            spelled = tomlkit.string(new).as_string()
        else:
            spelled = new
        out.append(lead + spelled + trail)
    return ".".join(out)
