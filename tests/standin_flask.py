"""Stand-ins for Flask and Flask-CORS, so tests/test_tutorial.py runs docs/tutorial.md offline.

Not a test module. The tutorial forks the real Flask 3.1.2 and 3.1.3 from PyPI and installs
the real Flask-CORS; offline, the test serves these instead:

- :func:`flask_sdist` -- a miniature Flask with the real layout (``src/flask/app.py``,
  ``src/flask/sansio/app.py`` as a namespace subpackage, ``cli.py``, ``PKG-INFO``, a
  ``pyproject.toml`` naming the distribution ``Flask`` and the script ``flask``). It provides
  exactly what the tutorial's ``app.py`` and the health-check codemod use (``route``,
  ``add_url_rule``, ``after_request``, ``test_client()``), and the line the tutorial's fork
  commit changes, ``select_jinja_autoescape``, is the real line of each release
  (:data:`AUTOESCAPE_LINES`), so the sync to 3.1.3 conflicts exactly as with real Flask.
- :func:`write_flask_cors_wheel` -- a Flask-CORS wheel: ``CORS(app)`` imports ``flask`` (so
  the shim must alias it to the fork), requires ``Flask>=0.9`` (so pip must accept the shim
  as Flask) and adds ``Access-Control-Allow-Origin: *`` to every response, as the real one
  does for a request without an ``Origin`` header.

Both build with :data:`BACKEND`, a PEP 517 build backend of a few lines, standard library
only, shipped inside the stand-in sdist (``build-backend = "standin_backend"``, in-tree):
pip needs nothing from an index to build the fork. (setuptools cannot stand in: the one
CPython 3.11 bundles, 65.5, asks for ``wheel`` to build a wheel, and 3.12 bundles none.)
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

#: The ``select_jinja_autoescape`` line of each real release, verbatim (indented).
AUTOESCAPE_LINES = {
    "3.1.2": "    def select_jinja_autoescape(self, filename: str) -> bool:",
    "3.1.3": "    def select_jinja_autoescape(self, filename: str | None) -> bool:",
}

#: Upload dates of the real releases (the index lists them; vendor commits carry them).
RELEASE_DATES = {"3.1.2": "2025-08-19T21:03:21Z", "3.1.3": "2026-02-19T05:00:57Z"}

BACKEND = '''\
"""A PEP 517 build backend for a stand-in distribution: standard library only.

Builds a pure-Python wheel of every module under src/, with the name, version,
dependencies and console scripts of pyproject.toml's [project] table.
"""

import base64
import hashlib
import re
import tomllib
import zipfile
from pathlib import Path


def build(source, wheel_directory):
    """Write the wheel of the project in ``source`` to ``wheel_directory``; its name."""
    source = Path(source)
    project = tomllib.loads((source / "pyproject.toml").read_text("utf-8"))["project"]
    name = re.sub(r"[-_.]+", "_", project["name"]).lower()
    version = project["version"]
    info = f"{name}-{version}.dist-info"
    files = {}
    for path in sorted((source / "src").rglob("*.py")):
        files[path.relative_to(source / "src").as_posix()] = path.read_bytes()
    metadata = f"Metadata-Version: 2.1\\nName: {project['name']}\\nVersion: {version}\\n"
    metadata += "".join(f"Requires-Dist: {r}\\n" for r in project.get("dependencies", []))
    files[f"{info}/METADATA"] = metadata.encode()
    wheel = "Wheel-Version: 1.0\\nGenerator: standin_backend\\nRoot-Is-Purelib: true\\n"
    files[f"{info}/WHEEL"] = (wheel + "Tag: py3-none-any\\n").encode()
    scripts = project.get("scripts", {})
    if scripts:
        lines = "".join(f"{k} = {v}\\n" for k, v in scripts.items())
        files[f"{info}/entry_points.txt"] = ("[console_scripts]\\n" + lines).encode()
    record = []
    for rel, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
        record.append(f"{rel},sha256={digest.decode()},{len(data)}\\n")
    files[f"{info}/RECORD"] = ("".join(record) + f"{info}/RECORD,,\\n").encode()
    wheel_name = f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(Path(wheel_directory) / wheel_name, "w") as archive:
        for rel, data in files.items():
            archive.writestr(zipfile.ZipInfo(rel, (2024, 1, 1, 0, 0, 0)), data)
    return wheel_name


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    return build(".", wheel_directory)
'''

PYPROJECT = """\
[project]
name = "Flask"
version = "{version}"
description = "A simple framework for building complex web applications."
requires-python = ">=3.11"

[project.scripts]
flask = "flask.cli:main"

[build-system]
requires = []
build-backend = "standin_backend"
backend-path = ["build-backend"]
"""

PKG_INFO = """\
Metadata-Version: 2.1
Name: Flask
Version: {version}
Summary: A simple framework for building complex web applications.
Requires-Python: >=3.11
"""

INIT = '''\
"""A miniature Flask with the real one's layout (tests/standin_flask.py)."""

from .app import Flask as Flask
from .wrappers import Response as Response

__version__ = "{version}"
'''

SANSIO_APP = '''\
"""What the application object does without a server: routing and hooks."""

from __future__ import annotations

import typing as t


class App:
    """Routes and ``after_request`` functions, shared by every kind of app."""

    def __init__(self, import_name: str) -> None:
        self.import_name = import_name
        self.view_functions: dict[str, t.Callable[[], t.Any]] = {}
        self.url_map: dict[str, str] = {}
        self.after_request_funcs: list[t.Callable[[t.Any], t.Any]] = []

    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: t.Callable[[], t.Any] | None = None,
        **options: t.Any,
    ) -> None:
        if view_func is None:
            raise TypeError("view_func is required")
        endpoint = endpoint or view_func.__name__
        self.url_map[rule] = endpoint
        self.view_functions[endpoint] = view_func

    def route(self, rule: str, **options: t.Any) -> t.Callable[[t.Any], t.Any]:
        def decorator(f: t.Any) -> t.Any:
            self.add_url_rule(rule, options.pop("endpoint", None), f, **options)
            return f

        return decorator

    def get(self, rule: str, **options: t.Any) -> t.Callable[[t.Any], t.Any]:
        return self.route(rule, methods=["GET"], **options)

    def after_request(self, f: t.Any) -> t.Any:
        self.after_request_funcs.append(f)
        return f

{autoescape}
        """Returns ``True`` if autoescaping should be active for the given
        template name. If no template name is given, returns `True`.

        .. versionchanged:: 2.2
            Autoescaping is now enabled by default for ``.svg`` files.

        .. versionadded:: 0.5
        """
        if filename is None:
            return True
        return filename.endswith((".html", ".htm", ".xml", ".xhtml", ".svg"))
'''

APP = '''\
"""The application object."""

from __future__ import annotations

import typing as t

from .sansio.app import App
from .testing import FlaskClient
from .wrappers import Response


class Flask(App):
    """The application: dispatches requests to view functions."""

    def make_response(self, rv: t.Any) -> Response:
        if isinstance(rv, Response):
            return rv
        if isinstance(rv, tuple):
            body, status, *headers = rv
            return Response(body, status, dict(headers[0]) if headers else {})
        return Response(rv)

    def dispatch(self, path: str, headers: dict[str, str]) -> Response:
        endpoint = self.url_map.get(path)
        if endpoint is None:
            response = Response("Not Found", 404)
        else:
            response = self.make_response(self.view_functions[endpoint]())
        for func in self.after_request_funcs:
            response = func(response)
        return response

    def test_client(self) -> FlaskClient:
        return FlaskClient(self)
'''

TESTING = '''\
"""A client that calls the application directly, without a server."""

from __future__ import annotations

import typing as t


class FlaskClient:
    def __init__(self, application: t.Any) -> None:
        self.application = application

    def get(self, path: str = "/", headers: dict[str, str] | None = None) -> t.Any:
        return self.application.dispatch(path, dict(headers or {}))

    def __enter__(self) -> FlaskClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        pass
'''

WRAPPERS = '''\
"""The response object."""

from __future__ import annotations


class Response:
    def __init__(self, body: str, status: int = 200, headers: dict[str, str] | None = None):
        self.status_code = status
        self.headers = {"Content-Type": "text/html; charset=utf-8", **(headers or {})}
        self.data = body.encode()

    def get_data(self, as_text: bool = False) -> bytes | str:
        return self.data.decode() if as_text else self.data
'''

CLI = '''\
"""The command line."""


def main() -> None:
    print("Usage: flask [OPTIONS] COMMAND [ARGS]...")
'''

MAIN = """\
from .cli import main

main()
"""

FLASK_CORS_PYPROJECT = """\
[project]
name = "Flask-Cors"
version = "6.0.1"
dependencies = ["Flask>=0.9"]
"""

FLASK_CORS = '''\
"""A miniature Flask-CORS (tests/standin_flask.py): CORS(app) allows every origin."""

from flask import Flask


class CORS:
    def __init__(self, app=None, **options):
        if app is not None:
            self.init_app(app)

    def init_app(self, app):
        if not isinstance(app, Flask):  # the shim makes the fork's Flask this very class
            raise TypeError(f"CORS needs a flask.Flask application, not {app!r}")
        app.after_request(_allow_every_origin)


def _allow_every_origin(response):
    response.headers.setdefault("Access-Control-Allow-Origin", "*")
    return response
'''


def flask_sdist(version: str) -> dict[str, bytes | str]:
    """The files of the stand-in sdist ``flask-<version>.tar.gz`` (3.1.2 or 3.1.3)."""
    return {
        # What the tutorial quotes of a sync: names kept (a URL) and left as ambiguous
        # (a bare "flask"), a change log that changes with each release.
        "CHANGES.rst": f"Version {version}\n-------------\n\nSee https://flask.palletsprojects.com/.\n",
        "PKG-INFO": PKG_INFO.format(version=version),
        "pyproject.toml": PYPROJECT.format(version=version),
        "build-backend/standin_backend.py": BACKEND,
        "src/flask/__init__.py": INIT.format(version=version),
        "src/flask/__main__.py": MAIN,
        "src/flask/app.py": APP,
        "src/flask/cli.py": CLI,
        "src/flask/testing.py": TESTING,
        "src/flask/wrappers.py": WRAPPERS,
        # No __init__.py: sansio is a namespace subpackage, as in the real Flask.
        "src/flask/sansio/app.py": SANSIO_APP.replace("{autoescape}", AUTOESCAPE_LINES[version]),
    }


def write_flask_cors_wheel(wheelhouse: Path) -> Path:
    """Build the stand-in Flask-CORS wheel into ``wheelhouse``, with :data:`BACKEND`."""
    backend: dict[str, Any] = {}
    exec(compile(BACKEND, "standin_backend.py", "exec"), backend)
    wheelhouse.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp)
        (source / "pyproject.toml").write_text(FLASK_CORS_PYPROJECT, encoding="utf-8")
        (source / "src" / "flask_cors").mkdir(parents=True)
        (source / "src" / "flask_cors" / "__init__.py").write_text(FLASK_CORS, encoding="utf-8")
        name: str = backend["build"](source, wheelhouse)
    return wheelhouse / name
