"""Archives in the tree (test fixtures such as ``eggs/basic.egg``): reported, not rewritten.

An archive holding code that names the old package (a zipped egg imported by a test) cannot
be renamed in place safely, so it is carried over unchanged and every member that mentions
an old name becomes an ``unparseable`` leftover, telling the maintainer to regenerate it.
Reading is bounded (member count and size) so a hostile archive cannot exhaust memory.
"""

from __future__ import annotations

import io
import tarfile
import zipfile
from collections.abc import Iterator

from forktool.codemods.leftovers import UNPARSEABLE
from forktool.codemods.names import word_re
from forktool.model import Leftover, RenameMap

ZIP_SUFFIXES = (".zip", ".egg", ".whl", ".jar", ".pyz")
TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz")
_MAX_MEMBERS = 2000
_MAX_MEMBER_SIZE = 2 * 1024 * 1024
_MAX_TEXT = 200


def is_archive(path: str) -> bool:
    """True for a zip or tar archive, judged by its name."""
    return path.lower().endswith(ZIP_SUFFIXES + TAR_SUFFIXES)


def archive_leftovers(path: str, data: bytes, rename: RenameMap) -> list[Leftover]:
    """One leftover per archive member that mentions an old package name.

    Args:
        path: the archive's path in the transformed tree.
        data: its bytes.
        rename: the rename map.

    Returns:
        Leftovers of kind ``other-file``, reason ``unparseable``, line 0, with the member
        name and the first matching line as text. An archive that cannot be read gives
        one leftover saying so if its raw bytes mention an old name. Never raises.
    """
    pattern = word_re(rename)
    found: list[Leftover] = []
    try:
        for member, content in _members(path, data):
            text = content.decode("utf-8", "replace")
            line = next(
                (line for line in text.splitlines() if pattern.search(line)),
                "" if pattern.search(member) is None else member,
            )
            if line:
                excerpt = f"{member}: {line.strip()}"[:_MAX_TEXT]
                found.append(Leftover(path, 0, "other-file", UNPARSEABLE, excerpt))
    except (zipfile.BadZipFile, tarfile.TarError, OSError, EOFError, ValueError):
        if pattern.search(data.decode("latin-1")):
            found.append(Leftover(path, 0, "other-file", UNPARSEABLE, "unreadable archive"))
    return found


def _members(path: str, data: bytes) -> Iterator[tuple[str, bytes]]:
    if path.lower().endswith(ZIP_SUFFIXES):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in archive.infolist()[:_MAX_MEMBERS]:
                if not info.is_dir() and info.file_size <= _MAX_MEMBER_SIZE:
                    yield info.filename, archive.read(info)
        return
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        for count, member in enumerate(archive):
            if count >= _MAX_MEMBERS:
                break
            if member.isfile() and member.size <= _MAX_MEMBER_SIZE:
                extracted = archive.extractfile(member)
                if extracted is not None:
                    yield member.name, extracted.read(_MAX_MEMBER_SIZE)
