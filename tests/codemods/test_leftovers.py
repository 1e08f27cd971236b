"""Tests for the leftover report (forktool.codemods.leftovers)."""

from __future__ import annotations

import io
import textwrap
import tokenize
from pathlib import Path

from forktool.codemods import leftovers
from forktool.codemods.leftovers import python_leftovers, text_leftovers
from forktool.model import Leftover, RenameMap

from .maps import FLASK, REQUESTS


def test_python_leftovers_are_classified() -> None:
    source = textwrap.dedent(
        '''\
        """The flask docs: https://flask.palletsprojects.com/."""
        from cliapp import flask

        # testing flask internally
        cli = FlaskGroup(name="flask")
        group = "flask.commands"
        flask_test = "Flask"
        '''
    )
    assert python_leftovers("m.py", source, FLASK) == [
        Leftover("m.py", 1, "docstring", "ambiguous", source.splitlines()[0]),
        Leftover("m.py", 1, "docstring", "kept", source.splitlines()[0]),
        Leftover("m.py", 2, "identifier", "kept", "from cliapp import flask"),
        Leftover("m.py", 4, "comment", "ambiguous", "# testing flask internally"),
        Leftover("m.py", 5, "string", "ambiguous", 'cli = FlaskGroup(name="flask")'),
        Leftover("m.py", 6, "string", "kept", 'group = "flask.commands"'),
    ]


def test_attribute_of_another_package_is_kept() -> None:
    source = 'BACKEND = "webframe.template.backends.flask.Templates"\n'
    assert [item.reason for item in python_leftovers("m.py", source, FLASK)] == ["kept"]


def test_multiline_string_reports_each_line() -> None:
    source = 'x = """\nfirst\nsecond flask\n"""\n'
    assert python_leftovers("m.py", source, FLASK) == [
        Leftover("m.py", 3, "string", "ambiguous", "second flask"),
    ]


def test_untokenizable_python_is_reported_as_unparseable() -> None:
    source = 'x = """flask\n'
    found = python_leftovers("m.py", source, FLASK)
    assert [(item.line, item.reason) for item in found] == [(1, "unparseable")]


def test_text_leftovers() -> None:
    text = "Run $ flask run\nSee github.com/pallets/flask\nFlask and flask_test\n"
    assert text_leftovers("README.md", text, FLASK) == [
        Leftover("README.md", 1, "other-file", "ambiguous", "Run $ flask run"),
        Leftover("README.md", 2, "other-file", "kept", "See github.com/pallets/flask"),
    ]


def test_other_map() -> None:
    found = text_leftovers("a.txt", "use requests here\nrequestsx\n", REQUESTS)
    assert [(item.line, item.reason) for item in found] == [(1, "ambiguous")]


def test_hyphenated_names_docs_off_and_symbols() -> None:
    import dataclasses

    text = "pip install flask-sqlalchemy\ncd flask-tutorial\nsee flask\n"
    assert [(item.line, item.reason) for item in text_leftovers("a.rst", text, FLASK)] == [
        (1, "kept"),
        (2, "kept"),
        (3, "ambiguous"),
    ]
    docs_off = dataclasses.replace(FLASK, docs=False, symbols={"flask.Flask": "Framework"})
    source = textwrap.dedent(
        '''\
        """About flask."""
        # flask notes
        class Flask: ...
        name = "Flask"
        other = "flask"
        '''
    )
    assert [
        (item.line, item.kind, item.reason) for item in python_leftovers("m.py", source, docs_off)
    ] == [
        (1, "docstring", "kept"),
        (2, "comment", "kept"),
        (3, "identifier", "kept"),
        (4, "string", "ambiguous"),
        (5, "string", "ambiguous"),
    ]


def test_scanning_statements_apart_finds_what_scanning_the_file_finds() -> None:
    """Only the top-level statements holding an old name are tokenized; on forktool's own
    modules that gives exactly the leftovers of tokenizing each whole file."""
    package = Path(leftovers.__file__).parents[1]
    rename = RenameMap(
        packages={"libcst": "cstlib", "forktool": "ftool", "re": "regex"},
        symbols={"forktool.model.FileEntry": "Entry"},
    )
    symbols = leftovers._symbol_names(rename)
    found = 0
    for path in sorted(package.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
        lines = source.splitlines()
        whole = leftovers._unique(
            list(leftovers._scan("x.py", tokens, 0, lines, rename, symbols, None))
        )
        assert python_leftovers("x.py", source, rename) == whole, path
        found += len(whole)
    assert found > 100


def test_a_minified_line_is_classified_like_a_short_one() -> None:
    rename = RenameMap(packages={"flask": "framework"})
    piece = 'a:"flask",u:"https://flask.example.org/x",'
    line = "var index={" + piece * 5_000 + "}"
    found = text_leftovers("doc/searchindex.js", line + "\n", rename)
    short = text_leftovers("doc/short.js", "var index={" + piece + "}\n", rename)
    assert {item.reason for item in short} == {"ambiguous", "kept"}
    assert len(found) == len(short) == 2  # one per (line, reason, excerpt)
    assert [item.reason for item in found] == [item.reason for item in short]
    assert all(len(item.text) <= leftovers._MAX_TEXT for item in found)
