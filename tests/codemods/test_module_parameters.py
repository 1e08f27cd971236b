"""Module names proven by how they are used (forktool.codemods.passes.module_parameters):
golden before/after trees, the evidence report, and what is not followed."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import textwrap
from pathlib import Path

from click.testing import CliRunner

from forktool.cli import main
from forktool.codemods.passes.module_parameters import expand_module_parameters
from forktool.model import Evidence, FileEntry, ModuleParameter, RenameMap, TransformResult
from forktool.transform.cache import TransformCache, fingerprint
from forktool.transform.tree import transform_tree
from tests.helpers import build_file_tree, git, run_cli

from .maps import FLASK

#: The package: functions and classes whose parameters reach ``import_module`` and the like.
PACKAGE = {
    "src/flask/__init__.py": """\
        from .loaders import PackageLoader as PackageLoader
        from .loaders import make_loader
        """,
    "src/flask/loaders.py": """\
        import importlib.resources
        from importlib import import_module


        class PackageLoader:
            def __init__(self, package_name, package_path="templates"):
                self.package_path = package_path
                import_module(package_name)


        class ResourceLoader:
            def __init__(self, package):
                self.package = package

            def read(self, name):
                return importlib.resources.files(self.package) / name


        class ThemeLoader(PackageLoader):
            pass


        @dataclasses.dataclass
        class PageLoader(PackageLoader):
            page: str


        class SkinLoader(PackageLoader):
            def __init__(self, skin, *, theme):
                super().__init__(theme)
                self.skin = skin


        def make_loader(pkg, *, keyword_only=None):
            target = pkg
            return PackageLoader(target)


        def find(name):
            import_module(name)


        def load_prefixed(name):
            name = "flask_" + name
            import_module(name)


        def load_all(*names):
            for name in names:
                import_module(name)
        """,
    # Four calls from the sink: one more than is followed.
    "src/flask/chain.py": """\
        import sys


        def level1(a):
            return sys.modules[a]


        def level2(b):
            return level1(b)


        def level3(c):
            return level2(c)


        def level4(d):
            return level3(d)


        def level5(e):
            return level4(e)
        """,
    # Same name as flask.loaders.find, but nothing shows its parameter is a module.
    "tests/helpers.py": """\
        def find(name):
            return name.upper()
        """,
}

BEFORE = """\
    from flask import PackageLoader, make_loader
    from flask.loaders import ResourceLoader, SkinLoader, ThemeLoader, load_all, load_prefixed
    from flask.chain import level4, level5
    from otherlib import PackageLoader as Foreign


    def test_loaders(finder):
        PackageLoader("flask")
        PackageLoader(package_name="flask")
        PackageLoader("flask", "flask")
        PackageLoader("flask_extension")
        ResourceLoader("flask")
        ThemeLoader("flask")
        SkinLoader("flask", theme="flask")
        make_loader("flask")
        level4("flask")
        level5("flask")
        load_prefixed("flask")
        load_all("flask")
        finder.find("flask")
        Foreign("flask")
        loader = PackageLoader
        loader("flask")
    """

AFTER = """\
    from framework import PackageLoader, make_loader
    from framework.loaders import ResourceLoader, SkinLoader, ThemeLoader, load_all, load_prefixed
    from framework.chain import level4, level5
    from otherlib import PackageLoader as Foreign


    def test_loaders(finder):
        PackageLoader("framework")
        PackageLoader(package_name="framework")
        PackageLoader("framework", "flask")
        PackageLoader("flask_extension")
        ResourceLoader("framework")
        ThemeLoader("framework")
        SkinLoader("flask", theme="framework")
        make_loader("framework")
        level4("framework")
        level5("flask")
        load_prefixed("flask")
        load_all("flask")
        finder.find("flask")
        Foreign("flask")
        loader = PackageLoader
        loader("flask")
    """

LOADER = "PackageLoader(package_name) -> import_module at src/flask/loaders.py:8"


def tree_of(files: dict[str, str]) -> dict[str, FileEntry]:
    return {path: FileEntry(textwrap.dedent(text).encode()) for path, text in files.items()}


def renamed(test: str = BEFORE) -> TransformResult:
    return transform_tree(tree_of({**PACKAGE, "tests/test_loaders.py": test}), FLASK, jobs=1)


def test_literals_passed_to_proven_parameters_are_renamed() -> None:
    result = renamed()
    assert result.tree["tests/test_loaders.py"].data.decode() == textwrap.dedent(AFTER)


def test_what_is_shown_of_each_parameter() -> None:
    table = expand_module_parameters(tree_of(PACKAGE), FLASK).module_parameters
    assert table["flask.loaders.PackageLoader"] == (ModuleParameter(0, "package_name", LOADER),)
    # The package's re-export and the plain name match too.
    assert (
        table["flask.PackageLoader"]
        == table["PackageLoader"]
        == table["flask.loaders.PackageLoader"]
    )
    assert table["ResourceLoader"] == (
        ModuleParameter(
            0,
            "package",
            "ResourceLoader(package) -> self.package -> importlib.resources.files "
            "at src/flask/loaders.py:16",
        ),
    )
    assert table["ThemeLoader"] == (ModuleParameter(0, "package_name", f"ThemeLoader -> {LOADER}"),)
    assert table["SkinLoader"] == (
        ModuleParameter(
            None,
            "theme",
            "SkinLoader(theme) -> PackageLoader(package_name) at src/flask/loaders.py:30 "
            "-> import_module at src/flask/loaders.py:8",
        ),
    )
    assert table["make_loader"] == (
        ModuleParameter(
            0,
            "pkg",
            "make_loader(pkg) -> PackageLoader(package_name) at src/flask/loaders.py:36 "
            "-> import_module at src/flask/loaders.py:8",
        ),
    )
    assert table["level4"][0].evidence.startswith("level4(d) -> level3(c) at src/flask/chain.py")
    # A dataclass writes its own __init__: its base's parameters are not its own.
    for unshown in ("level5", "load_prefixed", "load_all", "PackageLoader.__init__", "PageLoader"):
        assert unshown not in table
    assert "package_path" not in {p.keyword for p in table["PackageLoader"]}
    # ``find`` is also defined in tests/helpers.py, where nothing shows a module name.
    assert table["flask.loaders.find"] == (
        ModuleParameter(0, "name", "find(name) -> import_module at src/flask/loaders.py:40"),
    )
    assert table["find"] == (
        ModuleParameter(
            0,
            "name",
            "find(name) -> import_module at src/flask/loaders.py:40; "
            "not shown for 1 other find (tests/helpers.py:1)",
            proven=False,
        ),
    )


def test_the_report_names_the_evidence_for_renamed_and_left_strings() -> None:
    evidence = renamed().evidence
    path = "tests/test_loaders.py"
    assert Evidence(path, 8, 'PackageLoader("framework")', LOADER, True) in evidence
    assert Evidence(path, 9, 'PackageLoader(package_name="framework")', LOADER, True) in evidence
    left = [item for item in evidence if not item.renamed]
    assert left == [
        Evidence(
            path,
            20,
            'finder.find("flask")',
            "find(name) -> import_module at src/flask/loaders.py:40; "
            "not shown for 1 other find (tests/helpers.py:1); "
            "this call is on another object, whose type is not known",
            False,
        )
    ]
    # Strings no parameter is shown for are not in it: no evidence either way.
    assert {item.line for item in evidence} == {8, 9, 10, 12, 13, 14, 15, 16, 20}
    leftovers = {(item.line, item.reason) for item in renamed().leftovers if item.path == path}
    assert (20, "ambiguous") in leftovers
    assert (8, "ambiguous") not in leftovers


def test_a_module_of_the_tree_calling_itself_and_by_module_attribute() -> None:
    test = """\
        import flask.loaders
        from flask import loaders as L


        def test_it():
            flask.loaders.PackageLoader("flask")
            L.PackageLoader("flask.json")
            L.PackageLoader("flask")
        """
    result = renamed(test)
    assert result.tree["tests/test_loaders.py"].data.decode() == textwrap.dedent(
        """\
        import framework.loaders
        from framework import loaders as L


        def test_it():
            framework.loaders.PackageLoader("framework")
            L.PackageLoader("framework.json")
            L.PackageLoader("framework")
        """
    )
    # "flask.json" is a module path wherever it is: renamed, but not on this evidence.
    assert [(item.line, item.renamed) for item in result.evidence] == [(6, True), (8, True)]


def test_no_sink_no_table() -> None:
    tree = tree_of({"src/flask/app.py": "def run(name):\n    print(name)\n"})
    assert expand_module_parameters(tree, FLASK) is FLASK
    result = transform_tree({**tree, "t.py": FileEntry(b'run("flask")\n')}, FLASK, jobs=1)
    assert result.tree["t.py"].data == b'run("flask")\n'
    assert result.evidence == ()


def test_the_cache_key_follows_the_module_parameters() -> None:
    shown = dataclasses.replace(
        FLASK, module_parameters={"PackageLoader": (ModuleParameter(0, "package_name", "a"),)}
    )
    other_evidence = dataclasses.replace(
        FLASK, module_parameters={"PackageLoader": (ModuleParameter(0, "package_name", "b"),)}
    )
    not_proven = dataclasses.replace(
        FLASK,
        module_parameters={"PackageLoader": (ModuleParameter(0, "package_name", "a", False),)},
    )
    keys = {fingerprint(item) for item in (FLASK, shown, other_evidence, not_proven)}
    assert len(keys) == 4
    assert fingerprint(dataclasses.replace(shown)) == fingerprint(shown)


def test_forktool_rename_prints_the_evidence(tmp_path: Path) -> None:
    files = {**PACKAGE, "tests/test_loaders.py": BEFORE}
    build_file_tree(tmp_path, {path: textwrap.dedent(text) for path, text in files.items()})
    result = CliRunner().invoke(main, ["rename", "--map", "flask=framework", str(tmp_path)])
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    left = lines.index('tests/test_loaders.py:20: string (ambiguous) finder.find("flask")')
    assert lines[left + 1].startswith("  evidence: find(name) -> import_module at src/flask/")
    first = 'tests/test_loaders.py:8: string (renamed as a module name) PackageLoader("framework")'
    assert lines[lines.index(first) + 1] == f"  evidence: {LOADER}"
    assert lines[-1] == "8 strings renamed as module names on evidence"


def test_a_map_without_packages_is_left_alone() -> None:
    rename = RenameMap(distributions={"Flask": "Framework"})
    assert expand_module_parameters(tree_of(PACKAGE), rename) is rename


def test_forktool_leftovers_keeps_the_evidence_of_a_sync(
    definition: Path, upstream_repo: Path
) -> None:
    build_file_tree(
        upstream_repo,
        {
            "src/mypkg/loading.py": """\
                import importlib


                def load(name):
                    return importlib.import_module(name)
                """,
            "tests/fake.py": "def load(name):\n    return name\n",
            "tests/test_loading.py": """\
                from mypkg.loading import load


                def test_load(other):
                    assert load("mypkg").__name__
                    assert other.load("mypkg")
                """,
        },
    )
    git(upstream_repo, "add", "--all")
    git(upstream_repo, "commit", "-qm", "a loader")
    git(upstream_repo, "tag", "v1.5")
    assert run_cli(definition, "sync", "--to", "1.5").exit_code == 0
    shown = "load(name) -> importlib.import_module at src/mypkg/loading.py:5"
    listing = run_cli(definition, "leftovers", "mypkg").output.splitlines()
    renamed_at = listing.index(
        'tests/test_loading.py:5: string (renamed as a module name) assert load("ourpkg").__name__'
    )
    assert listing[renamed_at + 1] == f"  evidence: {shown}"
    left_at = listing.index(
        'tests/test_loading.py:6: string (ambiguous) assert other.load("mypkg")'
    )
    assert listing[left_at + 1] == (
        f"  evidence: {shown}; not shown for 1 other load (tests/fake.py:1); "
        "this call is on another object, whose type is not known"
    )
    ambiguous = run_cli(definition, "leftovers", "mypkg", "--reason", "ambiguous").output
    assert "renamed as a module name" not in ambiguous
    assert f"  evidence: {shown}; not shown" in ambiguous
    document = json.loads(run_cli(definition, "leftovers", "mypkg", "--json").stdout)
    assert [(item["line"], item["renamed"]) for item in document["evidence"]] == [
        (5, True),
        (6, False),
    ]


def test_only_string_literals_are_renamed() -> None:
    tree = tree_of(
        {
            "src/flask/load.py": """\
                from importlib import import_module


                def load(name):
                    import_module(name)
                """,
            "t.py": """\
                from flask.load import load

                load(("flask"))
                load(u'flask')
                load(f"flask")
                load(b"flask")
                load(name)
                """,
        }
    )
    result = transform_tree(tree, FLASK, jobs=1)
    assert result.tree["t.py"].data.decode() == textwrap.dedent(
        """\
        from framework.load import load

        load(("framework"))
        load(u'framework')
        load(f"flask")
        load(b"flask")
        load(name)
        """
    )
    assert [(item.line, item.renamed) for item in result.evidence] == [(3, True), (4, True)]


def test_the_evidence_is_cached_with_its_file(tmp_path: Path) -> None:
    """Evidence is per file: a warm cache gives the same evidence without re-reading."""
    tree = tree_of({**PACKAGE, "tests/test_loaders.py": BEFORE})
    cold_cache = TransformCache(tmp_path / "cache.sqlite3")
    cold = transform_tree(tree, FLASK, cache=cold_cache, jobs=1)
    cold_cache.close()
    assert cold.evidence  # the case has some
    with sqlite3.connect(tmp_path / "cache.sqlite3") as db:  # kept with its file
        kept = [json.loads(row[0]) for row in db.execute("SELECT evidence FROM outcome")]
    db.close()
    assert sorted(tuple(item) for rows in kept for item in rows) == sorted(
        dataclasses.astuple(item) for item in cold.evidence
    )
    with TransformCache(tmp_path / "cache.sqlite3") as warm_cache:
        warm = transform_tree(tree, FLASK, cache=warm_cache, jobs=1)
    assert warm == cold


def test_a_cache_of_an_older_schema_is_replaced(tmp_path: Path) -> None:
    """A database written by a forktool before the evidence column: started again."""
    path = tmp_path / "cache.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE outcome (key TEXT PRIMARY KEY, code TEXT NOT NULL, path TEXT NOT "
            "NULL, data BLOB, leftovers TEXT NOT NULL, failure TEXT)"
        )
        db.execute("INSERT INTO outcome VALUES ('k', 'c', 'p', NULL, '[]', NULL)")
    db.close()
    tree = tree_of({**PACKAGE, "tests/test_loaders.py": BEFORE})
    with TransformCache(path) as cache:
        first = transform_tree(tree, FLASK, cache=cache, jobs=1)
    with TransformCache(path) as cache:
        assert transform_tree(tree, FLASK, cache=cache, jobs=1) == first
    with sqlite3.connect(path) as db:
        columns = [row[1] for row in db.execute("PRAGMA table_info(outcome)")]
        assert columns[-1] == "evidence"
        assert db.execute("SELECT count(*) FROM outcome WHERE key = 'k'").fetchone()[0] == 0
    db.close()


def test_a_method_of_another_object_is_not_matched_by_its_name() -> None:
    """``settings.get("flask")`` on a dict is not the tree's ``Registry.get``, though that
    is the only ``def get`` and its parameter reaches ``sys.modules.get``."""
    tree = tree_of(
        {
            "src/flask/registry.py": """\
                import sys


                class Registry:
                    def get(self, name):
                        return sys.modules.get(name)

                    def first(self):
                        return self.get("flask")
                """,
            "tests/test_settings.py": """\
                def test_settings():
                    settings = {"flask": 1}
                    assert settings.get("flask") == 1
                """,
        }
    )
    result = transform_tree(tree, FLASK, jobs=1)
    assert b'settings.get("flask")' in result.tree["tests/test_settings.py"].data
    # the class's own method, called on itself, is the tree's: renamed
    assert b'self.get("framework")' in result.tree["src/framework/registry.py"].data
