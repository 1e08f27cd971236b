"""Golden pairs for string contexts in Python (forktool.codemods.python.strings via python)."""

from __future__ import annotations

import textwrap

import pytest

from forktool.codemods.python.codemod import module_context, rename_python_source
from forktool.model import RenameMap

from .maps import FLASK, REQUESTS


def check(
    before: str, after: str, path: str = "tests/test_x.py", rename: RenameMap = FLASK
) -> None:
    source = textwrap.dedent(before)
    assert rename_python_source(source, rename, module_context(path, rename)) == (
        textwrap.dedent(after)
    )


def unchanged(source: str, path: str = "tests/test_x.py") -> None:
    check(source, source, path)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ('__import__("flask.app")\n', '__import__("framework.app")\n'),
        ('importlib.import_module("flask")\n', 'importlib.import_module("framework")\n'),
        (
            'from importlib import resources\nresources.files("flask")\n',
            'from importlib import resources\nresources.files("framework")\n',
        ),
        (
            'import importlib.resources\nimportlib.resources.read_text("flask.x", "a.txt")\n',
            'import importlib.resources\nimportlib.resources.read_text("framework.x", "a.txt")\n',
        ),
        (
            'import pkgutil\npkgutil.get_data("flask", "a")\n',
            'import pkgutil\npkgutil.get_data("framework", "a")\n',
        ),
        (
            'import pkg_resources\npkg_resources.resource_filename("flask", "x")\n',
            'import pkg_resources\npkg_resources.resource_filename("framework", "x")\n',
        ),
        ('if __name__ == "flask.app": ...\n', 'if __name__ == "framework.app": ...\n'),
        ('ok = cls.__module__ == "flask.app"\n', 'ok = cls.__module__ == "framework.app"\n'),
        ('ok = "flask" == __package__\n', 'ok = "framework" == __package__\n'),
        ('ok = mod.__name__ in ("flask", "x")\n', 'ok = mod.__name__ in ("framework", "x")\n'),
        (
            'ok = globals()["__name__"].startswith("flask")\n',
            'ok = globals()["__name__"].startswith("framework")\n',
        ),
        ('ok = module.__spec__.name != "flask"\n', 'ok = module.__spec__.name != "framework"\n'),
        (
            'import_module("".join(["flask", ".", sub]))\n',
            'import_module("".join(["framework", ".", sub]))\n',
        ),
    ],
)
def test_module_positions(before: str, after: str) -> None:
    check(before, after)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (  # structlog's _frames.py: the name is assigned from frame globals, the strings
            # from a copy of a display; the test runs in a loop further down
            """
            def find(extra=None):
                ignores = tuple(["flask"] + (extra or []))
                name = frame.f_globals.get("__name__") or "?"
                while name.startswith(ignores):
                    name = "?"
            """,
            """
            def find(extra=None):
                ignores = tuple(["framework"] + (extra or []))
                name = frame.f_globals.get("__name__") or "?"
                while name.startswith(ignores):
                    name = "?"
            """,
        ),
        (  # a module constant read in a function; == and in
            """
            OURS = ("flask", "flask.app")
            def ours(mod):
                current = mod.__dict__.get("__name__")
                return current in OURS or current == OTHER
            OTHER = "flask"
            """,
            """
            OURS = ("framework", "framework.app")
            def ours(mod):
                current = mod.__dict__.get("__name__")
                return current in OURS or current == OTHER
            OTHER = "framework"
            """,
        ),
        (  # platformdirs' test_api.py: item[0] of sys.modules' items
            """
            import sys
            mods = [item for item in sys.modules.items() if item[0].startswith("flask")]
            for name, _ in list(sys.modules.items()):
                if name == "flask":
                    pass
            for key in sys.modules.keys():
                prefix = "flask" if key else None
                if key.startswith(prefix):
                    pass
            """,
            """
            import sys
            mods = [item for item in sys.modules.items() if item[0].startswith("framework")]
            for name, _ in list(sys.modules.items()):
                if name == "framework":
                    pass
            for key in sys.modules.keys():
                prefix = "framework" if key else None
                if key.startswith(prefix):
                    pass
            """,
        ),
        (  # a module's namespace: frame stubs, exec's globals
            'f1 = stub(f_globals={"__name__": "flask"}, f_back=None)\n',
            'f1 = stub(f_globals={"__name__": "framework"}, f_back=None)\n',
        ),
        (
            'exec(code, {"__package__": "flask", "__file__": "flask"})\n',
            'exec(code, {"__package__": "framework", "__file__": "flask"})\n',
        ),
    ],
)
def test_strings_compared_with_a_module_name_held_in_a_name(before: str, after: str) -> None:
    check(before, after)


def test_names_that_hold_no_module_name_leave_their_strings() -> None:
    # the same local name in another function; a name compared with a non-module value;
    # a parameter (not followed to its callers); an attribute
    unchanged(
        """
        def first(frame):
            name = frame.f_globals.get("__name__")
            return name.startswith("x")
        def second(request):
            name = request.args["app"]
            return name == "flask"
        def third(ignores):
            return __name__.startswith(ignores)
        def fourth(self):
            self.ignores = ["flask"]
            return __name__.startswith(self.ignores)
        label = "flask"
        ok = label == title
        """
    )


def test_main_guard_and_class_names_stay() -> None:
    unchanged('if __name__ == "__main__":\n    main()\nok = type(x).__name__ == "Flask"\n')


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (
            'skip = name == "flask" or name.startswith("flask.")\n',
            'skip = name == "framework" or name.startswith("framework.")\n',
        ),
        (
            'ok = x.startswith(("flask", "flask."))\n',
            'ok = x.startswith(("framework", "framework."))\n',
        ),
        (
            'LOG = {"loggers": {"flask": {}, "other": {}}}\n',
            'LOG = {"loggers": {"framework": {}, "other": {}}}\n',
        ),
        ('cfg["loggers"]["flask"]["level"] = 1\n', 'cfg["loggers"]["framework"]["level"] = 1\n'),
    ],
)
def test_bare_name_beside_a_module_path_is_a_module(before: str, after: str) -> None:
    check(before, after)


def test_bare_names_in_displays_are_data() -> None:
    check(
        'keys = {"flask": 1, "flask.app": 2}\npaths = ["flask.views.handler", "flask"]\n',
        'keys = {"flask": 1, "framework.app": 2}\npaths = ["framework.views.handler", "flask"]\n',
    )


def test_bare_names_without_context_stay() -> None:
    unchanged(
        """\
        session["test"] = "flask"
        cli = FlaskGroup(name="flask")
        runner.invoke(cli, ["flask", "show"])
        info = {"name": "flask"}
        """
    )


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ('a = f"flask.{sub}"\n', 'a = f"framework.{sub}"\n'),
        ('e = "flask.%s" % sub\n', 'e = "framework.%s" % sub\n'),
        ('g = "flask.{}".format(sub)\n', 'g = "framework.{}".format(sub)\n'),
        (
            'h = "flask.json.{name}".format(name=sub)\n',
            'h = "framework.json.{name}".format(name=sub)\n',
        ),
        (
            'r = re.compile(r"^flask\\.app\\.\\w+$")\n',
            'r = re.compile(r"^framework\\.app\\.\\w+$")\n',
        ),
        ('m = "(flask\\\\.json\\\\.)?Error"\n', 'm = "(framework\\\\.json\\\\.)?Error"\n'),
    ],
)
def test_module_path_templates_and_regexes(before: str, after: str) -> None:
    check(before, after)


def test_code_in_bytes() -> None:
    check(
        '''\
        SCRIPT = b"""\\
        import flask
        print(flask.__name__)
        """
        raw = b"flask"
        ''',
        '''\
        SCRIPT = b"""\\
        import framework
        print(framework.__name__)
        """
        raw = b"flask"
        ''',
    )


def test_setup_keywords_written_as_dicts() -> None:
    check(
        """\
        extra = {
            "entry_points": {"console_scripts": ["flask = flask.cli:main"]},
        }
        scripts = {"console_scripts": "flask=flask.cli:main"}
        setup(name="Flask", **extra)
        """,
        """\
        extra = {
            "entry_points": {"console_scripts": ["framework = framework.cli:main"]},
        }
        scripts = {"console_scripts": "framework=framework.cli:main"}
        setup(name="Framework", **extra)
        """,
    )


def test_path_parts_of_the_package_directory() -> None:
    check(
        """\
        here = os.path.dirname(__file__)
        a = os.path.join("flask", "__init__.py")
        b = os.path.join(here, "src", "flask", "app.py")
        c = Path(__file__).parent / "flask" / "py.typed"
        d = os.path.join(here, "tests", "flask")
        e = open("src/flask/__init__.py")
        f = "flask/templates/index.html"
        """,
        """\
        here = os.path.dirname(__file__)
        a = os.path.join("framework", "__init__.py")
        b = os.path.join(here, "src", "framework", "app.py")
        c = Path(__file__).parent / "framework" / "py.typed"
        d = os.path.join(here, "tests", "flask")
        e = open("src/framework/__init__.py")
        f = "flask/templates/index.html"
        """,
    )


def test_distribution_name_passed_to_a_version_helper() -> None:
    check(
        'release, version = get_version("Flask")\nv = parse_version("1.0")\n',
        'release, version = get_version("Framework")\nv = parse_version("1.0")\n',
        path="docs/conf.py",
    )


def test_the_package_names_its_console_script() -> None:
    source = """\
        cli = FlaskGroup(name="flask")
        HELP = "Use 'flask --app' or the 'flask' CLI command."

        @click.group(name="flask")
        def main(): ...

        main(prog_name="flask")
        """
    check(
        source,
        """\
        cli = FlaskGroup(name="framework")
        HELP = "Use 'framework --app' or the 'framework' CLI command."

        @click.group(name="framework")
        def main(): ...

        main(prog_name="framework")
        """,
        path="src/flask/cli.py",
    )
    unchanged(source, path="tests/test_cli.py")


def test_other_map() -> None:
    check(
        'if name == "requests" or name.startswith("requests."): ...\n',
        'if name == "fetcher" or name.startswith("fetcher."): ...\n',
        rename=REQUESTS,
    )


def test_keep_list_spares_strings_not_import_paths() -> None:
    rename = RenameMap(packages={"markdown": "marktext"}, keep=("markdown.extensions",))
    check(
        """\
        setup(packages=["markdown", "markdown.extensions"], py_modules=["markdown.extensions"])
        ext = importlib.import_module("markdown.extensions")
        group = "markdown.extensions"
        logger = logging.getLogger("markdown.extensions")
        """,
        """\
        setup(packages=["marktext", "marktext.extensions"], py_modules=["marktext.extensions"])
        ext = importlib.import_module("marktext.extensions")
        group = "markdown.extensions"
        logger = logging.getLogger("markdown.extensions")
        """,
        rename=rename,
    )


def test_extension_sources_are_paths() -> None:
    check(
        'Extension("flask._speedups", ["flask/_speedups.c"], include_dirs=["flask"])\n',
        'Extension("framework._speedups", ["framework/_speedups.c"], include_dirs=["framework"])\n',
        path="setup.py",
    )


def test_a_dotted_package_written_one_part_per_argument_moves() -> None:
    rename = RenameMap(packages={"zope.interface": "zope.interface_fk"})
    before = textwrap.dedent(
        """\
        import os
        c = os.path.join("src", "zope", "interface", "_speedups.c")
        d = os.path.join(here, "zope", "interface")
        e = os.path.join("src", "zope", "other", "y.c")
        f = os.path.join("tests", "zope", "interface")
        """
    )
    after = before.replace('"zope", "interface", "_', '"zope", "interface_fk", "_')
    after = after.replace('here, "zope", "interface")', 'here, "zope", "interface_fk")')
    assert rename_python_source(before, rename) == after
    # A new name with another number of parts cannot be split over the arguments: left.
    other = RenameMap(packages={"zope.interface": "zif"})
    assert rename_python_source(before, other) == before


def test_setup_keywords_in_a_dict_or_behind_a_condition() -> None:
    before = textwrap.dedent(
        """\
        opts = {
            "zip_safe": False,
            "package_data": {"flask": ["*.h"], "flask.json": ["*.pyi"]},
            "packages": ["flask", "flask.json"],
        }
        data = {"packages": ["flask"]}
        setup(packages=["flask"] if cpython else [], **opts)
        """
    )
    after = before.replace(
        '{"flask": ["*.h"], "flask.json"', '{"framework": ["*.h"], "framework.json"'
    )
    after = after.replace('["flask", "flask.json"]', '["framework", "framework.json"]')
    after = after.replace('packages=["flask"] if', 'packages=["framework"] if')
    assert rename_python_source(before, FLASK) == after
    assert 'data = {"packages": ["flask"]}' in after  # not setup's keywords: data
