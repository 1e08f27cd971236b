"""Archives in the tree: members renamed by the per-file transform, repacked deterministically
(forktool.codemods.archives, dispatched from forktool.transform.file)."""

from __future__ import annotations

import base64
import bz2
import csv
import gzip
import hashlib
import io
import lzma
import subprocess
import sys
import tarfile
import textwrap
import zipfile
from pathlib import Path

import pytest

from forktool.codemods.archives import archive_leftovers, is_archive
from forktool.model import FileEntry, Leftover
from forktool.transform.file import transform_file

from .maps import FLASK

DATE = (2010, 4, 14, 22, 10, 52)


def zipped(
    members: dict[str, bytes],
    *,
    method: int = zipfile.ZIP_DEFLATED,
    prefix: bytes = b"",
    comment: bytes = b"",
) -> bytes:
    """A zip with every member dated ``DATE``, mode 0o100666, and ``prefix`` in front."""
    buffer = io.BytesIO()
    buffer.write(prefix)
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, DATE)
            info.compress_type = method
            info.external_attr = (0o40755 if name.endswith("/") else 0o100666) << 16
            info.comment = b"member comment" if name.endswith(".py") else b""
            archive.writestr(info, data)
        archive.comment = comment
    return buffer.getvalue()


def read_zip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def rename(path: str, data: bytes) -> tuple[str, bytes, list[Leftover]]:
    outcome = transform_file(path, FileEntry(data), FLASK)
    assert outcome.failure is None
    return outcome.path, outcome.entry.data, list(outcome.leftovers)


EGG = {
    "EGG-INFO/PKG-INFO": b"Metadata-Version: 1.0\nName: tagsegg\nVersion: 1.0\n",
    "EGG-INFO/top_level.txt": b"tagsegg\n",
    "tagsegg/": b"",
    "tagsegg/__init__.py": b"",
    "tagsegg/templatetags/working.py": b"from flask import template\n\nregister = 1\n",
    "tagsegg/templatetags/broken.py": b"from flask import Xtemplate\n",
    "tagsegg/README.txt": b"Plain flask prose in test data.\n",
}


@pytest.mark.parametrize("suffix", [".egg", ".zip", ".pyz", ".whl"])
def test_zip_members_are_renamed_like_files(suffix: str) -> None:
    before = zipped(EGG)
    path, after, leftovers = rename(f"tests/eggs/tagsegg{suffix}", before)
    assert path == f"tests/eggs/tagsegg{suffix}"
    assert read_zip(after) == {
        **EGG,
        "tagsegg/templatetags/working.py": b"from framework import template\n\nregister = 1\n",
        "tagsegg/templatetags/broken.py": b"from framework import Xtemplate\n",
    }
    # prose in test data stays, and is reported as in the tree
    assert [(item.reason, item.text) for item in leftovers] == [
        ("kept", "tagsegg/README.txt:1: Plain flask prose in test data.")
    ]


def test_every_header_field_is_kept() -> None:
    before = zipped(EGG, comment=b"archive comment")
    _, after, _ = rename("tests/eggs/tagsegg.egg", before)
    with (
        zipfile.ZipFile(io.BytesIO(before)) as old,
        zipfile.ZipFile(io.BytesIO(after)) as new,
    ):
        assert new.comment == b"archive comment"
        fields = [
            (i.filename, i.date_time, i.external_attr, i.compress_type, i.comment, i.extra)
            for i in old.infolist()
        ]
        assert fields == [
            (i.filename, i.date_time, i.external_attr, i.compress_type, i.comment, i.extra)
            for i in new.infolist()
        ]


def test_member_paths_of_the_package_move() -> None:
    before = zipped(
        {
            "flask/": b"",
            "flask/__init__.py": b"from flask.app import Flask\n",
            "flask/app.py": b"class Flask: pass\n",
            "tests/flask/conftest.py": b"x = 1\n",  # shares the name, is not the package
        },
        method=zipfile.ZIP_STORED,
    )
    _, after, _ = rename("vendor/flask.zip", before)
    assert read_zip(after) == {
        "framework/": b"",
        "framework/__init__.py": b"from framework.app import Flask\n",
        "framework/app.py": b"class Flask: pass\n",
        "tests/flask/conftest.py": b"x = 1\n",
    }


def test_a_pyz_keeps_its_shebang_and_runs(tmp_path: Path) -> None:
    shebang = b"#!/usr/bin/env python3\n"
    before = zipped(
        {
            "__main__.py": b"import flask\nprint(flask.NAME)\n",
            "flask/__init__.py": b"NAME = 'the flask package'\n",
        },
        prefix=shebang,
    )
    _, after, _ = rename("tools/app.pyz", before)
    assert after.startswith(shebang)
    target = tmp_path / "app.pyz"
    target.write_bytes(after)
    run = subprocess.run([sys.executable, str(target)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout == "the flask package\n"  # prose in a string: a bare word stays
    assert read_zip(after)["__main__.py"] == b"import framework\nprint(framework.NAME)\n"


def test_no_change_means_the_same_bytes_and_twice_the_same_bytes() -> None:
    untouched = zipped({"egg/models.py": b"import os\n", "EGG-INFO/PKG-INFO": b"Name: egg\n"})
    assert rename("tests/eggs/plain.egg", untouched)[1] is untouched
    # members naming the old package only in prose left as it is: still the same bytes
    prose = zipped({"egg/notes.txt": b"we like flask\n"})
    assert rename("tests/eggs/prose.zip", prose)[1] is prose
    before = zipped(EGG)
    first = rename("tests/eggs/tagsegg.egg", before)[1]
    assert first != before
    assert rename("tests/eggs/tagsegg.egg", before)[1] == first


def tarred(members: dict[str, bytes], mode: str = "w:gz", **options: object) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode, **options) as archive:  # type: ignore[call-overload]
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.mtime = 1324574480
            info.uid, info.gid, info.uname, info.gname = 501, 20, "jezdez", "staff"
            if name.endswith("/"):
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                archive.addfile(info)
            else:
                info.size, info.mode = len(data), 0o644
                archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def read_tar(data: bytes) -> list[tuple[str, int, int, str, int, bytes]]:
    members = []
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        for member in archive:
            extracted = archive.extractfile(member)
            content = b"" if extracted is None else extracted.read()
            members.append(
                (member.name, member.mtime, member.mode, member.uname, member.uid, content)
            )
    return members


TEMPLATE = {
    "project/": b"",
    "project/run.py": b"import flask\nflask.run()\n",
    "project/data.txt": b"1\n",
}


@pytest.mark.parametrize(
    ("suffix", "mode", "magic"),
    [
        (".tar.gz", "w:gz", b"\x1f\x8b"),
        (".tgz", "w:gz", b"\x1f\x8b"),
        (".tar.bz2", "w:bz2", b"BZh9"),
        (".tar.xz", "w:xz", b"\xfd7zXZ"),
        (".tar", "w", b"project/"),
    ],
)
def test_tarballs_are_rewritten_in_their_compression(suffix: str, mode: str, magic: bytes) -> None:
    before = tarred(TEMPLATE, mode)
    path, after, leftovers = rename(f"tests/custom_templates/project{suffix}", before)
    assert (path, leftovers) == (f"tests/custom_templates/project{suffix}", [])
    assert after.startswith(magic)
    assert read_tar(after) == [
        ("project", 1324574480, 0o755, "jezdez", 501, b""),
        (
            "project/run.py",
            1324574480,
            0o644,
            "jezdez",
            501,
            b"import framework\nframework.run()\n",
        ),
        ("project/data.txt", 1324574480, 0o644, "jezdez", 501, b"1\n"),
    ]
    assert rename(f"tests/custom_templates/project{suffix}", before)[1] == after


def test_gzip_header_and_tar_flavour_are_kept() -> None:
    buffer = io.BytesIO()
    with gzip.GzipFile("project.tar", "wb", fileobj=buffer, mtime=1234567, compresslevel=9) as gz:
        gz.write(tarred(TEMPLATE, "w", format=tarfile.GNU_FORMAT))
    before = buffer.getvalue()
    _, after, _ = rename("tests/project.tar.gz", before)
    assert after[:10] == before[:10]  # magic, flags, mtime, extra flags, OS
    assert after[10:22] == b"project.tar\0"
    assert gzip.decompress(after)[257:265] == tarfile.GNU_MAGIC
    assert read_tar(after)[1][5] == b"import framework\nframework.run()\n"


def test_legacy_lzma_and_untouched_tarballs() -> None:
    raw = tarred(TEMPLATE, "w")
    before = lzma.compress(raw, format=lzma.FORMAT_ALONE)
    _, after, _ = rename("tests/archives/foobar.tar.lzma", before)
    assert read_tar(lzma.decompress(after, format=lzma.FORMAT_ALONE))[1][5].startswith(
        b"import framework"
    )
    plain = bz2.compress(tarred({"x/1": b"1\n"}, "w"))
    assert rename("tests/archives/foobar.tar.bz2", plain)[1] is plain
    # an uncompressed tarball whose first byte happens to be an .lzma stream's usual first
    before = tarred({"]/run.py": b"import flask\n"}, "w")
    _, after, _ = rename("tests/archives/bracket.tar", before)
    assert read_tar(after)[0][::5] == ("]/run.py", b"import framework\n")


def wheel_record(data: bytes) -> list[list[str]]:
    members = read_zip(data)
    name = next(name for name in members if name.endswith(".dist-info/RECORD"))
    return list(csv.reader(io.StringIO(members[name].decode())))


def assert_record_matches(data: bytes) -> None:
    members = read_zip(data)
    rows = wheel_record(data)
    assert sorted(row[0] for row in rows) == sorted(members)
    for path, digest, size in rows:
        if path.endswith("RECORD"):
            assert (digest, size) == ("", "")
            continue
        expected = base64.urlsafe_b64encode(hashlib.sha256(members[path]).digest())
        assert digest == "sha256=" + expected.rstrip(b"=").decode()
        assert int(size) == len(members[path])


def build_wheel(tmp_path: Path) -> Path:
    """A real wheel of a tiny flit project, ``flask`` 1.0 importing itself."""
    project = tmp_path / "project"
    (project / "flask").mkdir(parents=True)
    (project / "pyproject.toml").write_text(
        textwrap.dedent(
            """\
            [build-system]
            requires = ["flit_core>=3.4"]
            build-backend = "flit_core.buildapi"

            [project]
            name = "Flask"
            version = "1.0"
            description = "stand-in"

            [project.scripts]
            flask = "flask.cli:main"

            [tool.flit.module]
            name = "flask"
            """
        )
    )
    (project / "flask" / "__init__.py").write_text("from flask.cli import main\n")
    (project / "flask" / "cli.py").write_text(
        "import importlib\n\ndef main():\n    return importlib.import_module('flask').__name__\n"
    )
    out = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-build-isolation", "--no-index"]
        + ["--no-deps", "-w", str(out), str(project)],
        check=True,
    )
    return next(out.glob("*.whl"))


def test_a_wheel_is_renamed_with_its_record_and_installs(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path)
    before = wheel.read_bytes()
    assert wheel.name == "flask-1.0-py2.py3-none-any.whl"
    path, after, _ = rename(f"tests/wheels/{wheel.name}", before)
    # pip wants the file name, the .dist-info folder and METADATA to name one distribution
    assert path == "tests/wheels/framework-1.0-py2.py3-none-any.whl"
    members = read_zip(after)
    assert sorted(members) == [
        "framework-1.0.dist-info/METADATA",
        "framework-1.0.dist-info/RECORD",
        "framework-1.0.dist-info/WHEEL",
        "framework-1.0.dist-info/entry_points.txt",
        "framework/__init__.py",
        "framework/cli.py",
    ]
    assert b"\nName: Framework\n" in members["framework-1.0.dist-info/METADATA"]
    assert members["framework-1.0.dist-info/entry_points.txt"] == (
        b"[console_scripts]\nframework=framework.cli:main\n\n"
    )
    assert_record_matches(after)
    # RECORD rows keep their order
    assert [row[0] for row in wheel_record(after)] == [
        row[0].replace("flask", "framework") for row in wheel_record(before)
    ]
    renamed = tmp_path / path.rsplit("/", 1)[1]
    renamed.write_bytes(after)
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-index", "--no-deps"]
        + ["--target", str(target), str(renamed)],
        check=True,
    )
    run = subprocess.run(
        [sys.executable, "-c", "import framework; print(framework.main())"],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(target)},
    )
    assert run.stdout == "framework\n", run.stderr


def test_oversized_encrypted_and_broken_archives_are_reported_not_rewritten() -> None:
    big = zipped({"egg/models.py": b"from flask import g\n", "egg/big.bin": b"\0" * (3 << 20)})
    path, after, leftovers = rename("tests/eggs/big.egg", big)
    assert after is big
    assert [item.text for item in leftovers] == [
        "egg/models.py: from flask import g",
        "archive not rewritten: member egg/big.bin larger than 2 MiB",
    ]
    assert {(item.path, item.reason) for item in leftovers} == {(path, "unparseable")}
    broken = b"PK\x03\x04 import flask"
    assert rename("x.zip", broken)[1:] == (
        broken,
        [Leftover("x.zip", 0, "other-file", "unparseable", "unreadable archive")],
    )
    # An encrypted member (flag bit 0): zipfile cannot read it, so nothing is rewritten.
    plain = zipped({"egg/models.py": b"from flask import g\n"}, method=zipfile.ZIP_STORED)
    encrypted = bytearray(plain)
    for offset in (6, plain.index(b"PK\x01\x02") + 8):  # general purpose flags
        encrypted[offset] |= 1
    path, after, leftovers = rename("tests/eggs/locked.egg", bytes(encrypted))
    assert after == bytes(encrypted)
    assert [item.text for item in leftovers] == [
        "archive not rewritten: member egg/models.py is encrypted"
    ]


def test_compiled_code_and_nested_archives_are_reported() -> None:
    inner = zipped({"pkg/a.py": b"import flask\n"})
    before = zipped(
        {
            "egg/models.py": b"import flask\n",
            "egg/models.pyc": b"\x03\xf3\r\nc\x00\x06\x00\x00\x00flaskR\x00",
            "egg/inner.zip": inner,
        }
    )
    _, after, leftovers = rename("tests/eggs/compiled.egg", before)
    assert read_zip(after)["egg/models.py"] == b"import framework\n"
    assert read_zip(after)["egg/inner.zip"] == inner
    assert [item.text for item in leftovers] == [
        "egg/models.pyc: compiled code naming an old package, not rewritten",
        "egg/inner.zip: nested archive, not rewritten: pkg/a.py: import flask",
    ]


def test_report_of_archives_not_rewritten() -> None:
    data = zipped(
        {
            "commandegg/models.py": b"import os\nfrom flask import g\n",
            "commandegg/flask/x.txt": b"nothing",
            "commandegg/other.py": b"x = 1\n",
        }
    )
    assert [item.text for item in archive_leftovers("tests/eggs/basic.egg", data, FLASK)] == [
        "commandegg/models.py: from flask import g",
        "commandegg/flask/x.txt: commandegg/flask/x.txt",
    ]
    assert is_archive("a/b.WHL") and is_archive("t/x.tar.lzma") and not is_archive("a/b.py")


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("tests/a.tar.gz", b"\x1f\x8b"),  # a gzip header cut short
        ("tests/a.tar.xz", b"\xfd7zXZ\x00"),  # an xz header cut short
        ("tests/a.tar.gz", gzip.compress(b"flask" * 100, mtime=0)[:-9]),  # no end
        ("tests/a.zip", zipped({"a/m.py": b"import flask\n"})[:-30]),  # directory cut
    ],
)
def test_truncated_archives_never_stop_the_rename(path: str, data: bytes) -> None:
    outcome = transform_file(path, FileEntry(data), FLASK)
    assert outcome.entry.data == data  # carried over unchanged


def test_a_wheel_whose_record_cannot_be_read_is_reported_not_rewritten() -> None:
    record = "flask/__init__.py,sha256=" + "x" * 200_000 + ",1\n"  # over csv's field limit
    wheel = zipped(
        {
            "flask/__init__.py": b"import flask.app\n",
            "flask-1.0.dist-info/RECORD": record.encode(),
        }
    )
    path, after, leftovers = rename("tests/flask-1.0-py3-none-any.whl", wheel)
    assert after == wheel
    assert [item.text for item in leftovers][-1].startswith("archive not rewritten: it cannot")
