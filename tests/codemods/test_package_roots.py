"""Tests for packages kept below another directory (forktool.codemods.passes.roots)."""

from __future__ import annotations

import pytest

from forktool.codemods.passes.roots import expand_roots
from forktool.codemods.paths import module_name, rename_package_path, rename_path
from forktool.model import FileEntry, RenameMap
from forktool.transform.tree import transform_tree

YAML = RenameMap(packages={"yaml": "yaml_fk", "_yaml": "_yaml_fk"})
LIB = RenameMap(packages=YAML.packages, roots=("lib",))


def tree_of(*paths: str) -> dict[str, FileEntry]:
    return {path: FileEntry(b"") for path in paths}


def test_a_package_below_lib_makes_lib_a_root() -> None:
    tree = tree_of(
        "lib/yaml/__init__.py",
        "lib/yaml/composer.py",
        "lib/_yaml/__init__.py",
        "yaml/_yaml.pyx",  # Cython sources at the top: not a Python package
        "tests/legacy/yaml/__init__.py",  # deeper, and test data anyway
    )
    assert expand_roots(tree, YAML).roots == ("lib",)


@pytest.mark.parametrize(
    "paths",
    [
        ("yaml/__init__.py", "lib/yaml/__init__.py"),  # at the top already
        ("src/yaml/__init__.py", "lib/yaml/__init__.py"),  # under src/ already
        ("yaml.py", "lib/yaml/__init__.py"),  # a single module at the top
        ("tests/yaml/__init__.py",),  # only test data
        ("docs/examples/yaml/__init__.py",),
        ("a/yaml/__init__.py", "b/yaml/__init__.py"),  # two candidates: no guess
    ],
)
def test_no_root_is_guessed(paths: tuple[str, ...]) -> None:
    assert expand_roots(tree_of(*paths), YAML) is YAML


def test_a_dotted_package_and_a_deeper_root() -> None:
    rename = RenameMap(packages={"google.protobuf": "google.protofork"})
    tree = tree_of("python/google/protobuf/__init__.py", "python/google/protobuf/message.py")
    assert expand_roots(tree, rename).roots == ("python",)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("lib/yaml/composer.py", "lib/yaml_fk/composer.py"),
        ("lib/_yaml/__init__.py", "lib/_yaml_fk/__init__.py"),
        ("lib/yaml", "lib/yaml_fk"),
        ("./lib/yaml/", "./lib/yaml_fk/"),
        ("yaml/_yaml.pyx", "yaml_fk/_yaml.pyx"),
        ("other/lib/yaml/x.py", "other/lib/yaml/x.py"),
        ("lib/tests/yaml/x.py", "lib/tests/yaml/x.py"),
    ],
)
def test_paths_below_a_root_move(path: str, expected: str) -> None:
    assert rename_path(path, LIB) == expected
    assert rename_path(path, YAML) == (path if path.startswith(("lib", "./lib")) else expected)


def test_module_names_and_paths_in_strings_below_a_root() -> None:
    assert module_name("lib/yaml/composer.py", LIB) == "yaml.composer"
    assert module_name("lib/yaml/composer.py", YAML) is None
    assert rename_package_path("lib/yaml/data/x.txt", LIB) == "lib/yaml_fk/data/x.txt"
    assert rename_package_path("lib/yaml/data/x.txt", YAML) is None


def test_a_release_with_a_lib_layout_is_renamed_whole() -> None:
    tree = {
        "lib/yaml/__init__.py": FileEntry(b"from .composer import *\n__version__ = '6.0'\n"),
        "lib/yaml/composer.py": FileEntry(b"class Composer: ...\n"),
        "lib/_yaml/__init__.py": FileEntry(b"from yaml._yaml import *\n"),
        "MANIFEST.in": FileEntry(b"recursive-include lib/yaml *.py\n"),
        "setup.py": FileEntry(
            b"from setuptools import setup\n"
            b"CHECK = '#include <yaml.h>'\n"
            b"setup(packages=['yaml', '_yaml'], package_dir={'': 'lib'})\n"
        ),
        "tests/test_composer.py": FileEntry(b"import yaml.composer\n"),
    }
    result = transform_tree(tree, YAML, jobs=1)
    assert sorted(result.tree) == [
        "MANIFEST.in",
        "lib/_yaml_fk/__init__.py",
        "lib/yaml_fk/__init__.py",
        "lib/yaml_fk/composer.py",
        "setup.py",
        "tests/test_composer.py",
    ]
    assert result.tree["MANIFEST.in"].data == b"recursive-include lib/yaml_fk *.py\n"
    setup = result.tree["setup.py"].data.decode()
    assert "packages=['yaml_fk', '_yaml_fk'], package_dir={'': 'lib'}" in setup
    assert "#include <yaml.h>" in setup  # libyaml's header, not the package
    assert result.tree["lib/_yaml_fk/__init__.py"].data == b"from yaml_fk._yaml import *\n"
    assert result.tree["tests/test_composer.py"].data == b"import yaml_fk.composer\n"
    assert not result.failures
