"""The shim directory's manifest: the record of what forktool generated there.

``<out>/.forktool-shim.json`` lists, for each shim distribution written to that directory,
every file forktool wrote (path relative to the directory, ``/``-separated) with the sha256
of the content it wrote. :func:`forktool.shims.write` replaces or deletes a file only when
it is listed here *and* still has a listed digest: that is its proof that the file is its
own. Files not listed (the user's) are never touched, and a listed file whose content
changed (edited by the user) is neither overwritten nor deleted.

While a write is under way the record's ``state`` is ``writing`` and each path may carry
two digests, the one before and the one after, so a write killed at any moment leaves
every file provably forktool's and the next write finishes the job. The manifest itself is
replaced atomically (temporary file, fsync, rename).

Document::

    {"schema": 1, "about": "...",
     "shims": {"flask": {"state": "complete",
                         "files": {"Flask-shim/pyproject.toml": ["<sha256>"], ...}}}}

Keys of ``shims`` are PEP 503 normalized distribution names, so shims of several
upstreams can share one output directory.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from forktool.shims.model import ShimError

#: The manifest's file name, inside the shim output directory.
MANIFEST_NAME = ".forktool-shim.json"
SCHEMA = 1
_ABOUT = (
    "Written by forktool: the files it generated in this directory, with the sha256 of "
    "what it wrote. It replaces or deletes only these, and only while unchanged. Do not edit."
)
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_STATES = ("complete", "writing")


@dataclass(frozen=True)
class Record:
    """What forktool generated in the directory for one shim distribution.

    Attributes:
        files: path relative to the output directory -> the sha256 hex digests the file
            may have and still be forktool's (one; two while a write is under way).
        writing: True while a write is under way (or was killed): the shim is incomplete.
    """

    files: Mapping[str, frozenset[str]]
    writing: bool = False


def sha256(data: bytes) -> str:
    """The sha256 hex digest of ``data``, as the manifest records it."""
    return hashlib.sha256(data).hexdigest()


def manifest_path(out_dir: Path) -> Path:
    """``<out_dir>/.forktool-shim.json``."""
    return out_dir / MANIFEST_NAME


def read(out_dir: Path) -> dict[str, Record] | None:
    """The records of the manifest in ``out_dir``, by normalized distribution name.

    Returns:
        None when there is no manifest (a new directory, or one written by a forktool
        older than the manifest).

    Raises:
        ShimError: the manifest exists but cannot be read or is not a valid manifest.
    """
    path = manifest_path(out_dir)
    if not os.path.lexists(path):
        return None
    try:
        document = json.loads(path.read_bytes())
        return _parse(document)
    except (OSError, ValueError, TypeError) as exc:
        detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ShimError(
            f"the shim manifest {path} is damaged: {' '.join(detail.split())}",
            "restore it, or delete it: forktool then leaves alone every file there it "
            "cannot prove it generated",
        ) from None


def write(out_dir: Path, records: Mapping[str, Record]) -> None:
    """Replace the manifest in ``out_dir`` with ``records``, atomically.

    The temporary file is ``.forktool-shim.json.tmp`` (forktool's own name, overwritten
    by the next write if a kill left it); it is flushed to disk before the rename, so a
    crash leaves the old manifest or the new one.

    Raises:
        OSError: the directory is not writable.
    """
    document: dict[str, Any] = {
        "schema": SCHEMA,
        "about": _ABOUT,
        "shims": {
            name: {
                "state": "writing" if record.writing else "complete",
                "files": {path: sorted(record.files[path]) for path in sorted(record.files)},
            }
            for name, record in sorted(records.items())
        },
    }
    path = manifest_path(out_dir)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as stream:
        stream.write((json.dumps(document, indent=1) + "\n").encode())
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(tmp, path)


def _parse(document: object) -> dict[str, Record]:
    """The records of a manifest document; ValueError or TypeError when it is not one."""
    if not isinstance(document, dict) or document.get("schema") != SCHEMA:
        raise ValueError(f"not a schema {SCHEMA} manifest")
    shims = document.get("shims")
    if not isinstance(shims, dict):
        raise TypeError("'shims' is not an object")
    records: dict[str, Record] = {}
    for name, entry in shims.items():
        if not isinstance(entry, dict) or entry.get("state") not in _STATES:
            raise ValueError(f"the record of {name!r} has no valid state")
        files = entry.get("files")
        if not isinstance(files, dict):
            raise TypeError(f"the files of {name!r} are not an object")
        parsed: dict[str, frozenset[str]] = {}
        for rel, digests in files.items():
            if not is_safe_path(rel):
                raise ValueError(f"{rel!r} is not a path inside the directory")
            if not isinstance(digests, list) or not all(
                isinstance(d, str) and _SHA256.match(d) for d in digests
            ):
                raise ValueError(f"the digests of {rel!r} are not sha256 digests")
            parsed[rel] = frozenset(digests)
        records[name] = Record(parsed, entry["state"] == "writing")
    return records


def is_safe_path(rel: object) -> bool:
    """True for a relative ``/``-separated path that stays inside the directory."""
    if not isinstance(rel, str) or not rel or "\\" in rel or "\0" in rel:
        return False
    return all(part not in ("", ".", "..") for part in rel.split("/"))
