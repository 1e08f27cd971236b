"""Golden pairs for the token-level fallback (forktool.codemods.python.tokens)."""

from __future__ import annotations

import dataclasses
import textwrap

from forktool.codemods.python.codemod import rename_string_value
from forktool.codemods.python.contexts import GENERIC
from forktool.codemods.python.tokens import rename_python_tokens
from forktool.model import RenameMap

from .maps import FLASK, REQUESTS


def check(before: str, after: str, rename: RenameMap = FLASK) -> None:
    source = textwrap.dedent(before)
    new = rename_python_tokens(source, rename, lambda v: rename_string_value(v, GENERIC, rename))
    assert new == textwrap.dedent(after)


def test_python2_module() -> None:
    check(
        """\
        import os, flask.json
        import flask.cli as c
        from flask.app import Flask
        print 'flask.g is', flask.g  # see flask.app
        app.run(flask=1)
        exec "import flask"
        """,
        """\
        import os, framework.json
        import framework.cli as c
        from framework.app import Flask
        print 'framework.g is', framework.g  # see framework.app
        app.run(flask=1)
        exec "import framework"
        """,
    )


def test_names_stay_without_a_binding_import() -> None:
    source = "from cliapp import flask\nprint flask.run()\n"
    check(source, source)


def test_symbols_keep_their_local_name() -> None:
    rename = dataclasses.replace(FLASK, symbols={"flask.Flask": "Framework"})
    check(
        "from flask import Flask, g\nimport flask\nprint flask.Flask\n",
        "from framework import Framework as Flask, g\n"
        "import framework\nprint framework.Framework\n",
        rename,
    )


def test_text_after_a_tokenizer_error_is_unchanged() -> None:
    check(
        'import flask\nx = """flask.g never closed\n',
        'import framework\nx = """flask.g never closed\n',
    )


def test_other_map() -> None:
    check("import requests\nprint requests.get\n", "import fetcher\nprint fetcher.get\n", REQUESTS)
