"""Golden pairs for documentation text (forktool.codemods.docs.rules, .documents)."""

from __future__ import annotations

import dataclasses
import textwrap

from forktool.codemods.docs.documents import rename_document
from forktool.codemods.docs.rules import rename_doc
from forktool.codemods.python.codemod import doc_code_renamers

from .maps import FLASK, REQUESTS

SYMBOLS = dataclasses.replace(
    FLASK, symbols={"flask.Flask": "Framework", "flask.app.Flask": "Framework"}
)


def check(before: str, after: str, rename=FLASK) -> None:  # type: ignore[no-untyped-def]
    assert rename_document(textwrap.dedent(before), rename) == textwrap.dedent(after)


def test_sphinx_roles_directives_and_code() -> None:
    check(
        """\
        .. currentmodule:: flask

        .. autoclass:: Flask
           :members:

        The :class:`Flask` object, :meth:`~Flask.run`, :attr:`.Flask.config` and
        :class:`~flask.Flask`. Flask is a microframework; ``Flask`` stays a word.

        .. code-block:: python

            from flask import Flask
            app = Flask(__name__)

        Later examples assume the import::

            app = Flask(__name__)
            flask.g.user = None

        >>> from flask import Flask
        >>> Flask.name
        'Flask'

        .. code-block:: toml

            [project]
            dependencies = ["flask"]

        Run it with ``flask run`` or::

            $ flask --app hello run
        """,
        """\
        .. currentmodule:: framework

        .. autoclass:: Framework
           :members:

        The :class:`Framework` object, :meth:`~Framework.run`, :attr:`.Framework.config` and
        :class:`~framework.Framework`. Flask is a microframework; ``Flask`` stays a word.

        .. code-block:: python

            from framework import Framework
            app = Framework(__name__)

        Later examples assume the import::

            app = Framework(__name__)
            framework.g.user = None

        >>> from framework import Framework
        >>> Framework.name
        'Flask'

        .. code-block:: toml

            [project]
            dependencies = ["framework"]

        Run it with ``framework run`` or::

            $ framework --app hello run
        """,
        SYMBOLS,
    )


def test_local_binding_in_code_is_not_the_package() -> None:
    check(
        """\
        .. code-block:: python

            flask = make_bottle()
            flask.pour()
        """,
        """\
        .. code-block:: python

            flask = make_bottle()
            flask.pour()
        """,
    )


def test_markdown_readme() -> None:
    check(
        """\
        # Flask

        ```python
        from flask import Flask
        app = Flask(__name__)
        ```

        ```
        $ pip install -U Flask
        $ flask run
        ```
        """,
        """\
        # Flask

        ```python
        from framework import Framework
        app = Framework(__name__)
        ```

        ```
        $ pip install -U Framework
        $ framework run
        ```
        """,
        SYMBOLS,
    )


def test_docstring_roles_resolve_against_their_module() -> None:
    renamers = doc_code_renamers(SYMBOLS, "flask.app")
    text = "Create a :class:`Flask`, see :meth:`Flask.run`."
    assert rename_doc(text, SYMBOLS, renamers, module="flask.app") == (
        "Create a :class:`Framework`, see :meth:`Framework.run`."
    )
    other = dataclasses.replace(SYMBOLS, symbols={"flask.app.Flask": "Framework"})
    assert rename_doc(text, other, doc_code_renamers(other, None)) == text


def test_titles_and_their_underlines() -> None:
    text = "flask\n~~~~~\n\nflask.app\n=========\n\nflask.json\n------------------\n"
    assert rename_doc(text, FLASK, doc_code_renamers(FLASK, "flask"), module="flask") == (
        "framework\n~~~~~~~~~\n\nframework.app\n=============\n\n"
        "framework.json\n------------------\n"
    )


def test_docs_off_leaves_documents_alone() -> None:
    text = ".. module:: flask\n\n$ flask run\n"
    assert rename_document(text, dataclasses.replace(FLASK, docs=False)) is text


def test_other_map() -> None:
    check(
        """\
        >>> import requests
        >>> requests.get(url)
        $ pip install requests
        """,
        """\
        >>> import fetcher
        >>> fetcher.get(url)
        $ pip install fetcher-http
        """,
        REQUESTS,
    )
