"""Read and write ``upstream/<name>.lock``: what is integrated into the fork.

The lock file is TOML written with tomlkit. It is the definition's record of the last
sync that finished; the refs in the fork repository must agree with it.
"""

from __future__ import annotations

import os
import re
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import tomlkit
import tomlkit.exceptions
from packaging.version import InvalidVersion, Version

from forktool.errors import ConfigError

_SHA = re.compile(r"^[0-9a-f]{40}$")
_HEADER = "Written by forktool sync: what is integrated into the fork. Do not edit by hand."


@dataclass(frozen=True)
class Lock:
    """The last integrated release.

    Attributes:
        version: the upstream release version.
        sha256: the sdist's sha256 (PyPI upstream), else None.
        upstream_commit: the upstream commit of the release tag (git upstream), else None.
        (The file spells None as "": TOML has no null.)
        vendor: vendor commit id; transformed: transformed commit id; fork: the fork
            branch commit that integrated it (all 40-hex).
        series: the fingerprint (sha256) of the patch series the transformed commit was
            built with, so a sync of the same release sees the series changed; "" in lock
            files written before forktool recorded it.
    """

    version: str
    sha256: str | None
    upstream_commit: str | None
    vendor: str
    transformed: str
    fork: str
    series: str = ""


def read(path: Path) -> Lock | None:
    """Return the lock at ``path``, or None when there is none.

    Raises:
        ConfigError: the file exists but is not a valid lock file (or not a file at all).
    """
    if not path.exists() and not path.is_symlink():
        return None
    where = path.name
    if not path.is_file():
        raise ConfigError(
            f"lock file {where} is not a file",
            f"move it away and restore the lock file from git (git checkout -- upstream/{where})",
        )
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            f"cannot read lock file {where}: {exc.strerror or exc}",
            "check the file's permissions",
        ) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"lock file {where} is not UTF-8 text",
            f"restore it from git (git checkout -- upstream/{where})",
        ) from exc
    try:
        doc = tomlkit.parse(text).unwrap()
    except tomlkit.exceptions.TOMLKitError as exc:
        raise ConfigError(
            f"lock file {where} is not valid TOML: {exc}",
            f"restore it from git (git checkout -- upstream/{where})",
        ) from exc
    fields = {f.replace("-", "_"): v for f, v in doc.items()}
    try:
        lock = Lock(**fields)
    except TypeError as exc:
        raise ConfigError(
            f"lock file {where} has unexpected or missing keys",
            f"restore it from git (git checkout -- upstream/{where})",
        ) from exc
    if not all(isinstance(v, str) for v in asdict(lock).values()):
        raise ConfigError(
            f"lock file {where}: every value must be a string",
            f"restore it from git (git checkout -- upstream/{where})",
        )
    lock = replace(lock, sha256=lock.sha256 or None, upstream_commit=lock.upstream_commit or None)
    try:
        Version(lock.version)
    except InvalidVersion as exc:
        raise ConfigError(
            f"lock file {where}: version {lock.version!r} is not a version",
            f"restore it from git (git checkout -- upstream/{where})",
        ) from exc
    for key in ("vendor", "transformed", "fork"):
        if not _SHA.match(str(getattr(lock, key))):
            raise ConfigError(
                f"lock file {where}: {key} is not a commit id",
                f"restore it from git (git checkout -- upstream/{where})",
            )
    return lock


def series_changed(lock: Lock, fingerprint: str) -> bool:
    """Whether the patch series (its ``fingerprint``, ``Series.fingerprint``) is not the
    one ``lock``'s release was built with: a sync of that same release then builds it
    again with the series as it is now and merges the difference (a patch added,
    backported, refreshed or dropped since). False for a lock file that predates the
    record (``series`` ""): its next release does it."""
    return bool(lock.series) and lock.series != fingerprint


def write(path: Path, lock: Lock) -> None:
    """Write ``lock`` to ``path`` atomically (temporary file, then rename)."""
    doc = tomlkit.document()
    doc.add(tomlkit.comment(_HEADER))
    for key, value in asdict(lock).items():
        doc[key.replace("_", "-")] = "" if value is None else value
    tmp = path.with_suffix(".lock.tmp")
    tmp.write_text(tomlkit.dumps(doc), encoding="utf-8")
    os.replace(tmp, path)
