"""Read ``patches/<name>/series``: the fork's patch series, in order.

One patch per line, a file name relative to ``patches/<name>/``: ``*.py`` is a codemod
patch (see :mod:`forktool.patchapi`), ``*.patch`` / ``*.diff`` a unified diff (``git
format-patch`` output accepted). ``#`` starts a comment; blank lines are ignored.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from forktool.errors import ConfigError

CODEMOD, DIFF = "codemod", "diff"
_KINDS = {".py": CODEMOD, ".patch": DIFF, ".diff": DIFF}


@dataclass(frozen=True)
class PatchFile:
    """One entry of the series.

    Attributes:
        name: the file name as written in the series (e.g. ``add-greeting.py``).
        kind: ``codemod`` or ``diff``.
        path: absolute path of the patch file.
        data: its bytes, read once when the series is loaded.
    """

    name: str
    kind: str
    path: Path
    data: bytes


@dataclass(frozen=True)
class Series:
    """The whole series of one upstream, in order."""

    directory: Path
    patches: tuple[PatchFile, ...]

    @property
    def fingerprint(self) -> str:
        """sha256 over every patch's name and bytes: changes whenever the series does."""
        digest = hashlib.sha256()
        for patch in self.patches:
            digest.update(patch.name.encode() + b"\0" + patch.data + b"\0")
        return digest.hexdigest()

    def index(self, name: str) -> int:
        """Position of patch ``name`` in the series.

        Raises:
            ConfigError: no such patch.
        """
        for position, patch in enumerate(self.patches):
            if patch.name == name:
                return position
        raise ConfigError(
            f"patch {name!r} is not in {self.directory / 'series'}",
            "list the series with 'forktool patch list'",
        )


def series_path(root: Path, name: str) -> Path:
    """``<root>/patches/<name>/series``."""
    return root / "patches" / name / "series"


def load(root: Path, name: str) -> Series:
    """Read the series of upstream ``name`` below the definition ``root``.

    A missing series file is an empty series.

    Raises:
        ConfigError: a listed patch is missing, listed twice, escapes ``patches/<name>/``,
            or has an unknown suffix.
    """
    path = series_path(root, name)
    directory = path.parent
    if not path.exists():
        return Series(directory, ())
    where = f"patches/{name}/series"
    patches: list[PatchFile] = []
    seen: set[str] = set()
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        entry = raw.split("#", 1)[0].strip()
        if not entry:
            continue
        kind = _KINDS.get(Path(entry).suffix)
        if kind is None:
            raise ConfigError(
                f"{where}:{number}: {entry!r} is neither a codemod (.py) nor a diff (.patch)",
                "rename the file or fix the line",
            )
        file = (directory / entry).resolve()
        if not file.is_relative_to(directory.resolve()):
            raise ConfigError(
                f"{where}:{number}: {entry!r} is outside patches/{name}/",
                "keep patches inside the series directory",
            )
        if not file.is_file():
            raise ConfigError(
                f"{where}:{number}: {entry} is listed but does not exist",
                f"add patches/{name}/{entry} or remove the line",
            )
        if entry in seen:
            raise ConfigError(f"{where}:{number}: {entry} is listed twice", "remove one line")
        seen.add(entry)
        patches.append(PatchFile(entry, kind, file, file.read_bytes()))
    return Series(directory, tuple(patches))


def write_entries(root: Path, name: str, entries: list[str]) -> None:
    """Rewrite the series' list of patches, keeping comment lines and blank lines.

    Entries no longer listed are dropped (their comment-only lines stay); new ones are
    appended at the end.
    """
    path = series_path(root, name)
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    wanted = list(entries)
    kept: list[str] = []
    for raw in lines:
        entry = raw.split("#", 1)[0].strip()
        if not entry:
            kept.append(raw)
        elif entry in wanted:
            kept.append(raw)
            wanted.remove(entry)
    kept.extend(wanted)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")
