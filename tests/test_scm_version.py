"""A fork whose version comes from git tags builds as the release it integrates."""

from __future__ import annotations

import re
import shlex
import subprocess
import textwrap
import tomllib
from pathlib import Path

import pytest

from forktool.model import FileEntry
from forktool.transform.scm_version import SCM_OPTIONS, for_fork, pin_to_release_tags, version_files
from tests.helpers import git, run_cli, write_definition
from tests.indexserver import IndexServer

SETUPTOOLS_SCM = """\
[build-system]
requires = ["setuptools>=64", "setuptools-scm>=8"]
build-backend = "setuptools.build_meta"

[project]
name = "MyPkg"
dynamic = ["version"]

[tool.setuptools_scm]
# written by the build
version_file = "src/mypkg/_version.py"
"""

HATCH_VCS = """\
[project]
name = "MyPkg"
dynamic = ["version"]

[tool.hatch.version]
source = "vcs"
raw-options = { local_scheme = "dirty-tag", root = "." }

[tool.hatch.build.hooks.vcs]
version-file = "src/mypkg/_version.py"
"""


def test_setuptools_scm_options_are_set_and_the_rest_kept() -> None:
    pinned = pin_to_release_tags(SETUPTOOLS_SCM)
    table = tomllib.loads(pinned)["tool"]["setuptools_scm"]
    assert table == {"version_file": "src/mypkg/_version.py", **SCM_OPTIONS}
    assert "# written by the build\n" in pinned
    assert pin_to_release_tags(pinned) == pinned  # a second pass changes nothing


def test_hatch_vcs_raw_options_are_set_and_the_rest_kept() -> None:
    pinned = pin_to_release_tags(HATCH_VCS)
    raw = tomllib.loads(pinned)["tool"]["hatch"]["version"]["raw-options"]
    assert raw == {"root": ".", **SCM_OPTIONS}  # local_scheme replaced
    assert pin_to_release_tags(pinned) == pinned
    no_options = pin_to_release_tags('[tool.hatch.version]\nsource = "vcs"\n')
    assert tomllib.loads(no_options)["tool"]["hatch"]["version"]["raw-options"] == SCM_OPTIONS


@pytest.mark.parametrize(
    "source",
    [
        '[project]\nname = "x"\nversion = "1.0"\n',  # a static version
        '[tool.hatch.version]\npath = "src/x/__init__.py"\n',  # hatch reading a file
        "not = [valid toml",
        "",
    ],
)
def test_other_files_are_left_alone(source: str) -> None:
    assert pin_to_release_tags(source) is source


def test_the_generated_version_file_is_left_out_and_ignored() -> None:
    assert version_files(SETUPTOOLS_SCM) == ["src/mypkg/_version.py"]
    assert version_files(HATCH_VCS) == ["src/mypkg/_version.py"]
    assert version_files('[tool.setuptools_scm]\nwrite_to = "./pkg/v.py"\n') == ["pkg/v.py"]
    assert version_files("[tool.setuptools_scm]\n") == []
    tree = {
        "pyproject.toml": FileEntry(SETUPTOOLS_SCM.encode()),
        "src/mypkg/_version.py": FileEntry(b"version = '1.0'\n"),
        "src/mypkg/__init__.py": FileEntry(b""),
        ".gitignore": FileEntry(b"*.pyc"),
    }
    fork = for_fork(tree)
    assert sorted(fork) == [".gitignore", "pyproject.toml", "src/mypkg/__init__.py"]
    ignore = fork[".gitignore"].data.decode()
    assert ignore.startswith("*.pyc\n") and ignore.endswith("\n/src/mypkg/_version.py\n")
    assert for_fork(fork)[".gitignore"] == fork[".gitignore"]  # listed once
    without = {k: v for k, v in tree.items() if k != ".gitignore"}
    assert for_fork(without)[".gitignore"].data.endswith(b"\n/src/mypkg/_version.py\n")
    static = {"pyproject.toml": FileEntry(b'[project]\nversion = "1"\n')}
    assert for_fork(static) is static


@pytest.mark.parametrize("pyproject", [SETUPTOOLS_SCM, HATCH_VCS])
def test_git_describe_in_the_fork_gives_the_integrated_release(
    tmp_path: Path, index_server: IndexServer, pyproject: str
) -> None:
    for version in ("1.0", "1.1"):
        files = {
            "pyproject.toml": pyproject,
            "PKG-INFO": f"Metadata-Version: 2.1\nName: MyPkg\nVersion: {version}\n",
            "src/mypkg/__init__.py": f"VERSION = {version!r}\n",
            "src/mypkg/_version.py": f"version = {version!r}\n",  # the sdist has it
        }
        index_server.add_release("mypkg", version, files)
    definition = write_definition(
        tmp_path / "def",
        "mypkg",
        f'type = "pypi"\nproject = "mypkg"\nindex = "{index_server.url}"',
        extra='\n[rename.distributions]\nMyPkg = "OurPkg"\n',
    )
    fork = definition / "forks" / "mypkg"
    assert run_cli(definition, "sync", "--to", "1.0").exit_code == 0
    # A build writes the version file; it is not tracked, so the next sync still runs.
    (fork / "src" / "ourpkg" / "_version.py").write_text("version = '1.0'  # built\n")
    assert git(fork, "status", "--porcelain") == ""
    (fork / "NOTES.txt").write_text("a fork commit on top\n")
    git(fork, "add", "NOTES.txt")
    git(fork, "commit", "-qm", "fork work")
    git(fork, "tag", "v9.9-fork")  # the maintainer's own tag is not the version
    result = run_cli(definition, "sync", "--to", "1.1")
    assert result.exit_code == 0, result.output

    assert _scm_version(fork) == "1.1"
    vendor = git(fork, "show", "upstream/mypkg/1.1:pyproject.toml")
    assert vendor == textwrap.dedent(pyproject).rstrip("\n")  # the vendor branch stays pristine


def _scm_version(fork: Path) -> str:
    """What setuptools_scm computes from the fork's pinned options (its regex on the tag
    part of the describe output; ``only-version`` takes that as is)."""
    data = tomllib.loads((fork / "pyproject.toml").read_text())
    tool = data["tool"]
    options = tool.get("setuptools_scm") or tool["hatch"]["version"]["raw-options"]
    described = subprocess.run(
        shlex.split(options["git_describe_command"]),
        cwd=fork, capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    tag = described.rsplit("-", 2)[0]  # <tag>-<distance>-g<sha>
    match = re.match(options["tag_regex"], tag)
    assert match is not None, described
    assert options["version_scheme"] == "only-version"
    return match.group("version")


def test_setup_py_use_scm_version_gets_the_table_and_its_version_file_ignored() -> None:
    tree = {
        "pyproject.toml": FileEntry(b'[build-system]\nrequires = ["setuptools_scm"]\n'),
        "setup.py": FileEntry(b'setup(use_scm_version={"write_to": "src/x/_version.py"})\n'),
        "src/x/_version.py": FileEntry(b"version = '1.0'\n"),
    }
    fork = for_fork(tree)
    table = tomllib.loads(fork["pyproject.toml"].data.decode())["tool"]["setuptools_scm"]
    assert table == SCM_OPTIONS
    assert "src/x/_version.py" not in fork
    assert fork[".gitignore"].data.endswith(b"\n/src/x/_version.py\n")
    # Without use_scm_version, setuptools_scm is not the build's: nothing changes.
    plain = {**tree, "setup.py": FileEntry(b"setup(version='1.0')\n")}
    assert for_fork(plain) is plain


def test_a_tag_tree_without_the_version_file_still_ignores_it() -> None:
    tree = {
        "pyproject.toml": FileEntry(SETUPTOOLS_SCM.encode()),
        ".gitignore": FileEntry(b"/src/mypkg/_version.py\n"),  # upstream's own line
        "src/mypkg/__init__.py": FileEntry(b""),
    }
    assert for_fork(tree)[".gitignore"] == tree[".gitignore"]
    bare = {k: v for k, v in tree.items() if k != ".gitignore"}
    assert for_fork(bare)[".gitignore"].data.endswith(b"\n/src/mypkg/_version.py\n")
