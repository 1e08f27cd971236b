"""Reading the fork tree: its files (from disk or memory) and the modules of a package in it."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from forktool.model import Tree
from forktool.shims.model import ShimError

_MODULE_SUFFIXES = (".py", ".pyi", ".pyx")
_EXTENSION_MODULE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(\.[^.]+)?\.(so|pyd)$")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
#: Top-level directories that never hold the fork's importable package.
_NOT_SOURCE = {"tests", "test", "docs", "doc", "examples", "example", "benchmarks", "build", "dist"}
#: Directories skipped when reading a fork checkout from disk.
_SKIP_DIRS = {".git", ".hg", ".tox", ".nox", ".venv", "venv", "node_modules", "__pycache__"}


@dataclass(frozen=True)
class Source:
    """The fork tree, from disk or memory: relative POSIX paths and a way to read them."""

    name: str
    paths: tuple[str, ...]
    root: Path | None = None
    tree: Tree | None = None

    @classmethod
    def of(cls, fork_tree: Path | Tree) -> Source:
        if isinstance(fork_tree, Path):
            if not fork_tree.is_dir():
                raise ShimError(
                    f"the fork tree {fork_tree} is not a directory",
                    "pass the fork's checkout (e.g. forks/flask)",
                )
            return cls(str(fork_tree), tuple(_walk(fork_tree)), root=fork_tree)
        return cls("(in memory)", tuple(sorted(fork_tree)), tree=fork_tree)

    def read(self, path: str) -> bytes:
        if self.tree is not None:
            return self.tree[path].data
        assert self.root is not None
        return (self.root / path).read_bytes()

    def get(self, path: str) -> bytes | None:
        if path not in self.paths:
            return None
        try:
            return self.read(path)
        except OSError:
            return None


def _walk(root: Path) -> Iterable[str]:
    top = os.fspath(root)
    prefix = os.path.join(top, "")  # what os.walk puts before each directory below top
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS)
        rel = "" if dirpath == top else dirpath[len(prefix) :].replace(os.sep, "/")
        for name in sorted(filenames):
            yield f"{rel}/{name}" if rel else name


def package_modules(source: Source, package: str) -> dict[str, str]:
    """Every module of the new ``package`` in the tree: module name -> source path.

    Namespace packages (a directory without ``__init__``) map to "". An empty dict: the
    package is not in this tree.
    """
    rel = package.replace(".", "/")
    candidates: dict[str, dict[str, str]] = {}
    for path in source.paths:
        prefix, inside = _split_package_path(path, rel)
        if prefix is None or prefix.split("/")[0] in _NOT_SOURCE:
            continue
        module = _module_name(package, inside)
        if module is not None:
            found = candidates.setdefault(prefix, {})
            if module not in found or path.endswith(".pyi"):  # a fork's own stub wins
                found[module] = path
    if not candidates:
        return {}
    best = min(candidates, key=lambda p: (p not in ("src/", ""), p.count("/"), p))
    found = candidates[best]
    for module in list(found):  # namespace packages on the way down
        parts = module.split(".")
        for depth in range(len(package.split(".")), len(parts)):
            found.setdefault(".".join(parts[:depth]), "")
    return found


def _split_package_path(path: str, rel: str) -> tuple[str | None, str]:
    """``src/framework/json/tag.py`` with ``framework`` -> (``src/``, ``json/tag.py``).

    A single-module package (``src/six.py``) is its own ``__init__``. (None, "") when
    ``path`` is not inside the package.
    """
    for suffix in (".py", ".pyi"):
        if path == rel + suffix or path.endswith("/" + rel + suffix):
            return path[: len(path) - len(rel + suffix)], "__init__" + suffix
    marker = rel + "/"
    if path.startswith(marker):
        return "", path[len(marker) :]
    index = path.find("/" + marker)
    if index < 0:
        return None, ""
    return path[: index + 1], path[index + 1 + len(marker) :]


def _module_name(package: str, inside: str) -> str | None:
    """``json/tag.py`` inside ``framework`` -> ``framework.json.tag``; None if no module."""
    parts = inside.split("/")
    name = parts[-1]
    stem = None
    for suffix in _MODULE_SUFFIXES:
        if name.endswith(suffix):
            stem = name[: -len(suffix)]
    if stem is None:
        match = _EXTENSION_MODULE.match(name)
        stem = match.group(1) if match else None
    if stem is None or not all(_IDENTIFIER.match(p) for p in [*parts[:-1], stem]):
        return None
    names = [package, *parts[:-1]] + ([] if stem == "__init__" else [stem])
    return ".".join(names)
