"""Where a file moves when its package is renamed.

Rules, all driven by ``RenameMap.packages`` (and ``distributions`` for metadata folders):

- a package directory at the top of the tree, right under a top-level ``src/``, or right
  under ``site-packages/`` (coverage path patterns) is renamed:
  ``flask/app.py`` -> ``framework/app.py``,
  ``src/flask/json/tag.py`` -> ``src/framework/json/tag.py``; so is a single-module
  distribution in the same places (``flask.py``, ``src/flask.pyi``);
- the same below a directory listed in ``RenameMap.roots`` (``lib/yaml/`` for PyYAML);
- metadata folders follow the distribution: ``src/Flask.egg-info/`` -> ``src/Framework.egg-info/``.

Nothing deeper moves: a directory or module that merely shares the name (``tests/flask/``,
``tests/apps/flask.py``, ``django/template/backends/django.py``) is not the package, and
its import path keeps that name too (module paths only ever change their leading
package part), so moving it would break the imports that reach it.
"""

from __future__ import annotations

from forktool.codemods.names import old_packages, rename_dist
from forktool.model import RenameMap

MODULE_SUFFIXES = (".py", ".pyi", ".pyx", ".pxd")
# Directories whose children are import packages (``src`` only at the top of the tree).
_PACKAGE_PARENTS = frozenset({"src", "site-packages", "dist-packages"})


def rename_path(path: str, rename: RenameMap) -> str:
    """Return where ``path`` (relative POSIX, file or directory) lives after the rename.

    Args:
        path: e.g. ``"src/flask/app.py"``, ``"flask.py"``, ``"src/flask"`` or ``"src/flask/"``.
        rename: the rename map.

    Returns:
        The new path; ``path`` itself when nothing applies. Never raises.
    """
    parts = path.split("/")
    start = 0
    while start < len(parts) - 1 and parts[start] in (".", ""):
        start += 1
    out: list[str] = parts[:start]
    i = start
    while i < len(parts):
        at_root = (
            i == start
            or parts[i - 1] in _PACKAGE_PARENTS
            and (parts[i - 1] != "src" or i == start + 1)
            or "/".join(parts[start:i]) in rename.roots
        )
        replaced = _rename_package_dir(parts, i, rename) if at_root else None
        if replaced is not None:
            new_parts, consumed = replaced
            out.extend(new_parts)
            i += consumed
            continue
        out.append(_rename_metadata_dir(parts[i], rename))
        i += 1
    return "/".join(out)


def _rename_package_dir(
    parts: list[str], index: int, rename: RenameMap
) -> tuple[list[str], int] | None:
    """Match a (possibly dotted) old package at ``parts[index:]``: (new parts, parts consumed)."""
    for old in old_packages(rename):
        old_parts = old.split(".")
        end = index + len(old_parts)
        if end > len(parts):
            continue
        candidate = parts[index:end]
        last = candidate[-1]
        if end == len(parts) and any(last == old_parts[-1] + s for s in MODULE_SUFFIXES):
            # ``src/flask.py``: a single-module distribution.
            stem_parts = candidate[:-1] + [old_parts[-1]]
            if stem_parts == old_parts:
                new_parts = rename.packages[old].split(".")
                suffix = last[len(old_parts[-1]) :]
                return new_parts[:-1] + [new_parts[-1] + suffix], len(old_parts)
        if candidate == old_parts:
            return rename.packages[old].split("."), len(old_parts)
    return None


def _rename_metadata_dir(name: str, rename: RenameMap) -> str:
    """``Flask.egg-info`` -> ``Framework.egg-info``; ``Flask-3.1.dist-info`` likewise."""
    if name.endswith(".egg-info"):
        dist = name[: -len(".egg-info")]
        new = rename_dist(dist, rename)
        return name if new is None else new + ".egg-info"
    if name.endswith(".dist-info") and "-" in name:
        dist, rest = name.split("-", 1)
        new = rename_dist(dist, rename)
        # Wheel metadata folders use the underscore form of the name.
        return name if new is None else new.replace("-", "_") + "-" + rest
    return name


def module_name(path: str, rename: RenameMap) -> str | None:
    """The dotted module name of a Python file inside an old package, in the old namespace.

    Args:
        path: a relative POSIX path in the input tree, e.g. ``"src/flask/json/tag.py"``.
        rename: the rename map.

    Returns:
        ``"flask.json.tag"`` (``"flask"`` for ``src/flask/__init__.py``; ``"flask"`` for a
        single-module ``flask.py``), or None when the file is not part of an old package
        (tests, docs, examples) or is not a Python module. Same placement rules as
        :func:`rename_path`.
    """
    suffix = next((s for s in (".py", ".pyi") if path.endswith(s)), None)
    if suffix is None:
        return None
    parts = path[: -len(suffix)].split("/")
    while len(parts) > 1 and parts[0] in (".", ""):
        parts = parts[1:]
    for start in range(len(parts)):
        at_root = (
            start == 0
            or parts[start - 1] in _PACKAGE_PARENTS
            and (parts[start - 1] != "src" or start == 1)
            or "/".join(parts[:start]) in rename.roots
        )
        if not at_root:
            continue
        dotted = parts[start:]
        if dotted[-1] == "__init__":
            dotted = dotted[:-1]
        if not dotted or not all(part.isidentifier() for part in dotted):
            continue
        name = ".".join(dotted)
        if any(name == old or name.startswith(old + ".") for old in rename.packages):
            return name
    return None


def rename_package_path(path: str, rename: RenameMap) -> str | None:
    """Rename a path found in an arbitrary string, only when it surely is the package.

    ``src/flask/...`` (or below a directory of ``RenameMap.roots``) always is;
    ``flask/...`` is when it ends in a Python file
    (``flask/__init__.py``, ``flask/py.typed``) or is the package directory itself
    (``flask/``). Anything else under ``flask/`` reads just as well as a name in another
    namespace (Django-style template names ``"django/forms/div.html"``, cache key prefixes
    ``"jinja2/bytecode/"``, URL paths), so it stays and is reported.

    Returns:
        The new path, or None when the path is left alone.
    """
    new = rename_path(path, rename)
    if new == path:
        return None
    parts = [part for part in path.split("/") if part not in ("", ".")]
    if parts[:1] == ["src"] or (len(parts) == 1 and path.endswith("/")):
        return new
    if any("/".join(parts[: root.count("/") + 1]) == root for root in rename.roots):
        return new
    last = parts[-1] if parts else ""
    if last.endswith(MODULE_SUFFIXES + (".pyw", ".so", ".pyd")) or last == "py.typed":
        return new
    return None
