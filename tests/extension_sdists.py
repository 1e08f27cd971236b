"""Small extension sdists for tests/test_extensions.py: each imports ``flask``, declares
its test dependencies its own way and builds with the stand-in backend (no index needed).

Not a test module.
"""

from __future__ import annotations

from tests.standin_flask import BACKEND

PYPROJECT = """\
[project]
name = "{name}"
version = "{version}"
dependencies = ["Flask>=3"]
{extra}
[build-system]
requires = []
build-backend = "standin_backend"
backend-path = ["build-backend"]
"""

#: Flask-Greet: tests in ``tests/``, test dependencies in an extra, testpaths configured.
GREET = {
    "pyproject.toml": PYPROJECT.format(
        name="Flask-Greet",
        version="1.0",
        extra='[project.optional-dependencies]\ntests = ["pytest"]\n\n'
        '[tool.pytest.ini_options]\ntestpaths = ["tests"]\n',
    ),
    "build-backend/standin_backend.py": BACKEND,
    "src/flask_greet/__init__.py": (
        "from flask import Flask\n\n\n"
        "def greeter(app: Flask) -> Flask:\n"
        "    app.add_url_rule('/hello', 'hello', lambda: 'hello')\n"
        "    return app\n"
    ),
    "tests/test_greet.py": (
        "import pytest\n"
        "from flask import Flask\n"
        "from flask_greet import greeter\n\n\n"
        "def test_says_hello():\n"
        "    client = greeter(Flask(__name__)).test_client()\n"
        "    assert client.get('/hello').get_data(as_text=True) == 'hello'\n\n\n"
        "def test_content_type():\n"
        "    client = greeter(Flask(__name__)).test_client()\n"
        "    headers = client.get('/hello').headers\n"
        "    assert headers['Content-Type'] == 'text/html; charset=utf-8'\n\n\n"
        "def test_not_here():\n"
        "    pytest.skip('skipped on purpose')\n"
    ),
}

#: Flask-Plain: flat layout, test dependencies in tox.ini -> requirements/tests.txt (pinned,
#: with a factor-conditional line and a requirement on Flask itself), no pytest config.
PLAIN = {
    "pyproject.toml": PYPROJECT.format(name="Flask-Plain", version="2.0", extra=""),
    "build-backend/standin_backend.py": BACKEND,
    "src/flask_plain/__init__.py": "import flask\n\nNAME = flask.Flask.__name__\n",
    "tox.ini": "[testenv]\ndeps =\n    -r requirements/tests.txt\n    min: flask==0.1\n",
    "requirements/tests.txt": "pytest==1.0\n    # via -r requirements/tests.in\nflask==3.1.3\n",
    "tests/test_plain.py": (
        "from flask_plain import NAME\n\n\ndef test_name():\n    assert NAME == 'Flask'\n"
    ),
}

#: Flask-Bare: no tests at all in its sdist.
BARE = {
    "pyproject.toml": PYPROJECT.format(name="Flask-Bare", version="0.1", extra=""),
    "build-backend/standin_backend.py": BACKEND,
    "src/flask_bare/__init__.py": "import flask\n",
}
