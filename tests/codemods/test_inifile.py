"""Golden pairs for INI-style files (forktool.codemods.packaging.ini)."""

from __future__ import annotations

import textwrap

from forktool.codemods.packaging.ini import rename_entry_points_ini, rename_ini, rename_item

from .maps import FLASK, REQUESTS


def test_setup_cfg() -> None:
    before = textwrap.dedent(
        """\
        [metadata]
        name = Flask
        description = A simple framework; see flask.palletsprojects.com
        url = https://github.com/pallets/flask

        [options]
        packages = find:
        package_dir = = src
        py_modules = flask
        install_requires =
            Werkzeug >= 2.0
            flask-sqlalchemy
        include_package_data = true

        [options.packages.find]
        where = src
        include = flask, flask.*

        [options.package_data]
        flask = py.typed

        [options.extras_require]
        self = Flask[async]

        [options.entry_points]
        console_scripts =
            flask = flask.cli:main
        flask.commands =
            routes = flask.cli:routes_command

        [tool:pytest]
        testpaths = tests
        filterwarnings =
            error
            ignore::DeprecationWarning:flask.app

        [coverage:run]
        source =
            flask
            tests

        [mypy-flask.json.*]
        ignore_missing_imports = True
        """
    )
    after = textwrap.dedent(
        """\
        [metadata]
        name = Framework
        description = A simple framework; see flask.palletsprojects.com
        url = https://github.com/pallets/flask

        [options]
        packages = find:
        package_dir = = src
        py_modules = framework
        install_requires =
            Werkzeug >= 2.0
            flask-sqlalchemy
        include_package_data = true

        [options.packages.find]
        where = src
        include = framework, framework.*

        [options.package_data]
        framework = py.typed

        [options.extras_require]
        self = Framework[async]

        [options.entry_points]
        console_scripts =
            framework = framework.cli:main
        flask.commands =
            routes = framework.cli:routes_command

        [tool:pytest]
        testpaths = tests
        filterwarnings =
            error
            ignore::DeprecationWarning:framework.app

        [coverage:run]
        source =
            framework
            tests

        [mypy-framework.json.*]
        ignore_missing_imports = True
        """
    )
    assert rename_ini(before, FLASK) == after


def test_tox_ini_commands_only_change_unambiguous_items() -> None:
    # the console script as the command, a module after -m/-p; a bare argument stays
    before = textwrap.dedent(
        """\
        [testenv]
        deps =
            -r requirements/tests.txt
            flask
        commands =
            pytest --cov=flask tests
            flask --version
            python -m flask.cli
            mypy -p flask
            pytest flask
        """
    )
    after = textwrap.dedent(
        """\
        [testenv]
        deps =
            -r requirements/tests.txt
            framework
        commands =
            pytest --cov=framework tests
            framework --version
            python -m framework.cli
            mypy -p framework
            pytest flask
        """
    )
    assert rename_ini(before, FLASK) == after


def test_entry_points_txt() -> None:
    before = "[console_scripts]\nflask = flask.cli:main\n\n[flask.commands]\nx = flask.x:y\n"
    after = (
        "[console_scripts]\nframework = framework.cli:main\n\n[flask.commands]\nx = framework.x:y\n"
    )
    assert rename_entry_points_ini(before, FLASK) == after


def test_entry_points_other_map() -> None:
    before = "[console_scripts]\nrequests-cli = requests.cli:main\n[requests.plugins]\na = b:c\n"
    after = "[console_scripts]\nfetcher-cli = fetcher.cli:main\n[fetcher.plugins]\na = b:c\n"
    assert rename_entry_points_ini(before, REQUESTS) == after


def test_crlf_and_comments_survive() -> None:
    before = "[coverage:run]\r\n# flask is measured\r\nsource = flask\r\n"
    after = "[coverage:run]\r\n# flask is measured\r\nsource = framework\r\n"
    assert rename_ini(before, FLASK) == after


def test_rename_item() -> None:
    assert rename_item("--cov=flask", FLASK) == "--cov=framework"
    assert rename_item("src/flask/", FLASK) == "src/framework/"
    assert rename_item("flask", FLASK, bare=False) is None
    assert rename_item("https://flask.palletsprojects.com", FLASK) is None


def test_setuptools_directives() -> None:
    before = textwrap.dedent(
        """\
        [metadata]
        name = Flask
        version = attr: flask.__version__
        long_description = file: README.rst, src/flask/CHANGES.rst
        url = https://flask.palletsprojects.com/
        """
    )
    after = textwrap.dedent(
        """\
        [metadata]
        name = Framework
        version = attr: framework.__version__
        long_description = file: README.rst, src/framework/CHANGES.rst
        url = https://flask.palletsprojects.com/
        """
    )
    assert rename_ini(before, FLASK) == after
