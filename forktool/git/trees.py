"""Trees: listing and comparing them, and building them in a private index file.

Vendor and transformed trees are built with plumbing only (object store, a private index
file, ``write-tree``), so nobody's index or working tree is touched. A tree that is mostly
another one already stored (the next release's, beside the previous release's) is built
from it: only the files that differ are stored and put into the index, which git reads
from the old tree whole (``read-tree``), and ``write-tree`` hashes again only the
directories that changed. The tree id is the same as building it from nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from forktool import perf
from forktool.git.command import GitFailed
from forktool.git.objects import Objects
from forktool.model import FileEntry, Tree

#: Tree entry modes git gives no working-tree file of their own: absent, submodule.
_NO_FILE = ("000000", "160000")
#: An index line that removes its path (``update-index --index-info``).
_REMOVE = "0 " + "0" * 40
#: A tree is built from a base tree when at least this share of its files is unchanged.
MIN_SHARED = 0.5

#: A tree's files as git lists them: path -> (mode, blob id).
Listing = dict[str, tuple[str, str]]


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


#: How many of the trees written last are candidates for the base of the next.
RECENT = 8


class _Written:
    """The trees one :class:`Trees` object wrote: their ids by the digest of their
    listing, and the listings of the last :data:`RECENT` (the candidate bases of the next
    tree written without one)."""

    def __init__(self) -> None:
        self.ids: dict[str, str] = {}
        self.recent: list[tuple[str, Listing]] = []

    def add(self, tree_id: str, listing: Listing) -> None:
        self.recent = [item for item in self.recent if item[0] != tree_id][-(RECENT - 1) :]
        self.recent.append((tree_id, listing))

    def closest(self, wanted: Listing) -> tuple[str, Listing] | None:
        """The recent tree sharing the most files with ``wanted`` (the latest of equals)."""
        best: tuple[str, Listing] | None = None
        most = -1
        for item in self.recent:
            shared = _shared(item[1], wanted)
            if shared >= most:
                best, most = item, shared
        return best


def _digest(lines: list[str]) -> str:
    return hashlib.sha256("".join(lines).encode()).hexdigest()


class Trees(Objects):
    """Listing, comparing and writing trees."""

    _written: _Written | None = None

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

    def write_tree(self, tree: Tree, base: str | None = None) -> str:
        """Store every file of ``tree`` as a blob and return the root tree id (hex).

        Uses a private temporary index file, so neither the repository's index nor its
        working tree changes.

        Args:
            base: a tree-ish (commit or tree) that holds most of ``tree`` already, such as
                the previous release's tree: only the files that differ from it are
                stored and indexed. None: the one of the trees this object wrote last
                that shares the most files with ``tree``, if any. The
                tree id does not depend on it; with ``FORKTOOL_NO_SHORTCUTS`` set, or
                when less than :data:`MIN_SHARED` of the files are unchanged, every file
                is written.

        Raises:
            RepositoryError: git could not write the objects.
        """
        if self._written is None:
            self._written = _Written()
        written = self._written
        wanted: Listing = {path: (tree[path].git_mode, tree[path].blob_id) for path in sorted(tree)}
        lines = [f"{mode} {sha}\t{path}\0" for path, (mode, sha) in wanted.items()]
        digest = _digest(lines)
        tree_id = written.ids.get(digest) if perf.shortcuts() else None
        if tree_id is None:
            start = self._base_listing(base, written, wanted) if perf.shortcuts() else None
            if start is not None and _shared(start[1], wanted) >= MIN_SHARED * len(wanted):
                tree_id = self._write_changes(tree, wanted, *start)
            else:
                tree_id = self._write_whole(tree, lines)
            written.ids[digest] = tree_id
        written.add(tree_id, wanted)
        return tree_id

    def _base_listing(
        self, base: str | None, written: _Written, wanted: Listing
    ) -> tuple[str, Listing] | None:
        """``base`` (or the closest tree written lately) and its files, or None."""
        if base is None:
            return written.closest(wanted)
        try:
            entries = self.ls_tree(base)
        except GitFailed:  # no such tree-ish here: nothing to build on, not an error
            return None
        return base, {entry.path: (entry.mode, entry.sha) for entry in entries}

    def _write_whole(self, tree: Tree, lines: list[str]) -> str:
        """Write ``tree`` from nothing (``lines``: its ``--index-info`` lines, sorted)."""
        self.store_blobs(tree.values())
        with private_index(self.git_dir, "index") as env:
            if lines:
                index_info = "".join(lines).encode()
                self.run(["update-index", "-z", "--add", "--index-info"], input=index_info, env=env)
            else:
                self.run(["read-tree", "--empty"], env=env)
            return self.run(["write-tree"], env=env).out

    def _write_changes(self, tree: Tree, wanted: Listing, base: str, listing: Listing) -> str:
        """Write ``tree`` (files ``wanted``) as tree-ish ``base`` (files ``listing``) with
        only what differs stored and indexed: removals first, so that a file may become a
        directory and back."""
        changed = [path for path, value in wanted.items() if listing.get(path) != value]
        self.store_blobs(tree[path] for path in changed)
        lines = [f"{_REMOVE}\t{path}\0" for path in listing if path not in wanted]
        lines += [f"{wanted[path][0]} {wanted[path][1]}\t{path}\0" for path in changed]
        with private_index(self.git_dir, "index") as env:
            self.run(["read-tree", base], env=env)
            if lines:
                index_info = "".join(lines).encode()
                args = ["update-index", "-z", "--add", "--index-info"]
                self.run(args, input=index_info, env=env)
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


def _shared(listing: Listing, wanted: Listing) -> int:
    """How many files of ``wanted`` are in ``listing`` as they are."""
    return sum(1 for path, value in wanted.items() if listing.get(path) == value)
