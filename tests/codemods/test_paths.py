"""Tests for path moves (forktool.codemods.paths)."""

from __future__ import annotations

import pytest

from forktool.codemods.paths import rename_path
from forktool.model import RenameMap

from .maps import FLASK, REQUESTS


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("src/flask/app.py", "src/framework/app.py"),
        ("src/flask/json/tag.py", "src/framework/json/tag.py"),
        ("flask/__init__.py", "framework/__init__.py"),
        ("src/flask", "src/framework"),
        ("src/flask/", "src/framework/"),
        ("./src/flask/py.typed", "./src/framework/py.typed"),
        ("flask.py", "framework.py"),
        ("src/flask.pyi", "src/framework.pyi"),
        (".tox/*/lib/python*/site-packages/flask", ".tox/*/lib/python*/site-packages/framework"),
        ("examples/src/flask/app.py", "examples/src/flask/app.py"),
        # a module named like the package elsewhere keeps its import path
        (
            "tests/test_apps/cliapp/inner1/inner2/flask.py",
            "tests/test_apps/cliapp/inner1/inner2/flask.py",
        ),
        ("src/flask/backends/flask.py", "src/framework/backends/flask.py"),
        ("src/Flask.egg-info/PKG-INFO", "src/Framework.egg-info/PKG-INFO"),
        # not the package: deeper directories, other files, similar names
        ("tests/flask/test_x.py", "tests/flask/test_x.py"),
        ("docs/_static/flask-logo.svg", "docs/_static/flask-logo.svg"),
        ("docs/flask.rst", "docs/flask.rst"),
        ("examples/flaskr/app.py", "examples/flaskr/app.py"),
        ("tests/.flaskenv", "tests/.flaskenv"),
    ],
)
def test_rename_path(path: str, expected: str) -> None:
    assert rename_path(path, FLASK) == expected


def test_other_map() -> None:
    assert rename_path("requests/adapters.py", REQUESTS) == "fetcher/adapters.py"
    assert rename_path("src/requests.egg-info/top_level.txt", REQUESTS) == (
        "src/fetcher-http.egg-info/top_level.txt"
    )


def test_dotted_package_key() -> None:
    rename = RenameMap(packages={"pallets.flask": "pallets.framework"})
    assert rename_path("src/pallets/flask/app.py", rename) == "src/pallets/framework/app.py"
    assert rename_path("src/pallets/click/core.py", rename) == "src/pallets/click/core.py"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("src/flask/app.py", "flask.app"),
        ("src/flask/__init__.py", "flask"),
        ("flask/json/tag.pyi", "flask.json.tag"),
        ("flask.py", "flask"),
        ("tests/flask.py", None),
        ("tests/test_app.py", None),
        ("src/flask/templates/x.html", None),
    ],
)
def test_module_name(path: str, expected: str | None) -> None:
    from forktool.codemods.paths import module_name

    assert module_name(path, FLASK) == expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("src/flask", "src/framework"),
        ("src/flask/static/x.css", "src/framework/static/x.css"),
        ("flask/__init__.py", "framework/__init__.py"),
        ("flask/py.typed", "framework/py.typed"),
        ("flask/", "framework/"),
        ("flask/bytecode/", None),  # a cache key prefix as much as a directory
        ("flask/forms/div.html", None),  # reads as well as a template name
        ("tests/flask/x.py", None),
    ],
)
def test_rename_package_path(path: str, expected: str | None) -> None:
    from forktool.codemods.paths import rename_package_path

    assert rename_package_path(path, FLASK) == expected
