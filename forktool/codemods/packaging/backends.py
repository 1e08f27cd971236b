"""Build back-ends that find the package by the distribution's name, told the renamed one.

When ``pyproject.toml`` names no package, some build back-ends look for the one whose name
the distribution's name spells: flit_core (``[tool.flit.module]``), uv_build
(``[tool.uv.build-backend] module-name``), hatchling (``[tool.hatch.build.targets.wheel]``
``packages`` / ``only-include``) and poetry-core (``[tool.poetry] packages``). A rename that
keeps the distribution's name (``blinker`` with its package renamed to ``signalkit``), or
gives it a name that does not spell the new package, leaves them looking for the old one,
and the renamed tree no longer builds. :func:`plan_pin` finds that case on the original
file and :func:`apply_pin` writes the setting that names the renamed package.

setuptools (auto-discovery takes every package or module found by directory) and
pdm-backend (every top-level package of its package directory) do not go by the name:
nothing is added for them, nor for a back-end not listed here.
"""

from __future__ import annotations

import dataclasses
import functools
import posixpath
import re
import tomllib
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any

import tomlkit
import tomlkit.exceptions
from tomlkit.items import Table

from forktool.codemods import names
from forktool.model import RenameMap


class Backend(StrEnum):
    """A build back-end, by the top-level module of ``[build-system] build-backend``."""

    FLIT = "flit_core"
    HATCH = "hatchling"
    POETRY = "poetry"
    UV = "uv_build"
    PDM = "pdm"
    SETUPTOOLS = "setuptools"


@dataclasses.dataclass(frozen=True)
class Pin:
    """A setting to add: ``value`` (plain TOML data) at ``key`` of the table at ``table``."""

    table: tuple[str, ...]
    key: str
    value: str | list[str] | list[dict[str, str]]


_HATCH_BUILD = ("tool", "hatch", "build")
_HATCH_WHEEL = (*_HATCH_BUILD, "targets", "wheel")
#: hatchling infers the wheel's files only when none of these is set (build or target level).
_HATCH_SELECTION = ("include", "packages", "only-include")
_FLIT_MODULE = ("tool", "flit", "module")
_UV_OPTIONS = ("tool", "uv", "build-backend")
_POETRY = ("tool", "poetry")


def backend_of(document: Mapping[str, Any]) -> Backend | None:
    """The build back-end ``[build-system] build-backend`` names, or None for another one.

    A file without ``build-backend`` is built by setuptools' legacy back-end (PEP 517).
    """
    build = document.get("build-system")
    value = build.get("build-backend") if isinstance(build, Mapping) else None
    if value is None:
        return Backend.SETUPTOOLS
    top = str(value).split(":")[0].split(".")[0].strip()
    try:
        return Backend(top)
    except ValueError:
        return None


def plan_pin(document: Mapping[str, Any], rename: RenameMap) -> Pin | None:
    """The setting the renamed file needs so that its back-end still finds the package.

    Args:
        document: the parsed file, still in upstream's names.
        rename: the rename map, ``layout`` expanded over the tree
            (:func:`~forktool.codemods.passes.layout.expand_layout`): hatchling and
            poetry-core need the package's path, and without it nothing is added.

    Returns:
        The setting, in the new names, when the back-end infers the package from the
        distribution's name, the name it infers on the original is an old package, no
        setting names it already, and the name inferred from the renamed distribution is
        not the new package; else None. Never raises.
    """
    backend = backend_of(document)
    rule = _RULES.get(backend) if backend is not None else None
    name = _get(document, ("project", "name"))
    if backend is Backend.POETRY and name is None:
        name = _get(document, (*_POETRY, "name"))
    if rule is None or not isinstance(name, str):
        return None
    return rule(document, name, names.rename_dist(name, rename) or name, rename)


def apply_pin(text: str, pin: Pin) -> str | None:
    """Add ``pin`` to the TOML document ``text``.

    Two ways are tried in turn: under table headers (``[tool.flit.module]``, created as
    needed, a new one followed by a blank line), then as a dotted key in the deepest table
    on the way that exists (``build.targets.wheel.packages = [...]`` in a ``[tool.hatch]``
    written with dotted keys, where tomlkit cannot put a new header). The first whose
    result, read back with :mod:`tomllib` (the reader of pip and the back-ends), holds the
    same data plus the setting wins.

    Returns:
        The new text, or None when neither way gives that (or ``text`` is not TOML).
    """
    try:
        expected = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None
    place: Any = expected
    for part in pin.table:
        place = place.setdefault(part, {})
        if not isinstance(place, dict):
            return None  # a value, not a table, stands on the way
    place[pin.key] = pin.value
    ways = [_under_headers] + [
        functools.partial(_dotted, depth=depth) for depth in range(len(pin.table), 0, -1)
    ]
    for way in ways:
        try:
            new = way(text, pin)
        except (ValueError, TypeError, tomlkit.exceptions.TOMLKitError):
            continue  # tomlkit refuses this way (an inline table, a key already there)
        if new is not None and _reads(new) == expected:
            return new
    return None


def _under_headers(text: str, pin: Pin) -> str | None:
    document = tomlkit.parse(text)
    table: Any = document
    for depth, part in enumerate(pin.table):
        if not isinstance(table, (Table, tomlkit.TOMLDocument)):
            return None
        if part not in table:
            table[part] = tomlkit.table(is_super_table=depth < len(pin.table) - 1)
        table = table[part]
    if not isinstance(table, Table):
        return None
    created = not table.value
    table[pin.key] = _item(pin.value)
    if created:
        table.add(tomlkit.nl())
    new = document.as_string()
    if new.endswith("\n\n") and not text.endswith("\n\n"):
        new = new[:-1]  # the new table is the last: no blank line after it
    return new


def _dotted(text: str, pin: Pin, depth: int) -> str | None:
    """The setting as a dotted key (the rest of its path) in the table at ``depth``."""
    document = tomlkit.parse(text)
    table: Any = document
    for part in pin.table[:depth]:
        table = table.get(part) if isinstance(table, Mapping) else None
    if not isinstance(table, Table) or (depth < len(pin.table) and pin.table[depth] in table):
        return None
    table.add(tomlkit.key([*pin.table[depth:], pin.key]), _item(pin.value))
    return document.as_string()


def _reads(text: str) -> dict[str, Any] | None:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None


def _item(value: str | list[str] | list[dict[str, str]]) -> Any:
    if isinstance(value, str):
        return value
    array = tomlkit.array()
    for element in value:
        if isinstance(element, dict):
            inline = tomlkit.inline_table()
            inline.update(element)
            array.append(inline)
        else:
            array.append(element)
    return array


def _get(data: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = data
    for part in path:
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def _flit(document: Mapping[str, Any], name: str, new_name: str, rename: RenameMap) -> Pin | None:
    """flit_core: the module is the name with ``-`` -> ``_``, case kept (src/ or top)."""
    if _get(document, (*_FLIT_MODULE, "name")) is not None or name.endswith("-stubs"):
        return None
    inferred, new_inferred = name.replace("-", "_"), new_name.replace("-", "_")
    return _module_pin(inferred, new_inferred, rename, (*_FLIT_MODULE, "name"))


def _uv(document: Mapping[str, Any], name: str, new_name: str, rename: RenameMap) -> Pin | None:
    """uv_build: the module is the normalized name with ``-`` -> ``_``, under ``module-root``."""
    if _get(document, (*_UV_OPTIONS, "module-name")) is not None:
        return None
    inferred, new_inferred = _underscored(name), _underscored(new_name)
    return _module_pin(inferred, new_inferred, rename, (*_UV_OPTIONS, "module-name"))


def _module_pin(
    inferred: str, new_inferred: str, rename: RenameMap, setting: tuple[str, ...]
) -> Pin | None:
    """A module name ``setting`` (table path and key), for back-ends that look for the
    module themselves: the renamed ``inferred``, unless the new name infers it already."""
    new = names.rename_module(inferred, rename, keep=False, known=True)
    if new is None or new in (inferred, new_inferred):
        return None
    return Pin(setting[:-1], setting[-1], new)


def _hatch(document: Mapping[str, Any], name: str, new_name: str, rename: RenameMap) -> Pin | None:
    """hatchling: ``<name>/``, ``src/<name>/`` or ``<name>.py``, for the name as written
    (runs of other characters than letters, digits, ``_`` and ``.`` -> ``_``) and
    normalized (lower case, ``-``/``_``/``.`` runs -> ``_``)."""
    for table in (_HATCH_BUILD, _HATCH_WHEEL):
        if any(_get(document, (*table, key)) is not None for key in _HATCH_SELECTION):
            return None
    for candidate in _hatch_names(name):
        new = rename.packages.get(candidate)
        place = rename.layout.get(candidate)
        if new is None or place is None or place == f"src/{candidate}.py":
            continue  # hatchling does not look for a single module under src/
        if new in _hatch_names(new_name):
            return None
        new_place = _renamed_place(place, new)
        if place.endswith(".py"):
            return Pin(_HATCH_WHEEL, "only-include", [new_place])
        return Pin(_HATCH_WHEEL, "packages", [new_place])
    return None


def _hatch_names(name: str) -> tuple[str, ...]:
    as_written = re.sub(r"[^\w\d.]+", "_", name)
    return tuple(dict.fromkeys((as_written, _underscored(name))))


def _poetry(document: Mapping[str, Any], name: str, new_name: str, rename: RenameMap) -> Pin | None:
    """poetry-core: ``<module>/``, ``<module>.py``, then the same under ``src/``, where
    ``<module>`` is the normalized name with ``-`` -> ``_``."""
    if _get(document, (*_POETRY, "packages")) is not None:
        return None
    inferred = _underscored(name)
    new = rename.packages.get(inferred)
    place = rename.layout.get(inferred)
    if new is None or place is None or new == _underscored(new_name):
        return None
    new_place = _renamed_place(place, new)
    if new_place.startswith("src/"):
        return Pin(_POETRY, "packages", [{"include": new_place[4:], "from": "src"}])
    return Pin(_POETRY, "packages", [{"include": new_place}])


def _underscored(name: str) -> str:
    """The PEP 503 normalized name with ``-`` -> ``_``: ``Foo.Bar`` -> ``foo_bar``."""
    return names.normalize_dist(name).replace("-", "_")


def _renamed_place(place: str, new: str) -> str:
    """``src/blinker`` -> ``src/signalkit``, ``blinker.py`` -> ``signalkit.py``."""
    head, tail = posixpath.split(place)
    return posixpath.join(head, new + (".py" if tail.endswith(".py") else ""))


_Rule = Callable[[Mapping[str, Any], str, str, RenameMap], "Pin | None"]
_RULES: dict[Backend, _Rule] = {
    Backend.FLIT: _flit,
    Backend.UV: _uv,
    Backend.HATCH: _hatch,
    Backend.POETRY: _poetry,
}
