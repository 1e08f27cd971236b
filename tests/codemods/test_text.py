"""Golden pairs for prose and plain text files (forktool.codemods.docs.prose)."""

from __future__ import annotations

import textwrap

import pytest

from forktool.codemods.docs.prose import rename_references, rename_text

from .maps import FLASK, REQUESTS


@pytest.mark.parametrize(
    ("before", "after"),
    [
        # qualified names and Sphinx roles
        ("See :class:`flask.Flask`.", "See :class:`framework.Flask`."),
        (":meth:`~flask.Flask.route`", ":meth:`~framework.Flask.route`"),
        (
            ":meth:`app.url_for() <flask.Flask.url_for>`",
            ":meth:`app.url_for() <framework.Flask.url_for>`",
        ),
        (":mod:`flask` and :py:mod:`~flask`", ":mod:`framework` and :py:mod:`~framework`"),
        ("``flask.json`` is a module", "``framework.json`` is a module"),
        ('hard-coding ``"flask.app"``.', 'hard-coding ``"framework.app"``.'),
        # imports, doctests, shell one-liners, -m
        (
            ">>> import flask\n>>> from flask.json import dumps",
            ">>> import framework\n>>> from framework.json import dumps",
        ),
        ('python -c "import flask"', 'python -c "import framework"'),
        ('<a href="/docs/views/flask.app.Flask/">', '<a href="/docs/views/framework.app.Flask/">'),
        ("see github.com/pallets/flask.git", "see github.com/pallets/flask.git"),
        ("$ python -m flask run", "$ python -m framework run"),
        (
            "'stream': 'ext://flask.logging.wsgi_errors_stream'",
            "'stream': 'ext://framework.logging.wsgi_errors_stream'",
        ),
        # left alone: product name, commands, URLs, addresses, other packages, keep-list
        ("from cliapp import flask", "from cliapp import flask"),
        ("it inherits from flask itself", "it inherits from flask itself"),
        ("Flask is a framework; run ``flask run``.", "Flask is a framework; run ``flask run``."),
        ("the :command:`flask` script", "the :command:`flask` script"),
        (
            "https://flask.palletsprojects.com/en/3.0.x/",
            "https://flask.palletsprojects.com/en/3.0.x/",
        ),
        ("see flask.palletsprojects.com", "see flask.palletsprojects.com"),
        ("github.com/pallets/flask/issues/1", "github.com/pallets/flask/issues/1"),
        (
            "from sentry_sdk.integrations.flask import X",
            "from sentry_sdk.integrations.flask import X",
        ),
        ("pip install flask-sqlalchemy flask_login", "pip install flask-sqlalchemy flask_login"),
        ('[project.entry-points."flask.commands"]', '[project.entry-points."flask.commands"]'),
        ("the ``flask.commands`` group", "the ``flask.commands`` group"),
    ],
)
def test_rename_references(before: str, after: str) -> None:
    assert rename_references(before, FLASK) == after


def test_rst_document() -> None:
    before = textwrap.dedent(
        """\
        API
        ===

        .. module:: flask

        .. automodule:: flask.json.tag

        .. currentmodule:: flask.sessions

        .. autoclass:: flask.Flask
           :members:

        Install with ``pip install flask``; docs at https://flask.palletsprojects.com/.
        """
    )
    after = textwrap.dedent(
        """\
        API
        ===

        .. module:: framework

        .. automodule:: framework.json.tag

        .. currentmodule:: framework.sessions

        .. autoclass:: framework.Flask
           :members:

        Install with ``pip install flask``; docs at https://flask.palletsprojects.com/.
        """
    )
    assert rename_text(before, FLASK) == after


def test_markdown_with_other_map() -> None:
    before = "```python\nimport requests\nrequests.get(url)\n```\nSee requests.adapters.\n"
    after = "```python\nimport fetcher\nfetcher.get(url)\n```\nSee fetcher.adapters.\n"
    assert rename_text(before, REQUESTS) == after


def test_text_without_old_name_is_identical() -> None:
    text = "nothing to see"
    assert rename_text(text, FLASK) is text


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("from ``flask`` import x", "from ``framework`` import x"),
        ("the ``flask``\nmodule::", "the ``framework``\nmodule::"),
        ('use importlib.metadata.version("flask")', 'use importlib.metadata.version("framework")'),
        ("version('Flask')", "version('Framework')"),
        (
            "mypy -p flask && pytest --pyargs flask",
            "mypy -p framework && pytest --pyargs framework",
        ),
        ("watch: src/flask and src/flask/*.py", "watch: src/framework and src/framework/*.py"),
        ("edit flask/app.py", "edit framework/app.py"),
        (":class:`~.flask.Flask`", ":class:`~.framework.Flask`"),
        # left alone
        ("the ``flask`` command", "the ``flask`` command"),
        ("xgettext -o flask.pot", "xgettext -o flask.pot"),
        ("see /home/me/flask/app.py", "see /home/me/flask/app.py"),
    ],
)
def test_more_references(before: str, after: str) -> None:
    assert rename_references(before, FLASK) == after


def test_symbols_in_prose() -> None:
    import dataclasses

    rename = dataclasses.replace(
        FLASK, symbols={"flask.Flask": "Framework", "flask.app.Flask": "Framework"}
    )
    text = textwrap.dedent(
        """\
        .. currentmodule:: flask

        .. autoclass:: Flask

        :class:`Flask`, :meth:`app.run() <Flask.run>`, :class:`flask.app.Flask`,
        ``from flask import Flask, g``. Flask is a microframework.

        .. currentmodule:: flask.json

        :class:`Flask` resolves up to the package; :func:`dumps` is not a symbol.
        """
    )
    assert rename_references(text, rename) == textwrap.dedent(
        """\
        .. currentmodule:: framework

        .. autoclass:: Framework

        :class:`Framework`, :meth:`app.run() <Framework.run>`, :class:`framework.app.Framework`,
        ``from framework import Framework, g``. Flask is a microframework.

        .. currentmodule:: framework.json

        :class:`Framework` resolves up to the package; :func:`dumps` is not a symbol.
        """
    )
    assert rename_references(":class:`Flask`", rename, module="flask.app") == (":class:`Framework`")
