"""Trees: listing and comparing them, and writing them into the object store.

Vendor and transformed trees are built with plumbing only, so nobody's index or working
tree is touched. Git's objects are named by their content, so a tree is written as what
it lacks: every blob and tree object id is computed here first (the tree objects as git
writes them), one ``cat-file --batch-check`` asks which of them the object store has, and
only the missing ones are written (blobs by ``fast-import``, trees by ``mktree --batch``,
which checks each entry and prints the id it wrote: it must be the one computed). A patch
release beside the previous one costs what changed: a few blobs and the trees above
them. With ``FORKTOOL_NO_SHORTCUTS`` set (or if an id git prints differs) the tree is
built the old way, every file into a private index file and ``write-tree``; the id is the
same.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from forktool import perf
from forktool.errors import RepositoryError
from forktool.git.command import ANY, Started
from forktool.git.objects import Objects
from forktool.model import FileEntry, Tree

#: Tree entry modes git gives no working-tree file of their own: absent, submodule.
_NO_FILE = ("000000", "160000")
#: The listings of the trees named by object id lately: (git dir, id) -> entries. An object
#: id names the same tree for ever, so a listing is read once per process (a sync's
#: report lists the vendor tree twice, for instance).
_LISTED: dict[tuple[str, str], tuple[TreeEntry, ...]] = {}
_LISTED_MAX = 8
_OBJECT_ID = re.compile(r"[0-9a-f]{40}")

#: The mode of a tree entry that is a tree, as git writes it in tree objects.
_TREE_MODE = "40000"


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


class TreeObject(NamedTuple):
    """One tree object of a tree to write: its id as computed, and its entries as
    ``git mktree -z`` reads them."""

    id: str
    entries: bytes


class PendingTree:
    """A tree whose id is known and whose root tree object is written, while background
    git commands still write its blobs and its other tree objects
    (:meth:`Trees.start_tree`).

    Attributes:
        id: the tree's id.
    """

    def __init__(
        self,
        tree_id: str,
        objects: Objects,
        blobs: Started | None = None,
        trees: tuple[Started, list[str]] | None = None,
    ) -> None:
        self.id = tree_id
        self._objects = objects
        self._blobs = blobs
        self._trees = trees

    def finish(self) -> None:
        """Wait until every object is written (at once when none is left to write).

        Raises:
            RepositoryError: git could not write them, or the tree ids git wrote are not
                the ones computed (then nothing may point at this tree).
        """
        blobs, trees = self._blobs, self._trees
        try:
            if blobs is not None:
                self._objects.check_import(blobs.finish(ok=ANY))
        finally:
            made = trees[0].finish(ok=ANY) if trees is not None else None
        self._blobs = self._trees = None  # both waited for (an interrupt: abandon kills)
        if trees is not None and made is not None and made.out.split("\n") != trees[1]:
            raise RepositoryError(
                f"git wrote other tree objects than forktool computed for tree {self.id} "
                f"({made.reason() if made.returncode else 'other ids'})",
                "run again with FORKTOOL_NO_SHORTCUTS=1, and report it",
            )

    def abandon(self) -> None:
        """Stop writing; the tree must not be used (written again, it gets the objects it
        lacks)."""
        for started in (self._blobs, self._trees[0] if self._trees else None):
            if started is not None:
                started.kill()
        self._blobs = self._trees = None


class _Conflict(Exception):
    """A path of the tree is both a file and a directory: git's index says so better."""


def tree_objects(tree: Tree) -> list[TreeObject]:
    """Every tree object of ``tree`` (path -> file), computed as git writes it: each
    directory's entries sorted in git's order (names as bytes, a directory's name with a
    ``/`` after it), each ``<mode> <name>``, a NUL and the 20-byte id; the tree's id is
    the sha1 of ``tree <size>``, a NUL and that content.

    Returns:
        the deepest directories first, the root last; [] for an empty tree.

    Raises:
        _Conflict: a path is both a file and a directory.
    """
    if not tree:
        return []
    dirs: dict[str, dict[bytes, tuple[str, str]]] = {"": {}}  # name -> (mode, id)
    for path, entry in tree.items():
        parent, _, name = path.rpartition("/")
        above = parent
        while above not in dirs:
            dirs[above] = {}
            above = above.rpartition("/")[0]
        dirs[parent][name.encode()] = (entry.git_mode, entry.blob_id)
    found = []
    for directory in sorted(dirs, key=lambda d: d.count("/") + 1 if d else 0, reverse=True):
        entries = sorted(
            dirs[directory].items(),
            key=lambda item: item[0] + b"/" if item[1][0] == _TREE_MODE else item[0],
        )
        content = b"".join(
            mode.encode() + b" " + name + b"\0" + bytes.fromhex(sha)
            for name, (mode, sha) in entries
        )
        tree_id = hashlib.sha1(b"tree %d\0" % len(content) + content, usedforsecurity=False)
        listed = b"".join(
            f"{mode} {'tree' if mode == _TREE_MODE else 'blob'} {sha}\t".encode() + name + b"\0"
            for name, (mode, sha) in entries
        )
        found.append(TreeObject(tree_id.hexdigest(), listed))
        if directory:
            parent, _, name = directory.rpartition("/")
            if name.encode() in dirs[parent]:
                raise _Conflict(directory)  # a file of that name beside the directory
            dirs[parent][name.encode()] = (_TREE_MODE, found[-1].id)
    return found


class Trees(Objects):
    """Listing, comparing and writing trees."""

    def ls_tree(self, treeish: str) -> list[TreeEntry]:
        """Every entry of ``treeish`` (commit, tag or tree), recursively, in git's order.

        Raises:
            GitFailed: ``treeish`` is not a tree-ish.
        """
        key = (str(self.git_dir), treeish)
        known = _LISTED.get(key)
        if known is not None:
            return list(known)
        out = self.run(["ls-tree", "-r", "-z", "--full-tree", treeish]).text
        entries = []
        for record in out.split("\0"):
            if "\t" in record:
                meta, path = record.split("\t", 1)
                mode, kind, sha = meta.split()
                entries.append(TreeEntry(mode, kind, sha, path))
        if _OBJECT_ID.fullmatch(treeish):  # an object id names the same tree for ever
            _LISTED[key] = tuple(entries)
            while len(_LISTED) > _LISTED_MAX:
                del _LISTED[next(iter(_LISTED))]
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

        Only the blobs and tree objects the object store lacks are written (see the
        module doc); neither the repository's index nor its working tree changes.

        Raises:
            RepositoryError: git could not write the objects.
        """
        pending = self.start_tree(tree, background=False)
        pending.finish()
        return pending.id

    def start_tree(self, tree: Tree, *, background: bool = True) -> PendingTree:
        """Write ``tree`` as :meth:`write_tree` does, its blobs by a ``git fast-import``
        left running (``background``) while forktool goes on: the tree's id is known, its
        tree objects are written, and :meth:`PendingTree.finish` must be called before
        anything reads its files or a ref names it (:meth:`PendingTree.abandon` if the
        caller gives up: the next write of the tree writes what is missing).

        Raises:
            RepositoryError: git could not write the objects.
        """
        if perf.shortcuts():
            try:
                objects = tree_objects(tree)
            except _Conflict:
                objects = []
            pending = self._write_missing(tree, objects, background) if objects else None
            if pending is not None:
                return pending
        return PendingTree(self._write_whole(tree), self)

    def _write_missing(
        self, tree: Tree, objects: list[TreeObject], background: bool
    ) -> PendingTree | None:
        """Write what the object store lacks of ``tree`` (its ``objects`` computed by
        :func:`tree_objects`); None when git's ids are not the ones computed (the caller
        then writes the tree the old way)."""
        blobs = {entry.blob_id: entry for entry in tree.values()}
        present = self._present(set(blobs) | {item.id for item in objects})
        contents = [entry.data for blob_id, entry in blobs.items() if blob_id not in present]
        missing = [item for item in objects if item.id not in present]
        if not background:
            self.import_blobs(contents)
            return PendingTree(objects[-1].id, self) if self._make_trees(missing) else None
        started = self.start_import(contents)
        pending = PendingTree(objects[-1].id, self, started)
        try:
            return self._start_trees(pending, objects, missing, started)
        except BaseException:  # the import must not outlive what started it
            pending.abandon()
            raise

    def _start_trees(
        self,
        pending: PendingTree,
        objects: list[TreeObject],
        missing: list[TreeObject],
        started: Started | None,
    ) -> PendingTree | None:
        """:meth:`_write_missing`'s tree objects, the blobs' import started."""
        root = [item for item in missing if item is objects[-1]]
        others = [item for item in missing if item is not objects[-1]]
        # the root now (a commit may be made of it at once), the others meanwhile; git
        # looks for no entry (--missing): blobs and subtrees may still be on their way
        if not self._make_trees(root, missing=True):
            pending.abandon()
            return None
        if not others:
            return pending
        spool = None
        try:
            spool = tempfile.TemporaryFile()  # noqa: SIM115  (closed by the Started)
            spool.write(b"".join(item.entries + b"\0" for item in others))
            spool.seek(0)
            trees = self.start(["mktree", "-z", "--batch", "--missing"], spool)
        except OSError:  # no room for the temporary file: write them now
            if spool is not None:
                spool.close()
            if not self._make_trees(others, missing=True):
                pending.abandon()
                return None
            return pending
        return PendingTree(objects[-1].id, self, started, (trees, [o.id for o in others]))

    def _make_trees(self, trees: list[TreeObject], *, missing: bool = False) -> bool:
        """Write ``trees`` (children before parents) with one ``git mktree --batch``;
        False when git's ids are not the ones computed. ``missing``: do not look for the
        entries (``--missing``)."""
        if not trees:
            return True
        # one tree per block, an empty record after each
        args = ["mktree", "-z", "--batch", *(["--missing"] if missing else [])]
        stream = b"".join(item.entries + b"\0" for item in trees)
        made = self.run(args, ok=ANY, input=stream)
        return made.returncode == 0 and made.out.split("\n") == [item.id for item in trees]

    def _write_whole(self, tree: Tree) -> str:
        """Write every file of ``tree`` into a private index file, then ``write-tree``."""
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
