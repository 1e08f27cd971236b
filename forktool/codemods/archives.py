"""Archives in the tree (``tests/eggs/basic.egg``, a wheel, a ``.pyz``, a tarball): rewritten.

:func:`rewrite_archive` renames the members of a zip-based archive (``.zip``, ``.egg``,
``.whl``, ``.pyz``, ``.jar``) or a tarball with the per-file transform the caller passes in
(the one ordinary files get), then repacks it deterministically:

- zip: the same member order, names renamed as tree paths are (relative to the archive's
  top), each member's date and time, permissions (``external_attr``), compression method,
  extra fields and comment, the archive comment and anything before the first member (a
  ``.pyz``'s ``#!`` line) kept; a wheel's ``RECORD`` gets the new hash and size of every
  member that changed and the new names, and the wheel's file name follows its renamed
  ``.dist-info`` folder;
- tar: the same member order, mtime, mode, owner and group (ids and names), the same tar
  flavour (GNU or POSIX) and the same compression (gzip keeps its header's mtime and file
  name; bz2 its block size; xz its integrity check; legacy ``.lzma``).

The same input gives the same bytes; an archive none of whose members changes is returned
as it came. What cannot be rewritten is carried over unchanged and reported as
``unparseable`` leftovers (:func:`archive_leftovers`): an archive over the reading limits
(member count, member size), with an encrypted member or a compression method the standard
library cannot write, or that cannot be read. Compiled modules (``.pyc``) and archives nested
in an archive are never rewritten: they are reported when they mention an old name.
Reading is bounded (member count and size) so a hostile archive cannot exhaust memory.

Everything here is pure: bytes in, bytes and leftovers out.
"""

from __future__ import annotations

import base64
import bz2
import copy
import csv
import dataclasses
import gzip
import hashlib
import io
import lzma
import posixpath
import re
import stat
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from typing import NamedTuple

from forktool.codemods.leftovers import UNPARSEABLE
from forktool.codemods.names import rename_dist, word_re
from forktool.codemods.paths import rename_path
from forktool.model import FileEntry, Leftover, RenameMap

ZIP_SUFFIXES = (".zip", ".egg", ".whl", ".jar", ".pyz")
TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".txz", ".tar.lzma")
#: Compiled modules: their code cannot be rewritten, only reported.
COMPILED_SUFFIXES = (".pyc", ".pyo")
_MAX_MEMBERS = 2000
_MAX_MEMBER_SIZE = 2 * 1024 * 1024
_MAX_TEXT = 200
_ZIP_METHODS = frozenset(
    {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
)
_ZIP64_EXTRA = 0x0001
_ENCRYPTED = 0x1
_READ_ERRORS = (
    zipfile.BadZipFile,
    tarfile.TarError,
    OSError,
    EOFError,
    ValueError,  # also UnicodeDecodeError
    zlib.error,
    lzma.LZMAError,
    NotImplementedError,  # a compression method zipfile cannot read
    RuntimeError,  # zipfile: "File is encrypted"
    struct.error,
)

# Why an archive was carried over (the text of its ``unparseable`` leftover).
NOT_REWRITTEN = "archive not rewritten: {why}"
TOO_MANY_MEMBERS = f"more than {_MAX_MEMBERS} members"
MEMBER_TOO_LARGE = "member {name} larger than 2 MiB"
MEMBER_ENCRYPTED = "member {name} is encrypted"
METHOD_UNSUPPORTED = "member {name} uses compression method {method}"
SPARSE_MEMBER = "member {name} is a sparse file"
NAMES_COLLIDE = "renamed member {name} collides with another member"
UNREADABLE = "unreadable archive"
# What is reported of a member that is never rewritten.
COMPILED = "{name}: compiled code naming an old package, not rewritten"
NESTED = "{name}: nested archive, not rewritten: {text}"


class MemberOutcome(NamedTuple):
    """One member after the per-file transform.

    Attributes:
        path: its new path inside the archive.
        entry: its new content (the input entry itself when nothing changed).
        leftovers: old-name occurrences left in it, with paths inside the archive.
    """

    path: str
    entry: FileEntry
    leftovers: tuple[Leftover, ...]


#: The per-file transform: (member path, member, rename map for members) -> outcome.
#: Must not raise.
RenameMember = Callable[[str, FileEntry, RenameMap], MemberOutcome]


class ArchiveOutcome(NamedTuple):
    """An archive after :func:`rewrite_archive`.

    Attributes:
        path: its path in the transformed tree (``new_path``, or a wheel's file name
            following its renamed ``.dist-info`` folder).
        data: its new bytes (the input bytes themselves when nothing changed).
        leftovers: old-name occurrences left in it (``other-file`` leftovers of the
            archive, line 0, text ``member:line: text``).
    """

    path: str
    data: bytes
    leftovers: tuple[Leftover, ...]


class _NotRewritable(Exception):
    """The archive is carried over as it is; the message says why."""


def is_archive(path: str) -> bool:
    """True for a zip or tar archive, judged by its name."""
    return path.lower().endswith(ZIP_SUFFIXES + TAR_SUFFIXES)


def member_map(rename: RenameMap) -> RenameMap:
    """The rename map for paths inside an archive: the archive's top is the only root.

    Package roots found in the tree (``RenameMap.roots``) are folders of the tree, not of
    the archive; ``src/`` and ``site-packages/`` at the archive's top still count.
    """
    return dataclasses.replace(rename, roots=())


def rewrite_archive(
    new_path: str, data: bytes, rename: RenameMap, rename_member: RenameMember
) -> ArchiveOutcome:
    """Rename the members of one archive and repack it (see the module docstring).

    Args:
        new_path: the archive's path in the transformed tree (its leftovers' path).
        data: its bytes.
        rename: the rename map of the tree; members get :func:`member_map` of it.
        rename_member: the per-file transform, applied to every regular member within the
            limits except ``.pyc`` files, nested archives and a wheel's ``RECORD``.

    Returns:
        An :class:`ArchiveOutcome`; ``data`` itself when no member changes or the archive
        cannot be rewritten (then with :func:`archive_leftovers` and one leftover saying
        why). Never raises.
    """
    inner = member_map(rename)
    try:
        if new_path.lower().endswith(ZIP_SUFFIXES):
            new_data, leftovers, renamed = _rewrite_zip(new_path, data, inner, rename_member)
        else:
            new_data, leftovers, renamed = _rewrite_tar(new_path, data, inner, rename_member)
    except _NotRewritable as reason:
        return _carried_over(new_path, data, rename, str(reason))
    except Exception as error:  # truncated, hostile or odd archives are data: never fatal
        what = "read" if isinstance(error, _READ_ERRORS) else "repacked"
        return _carried_over(
            new_path, data, rename, f"it cannot be {what} ({type(error).__name__})"
        )
    if new_data is None:
        return ArchiveOutcome(new_path, data, tuple(leftovers))
    return ArchiveOutcome(_wheel_name(new_path, renamed, rename), new_data, tuple(leftovers))


def _carried_over(new_path: str, data: bytes, rename: RenameMap, why: str) -> ArchiveOutcome:
    """The archive unchanged, its members that name an old package reported, and, when
    something in it is seen to name one (members read, or the raw bytes of members stored
    uncompressed), one leftover saying why it was not rewritten."""
    found = archive_leftovers(new_path, data, rename)
    unreadable = any(item.text == UNREADABLE for item in found)  # that says why already
    if not unreadable and (found or word_re(rename).search(data.decode("latin-1"))):
        text = NOT_REWRITTEN.format(why=why)[:_MAX_TEXT]
        found.append(Leftover(new_path, 0, "other-file", UNPARSEABLE, text))
    return ArchiveOutcome(new_path, data, tuple(found))


def archive_leftovers(path: str, data: bytes, rename: RenameMap) -> list[Leftover]:
    """One leftover per archive member that mentions an old package name.

    The report of an archive that is not rewritten.

    Args:
        path: the archive's path in the transformed tree.
        data: its bytes.
        rename: the rename map.

    Returns:
        Leftovers of kind ``other-file``, reason ``unparseable``, line 0, with the member
        name and the first matching line as text. An archive that cannot be read gives
        one leftover saying so if its raw bytes mention an old name. Members over the
        limits, encrypted or compressed with a method the standard library cannot read are
        skipped. Never raises.
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
    except Exception:  # noqa: BLE001  (any archive is data: reading it is never fatal)
        if pattern.search(data.decode("latin-1")):
            found.append(Leftover(path, 0, "other-file", UNPARSEABLE, UNREADABLE))
    return found


def _members(path: str, data: bytes) -> Iterator[tuple[str, bytes]]:
    if path.lower().endswith(ZIP_SUFFIXES):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in archive.infolist()[:_MAX_MEMBERS]:
                if (
                    not info.is_dir()
                    and info.file_size <= _MAX_MEMBER_SIZE
                    and not info.flag_bits & _ENCRYPTED
                    and info.compress_type in _ZIP_METHODS
                ):
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


# --- one member ----------------------------------------------------------------------------


class _Member(NamedTuple):
    """A member's new name and, when its content changed, its new bytes."""

    name: str
    data: bytes | None
    leftovers: list[Leftover]


def _rename_member(
    archive_path: str,
    name: str,
    content: bytes,
    executable: bool,
    rename: RenameMap,
    rename_member: RenameMember,
) -> _Member:
    """A regular member: compiled and nested archives reported, anything else transformed."""
    new_name = rename_path(name, rename)
    if name.lower().endswith(COMPILED_SUFFIXES):
        if not _names_compiled(content, rename):
            return _Member(new_name, None, [])
        text = COMPILED.format(name=new_name)
        return _Member(new_name, None, [_leftover(archive_path, text, UNPARSEABLE)])
    if is_archive(name):
        nested = archive_leftovers(new_name, content, rename)
        texts = [NESTED.format(name=new_name, text=item.text) for item in nested]
        return _Member(new_name, None, [_leftover(archive_path, t, UNPARSEABLE) for t in texts])
    entry = FileEntry(content, executable=executable)
    outcome = rename_member(name, entry, rename)
    leftovers = [
        _leftover(archive_path, _where(item) + item.text.strip(), item.reason, item.kind)
        for item in outcome.leftovers
    ]
    new_data = None if outcome.entry.data == content else outcome.entry.data
    return _Member(outcome.path, new_data, leftovers)


def _names_compiled(content: bytes, rename: RenameMap) -> bool:
    """Whether compiled code holds an old top-level name: marshal writes a string's length
    before it and the next object's type code (often a letter) right after it, so only the
    start of the name is matched as a word's."""
    tops = {old.split(".")[0] for old in rename.packages}
    return any(re.search(rb"(?<![A-Za-z0-9_])" + re.escape(top.encode()), content) for top in tops)


def _where(item: Leftover) -> str:
    return f"{item.path}:{item.line}: " if item.line else f"{item.path}: "


def _leftover(archive_path: str, text: str, reason: str, kind: str = "other-file") -> Leftover:
    return Leftover(archive_path, 0, kind, reason, text[:_MAX_TEXT])


# --- zip -----------------------------------------------------------------------------------


def _rewrite_zip(
    path: str, data: bytes, rename: RenameMap, rename_member: RenameMember
) -> tuple[bytes | None, list[Leftover], bool]:
    """(new bytes or None when nothing changed, leftovers, a ``.dist-info`` was renamed)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
        _check_zip(infos)
        members: list[_Member] = []
        records: list[int] = []
        for index, info in enumerate(infos):
            if info.is_dir():
                new_dir = rename_path(info.filename.rstrip("/"), rename) + "/"
                members.append(_Member(new_dir, None, []))
            elif stat.S_ISLNK(info.external_attr >> 16):  # its content is the link's target
                members.append(_Member(rename_path(info.filename, rename), None, []))
            elif _is_record(info.filename):
                records.append(index)
                members.append(_Member(rename_path(info.filename, rename), None, []))
            else:
                executable = bool((info.external_attr >> 16) & 0o111)
                content = archive.read(info)
                members.append(
                    _rename_member(path, info.filename, content, executable, rename, rename_member)
                )
        changed = any(
            member.data is not None or member.name != info.filename
            for member, info in zip(members, infos, strict=True)
        )
        leftovers = [item for member in members for item in member.leftovers]
        if not changed:
            return None, leftovers, False
        _check_names([member.name for member in members])
        for index in records:
            members[index] = _new_record(archive, infos, members, index, rename)
        return (
            _write_zip(data, archive, infos, members),
            leftovers,
            _renames_dist_info(infos, members),
        )


def _check_zip(infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > _MAX_MEMBERS:
        raise _NotRewritable(TOO_MANY_MEMBERS)
    for info in infos:
        if info.file_size > _MAX_MEMBER_SIZE:
            raise _NotRewritable(MEMBER_TOO_LARGE.format(name=info.filename))
        if info.flag_bits & _ENCRYPTED:
            raise _NotRewritable(MEMBER_ENCRYPTED.format(name=info.filename))
        if info.compress_type not in _ZIP_METHODS:
            method = info.compress_type
            raise _NotRewritable(METHOD_UNSUPPORTED.format(name=info.filename, method=method))


def _check_names(names: list[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise _NotRewritable(NAMES_COLLIDE.format(name=name))
        seen.add(name)


def _write_zip(
    data: bytes, archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], members: list[_Member]
) -> bytes:
    """The archive written anew: unchanged members re-read, every header field kept."""
    # Bytes before the first member (a ``.pyz``'s ``#!`` line) stay in front, as zipapp
    # writes them.
    start = min((info.header_offset for info in infos), default=0)
    out = io.BytesIO()
    out.write(data[:start])
    with zipfile.ZipFile(out, "w") as new:
        for info, member in zip(infos, members, strict=True):
            content = member.data if member.data is not None else archive.read(info)
            header = _copy_zip_info(info, member.name)
            new.writestr(header, content)
            # Fields only the central directory holds, which writing may have defaulted.
            header.external_attr = info.external_attr
            header.create_system = info.create_system
        new.comment = archive.comment
    return out.getvalue()


def _copy_zip_info(info: zipfile.ZipInfo, name: str) -> zipfile.ZipInfo:
    new = zipfile.ZipInfo(name, info.date_time)
    new.compress_type = info.compress_type
    new.comment = info.comment
    new.extra = _without_zip64(info.extra)
    new.create_system = info.create_system
    new.create_version = info.create_version
    new.extract_version = info.extract_version
    new.internal_attr = info.internal_attr
    new.external_attr = info.external_attr
    return new


def _without_zip64(extra: bytes) -> bytes:
    """Extra fields minus the zip64 one, which zipfile writes itself when needed."""
    kept = []
    offset = 0
    while offset + 4 <= len(extra):
        kind, size = struct.unpack("<HH", extra[offset : offset + 4])
        end = offset + 4 + size
        if kind != _ZIP64_EXTRA:
            kept.append(extra[offset:end])
        offset = end
    kept.append(extra[offset:])  # a malformed tail is kept as it was
    return b"".join(kept)


# --- wheels ----------------------------------------------------------------------------------


def _is_record(name: str) -> bool:
    parent, base = posixpath.split(name)
    return base == "RECORD" and parent.endswith(".dist-info") and "/" not in parent


def _new_record(
    archive: zipfile.ZipFile,
    infos: list[zipfile.ZipInfo],
    members: list[_Member],
    index: int,
    rename: RenameMap,
) -> _Member:
    """A wheel's ``RECORD`` with the new name, hash and size of every changed member.

    Rows of unchanged members stay as they were, byte for byte; a row naming a file not
    in the archive gets its path renamed only.
    """
    by_name = {info.filename: (info, member) for info, member in zip(infos, members, strict=True)}
    text = archive.read(infos[index]).decode("utf-8")
    lines = []
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        ending = line[len(body) :]
        rows = list(csv.reader([body]))
        if not rows or not rows[0]:
            lines.append(line)
            continue
        row = rows[0]
        found = by_name.get(row[0])
        if found is None:
            new_row = [rename_path(row[0], rename), *row[1:]]
        elif found[1].data is None and found[1].name == row[0]:
            lines.append(line)
            continue
        elif len(row) >= 3 and row[1]:
            info, member = found
            content = member.data if member.data is not None else archive.read(info)
            new_row = [member.name, _record_hash(row[1], content), str(len(content)), *row[3:]]
        else:
            new_row = [found[1].name, *row[1:]]
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="").writerow(new_row)
        lines.append(buffer.getvalue() + ending)
    new_text = "".join(lines)
    old = members[index]
    new_data = None if new_text == text else new_text.encode("utf-8")
    return _Member(old.name, new_data, old.leftovers)


def _record_hash(old: str, content: bytes) -> str:
    """``sha256=<urlsafe base64, no padding>`` with the algorithm ``old`` names."""
    algorithm = old.partition("=")[0] or "sha256"
    digest = hashlib.new(algorithm, content).digest()
    return algorithm + "=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _renames_dist_info(infos: list[zipfile.ZipInfo], members: list[_Member]) -> bool:
    return any(
        info.filename.split("/", 1)[0].endswith(".dist-info")
        and member.name.split("/", 1)[0] != info.filename.split("/", 1)[0]
        for info, member in zip(infos, members, strict=True)
    )


def _wheel_name(path: str, renamed_dist_info: bool, rename: RenameMap) -> str:
    """A wheel's file name names its distribution as its ``.dist-info`` folder does
    (pip refuses a wheel where they differ): renamed with it."""
    folder, name = posixpath.split(path)
    if not renamed_dist_info or not name.lower().endswith(".whl") or "-" not in name:
        return path
    dist, rest = name.split("-", 1)
    new = rename_dist(dist, rename)
    if new is None:
        return path
    return posixpath.join(folder, new.replace("-", "_") + "-" + rest)


# --- tar -----------------------------------------------------------------------------------


class _Compression(NamedTuple):
    """How a tarball is compressed, enough to compress it again the same way."""

    kind: str  # "", "gz", "bz2", "xz", "lzma"
    name: str = ""  # gzip: the file name in its header
    mtime: int = 0  # gzip: the mtime in its header
    level: int = 9  # gzip, bz2
    check: int = lzma.CHECK_CRC64  # xz


def _rewrite_tar(
    path: str, data: bytes, rename: RenameMap, rename_member: RenameMember
) -> tuple[bytes | None, list[Leftover], bool]:
    """One streaming pass: every member read, transformed and written in order."""
    compression = _compression(data)
    out = io.BytesIO()
    leftovers: list[Leftover] = []
    changed = False
    names: list[str] = []
    renamed: dict[str, str] = {}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as source:
        tar_format = _tar_format(_head(data, compression))
        pax = source.pax_headers if tar_format == tarfile.PAX_FORMAT else None
        with (
            _compressor(out, compression) as sink,
            tarfile.open(
                fileobj=sink,
                mode="w",
                format=tar_format,
                pax_headers=pax,
                encoding=source.encoding,
                errors=source.errors,
            ) as target,
        ):
            for count, member in enumerate(source):
                if count >= _MAX_MEMBERS:
                    raise _NotRewritable(TOO_MANY_MEMBERS)
                new, content, found = _tar_member(
                    path, source, member, rename, rename_member, renamed
                )
                leftovers += found
                changed |= (
                    new.name != member.name
                    or new.linkname != member.linkname
                    or (content is not None and content.changed)
                )
                names.append(new.name)
                target.addfile(new, None if content is None else io.BytesIO(content.data))
    if not changed:
        return None, leftovers, False
    _check_names(names)
    return out.getvalue(), leftovers, False


class _Content(NamedTuple):
    data: bytes
    changed: bool


def _tar_member(
    path: str,
    source: tarfile.TarFile,
    member: tarfile.TarInfo,
    rename: RenameMap,
    rename_member: RenameMember,
    renamed: dict[str, str],
) -> tuple[tarfile.TarInfo, _Content | None, list[Leftover]]:
    """The member's new header, its content (None: a member without data), leftovers."""
    if member.issparse():
        raise _NotRewritable(SPARSE_MEMBER.format(name=member.name))
    new = copy.copy(member)
    # tarfile writes these from the fields; stale copies would override them.
    new.pax_headers = {
        key: value
        for key, value in member.pax_headers.items()
        if key not in ("path", "linkpath", "size")
    }
    if member.islnk():  # a hard link names another member
        new.linkname = renamed.get(member.linkname, member.linkname)
    if not member.isfile():
        new.name = rename_path(member.name, rename)
        renamed[member.name] = new.name
        return new, None, []
    if member.size > _MAX_MEMBER_SIZE:
        raise _NotRewritable(MEMBER_TOO_LARGE.format(name=member.name))
    extracted = source.extractfile(member)
    content = b"" if extracted is None else extracted.read(_MAX_MEMBER_SIZE)
    executable = bool(member.mode & 0o111)
    result = _rename_member(path, member.name, content, executable, rename, rename_member)
    new.name = result.name
    renamed[member.name] = new.name
    if result.data is None:
        return new, _Content(content, False), result.leftovers
    new.size = len(result.data)
    return new, _Content(result.data, True), result.leftovers


def _compression(data: bytes) -> _Compression:
    """The compression of a tarball, from its magic bytes and header."""
    if data[:2] == b"\x1f\x8b":
        return _gzip_header(data)
    if data[:3] == b"BZh" and data[3:4].isdigit():
        return _Compression("bz2", level=int(data[3:4]))
    if data[:6] == b"\xfd7zXZ\x00":
        return _Compression("xz", check=data[7] & 0x0F)
    if data[:1] == b"\x5d" and _is_lzma_alone(data):  # a legacy .lzma stream's usual start
        return _Compression("lzma")
    return _Compression("")


def _is_lzma_alone(data: bytes) -> bool:
    """Whether ``data`` is a legacy ``.lzma`` stream holding a tarball (not an uncompressed
    tarball whose first member is named ``]...``)."""
    try:
        head = lzma.LZMADecompressor(format=lzma.FORMAT_ALONE).decompress(
            data[: 64 * 1024], tarfile.BLOCKSIZE
        )
        tarfile.TarInfo.frombuf(head, "utf-8", "surrogateescape")
    except (lzma.LZMAError, tarfile.TarError):
        return False
    return True


def _gzip_header(data: bytes) -> _Compression:
    """A gzip member's header fields (RFC 1952): mtime, file name, compression level."""
    flags = data[3]
    mtime = int.from_bytes(data[4:8], "little")
    level = {2: 9, 4: 1}.get(data[8], 6)  # XFL: maximum or fastest compression
    offset = 10
    if flags & 0x04:  # FEXTRA
        offset += 2 + int.from_bytes(data[offset : offset + 2], "little")
    name = ""
    if flags & 0x08:  # FNAME
        end = data.index(b"\0", offset)
        name = data[offset:end].decode("latin-1")
    return _Compression("gz", name=name, mtime=mtime, level=level)


def _head(data: bytes, compression: _Compression) -> bytes:
    """The first tar block, decompressed (no more than that)."""
    if compression.kind == "gz":
        return zlib.decompressobj(wbits=31).decompress(data, tarfile.BLOCKSIZE)
    if compression.kind == "bz2":
        return bz2.BZ2Decompressor().decompress(data, tarfile.BLOCKSIZE)
    if compression.kind in ("xz", "lzma"):
        return lzma.LZMADecompressor().decompress(data, tarfile.BLOCKSIZE)
    return data[: tarfile.BLOCKSIZE]


def _tar_format(head: bytes) -> int:
    """POSIX for a ustar magic (pax and plain ustar alike: the pax writer adds extended
    headers only where ustar cannot hold a field), else GNU (GNU tar, old v7 archives)."""
    magic = head[257:265]
    if magic.startswith(b"ustar") and magic != tarfile.GNU_MAGIC:
        return tarfile.PAX_FORMAT
    return tarfile.GNU_FORMAT


def _compressor(out: io.BytesIO, compression: _Compression) -> io.BufferedIOBase:
    """A file writing into ``out`` compressed as ``compression`` says, deterministically."""
    kind = compression.kind
    if kind == "gz":
        return gzip.GzipFile(
            filename=compression.name,
            mode="wb",
            fileobj=out,
            compresslevel=compression.level,
            mtime=compression.mtime,
        )
    if kind == "bz2":
        return bz2.BZ2File(out, "wb", compresslevel=compression.level)
    if kind == "xz":
        return lzma.LZMAFile(out, "wb", format=lzma.FORMAT_XZ, check=compression.check)
    if kind == "lzma":
        return lzma.LZMAFile(out, "wb", format=lzma.FORMAT_ALONE)
    return _Unclosed(out)


class _Unclosed(io.BufferedIOBase):
    """``out`` itself for an uncompressed tarball, left open when the writer closes."""

    def __init__(self, out: io.BytesIO) -> None:
        super().__init__()
        self._out = out

    def write(self, data: bytes) -> int:  # type: ignore[override]
        return self._out.write(data)

    def writable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._out.tell()
