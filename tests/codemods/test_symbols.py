"""Tests for following re-exports of renamed symbols (forktool.codemods.passes.reexports)."""

from __future__ import annotations

import dataclasses
import textwrap

from forktool.codemods.passes.reexports import expand_symbols
from forktool.model import FileEntry, RenameMap

from .maps import FLASK, REQUESTS

FLASK_SYMBOLS = dataclasses.replace(FLASK, symbols={"flask.Flask": "Framework"})


def tree(files: dict[str, str]) -> dict[str, FileEntry]:
    return {path: FileEntry(textwrap.dedent(text).encode()) for path, text in files.items()}


def test_reexports_and_package_imports_are_the_same_symbol() -> None:
    files = tree(
        {
            "src/flask/__init__.py": "from .app import Flask as Flask\n",
            "src/flask/app.py": "class Flask:\n    pass\n",
            "src/flask/testing.py": """\
                import typing as t
                if t.TYPE_CHECKING:
                    from .app import Flask
                """,
            "src/flask/cli.py": "from . import Flask\nfrom .app import Flask as App\n",
            "src/flask/json/__init__.py": "from ..app import Flask\n",
            "tests/test_app.py": "from flask import Flask\n",
        }
    )
    assert expand_symbols(files, FLASK_SYMBOLS).symbols == {
        "flask.Flask": "Framework",
        "flask.app.Flask": "Framework",
        "flask.cli.Flask": "Framework",
        "flask.json.Flask": "Framework",
        "flask.testing.Flask": "Framework",
    }


def test_star_imports_and_try_blocks_are_followed() -> None:
    files = tree(
        {
            "flask/__init__.py": "from .core import *\n",
            "flask/core.py": """\
                try:
                    from ._speedups import Flask
                except ImportError:
                    from ._native import Flask
                """,
            "flask/_native.py": "Flask = type('Flask', (), {})\n",
        }
    )
    expanded = expand_symbols(files, FLASK_SYMBOLS).symbols
    assert expanded["flask.core.Flask"] == "Framework"
    assert expanded["flask._native.Flask"] == "Framework"


def test_declared_entries_win_and_submodules_are_not_symbols() -> None:
    files = tree(
        {
            "flask/__init__.py": "from . import json\nfrom .app import Flask\n",
            "flask/app.py": "class Flask: ...\n",
            "flask/json/__init__.py": "def dumps(): ...\n",
        }
    )
    rename = dataclasses.replace(
        FLASK, symbols={"flask.Flask": "Framework", "flask.app.Flask": "Application"}
    )
    assert expand_symbols(files, rename).symbols == {
        "flask.Flask": "Framework",
        "flask.app.Flask": "Application",
    }
    submodule = dataclasses.replace(FLASK, symbols={"flask.json": "codec"})
    assert expand_symbols(files, submodule).symbols == {"flask.json": "codec"}


def test_unparseable_module_and_no_symbols() -> None:
    files = tree({"flask/__init__.py": "print 'Flask'\n", "flask/app.py": "class Flask: ...\n"})
    assert expand_symbols(files, FLASK_SYMBOLS).symbols == {"flask.Flask": "Framework"}
    assert expand_symbols(files, FLASK) is FLASK


def test_other_map() -> None:
    rename = dataclasses.replace(REQUESTS, symbols={"requests.Session": "Client"})
    files = tree(
        {
            "requests/__init__.py": "from .sessions import Session\n",
            "requests/sessions.py": "class Session: ...\n",
            "requests/api.py": "from . import sessions\n",
        }
    )
    assert expand_symbols(files, rename).symbols == {
        "requests.Session": "Client",
        "requests.sessions.Session": "Client",
    }


def test_dotted_package_key() -> None:
    rename = RenameMap(
        packages={"pallets.flask": "acme.framework"}, symbols={"pallets.flask.Flask": "Framework"}
    )
    files = tree(
        {
            "src/pallets/flask/__init__.py": "from .app import Flask\n",
            "src/pallets/flask/app.py": "class Flask: ...\n",
        }
    )
    assert expand_symbols(files, rename).symbols == {
        "pallets.flask.Flask": "Framework",
        "pallets.flask.app.Flask": "Framework",
    }
