"""A persistent, content-addressed cache of renamed files.

One file's rename depends on nothing but its path, its mode, its bytes and the (expanded)
rename map, plus forktool's own codemods: :func:`file_key` hashes exactly these, with the
input named by its git blob id, so a release that changes ten files re-transforms ten.
The cache is a SQLite database (``<fork>/.git/forktool/cache/transform.sqlite3``, see
:func:`forktool.records.state.transform_cache_path`): writes are transactions, so a killed run
leaves whole rows or none; deleting the file only costs a slower next run; a file that is
not a database is replaced. Rows written by another version of forktool's code can never
match again and are dropped when the cache is opened.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import sqlite3
import sys
import zlib
from collections.abc import Iterable, Mapping
from pathlib import Path

import forktool
from forktool.codemods.passes.observed import Kept
from forktool.model import Evidence, FileEntry, Leftover, RenameMap

#: Modules whose code decides a file's rename: their text is part of every key.
_CODE_ROOTS = ("codemods", "transform/file.py", "model.py")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS outcome (
    key TEXT PRIMARY KEY,      -- file_key(): sha256 of code, map, path, mode, blob id
    code TEXT NOT NULL,        -- code_version() of the forktool that wrote the row
    path TEXT NOT NULL,        -- the file's path in the transformed tree
    data BLOB,                 -- zlib-compressed new bytes; NULL: unchanged
    leftovers TEXT NOT NULL,   -- JSON list of [path, line, kind, reason, text]
    failure TEXT,              -- why the file was carried over untransformed, or NULL
    evidence TEXT NOT NULL     -- JSON list of [path, line, text, evidence, renamed]
)
"""
_COLUMNS = ("key", "code", "path", "data", "leftovers", "failure", "evidence")
_KEPT_SCHEMA = """
CREATE TABLE IF NOT EXISTS kept (
    pass TEXT NOT NULL,        -- a tree-wide pass
    key TEXT NOT NULL,         -- fingerprint() of the map it ran with (the code included)
    tree TEXT NOT NULL,        -- tree_digest() of the files it could probe
    used INTEGER NOT NULL,     -- when last saved or found: a counter, newest highest
    value BLOB NOT NULL,       -- zlib-compressed JSON of its observed.Kept record
    PRIMARY KEY (pass, key, tree)
)
"""
_KEPT_COLUMNS = ("pass", "key", "tree", "used", "value")
#: Records kept per pass: the trees of that many releases (a replay of the series over
#: them finds each one's again).
_KEPT_ROWS = 64


@dataclasses.dataclass(frozen=True)
class CachedOutcome:
    """What the cache knows of one file's rename.

    Attributes:
        path: the file's path in the transformed tree.
        data: the new bytes, or None when the file is unchanged.
        leftovers: old-name occurrences left in it.
        failure: why it could not be transformed, or None.
        evidence: why module-name strings in it were renamed or left.
    """

    path: str
    data: bytes | None
    leftovers: tuple[Leftover, ...]
    failure: str | None
    evidence: tuple[Evidence, ...] = ()


@functools.cache
def code_version() -> str:
    """sha256 hex of forktool's version, the source of the modules that rename files and
    the Python version (what :mod:`ast` parses depends on it)."""
    digest = hashlib.sha256(forktool.__version__.encode())
    digest.update(f"python {sys.version_info[0]}.{sys.version_info[1]}\0".encode())
    package = Path(forktool.__file__).parent
    for root in _CODE_ROOTS:
        top = package / root
        for path in sorted(top.rglob("*.py")) if top.is_dir() else [top]:
            digest.update(path.relative_to(package).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def fingerprint(rename: RenameMap) -> str:
    """sha256 hex of everything a rename depends on besides the file: forktool's code and
    the rename map (pass the map expanded over the tree, as
    :func:`~forktool.transform.tree.transform_tree` uses it)."""
    fields = {
        "packages": dict(rename.packages),
        "distributions": dict(rename.distributions),
        "scripts": dict(rename.scripts),
        "keep": list(rename.keep),  # order kept: it is the order patterns are tried in
        "symbols": dict(rename.symbols),
        "docs": rename.docs,
        "roots": list(rename.roots),
        "layout": dict(rename.layout),
        "module_parameters": dict(rename.module_parameters),
    }
    text = json.dumps({"code": code_version(), "rename": fields}, sort_keys=True, default=_plain)
    return hashlib.sha256(text.encode()).hexdigest()


def _plain(value: object) -> object:
    """JSON for the map's dataclasses (``ModuleParameter``): their fields, in order."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.astuple(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def file_key(fingerprint_: str, path: str, entry: FileEntry) -> str:
    """The cache key (sha256 hex) of one input file at ``path`` under a
    :func:`fingerprint`: its mode and git blob id stand for its content."""
    text = f"{fingerprint_}\0{path}\0{entry.git_mode}\0{entry.blob_id}"
    return hashlib.sha256(text.encode()).hexdigest()


class TransformCache:
    """Renamed files by :func:`file_key`, in a SQLite database at ``path``.

    Raises nothing for a damaged or vanished database: look-ups miss and the next write
    starts a new one.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection:
        if self._db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                self._db = self._open()
            except sqlite3.DatabaseError:  # not a database: it is only a cache
                self.path.unlink(missing_ok=True)
                self._db = self._open()
        return self._db

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=60)
        try:
            columns = tuple(row[1] for row in db.execute("PRAGMA table_info(outcome)"))
            if columns and columns != _COLUMNS:  # written by an older forktool: start again
                with db:
                    db.execute("DROP TABLE outcome")
            kept = tuple(row[1] for row in db.execute("PRAGMA table_info(kept)"))
            if kept and kept != _KEPT_COLUMNS:  # an older layout: start again
                with db:
                    db.execute("DROP TABLE kept")
            db.execute(_SCHEMA)
            db.execute(_KEPT_SCHEMA)
            with db:
                db.execute("DELETE FROM outcome WHERE code != ?", (code_version(),))
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    def get_many(self, keys: Iterable[str]) -> dict[str, CachedOutcome]:
        """The cached outcomes among ``keys``: key -> outcome (missing keys absent)."""
        wanted = list(keys)
        found: dict[str, CachedOutcome] = {}
        try:
            db = self._connect()
            for start in range(0, len(wanted), 500):
                batch = wanted[start : start + 500]
                marks = ",".join("?" * len(batch))
                rows = db.execute(
                    "SELECT key, path, data, leftovers, failure, evidence FROM outcome "
                    f"WHERE key IN ({marks})",
                    batch,
                )
                for key, path, data, leftovers, failure, evidence in rows:
                    found[key] = CachedOutcome(
                        path,
                        None if data is None else zlib.decompress(data),
                        tuple(Leftover(*item) for item in json.loads(leftovers)),
                        failure,
                        tuple(Evidence(*item) for item in json.loads(evidence)),
                    )
        except (sqlite3.DatabaseError, zlib.error, ValueError, TypeError):
            self.close()
            self.path.unlink(missing_ok=True)  # damaged: start again
            return {}
        return found

    def put_many(self, outcomes: Mapping[str, CachedOutcome]) -> None:
        """Store ``key -> outcome`` in one transaction."""
        if not outcomes:
            return
        rows = [
            (
                key,
                code_version(),
                outcome.path,
                None if outcome.data is None else zlib.compress(outcome.data, 1),
                json.dumps([dataclasses.astuple(item) for item in outcome.leftovers]),
                outcome.failure,
                json.dumps([dataclasses.astuple(item) for item in outcome.evidence]),
            )
            for key, outcome in outcomes.items()
        ]
        try:
            db = self._connect()
            with db:
                db.executemany("INSERT OR REPLACE INTO outcome VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        except sqlite3.DatabaseError:
            self.close()  # a cache that cannot be written is skipped, not fatal

    def kept(self, name: str, key: str) -> PassRecord:
        """The records the tree-wide pass ``name`` keeps here under ``key`` (the
        :func:`fingerprint` of the map it runs with): see
        :mod:`forktool.codemods.passes.observed`."""
        return PassRecord(self, name, key)

    def _load_kept(self, name: str, key: str, tree: str) -> Kept | None:
        try:
            db = self._connect()
            row = db.execute(
                "SELECT tree, value FROM kept WHERE pass = ? AND key = ? "
                "ORDER BY tree = ? DESC, used DESC LIMIT 1",
                (name, key, tree),
            ).fetchone()
            if row is None:
                return None
            with db:
                db.execute(
                    "UPDATE kept SET used = (SELECT max(used) + 1 FROM kept) "
                    "WHERE pass = ? AND key = ? AND tree = ?",
                    (name, key, row[0]),
                )
            return Kept.from_json(json.loads(zlib.decompress(row[1])))
        except (sqlite3.DatabaseError, zlib.error, ValueError):
            self.close()  # a record that cannot be read: the pass runs whole
            return None

    def _save_kept(self, name: str, key: str, tree: str, kept: Kept) -> None:
        value = zlib.compress(json.dumps(kept.to_json()).encode(), 1)
        try:
            db = self._connect()
            with db:
                db.execute(
                    "INSERT OR REPLACE INTO kept VALUES "
                    "(?, ?, ?, (SELECT coalesce(max(used), 0) + 1 FROM kept), ?)",
                    (name, key, tree, value),
                )
                db.execute(
                    "DELETE FROM kept WHERE pass = ? AND used <= "
                    "(SELECT used FROM kept WHERE pass = ? ORDER BY used DESC "
                    "LIMIT 1 OFFSET ?)",
                    (name, name, _KEPT_ROWS),
                )
        except sqlite3.DatabaseError:
            self.close()

    def __enter__(self) -> TransformCache:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the database connection (reopened on the next use)."""
        if self._db is not None:
            self._db.close()
            self._db = None


@dataclasses.dataclass(frozen=True)
class PassRecord:
    """One tree-wide pass's records in a :class:`TransformCache`, under one key (a
    :class:`~forktool.codemods.passes.module_parameters.KeptStore`): one per tree, the
    :data:`_KEPT_ROWS` used last."""

    cache: TransformCache
    name: str
    key: str

    def load(self, files: Mapping[str, str]) -> Kept | None:
        """The record of the tree whose probed files are ``files`` (path -> blob id) if
        there is one, else the one used last; None when there is none under this key (or
        it is damaged)."""
        return self.cache._load_kept(self.name, self.key, tree_digest(files))

    def save(self, kept: Kept) -> None:
        """Keep ``kept`` as the record of its tree (the oldest beyond the limit go)."""
        self.cache._save_kept(self.name, self.key, tree_digest(kept.files), kept)


def tree_digest(files: Mapping[str, str]) -> str:
    """sha256 hex of a set of files, path -> blob id."""
    text = "".join(f"{path}\0{blob}\0" for path, blob in sorted(files.items()))
    return hashlib.sha256(text.encode()).hexdigest()
