"""The one module that talks to git (through GitPython).

Vendor and transformed commits are built with plumbing only (object store, a private
index file, ``write-tree``, ``commit-tree``), so nobody's working tree is touched. The only
porcelain used is ``git merge`` / ``git commit`` / ``git merge --abort`` in the fork
repository's own working tree, when integrating a release.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import tempfile
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import git

from forktool.errors import ConfigError, RepositoryError, SourceError
from forktool.model import FileEntry, Tree

#: Identity of vendor and transformed commits: fixed, so commit ids are reproducible.
BOT_NAME = "forktool"
BOT_EMAIL = "forktool@localhost"
_FALLBACK_USER = {"GIT_AUTHOR_NAME": BOT_NAME, "GIT_AUTHOR_EMAIL": BOT_EMAIL}


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


@dataclass(frozen=True)
class MergeOutcome:
    """What ``git merge`` did in the fork repository.

    Attributes:
        commit: the new merge commit (or fast-forward target) when clean, else None.
        conflicts: paths left unmerged in the index, sorted; empty when clean.
        reused: paths git's rerere resolved with a recorded resolution.
    """

    commit: str | None
    conflicts: tuple[str, ...]
    reused: tuple[str, ...] = ()


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


def _git_date(when: datetime | None) -> str:
    """Format ``when`` for GIT_*_DATE; None means the Unix epoch (reproducible).

    Raises:
        SourceError: ``when`` is before 1970-01-01 UTC: git records no earlier date.
    """
    stamp = 0 if when is None else int(when.timestamp())
    if when is not None and stamp < 0:
        raise SourceError(
            f"the release is dated {when.isoformat()}, before 1970, which git commits cannot "
            "record",
            "forktool cannot import this release; integrate another one with --to VERSION",
        )
    return f"@{stamp} +0000"


class GitRepo:
    """A git repository on disk: the fork repository, or a git upstream's clone.

    Args:
        path: the repository's top-level directory (with a ``.git`` inside).

    Raises:
        RepositoryError: ``path`` is not a git repository.
    """

    def __init__(self, path: Path) -> None:
        try:
            self._repo = git.Repo(path)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError) as exc:
            raise RepositoryError(
                f"{path} is not a git repository",
                "point [fork] path in the upstream definition at the fork repository",
            ) from exc
        self.path = Path(self._repo.working_tree_dir or path)
        self.git_dir = Path(self._repo.git_dir)
        # git.Repo keeps `git cat-file --batch` processes; stop them with this object.
        weakref.finalize(self, self._repo.close)

    @classmethod
    def init(cls, path: Path, branch: str) -> GitRepo:
        """Create an empty non-bare repository at ``path`` whose unborn HEAD is ``branch``."""
        path.mkdir(parents=True, exist_ok=True)
        git.Repo.init(path, initial_branch=branch)
        return cls(path)

    # -- objects -------------------------------------------------------------------------

    def write_tree(self, tree: Tree) -> str:
        """Store every file of ``tree`` as a blob and return the root tree id (hex).

        Uses a private temporary index file, so neither the repository's index nor its
        working tree changes.
        """
        self.store_blobs(tree.values())
        lines = [f"{tree[path].git_mode} {tree[path].blob_id}\t{path}\0" for path in sorted(tree)]
        return self._write_index_tree("".join(lines))

    def store_blobs(self, entries: Iterable[FileEntry]) -> None:
        """Write the contents of ``entries`` into the object store (as their
        :attr:`~forktool.model.FileEntry.blob_id`), with one ``git fast-import`` for those
        git does not have yet.

        Raises:
            RepositoryError: git could not write the objects.
        """
        missing = {entry.blob_id: entry.data for entry in entries}
        for blob_id in self._present(set(missing)):
            del missing[blob_id]
        if missing:
            stream = [b"blob\ndata %d\n%s\n" % (len(data), data) for data in missing.values()]
            stream.append(b"done\n")
            try:
                self._feed(["fast-import", "--quiet", "--done"], b"".join(stream), {})
            except git.GitCommandError as exc:
                raise RepositoryError(
                    f"cannot write into the object store of {self.path}: {_first_error(exc)}",
                    "make .git/objects writable for you (owner, permissions, free space), "
                    "then run again",
                ) from exc

    def _present(self, object_ids: set[str]) -> set[str]:
        """The ids among ``object_ids`` already in the object store (one ``cat-file``)."""
        if not object_ids:
            return set()
        query = "".join(f"{object_id}\n" for object_id in object_ids).encode()
        out = self._feed(["cat-file", "--batch-check=%(objectname)"], query, {})
        return {line for line in out.split("\n") if line in object_ids}

    def _write_index_tree(self, index_info: str) -> str:
        fd, index_file = tempfile.mkstemp(prefix=private_index_prefix("index"), dir=self.git_dir)
        os.close(fd)
        os.unlink(index_file)  # git wants to create it itself
        env = {"GIT_INDEX_FILE": index_file}
        try:
            if index_info:
                self._feed(
                    ["update-index", "-z", "--add", "--index-info"], index_info.encode(), env
                )
            else:
                self._repo.git.read_tree("--empty", env=env)
            return str(self._repo.git.write_tree(env=env))
        finally:
            if os.path.exists(index_file):
                os.unlink(index_file)

    def _feed(self, args: list[str], data: bytes, env: dict[str, str]) -> str:
        """Run ``git ARGS`` with ``data`` on stdin; return stdout stripped.

        Raises:
            git.GitCommandError: git exited non-zero.
        """
        handle = self._repo.git.execute(
            ["git", *args], istream=subprocess.PIPE, as_process=True, env=env
        )
        proc = handle.proc
        assert proc is not None
        stdout, stderr = proc.communicate(data)
        if proc.returncode != 0:
            raise git.GitCommandError(["git", *args], proc.returncode, stderr)
        return bytes(stdout).decode().strip()

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
        """
        fd, index_file = tempfile.mkstemp(prefix=private_index_prefix("apply"), dir=self.git_dir)
        os.close(fd)
        os.unlink(index_file)
        env = {"GIT_INDEX_FILE": index_file}
        args = ["apply", "--cached", "--whitespace=nowarn"]
        args += ["--reverse", "--check"] if check_reverse else ["--3way"] if three_way else []
        try:
            self._repo.git.read_tree(tree, env=env)
            try:
                self._feed([*args, "-"], patch, env)
            except git.GitCommandError as exc:
                conflicts = self._unmerged(env)
                if conflicts:
                    return ApplyOutcome(None, conflicts)
                return ApplyOutcome(None, error=_first_error(exc))
            if check_reverse:
                return ApplyOutcome(tree)
            return ApplyOutcome(str(self._repo.git.write_tree(env=env)))
        finally:
            if os.path.exists(index_file):
                os.unlink(index_file)

    def _unmerged(self, env: dict[str, str] | None = None) -> tuple[str, ...]:
        out = self._repo.git.ls_files("--unmerged", "-z", env=env or {})
        return tuple(sorted({rec.split("\t", 1)[1] for rec in out.split("\0") if "\t" in rec}))

    def changed_files(self, old: str, new: str) -> dict[str, FileEntry | None]:
        """Files that differ between trees ``old`` and ``new``: path -> new file, or None
        when ``new`` deleted it."""
        out = self._repo.git.diff_tree("-r", "-z", "--no-renames", old, new)
        fields = out.split("\0")
        changed: dict[str, FileEntry | None] = {}
        for meta, path in zip(fields[0::2], fields[1::2], strict=False):
            if not meta:
                continue
            _, mode, _, sha, status = meta.lstrip(":").split()
            if status == "D":
                changed[path] = None
            else:
                data = self._repo.odb.stream(bytes.fromhex(sha)).read()
                changed[path] = FileEntry(data, mode == "100755", mode == "120000")
        return changed

    def diff_trees(self, old: str, new: str) -> bytes:
        """``git diff --full-index --binary OLD NEW`` as bytes (empty when equal)."""
        handle = self._repo.git.execute(
            ["git", "diff", "--full-index", "--binary", "--no-color", "--no-ext-diff", old, new],
            as_process=True,
        )
        proc = handle.proc
        assert proc is not None
        stdout, stderr = proc.communicate()
        if proc.returncode != 0:
            raise git.GitCommandError(["git", "diff", old, new], proc.returncode, stderr)
        return bytes(stdout)

    def commit_info(self, commit: str) -> tuple[str, str, str]:
        """``(author "Name <email>", subject, body)`` of ``commit``."""
        out = self._repo.git.log("-1", "--format=%an <%ae>%x00%s%x00%b", commit)
        author, subject, body = (out.split("\0") + ["", ""])[:3]
        return author, subject, body.strip()

    def parents(self, commit: str) -> list[str]:
        """The parent commit ids of ``commit``."""
        return str(self._repo.git.rev_list("--parents", "-n1", commit)).split()[1:]

    def add_worktree(self, path: Path, commit: str) -> GitRepo:
        """Check ``commit`` out, detached, in a new linked worktree at ``path``."""
        self._repo.git.worktree("add", "--detach", "--quiet", str(path), commit)
        return GitRepo(path)

    def remove_worktree(self, path: Path) -> None:
        """Remove the linked worktree at ``path`` (changes in it are discarded)."""
        if path.exists():
            self._repo.git.worktree("remove", "--force", str(path))
        self._repo.git.worktree("prune")

    def apply_in_worktree(self, patch: bytes) -> tuple[str, ...]:
        """``git apply --3way`` in this checkout; return the paths left unmerged."""
        with contextlib.suppress(git.GitCommandError):  # conflicts are read from the index
            self._feed(["apply", "--3way", "--whitespace=nowarn", "-"], patch, {})
        return self.unmerged_paths()

    def stage_all_tree(self) -> str:
        """Stage every change in this checkout (``git add -A``) and return the index tree."""
        self._repo.git.add("--all")
        return str(self._repo.git.write_tree())

    def read_tree(self, treeish: str) -> dict[str, FileEntry]:
        """Read every file of ``treeish`` (a commit, tag or tree id) into memory.

        Returns:
            path -> FileEntry for blobs and symlinks; submodules are skipped.
        """
        out: dict[str, FileEntry] = {}
        listing = self._repo.git.ls_tree("-r", "-z", "--full-tree", treeish)
        for record in listing.split("\0"):
            if not record:
                continue
            meta, path = record.split("\t", 1)
            mode, kind, sha = meta.split()
            if kind != "blob":
                continue
            data = self._repo.odb.stream(bytes.fromhex(sha)).read()
            out[path] = FileEntry(data, executable=mode == "100755", symlink=mode == "120000")
        return out

    def tree_of(self, commit: str) -> str:
        """Return the tree id of ``commit``."""
        return str(self._repo.git.rev_parse(f"{commit}^{{tree}}"))

    def commit_tree(
        self,
        tree: str,
        parents: Iterable[str],
        message: str,
        when: datetime | None,
    ) -> str:
        """Create a commit with forktool's fixed identity and ``when`` as both dates.

        Returns:
            the new commit id (hex). The same inputs give the same id on any machine.
        """
        date = _git_date(when)
        env = {
            "GIT_AUTHOR_NAME": BOT_NAME,
            "GIT_AUTHOR_EMAIL": BOT_EMAIL,
            "GIT_AUTHOR_DATE": date,
            "GIT_COMMITTER_NAME": BOT_NAME,
            "GIT_COMMITTER_EMAIL": BOT_EMAIL,
            "GIT_COMMITTER_DATE": date,
        }
        args: list[str] = [tree]
        for parent in parents:
            args += ["-p", parent]
        return self._feed(["commit-tree", *args], message.encode(), env)

    def commit_date(self, commit: str) -> datetime:
        """Return the committer date of ``commit`` as an aware UTC datetime."""
        stamp = int(self._repo.git.log("-1", "--format=%ct", commit))
        return datetime.fromtimestamp(stamp, UTC)

    # -- refs ----------------------------------------------------------------------------

    def resolve(self, ref: str) -> str | None:
        """Return the commit id ``ref`` points at, or None if it does not exist."""
        try:
            return str(self._repo.git.rev_parse("--verify", "--quiet", f"{ref}^{{commit}}"))
        except git.GitCommandError:
            return None

    def set_ref(self, ref: str, commit: str | None, message: str) -> None:
        """Point ``ref`` (full name, e.g. ``refs/heads/vendor/flask``) at ``commit``.

        ``commit=None`` deletes the ref (a no-op when it does not exist).
        """
        if commit is None:
            if self.resolve(ref) is not None:
                self._repo.git.update_ref("-d", ref)
            return
        self._repo.git.update_ref("-m", message, ref, commit)

    def refs(self) -> dict[str, str]:
        """Every ref of the repository: full name -> object id it points at."""
        out = self._repo.git.for_each_ref("--format=%(refname) %(objectname)")
        pairs = (line.split(" ", 1) for line in out.splitlines())
        return {ref: sha for ref, sha in pairs}

    def moved_refs(self, before: dict[str, str]) -> dict[str, str]:
        """Refs created, moved or deleted since the snapshot ``before`` (from :meth:`refs`):
        ref -> its id in ``before`` ("" when it is new)."""
        now = self.refs()
        return {
            ref: before.get(ref, "")
            for ref in sorted(set(now) | set(before))
            if now.get(ref) != before.get(ref)
        }

    def put_back(self, moved: dict[str, str], message: str) -> None:
        """Set each ref of ``moved`` (from :meth:`moved_refs`) back; "" deletes it."""
        for ref, commit in moved.items():
            self.set_ref(ref, commit or None, message)

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        """True when ``ancestor`` is reachable from ``descendant``."""
        try:
            self._repo.git.merge_base("--is-ancestor", ancestor, descendant)
        except git.GitCommandError:
            return False
        return True

    # -- remote upstreams ----------------------------------------------------------------

    @staticmethod
    def ls_remote_tags(url: str) -> dict[str, str]:
        """List the tags of the git repository at ``url`` (URL or local path).

        Returns:
            tag name (without ``refs/tags/``) -> commit id it points at (peeled).

        Raises:
            SourceError: the repository cannot be reached.
        """
        try:
            out = str(git.cmd.Git().ls_remote("--tags", url))
        except git.GitCommandError as exc:
            raise SourceError(
                f"cannot read tags from the git upstream {url}",
                "check the url in the [source] table and that the repository is reachable",
            ) from exc
        tags: dict[str, str] = {}
        for line in out.splitlines():
            sha, ref = line.split("\t", 1)
            name = ref.removeprefix("refs/tags/")
            if name.endswith("^{}"):
                tags[name[:-3]] = sha  # peeled commit of an annotated tag wins
            else:
                tags.setdefault(name, sha)
        return tags

    def fetch_tag(self, url: str, tag: str, dest_ref: str) -> str:
        """Fetch ``tag`` from ``url`` into ``dest_ref`` of this repository.

        Returns:
            the commit id the tag points at.

        Raises:
            SourceError: the fetch failed.
        """
        try:
            self._repo.git.fetch("--no-tags", "--quiet", url, f"+refs/tags/{tag}:{dest_ref}")
        except git.GitCommandError as exc:
            raise SourceError(
                f"cannot fetch tag {tag} from the git upstream {url}",
                "check the url in the [source] table and that the repository is reachable",
            ) from exc
        commit = self.resolve(dest_ref)
        assert commit is not None
        return commit

    # -- the fork's working tree ---------------------------------------------------------

    def merge_preview(self, commit: str, ours: str = "HEAD") -> tuple[str, tuple[str, ...]]:
        """What merging ``commit`` into ``ours`` (default HEAD) would leave in the working
        tree; nothing changes.

        Returns:
            (tree id, conflicted paths): the merged tree (``git merge-tree --write-tree``,
            in memory). On conflict it holds each conflicted file as ``git merge`` writes
            it (the same labels, ``ours`` and ``commit``, and diff3 markers), so it names
            the very blobs a conflicted merge will write.

        Raises:
            RepositoryError: git could not merge at all.
        """
        env = _config_env({"merge.conflictStyle": "diff3"})
        try:
            out = self._repo.git.merge_tree(
                "--write-tree", "--name-only", "--no-messages", ours, commit, env=env
            )
        except git.GitCommandError as exc:
            if exc.status != 1:
                raise RepositoryError(f"git merge-tree failed: {_first_error(exc)}") from exc
            lines = str(exc.stdout).strip().strip("'").removeprefix("stdout:").strip().strip("'")
            first, *paths = [line for line in lines.splitlines() if line.strip()]
            return first.strip(), tuple(sorted(set(paths)))
        return str(out).splitlines()[0], ()

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
        out = self._repo.git.diff_tree("-r", "-z", "--no-renames", old, new)
        fields = out.split("\0")
        changes: dict[str, tuple[str, str]] = {}
        for header, path in zip(fields[0::2], fields[1::2], strict=False):
            old_mode, new_mode, old_blob, new_blob, _ = header.lstrip(":").split(" ")
            before = "" if old_mode in ("000000", "160000") else old_blob
            after = "" if new_mode in ("000000", "160000") else new_blob
            if before or after:
                changes[path] = (before, after)
        return changes

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
            out = self._feed(["hash-object", "--stdin-paths"], query, {})
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
            full = self._repo.git.cat_file("blob", blob, stdout_as_string=False)
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

    def restore_paths(self, commit: str | None, paths: Iterable[str], *, files: bool) -> None:
        """Put the index entries of ``paths`` back to ``commit`` (None: no entry, for an
        unborn branch) and, with ``files``, their working-tree files too.

        Every other path, and the working tree of ``paths`` without ``files``, is left
        exactly as it is.
        """
        listed = "".join(f"{path}\0" for path in paths)
        if not listed:
            return
        spec = ["--pathspec-from-file=-", "--pathspec-file-nul"]
        env = {"GIT_LITERAL_PATHSPECS": "1"}
        if commit is None:
            args = ["rm", "--cached", "--quiet", "--ignore-unmatch", "-r", *spec]
        elif files:
            args = ["checkout", "--no-overlay", commit, *spec]
        else:
            args = ["reset", "--quiet", commit, *spec]
        self._feed(args, listed.encode(), env)

    def forget_merge(self) -> None:
        """Drop git's merge state (MERGE_HEAD, MERGE_MSG, rerere's record of this merge)
        without touching the index or any file: for a merge that is committed, or that
        forktool has undone path by path."""
        if (self.git_dir / "MERGE_RR").exists():
            with contextlib.suppress(git.GitCommandError):
                self._repo.git.rerere("clear")
        for name in ("MERGE_HEAD", "MERGE_MSG", "MERGE_MODE", "AUTO_MERGE", "MERGE_RR"):
            (self.git_dir / name).unlink(missing_ok=True)

    def _tree_paths(self, treeish: str) -> list[str]:
        out = self._repo.git.ls_tree("-r", "-z", "--name-only", "--full-tree", treeish)
        return [path for path in out.split("\0") if path]

    def current_branch(self) -> str | None:
        """The branch HEAD is attached to, or None when HEAD is detached."""
        try:
            return str(self._repo.git.symbolic_ref("--quiet", "--short", "HEAD"))
        except git.GitCommandError:
            return None

    def has_commits(self) -> bool:
        """True unless HEAD is unborn (a freshly initialised repository)."""
        return self.resolve("HEAD") is not None

    def dirty_paths(self) -> list[str]:
        """Tracked paths with uncommitted changes, staged or not (untracked are ignored).

        Writes nothing: git takes no ``index.lock`` (a killed forktool could otherwise
        leave one behind that blocks every later git command), and a merge refreshes the
        index itself."""
        env = {"GIT_OPTIONAL_LOCKS": "0"}
        out = self._repo.git.status("--porcelain", "--untracked-files=no", env=env)
        return [line[3:] for line in out.splitlines() if line.strip()]

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

    def merge_head(self) -> str | None:
        """The commit being merged (MERGE_HEAD), or None when no merge is in progress."""
        marker = self.git_dir / "MERGE_HEAD"
        return marker.read_text().split()[0] if marker.exists() else None

    def unmerged_paths(self) -> tuple[str, ...]:
        """Paths with unmerged index entries, sorted."""
        return self._unmerged()

    def checkout_new_branch(self, branch: str, commit: str) -> None:
        """Point the unborn ``branch`` at ``commit`` and check it out (fresh repository only).

        Raises:
            RepositoryError: git refused (e.g. untracked files would be overwritten).
        """
        try:
            self._repo.git.checkout("--quiet", "-B", branch, commit)
        except git.GitCommandError as exc:
            raise RepositoryError(
                f"git refused to check out the fork in {self.path}: {_first_error(exc)}",
                "move the files git names out of the way and sync again",
            ) from exc

    def _user_env(self) -> dict[str, str]:
        """Fall back to forktool's identity when the user configured none."""
        reader = self._repo.config_reader()
        if reader.has_option("user", "name") and reader.has_option("user", "email"):
            return {}
        if os.environ.get("GIT_AUTHOR_NAME") or os.environ.get("GIT_COMMITTER_NAME"):
            return {}
        return {
            **_FALLBACK_USER,
            "GIT_COMMITTER_NAME": BOT_NAME,
            "GIT_COMMITTER_EMAIL": BOT_EMAIL,
        }

    def merge(
        self, commit: str, message: str, preview: tuple[str, tuple[str, ...]] | None = None
    ) -> MergeOutcome:
        """Three-way merge ``commit`` into the checked-out branch with git's own merge.

        Args:
            preview: :meth:`merge_preview` of ``commit`` when the caller already has it
                (None: computed here).

        The merge base is whatever git computes (for forktool: the previous transformed
        commit). A clean merge is made with plumbing, so a process killed at any point
        leaves either the old branch or the new one, never git's half-done merge state:
        ``merge-tree`` computes it in memory, ``commit-tree`` makes the merge commit,
        ``read-tree -m -u`` updates index and working tree, and moving the branch is the
        commit point (the ``pre-merge-commit`` and ``post-merge`` hooks still run). A merge
        with conflicts is left to ``git merge`` in git's ordinary unmerged state.

        Raises:
            RepositoryError: git refused (e.g. untracked files would be overwritten, or a
                hook said no); nothing was changed.
        """
        head = self.resolve("HEAD")
        assert head is not None
        if self.is_ancestor(commit, head):
            return MergeOutcome(head, ())  # already merged: nothing to do, like git merge
        in_the_way = [
            path for path in self._added_paths(head, commit) if os.path.lexists(self.path / path)
        ]
        if in_the_way:  # also what lets a killed checkout be undone without losing files
            raise RepositoryError(
                f"git refused to merge into {self.path}: untracked working tree file "
                f"{in_the_way[0]!r} would be overwritten by the merge",
                "move it out of the way (or commit it) and sync again",
            )
        tree, conflicts = preview or self.merge_preview(commit)
        if conflicts:
            return self._merge_with_conflicts(commit, message)
        try:
            self._repo.git.hook("run", "--ignore-missing", "pre-merge-commit")
            merge_commit = self._feed(
                ["commit-tree", tree, "-p", head, "-p", commit], message.encode(), self._user_env()
            )
            # Fresh stat data first (read-tree refuses "not uptodate" entries otherwise);
            # the index is only written here, where an interrupted sync is recovered.
            self._repo.git.update_index("-q", "--refresh", with_exceptions=False)
            self._repo.git.read_tree("-m", "-u", head, merge_commit)
        except git.GitCommandError as exc:
            raise RepositoryError(
                f"git refused to merge into {self.path}: {_first_error(exc)}",
                "fix what git names (untracked files in the way, a failing hook) and sync again",
            ) from exc
        self._repo.git.update_ref("-m", "forktool: merge", "HEAD", merge_commit, head)
        self._repo.git.update_ref("ORIG_HEAD", head)
        with contextlib.suppress(git.GitCommandError):  # like git merge: its status is ignored
            self._repo.git.hook("run", "--ignore-missing", "post-merge", "--", "0")
        return MergeOutcome(merge_commit, ())

    def _added_paths(self, old: str, new: str) -> list[str]:
        """Paths tree-ish ``new`` has and ``old`` does not."""
        out = self._repo.git.diff_tree("-r", "-z", "--name-only", "--diff-filter=A", old, new)
        return [path for path in out.split("\0") if path]

    def _merge_with_conflicts(self, commit: str, message: str) -> MergeOutcome:
        env = {
            **self._user_env(),
            **_config_env({"merge.conflictStyle": "diff3"}),  # markers show the base too
            "GIT_MERGE_AUTOEDIT": "no",
        }
        try:
            self._repo.git.merge("--no-ff", "--no-edit", "-m", message, commit, env=env)
        except git.GitCommandError as exc:
            conflicts = self.unmerged_paths()
            reused = tuple(sorted(set(_RERERE.findall(f"{exc.stdout}\n{exc.stderr}"))))
            if conflicts:
                return MergeOutcome(None, conflicts, reused)
            if self.merge_head() and reused:  # rerere resolved every conflict
                return MergeOutcome(self.commit_merge(message), (), reused)
            if self.merge_head():  # stopped without conflicts: a hook said no
                self.abort_merge()
            raise RepositoryError(
                f"git refused to merge into {self.path}: {_first_error(exc)}",
                "fix what git names (untracked files in the way, a failing hook) and sync again",
            ) from exc
        head = self.resolve("HEAD")
        return MergeOutcome(head, ())

    def enable_rerere(self, cache: Path) -> None:
        """Turn on git's rerere (with autoupdate) and point its cache at ``cache``.

        ``cache`` replaces ``.git/rr-cache`` as a symbolic link, so recorded resolutions
        live where forktool keeps them (the fork definition) and travel with it.

        Raises:
            ConfigError: ``cache`` exists but is not a directory, or cannot be created;
                nothing was changed.
        """
        if (cache.exists() or cache.is_symlink()) and not cache.is_dir():
            raise ConfigError(
                f"{cache} is not a directory",
                "forktool keeps git's recorded conflict resolutions there; move the file away",
            )
        try:
            cache.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(
                f"cannot create {cache}: {exc.strerror or exc}",
                "check the permissions of the fork definition's patches directory",
            ) from exc
        reader = self._repo.config_reader("repository")
        for key in ("enabled", "autoUpdate"):  # write .git/config only when needed
            if not reader.has_option("rerere", key) or reader.get_value("rerere", key) is not True:
                self._repo.git.config(f"rerere.{key}", "true")
        link = self.git_dir / "rr-cache"
        if link.is_symlink() and link.resolve() == cache.resolve():
            return
        if link.is_dir() and not link.is_symlink():
            for entry in link.iterdir():  # keep what was recorded before
                target = cache / entry.name
                if not target.exists():
                    shutil.copytree(entry, target)
            shutil.rmtree(link)
        elif link.is_symlink():
            link.unlink()
        link.symlink_to(cache.resolve(), target_is_directory=True)

    def merge_tree(self, ours: str, theirs: str) -> tuple[str | None, tuple[str, ...]]:
        """Merge two commits in memory (``git merge-tree --write-tree``); nothing changes.

        Returns:
            (the merged tree id, ()) when clean; (None, conflicted paths) otherwise.

        Raises:
            RepositoryError: git could not merge at all.
        """
        tree, conflicts = self.merge_preview(theirs, ours=ours)
        return (None, conflicts) if conflicts else (tree, ())

    def commit_merge(self, message: str | None = None) -> str:
        """Conclude a resolved merge; return the commit id.

        Args:
            message: the commit message; None uses git's prepared MERGE_MSG.

        Raises:
            RepositoryError: git refused to commit (e.g. a failing pre-commit hook).
        """
        try:
            args = ["-m", message] if message else ["--no-edit"]
            self._repo.git.commit(*args, "--quiet", env=self._user_env())
        except git.GitCommandError as exc:
            raise RepositoryError(
                f"git refused to commit the merge: {_first_error(exc)}",
                "fix what git names, then run --continue again",
            ) from exc
        head = self.resolve("HEAD")
        assert head is not None
        return head

    def abort_merge(self) -> None:
        """Undo an unfinished merge (``git merge --abort``)."""
        self._repo.git.merge("--abort")

    # -- conflict reports ------------------------------------------------------------------

    def unmerged_stages(self) -> dict[str, dict[int, str]]:
        """The unmerged index entries of this checkout.

        Returns:
            path -> {stage: blob id}, stage 1 the common ancestor, 2 "ours" (HEAD), 3
            "theirs"; which stages are present tells the kind of conflict.
        """
        out = self._repo.git.ls_files("--unmerged", "-z")
        stages: dict[str, dict[int, str]] = {}
        for record in out.split("\0"):
            if "\t" not in record:
                continue
            meta, path = record.split("\t", 1)
            _, sha, stage = meta.split()
            stages.setdefault(path, {})[int(stage)] = sha
        return stages

    def blob(self, sha: str) -> bytes:
        """The content of blob ``sha``."""
        return bytes(self._repo.odb.stream(bytes.fromhex(sha)).read())

    def blob_at(self, treeish: str, path: str) -> bytes | None:
        """The content of ``path`` in ``treeish`` (commit, tag or tree), or None when there
        is no such file (or ``treeish`` does not exist)."""
        try:
            sha = str(self._repo.git.rev_parse("--verify", "--quiet", f"{treeish}:{path}"))
            if self._repo.git.cat_file("-t", sha) != "blob":
                return None
        except git.GitCommandError:
            return None
        return self.blob(sha)

    def tree_blobs(self, treeish: str) -> dict[str, str]:
        """Every file of ``treeish``: path -> blob id (contents are not read)."""
        out = self._repo.git.ls_tree("-r", "-z", "--full-tree", treeish)
        blobs: dict[str, str] = {}
        for record in out.split("\0"):
            if "\t" in record:
                meta, path = record.split("\t", 1)
                _, kind, sha = meta.split()
                if kind == "blob":
                    blobs[path] = sha
        return blobs

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
            args = ["git", "merge-file", "-p", "--diff3"]
            for label in labels:
                args += ["-L", label]
            handle = self._repo.git.execute([*args, *names], as_process=True)
            proc = handle.proc
            assert proc is not None
            stdout, stderr = proc.communicate()
        # The exit status counts the conflicts; only a negative one (255) is an error.
        if proc.returncode < 0 or proc.returncode > 127:
            message = bytes(stderr).decode(errors="replace").strip()
            raise RepositoryError(f"git merge-file failed: {message}")
        return bytes(stdout)

    def line_log(self, revisions: str, path: str, start: int, end: int) -> list[LoggedCommit]:
        """Commits of ``revisions`` (e.g. ``A..B``) that changed lines ``start``-``end``
        (1-based, inclusive, as in the tip of ``revisions``) of ``path``: ``git log -L``.

        Returns:
            newest first; empty when git cannot trace the range (e.g. no such file).
        """
        try:
            out = self._repo.git.log(f"-L{start},{end}:{path}", "-s", _LOG_FORMAT, revisions)
        except git.GitCommandError:
            return []
        return _parse_log(str(out))

    def path_log(self, revisions: str, *paths: str) -> list[LoggedCommit]:
        """Commits of ``revisions`` that changed any of the files ``paths``, newest first."""
        try:
            out = self._repo.git.log(_LOG_FORMAT, revisions, "--", *paths)
        except git.GitCommandError:
            return []
        return _parse_log(str(out))

    def close(self) -> None:
        """Stop the git processes this object keeps running (``cat-file --batch``) now,
        rather than whenever the garbage collector gets to them."""
        self._repo.close()

    def diff_file(self, old: str, new: str, path: str) -> str:
        """``git diff -U0 OLD NEW -- PATH``: the exact changed lines of one file, as text."""
        return str(
            self._repo.git.diff(
                "-U0", "--no-color", "--no-ext-diff", old, new, "--", path,
                strip_newline_in_stdout=False,
            )
        )  # fmt: skip


_RERERE = re.compile(r"(?:Resolved|Staged) '(.+?)' using previous resolution")


def _config_env(settings: dict[str, str]) -> dict[str, str]:
    """Git config for one command through the environment (git >= 2.31)."""
    env = {"GIT_CONFIG_COUNT": str(len(settings))}
    for index, (key, value) in enumerate(settings.items()):
        env[f"GIT_CONFIG_KEY_{index}"] = key
        env[f"GIT_CONFIG_VALUE_{index}"] = value
    return env


def _first_error(exc: git.GitCommandError) -> str:
    """git's own explanation from a failed command, on one line."""
    text = str(exc.stderr or "").strip()
    text = text.removeprefix("stderr:").strip().strip("'").strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return f"git exited with status {exc.status}"
    head = lines[0].removeprefix("error: ").removeprefix("fatal: ")
    details = [line for line in lines[1:] if not line.startswith(("Please", "Aborting", "hint:"))]
    return head + (" " + ", ".join(details[:3]) if details else "")


def remove_repository(path: Path) -> None:
    """Delete a repository directory forktool itself created in this run."""
    shutil.rmtree(path, ignore_errors=True)


@dataclass(frozen=True)
class LoggedCommit:
    """One commit as ``git log`` lists it.

    Attributes:
        commit: the full commit id; author: ``Name <email>``; date: the author date,
            ISO 8601 with its offset; subject: the first line of the message.
    """

    commit: str
    author: str
    date: str
    subject: str


#: One record per commit: \x1e, then id, author, date, subject separated by \x1f.
_LOG_FORMAT = "--format=%x1e%H%x1f%an <%ae>%x1f%aI%x1f%s"


def _parse_log(out: str) -> list[LoggedCommit]:
    commits = []
    for record in out.split("\x1e"):
        fields = record.strip().split("\x1f")
        if len(fields) == 4:
            commits.append(LoggedCommit(*fields))
    return commits
