"""What each codemod patch did to a tree, remembered, so that running the series again on
the same tree (``patch replay`` a second time, ``check`` after ``sync``) does not parse and
print every targeted module with libcst again.

A codemod patch is taken to be a function of what it is run with: the key is the sha256
of the patch's bytes and name, the bytes of every ``*.py`` file in the series directory
(helpers a patch imports from beside it), the source of the patch API and of the code
that applies it, libcst's and Python's versions, and the paths, modes and blob ids of the
whole tree it runs on. Only outcomes the tree decides are kept (``clean``, ``no match``,
``upstreamed``); an ``error`` is run again next time. A patch that reads anything else
(the clock, the network, a module outside the series directory) must be run with
``FORKTOOL_NO_SHORTCUTS=1``, or the memo deleted (it is only a cache:
``.git/forktool/cache/codemod-patches.sqlite3``).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import importlib.metadata
import json
import sqlite3
import sys
from collections.abc import Mapping
from pathlib import Path

from forktool.model import FileEntry, PatchHealth, PatchKind, PatchStatus
from forktool.patches.series import PatchFile

#: Outcomes decided by the tree alone, which the memo keeps.
KEPT = (PatchStatus.CLEAN, PatchStatus.NO_MATCH, PatchStatus.UPSTREAMED)
#: Rows kept at most; the oldest go first.
MAX_ROWS = 2000
#: The modules whose code decides what a codemod patch does, beside the patch itself.
_CODE = ("api.py", "apply.py", "memo.py")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS outcome (
    key TEXT PRIMARY KEY,  -- CodemodMemo.key(): sha256 hex
    health TEXT NOT NULL,  -- JSON [status, detail, [paths]]
    files TEXT NOT NULL    -- JSON {path: [base64 bytes, executable]}: the files it changed
)
"""


@functools.cache
def _code_version() -> str:
    digest = hashlib.sha256(f"{sys.version_info[:2]}\0".encode())
    try:
        digest.update(importlib.metadata.version("libcst").encode() + b"\0")
    except importlib.metadata.PackageNotFoundError:
        digest.update(b"no libcst\0")
    here = Path(__file__).parent
    for name in _CODE:
        digest.update(name.encode() + b"\0" + (here / name).read_bytes() + b"\0")
    return digest.hexdigest()


def _directory_version(directory: Path) -> bytes:
    """The ``*.py`` files of a series directory (names and bytes), hashed."""
    digest = hashlib.sha256()
    try:
        paths = sorted(directory.glob("*.py"))
        for path in paths:
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    except OSError:
        return b""  # unreadable: no key (see CodemodMemo.key)
    return digest.digest()


class CodemodMemo:
    """Codemod patch outcomes in a SQLite database at ``path``.

    Raises nothing: a damaged, missing or unwritable database only means no memo.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None
        self._directories: dict[Path, bytes] = {}

    def key(self, patch: PatchFile, tree: Mapping[str, FileEntry]) -> str | None:
        """The key of running ``patch`` on ``tree``; None when it cannot be made (the
        series directory cannot be read)."""
        directory = patch.path.parent
        if directory not in self._directories:
            self._directories[directory] = _directory_version(directory)
        siblings = self._directories[directory]
        if not siblings:
            return None
        digest = hashlib.sha256(_code_version().encode() + b"\0" + siblings)
        digest.update(patch.name.encode() + b"\0" + patch.data + b"\0")
        for path in sorted(tree):
            entry = tree[path]
            digest.update(f"{entry.git_mode} {entry.blob_id}\t{path}\0".encode())
        return digest.hexdigest()

    def get(self, key: str, patch: PatchFile) -> tuple[PatchHealth, dict[str, FileEntry]] | None:
        """The outcome remembered under ``key`` (health, changed files), or None."""
        try:
            row = (
                self._connect()
                .execute("SELECT health, files FROM outcome WHERE key = ?", (key,))
                .fetchone()
            )
            if row is None:
                return None
            status, detail, paths = json.loads(row[0])
            files = {
                path: FileEntry(base64.b64decode(data), executable=bool(executable))
                for path, (data, executable) in json.loads(row[1]).items()
            }
            health = PatchHealth(
                patch.name, PatchKind.CODEMOD, PatchStatus(status), detail, tuple(paths)
            )
        except (sqlite3.Error, OSError, ValueError, TypeError, KeyError):
            self.close()
            return None
        return health, files

    def put(self, key: str, health: PatchHealth, changed: Mapping[str, FileEntry]) -> None:
        """Remember ``health`` and the files the patch ``changed`` under ``key`` (only the
        outcomes in :data:`KEPT`)."""
        if health.status not in KEPT:
            return
        files = {
            path: [base64.b64encode(entry.data).decode("ascii"), entry.executable]
            for path, entry in changed.items()
        }
        row = (key, json.dumps([health.status.value, health.detail, list(health.paths)]))
        try:
            db = self._connect()
            with db:
                db.execute(
                    "INSERT OR REPLACE INTO outcome VALUES (?, ?, ?)", (*row, json.dumps(files))
                )
                db.execute(
                    "DELETE FROM outcome WHERE rowid <= (SELECT max(rowid) FROM outcome) - ?",
                    (MAX_ROWS,),
                )
        except (sqlite3.Error, OSError):
            self.close()

    def _connect(self) -> sqlite3.Connection:
        if self._db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=60)
            try:
                db.execute(_SCHEMA)
            except sqlite3.Error:
                db.close()
                self.path.unlink(missing_ok=True)  # not a database: start again
                db = sqlite3.connect(self.path, timeout=60)
                db.execute(_SCHEMA)
            self._db = db
        return self._db

    def close(self) -> None:
        """Close the database (reopened on the next use)."""
        if self._db is not None:
            self._db.close()
            self._db = None
