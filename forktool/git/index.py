"""The index: unmerged entries, patches applied to an index, staging and restoring."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from forktool.git.command import ANY, Commands
from forktool.git.trees import private_index


@dataclass(frozen=True)
class ApplyOutcome:
    """What ``git apply`` did to a tree.

    Attributes:
        tree: the resulting tree id when the patch applied (directly or three-way).
        conflicts: paths left unmerged by a three-way apply.
        error: git's one-line reason when it did not apply at all ("" otherwise).
    """

    tree: str | None
    conflicts: tuple[str, ...] = ()
    error: str = ""


class Index(Commands):
    """This checkout's index (or a private one named by ``GIT_INDEX_FILE``)."""

    def unmerged_stages(self, env: Mapping[str, str] | None = None) -> dict[str, dict[int, str]]:
        """The unmerged index entries of this checkout (``git ls-files --unmerged``).

        Args:
            env: ``{"GIT_INDEX_FILE": ...}`` to read a private index instead.

        Returns:
            path -> {stage: blob id}, stage 1 the common ancestor, 2 "ours" (HEAD), 3
            "theirs"; which stages are present tells the kind of conflict.
        """
        out = self.run(["ls-files", "--unmerged", "-z"], env=env).text
        stages: dict[str, dict[int, str]] = {}
        for record in out.split("\0"):
            if "\t" in record:
                meta, path = record.split("\t", 1)
                _, sha, stage = meta.split()
                stages.setdefault(path, {})[int(stage)] = sha
        return stages

    def unmerged_paths(self, env: Mapping[str, str] | None = None) -> tuple[str, ...]:
        """Paths with unmerged index entries, sorted (``env`` as in
        :meth:`unmerged_stages`)."""
        return tuple(sorted(self.unmerged_stages(env)))

    def apply_patch(
        self, tree: str, patch: bytes, *, three_way: bool = False, check_reverse: bool = False
    ) -> ApplyOutcome:
        """Apply a unified diff to ``tree`` in a private index (no working tree, no fuzz).

        Args:
            tree: the tree id to patch.
            patch: the diff (``git diff`` / ``git format-patch`` / plain unified diff).
            three_way: fall back to a three-way merge using the preimage blobs the
                patch names (``git apply --3way``).
            check_reverse: only check whether the patch applies in reverse (that is,
                whether ``tree`` already contains its change); ``tree`` is returned
                unchanged when it does.

        Returns:
            the outcome; never raises for a patch that does not apply.

        Raises:
            GitFailed: ``tree`` is not a tree-ish.
        """
        args = ["apply", "--cached", "--whitespace=nowarn"]
        args += ["--reverse", "--check"] if check_reverse else ["--3way"] if three_way else []
        with private_index(self.git_dir, "apply") as env:
            self.run(["read-tree", tree], env=env)
            # 1: did not apply (or applied with conflicts), 128: not a patch git can read.
            applied = self.run([*args, "-"], ok=ANY, input=patch, env=env)
            if applied.returncode != 0:
                conflicts = self.unmerged_paths(env)
                if conflicts:
                    return ApplyOutcome(None, conflicts)
                return ApplyOutcome(None, error=applied.reason())
            if check_reverse:
                return ApplyOutcome(tree)
            return ApplyOutcome(self.run(["write-tree"], env=env).out)

    def apply_in_worktree(self, patch: bytes) -> tuple[str, ...]:
        """``git apply --3way`` in this checkout; return the paths left unmerged."""
        # Any exit: what is left unmerged is read from the index.
        self.run(["apply", "--3way", "--whitespace=nowarn", "-"], ok=ANY, input=patch)
        return self.unmerged_paths()

    def stage_all_tree(self) -> str:
        """Stage every change in this checkout (``git add -A``) and return the index tree.

        Raises:
            GitFailed: the index has unmerged entries, or is locked.
        """
        self.run(["add", "--all"])
        return self.run(["write-tree"]).out

    def stage_paths(self, paths: Iterable[str]) -> None:
        """Stage the working-tree files at ``paths`` as they are (``git add``), which also
        marks an unmerged path resolved; every other path is left as it is.

        Raises:
            GitFailed: git could not (e.g. the index is locked).
        """
        listed = "".join(f"{path}\0" for path in paths)
        if listed:
            args = ["add", "--pathspec-from-file=-", "--pathspec-file-nul"]
            self.run(args, input=listed.encode(), env={"GIT_LITERAL_PATHSPECS": "1"})

    def restore_paths(self, commit: str | None, paths: Iterable[str], *, files: bool) -> None:
        """Put the index entries of ``paths`` back to ``commit`` (None: no entry, for an
        unborn branch) and, with ``files``, their working-tree files too.

        Every other path, and the working tree of ``paths`` without ``files``, is left
        exactly as it is.

        Raises:
            GitFailed: git could not (e.g. ``commit`` lacks a path, with ``files``).
        """
        listed = "".join(f"{path}\0" for path in paths)
        if not listed:
            return
        spec = ["--pathspec-from-file=-", "--pathspec-file-nul"]
        if commit is None:
            args = ["rm", "--cached", "--quiet", "--ignore-unmatch", "-r", *spec]
        elif files:
            args = ["checkout", "--no-overlay", commit, *spec]
        else:
            args = ["reset", "--quiet", commit, *spec]
        self.run(args, input=listed.encode(), env={"GIT_LITERAL_PATHSPECS": "1"})

    def untracked_paths(self) -> list[str]:
        """Files in the working tree git does not track and does not ignore
        (``git ls-files --others --exclude-standard``), as paths from the top."""
        out = self.run(["ls-files", "-z", "--others", "--exclude-standard"]).stdout
        return [path.decode("utf-8", "surrogateescape") for path in out.split(b"\0") if path]

    def hidden_paths(self) -> list[str]:
        """Tracked paths git is told not to look at in the working tree (``update-index
        --assume-unchanged`` or ``--skip-worktree``, sparse checkouts included): their
        edits are in no ``git status``."""
        out = self.run(["ls-files", "-v", "-z"], env={"GIT_OPTIONAL_LOCKS": "0"}).stdout
        hidden = []
        for entry in out.split(b"\0"):
            if len(entry) > 2 and (entry[:1].islower() or entry[:1] == b"S"):
                hidden.append(entry[2:].decode("utf-8", "surrogateescape"))
        return hidden

    def dirty_paths(self) -> list[str]:
        """Tracked paths with uncommitted changes, staged or not (untracked are ignored).

        Writes nothing: git takes no ``index.lock`` (a killed forktool could otherwise
        leave one behind that blocks every later git command), and a merge refreshes the
        index itself."""
        out = self.run(
            ["status", "--porcelain", "--untracked-files=no"], env={"GIT_OPTIONAL_LOCKS": "0"}
        ).out
        return [line[3:] for line in out.splitlines() if line.strip()]
