"""Golden pairs for symbol renames in Python (forktool.codemods.python.symbols via python).

The maps list every qualified name of the symbol, as ``expand_symbols`` leaves them.
"""

from __future__ import annotations

import dataclasses
import textwrap

import pytest

from forktool.codemods.python.codemod import module_context, rename_python_source
from forktool.model import RenameMap

from .maps import FLASK, REQUESTS

SYMBOLS = dataclasses.replace(
    FLASK,
    symbols={
        "flask.Flask": "Framework",
        "flask.app.Flask": "Framework",
        "flask.testing.Flask": "Framework",
        "flask.cli.Flask": "Framework",
    },
)


def check(
    before: str, after: str, path: str = "tests/test_x.py", rename: RenameMap = SYMBOLS
) -> None:
    source = textwrap.dedent(before)
    context = module_context(path, rename)
    assert rename_python_source(source, rename, context) == textwrap.dedent(after)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("from flask import Flask\n", "from framework import Framework\n"),
        ("from flask import Flask as F\n", "from framework import Framework as F\n"),
        ("from flask.app import Flask as F, g\n", "from framework.app import Framework as F, g\n"),
        (
            "import flask\nflask.Flask(__name__)\n",
            "import framework\nframework.Framework(__name__)\n",
        ),
        ("import flask as f\nf.Flask.run\n", "import framework as f\nf.Framework.run\n"),
        ("import flask.app\nflask.app.Flask\n", "import framework.app\nframework.app.Framework\n"),
        ("from flask import app\napp.Flask\n", "from framework import app\napp.Framework\n"),
        ("import flask.views\nflask.Flask\n", "import framework.views\nframework.Framework\n"),
    ],
)
def test_imports_and_attributes(before: str, after: str) -> None:
    check(before, after)


def test_uses_follow_the_import_scope_aware() -> None:
    check(
        """\
        import typing as t
        from flask import Flask

        class MyApp(Flask):
            pass

        def make(app: "Flask") -> "t.Optional[Flask]":
            return t.cast("Flask", Flask.run)

        def shadow(Flask):
            return Flask
        """,
        """\
        import typing as t
        from framework import Framework

        class MyApp(Framework):
            pass

        def make(app: "Framework") -> "t.Optional[Framework]":
            return t.cast("Framework", Framework.run)

        def shadow(Flask):
            return Flask
        """,
    )


def test_another_binding_keeps_the_local_name() -> None:
    check(
        """\
        try:
            from flask import Flask
        except ImportError:
            Flask = None
        app = Flask
        """,
        """\
        try:
            from framework import Framework as Flask
        except ImportError:
            Flask = None
        app = Flask
        """,
    )


def test_definition_in_its_module() -> None:
    check(
        """\
        from .sansio.app import App

        class Flask(App):
            def copy(self) -> "Flask":
                return Flask(self.name)

        __all__ = ["Flask", "App"]
        """,
        """\
        from .sansio.app import App

        class Framework(App):
            def copy(self) -> "Framework":
                return Framework(self.name)

        __all__ = ["Framework", "App"]
        """,
        path="src/flask/app.py",
    )


def test_reexport_and_type_checking_imports_in_the_package() -> None:
    check(
        "from .app import Flask as Flask\n",
        "from .app import Framework as Framework\n",
        path="src/flask/__init__.py",
    )
    check(
        """\
        import typing as t

        if t.TYPE_CHECKING:
            from .app import Flask

        def client(app: Flask) -> None:  # type: (Flask) -> None
            from . import Flask as F
        """,
        """\
        import typing as t

        if t.TYPE_CHECKING:
            from .app import Framework

        def client(app: Framework) -> None:  # type: (Framework) -> None
            from . import Framework as F
        """,
        path="src/flask/testing.py",
    )


def test_strings_naming_the_symbol() -> None:
    check(
        """\
        from unittest import mock
        mock.patch("flask.app.Flask.run")
        target = "flask.Flask"
        same = type(app).__qualname__ == "Flask"
        data = {"name": "Flask"}
        """,
        """\
        from unittest import mock
        mock.patch("framework.app.Framework.run")
        target = "framework.Framework"
        same = type(app).__qualname__ == "Framework"
        data = {"name": "Flask"}
        """,
    )


def test_docstrings_and_doc_code() -> None:
    check(
        '''\
        class Flask:
            """A :class:`Flask` subclass of :class:`~flask.Flask`.

            Flask is a microframework. Use it like this::

                app = Flask(__name__)

            >>> from flask import Flask
            >>> Flask.name
            """
        ''',
        '''\
        class Framework:
            """A :class:`Framework` subclass of :class:`~framework.Framework`.

            Flask is a microframework. Use it like this::

                app = Framework(__name__)

            >>> from framework import Framework
            >>> Framework.name
            """
        ''',
        path="src/flask/app.py",
    )


def test_other_map() -> None:
    rename = dataclasses.replace(
        REQUESTS,
        symbols={"requests.Session": "Client", "requests.sessions.Session": "Client"},
    )
    check(
        """\
        import requests
        from requests.sessions import Session as S
        requests.Session().get("x")
        """,
        """\
        import fetcher
        from fetcher.sessions import Client as S
        fetcher.Client().get("x")
        """,
        rename=rename,
    )
