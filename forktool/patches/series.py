"""Read ``patches/<name>/series``: the fork's patch series, in order.

One patch per line, a file name relative to ``patches/<name>/``: ``*.py`` is a codemod
patch (see :mod:`forktool.patches.api`), ``*.patch`` / ``*.diff`` a unified diff (``git
format-patch`` output accepted). ``#`` starts a comment; blank lines are ignored.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from forktool.errors import ConfigError
from forktool.model import PatchKind

_KINDS = {".py": PatchKind.CODEMOD, ".patch": PatchKind.DIFF, ".diff": PatchKind.DIFF}


@dataclass(frozen=True)
class PatchFile:
    """One entry of the series.

    Attributes:
        name: the file name as written in the series (e.g. ``add-greeting.py``).
        kind: codemod or diff, from the file name's suffix.
        path: absolute path of the patch file.
        data: its bytes, read once when the series is loaded.
    """

    name: str
    kind: PatchKind
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


def patch_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a patch file's name in ``patches/<upstream>/``, or None.

    A patch name is a plain file name that the series file can list: no ``/`` or ``\\``
    (it would land elsewhere), not empty, not starting with ``.`` (hidden, or ``..``), no
    ``#`` (it starts a comment in the series), no control character, no leading or
    trailing whitespace (the series strips it).
    """
    if not name:
        return "is empty"
    for char in ("/", "\\"):
        if char in name:
            return f"contains {char!r}: give a file name, not a path"
    if name.startswith("."):
        return "starts with '.'"
    if "#" in name:
        return "contains '#', which starts a comment in the series file"
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in name):
        return "contains a control character"
    if name != name.strip():
        return "starts or ends with whitespace"
    return None


def load(root: Path, name: str) -> Series:
    """Read the series of upstream ``name`` below the definition ``root``.

    A missing series file is an empty series.

    Raises:
        ConfigError: the series file is not a UTF-8 text file; ``patches/<name>/rr-cache``
            (where git's recorded resolutions are kept) is not a directory; a listed patch
            is missing, listed twice, escapes ``patches/<name>/``, or has an unknown suffix.
    """
    path = series_path(root, name)
    directory = path.parent
    _check_rerere_cache(directory, name)
    text = _read_series(path, name)
    if text is None:
        return Series(directory, ())
    where = f"patches/{name}/series"
    patches: list[PatchFile] = []
    seen: set[str] = set()
    for number, raw in enumerate(text.splitlines(), start=1):
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
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise ConfigError(
                f"{where}:{number}: cannot read {entry}: {exc.strerror or exc}",
                "check the file's permissions",
            ) from exc
        patches.append(PatchFile(entry, kind, file, data))
    return Series(directory, tuple(patches))


def _read_series(path: Path, name: str) -> str | None:
    """The series file's text, or None when there is none.

    Raises:
        ConfigError: it is not a file, cannot be read, or is not UTF-8.
    """
    where = f"patches/{name}/series"
    if not path.exists() and not path.is_symlink():
        return None
    if not path.is_file():
        raise ConfigError(
            f"{where} is not a file",
            "the series is a text file listing one patch per line; move what is there away",
        )
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{where} is not UTF-8 text (byte {exc.start})", "save it as UTF-8"
        ) from exc
    except OSError as exc:
        raise ConfigError(
            f"cannot read {where}: {exc.strerror or exc}", "check the file's permissions"
        ) from exc


def _check_rerere_cache(directory: Path, name: str) -> None:
    """Refuse a ``patches/<name>/rr-cache`` that is not a directory, before a sync starts:
    git's rerere would have nowhere to record resolutions (see ``sync.rerere_cache``)."""
    cache = directory / "rr-cache"
    if (cache.exists() or cache.is_symlink()) and not cache.is_dir():
        raise ConfigError(
            f"patches/{name}/rr-cache is not a directory",
            "forktool keeps git's recorded conflict resolutions there; move the file away",
        )


def write_entries(root: Path, name: str, entries: list[str]) -> None:
    """Rewrite the series' list of patches, keeping comment lines and blank lines.

    Entries no longer listed are dropped (their comment-only lines stay); new ones are
    appended at the end.
    """
    path = series_path(root, name)
    lines = (_read_series(path, name) or "").splitlines()
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
