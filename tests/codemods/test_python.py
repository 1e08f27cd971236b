"""Golden before/after pairs for the libcst codemod (forktool.codemods.python.codemod)."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from forktool.codemods.python.codemod import rename_python_bytes, rename_python_source
from forktool.model import RenameMap

from .maps import FLASK, REQUESTS


def check(before: str, after: str, rename: RenameMap = FLASK) -> None:
    source = textwrap.dedent(before)
    assert rename_python_source(source, rename) == textwrap.dedent(after)


# --- import statements ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("import flask.json as j\n", "import framework.json as j\n"),
        ("import flask as f\n", "import framework as f\n"),
        ("from flask import Flask\n", "from framework import Flask\n"),
        ("from flask import Flask as Flask, g\n", "from framework import Flask as Flask, g\n"),
        ("from flask.app import Flask as F\n", "from framework.app import Flask as F\n"),
        (
            "from flask.json.tag import (\n    TaggedJSONSerializer,\n)\n",
            "from framework.json.tag import (\n    TaggedJSONSerializer,\n)\n",
        ),
        ("import os, flask.json as fj\n", "import os, framework.json as fj\n"),
        (
            "from flaskext import x\nimport flask_sqlalchemy\n",
            "from flaskext import x\nimport flask_sqlalchemy\n",
        ),
    ],
)
def test_import_paths_rewritten_aliases_kept(before: str, after: str) -> None:
    check(before, after)


def test_relative_imports_untouched() -> None:
    source = "from . import flask\nfrom .flask import x\nfrom ..flask.app import y\n"
    check(source, source)


def test_import_binds_new_name_and_uses_follow() -> None:
    check(
        """\
        import flask
        import flask.json

        app = flask.Flask(__name__)
        data = flask.json.dumps({})
        print(flask)
        """,
        """\
        import framework
        import framework.json

        app = framework.Flask(__name__)
        data = framework.json.dumps({})
        print(framework)
        """,
    )


def test_shadowing_parameter_and_local_left_alone() -> None:
    check(
        """\
        import flask

        def by_param(flask):
            return flask.x

        def by_local():
            flask = object()
            return flask

        def uses_global():
            return flask.g

        class Holder:
            def method(self):
                return flask.request
        """,
        """\
        import framework

        def by_param(flask):
            return flask.x

        def by_local():
            flask = object()
            return flask

        def uses_global():
            return framework.g

        class Holder:
            def method(self):
                return framework.request
        """,
    )


def test_import_continued_with_backslash() -> None:
    check(
        """\
        import os, \\
            flask
        flask.g
        """,
        """\
        import os, \\
            framework
        framework.g
        """,
    )


def test_names_inside_fstring_expressions() -> None:
    check(
        'import flask\nmsg = f"{flask.__name__}: {flask.g!r}"\n',
        'import framework\nmsg = f"{framework.__name__}: {framework.g!r}"\n',
    )


def test_global_rebinding_keeps_the_name() -> None:
    check(
        """\
        import flask

        def reset():
            global flask
            flask = None
        """,
        """\
        import framework as flask

        def reset():
            global flask
            flask = None
        """,
    )


def test_function_local_import() -> None:
    check(
        """\
        def create():
            import flask
            return flask.Flask("x")
        """,
        """\
        def create():
            import framework
            return framework.Flask("x")
        """,
    )


def test_name_with_another_binding_keeps_name_through_alias() -> None:
    check(
        """\
        try:
            import flask
        except ImportError:
            flask = None

        ok = flask is not None
        """,
        """\
        try:
            import framework as flask
        except ImportError:
            flask = None

        ok = flask is not None
        """,
    )


def test_name_imported_from_elsewhere_is_not_the_package() -> None:
    source = "from cliapp.inner import flask\n\nflask.run()\n"
    check(source, source)


def test_other_rename_map() -> None:
    check(
        """\
        import requests
        from requests.adapters import HTTPAdapter
        from unittest import mock

        requests.get("https://example.org/requests")
        mock.patch("requests.sessions.Session.send")
        keep = "requests.legacy"
        """,
        """\
        import fetcher
        from fetcher.adapters import HTTPAdapter
        from unittest import mock

        fetcher.get("https://example.org/requests")
        mock.patch("fetcher.sessions.Session.send")
        keep = "requests.legacy"
        """,
        REQUESTS,
    )


# --- strings naming modules ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ('mock.patch("flask.helpers.send_file")\n', 'mock.patch("framework.helpers.send_file")\n'),
        ('monkeypatch.setattr("flask.cli.x", 1)\n', 'monkeypatch.setattr("framework.cli.x", 1)\n'),
        ("importlib.import_module('flask.json')\n", "importlib.import_module('framework.json')\n"),
        ('import_module("flask")\n', 'import_module("framework")\n'),
        ('__import__("flask")\n', '__import__("framework")\n'),
        ('pytest.importorskip("flask")\n', 'pytest.importorskip("framework")\n'),
        ('logging.getLogger("flask")\n', 'logging.getLogger("framework")\n'),
        ('logging.getLogger("flask.app")\n', 'logging.getLogger("framework.app")\n'),
        ('sys.modules["flask"]\n', 'sys.modules["framework"]\n'),
        ('sys.modules.pop("flask", None)\n', 'sys.modules.pop("framework", None)\n'),
        ('ok = "flask" in sys.modules\n', 'ok = "framework" in sys.modules\n'),
        (
            'cmd = [sys.executable, "-m", "flask", "run"]\n',
            'cmd = [sys.executable, "-m", "framework", "run"]\n',
        ),
        ('ContextVar("flask.app_ctx")\n', 'ContextVar("framework.app_ctx")\n'),
        (
            'def f(app: "flask.Flask") -> None: ...\n',
            'def f(app: "framework.Flask") -> None: ...\n',
        ),
        ('spec = "flask.cli:main"\n', 'spec = "framework.cli:main"\n'),
        ('name.startswith("flask.")\n', 'name.startswith("framework.")\n'),
        (
            'cfg = "ext://flask.logging.wsgi_errors_stream"\n',
            'cfg = "ext://framework.logging.wsgi_errors_stream"\n',
        ),
    ],
)
def test_module_path_strings(before: str, after: str) -> None:
    check(before, after)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (
            'warnings.filterwarnings("ignore", "msg", UserWarning, "flask.app")\n',
            'warnings.filterwarnings("ignore", "msg", UserWarning, "framework.app")\n',
        ),
        (
            'warnings.filterwarnings("ignore", module="flask")\n',
            'warnings.filterwarnings("ignore", module="framework")\n',
        ),
        (
            'warnings.simplefilter("ignore", module=r"flask\\.app")\n',
            'warnings.simplefilter("ignore", module=r"framework\\.app")\n',
        ),
        (
            '@pytest.mark.filterwarnings("ignore::DeprecationWarning:flask")\ndef t(): ...\n',
            '@pytest.mark.filterwarnings("ignore::DeprecationWarning:framework")\ndef t(): ...\n',
        ),
    ],
)
def test_warning_filters(before: str, after: str) -> None:
    check(before, after)


def test_keep_list_and_ambiguous_bare_names_stay() -> None:
    source = """\
    eps = entry_points(group="flask.commands")
    cli = FlaskGroup(name="flask")
    session["test"] = "flask"
    theme = "flask"
    url = "https://flask.palletsprojects.com/en/latest/"
    host = "flask.palletsprojects.com"
    data = b"flask"
    logo = "flask.png"
    """
    check(source, source)


# --- distribution look-ups -----------------------------------------------------------------


def test_distribution_lookups() -> None:
    check(
        """\
        import importlib.metadata
        from importlib import metadata
        from importlib.metadata import version as v
        import pkg_resources

        a = importlib.metadata.version("flask")
        b = importlib.metadata.version("Flask")
        c = metadata.distribution("flask")
        d = v('flask')
        e = pkg_resources.get_distribution("Flask")
        f = importlib.metadata.version("werkzeug")
        """,
        """\
        import importlib.metadata
        from importlib import metadata
        from importlib.metadata import version as v
        import pkg_resources

        a = importlib.metadata.version("framework")
        b = importlib.metadata.version("Framework")
        c = metadata.distribution("framework")
        d = v('framework')
        e = pkg_resources.get_distribution("Framework")
        f = importlib.metadata.version("werkzeug")
        """,
    )


def test_distribution_lookup_in_fstring() -> None:
    check(
        """\
        out = f"Flask {importlib.metadata.version('flask')}"
        """,
        """\
        out = f"Flask {importlib.metadata.version('framework')}"
        """,
    )


def test_distribution_normalized_new_name() -> None:
    check(
        'importlib.metadata.version("requests")\n',
        'importlib.metadata.version("fetcher-http")\n',
        REQUESTS,
    )


# --- code inside strings -------------------------------------------------------------------


def test_code_in_implicitly_concatenated_string() -> None:
    check(
        """\
        path.write_text(
            "import os\\n"
            "import flask\\n"
            "app = flask.Flask(__name__)\\n"
        )
        """,
        """\
        path.write_text(
            "import os\\n"
            "import framework\\n"
            "app = framework.Flask(__name__)\\n"
        )
        """,
    )


def test_code_in_indented_triple_quoted_string() -> None:
    check(
        '''\
        def test_app(tmp_path):
            tmp_path.joinpath("app.py").write_text(
                """
                from flask import Flask
                import flask.json
                app = Flask(__name__)
                print(flask.json.dumps(1))
                """
            )
        ''',
        '''\
        def test_app(tmp_path):
            tmp_path.joinpath("app.py").write_text(
                """
                from framework import Flask
                import framework.json
                app = Flask(__name__)
                print(framework.json.dumps(1))
                """
            )
        ''',
    )


def test_code_string_keeps_quotes_and_escapes() -> None:
    check(
        "src = 'import flask\\nprint(\"flask\", flask.g)\\t# x'\n",
        "src = 'import framework\\nprint(\"flask\", framework.g)\\t# x'\n",
    )


def test_string_that_does_not_parse_gets_prose_rules() -> None:
    check(
        'msg = "Run: import flask; then use flask.Flask and {{ x"\n',
        'msg = "Run: import framework; then use framework.Flask and {{ x"\n',
    )


# --- docstrings, comments, prose in strings ------------------------------------------------


def test_docstrings_and_comments() -> None:
    check(
        '''\
        """Flask helpers, see :class:`flask.Flask` and :mod:`flask`.

        >>> import flask
        >>> from flask import g
        The flask object is documented at https://flask.palletsprojects.com/.
        """
        import flask  # flask.app holds the class; flask is great

        #: Defaults to :class:`~flask.Config`.
        def f():
            """Use ``flask.g``; run ``flask run`` (the :command:`flask` script)."""
        ''',
        '''\
        """Flask helpers, see :class:`framework.Flask` and :mod:`framework`.

        >>> import framework
        >>> from framework import g
        The flask object is documented at https://flask.palletsprojects.com/.
        """
        import framework  # framework.app holds the class; flask is great

        #: Defaults to :class:`~framework.Config`.
        def f():
            """Use ``framework.g``; run ``framework run`` (the :command:`framework` script)."""
        ''',
    )


def test_prose_in_strings_and_fstrings() -> None:
    check(
        """\
        r = f"<flask.g of {name!r}>"
        s = "<flask.g of 'app'>"
        t = " the current 'flask' CLI command."
        """,
        """\
        r = f"<framework.g of {name!r}>"
        s = "<framework.g of 'app'>"
        t = " the current 'flask' CLI command."
        """,
    )


# --- setup.py -------------------------------------------------------------------------------


def test_setup_py() -> None:
    check(
        """\
        from setuptools import find_packages, setup

        setup(
            name="Flask",
            packages=["flask", "flask.json"],
            package_dir={"": "src", "flask": "src/flask"},
            package_data={"flask": ["py.typed"]},
            py_modules=["flask"],
            install_requires=["Werkzeug>=2.0", "flask-sqlalchemy"],
            extras_require={"dev": ["Flask[async]>=1.0; python_version > '3'"]},
            entry_points={
                "console_scripts": ["flask = flask.cli:main"],
                "flask.commands": ["routes = flask.cli:routes_command"],
            },
        )
        find_packages(include=["flask", "flask.*"])
        """,
        """\
        from setuptools import find_packages, setup

        setup(
            name="Framework",
            packages=["framework", "framework.json"],
            package_dir={"": "src", "framework": "src/framework"},
            package_data={"framework": ["py.typed"]},
            py_modules=["framework"],
            install_requires=["Werkzeug>=2.0", "flask-sqlalchemy"],
            extras_require={"dev": ["Framework[async]>=1.0; python_version > '3'"]},
            entry_points={
                "console_scripts": ["framework = framework.cli:main"],
                "flask.commands": ["routes = framework.cli:routes_command"],
            },
        )
        find_packages(include=["framework", "framework.*"])
        """,
    )


def test_setup_py_entry_points_as_ini_string() -> None:
    check(
        '''\
        setup(entry_points="""
        [console_scripts]
        flask=flask.cli:main
        """)
        ''',
        '''\
        setup(entry_points="""
        [console_scripts]
        framework=framework.cli:main
        """)
        ''',
    )


# --- whole-module behaviour ----------------------------------------------------------------


def test_module_without_old_name_is_returned_as_is() -> None:
    source = "import os\nprint('hello')\n"
    assert rename_python_source(source, FLASK) is source


def test_python2_syntax_raises_parser_error() -> None:
    with pytest.raises(cst.ParserSyntaxError):
        rename_python_source("import flask\nprint 'hello'\n", FLASK)


def test_bytes_honour_coding_cookie() -> None:
    data = "# -*- coding: latin-1 -*-\nimport flask\nname = 'café'\n".encode("latin-1")
    expected = "# -*- coding: latin-1 -*-\nimport framework\nname = 'café'\n".encode("latin-1")
    assert rename_python_bytes(data, FLASK) == expected


def test_type_comments_are_code_even_without_docs() -> None:
    import dataclasses

    rename = dataclasses.replace(FLASK, docs=False)
    source = "import flask\napp = None  # type: flask.Flask\n# about flask.Flask\n"
    assert rename_python_source(source, rename) == (
        "import framework\napp = None  # type: framework.Flask\n# about flask.Flask\n"
    )


def test_dotted_package_rename_follows_its_uses() -> None:
    check(
        """\
        import jaraco.functools
        import jaraco.text

        def f():
            return jaraco.functools.compose(1), jaraco.text.x
        """,
        """\
        import jfunc
        import jaraco.text

        def f():
            return jfunc.compose(1), jaraco.text.x
        """,
        RenameMap(packages={"jaraco.functools": "jfunc"}),
    )


def test_cython_pure_python_cimports_follow_the_package() -> None:
    before = textwrap.dedent(
        """\
        import cython
        if cython.compiled:
            from cython.cimports.flask.sql._util_cy import anon_map
            from cython.cimports.libc.stdint import uint64_t
        """
    )
    after = before.replace("cython.cimports.flask.", "cython.cimports.framework.")
    assert rename_python_source(before, FLASK) == after
