"""``uv.lock``: the project's own entry follows the distribution rename.

A lock file pins every distribution; only the ones built from the tree itself (``source =
{ editable = "." }``, ``directory``, ``virtual``) are the renamed distribution. Their
``name``, and every ``{ name = ... }`` dependency reference to them, get the new name; the
same name coming from a registry is a different, published distribution and stays.
Edited through tomlkit, so the layout survives.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Any

import tomlkit
from tomlkit.items import String

from forktool.codemods.names import normalize_dist, rename_dist
from forktool.model import RenameMap

_LOCAL_SOURCES = frozenset({"editable", "directory", "virtual"})
_DEPENDENCY_KEYS = ("dependencies", "dev-dependencies", "optional-dependencies", "requires-dist")


def rename_uv_lock(source: str, rename: RenameMap) -> str:
    """The codemod for ``uv.lock``.

    Args:
        source: the lock file's text.
        rename: the rename map (``distributions``).

    Returns:
        The renamed text; ``source`` itself when no local package is renamed.

    Raises:
        tomlkit.exceptions.TOMLKitError: ``source`` is not valid TOML.
    """
    document = tomlkit.parse(source)
    packages = document.get("package")
    if not isinstance(packages, list):
        return source
    local = {
        normalize_dist(str(package["name"]))
        for package in packages
        if isinstance(package, MutableMapping)
        and isinstance(package.get("name"), str)
        and _is_local(package.get("source"))
        and rename_dist(str(package["name"]), rename) is not None
    }
    if not local:
        return source
    for table in _name_tables(document):
        name = table.get("name")
        if isinstance(name, String) and normalize_dist(str(name)) in local:
            new = rename_dist(str(name), rename)
            if new is not None:
                table["name"] = String.from_raw(normalize_dist(new), type_=name.type)
    return document.as_string()


def _is_local(source: Any) -> bool:
    return isinstance(source, MutableMapping) and bool(_LOCAL_SOURCES & set(source))


def _name_tables(document: MutableMapping[str, Any]) -> Iterator[MutableMapping[str, Any]]:
    """Package entries and the dependency references inside them."""
    for package in document.get("package", []):
        if not isinstance(package, MutableMapping):
            continue
        yield package
        for holder in (package, package.get("metadata")):
            if isinstance(holder, MutableMapping):
                yield from _dependency_tables(holder)


def _dependency_tables(holder: MutableMapping[str, Any]) -> Iterator[MutableMapping[str, Any]]:
    for key in _DEPENDENCY_KEYS:
        value = holder.get(key)
        groups = value.values() if isinstance(value, MutableMapping) else [value]
        for group in groups:
            if isinstance(group, list):
                yield from (item for item in group if isinstance(item, MutableMapping))
