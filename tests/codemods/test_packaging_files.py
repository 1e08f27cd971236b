"""Golden pairs for requirements, MANIFEST.in and core metadata (codemods.packaging_files)."""

from __future__ import annotations

import textwrap

from forktool.codemods.packaging.metadata_files import (
    rename_ignore_file,
    rename_manifest,
    rename_pkg_info,
    rename_requirements,
    rename_sources,
    rename_top_level,
)

from .maps import FLASK, REQUESTS


def test_requirements() -> None:
    before = textwrap.dedent(
        """\
        # pins for flask
        -r base.txt
        -e .
        Flask==3.1.3  # pinned
        flask[async]>=3 ; python_version > "3.8"
        flask-sqlalchemy==3.0
        https://example.org/flask-1.0.tar.gz
        """
    )
    after = textwrap.dedent(
        """\
        # pins for flask
        -r base.txt
        -e .
        Framework==3.1.3  # pinned
        framework[async]>=3 ; python_version > "3.8"
        flask-sqlalchemy==3.0
        https://example.org/flask-1.0.tar.gz
        """
    )
    assert rename_requirements(before, FLASK) == after


def test_pip_compile_annotations_follow_the_distribution() -> None:
    before = textwrap.dedent(
        """\
        blinker==1.6.2
            # via flask
        click==8.1.3
            # via
            #   celery
            #   flask
        flask==2.3.2
            # via flask-example-celery (pyproject.toml)
        # flask is pinned above
        """
    )
    after = textwrap.dedent(
        """\
        blinker==1.6.2
            # via framework
        click==8.1.3
            # via
            #   celery
            #   framework
        framework==2.3.2
            # via flask-example-celery (pyproject.toml)
        # flask is pinned above
        """
    )
    assert rename_requirements(before, FLASK) == after


def test_requirements_other_map() -> None:
    assert rename_requirements("requests>=2\nurllib3\n", REQUESTS) == "fetcher-http>=2\nurllib3\n"


def test_manifest() -> None:
    before = textwrap.dedent(
        """\
        include CHANGES.rst
        graft src/flask/templates
        recursive-include src/flask *.html flask.txt
        include flask/py.typed
        prune docs/_build
        """
    )
    after = textwrap.dedent(
        """\
        include CHANGES.rst
        graft src/framework/templates
        recursive-include src/framework *.html flask.txt
        include framework/py.typed
        prune docs/_build
        """
    )
    assert rename_manifest(before, FLASK) == after


def test_pkg_info() -> None:
    before = textwrap.dedent(
        """\
        Metadata-Version: 2.4
        Name: Flask
        Version: 3.1.3
        Classifier: Framework :: Flask
        Requires-Dist: werkzeug>=3.1.0
        Requires-Dist: flask[async] ; extra == "self"
        Project-URL: Source, https://github.com/pallets/flask/

        # Flask

        ```python
        from flask import Flask
        ```
        $ flask run
        """
    )
    after = textwrap.dedent(
        """\
        Metadata-Version: 2.4
        Name: Framework
        Version: 3.1.3
        Classifier: Framework :: Flask
        Requires-Dist: werkzeug>=3.1.0
        Requires-Dist: framework[async] ; extra == "self"
        Project-URL: Source, https://github.com/pallets/flask/

        # Flask

        ```python
        from framework import Flask
        ```
        $ framework run
        """
    )
    assert rename_pkg_info(before, FLASK) == after


def test_egg_info_files() -> None:
    assert rename_top_level("flask\n", FLASK) == "framework\n"
    assert rename_sources("setup.py\nsrc/flask/app.py\n", FLASK) == (
        "setup.py\nsrc/framework/app.py\n"
    )


def test_pkg_info_import_names() -> None:
    """Metadata 2.5 (PEP 794, which flit writes): import names follow the package."""
    before = (
        "Metadata-Version: 2.5\nName: Flask\nImport-Name: flask\n"
        "Import-Name: flask.json; private\nImport-Namespace: flaskish\n"
    )
    after = (
        "Metadata-Version: 2.5\nName: Framework\nImport-Name: framework\n"
        "Import-Name: framework.json; private\nImport-Namespace: flaskish\n"
    )
    assert rename_pkg_info(before, FLASK) == after


def test_pkg_info_description_header() -> None:
    before = (
        "Metadata-Version: 2.1\n"
        "Name: Flask\n"
        "Description: Flask\n"
        "        =====\n"
        "        \n"
        "        .. code-block:: python\n"
        "        \n"
        "            from flask import Flask\n"
        "        \n"
        "            $ env FLASK_APP=hello.py flask run\n"
        "Platform: UNKNOWN\n"
    )
    after = before.replace("Name: Flask", "Name: Framework")
    after = after.replace("from flask import", "from framework import")
    after = after.replace("hello.py flask run", "hello.py framework run")
    assert rename_pkg_info(before, FLASK) == after


def test_ignore_file_paths_follow_the_package() -> None:
    before = (
        "# flask build output\n"
        "src/flask/_version.py\n"
        "/flask/static/*.css\n"
        "!src/flask/keep.txt\n"
        "flask\n"
        "*.pyc\n"
        "docs/flask/\n"
    )
    after = (
        "# flask build output\n"
        "src/framework/_version.py\n"
        "/framework/static/*.css\n"
        "!src/framework/keep.txt\n"
        "flask\n"
        "*.pyc\n"
        "docs/flask/\n"
    )
    assert rename_ignore_file(before, FLASK) == after
