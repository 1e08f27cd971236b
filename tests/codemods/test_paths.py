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
        (
            "tests/test_apps/cliapp/inner1/inner2/flask.py",
            "tests/test_apps/cliapp/inner1/inner2/framework.py",
        ),
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
