"""Golden pairs for pyproject.toml (forktool.codemods.packaging.pyproject)."""

from __future__ import annotations

import textwrap

import pytest
import tomlkit.exceptions

from forktool.codemods.packaging.pyproject import rename_pyproject
from forktool.model import RenameMap

from .maps import FLASK, REQUESTS


def check(before: str, after: str, rename: RenameMap = FLASK) -> None:
    assert rename_pyproject(textwrap.dedent(before), rename) == textwrap.dedent(after)


def test_project_table() -> None:
    check(
        """\
        [project]
        name = "Flask"  # the distribution
        description = "Flask is a framework."
        classifiers = ["Framework :: Flask"]
        dependencies = [
            "Werkzeug>=3.1",  # keep comments
            'flask-sqlalchemy',
        ]

        [project.optional-dependencies]
        all = ["flask[async]>=3"]

        [project.urls]
        Source = "https://github.com/pallets/flask/"

        [project.scripts]
        # the CLI
        flask = "flask.cli:main"
        other = 'tool.cli:main'

        [project.entry-points."flask.commands"]
        routes = "flask.cli:routes_command"

        [project.entry-points."flask.plugins"]
        x = "flask.plugins:x"
        """,
        """\
        [project]
        name = "Framework"  # the distribution
        description = "Flask is a framework."
        classifiers = ["Framework :: Flask"]
        dependencies = [
            "Werkzeug>=3.1",  # keep comments
            'flask-sqlalchemy',
        ]

        [project.optional-dependencies]
        all = ["framework[async]>=3"]

        [project.urls]
        Source = "https://github.com/pallets/flask/"

        [project.scripts]
        # the CLI
        framework = "framework.cli:main"
        other = 'tool.cli:main'

        [project.entry-points."flask.commands"]
        routes = "framework.cli:routes_command"

        [project.entry-points."framework.plugins"]
        x = "framework.plugins:x"
        """,
    )


def test_build_backends_and_tools() -> None:
    check(
        """\
        [build-system]
        requires = ["flit_core<4"]

        [dependency-groups]
        tests = ["pytest", "flask>=3"]

        [tool.flit.module]
        name = "flask"

        [tool.flit.sdist]
        include = ["docs/", "src/flask/py.typed"]
        exclude = ["docs/_build/"]

        [tool.setuptools]
        packages = ["flask", "flask.json"]

        [tool.setuptools.package-dir]
        flask = "src/flask"

        [tool.setuptools.package-data]
        flask = ["py.typed"]

        [tool.setuptools.dynamic]
        version = {attr = "flask.__version__"}

        [tool.hatch.build.targets.wheel]
        packages = ["src/flask"]

        [tool.hatch.version]
        path = "src/flask/__init__.py"

        [tool.coverage.run]
        source = ["flask", "tests"]

        [tool.mypy]
        files = ["src/flask", "tests/type_check"]
        packages = ["flask"]

        [[tool.mypy.overrides]]
        module = ["flask.json.*", "asgiref.*"]

        [tool.pytest.ini_options]
        addopts = "-ra --cov=flask"
        filterwarnings = ["error", "ignore::DeprecationWarning:flask.app"]

        [tool.ruff.lint.isort]
        known-first-party = ["flask"]
        """,
        """\
        [build-system]
        requires = ["flit_core<4"]

        [dependency-groups]
        tests = ["pytest", "framework>=3"]

        [tool.flit.module]
        name = "framework"

        [tool.flit.sdist]
        include = ["docs/", "src/framework/py.typed"]
        exclude = ["docs/_build/"]

        [tool.setuptools]
        packages = ["framework", "framework.json"]

        [tool.setuptools.package-dir]
        framework = "src/framework"

        [tool.setuptools.package-data]
        framework = ["py.typed"]

        [tool.setuptools.dynamic]
        version = {attr = "framework.__version__"}

        [tool.hatch.build.targets.wheel]
        packages = ["src/framework"]

        [tool.hatch.version]
        path = "src/framework/__init__.py"

        [tool.coverage.run]
        source = ["framework", "tests"]

        [tool.mypy]
        files = ["src/framework", "tests/type_check"]
        packages = ["framework"]

        [[tool.mypy.overrides]]
        module = ["framework.json.*", "asgiref.*"]

        [tool.pytest.ini_options]
        addopts = "-ra --cov=framework"
        filterwarnings = ["error", "ignore::DeprecationWarning:framework.app"]

        [tool.ruff.lint.isort]
        known-first-party = ["framework"]
        """,
    )


def test_poetry_and_other_map() -> None:
    check(
        """\
        [tool.poetry]
        name = "requests"
        packages = [{include = "requests", from = "src"}]

        [tool.poetry.dependencies]
        python = "^3.9"

        [tool.poetry.scripts]
        requests-cli = "requests.cli:main"
        """,
        """\
        [tool.poetry]
        name = "fetcher-http"
        packages = [{include = "fetcher", from = "src"}]

        [tool.poetry.dependencies]
        python = "^3.9"

        [tool.poetry.scripts]
        fetcher-cli = "fetcher.cli:main"
        """,
        REQUESTS,
    )


def test_dependent_project_renames_its_dependency() -> None:
    check(
        """\
        [project]
        name = "flaskr"
        dependencies = ["flask"]
        """,
        """\
        [project]
        name = "flaskr"
        dependencies = ["framework"]
        """,
    )


def test_invalid_toml_raises() -> None:
    with pytest.raises(tomlkit.exceptions.TOMLKitError):
        rename_pyproject("[project\nname = 1", FLASK)


def test_setuptools_find_dynamic_and_options() -> None:
    check(
        """\
        [tool.setuptools.packages.find]
        where = ["src"]
        include = ["flask*"]

        [tool.setuptools.dynamic]
        version = {file = "src/flask/VERSION"}
        readme = {file = ["README.rst"]}

        [tool.hatch.build.targets.sdist]
        include = ["/src/flask", "/tests"]

        [tool.hatch.build.targets.wheel.force-include]
        "src/flask/data" = "flask/data"

        [tool.pytest.ini_options]
        addopts = "--pyargs flask -p flask.testing"

        [tool.poetry]
        packages = [{include = "flask"}]

        [tool.poetry.plugins."flask.commands"]
        x = "flask.cli:x"
        """,
        """\
        [tool.setuptools.packages.find]
        where = ["src"]
        include = ["framework*"]

        [tool.setuptools.dynamic]
        version = {file = "src/framework/VERSION"}
        readme = {file = ["README.rst"]}

        [tool.hatch.build.targets.sdist]
        include = ["/src/framework", "/tests"]

        [tool.hatch.build.targets.wheel.force-include]
        "src/framework/data" = "framework/data"

        [tool.pytest.ini_options]
        addopts = "--pyargs framework -p framework.testing"

        [tool.poetry]
        packages = [{include = "framework"}]

        [tool.poetry.plugins."flask.commands"]
        x = "framework.cli:x"
        """,
    )


def test_poetry_metadata_is_not_a_module_path() -> None:
    # [tool.poetry] name is the distribution (kept: the map renames no distribution);
    # description and URLs are prose, as in [project]
    check(
        """\
        [tool.poetry]
        name = "blinker"
        description = "blinker signals"
        homepage = "https://blinker.readthedocs.io"
        packages = [{include = "blinker", from = "src"}]

        [tool.poetry.urls]
        Changes = "https://blinker.readthedocs.io/changes"
        """,
        """\
        [tool.poetry]
        name = "blinker"
        description = "blinker signals"
        homepage = "https://blinker.readthedocs.io"
        packages = [{include = "signalkit", from = "src"}]

        [tool.poetry.urls]
        Changes = "https://blinker.readthedocs.io/changes"
        """,
        RenameMap(packages={"blinker": "signalkit"}),
    )
