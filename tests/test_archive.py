"""Tests for forktool.upstream.archive: real archives built in memory, good and hostile."""

from __future__ import annotations

import io
import stat
import tarfile
import zipfile
from typing import Literal

import pytest

from forktool.errors import SourceError
from forktool.model import FileEntry
from forktool.upstream import archive
from forktool.upstream.archive import read_archive
from tests.indexserver import build_sdist

# -- helpers -------------------------------------------------------------------------------


def make_tar(
    members: list[tarfile.TarInfo | tuple[str, bytes]], mode: Literal["w", "w:gz"] = "w:gz"
) -> bytes:
    """A tar with the given members: a TarInfo as is (no data), or (name, data) files."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as tar:
        for member in members:
            if isinstance(member, tarfile.TarInfo):
                tar.addfile(member)
            else:
                name, data = member
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def tar_info(name: str, kind: bytes, linkname: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    return info


def make_zip(members: list[tuple[str, bytes, int]]) -> bytes:
    """A zip made on "Unix" with (name, data, st_mode) members."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data, mode in members:
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.create_system = 3
            info.external_attr = mode << 16
            zf.writestr(info, data)
    return buffer.getvalue()


def rejected(data: bytes, filename: str = "p-1.0.tar.gz") -> SourceError:
    """The SourceError read_archive raises; checks it is one line with a one-line hint."""
    with pytest.raises(SourceError) as caught:
        read_archive(data, filename)
    error = caught.value
    assert "\n" not in error.message and error.message
    assert "\n" not in error.hint and error.hint
    return error


# -- reading good archives -----------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["tar.gz", "tgz", "tar.bz2", "tar.xz", "tar", "zip"])
def test_reads_every_format_and_strips_top_directory(fmt: str) -> None:
    data = build_sdist(
        "flask-3.1.3",
        {"pyproject.toml": "[project]\n", "src/flask/app.py": b"app = 1\n", "bin/run": "#!\n"},
        fmt=fmt,
        executable={"bin/run"},
    )
    tree = read_archive(data, f"flask-3.1.3.{fmt}")
    assert tree == {
        "bin/run": FileEntry(b"#!\n", executable=True),
        "pyproject.toml": FileEntry(b"[project]\n"),
        "src/flask/app.py": FileEntry(b"app = 1\n"),
    }
    assert list(tree) == sorted(tree)


def test_suffix_is_case_insensitive() -> None:
    data = build_sdist("p-1", {"a": "1"}, fmt="zip")
    assert read_archive(data, "P-1.ZIP") == {"a": FileEntry(b"1")}


def test_directories_are_implied_and_dot_components_dropped() -> None:
    data = make_tar(
        [
            tar_info("./p-1.0", tarfile.DIRTYPE),
            tar_info("./p-1.0/empty", tarfile.DIRTYPE),
            ("./p-1.0//src/./m.py", b"x"),
        ]
    )
    assert read_archive(data, "p-1.0.tar.gz") == {"src/m.py": FileEntry(b"x")}


def test_only_owner_executable_bit_counts_like_git() -> None:
    group_only = tarfile.TarInfo("p/g")
    group_only.mode = 0o654
    owner = tarfile.TarInfo("p/o")
    owner.mode = 0o744
    tree = read_archive(make_tar([group_only, owner]), "p.tar.gz")
    assert tree == {"g": FileEntry(b""), "o": FileEntry(b"", executable=True)}


def test_symlinks_inside_the_tree_are_kept() -> None:
    data = make_tar(
        [
            ("p/docs/index.rst", b"hi"),
            tar_info("p/README", tarfile.SYMTYPE, "docs/index.rst"),
            tar_info("p/docs/up", tarfile.SYMTYPE, "../README"),
            tar_info("p/dangling", tarfile.SYMTYPE, "not/there"),
        ]
    )
    tree = read_archive(data, "p.tar.gz")
    assert tree["README"] == FileEntry(b"docs/index.rst", symlink=True)
    assert tree["docs/up"] == FileEntry(b"../README", symlink=True)
    assert tree["dangling"] == FileEntry(b"not/there", symlink=True)


def test_zip_symlink_is_kept() -> None:
    data = make_zip([("p/a", b"A", 0o100644), ("p/l", b"a", stat.S_IFLNK | 0o777)])
    assert read_archive(data, "p.zip")["l"] == FileEntry(b"a", symlink=True)


def test_hardlink_becomes_a_copy_of_its_target() -> None:
    target = tarfile.TarInfo("p/bin/tool")
    target.mode = 0o755
    target.size = 3
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        tar.addfile(target, io.BytesIO(b"run"))
        tar.addfile(tar_info("p/bin/alias", tarfile.LNKTYPE, "p/bin/tool"))
    tree = read_archive(buffer.getvalue(), "p.tar.gz")
    assert tree["bin/alias"] == FileEntry(b"run", executable=True) == tree["bin/tool"]


def test_duplicate_members_last_one_wins() -> None:
    data = make_tar([("p/a", b"first"), ("p/a", b"second")])
    assert read_archive(data, "p.tar.gz") == {"a": FileEntry(b"second")}


# -- unsafe archives -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("/etc/passwd", "absolute"),
        ("p/../../evil", "'..'"),
        ("p/..", "'..'"),
        ("p\\..\\evil", "backslash"),
        ("C:/evil", "drive letter"),
        ("C:evil", "drive letter"),
        ("p/line\nbreak", "control character"),
    ],
)
def test_rejects_unsafe_names_in_tar(name: str, why: str) -> None:
    error = rejected(make_tar([("p/ok", b""), (name, b"x")]))
    assert why in error.message
    assert "unsafe archive" in error.message


@pytest.mark.parametrize("name", ["/abs", "p/../../evil", "p\\evil"])
def test_rejects_unsafe_names_in_zip(name: str) -> None:
    rejected(make_zip([("p/ok", b"", 0o100644), (name, b"x", 0o100644)]), "p.zip")


def test_rejects_non_utf8_name() -> None:
    info = tarfile.TarInfo("p/ok")
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as tar:
        tar.addfile(info)
        bad = tarfile.TarInfo("p/\udcff")  # written back as the raw byte 0xff
        tar.encoding, tar.errors = "utf-8", "surrogateescape"
        tar.addfile(bad)
    assert "UTF-8" in rejected(buffer.getvalue(), "p.tar").message


@pytest.mark.parametrize(
    "target",
    ["../outside", "sub/../../outside", "/etc/passwd", "C:/x", "..", "a\\..\\..", ""],
)
def test_rejects_escaping_symlink(target: str) -> None:
    error = rejected(make_tar([("p/a", b""), tar_info("p/link", tarfile.SYMTYPE, target)]))
    assert "symlink" in error.message


def test_rejects_symlink_escaping_through_another_symlink() -> None:
    # "here" -> "." makes "here/.." the tree's parent, though "here/../.." looks harmless.
    data = make_tar(
        [
            tar_info("p/d/here", tarfile.SYMTYPE, "."),
            tar_info("p/d/out", tarfile.SYMTYPE, "here/../../.."),
            ("p/d/f", b""),
        ]
    )
    assert "outside the tree" in rejected(data).message


def test_rejects_symlink_loop() -> None:
    data = make_tar(
        [tar_info("p/a", tarfile.SYMTYPE, "b/x"), tar_info("p/b", tarfile.SYMTYPE, "a/y")]
    )
    assert "loop" in rejected(data).message


def test_rejects_file_below_a_symlink() -> None:
    # Unpacked, p/dir/evil would be written wherever "dir" points.
    data = make_tar([tar_info("p/dir", tarfile.SYMTYPE, "sub"), ("p/dir/evil", b"x")])
    assert "which is a symlink" in rejected(data).message


def test_rejects_zip_symlink_escaping() -> None:
    data = make_zip([("p/a", b"", 0o100644), ("p/l", b"../../x", stat.S_IFLNK | 0o777)])
    assert "outside the tree" in rejected(data, "p.zip").message


@pytest.mark.parametrize("linkname", ["/etc/passwd", "../outside", "p/../../x", "other/file"])
def test_rejects_escaping_hardlink(linkname: str) -> None:
    data = make_tar([("p/a", b""), tar_info("p/link", tarfile.LNKTYPE, linkname)])
    assert "hardlink" in rejected(data).message


def test_rejects_hardlink_to_later_member() -> None:
    data = make_tar([tar_info("p/link", tarfile.LNKTYPE, "p/a"), ("p/a", b"")])
    assert "hardlink" in rejected(data).message


@pytest.mark.parametrize(
    ("kind", "why"),
    [(tarfile.CHRTYPE, "device"), (tarfile.BLKTYPE, "device"), (tarfile.FIFOTYPE, "FIFO")],
)
def test_rejects_device_files_and_fifos(kind: bytes, why: str) -> None:
    assert why in rejected(make_tar([("p/a", b""), tar_info("p/dev", kind)])).message


def test_rejects_zip_device_file() -> None:
    data = make_zip([("p/a", b"", 0o100644), ("p/dev", b"", stat.S_IFCHR | 0o644)])
    assert "device" in rejected(data, "p.zip").message


# -- broken or odd archives ----------------------------------------------------------------


@pytest.mark.parametrize("filename", ["p.tar.gz", "p.zip", "p.tar"])
def test_rejects_empty_file(filename: str) -> None:
    assert "empty" in rejected(b"", filename).message


@pytest.mark.parametrize(
    "data",
    [make_tar([], mode="w:gz"), make_tar([tar_info("p", tarfile.DIRTYPE)]), make_zip([])],
    ids=["no-members", "only-directories", "empty-zip"],
)
def test_rejects_archive_without_files(data: bytes) -> None:
    filename = "p.zip" if data.startswith(b"PK") else "p.tar.gz"
    assert "no files" in rejected(data, filename).message


@pytest.mark.parametrize("fmt", ["tar.gz", "tar.bz2", "tar.xz", "tar", "zip"])
def test_rejects_truncated_archive(fmt: str) -> None:
    files = {f"f{i}": bytes(range(256)) * (i + 1) for i in range(20)}
    data = build_sdist("p-1", files, fmt=fmt)
    error = rejected(data[: len(data) * 2 // 3], f"p-1.{fmt}")
    assert "truncated or corrupt" in error.message


def test_rejects_tar_cut_at_a_member_boundary() -> None:
    # tarfile itself takes a missing header for the end; the end-of-archive marker decides.
    data = make_tar([("p/a", b"a" * 512), ("p/b", b"b" * 512)], mode="w")
    assert "truncated" in rejected(data[:1024], "p.tar").message


def test_rejects_garbage() -> None:
    assert "corrupt" in rejected(b"this is not an archive" * 50).message


def test_rejects_unknown_format() -> None:
    assert "format" in rejected(b"whatever", "p-1.0.rar").message


def test_rejects_members_outside_a_single_top_directory() -> None:
    assert "top-level" in rejected(make_tar([("a/x", b""), ("b/y", b"")])).message
    assert "top-level" in rejected(make_tar([("a/x", b""), ("README", b"")])).message


def test_rejects_path_that_is_file_and_directory() -> None:
    data = make_tar([("p/a", b""), tar_info("p/a", tarfile.DIRTYPE)])
    assert "both a directory and a file" in rejected(data).message


def test_rejects_oversized_member(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive, "MAX_FILE_SIZE", 100)
    assert (
        "larger than"
        in rejected(make_tar([("p/small", b"x" * 100), ("p/big", b"x" * 101)])).message
    )
    data = make_zip([("p/big", b"x" * 101, 0o100644)])
    assert "larger than" in rejected(data, "p.zip").message


def test_rejects_oversized_total(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive, "MAX_TOTAL_SIZE", 250)
    error = rejected(make_tar([(f"p/{i}", b"x" * 100) for i in range(3)]))
    assert "more than" in error.message


def test_rejects_decompression_bomb(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive, "MAX_TOTAL_SIZE", 1000)
    monkeypatch.setattr(archive, "_TAR_OVERHEAD", 1000)
    data = make_tar([("p/zeros", bytes(100_000))])
    assert "unpacks to more than" in rejected(data).message


def test_rejects_too_many_members(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive, "MAX_MEMBERS", 3)
    assert "members" in rejected(make_tar([(f"p/{i}", b"") for i in range(4)])).message


def test_git_directories_are_left_out_and_reported() -> None:
    data = make_tar(
        [
            ("p/ok", b"1"),
            ("p/.git/hooks/post-checkout", b"x"),
            ("p/sub/.GIT/config", b"y"),
            ("p/sub/kept.txt", b"2"),
        ]
    )
    left_out: list[str] = []
    assert read_archive(data, "p.tar.gz", left_out) == {
        "ok": FileEntry(b"1"),
        "sub/kept.txt": FileEntry(b"2"),
    }
    assert left_out == ["p/.git/hooks/post-checkout", "p/sub/.GIT/config"]
    assert read_archive(data, "p.tar.gz") == read_archive(data, "p.tar.gz", [])


def test_paths_git_refuses_are_left_out_and_reported() -> None:
    """``git update-index`` would drop these with a warning only; they must be named."""
    data = make_tar(
        [
            ("p/ok", b"1"),
            ("p/.git./hooks/post-checkout", b"x"),
            ("p/git~1/config", b"y"),
            ("p/sub/.GIT/config", b"z"),
            ("p/.git /x", b"w"),
            tar_info("p/.gitmodules", tarfile.SYMTYPE, "ok"),
            tar_info("p/sub/gitmod~1", tarfile.SYMTYPE, "../ok"),
            ("p/sub/.gitmodules", b"[submodule]\n"),  # a regular .gitmodules is fine
            ("p/sub/kept.txt", b"2"),
        ]
    )
    left_out: list[str] = []
    assert read_archive(data, "p.tar.gz", left_out) == {
        "ok": FileEntry(b"1"),
        "sub/.gitmodules": FileEntry(b"[submodule]\n"),
        "sub/kept.txt": FileEntry(b"2"),
    }
    assert left_out == [
        "p/.git./hooks/post-checkout",
        "p/git~1/config",
        "p/sub/.GIT/config",
        "p/.git /x",
        "p/.gitmodules",
        "p/sub/gitmod~1",
    ]


def test_zip_symlinked_gitmodules_is_left_out() -> None:
    data = make_zip(
        [("p/ok", b"1", stat.S_IFREG | 0o644), ("p/.gitmodules", b"ok", stat.S_IFLNK | 0o777)]
    )
    left_out: list[str] = []
    assert read_archive(data, "p.zip", left_out) == {"ok": FileEntry(b"1")}
    assert left_out == ["p/.gitmodules"]
