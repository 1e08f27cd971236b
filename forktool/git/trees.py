"""Trees: listing and comparing them, and building them in a private index file.

Vendor and transformed trees are built with plumbing only (object store, a private index
file, ``write-tree``), so nobody's index or working tree is touched.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from forktool.git.objects import Objects
from forktool.model import FileEntry, Tree

#: Tree entry modes git gives no working-tree file of their own: absent, submodule.
_NO_FILE = ("000000", "160000")


def private_index_prefix(purpose: str) -> str:
    """File name prefix of a private index file in ``.git``: ``forktool-<purpose>-<pid>-``.

    The process id lets a later run tell the files (and git's ``.lock`` beside them) of a
    killed forktool from those of one still running (:func:`stale_private_indexes`).
    """
    return f"forktool-{purpose}-{os.getpid()}-"


def stale_private_indexes(git_dir: Path) -> list[Path]:
    """Private index files (and their locks) in ``git_dir`` left by processes that are gone.

    [] where processes cannot be probed without harm (``os.kill(pid, 0)`` terminates the
    process on Windows).
    """
    if os.name != "posix":
        return []
    stale = []
    for path in git_dir.glob("forktool-*-*-*"):
        parts = path.name.split("-")
        if not parts[2].isdigit():
            continue
        try:
            os.kill(int(parts[2]), 0)
        except ProcessLookupError:
            stale.append(path)
        except (PermissionError, OverflowError):
            continue  # alive under another user, or not a process id
    return stale


@contextlib.contextmanager
def private_index(git_dir: Path, purpose: str) -> Iterator[dict[str, str]]:
    """A fresh, not yet existing index file in ``git_dir``, deleted afterwards.

    Yields:
        the environment that points git at it: ``{"GIT_INDEX_FILE": path}``.
    """
    fd, index_file = tempfile.mkstemp(prefix=private_index_prefix(purpose), dir=git_dir)
    os.close(fd)
    os.unlink(index_file)  # git wants to create it itself
    try:
        yield {"GIT_INDEX_FILE": index_file}
    finally:
        if os.path.exists(index_file):
            os.unlink(index_file)


class TreeEntry(NamedTuple):
    """One line of ``git ls-tree -r``: mode, kind (blob, commit), object id, path."""

    mode: str
    kind: str
    sha: str
    path: str


class TreeChange(NamedTuple):
    """One line of ``git diff-tree -r``: modes and object ids before and after, git's
    status letter (A, D, M, T), and the path."""

    old_mode: str
    new_mode: str
    old_sha: str
    new_sha: str
    status: str
    path: str


class Trees(Objects):
    """Listing, comparing and writing trees."""

    def ls_tree(self, treeish: str) -> list[TreeEntry]:
        """Every entry of ``treeish`` (commit, tag or tree), recursively, in git's order.

        Raises:
            GitFailed: ``treeish`` is not a tree-ish.
        """
        out = self.run(["ls-tree", "-r", "-z", "--full-tree", treeish]).text
        entries = []
        for record in out.split("\0"):
            if "\t" in record:
                meta, path = record.split("\t", 1)
                mode, kind, sha = meta.split()
                entries.append(TreeEntry(mode, kind, sha, path))
        return entries

    def diff_tree(self, old: str, new: str) -> list[TreeChange]:
        """Every path that differs between tree-ishes ``old`` and ``new`` (no renames).

        Raises:
            GitFailed: ``old`` or ``new`` is not a tree-ish.
        """
        out = self.run(["diff-tree", "-r", "-z", "--no-renames", old, new]).text
        fields = out.split("\0")
        changes = []
        for meta, path in zip(fields[0::2], fields[1::2], strict=False):
            if meta:
                old_mode, new_mode, old_sha, new_sha, status = meta.lstrip(":").split(" ")
                changes.append(TreeChange(old_mode, new_mode, old_sha, new_sha, status, path))
        return changes

    def read_tree(self, treeish: str) -> dict[str, FileEntry]:
        """Read every file of ``treeish`` (a commit, tag or tree id) into memory.

        Returns:
            path -> FileEntry for blobs and symlinks; submodules are skipped.

        Raises:
            GitFailed: ``treeish`` is not a tree-ish.
        """
        return {
            entry.path: FileEntry(
                self.blob(entry.sha), executable=entry.mode == "100755",
                symlink=entry.mode == "120000",
            )
            for entry in self.ls_tree(treeish)
            if entry.kind == "blob"
        }  # fmt: skip

    def tree_blobs(self, treeish: str) -> dict[str, str]:
        """Every file of ``treeish``: path -> blob id (contents are not read).

        Raises:
            GitFailed: ``treeish`` is not a tree-ish.
        """
        return {entry.path: entry.sha for entry in self.ls_tree(treeish) if entry.kind == "blob"}

    def write_tree(self, tree: Tree) -> str:
        """Store every file of ``tree`` as a blob and return the root tree id (hex).

        Uses a private temporary index file, so neither the repository's index nor its
        working tree changes.

        Raises:
            RepositoryError: git could not write the objects.
        """
        self.store_blobs(tree.values())
        lines = [f"{tree[path].git_mode} {tree[path].blob_id}\t{path}\0" for path in sorted(tree)]
        with private_index(self.git_dir, "index") as env:
            if lines:
                index_info = "".join(lines).encode()
                self.run(["update-index", "-z", "--add", "--index-info"], input=index_info, env=env)
            else:
                self.run(["read-tree", "--empty"], env=env)
            return self.run(["write-tree"], env=env).out

    def changed_files(self, old: str, new: str) -> dict[str, FileEntry | None]:
        """Files that differ between trees ``old`` and ``new``: path -> new file, or None
        when ``new`` deleted it."""
        return {
            change.path: None if change.status == "D" else FileEntry(
                self.blob(change.new_sha), change.new_mode == "100755",
                change.new_mode == "120000",
            )
            for change in self.diff_tree(old, new)
        }  # fmt: skip

    def tree_changes(self, old: str | None, new: str) -> dict[str, tuple[str, str]]:
        """Every file path whose blob differs between tree-ishes ``old`` and ``new``.

        Args:
            old: the tree-ish before, or None for nothing (an unborn branch).

        Returns:
            path -> (blob id in ``old``, blob id in ``new``), "" where the path is absent;
            submodules (gitlinks) are left out: a checkout writes no file for them.
        """
        if old is None:
            return {path: ("", blob) for path, blob in self.tree_blobs(new).items()}
        changes: dict[str, tuple[str, str]] = {}
        for change in self.diff_tree(old, new):
            before = "" if change.old_mode in _NO_FILE else change.old_sha
            after = "" if change.new_mode in _NO_FILE else change.new_sha
            if before or after:
                changes[change.path] = (before, after)
        return changes

    def added_paths(self, old: str, new: str) -> list[str]:
        """Paths tree-ish ``new`` has and ``old`` does not."""
        return [change.path for change in self.diff_tree(old, new) if change.status == "A"]

    def diff_trees(self, old: str, new: str) -> bytes:
        """``git diff --full-index --binary OLD NEW`` as bytes (empty when equal).

        Raises:
            GitFailed: ``old`` or ``new`` is not a tree-ish.
        """
        args = ["diff", "--full-index", "--binary", "--no-color", "--no-ext-diff", old, new]
        return self.run(args).stdout

    def diff_file(self, old: str, new: str, path: str) -> str:
        """``git diff -U0 OLD NEW -- PATH``: the exact changed lines of one file, as text."""
        return self.run(["diff", "-U0", "--no-color", "--no-ext-diff", old, new, "--", path]).text
