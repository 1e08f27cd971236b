"""Read a source archive (sdist) into a :data:`~forktool.model.Tree`, in memory and safely.

Nothing is ever written to disk: members are read into :class:`~forktool.model.FileEntry`
objects, so a hostile archive cannot write outside a directory. It is still rejected when
it *would* be unsafe to unpack or to check out later (absolute or ``..`` paths, links that
leave the tree, device files, oversized members), because the tree ends up in a git
repository that people check out.

Rules, in the order they are applied:

- The format comes from the file name: ``.tar.gz``/``.tgz``, ``.tar.bz2``, ``.tar.xz``,
  ``.tar`` or ``.zip``. Compressed tars are decompressed up front (bounded), so a truncated
  stream is always noticed; a tar must end with its end-of-archive marker.
- Every member name must be relative, UTF-8, free of ``..``, backslashes, drive letters
  and control characters. ``.`` components and repeated slashes are dropped.
- Members with a ``.git`` component (a repository some releases carry inside, e.g. a test
  suite's submodule), or a component git takes for one (``.GIT``, ``.git.``, ``git~1``,
  ...), and symlinks named ``.gitmodules`` (or an alias of it) are left out: git refuses
  such paths in trees and on checkout (:func:`forktool.git.names.refused_component`).
  Their names are reported to the caller (``left_out``).
- All members must sit under one common top-level directory (``flask-3.1.3/``), which is
  stripped. Directories are implied by the files under them and are not entries.
- Regular files keep their executable bit (owner ``x``, as git does). Symlinks become
  ``FileEntry(data=target, symlink=True)`` and must resolve inside the tree even when
  followed through other symlinks. Hardlinks become copies of the member they point at,
  which must come earlier in the archive.
- Duplicate member names: **the last one wins**, as when ``tar -x`` or ``unzip`` overwrite
  (and as :meth:`tarfile.TarFile.getmember` answers). A path that is both a file and a
  directory, or a file below a file or symlink, is an error.
- Limits: :data:`MAX_FILE_SIZE` per member, :data:`MAX_TOTAL_SIZE` for all members,
  :data:`MAX_MEMBERS` entries.

Every problem raises :class:`~forktool.errors.SourceError` with a one-line message.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import re
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from forktool.errors import SourceError
from forktool.git.names import refused_component
from forktool.model import FileEntry, Tree

#: Largest single member, in bytes (100 MiB).
MAX_FILE_SIZE = 100 * 1024 * 1024
#: Largest sum of all members' sizes, in bytes (1 GiB); also bounds decompression.
MAX_TOTAL_SIZE = 1024 * 1024 * 1024
#: Most members (files, directories, links) one archive may hold.
MAX_MEMBERS = 100_000

#: Symlinks followed while resolving one link before it counts as a loop (Linux uses 40).
_MAX_SYMLINK_HOPS = 40
#: Room for tar headers and padding on top of MAX_TOTAL_SIZE when decompressing.
_TAR_OVERHEAD = 64 * 1024 * 1024

_UNSAFE_HINT = "refusing to unpack it; make sure the release really comes from upstream"
_CORRUPT_HINT = "download it again; if that keeps failing, the upstream file is broken"
_LARGE_HINT = "this is not a normal source archive; check the release URL"

_DRIVE = re.compile(r"^[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

_Opener = Callable[[io.BytesIO], io.BufferedIOBase]
# The caller closes what these return (``with``), hence the noqa.
_DECOMPRESSORS: dict[str, _Opener] = {
    ".tar.gz": lambda raw: gzip.GzipFile(fileobj=raw, mode="rb"),
    ".tgz": lambda raw: gzip.GzipFile(fileobj=raw, mode="rb"),
    ".tar.bz2": lambda raw: bz2.BZ2File(raw, mode="rb"),
    ".tar.xz": lambda raw: lzma.LZMAFile(raw, mode="rb"),  # noqa: SIM115
}

#: What the standard library raises on damaged input, across tarfile, zipfile and codecs.
_DAMAGED = (
    tarfile.TarError,
    zipfile.BadZipFile,
    EOFError,
    OSError,
    zlib.error,
    lzma.LZMAError,
    NotImplementedError,  # zipfile: unsupported compression method
)

SUPPORTED_SUFFIXES = (".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar", ".zip")


@dataclass(frozen=True)
class _Member:
    """One archive member before the top-level directory is stripped.

    ``kind`` is ``file``, ``dir``, ``symlink`` or ``hardlink``; ``data`` is the content
    (file) or the UTF-8 link target (symlink); ``link`` is a hardlink's target path parts.
    """

    name: str
    parts: tuple[str, ...]
    kind: str
    data: bytes = b""
    executable: bool = False
    link: tuple[str, ...] = ()


def archive_format(filename: str) -> str | None:
    """The archive suffix of ``filename`` that :func:`read_archive` reads, or None.

    Returns one of :data:`SUPPORTED_SUFFIXES`, matched case-insensitively.
    """
    lower = filename.lower()
    return next((s for s in SUPPORTED_SUFFIXES if lower.endswith(s)), None)


def read_archive(data: bytes, filename: str, left_out: list[str] | None = None) -> Tree:
    """Read a source archive held in memory into a tree, without touching the disk.

    Args:
        data: the whole archive file's bytes.
        filename: its file name (e.g. ``flask-3.1.3.tar.gz``); only the suffix is used,
            to pick the format (see :data:`SUPPORTED_SUFFIXES`), and for messages.
        left_out: when given, the member names left out (paths git refuses: ``.git``
            components and the like) are appended to it, in archive order.

    Returns:
        relative POSIX path (below the stripped top-level directory) -> file, sorted by
        path. Symlinks are ``FileEntry(data=<target as UTF-8>, symlink=True)``.

    Raises:
        SourceError: unsupported format; empty, truncated or corrupt archive; an unsafe
            member (see the module docstring); no single top-level directory; a member
            or the total over :data:`MAX_FILE_SIZE` / :data:`MAX_TOTAL_SIZE`.
    """
    suffix = archive_format(filename)
    if suffix is None:
        raise SourceError(
            f"archive {filename!r} is not in a format forktool reads",
            "use an archive ending in " + ", ".join(SUPPORTED_SUFFIXES),
        )
    if not data:
        raise SourceError(f"archive {filename!r} is empty", _CORRUPT_HINT)
    try:
        if suffix == ".zip":
            members = list(_zip_members(data, filename))
        else:
            members = list(_tar_members(_decompress(data, suffix, filename), filename))
    except _DAMAGED as exc:
        raise SourceError(
            f"archive {filename!r} is truncated or corrupt: {_one_line(exc)}", _CORRUPT_HINT
        ) from exc
    kept: list[_Member] = []
    for member in members:
        if not _refused_by_git(member):
            kept.append(member)
        elif left_out is not None:
            left_out.append(member.name)
    return _build_tree(kept, filename)


def _refused_by_git(member: _Member) -> bool:
    """True for a path git refuses to store (a ``.git`` component, in any case or NTFS/HFS+
    disguise, or a symlinked ``.gitmodules``); ``git update-index`` would drop it quietly."""
    return refused_component(member.parts, symlink=member.kind == "symlink") is not None


# -- reading members -----------------------------------------------------------------------


def _decompress(data: bytes, suffix: str, filename: str) -> bytes:
    """The plain tar bytes of a (possibly compressed) tar, refusing decompression bombs."""
    opener = _DECOMPRESSORS.get(suffix)
    if opener is None:
        return data
    limit = MAX_TOTAL_SIZE + _TAR_OVERHEAD
    with opener(io.BytesIO(data)) as stream:
        # Reading to the end also checks the stream's own CRC and end marker: a truncated
        # download fails here even when the tar inside happens to look complete.
        plain = stream.read(limit + 1)
    if len(plain) > limit:
        raise SourceError(f"archive {filename!r} unpacks to more than {_size(limit)}", _LARGE_HINT)
    return plain


def _tar_members(plain: bytes, filename: str) -> Iterator[_Member]:
    """Yield the members of an uncompressed tar, with file contents read."""
    fileobj = io.BytesIO(plain)
    total = 0
    with tarfile.open(
        fileobj=fileobj, mode="r:", encoding="utf-8", errors="surrogateescape"
    ) as tar:
        count = 0
        while (info := tar.next()) is not None:
            count = _count(count, filename)
            parts = _split_name(info.name, filename)
            if info.isreg():
                total = _check_size(info.name, info.size, total, filename)
                stop = info.offset_data + info.size
                if info.sparse is None and stop <= len(plain):
                    content = plain[info.offset_data : stop]  # what extractfile would read
                else:  # sparse, or cut short (extractfile raises)
                    extracted = tar.extractfile(info)
                    assert extracted is not None  # always a file object for regular members
                    content = extracted.read()
                # Owner-executable decides, as git does (mode 100755 vs 100644).
                yield _Member(info.name, parts, "file", content, bool(info.mode & 0o100))
            elif info.isdir():
                yield _Member(info.name, parts, "dir")
            elif info.issym():
                target = _checked_target(info.linkname, info.name, filename)
                yield _Member(info.name, parts, "symlink", target)
            elif info.islnk():
                link = _split_link(info.linkname, info.name, filename)
                yield _Member(info.name, parts, "hardlink", link=link)
            elif info.ischr() or info.isblk():
                raise _unsafe(filename, info.name, "is a device file")
            elif info.isfifo():
                raise _unsafe(filename, info.name, "is a FIFO")
            else:
                raise _unsafe(filename, info.name, f"has unsupported tar type {info.type!r}")
        # tarfile quietly stops at a damaged or missing header after the first one; a
        # complete tar ends with a zero block there (POSIX wants two; one is accepted).
        end = plain[tar.offset : tar.offset + tarfile.BLOCKSIZE]
        if end != tarfile.NUL * tarfile.BLOCKSIZE:
            raise SourceError(
                f"archive {filename!r} is truncated or corrupt after {count} members",
                _CORRUPT_HINT,
            )


def _zip_members(data: bytes, filename: str) -> Iterator[_Member]:
    """Yield the members of a zip file, with file contents read (CRC-checked)."""
    total = 0
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        count = 0
        for info in archive.infolist():
            count = _count(count, filename)
            parts = _split_name(info.filename, filename)
            if info.flag_bits & 0x1:
                raise SourceError(
                    f"archive {filename!r}: member {info.filename!r} is encrypted",
                    "forktool cannot read encrypted archives; check the release URL",
                )
            # Unix permission bits exist only when the zip was made on Unix.
            mode = info.external_attr >> 16 if info.create_system == 3 else 0
            if info.is_dir() or stat.S_ISDIR(mode):
                yield _Member(info.filename, parts, "dir")
                continue
            if stat.S_IFMT(mode) not in (0, stat.S_IFREG, stat.S_IFLNK):
                why = "is a FIFO" if stat.S_ISFIFO(mode) else "is a device file or socket"
                raise _unsafe(filename, info.filename, why)
            total = _check_size(info.filename, info.file_size, total, filename)
            with archive.open(info) as member:
                # The declared size bounds what zipfile returns; read one byte more anyway.
                content = member.read(MAX_FILE_SIZE + 1)
            _check_size(info.filename, len(content), 0, filename)
            if stat.S_ISLNK(mode):
                yield _Member(
                    info.filename, parts, "symlink", _zip_link_target(info, content, filename)
                )
            else:
                yield _Member(info.filename, parts, "file", content, bool(mode & 0o100))


def _count(count: int, filename: str) -> int:
    if count >= MAX_MEMBERS:
        raise SourceError(f"archive {filename!r} has more than {MAX_MEMBERS} members", _LARGE_HINT)
    return count + 1


def _check_size(name: str, size: int, total: int, filename: str) -> int:
    """Return ``total + size``, or raise when the member or the running total is too big."""
    if size > MAX_FILE_SIZE:
        raise SourceError(
            f"archive {filename!r}: member {name!r} is larger than {_size(MAX_FILE_SIZE)}",
            _LARGE_HINT,
        )
    if total + size > MAX_TOTAL_SIZE:
        raise SourceError(
            f"archive {filename!r} holds more than {_size(MAX_TOTAL_SIZE)} of files",
            _LARGE_HINT,
        )
    return total + size


# -- names and links -----------------------------------------------------------------------


def _split_name(name: str, filename: str) -> tuple[str, ...]:
    """Validate a member name and split it into path parts (``.`` and empty ones dropped)."""
    problem = _path_problem(name)
    if problem:
        raise _unsafe(filename, name, problem)
    parts = tuple(p for p in name.split("/") if p not in ("", "."))
    if ".." in parts:
        raise _unsafe(filename, name, "has a '..' component")
    return parts


def _path_problem(path: str) -> str | None:
    """Why ``path`` (a member name or link target) is unsafe as written, or None."""
    if path.startswith("/"):
        return "is an absolute path"
    if "\\" in path:
        return "has a backslash in its path"
    if _DRIVE.match(path):
        return "starts with a drive letter"
    if _CONTROL.search(path):
        return "has a control character in its path"
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:  # tarfile keeps undecodable bytes as surrogates
        return "is not valid UTF-8"
    return None


def _split_link(linkname: str, name: str, filename: str) -> tuple[str, ...]:
    """Split a hardlink's target (a member name, relative to the archive root)."""
    parts = tuple(p for p in linkname.split("/") if p not in ("", "."))
    if _path_problem(linkname) or ".." in parts or not parts:
        raise _unsafe(filename, name, f"is a hardlink to {linkname!r}, outside the archive")
    return parts


def _zip_link_target(info: zipfile.ZipInfo, content: bytes, filename: str) -> bytes:
    try:
        target = content.decode("utf-8")
    except UnicodeDecodeError:
        raise _unsafe(filename, info.filename, "is a symlink whose target is not UTF-8") from None
    return _checked_target(target, info.filename, filename)


def _checked_target(target: str, name: str, filename: str) -> bytes:
    """A symlink target as bytes, if it is relative and well-formed (escapes are checked later)."""
    if not target:
        raise _unsafe(filename, name, "is a symlink with an empty target")
    problem = _path_problem(target)
    if problem:
        raise _unsafe(filename, name, f"is a symlink to {target!r}, which {problem}")
    return target.encode("utf-8")


# -- building the tree ---------------------------------------------------------------------


def _build_tree(members: list[_Member], filename: str) -> Tree:
    """Strip the top-level directory, resolve links, check the shape; return the tree."""
    top = _top_directory(members, filename)
    files: dict[str, FileEntry] = {}
    dirs: set[str] = set()
    for member in members:
        path = "/".join(member.parts[1:])
        if member.kind == "dir":
            if path:
                dirs.add(path)
            continue
        if member.kind == "hardlink":
            if member.link[0] != top or len(member.link) < 2:
                raise _unsafe(filename, member.name, "is a hardlink to outside the tree")
            # Like tar: the link names the latest member so far with that name.
            target = files.get("/".join(member.link[1:]))
            if target is None or target.symlink:
                raise _unsafe(
                    filename, member.name, "is a hardlink to a regular file not before it"
                )
            files[path] = FileEntry(target.data, executable=target.executable)
        elif member.kind == "symlink":
            files[path] = FileEntry(member.data, symlink=True)
        else:
            files[path] = FileEntry(member.data, executable=member.executable)
    if not files:
        raise SourceError(f"archive {filename!r} contains no files", _CORRUPT_HINT)
    _check_shape(files, dirs, filename)
    _check_symlinks(files, filename)
    return dict(sorted(files.items()))


def _top_directory(members: list[_Member], filename: str) -> str:
    """The one top-level directory every member sits under."""
    if not members:
        raise SourceError(f"archive {filename!r} contains no files", _CORRUPT_HINT)
    tops = {m.parts[0] for m in members if m.parts}
    loose = [m.name for m in members if m.kind != "dir" and len(m.parts) < 2]
    if len(tops) != 1 or loose:
        found = ", ".join(repr(t) for t in sorted(tops)[:3])
        raise SourceError(
            f"archive {filename!r} does not have a single top-level directory (found {found})",
            "a source archive must unpack into one directory such as 'project-1.0/'",
        )
    return tops.pop()


def _check_shape(files: dict[str, FileEntry], dirs: set[str], filename: str) -> None:
    """Refuse paths that are both a file and a directory, or files below a file or link."""
    for path in files:
        if path in dirs:
            raise _unsafe(filename, path, "is both a directory and a file")
        parent = path
        while "/" in parent:
            parent = parent.rsplit("/", 1)[0]
            if parent in files:
                # A file below a symlink would be written through the link when unpacked.
                kind = "symlink" if files[parent].symlink else "file"
                raise _unsafe(filename, path, f"is below {parent!r}, which is a {kind}")


def _check_symlinks(files: dict[str, FileEntry], filename: str) -> None:
    """Refuse symlinks that resolve outside the tree, or loop, when followed like the OS does.

    Resolution follows symlinks met along the way (``a -> .`` then ``b -> a/../..``
    escapes although ``b``'s target alone does not look like it).
    """
    links = {path: entry.data.decode("utf-8") for path, entry in files.items() if entry.symlink}
    for path, target in links.items():
        resolved = path.split("/")[:-1]
        pending = list(reversed(target.split("/")))
        hops = 1
        while pending:
            part = pending.pop()
            if part in ("", "."):
                continue
            if part == "..":
                if not resolved:
                    raise _unsafe(filename, path, f"is a symlink to {target!r}, outside the tree")
                resolved.pop()
                continue
            resolved.append(part)
            inner = links.get("/".join(resolved))
            if inner is not None:
                hops += 1
                if hops > _MAX_SYMLINK_HOPS:
                    raise _unsafe(filename, path, "is a symlink loop")
                resolved.pop()
                pending.extend(reversed(inner.split("/")))


# -- small helpers -------------------------------------------------------------------------


def _unsafe(filename: str, name: str, why: str) -> SourceError:
    return SourceError(f"unsafe archive {filename!r}: member {name!r} {why}", _UNSAFE_HINT)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _size(size: int) -> str:
    """``size`` bytes for a message: ``100 MiB`` or ``1000 bytes``."""
    mib = 1024 * 1024
    return f"{size // mib} MiB" if size % mib == 0 else f"{size} bytes"
