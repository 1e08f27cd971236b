"""Tests for renaming a whole tree (forktool.transform.tree)."""

from __future__ import annotations

import dataclasses
import pickle
import textwrap

from forktool.model import FileEntry, RenameMap
from forktool.transform.file import FileOutcome, transform_file
from forktool.transform.tree import transform_tree

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
    assert [(item.path, item.line, item.reason) for item in result.leftovers] == [
        ("a.py", 1, "unparseable"),
        ("b.py", 1, "unparseable"),
        ("c.rst", 1, "unparseable"),
    ]


def test_python2_with_a_coding_cookie_gets_the_token_fallback() -> None:
    data = "# -*- coding: latin-1 -*-\nimport flask\nprint 'café', flask.g\n".encode("latin-1")
    result = transform_tree({"old.py": FileEntry(data)}, FLASK)
    assert result.tree["old.py"].data == data.replace(b"flask", b"framework")
    assert "old.py" in result.failures


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


def test_symbol_rename_across_the_tree() -> None:
    rename = dataclasses.replace(FLASK, symbols={"flask.Flask": "Framework"})
    tree = {
        "src/flask/__init__.py": entry("from .app import Flask as Flask\n"),
        "src/flask/app.py": entry("class Flask:\n    def copy(self) -> 'Flask': ...\n"),
        "src/flask/app.pyi": entry("class Flask: ...\n"),
        "src/flask/__main__.py": entry("from .cli import main\nmain()\n"),
        "src/flask/cli.py": entry("def find():\n    from . import Flask\n    return Flask\n"),
        "tests/test_app.py": entry(
            """\
            from unittest import mock
            from flask.app import Flask as F
            import flask

            class MyApp(flask.Flask): ...
            mock.patch("flask.app.Flask.run")
            """
        ),
        "docs/api.rst": entry(".. currentmodule:: flask\n\n.. autoclass:: Flask\n"),
    }
    result = transform_tree(tree, rename)
    data = {path: entry.data.decode() for path, entry in result.tree.items()}
    assert data["src/framework/__init__.py"] == "from .app import Framework as Framework\n"
    assert data["src/framework/app.py"] == (
        "class Framework:\n    def copy(self) -> 'Framework': ...\n"
    )
    assert data["src/framework/app.pyi"] == "class Framework: ...\n"
    assert data["src/framework/__main__.py"] == "from .cli import main\nmain()\n"
    assert data["src/framework/cli.py"] == (
        "def find():\n    from . import Framework\n    return Framework\n"
    )
    assert data["tests/test_app.py"] == textwrap.dedent(
        """\
        from unittest import mock
        from framework.app import Framework as F
        import framework

        class MyApp(framework.Framework): ...
        mock.patch("framework.app.Framework.run")
        """
    )
    assert data["docs/api.rst"] == ".. currentmodule:: framework\n\n.. autoclass:: Framework\n"
    assert result.failures == {}


def test_docs_off_leaves_prose_alone_and_reports_it_kept() -> None:
    rename = dataclasses.replace(FLASK, docs=False)
    tree = {
        "README.md": entry("$ pip install flask\n"),
        "src/flask/app.py": entry('"""Use flask.json."""\nimport flask.json  # flask.json\n'),
    }
    result = transform_tree(tree, rename)
    assert result.tree["README.md"] is tree["README.md"]
    assert result.tree["src/framework/app.py"].data == (
        b'"""Use flask.json."""\nimport framework.json  # flask.json\n'
    )
    assert {(item.path, item.reason) for item in result.leftovers} == {
        ("README.md", "kept"),
        ("src/framework/app.py", "kept"),
    }


def test_python_templates_and_scripts_are_python() -> None:
    tree = {
        "pkg/conf/manage.py-tpl": entry("from flask import cli\nNAME = '{{ name }}'\n"),
        "bin/flask-admin": entry("#!/usr/bin/env python3\nimport flask.cli\n", executable=True),
        "bin/run.sh": entry("#!/bin/sh\nexec flask run\n"),
    }
    result = transform_tree(tree, FLASK)
    assert result.tree["pkg/conf/manage.py-tpl"].data.startswith(b"from framework import cli")
    assert result.tree["bin/flask-admin"].data.endswith(b"import framework.cli\n")
    assert result.tree["bin/flask-admin"].executable
    assert result.tree["bin/run.sh"] is tree["bin/run.sh"]


def test_deep_nesting_and_broken_fixtures_do_not_crash_the_run() -> None:
    deep = "import flask\nx = " + "(" * 5000 + "1" + ")" * 5000 + "\n"
    chain = "import flask\nx = " + "+".join(["flask.a"] * 3000) + "\n"
    tree = {
        "tests/deep.py": entry(deep),
        "tests/chain.py": entry(chain),
        "tests/broken.py": entry("import flask\ndef f(:\n"),
        "tests/ok.py": entry("import flask\n"),
    }
    result = transform_tree(tree, FLASK)
    assert sorted(result.failures) == ["tests/broken.py", "tests/chain.py", "tests/deep.py"]
    assert "RecursionError" in result.failures["tests/deep.py"]
    assert result.tree["tests/ok.py"].data == b"import framework\n"
    # the token-level fallback still renames the import lines it can see
    assert result.tree["tests/broken.py"].data == b"import framework\ndef f(:\n"
    assert result.tree["tests/chain.py"].data.startswith(b"import framework\nx = framework.a+")
    assert {item.reason for item in result.leftovers} <= {"unparseable"}


def test_archives_are_rewritten_and_what_cannot_be_is_reported() -> None:
    import io
    import zipfile

    def egg(source: str, method: int = zipfile.ZIP_DEFLATED) -> FileEntry:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", method) as archive:
            archive.writestr(zipfile.ZipInfo("egg/models.py", (2010, 1, 1, 0, 0, 0)), source)
        return FileEntry(buffer.getvalue())

    # compressed: the archive's bytes do not show the name, its members do
    result = transform_tree({"tests/eggs/basic.egg": egg("from flask import g\n")}, FLASK)
    assert result.tree["tests/eggs/basic.egg"] == egg("from framework import g\n")
    assert not result.leftovers
    broken = FileEntry(egg("from flask import g\n", zipfile.ZIP_STORED).data[:-30])
    result = transform_tree({"tests/eggs/broken.egg": broken}, FLASK)
    assert result.tree["tests/eggs/broken.egg"] is broken
    assert [(item.kind, item.reason) for item in result.leftovers] == [
        ("other-file", "unparseable")
    ]


def test_lock_and_requirement_files() -> None:
    tree = {
        "uv.lock": entry('[[package]]\nname = "flask"\nsource = { editable = "." }\n'),
        "requirements/dev.txt": entry("flask==3.1\n    # via flask-x\n"),
    }
    result = transform_tree(tree, FLASK)
    assert result.tree["uv.lock"].data == (
        b'[[package]]\nname = "framework"\nsource = { editable = "." }\n'
    )
    assert result.tree["requirements/dev.txt"].data == b"framework==3.1\n    # via flask-x\n"


def test_keep_list_does_not_apply_to_import_paths_and_test_data_stays() -> None:
    rename = RenameMap(packages={"markdown": "marktext"}, keep=("markdown.extensions",))
    tree = {
        "pyproject.toml": entry(
            """\
            [tool.setuptools]
            packages = ["markdown", "markdown.extensions"]

            [project.entry-points."markdown.extensions"]
            abbr = "markdown.extensions.abbr:Abbr"
            """
        ),
        "tests/examplefiles/md/example.md": entry("```python\nimport markdown\n```\n"),
        "tests/test_md.py": entry("import markdown\n"),
    }
    result = transform_tree(tree, rename)
    assert result.tree["pyproject.toml"].data.decode() == textwrap.dedent(
        """\
        [tool.setuptools]
        packages = ["marktext", "marktext.extensions"]

        [project.entry-points."markdown.extensions"]
        abbr = "marktext.extensions.abbr:Abbr"
        """
    )
    example = "tests/examplefiles/md/example.md"
    assert result.tree[example] is tree[example]
    assert result.tree["tests/test_md.py"].data == b"import marktext\n"
    assert [(item.path, item.reason) for item in result.leftovers] == [
        ("pyproject.toml", "kept"),
        (example, "kept"),
    ]
