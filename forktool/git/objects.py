"""The object store: blobs in and out, commits made with forktool's fixed identity."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from forktool.errors import RepositoryError, SourceError
from forktool.git.command import ANY, Commands, Result, Started
from forktool.model import FileEntry

#: Identity of vendor and transformed commits: fixed, so commit ids are reproducible.
BOT_NAME = "forktool"
BOT_EMAIL = "forktool@localhost"


def git_date(when: datetime | None) -> str:
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


@dataclass(frozen=True)
class Authorship:
    """Who made a commit and when, as git records it.

    Attributes:
        author_name / author_email / author_date: the author; the date raw, as git reads
            and writes it (``<seconds since the epoch> <+hhmm>``).
        committer_name / committer_email / committer_date: the committer, the same way.
    """

    author_name: str
    author_email: str
    author_date: str
    committer_name: str
    committer_email: str
    committer_date: str

    @classmethod
    def same(cls, name: str, email: str, date: str) -> Authorship:
        """One person as author and committer, with one date (any form git reads)."""
        return cls(name, email, date, name, email, date)

    def env(self) -> dict[str, str]:
        """The ``GIT_AUTHOR_*`` and ``GIT_COMMITTER_*`` variables that make git record it."""
        return {
            "GIT_AUTHOR_NAME": self.author_name,
            "GIT_AUTHOR_EMAIL": self.author_email,
            "GIT_AUTHOR_DATE": self.author_date,
            "GIT_COMMITTER_NAME": self.committer_name,
            "GIT_COMMITTER_EMAIL": self.committer_email,
            "GIT_COMMITTER_DATE": self.committer_date,
        }


#: ``git fast-import`` of blobs. ``--depth=0``: no deltas. fast-import only tries the
#: blob before in the stream, an unrelated file here: a third of its time for a few
#: percent of pack size.
_IMPORT = ("fast-import", "--quiet", "--done", "--depth=0")


def _import_stream(contents: Iterable[bytes]) -> bytes:
    """The ``fast-import`` stream of blobs ``contents`` (b"" when there are none)."""
    stream = [b"blob\ndata %d\n%s\n" % (len(data), data) for data in contents]
    return b"".join(stream) + b"done\n" if stream else b""


class Objects(Commands):
    """Reading and writing objects; nothing here touches an index or a working tree."""

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
        self.import_blobs(missing.values())

    def import_blobs(self, contents: Iterable[bytes]) -> None:
        """Write ``contents`` as blobs with one ``git fast-import`` (none: nothing runs);
        the caller has checked git does not have them (``fast-import`` would write a
        loose object's blob again).

        Raises:
            RepositoryError: git could not write the objects.
        """
        stream = _import_stream(contents)
        if stream:
            self._drop_stale_keeps()
            self.check_import(self.run(_IMPORT, ok=ANY, input=stream))

    def start_import(self, contents: list[bytes]) -> Started | None:
        """:meth:`import_blobs` in the background: ``git fast-import`` reads the blobs
        from a temporary file while forktool goes on; None when there are none (or the
        temporary file could not be written: then they are written now). Finish it with
        :meth:`check_import` of its ``finish(ok=ANY)``, or ``kill()`` it.

        Raises:
            RepositoryError: written now, git could not write them.
        """
        if not contents:
            return None
        spool = None
        try:
            spool = tempfile.TemporaryFile()  # noqa: SIM115  (closed by the Started)
            for data in contents:
                spool.write(b"blob\ndata %d\n" % len(data))
                spool.write(data)
                spool.write(b"\n")
            spool.write(b"done\n")
            spool.seek(0)
            self._drop_stale_keeps()
            return self.start(_IMPORT, spool)
        except OSError:  # no room for the temporary file (or no git to start): in memory
            if spool is not None:
                spool.close()
            self.import_blobs(contents)
            return None

    def _drop_stale_keeps(self) -> None:
        """Remove the ``.keep`` files a killed ``git fast-import`` left beside a pack it
        never finished (no ``.idx``): the next import of the same blobs makes a pack of the
        same name and fails with "cannot create keep file: File exists". A ``.keep`` only
        keeps ``git gc`` from repacking a pack, so removing one loses nothing; only
        fast-import's own (it writes "fast-import" in them) are removed."""
        pack_dir = self.git_dir / "objects" / "pack"
        try:
            keeps = list(pack_dir.glob("pack-*.keep"))
            for keep in keeps:
                # an import still running has one for a moment: only an old one is stale
                if keep.with_suffix(".idx").exists() or time.time() - keep.stat().st_mtime < 60:
                    continue
                with keep.open("rb") as file:
                    if file.read(32).startswith(b"fast-import"):
                        keep.unlink(missing_ok=True)
        except OSError:
            pass  # unreadable: the import then says what is wrong

    def check_import(self, imported: Result) -> None:
        """Raise when ``git fast-import`` failed.

        Raises:
            RepositoryError: it did (``imported`` is its result).
        """
        if imported.returncode != 0:
            raise RepositoryError(
                f"cannot write into the object store of {self.path}: {imported.reason()}",
                "make .git/objects writable for you (owner, permissions, free space), "
                "then run again",
            )

    def _present(self, object_ids: set[str]) -> set[str]:
        """The ids among ``object_ids`` already in the object store (one ``cat-file``)."""
        if not object_ids:
            return set()
        query = "".join(f"{object_id}\n" for object_id in object_ids).encode()
        out = self.run(["cat-file", "--batch-check=%(objectname)"], input=query).out
        return {line for line in out.split("\n") if line in object_ids}

    def blob(self, sha: str) -> bytes:
        """The content of blob ``sha`` (hex id), read through GitPython's long-running
        ``cat-file --batch``.

        Raises:
            ValueError: no object ``sha`` (GitPython's error).
        """
        return bytes(self._repo.odb.stream(bytes.fromhex(sha)).read())

    def blob_at(self, treeish: str, path: str) -> bytes | None:
        """The content of ``path`` in ``treeish`` (commit, tag or tree), or None when there
        is no such file (or ``treeish`` does not exist)."""
        # rev-parse: 0 found, 1 or 128 not found; cat-file -t fails for a gitlink (a
        # submodule's commit, not in this repository): no file either.
        found = self.run(["rev-parse", "--verify", "--quiet", f"{treeish}:{path}"], ok=ANY)
        if found.returncode != 0:
            return None
        sha = found.out
        kind = self.run(["cat-file", "-t", sha], ok=ANY)
        if kind.returncode != 0 or kind.out != "blob":
            return None
        return self.blob(sha)

    def tree_of(self, commit: str) -> str:
        """Return the tree id of ``commit`` (a commit, tag or tree).

        Raises:
            GitFailed: ``commit`` names no such object.
        """
        return self.run(["rev-parse", f"{commit}^{{tree}}"]).out

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

        Raises:
            SourceError: ``when`` is before 1970.
            GitFailed: ``tree`` or a parent is not in the object store.
        """
        date = git_date(when)
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
        return self.run(["commit-tree", *args], input=message.encode(), env=env).out.strip()

    def commit_tree_as(
        self, tree: str, parents: Iterable[str], message: str, authorship: Authorship
    ) -> str:
        """Create a commit of ``tree`` on ``parents`` with ``message`` and someone's
        ``authorship`` (``git commit-tree``; no ref moves).

        Returns:
            the new commit id (hex).

        Raises:
            GitFailed: ``tree`` or a parent is not in the object store, or git refuses the
                identity (an empty name or a date it cannot read).
        """
        args: list[str] = [tree]
        for parent in parents:
            args += ["-p", parent]
        return self.run(["commit-tree", *args], input=message.encode(), env=authorship.env()).out
