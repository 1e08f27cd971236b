"""Renamed trees still build, with every build back-end that finds the package itself.

Each case is a small project, its distribution's name ``blinker`` kept while its package is
renamed ``blinker`` -> ``signalkit`` (the case of issue 19): the tree is renamed with
:func:`~forktool.transform.tree.transform_tree` and both trees are built with a real
``pip wheel --no-build-isolation --no-index`` (the back-ends come from the test extras, no
network). The renamed wheel must hold what the original's holds, under the new name.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from forktool.model import FileEntry, RenameMap
from forktool.transform.tree import transform_tree

RENAME = RenameMap(packages={"blinker": "signalkit"})
PACKAGE = {
    "__init__.py": "from blinker.base import Signal\n\n__all__ = ['Signal']\n",
    "base.py": "class Signal:\n    pass\n",
}
MODULE = "class Signal:\n    pass\n"
PROJECT = '[project]\nname = "blinker"\nversion = "1.0"\ndescription = "Signals"\n'


def backend(requires: str, api: str) -> str:
    return f'[build-system]\nrequires = ["{requires}"]\nbuild-backend = "{api}"\n\n'


def package(prefix: str) -> dict[str, str]:
    return {f"{prefix}blinker/{name}": text for name, text in PACKAGE.items()}


CASES = {
    "flit_core, src/": {
        "pyproject.toml": backend("flit_core", "flit_core.buildapi") + PROJECT,
        **package("src/"),
    },
    "hatchling, top level": {
        "pyproject.toml": backend("hatchling", "hatchling.build") + PROJECT,
        **package(""),
    },
    "hatchling, single module": {
        "pyproject.toml": backend("hatchling", "hatchling.build") + PROJECT,
        "blinker.py": MODULE,
    },
    "poetry-core, [tool.poetry], src/": {
        "pyproject.toml": backend("poetry-core", "poetry.core.masonry.api")
        + '[tool.poetry]\nname = "blinker"\nversion = "1.0"\ndescription = "Signals"\n'
        + 'authors = ["A <a@example.org>"]\n',
        **package("src/"),
    },
    "poetry-core, [project], single module": {
        "pyproject.toml": backend("poetry-core", "poetry.core.masonry.api") + PROJECT,
        "blinker.py": MODULE,
    },
    "pdm-backend, src/": {
        "pyproject.toml": backend("pdm-backend", "pdm.backend") + PROJECT,
        **package("src/"),
    },
    "setuptools, top level": {
        "pyproject.toml": backend("setuptools", "setuptools.build_meta") + PROJECT,
        **package(""),
    },
    "setuptools, single module": {
        "pyproject.toml": backend("setuptools", "setuptools.build_meta") + PROJECT,
        "blinker.py": MODULE,
    },
    "uv_build, src/": {
        "pyproject.toml": backend("uv_build", "uv_build") + PROJECT,
        **package("src/"),
    },
}


def write_tree(root: Path, files: dict[str, bytes]) -> Path:
    for path, data in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return root


def build_wheel(source: Path, out: Path) -> list[str]:
    """The files of the wheel ``pip wheel`` builds from ``source``, dist-info left out."""
    env = dict(os.environ)
    # uv_build runs its uv-build executable, found on PATH beside this Python
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    command = [sys.executable, "-m", "pip", "wheel", "--no-build-isolation", "--no-index"]
    command += ["--no-deps", "--disable-pip-version-check", "-q", "-w", str(out), str(source)]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    (wheel,) = out.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        return sorted(name for name in archive.namelist() if ".dist-info/" not in name)


@pytest.mark.parametrize("files", CASES.values(), ids=CASES.keys())
def test_the_renamed_tree_builds_the_renamed_package(tmp_path: Path, files: dict[str, str]) -> None:
    tree = {path: FileEntry(text.encode()) for path, text in files.items()}
    renamed = transform_tree(tree, RENAME, jobs=1)
    assert not renamed.failures

    original = build_wheel(write_tree(tmp_path / "original", dict_of(tree)), tmp_path / "a")
    built = build_wheel(write_tree(tmp_path / "renamed", dict_of(renamed.tree)), tmp_path / "b")

    assert any(name.startswith("blinker") for name in original)
    assert built == sorted(name.replace("blinker", "signalkit") for name in original)


def dict_of(tree: dict[str, FileEntry]) -> dict[str, bytes]:
    return {path: entry.data for path, entry in tree.items()}
