"""Tests for listing subpackages named like files or hosts (forktool.codemods.passes.modules)."""

from __future__ import annotations

from forktool.codemods.names import rename_module
from forktool.codemods.passes.modules import expand_modules
from forktool.model import FileEntry, RenameMap

from .maps import FLASK


def test_subpackages_named_like_files_or_hosts_are_listed() -> None:
    rename = RenameMap(packages={"docutils": "docparse"})
    tree = {
        path: FileEntry(b"")
        for path in (
            "docutils/__init__.py",
            "docutils/conf/__init__.py",
            "docutils/parsers/rst/languages/de.py",
            "docutils/writers/latex2e/docutils.sty",
            "docutils/core.py",
            "test/docutils.conf",
        )
    }
    expanded = expand_modules(tree, rename)
    assert expanded.packages == {
        "docutils": "docparse",
        "docutils.conf": "docparse.conf",
        "docutils.parsers.rst.languages.de": "docparse.parsers.rst.languages.de",
    }
    assert rename_module("docutils.conf", expanded) == "docparse.conf"
    assert rename_module("docutils.conf", rename) is None  # a file, without the tree
    assert rename_module("docutils.sty", expanded) is None
    assert rename_module("docutils.parsers.rst.languages.de", expanded) == (
        "docparse.parsers.rst.languages.de"
    )
    assert rename_module("docutils.conf", rename, known=True) == "docparse.conf"


def test_nothing_to_list() -> None:
    assert expand_modules({"src/flask/app.py": FileEntry(b"")}, FLASK) is FLASK
