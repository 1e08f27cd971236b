"""Merging: the in-memory preview, the working-tree merge of a release, merge state.

The only porcelain forktool uses is here: ``git merge`` / ``git commit`` / ``git merge
--abort`` in the fork repository's own working tree, for a merge that conflicts.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from forktool.errors import RepositoryError
from forktool.git.command import ANY, GitFailed, Result, config_env
from forktool.git.index import Index
from forktool.git.objects import BOT_EMAIL, BOT_NAME
from forktool.git.refs import Refs
from forktool.git.rerere import reused_paths
from forktool.git.trees import Trees, private_index
from forktool.git.worktree import Worktree
from forktool.model import FileEntry

_FALLBACK_USER = {
    "GIT_AUTHOR_NAME": BOT_NAME,
    "GIT_AUTHOR_EMAIL": BOT_EMAIL,
    "GIT_COMMITTER_NAME": BOT_NAME,
    "GIT_COMMITTER_EMAIL": BOT_EMAIL,
}
_REFUSED_HINT = "fix what git names (untracked files in the way, a failing hook) and sync again"
_DIFF3 = {"merge.conflictStyle": "diff3"}  # conflict markers show the base too


#: :meth:`Merging._leading`'s answers that are no path ("" and "/" name none in git).
_DIRECTORY, _NOTHING = "/", ""


@dataclass(frozen=True)
class MergeLabels:
    """The names conflict markers give the three sides, instead of git's ``HEAD``, the
    merge base's abbreviated id and the merged commit's id.

    A sync's: ``<<<<<<< fork main``, ``||||||| flask 3.0.3 (base)``, ``>>>>>>> flask
    3.1.3`` (a side git names with a path, in a rename conflict, keeps it: ``fork
    main:src/old.py``).
    """

    ours: str
    base: str
    theirs: str


def relabel(data: bytes, git_ours: str, git_theirs: str, labels: MergeLabels) -> bytes:
    """``data``, a file git merged, with the labels of its conflict markers replaced by
    ``labels``; every other byte as it was.

    A conflict block is recognised by its opening line: markers of one length (7, or
    ``conflict-marker-size``) followed by ``git_ours`` (or ``git_ours:<path>``); its base
    line (``|||||||``) takes ``labels.base`` and its closing line, when it names
    ``git_theirs``, ``labels.theirs``. Lines that merely look like markers elsewhere, and
    blocks already relabelled, are left alone, so relabelling twice changes nothing.
    """
    lines = data.splitlines(keepends=True)
    size = 0  # marker length of the open block; 0: outside a block
    seen_base = False
    for number, line in enumerate(lines):
        body = line.rstrip(b"\r\n")
        end = line[len(body) :]
        if not size:
            opened = _label_of(body, b"<", git_ours)
            if opened is not None:
                size, rest = opened
                lines[number] = _marker(b"<", size, labels.ours, rest) + end
                seen_base = False
            continue
        if not seen_base and body.startswith(b"|" * size + b" "):
            lines[number] = _marker(b"|", size, labels.base, b"") + end
            seen_base = True
        elif body.startswith(b">" * size + b" "):
            closed = _label_of(body, b">", git_theirs)
            if closed is not None and closed[0] == size:
                lines[number] = _marker(b">", size, labels.theirs, closed[1]) + end
                size = 0
    return b"".join(lines)


def _label_of(line: bytes, char: bytes, label: str) -> tuple[int, bytes] | None:
    """(marker length, ``:<path>`` or b"") when ``line`` is a marker of ``char`` naming
    ``label``, else None."""
    match = re.fullmatch(rb"(%s{7,}) %s(:.*)?" % (re.escape(char), re.escape(label.encode())), line)
    if match is None:
        return None
    return len(match[1]), match[2] or b""


def _marker(char: bytes, size: int, label: str, rest: bytes) -> bytes:
    return char * size + b" " + label.encode() + rest


@dataclass(frozen=True)
class MergeOutcome:
    """What a merge did, or (from :meth:`Merging.merge_preview`) would do.

    Attributes:
        commit: the new merge commit (or the HEAD that already contained the merged
            commit) when a working-tree merge is clean; None on conflict and for a preview.
        conflicts: paths left unmerged, sorted; empty when clean.
        reused: paths git's rerere resolved with a recorded resolution.
        tree: the merged tree id, conflicted files holding their markers; "" where the
            merge computed none (nothing to merge, or git's own conflicted merge).
    """

    commit: str | None
    conflicts: tuple[str, ...]
    reused: tuple[str, ...] = ()
    tree: str = ""


class Merging(Refs, Index, Trees, Worktree):
    """Merges into this checkout's branch, and the state an unfinished one leaves."""

    def merge_preview(
        self, commit: str, ours: str = "HEAD", labels: MergeLabels | None = None
    ) -> MergeOutcome:
        """What merging ``commit`` into ``ours`` (default HEAD) would leave in the working
        tree; nothing changes (but for the relabelled blobs stored in the object store).

        Args:
            labels: the names :meth:`merge` with the same ``labels`` gives the conflict
                markers (None: git's own, ``ours`` and ``commit``).

        Returns:
            an outcome with no commit: ``tree`` is the merged tree (``git merge-tree
            --write-tree``, in memory); on conflict it holds each conflicted file as
            :meth:`merge` writes it (the same labels and diff3 markers), so it names the
            very blobs a conflicted merge will write.

        Raises:
            GitFailed: git could not merge at all (e.g. no such commit).
        """
        args = ["merge-tree", "--write-tree", "--name-only", "--no-messages", ours, commit]
        merged = self.run(args, ok=(0, 1), env=config_env(_DIFF3))  # 1: conflicts
        lines = [line for line in merged.out.splitlines() if line.strip()]
        if not lines:  # 1 without a tree: not a merge at all (e.g. no such commit)
            raise GitFailed(merged)
        first, *paths = lines
        if merged.returncode == 0:
            return MergeOutcome(None, (), tree=first)
        conflicts = tuple(sorted(set(paths)))
        tree = first.strip()
        if labels is not None:
            tree = self._relabelled_tree(tree, conflicts, ours, commit, labels)
        return MergeOutcome(None, conflicts, tree=tree)

    def merge_stages(self, ours: str, commit: str) -> dict[str, dict[int, str]]:
        """The index stages merging ``commit`` into ``ours`` would leave unmerged, computed
        in memory (``git merge-tree --write-tree``): path -> {stage: blob id}, the same as
        :meth:`~forktool.git.index.Index.unmerged_stages` after the working-tree merge;
        empty when the merge is clean. Nothing changes.

        Raises:
            GitFailed: git could not merge at all (e.g. no such commit).
        """
        args = ["merge-tree", "--write-tree", "-z", "--no-messages", ours, commit]
        merged = self.run(args, ok=(0, 1), env=config_env(_DIFF3))  # 1: conflicts
        records = [record for record in merged.text.split("\0") if record]
        if not records:
            raise GitFailed(merged)
        stages: dict[str, dict[int, str]] = {}
        for record in records[1:]:  # the first is the tree
            meta, _, path = record.partition("\t")
            parts = meta.split()
            if len(parts) == 3 and path:
                stages.setdefault(path, {})[int(parts[2])] = parts[1]
        return stages

    def _relabelled_tree(
        self, tree: str, paths: Sequence[str], ours: str, commit: str, labels: MergeLabels
    ) -> str:
        """``tree`` with the files at ``paths`` relabelled (:func:`relabel`)."""
        listed = self.run(["ls-tree", "-z", tree, "--", *paths]).text
        changed = []
        for record in listed.split("\0"):
            if "\t" not in record:
                continue
            meta, path = record.split("\t", 1)
            mode, kind, sha = meta.split()
            if kind != "blob" or mode == "120000":
                continue
            data = self.blob(sha)
            new = relabel(data, ours, commit, labels)
            if new != data:
                entry = FileEntry(new)
                self.store_blobs([entry])
                changed.append(f"{mode} {entry.blob_id}\t{path}\0")
        if not changed:
            return tree
        with private_index(self.git_dir, "relabel") as env:
            self.run(["read-tree", tree], env=env)
            self.run(
                ["update-index", "-z", "--index-info"], input="".join(changed).encode(), env=env
            )
            return self.run(["write-tree"], env=env).out

    def merge(
        self,
        commit: str,
        message: str,
        preview: MergeOutcome | None = None,
        labels: MergeLabels | None = None,
    ) -> MergeOutcome:
        """Three-way merge ``commit`` into the checked-out branch with git's own merge.

        Args:
            preview: :meth:`merge_preview` of ``commit`` (with the same ``labels``) when
                the caller already has it (None: computed here).
            labels: what the conflict markers name the sides (None: git's own labels).

        The merge base is whatever git computes (for forktool: the previous transformed
        commit). A clean merge is made with plumbing, so a process killed at any point
        leaves either the old branch or the new one, never git's half-done merge state:
        ``merge-tree`` computes it in memory, ``commit-tree`` makes the merge commit,
        ``read-tree -m -u`` updates index and working tree, and moving the branch is the
        commit point (the ``pre-merge-commit`` and ``post-merge`` hooks still run). A merge
        with conflicts is left to ``git merge`` in git's ordinary unmerged state.

        Returns:
            the outcome; on conflict the repository is left mid-merge.

        Raises:
            RepositoryError: git refused (e.g. untracked files would be overwritten, or a
                hook said no); nothing was changed.
        """
        head = self.resolve("HEAD")
        assert head is not None
        if self.is_ancestor(commit, head):
            return MergeOutcome(head, ())  # already merged: nothing to do, like git merge
        preview = preview or self.merge_preview(commit, labels=labels)
        self.refuse_files_in_the_way(head, preview.tree)
        if preview.conflicts:
            return self._merge_with_conflicts(commit, message, labels)
        self._or_refuse(["hook", "run", "--ignore-missing", "pre-merge-commit"])
        merge_commit = self._or_refuse(
            ["commit-tree", preview.tree, "-p", head, "-p", commit],
            input=message.encode(), env=self._user_env(),
        ).out.strip()  # fmt: skip
        # Fresh stat data first (read-tree refuses "not uptodate" entries otherwise); its
        # exit says only that some files differ. The index is only written here, where an
        # interrupted sync is recovered.
        self.run(["update-index", "-q", "--refresh"], ok=ANY)
        self._or_refuse(["read-tree", "-m", "-u", head, merge_commit])
        self.run(["update-ref", "-m", "forktool: merge", "HEAD", merge_commit, head])
        self.run(["update-ref", "ORIG_HEAD", head])
        # Like git merge: the post-merge hook's status is ignored.
        self.run(["hook", "run", "--ignore-missing", "post-merge", "--", "0"], ok=ANY)
        return MergeOutcome(merge_commit, (), tree=preview.tree)

    def refuse_files_in_the_way(self, head: str | None, tree: str) -> None:
        """Refuse a merge into ``head`` whose result is tree-ish ``tree`` when it would
        overwrite a working-tree file git does not track at ``head`` (what lets a killed
        checkout be undone without losing files, and what a sync checks before it records
        its intent).

        Raises:
            RepositoryError: the first such file, named.
        """
        found = self.file_in_the_way(head, tree)
        if found is not None:
            raise RepositoryError(
                f"git refused to merge into {self.path}: untracked working tree file "
                f"{found!r} would be overwritten by the merge",
                "move it out of the way (or commit it) and sync again",
            )
        hidden = self.hidden_change_in_the_way(head, tree)
        if hidden is not None:
            raise RepositoryError(
                f"git refused to merge into {self.path}: {hidden!r} holds changes git is "
                "told not to look at (update-index --assume-unchanged or --skip-worktree), "
                "and the merge writes it",
                f"show them to git ('git update-index --no-assume-unchanged -- {hidden}', "
                f"then 'git update-index --no-skip-worktree -- {hidden}'), commit or stash "
                "them, then sync again",
            )

    def hidden_change_in_the_way(self, head: str | None, tree: str) -> str | None:
        """The first path (from the top) the merge result ``tree`` changes from ``head``
        that git is told not to look at (:meth:`hidden_paths`) and whose working-tree
        content is not ``head``'s: an edit no ``git status`` shows, which git would
        overwrite (a conflicted ``git merge`` resets such files); None if none. A path
        with nothing there (a sparse checkout's) is no edit."""
        hidden = set(self.hidden_paths()) if head is not None else set()
        if not hidden:
            return None
        assert head is not None
        changes = self.tree_changes(head, tree)
        touched = sorted(path for path in hidden if path in changes)
        now = self.worktree_blobs(touched)
        for path in touched:
            if now[path] not in ("", changes[path][0]):
                return path
        return None

    def file_in_the_way(self, head: str | None, tree: str) -> str | None:
        """The first working-tree file or link (path from the top) that checking out the
        merge result ``tree`` over ``head`` (None: an unborn branch) would overwrite and
        that git does not track at ``head``; None if none.

        Ignored files count: git overwrites them without asking, and they are the user's.
        Data comes from the working tree and from the paths ``tree`` adds to ``head``.
        """
        added = sorted(self.tree_blobs(tree)) if head is None else self.added_paths(head, tree)
        leading: dict[str, str | None] = {}  # leading component -> _leading()'s answer
        for path in added:
            found = self._in_the_way(path, head, leading)
            if found is not None:
                return found
        return None

    def _in_the_way(
        self, path: str, head: str | None, leading: dict[str, str | None]
    ) -> str | None:
        """What the merge did not put there and would overwrite by writing ``path``: a
        file or link where it needs a leading directory, the file or link at ``path``, or
        a file in the directory at ``path`` (a release may turn a directory into a file:
        git removes the tracked files, then writes it), each unless ``head`` tracks it;
        None when nothing is in the way. ``leading`` caches the answers for leading
        components across the paths of one merge."""
        parts = path.split("/")
        for depth in range(1, len(parts)):
            prefix = "/".join(parts[:depth])
            if prefix not in leading:
                leading[prefix] = self._leading(prefix, head)
            answer = leading[prefix]
            if answer == _DIRECTORY:
                continue
            return None if answer == _NOTHING else answer
        target = self.path / path
        if not target.is_dir() or target.is_symlink():
            return path if os.path.lexists(target) else None
        tracked = set(self._tracked(head, f"{path}/"))
        for root, subdirectories, files in os.walk(target):
            links = [name for name in subdirectories if os.path.islink(os.path.join(root, name))]
            for name in sorted(files + links):
                found = os.path.relpath(os.path.join(root, name), self.path)
                if found not in tracked:
                    return found
        return None

    def _leading(self, prefix: str, head: str | None) -> str:
        """What is at a leading component ``prefix`` of a path the merge writes:
        ``_DIRECTORY`` (a real one: look further down), ``_NOTHING`` (nothing there, or a
        file or link ``head`` tracks, which git replaces: nothing in the way below it), or
        ``prefix`` itself, in the way."""
        where = self.path / prefix
        if where.is_dir() and not where.is_symlink():
            return _DIRECTORY
        if not os.path.lexists(where) or self._tracked(head, prefix):
            return _NOTHING
        return prefix

    def _tracked(self, head: str | None, pathspec: str) -> list[str]:
        """The paths of files and links ``head`` has at ``pathspec`` (taken literally)."""
        if head is None:
            return []
        listed = self.run(
            ["ls-tree", "-r", "-z", "--name-only", head, "--", pathspec],
            env={"GIT_LITERAL_PATHSPECS": "1"},  # ":x" is a directory's name, not magic
        ).text
        return [name for name in listed.split("\0") if name]

    def _or_refuse(
        self, args: Sequence[str], input: bytes | None = None, env: dict[str, str] | None = None
    ) -> Result:
        """Run a step of a clean merge; any failure is git refusing the merge."""
        done = self.run(args, ok=ANY, input=input, env=env)
        if done.returncode != 0:
            raise RepositoryError(
                f"git refused to merge into {self.path}: {done.reason()}", _REFUSED_HINT
            )
        return done

    def _merge_with_conflicts(
        self, commit: str, message: str, labels: MergeLabels | None
    ) -> MergeOutcome:
        env = {**self._user_env(), **config_env(_DIFF3), "GIT_MERGE_AUTOEDIT": "no"}
        args = ["merge", "--no-ff", "--no-edit", "-m", message, commit]
        merged = self.run(args, ok=ANY, env=env)  # 1: conflicts, or a hook said no
        if merged.returncode == 0:
            return MergeOutcome(self.resolve("HEAD"), ())
        conflicts = self.unmerged_paths()
        reused = reused_paths(merged)
        if conflicts:
            if labels is not None:
                self.relabel_files(conflicts, commit, labels)
            return MergeOutcome(None, conflicts, reused)
        if self.merge_head() and reused:  # rerere resolved every conflict
            return MergeOutcome(self.commit_merge(message), (), reused)
        if self.merge_head():  # stopped without conflicts: a hook said no
            self.abort_merge()
        raise RepositoryError(
            f"git refused to merge into {self.path}: {merged.reason()}", _REFUSED_HINT
        )

    def _user_env(self) -> dict[str, str]:
        """Fall back to forktool's identity when the user configured none."""
        reader = self._repo.config_reader()
        if reader.has_option("user", "name") and reader.has_option("user", "email"):
            return {}
        if os.environ.get("GIT_AUTHOR_NAME") or os.environ.get("GIT_COMMITTER_NAME"):
            return {}
        return dict(_FALLBACK_USER)

    def commit_merge(self, message: str | None = None) -> str:
        """Conclude a resolved merge; return the commit id.

        Args:
            message: the commit message; None uses git's prepared MERGE_MSG.

        Raises:
            RepositoryError: git refused to commit (e.g. a failing pre-commit hook).
        """
        args = ["-m", message] if message else ["--no-edit"]
        committed = self.run(["commit", *args, "--quiet"], ok=ANY, env=self._user_env())
        if committed.returncode != 0:
            raise RepositoryError(
                f"git refused to commit the merge: {committed.reason()}",
                "fix what git names, then run --continue again",
            )
        head = self.resolve("HEAD")
        assert head is not None
        return head

    def abort_merge(self) -> None:
        """Undo an unfinished merge (``git merge --abort``).

        Raises:
            GitFailed: no merge is in progress.
        """
        self.run(["merge", "--abort"])

    def relabel_files(self, paths: Iterable[str], commit: str, labels: MergeLabels) -> None:
        """Give the conflict markers ``git merge`` of ``commit`` wrote in the working-tree
        files at ``paths`` the names ``labels`` (:func:`relabel`; each file replaced whole,
        its mode kept). Idempotent: a file already relabelled is not written."""
        for path in paths:
            target = self.path / path
            if target.is_symlink() or not target.is_file():
                continue
            data = target.read_bytes()
            new = relabel(data, "HEAD", commit, labels)
            if new == data:
                continue
            # Written beside git's own files, not in the working tree: an interrupt
            # between the write and the rename leaves nothing the user would see.
            temporary = self.git_dir / "forktool-relabel.tmp"
            temporary.write_bytes(new)
            os.chmod(temporary, target.stat().st_mode)
            try:
                os.replace(temporary, target)
            except OSError:  # the git dir on another file system: write in place
                target.write_bytes(new)
                temporary.unlink(missing_ok=True)

    def marked_paths(self, paths: Iterable[str]) -> tuple[str, ...]:
        """The ``paths`` whose working-tree file still holds a conflict marker line
        (``<<<<<<< `` or ``>>>>>>> `` at the start of a line), in the order given; a path
        with no file holds none."""
        return tuple(path for path in paths if _has_markers(self.path / path))

    def merge_head(self) -> str | None:
        """The commit being merged (MERGE_HEAD), or None when no merge is in progress."""
        marker = self.git_dir / "MERGE_HEAD"
        return marker.read_text().split()[0] if marker.exists() else None

    def operation_in_progress(self) -> str | None:
        """Name of an unfinished git operation (merge, rebase, ...), or None."""
        markers = {
            "MERGE_HEAD": "merge",
            "CHERRY_PICK_HEAD": "cherry-pick",
            "REVERT_HEAD": "revert",
            "rebase-merge": "rebase",
            "rebase-apply": "rebase or am",
            "BISECT_LOG": "bisect",
        }
        for marker, name in markers.items():
            if (self.git_dir / marker).exists():
                return name
        return None

    def merge_file(self, ours: bytes, base: bytes, theirs: bytes, labels: list[str]) -> bytes:
        """Three-way merge three texts (``git merge-file -p --diff3``); nothing changes.

        Args:
            labels: the marker labels of ours, base and theirs.

        Returns:
            the merged text, with ``<<<<<<< / ||||||| / ======= / >>>>>>>`` blocks where
            the sides conflict.

        Raises:
            RepositoryError: git merge-file failed (not merely conflicted).
        """
        with tempfile.TemporaryDirectory(prefix="forktool-merge-file-") as tmp:
            names = []
            for name, data in zip(("ours", "base", "theirs"), (ours, base, theirs), strict=True):
                (Path(tmp) / name).write_bytes(data)
                names.append(str(Path(tmp) / name))
            args = ["merge-file", "-p", "--diff3"]
            for label in labels:
                args += ["-L", label]
            merged = self.run([*args, *names], ok=ANY)
        # The exit status counts the conflicts; only a negative one (255) is an error.
        if merged.returncode < 0 or merged.returncode > 127:
            message = merged.stderr.decode(errors="replace").strip()
            raise RepositoryError(f"git merge-file failed: {message}")
        return merged.stdout


def _has_markers(path: Path) -> bool:
    try:
        text = path.read_bytes()
    except OSError:
        return False
    return any(line.startswith((b"<<<<<<< ", b">>>>>>> ")) for line in text.splitlines())
