"""Shared fixtures: a small git upstream with releases, and a fork definition tracking it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import build_file_tree, git_init, git_save, write_definition
from tests.indexserver import index_server

__all__ = ["index_server"]  # a fixture, shared with every test module

PYPROJECT = """\
    [build-system]
    requires = ["flit_core>=3.2"]
    build-backend = "flit_core.buildapi"

    [project]
    name = "MyPkg"
    version = "{version}"

    [project.scripts]
    mypkg = "mypkg.cli:main"
    """

CORE_V1 = """\
    import mypkg.helpers


    def greet(name):
        return "hello " + name


    def shout(name):
        return mypkg.helpers.upper(greet(name))
    """


@pytest.fixture
def upstream_repo(tmp_path: Path) -> Path:
    """An upstream git repository with tags v1.0 and v1.1 (v1.1 changes ``greet``)."""
    repo = git_init(tmp_path / "upstream-src")
    build_file_tree(
        repo,
        {
            "pyproject.toml": PYPROJECT.format(version="1.0"),
            "src/mypkg/__init__.py": "from mypkg.core import greet\n",
            "src/mypkg/helpers.py": "def upper(text):\n    return text.upper()\n",
            "src/mypkg/core.py": CORE_V1,
            "src/mypkg/cli.py": "import mypkg\n\n\ndef main():\n    print(mypkg.greet('x'))\n",
            "tests/test_core.py": "from mypkg import greet\n\n\ndef test():\n    assert greet\n",
        },
    )
    git_save(repo, "release 1.0", tag="v1.0")
    build_file_tree(repo, {"README.txt": "work in progress\n"})
    git_save(repo, "not a release")
    core = (repo / "src/mypkg/core.py").read_text()
    (repo / "src/mypkg/core.py").write_text(core.replace('"hello "', '"Hello, "'))
    build_file_tree(repo, {"pyproject.toml": PYPROJECT.format(version="1.1")})
    git_save(repo, "release 1.1", tag="v1.1")
    git_save(repo, "pre-release", tag="v1.2rc1")
    return repo


@pytest.fixture
def definition(tmp_path: Path, upstream_repo: Path) -> Path:
    """A fork definition tracking ``upstream_repo`` by tags, renaming mypkg -> ourpkg."""
    return write_definition(
        tmp_path / "def",
        "mypkg",
        f'type = "git"\nurl = "{upstream_repo}"',
        extra='\n[rename.distributions]\nMyPkg = "OurPkg"\n\n[rename.scripts]\nmypkg = "ourpkg"\n',
    )
