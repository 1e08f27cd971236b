"""Tests for renaming a whole tree (forktool.transform)."""

from __future__ import annotations

import pickle
import textwrap

from forktool.model import FileEntry, RenameMap
from forktool.transform import FileOutcome, transform_file, transform_tree

FLASK = RenameMap(
    packages={"flask": "framework"},
    distributions={"Flask": "Framework"},
    scripts={"flask": "framework"},
    keep=("flask.commands",),
)
REQUESTS = RenameMap(packages={"requests": "fetcher"}, distributions={"requests": "fetcher"})


def entry(text: str, *, executable: bool = False) -> FileEntry:
    return FileEntry(textwrap.dedent(text).encode(), executable=executable)


def test_small_project_is_renamed() -> None:
    tree = {
        "pyproject.toml": entry(
            """\
            [project]
            name = "Flask"
            [project.scripts]
            flask = "flask.cli:main"
            [tool.flit.module]
            name = "flask"
            """
        ),
        "src/flask/__init__.py": entry("from .app import Flask as Flask\n"),
        "src/flask/app.py": entry('"""The :class:`flask.Flask` app."""\nclass Flask: ...\n'),
        "tests/test_app.py": entry(
            """\
            import flask

            def test_app():
                assert flask.Flask
            """
        ),
        "docs/api.rst": entry(".. module:: flask\n\nSee https://flask.palletsprojects.com/\n"),
        "docs/logo.png": FileEntry(b"\x89PNG\r\n\x1a\n\x00\x00flask\x00"),
        "scripts/run.sh": entry("#!/bin/sh\nflask run\n", executable=True),
    }
    result = transform_tree(tree, FLASK)

    assert sorted(result.tree) == [
        "docs/api.rst",
        "docs/logo.png",
        "pyproject.toml",
        "scripts/run.sh",
        "src/framework/__init__.py",
        "src/framework/app.py",
        "tests/test_app.py",
    ]
    assert result.tree["pyproject.toml"].data == (
        b'[project]\nname = "Framework"\n[project.scripts]\nframework = "framework.cli:main"\n'
        b'[tool.flit.module]\nname = "framework"\n'
    )
    assert result.tree["src/framework/app.py"].data.startswith(b'"""The :class:`framework.Flask`')
    assert result.tree["tests/test_app.py"].data == (
        b"import framework\n\ndef test_app():\n    assert framework.Flask\n"
    )
    assert result.tree["docs/api.rst"].data.startswith(b".. module:: framework\n")
    # untouched files are carried over as the very same entries, modes included
    assert result.tree["docs/logo.png"] is tree["docs/logo.png"]
    assert result.tree["scripts/run.sh"] is tree["scripts/run.sh"]
    assert result.tree["scripts/run.sh"].executable
    assert result.failures == {}
    assert [(item.path, item.line, item.kind, item.reason) for item in result.leftovers] == [
        ("docs/api.rst", 3, "other-file", "kept"),
        ("scripts/run.sh", 2, "other-file", "ambiguous"),
    ]


def test_leftovers_use_new_paths_and_are_sorted() -> None:
    tree = {
        "src/flask/b.py": entry('NAME = "flask"\n'),
        "src/flask/a.py": entry("# about flask\nx = 1\ny = 'flask'\n"),
    }
    result = transform_tree(tree, FLASK)
    assert [(item.path, item.line, item.kind) for item in result.leftovers] == [
        ("src/framework/a.py", 1, "comment"),
        ("src/framework/a.py", 3, "string"),
        ("src/framework/b.py", 1, "string"),
    ]


def test_python2_file_gets_text_fallback_and_is_reported() -> None:
    tree = {"examples/old.py": entry("import flask\nprint 'flask.g is', flask.g\n")}
    result = transform_tree(tree, FLASK)
    assert result.tree["examples/old.py"].data == (
        b"import framework\nprint 'framework.g is', framework.g\n"
    )
    assert result.failures["examples/old.py"].startswith("ParserSyntaxError")
    assert [(item.line, item.kind, item.reason) for item in result.leftovers] == []


def test_python2_leftovers_are_unparseable() -> None:
    tree = {"old.py": entry("from cliapp import flask\nprint 'flask'\n")}
    result = transform_tree(tree, FLASK)
    assert [(item.line, item.kind, item.reason) for item in result.leftovers] == [
        (1, "identifier", "unparseable"),
        (2, "string", "unparseable"),
    ]


def test_undecodable_and_nul_files_are_carried_over_unchanged() -> None:
    latin1 = FileEntry("import flask\nname = 'café'\n".encode("latin-1"))
    nul = FileEntry(b"import flask\x00\n")
    rst = FileEntry("flask.app \xe9\n".encode("latin-1"))
    tree = {"a.py": latin1, "b.py": nul, "c.rst": rst}
    result = transform_tree(tree, FLASK)
    assert result.tree["a.py"] is latin1
    assert result.tree["b.py"] is nul
    assert result.tree["c.rst"] is rst
    assert sorted(result.failures) == ["a.py", "b.py", "c.rst"]
    assert result.failures["c.rst"].startswith("not UTF-8 text")


def test_codemod_error_fails_the_file_not_the_run() -> None:
    broken = FileEntry(b'[project\nname = "flask"\n')
    result = transform_tree({"pyproject.toml": broken, "flask.py": entry("x = 1\n")}, FLASK)
    assert result.tree["pyproject.toml"] is broken
    assert "pyproject.toml" in result.failures
    assert "framework.py" in result.tree
    assert [item.reason for item in result.leftovers] == ["unparseable"]


def test_path_collision_keeps_both_files() -> None:
    old, new = entry("A = 1\n"), entry("B = 2\n")
    result = transform_tree({"src/flask/x.py": old, "src/framework/x.py": new}, FLASK)
    assert result.tree["src/framework/x.py"] is new
    assert result.tree["src/flask/x.py"] is old
    assert "would replace src/framework/x.py" in result.failures["src/flask/x.py"]


def test_symlink_is_moved_not_rewritten() -> None:
    link = FileEntry(b"../src/flask/app.py", symlink=True)
    result = transform_tree({"flask/app.py": link}, FLASK)
    assert result.tree["framework/app.py"] is link
    assert [item.path for item in result.leftovers] == ["framework/app.py"]


def test_other_rename_map() -> None:
    tree = {
        "requests/__init__.py": entry("from .api import get\n"),
        "tests/test_api.py": entry("import requests\n\nrequests.get('x')\n"),
        "setup.py": entry(
            'from setuptools import setup\nsetup(name="requests", packages=["requests"])\n'
        ),
    }
    result = transform_tree(tree, REQUESTS)
    assert sorted(result.tree) == ["fetcher/__init__.py", "setup.py", "tests/test_api.py"]
    assert result.tree["tests/test_api.py"].data == b"import fetcher\n\nfetcher.get('x')\n"
    assert result.tree["setup.py"].data == (
        b'from setuptools import setup\nsetup(name="fetcher", packages=["fetcher"])\n'
    )


def test_transform_file_is_a_picklable_pure_function() -> None:
    outcome = transform_file("src/flask/app.py", entry("import flask\n"), FLASK)
    assert outcome == FileOutcome("src/framework/app.py", entry("import framework\n"), (), None)
    assert pickle.loads(pickle.dumps(outcome)) == outcome
    assert pickle.loads(pickle.dumps(transform_file)) is transform_file
    assert transform_file("src/flask/app.py", entry("import flask\n"), FLASK) == outcome
