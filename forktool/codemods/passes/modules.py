"""Subpackages whose names read like file or host names, listed from the tree.

Strings such as ``"flask.png"`` or ``"flask.palletsprojects.com"`` are not module paths,
and :func:`forktool.codemods.names.rename_module` tells them apart by their last label.
That guess is wrong for a real subpackage named like a file type or a domain
(``django.conf``, ``docutils.parsers.rst.languages.de``) and right for a data file of the
tree (``docutils.conf``). :func:`expand_modules` reads the tree once and adds each such
subpackage to ``RenameMap.packages`` explicitly (``django.conf`` -> ``djungle.conf``, the
same rename spelled out), so each file can then be renamed on its own and still know.
"""

from __future__ import annotations

import dataclasses

from forktool.codemods.names import FILE_SUFFIXES, HOST_LABELS
from forktool.codemods.paths import module_name
from forktool.model import RenameMap, Tree


def expand_modules(tree: Tree, rename: RenameMap) -> RenameMap:
    """List the old packages' modules whose last name is a file suffix or host label.

    Args:
        tree: the release tree.
        rename: the rename map.

    Returns:
        ``rename`` itself when there are none, else a copy whose ``packages`` also maps
        each of them (``"django.conf": "djungle.conf"``). Never raises.
    """
    labels = FILE_SUFFIXES | HOST_LABELS
    added: dict[str, str] = {}
    for path in tree:
        name = module_name(path, rename)
        if name is None or "." not in name or name.rsplit(".", 1)[1].lower() not in labels:
            continue
        for old in sorted(rename.packages, key=len, reverse=True):
            if name.startswith(old + ".") and name not in rename.packages:
                added[name] = rename.packages[old] + name[len(old) :]
                break
    if not added:
        return rename
    return dataclasses.replace(rename, packages={**rename.packages, **added})
