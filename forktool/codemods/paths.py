"""Where a file moves when its package is renamed.

Rules, all driven by ``RenameMap.packages`` (and ``distributions`` for metadata folders):

- a package directory at the top of the tree, right under a top-level ``src/``, or right
  under ``site-packages/`` (coverage path patterns) is renamed:
  ``flask/app.py`` -> ``framework/app.py``,
  ``src/flask/json/tag.py`` -> ``src/framework/json/tag.py``;
- a Python module file named after a package is renamed wherever it is:
  ``tests/apps/flask.py`` -> ``tests/apps/framework.py`` (also ``.pyi``, ``.pyx``, ``.pxd``);
- metadata folders follow the distribution: ``src/Flask.egg-info/`` -> ``src/Framework.egg-info/``.

Deeper directories that merely share the name (``tests/flask/``) are not moved: they are not
the package, and moving them could break the test suite's own layout.
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
        )
        replaced = _rename_package_dir(parts, i, rename) if at_root else None
        if replaced is not None:
            new_parts, consumed = replaced
            out.extend(new_parts)
            i += consumed
            continue
        part = parts[i]
        if i == len(parts) - 1:
            part = _rename_module_file(part, rename)
        out.append(_rename_metadata_dir(part, rename))
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


def _rename_module_file(name: str, rename: RenameMap) -> str:
    """``flask.py`` -> ``framework.py`` for a single-component package name."""
    for suffix in MODULE_SUFFIXES:
        if name.endswith(suffix):
            stem = name[: -len(suffix)]
            new = rename.packages.get(stem)
            if new is not None and "." not in stem and "." not in new:
                return new + suffix
    return name


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
