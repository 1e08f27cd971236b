"""Working trees: the fork's checkout (what its files hold now) and linked worktrees."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from forktool.errors import RepositoryError
from forktool.git.command import ANY, Commands
from forktool.model import FileEntry


class Worktree(Commands):
    """The files of this checkout, and other checkouts of the same repository."""

    def remove_worktree(self, path: Path) -> None:
        """Remove the linked worktree at ``path`` (changes in it are discarded; also one
        git left locked, "initializing", when it was killed while adding it)."""
        if path.exists():
            self.run(["worktree", "remove", "--force", "--force", str(path)])
        self.run(["worktree", "prune"])

    def checked_out_branches(self) -> set[str]:
        """The branches (full refs) checked out in this repository's worktrees, the main
        one included (``git worktree list --porcelain``)."""
        listed = self.run(["worktree", "list", "--porcelain"]).out
        lines = listed.splitlines()
        return {line.removeprefix("branch ") for line in lines if line.startswith("branch ")}

    def prune_worktrees(self) -> None:
        """Forget linked worktrees whose directories are gone (``git worktree prune``)."""
        self.run(["worktree", "prune"])

    def checkout_new_branch(self, branch: str, commit: str) -> None:
        """Point the unborn ``branch`` at ``commit`` and check it out (fresh repository only).

        Raises:
            RepositoryError: git refused (e.g. untracked files would be overwritten).
        """
        checkout = self.run(["checkout", "--quiet", "-B", branch, commit], ok=ANY)
        if checkout.returncode != 0:
            raise RepositoryError(
                f"git refused to check out the fork in {self.path}: {checkout.reason()}",
                "move the files git names out of the way and sync again",
            )

    def worktree_blobs(self, paths: Iterable[str]) -> dict[str, str]:
        """The blob id each path's working-tree content has now, as ``git add`` would
        store it (clean filters applied; a symbolic link is its target).

        Returns:
            path -> blob id; "" for a path with nothing there; ``"directory"`` for a
            directory (it equals no blob id).
        """
        found: dict[str, str] = {}
        files: list[str] = []
        for path in paths:
            target = self.path / path
            if target.is_symlink():
                link = os.fsencode(os.readlink(target))
                found[path] = FileEntry(link).blob_id
            elif target.is_dir():
                found[path] = "directory"
            elif not target.exists():
                found[path] = ""
            elif "\n" in path:  # --stdin-paths is line-based; such names are hashed raw
                found[path] = FileEntry(target.read_bytes()).blob_id
            else:
                files.append(path)
        if files:
            query = "".join(f"{path}\n" for path in files).encode()
            out = self.run(["hash-object", "--stdin-paths"], input=query).out.strip()
            found.update(zip(files, out.split("\n"), strict=True))
        return found

    def cut_short(self, expected: dict[str, str]) -> set[str]:
        """The paths of ``expected`` (path -> blob id) whose working-tree file holds a
        strict first part of that blob: what a write killed half-way leaves (git truncates
        a file, then writes it).

        Reads the blobs with a new ``git cat-file`` each, not GitPython's long-running one,
        which the interrupt that cut the write short may have ended.
        """
        found = set()
        for path, blob in expected.items():
            target = self.path / path
            if not blob or target.is_symlink() or not target.is_file():
                continue
            data = target.read_bytes()
            full = self.run(["cat-file", "blob", blob]).stdout
            if len(data) < len(full) and full.startswith(data):
                found.add(path)
        return found

    def remove_files(self, paths: Iterable[str]) -> None:
        """Delete the working-tree files ``paths`` (forktool's own, proven by the caller),
        and the directories that leaves empty."""
        for path in paths:
            target = self.path / path
            target.unlink(missing_ok=True)
            parent = target.parent
            while parent != self.path and parent.is_dir() and not any(parent.iterdir()):
                parent.rmdir()
                parent = parent.parent
