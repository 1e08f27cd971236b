"""``forktool rename``: apply a rename map to a directory or a file on disk.

Maintainers use it to port an extension's own code to the fork. Plan, then apply:
:func:`plan` reads the files and computes every change (printable as a diff), :func:`apply`
writes them. Nothing is written unless the whole plan is sound.
"""

from __future__ import annotations

import difflib
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from forktool.errors import ForktoolError
from forktool.model import Evidence, FileEntry, Leftover, RenameMap
from forktool.transform.tree import transform_tree

#: Directories never read: version control, caches, virtual environments, build output.
SKIPPED_DIRS = frozenset(
    {".git", ".hg", ".svn", "__pycache__", ".tox", ".nox", ".mypy_cache", ".ruff_cache",
     ".pytest_cache", "node_modules", ".venv", "venv", "build", "dist", ".eggs"}
)  # fmt: skip


@dataclass(frozen=True)
class FileChange:
    """One file the rename changes.

    Attributes:
        old_path / new_path: relative POSIX paths before and after (equal unless moved).
        before / after: the file's bytes before and after.
    """

    old_path: str
    new_path: str
    before: bytes
    after: bytes


@dataclass(frozen=True)
class RenamePlan:
    """Everything a rename of ``root`` would do.

    Attributes:
        root: the directory renamed (for a single file: its directory).
        changes: changed or moved files, sorted by old path.
        leftovers: old-name occurrences left in place, with the reason.
        failures: files carried over untransformed, new path -> reason.
        files: how many files were read.
        evidence: strings passed to a parameter that holds a module name, renamed or
            left, and why (:attr:`~forktool.model.TransformResult.evidence`).
    """

    root: Path
    changes: tuple[FileChange, ...]
    leftovers: tuple[Leftover, ...]
    failures: dict[str, str]
    files: int
    evidence: tuple[Evidence, ...] = ()


def plan(target: Path, rename: RenameMap) -> RenamePlan:
    """Compute the rename of ``target`` (a directory, recursively, or one file).

    In a directory, files and directories named after an old package move
    (``flask/`` -> ``framework/``); so does a single file named after one.

    A file whose move would replace another stays where it is and is listed in
    ``failures``, as :func:`~forktool.transform.tree.transform_tree` decides.

    Raises:
        ForktoolError: ``target`` does not exist.
    """
    if not target.exists():
        raise ForktoolError(f"{target} does not exist", "give a directory or a file to rename")
    if target.is_file():
        root, tree = target.parent, {target.name: _read(target)}
    else:
        root, tree = target, _read_dir(target)
    result = transform_tree(tree, rename)
    changes: list[FileChange] = []
    new_by_old = _new_paths(tree, result.tree, single=target.is_file())
    for old_path, new_path in sorted(new_by_old.items()):
        before, after = tree[old_path], result.tree[new_path]
        if old_path != new_path or before != after:
            changes.append(FileChange(old_path, new_path, before.data, after.data))
    return RenamePlan(
        root, tuple(changes), result.leftovers, dict(result.failures), len(tree), result.evidence
    )


def apply(rename_plan: RenamePlan) -> None:
    """Write every change of ``rename_plan`` to disk, keeping file modes.

    Each file is written to a temporary file and renamed into place; moved files'
    old copies are removed, then directories left empty by the moves.
    """
    root = rename_plan.root
    for change in rename_plan.changes:
        source, dest = root / change.old_path, root / change.new_path
        mode = stat.S_IMODE(source.lstat().st_mode)
        dest.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            tmp = dest.with_name(dest.name + ".forktool-tmp")
            tmp.unlink(missing_ok=True)
            os.symlink(change.after.decode(), tmp)
        else:
            tmp = dest.with_name(dest.name + ".forktool-tmp")
            tmp.write_bytes(change.after)
            tmp.chmod(mode)
        os.replace(tmp, dest)
    moved_from = {c.old_path for c in rename_plan.changes if c.old_path != c.new_path}
    kept = {c.new_path for c in rename_plan.changes}
    for old in sorted(moved_from - kept):
        (root / old).unlink()
    for old in sorted(moved_from, key=lambda p: -p.count("/")):
        _remove_empty_parents(root, (root / old).parent)


def unified_diff(rename_plan: RenamePlan) -> str:
    """The plan as a unified diff (``a/old`` -> ``b/new``), binary files summarised."""
    out: list[str] = []
    for change in rename_plan.changes:
        if change.old_path != change.new_path:
            out.append(f"rename from {change.old_path}\nrename to {change.new_path}\n")
        try:
            before, after = change.before.decode(), change.after.decode()
        except UnicodeDecodeError:
            if change.before != change.after:
                out.append(f"Binary files a/{change.old_path} and b/{change.new_path} differ\n")
            continue
        out.extend(
            difflib.unified_diff(
                before.splitlines(keepends=True),
                after.splitlines(keepends=True),
                f"a/{change.old_path}",
                f"b/{change.new_path}",
            )
        )
    return "".join(line if line.endswith("\n") else line + "\n" for line in out)


def rename_text(source: bytes, name: str, rename: RenameMap) -> tuple[bytes, RenamePlan]:
    """Rename one file's content given as bytes (for stdin); ``name`` picks the codemod.

    Returns:
        the new bytes, and the plan (for its leftovers and failures).
    """
    result = transform_tree({name: FileEntry(source)}, rename)
    (entry,) = result.tree.values()
    change = () if entry.data == source else (FileChange(name, name, source, entry.data),)
    return entry.data, RenamePlan(Path("."), change, result.leftovers, dict(result.failures), 1)


def _read(path: Path) -> FileEntry:
    if path.is_symlink():
        return FileEntry(os.readlink(path).encode(), symlink=True)
    return FileEntry(path.read_bytes(), executable=os.access(path, os.X_OK))


def _read_dir(root: Path) -> dict[str, FileEntry]:
    tree: dict[str, FileEntry] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        dirnames[:] = sorted(
            d for d in dirnames if d not in SKIPPED_DIRS and not (here / d / "pyvenv.cfg").exists()
        )
        for filename in filenames:
            path = here / filename
            if path.is_file() or path.is_symlink():
                tree[path.relative_to(root).as_posix()] = _read(path)
    return tree


def _new_paths(
    before: dict[str, FileEntry], after: Mapping[str, FileEntry], *, single: bool
) -> dict[str, str]:
    """Pair each input path with its output path.

    transform_tree emits files in the sorted order of their input paths.
    """
    if single:
        (old,), (new,) = before, after
        return {old: new}
    return dict(zip(sorted(before), after, strict=True))


def _remove_empty_parents(root: Path, directory: Path) -> None:
    while directory != root and directory.is_dir() and not any(directory.iterdir()):
        directory.rmdir()
        directory = directory.parent
