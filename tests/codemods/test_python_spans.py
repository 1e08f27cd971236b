"""Only the statements that mention an old name are parsed by libcst; the rest is copied.

Each case is checked against the whole-module path (``_transform`` on the full CST, the
statements' generated code deciding what is skipped), so the cut can never change a result.
"""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import libcst as cst
import pytest

from forktool.codemods.python import codemod as python_codemod
from forktool.codemods.python import spans as python_spans
from forktool.codemods.python.codemod import rename_python_bytes, rename_python_source
from forktool.model import RenameMap

from .maps import FLASK


def whole_module(source: str) -> str:
    """The reference: the CST of the whole module, nothing cut."""
    return python_codemod._transform(cst.parse_module(source), source, FLASK, None).code


CASES = {
    "gap between runs, indented comment after a block": """\
        '''Module docstring.'''
        import os


        def helper():
            return os.getcwd()
            # a comment in helper's block, about nothing


        class Big:
            def method(self):
                return 1

            def other(self):
                return 2
            # flask.app is mentioned in the block footer


        x = "flask.json"
        y = 1; z = "flask.app"
        """,
    "decorators and nested defs": """\
        import functools


        @functools.wraps(print)
        def deco():
            def inner():
                '''See flask.Flask.'''
            return inner


        @functools.lru_cache
        def plain():
            return 3
        """,
    "first statement not selected, no trailing newline": """\
        VALUE = 3
        def f():
            return VALUE
        NAME = 'flask.cli'""",
    "trailing comments at the end of the file": """\
        A = 1
        B = "flask.app"
        # see flask.json
        """,
    "semicolons sharing a line with a compound statement's end": """\
        def f():
            s = '''
        text'''; t = "flask.g"
        q = 1
        """,
    "methods, loops and comments at every depth": """\
        import os


        class Views:
            '''Views.'''

            def untouched(self):
                return 1

            @property
            def mentions(self):
                for item in range(3):
                    if item:
                        x = 1
                    else:
                        return "flask.app"
                # see flask.json
                return os

            def also_untouched(self):
                pass
                # nothing here

            class Inner: pass


        def f(a,
              b): return "flask.g"


        def g(): x = 1; y = "flask.cli"
        """,
    "nothing selected but an import": """\
        from flask import Flask
        app = Flask(__name__)


        def view():
            return "hello"
        """,
}


@pytest.mark.parametrize("name", CASES)
def test_cut_module_gives_the_whole_module_result(name: str) -> None:
    source = textwrap.dedent(CASES[name])
    assert rename_python_source(source, FLASK) == whole_module(source)


def test_only_selected_statements_reach_libcst(monkeypatch: pytest.MonkeyPatch) -> None:
    source = textwrap.dedent(CASES["gap between runs, indented comment after a block"])
    parsed: list[str] = []
    real_parse = cst.parse_module

    def spy(code: str) -> cst.Module:
        parsed.append(code)
        return real_parse(code)

    monkeypatch.setattr(python_codemod.cst, "parse_module", spy)
    rename_python_source(source, FLASK)
    assert len(parsed) == 1
    # Neither mentions anything; the comment after Big goes with the statement after it.
    assert "def helper" not in parsed[0] and "def method" not in parsed[0]
    assert "# flask.app is mentioned" in parsed[0] and 'x = "flask.json"' in parsed[0]
    assert python_spans.GAP in parsed[0]


def test_import_of_the_package_is_resolved_in_the_selected_statements() -> None:
    source = "import flask\n\n\ndef f():\n    flask = 1\n    return flask\n\n\ny = flask.g\n"
    assert rename_python_source(source, FLASK) == whole_module(source)
    assert "y = framework.g" in rename_python_source(source, FLASK)
    assert "flask = 1\n    return flask\n" in rename_python_source(source, FLASK)


def test_carriage_returns_are_not_cut() -> None:
    source = "A = 1\r\nB = 'flask.app'\r\n"
    syntax = ast.parse(source)
    assert python_spans.spans(source, syntax) is None
    assert rename_python_source(source, FLASK) == "A = 1\r\nB = 'framework.app'\r\n"


def test_bytes_keep_their_declared_encoding() -> None:
    data = "# -*- coding: latin-1 -*-\nA = 'café'\nB = 'flask.app'\n".encode("latin-1")
    assert rename_python_bytes(data, FLASK) == (
        "# -*- coding: latin-1 -*-\nA = 'café'\nB = 'framework.app'\n".encode("latin-1")
    )


def test_cut_puts_every_line_back() -> None:
    source = textwrap.dedent(CASES["methods, loops and comments at every depth"])
    spans = python_spans.spans(source, ast.parse(source))
    assert spans is not None
    cut = spans.cut(("flask",))
    assert cut.omitted
    assert cut.splice(cut.subset()) == source
    assert "def untouched" not in cut.subset()
    assert "def mentions" in cut.subset()


def test_cut_matches_whole_module_on_real_code() -> None:
    """forktool's own modules (every kind of statement, decorators, nested defs, match,
    comments in odd places), renamed with a map that hits them all over."""
    package = Path(python_codemod.__file__).parents[2]  # forktool/
    rename = RenameMap(
        packages={"libcst": "cstlib", "forktool": "ftool", "tomlkit": "tomlx", "git": "gitx"},
        distributions={"forktool": "ftool"},
    )
    compared = 0
    for path in sorted(package.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        expected = python_codemod._transform(cst.parse_module(source), source, rename, None).code
        assert rename_python_source(source, rename) == expected, path
        compared += 1
    assert compared > 50
