"""Tests for archives in the tree (forktool.codemods.archives)."""

from __future__ import annotations

import io
import tarfile
import zipfile

from forktool.codemods.archives import archive_leftovers, is_archive
from forktool.model import Leftover

from .maps import FLASK


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_members_naming_the_package_are_reported() -> None:
    data = zipped(
        {
            "commandegg/models.py": b"import os\nfrom flask import g\n",
            "commandegg/flask/x.txt": b"nothing",
            "commandegg/other.py": b"x = 1\n",
        }
    )
    assert archive_leftovers("tests/eggs/basic.egg", data, FLASK) == [
        Leftover(
            "tests/eggs/basic.egg",
            0,
            "other-file",
            "unparseable",
            "commandegg/models.py: from flask import g",
        ),
        Leftover(
            "tests/eggs/basic.egg",
            0,
            "other-file",
            "unparseable",
            "commandegg/flask/x.txt: commandegg/flask/x.txt",
        ),
    ]


def test_tarballs_and_broken_archives() -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        info = tarfile.TarInfo("pkg/app.py")
        payload = b"import flask\n"
        info.size = len(payload)
        archive.addfile(info, io.BytesIO(payload))
    found = archive_leftovers("fixtures/pkg.tar.gz", buffer.getvalue(), FLASK)
    assert [item.text for item in found] == ["pkg/app.py: import flask"]
    broken = archive_leftovers("x.zip", b"PK\x03\x04 import flask", FLASK)
    assert [item.text for item in broken] == ["unreadable archive"]
    assert is_archive("a/b.WHL") and not is_archive("a/b.py")
