"""Golden pairs for build back-ends that infer the package from the distribution's name
(forktool.codemods.packaging.backends, through the pyproject.toml codemod), and the
tree-wide pass that finds where the package lies (forktool.codemods.passes.layout)."""

from __future__ import annotations

import textwrap

import pytest
import tomlkit

from forktool.codemods.packaging.backends import Backend, backend_of, plan_pin
from forktool.codemods.packaging.pyproject import rename_pyproject
from forktool.codemods.passes.layout import expand_layout
from forktool.model import FileEntry, RenameMap

from .maps import FLASK

#: blinker renamed, its distribution's name kept (the motivating case), package under src/.
SRC = RenameMap(packages={"blinker": "signalkit"}, layout={"blinker": "src/blinker"})
FLAT = RenameMap(packages={"blinker": "signalkit"}, layout={"blinker": "blinker"})
MODULE = RenameMap(packages={"blinker": "signalkit"}, layout={"blinker": "blinker.py"})
SRC_MODULE = RenameMap(packages={"blinker": "signalkit"}, layout={"blinker": "src/blinker.py"})


def check(before: str, after: str, rename: RenameMap) -> None:
    assert rename_pyproject(textwrap.dedent(before), rename) == textwrap.dedent(after)


def unchanged(source: str, rename: RenameMap) -> None:
    check(source, source, rename)


def test_flit_gets_the_module_name() -> None:
    check(
        """\
        [project]
        name = "blinker"
        version = "1.9.0"

        [build-system]
        requires = ["flit_core<4"]
        build-backend = "flit_core.buildapi"

        [tool.flit.sdist]
        include = ["docs/", "tests/"]

        [tool.mypy]
        files = ["src/blinker"]
        """,
        """\
        [project]
        name = "blinker"
        version = "1.9.0"

        [build-system]
        requires = ["flit_core<4"]
        build-backend = "flit_core.buildapi"

        [tool.flit.sdist]
        include = ["docs/", "tests/"]

        [tool.flit.module]
        name = "signalkit"

        [tool.mypy]
        files = ["src/signalkit"]
        """,
        SRC,
    )


def test_flit_needs_no_layout_and_takes_the_name_with_dashes_as_underscores() -> None:
    rename = RenameMap(packages={"my_lib": "their_lib"})
    check(
        """\
        [build-system]
        build-backend = "flit_core.buildapi"

        [project]
        name = "my-lib"
        """,
        """\
        [build-system]
        build-backend = "flit_core.buildapi"

        [project]
        name = "my-lib"

        [tool.flit.module]
        name = "their_lib"
        """,
        rename,
    )


def test_hatch_gets_the_package_path_of_its_layout() -> None:
    before = """\
        [build-system]
        requires = ["hatchling"]
        build-backend = "hatchling.build"

        [project]
        name = "Blinker"

        [tool.hatch.version]
        path = "src/blinker/__init__.py"

        [tool.ruff]
        src = ["src"]
        """
    check(
        before,
        """\
        [build-system]
        requires = ["hatchling"]
        build-backend = "hatchling.build"

        [project]
        name = "Blinker"

        [tool.hatch.version]
        path = "src/signalkit/__init__.py"

        [tool.hatch.build.targets.wheel]
        packages = ["src/signalkit"]

        [tool.ruff]
        src = ["src"]
        """,
        SRC,
    )
    assert 'packages = ["signalkit"]' in rename_pyproject(textwrap.dedent(before), FLAT)


def test_hatch_single_module_and_an_existing_wheel_table() -> None:
    check(
        """\
        [build-system]
        build-backend = "hatchling.build"

        [project]
        name = "blinker"

        [tool.hatch.build.targets.wheel]
        exclude = ["*.txt"]
        """,
        """\
        [build-system]
        build-backend = "hatchling.build"

        [project]
        name = "blinker"

        [tool.hatch.build.targets.wheel]
        exclude = ["*.txt"]
        only-include = ["signalkit.py"]
        """,
        MODULE,
    )


def test_poetry_gets_packages_with_from_for_src() -> None:
    check(
        """\
        [tool.poetry]
        name = "blinker"
        version = "1.0"

        [tool.poetry.dependencies]
        python = "^3.9"

        [build-system]
        requires = ["poetry-core"]
        build-backend = "poetry.core.masonry.api"
        """,
        """\
        [tool.poetry]
        name = "blinker"
        version = "1.0"
        packages = [{include = "signalkit", from = "src"}]

        [tool.poetry.dependencies]
        python = "^3.9"

        [build-system]
        requires = ["poetry-core"]
        build-backend = "poetry.core.masonry.api"
        """,
        SRC,
    )


@pytest.mark.parametrize(
    ("rename", "packages"),
    [
        (FLAT, '[{include = "signalkit"}]'),
        (MODULE, '[{include = "signalkit.py"}]'),
        (SRC_MODULE, '[{include = "signalkit.py", from = "src"}]'),
    ],
)
def test_poetry_project_table_and_other_layouts(rename: RenameMap, packages: str) -> None:
    check(
        """\
        [project]
        name = "Blinker"

        [build-system]
        build-backend = "poetry.core.masonry.api"
        """,
        f"""\
        [project]
        name = "Blinker"

        [build-system]
        build-backend = "poetry.core.masonry.api"

        [tool.poetry]
        packages = {packages}
        """,
        rename,
    )


def test_uv_build_gets_the_module_name() -> None:
    check(
        """\
        [project]
        name = "Blinker"

        [build-system]
        build-backend = "uv_build"

        [tool.uv.build-backend]
        module-root = ""
        """,
        """\
        [project]
        name = "Blinker"

        [build-system]
        build-backend = "uv_build"

        [tool.uv.build-backend]
        module-root = ""
        module-name = "signalkit"
        """,
        FLAT,
    )


def test_import_names_follow_the_package() -> None:
    check(
        """\
        [project]
        name = "blinker"
        import-names = ["blinker", "blinker_compat; private"]
        import-namespaces = ["other"]
        """,
        """\
        [project]
        name = "blinker"
        import-names = ["signalkit", "blinker_compat; private"]
        import-namespaces = ["other"]
        """,
        SRC,
    )


FLIT = '[build-system]\nbuild-backend = "flit_core.buildapi"\n'
HATCH = '[build-system]\nbuild-backend = "hatchling.build"\n'
POETRY = '[build-system]\nbuild-backend = "poetry.core.masonry.api"\n'
NAMED = '[project]\nname = "blinker"\n'


@pytest.mark.parametrize(
    ("source", "rename"),
    [
        # an explicit setting is there (renamed already by the other rules)
        (FLIT + NAMED + '[tool.flit.module]\nname = "signalkit"\n', SRC),
        (HATCH + NAMED + '[tool.hatch.build]\npackages = ["src/signalkit"]\n', SRC),
        (HATCH + NAMED + '[tool.hatch.build.targets.wheel]\ninclude = ["signalkit"]\n', SRC),
        (POETRY + '[tool.poetry]\nname = "blinker"\npackages = [{include = "signalkit"}]\n', SRC),
        ('[build-system]\nbuild-backend = "uv_build"\n' + NAMED
         + '[tool.uv.build-backend]\nmodule-name = "signalkit"\n', SRC),
        # back-ends that find packages by directory, whatever the name
        ('[build-system]\nbuild-backend = "setuptools.build_meta"\n' + NAMED, SRC),
        (NAMED, FLAT),  # no [build-system]: setuptools' legacy back-end
        ('[build-system]\nbuild-backend = "pdm.backend"\n' + NAMED, SRC),
        # a back-end not known here; no name to infer from
        ('[build-system]\nbuild-backend = "maturin"\n' + NAMED, SRC),
        (FLIT, SRC),
        # the name spells another package than the renamed one
        (FLIT + '[project]\nname = "blinker-x"\n', SRC),
        # hatchling does not look for a single module under src/
        (HATCH + NAMED, SRC_MODULE),
    ],
)  # fmt: skip
def test_nothing_added(source: str, rename: RenameMap) -> None:
    assert plan_pin(tomlkit.parse(source), rename) is None
    assert rename_pyproject(source, rename) == source


def test_nothing_added_when_the_new_distribution_spells_the_new_package() -> None:
    rename = RenameMap(
        packages={"blinker": "signalkit"},
        distributions={"blinker": "signalkit"},
        layout={"blinker": "src/blinker"},
    )
    for backend in ("flit_core.buildapi", "hatchling.build", "poetry.core.masonry.api"):
        source = f'[build-system]\nbuild-backend = "{backend}"\n[project]\nname = "blinker"\n'
        assert rename_pyproject(source, rename) == source.replace(
            'name = "blinker"', 'name = "signalkit"'
        )


def test_a_renamed_distribution_that_does_not_spell_the_package_gets_the_setting() -> None:
    rename = RenameMap(
        packages={"blinker": "signalkit"},
        distributions={"blinker": "acme-signals"},
        layout={"blinker": "src/blinker"},
    )
    source = '[build-system]\nbuild-backend = "hatchling.build"\n[project]\nname = "blinker"\n'
    assert rename_pyproject(source, rename) == (
        '[build-system]\nbuild-backend = "hatchling.build"\n[project]\nname = "acme-signals"\n'
        '\n[tool.hatch.build.targets.wheel]\npackages = ["src/signalkit"]\n'
    )


def test_hatch_and_poetry_add_nothing_without_a_layout() -> None:
    rename = RenameMap(packages={"blinker": "signalkit"})
    for backend in ("hatchling.build", "poetry.core.masonry.api"):
        source = f'[build-system]\nbuild-backend = "{backend}"\n[project]\nname = "blinker"\n'
        assert rename_pyproject(source, rename) == source


def test_a_table_written_with_dotted_keys_gets_a_dotted_key() -> None:
    # the style of pyproject-fmt (filelock, platformdirs): no header can be added there
    check(
        """\
        [build-system]
        build-backend = "hatchling.build"

        [project]
        name = "blinker"

        [tool.hatch]
        build.hooks.vcs.version-file = "src/blinker/version.py"
        build.targets.sdist.include = [
          "/src",
        ]
        version.source = "vcs"

        [tool.ruff]
        line-length = 100
        """,
        """\
        [build-system]
        build-backend = "hatchling.build"

        [project]
        name = "blinker"

        [tool.hatch]
        build.hooks.vcs.version-file = "src/signalkit/version.py"
        build.targets.sdist.include = [
          "/src",
        ]
        build.targets.wheel.packages = ["src/signalkit"]
        version.source = "vcs"

        [tool.ruff]
        line-length = 100
        """,
        SRC,
    )
    source = '[build-system]\nbuild-backend = "hatchling.build"\n' + NAMED
    assert rename_pyproject(source + '[tool]\nhatch.version.path = "x"\n', SRC) == (
        source + '[tool]\nhatch.version.path = "x"\n'
        'hatch.build.targets.wheel.packages = ["src/signalkit"]\n'
    )


def test_an_inline_table_that_cannot_be_extended_is_left_as_it_was() -> None:
    source = (
        '[build-system]\nbuild-backend = "hatchling.build"\n[project]\nname = "blinker"\n'
        '[tool]\nhatch = {version = {path = "src/blinker/__init__.py"}}\n'
    )
    assert plan_pin(tomlkit.parse(source), SRC) is not None
    assert rename_pyproject(source, SRC) == source.replace("src/blinker", "src/signalkit")


def test_the_flask_map_adds_nothing_to_flask() -> None:
    # Flask names its module explicitly; the distribution's new name spells the new package
    unchanged(
        """\
        [build-system]
        build-backend = "flit_core.buildapi"

        [project]
        name = "flaskr"
        """,
        FLASK,
    )


@pytest.mark.parametrize(
    ("backend", "expected"),
    [
        ("flit_core.buildapi", Backend.FLIT),
        ("hatchling.build", Backend.HATCH),
        ("poetry.core.masonry.api", Backend.POETRY),
        ("pdm.backend", Backend.PDM),
        ("setuptools.build_meta:__legacy__", Backend.SETUPTOOLS),
        ("uv_build", Backend.UV),
        ("mesonpy", None),
    ],
)
def test_backend_of(backend: str, expected: Backend | None) -> None:
    assert backend_of({"build-system": {"build-backend": backend}}) is expected


def tree_of(*paths: str) -> dict[str, FileEntry]:
    return {path: FileEntry(b"") for path in paths}


BARE = RenameMap(packages={"blinker": "signalkit", "blinker.ext": "signalkit.ext"})


@pytest.mark.parametrize(
    ("paths", "place"),
    [
        (("pyproject.toml", "src/blinker/__init__.py"), "src/blinker"),
        (("pyproject.toml", "blinker/__init__.py", "blinker/base.py"), "blinker"),
        (("pyproject.toml", "blinker.py", "tests/blinker/__init__.py"), "blinker.py"),
        (("pyproject.toml", "src/blinker.py"), "src/blinker.py"),
        (("python/pyproject.toml", "python/src/blinker/__init__.py"), "src/blinker"),
        # beside a test project: not the project's layout
        (("pyproject.toml", "blinker/__init__.py", "tests/pkg/pyproject.toml"), "blinker"),
    ],
)
def test_layout_found(paths: tuple[str, ...], place: str) -> None:
    assert expand_layout(tree_of(*paths), BARE).layout == {"blinker": place}


@pytest.mark.parametrize(
    "paths",
    [
        ("src/blinker/__init__.py",),  # no pyproject.toml
        ("pyproject.toml", "lib/blinker/__init__.py"),  # not where back-ends look
        ("pyproject.toml", "src/blinker/base.py"),  # no __init__.py
        ("pyproject.toml", "blinker/__init__.py", "blinker.py"),  # twice: back-ends refuse
        ("pyproject.toml", "blinker/__init__.py", "a/pyproject.toml", "a/src/blinker/__init__.py"),
        ("tests/x/pyproject.toml", "tests/x/blinker/__init__.py"),  # test data
    ],
)
def test_no_layout_is_guessed(paths: tuple[str, ...]) -> None:
    assert expand_layout(tree_of(*paths), BARE) is BARE


def test_a_layout_in_the_map_is_kept() -> None:
    rename = RenameMap(packages={"blinker": "signalkit"}, layout={"blinker": "blinker.py"})
    assert expand_layout(tree_of("pyproject.toml", "src/blinker/__init__.py"), rename) is rename
