"""``forktool init``: guessing from a release tree, the new names, and what it writes.

End to end against a loopback package index and local git repositories: init, then sync,
gives a renamed fork with no file edited by hand.
"""

from __future__ import annotations

import json
import os
import pty
import select
import stat
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from forktool import config, scaffold
from forktool.cli import main
from forktool.config import GitSource, PyPISource
from forktool.errors import ConfigError
from forktool.model import FileEntry, Release, RenameMap, Tree
from tests.conftest import CORE_V1, PYPROJECT
from tests.helpers import build_file_tree, git, git_init, git_save, run_cli
from tests.indexserver import IndexServer


def tree(files: dict[str, str]) -> Tree:
    return {path: FileEntry(textwrap.dedent(text).encode()) for path, text in files.items()}


def sdist(version: str) -> dict[str, bytes | str]:
    """An sdist of MyPkg as flit would make it: src/ layout, a console script."""
    return {
        "pyproject.toml": textwrap.dedent(PYPROJECT.format(version=version)),
        "PKG-INFO": f"Metadata-Version: 2.1\nName: MyPkg\nVersion: {version}\n\nMyPkg: hello\n",
        "src/mypkg/__init__.py": "from mypkg.core import greet\n",
        "src/mypkg/helpers.py": "def upper(text):\n    return text.upper()\n",
        "src/mypkg/core.py": textwrap.dedent(CORE_V1),
        "src/mypkg/cli.py": "import mypkg\n\n\ndef main():\n    print(mypkg.greet('x'))\n",
        "tests/__init__.py": "",
        "tests/test_core.py": "from mypkg import greet\n",
        "docs/conf.py": "project = 'MyPkg'\n",
    }


@pytest.fixture
def published(index_server: IndexServer) -> IndexServer:
    index_server.add_release("mypkg", "1.0", sdist("1.0"))
    index_server.add_release("mypkg", "1.1", sdist("1.1"), date="2024-02-01T00:00:00Z")
    index_server.add_release("mypkg", "2.0rc1", sdist("2.0rc1"), date="2024-03-01T00:00:00Z")
    return index_server


def files_below(path: Path) -> dict[str, bytes | None]:
    """Every file (content) and directory (None) below ``path``; {} if it does not exist."""
    if not path.exists():
        return {}
    return {
        str(p.relative_to(path)): None if p.is_dir() else p.read_bytes()
        for p in sorted(path.rglob("*"))
    }


def error_lines(result: Result) -> list[str]:
    return [line for line in result.output.splitlines() if line.startswith("error: ")]


# -- init, then sync: the acceptance path ----------------------------------------------------


def test_pypi_init_then_sync_gives_a_renamed_fork(tmp_path: Path, published: IndexServer) -> None:
    root = tmp_path / "def"
    result = run_cli(
        root,
        "init",
        "--pypi",
        "mypkg",
        "--index",
        published.url,
        "--package",
        "mypkg=ourpkg",
        "--yes",
    )
    assert result.exit_code == 0, result.output
    assert "MyPkg 1.1 (sdist on" in result.output  # newest final release, not 2.0rc1
    assert f"next: forktool --root {root} sync mypkg" in result.output

    loaded = config.load(root, "mypkg")
    assert loaded.source == PyPISource("mypkg", published.url)
    assert loaded.rename.packages == {"mypkg": "ourpkg"}
    assert loaded.rename.distributions == {"MyPkg": "ourpkg"}
    assert loaded.rename.scripts == {"mypkg": "ourpkg"}
    assert loaded.fork_path == root / "forks" / "mypkg"
    text = (root / "upstream" / "mypkg.toml").read_text()
    assert text.startswith('# forktool upstream definition: mypkg, renamed to "ourpkg".\n')
    assert "Made by `forktool init` from the sdist of 1.1" in text
    assert "directories with __init__.py under src/" in text
    project_line = next(line for line in text.splitlines() if line.startswith("project ="))
    assert project_line.index("# the project's name") == 35  # aligned like upstream/flask.toml
    series = (root / "patches" / "mypkg" / "series").read_text()
    assert series.startswith("# The fork's patch series for mypkg")
    umask = os.umask(0)
    os.umask(umask)
    for written in (root / "upstream" / "mypkg.toml", root / "patches" / "mypkg" / "series"):
        assert stat.S_IMODE(written.stat().st_mode) == 0o666 & ~umask  # not private
    assert all(line.startswith("#") for line in series.splitlines())

    result = run_cli(root, "sync", "mypkg")
    assert result.exit_code == 0, result.output
    fork = root / "forks" / "mypkg"
    assert not (fork / "src" / "mypkg").exists()
    assert "import ourpkg.helpers" in (fork / "src/ourpkg/core.py").read_text()
    pyproject = (fork / "pyproject.toml").read_text()
    assert 'name = "ourpkg"' in pyproject
    assert 'ourpkg = "ourpkg.cli:main"' in pyproject
    assert git(fork, "log", "-1", "--format=%s", "vendor/mypkg") == (
        "Import mypkg 1.1 (sdist sha256 "
        + published._projects["mypkg"]["1.1"][0]["digests"]["sha256"]
        + ")"
    )


def test_pypi_init_offers_the_repository_named_by_project_url(
    tmp_path: Path, index_server: IndexServer
) -> None:
    files = sdist("1.0")
    files["PKG-INFO"] = (
        "Metadata-Version: 2.1\nName: MyPkg\nVersion: 1.0\n"
        "Project-URL: Documentation, https://mypkg.example/docs\n"
        "Project-URL: Source, https://git.example/me/mypkg/\n\n"
        "Project-URL: Source, https://not.headers/any/more\n"
    )
    index_server.add_release("mypkg", "1.0", files)
    root = tmp_path / "def"
    args = ["init", "--pypi", "mypkg", "--index", index_server.url, "--package", "ourpkg"]
    result = run_cli(root, *args, "--yes", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["guessed"]["repository"] == "https://git.example/me/mypkg"

    text = (root / "upstream" / "mypkg.toml").read_text()
    offered = next(line for line in text.splitlines() if "repository" in line)
    assert offered.startswith('# repository = "https://git.example/me/mypkg"')  # offered only
    assert "Project-URL" in offered
    loaded = config.load(root, "mypkg")
    assert isinstance(loaded.source, PyPISource) and loaded.source.repository is None
    uncommented = text.replace(offered, offered.removeprefix("# ").split("  #")[0])
    (root / "upstream" / "mypkg.toml").write_text(uncommented)
    assert config.load(root, "mypkg").source == PyPISource(
        "mypkg", index_server.url, repository="https://git.example/me/mypkg"
    )


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["Project-URL: Repository, https://a.example/r", "Project-URL: Code, https://b/c"],
         "https://a.example/r"),
        (["Project-URL: Code, https://b.example/c", "Project-URL: Source Code, https://s/c"],
         "https://s/c"),
        (["Project-URL: Homepage, https://h.example/"], ""),
        (["Project-URL: Source, ext::sh -c x"], ""),
        (["Project-URL: Source, https://x.example/a\x07b"], ""),
        ([], ""),
    ],
)  # fmt: skip
def test_guess_repository(lines: list[str], expected: str) -> None:
    pkg_info = "Metadata-Version: 2.1\nName: x\n" + "".join(f"{line}\n" for line in lines)
    assert scaffold.guess_repository(tree({"PKG-INFO": pkg_info})) == expected


def test_git_init_then_sync_gives_a_renamed_fork(tmp_path: Path, upstream_repo: Path) -> None:
    root = tmp_path / "def"
    result = run_cli(root, "init", "--git", str(upstream_repo), "--package", "ourpkg", "--yes")
    assert result.exit_code == 0, result.output
    assert "MyPkg 1.1 (tag v1.1" in result.output  # v1.2rc1 is a pre-release
    loaded = config.load(root, "upstream-src")  # named after the repository
    assert loaded.source == GitSource(str(upstream_repo), config.DEFAULT_TAG_PATTERN)
    assert loaded.rename == RenameMap(
        packages={"mypkg": "ourpkg"},
        distributions={"MyPkg": "ourpkg"},
        scripts={"mypkg": "ourpkg"},
    )
    text = (root / "upstream" / "upstream-src.toml").read_text()
    assert "from tag v1.1 of" in text
    assert "# tag-pattern = '^v?(?P<version>" in text  # the default, shown, not set

    result = run_cli(root, "sync", "upstream-src")
    assert result.exit_code == 0, result.output
    fork = root / "forks" / "upstream-src"
    assert '"Hello, "' in (fork / "src/ourpkg/core.py").read_text()  # 1.1
    assert "import ourpkg.helpers" in (fork / "src/ourpkg/core.py").read_text()
    assert not (fork / "src" / "mypkg").exists()


def test_git_path_inside_the_definition_is_written_relative(
    tmp_path: Path, upstream_repo: Path
) -> None:
    result = run_cli(
        tmp_path,
        "init",
        "mine",
        "--git",
        str(upstream_repo),
        "--tag-pattern",
        r"^v(?P<version>\d+\.\d+)$",
        "--package",
        "mypkg=ourpkg",
        "--dist",
        "Our-Pkg",
        "--script",
        "mypkg=our",
        "--fork-path",
        "../elsewhere",
        "--yes",
    )
    assert result.exit_code == 0, result.output
    text = (tmp_path / "upstream" / "mine.toml").read_text()
    assert 'url = "upstream-src"' in text
    assert r"tag-pattern = '^v(?P<version>\d+\.\d+)$'" in text
    loaded = config.load(tmp_path, "mine")
    assert loaded.source == GitSource(str(upstream_repo), r"^v(?P<version>\d+\.\d+)$")
    assert loaded.rename.distributions == {"MyPkg": "Our-Pkg"}
    assert loaded.rename.scripts == {"mypkg": "our"}
    assert loaded.fork_path == (tmp_path / "../elsewhere").resolve()


def test_root_defaults_to_the_current_directory(
    tmp_path: Path, published: IndexServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    args = ["init", "--pypi", "mypkg", "--index", published.url, "--package", "ourpkg", "--yes"]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "upstream" / "mypkg.toml").is_file()
    assert "next: forktool sync mypkg" in result.output
    # Inside a definition, init adds to it (found upwards, like every command).
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    result = CliRunner().invoke(main, [*args, "second"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert config.upstream_names(tmp_path) == ["mypkg", "second"]
    # ... and says so before it writes
    said = result.output.index(f"adding upstream second to the fork definition at {tmp_path} ")
    assert said < result.output.index("wrote ")
    assert not (tmp_path / "sub" / "upstream").exists()


def test_json_output(tmp_path: Path, published: IndexServer) -> None:
    result = run_cli(
        tmp_path,
        "init",
        "--pypi",
        "mypkg",
        "--index",
        published.url,
        "--package",
        "mypkg=ourpkg",
        "--yes",
        "--json",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["schema"] == 1
    assert data["upstream"] == "mypkg"
    assert data["files"] == ["upstream/mypkg.toml", "patches/mypkg/series"]
    assert data["source"] == {
        "type": "pypi",
        "project": "mypkg",
        "index": published.url,
        "release": "1.1",
    }
    assert data["rename"] == {
        "packages": {"mypkg": "ourpkg"},
        "distributions": {"MyPkg": "ourpkg"},
        "scripts": {"mypkg": "ourpkg"},
        "keep": [],
    }
    assert data["command"] == "init"
    assert data["guessed"]["packages"] == ["mypkg"]
    assert data["guessed"]["from"]["distribution"] == "PKG-INFO"
    assert data["next"] == f"forktool --root {tmp_path} sync mypkg"


# -- prompts -----------------------------------------------------------------------------------


def invoke_on_terminal(
    monkeypatch: pytest.MonkeyPatch, root: Path, args: list[str], answers: str
) -> Result:
    """Run init as if standard input were a terminal, typing ``answers``."""
    monkeypatch.setattr("forktool.cli.init_command._stdin_is_terminal", lambda: True)
    return CliRunner().invoke(
        main, ["--root", str(root), "init", *args], input=answers, catch_exceptions=False
    )


def test_prompts_for_the_new_names(
    tmp_path: Path, published: IndexServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = ["--pypi", "mypkg", "--index", published.url]
    # Enter takes the defaults derived from the new package name.
    result = invoke_on_terminal(monkeypatch, tmp_path, args, "ourpkg\n\n\n")
    assert result.exit_code == 0, result.output
    assert "New import package name for mypkg (import NAME): " in result.output
    assert "New distribution name for MyPkg (pip install NAME) [ourpkg]: " in result.output
    assert "New name for console script mypkg [ourpkg]: " in result.output
    assert config.load(tmp_path, "mypkg").rename == RenameMap(
        packages={"mypkg": "ourpkg"},
        distributions={"MyPkg": "ourpkg"},
        scripts={"mypkg": "ourpkg"},
    )


def test_prompts_ask_again_after_a_bad_answer(
    tmp_path: Path, published: IndexServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = ["--pypi", "mypkg", "--index", published.url, "--script", "mypkg=ourcli"]
    answers = "mypkg\n1bad\nourpkg\nMYPKG\nOurDist\n"
    result = invoke_on_terminal(monkeypatch, tmp_path, args, answers)
    assert result.exit_code == 0, result.output
    assert "Error: --package: the new name of package 'mypkg' is its old name" in result.output
    assert "Error: --package: '1bad' is not a valid new import package name" in result.output
    assert "Error: --dist: 'MYPKG' is the upstream's own distribution name" in result.output
    assert "New name for console script" not in result.output  # given as an option
    rename = config.load(tmp_path, "mypkg").rename
    assert rename.distributions == {"MyPkg": "OurDist"}
    assert rename.scripts == {"mypkg": "ourcli"}


def test_prompts_cut_short_write_nothing(
    tmp_path: Path, published: IndexServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = invoke_on_terminal(
        monkeypatch, tmp_path / "def", ["--pypi", "mypkg", "--index", published.url], ""
    )
    assert result.exit_code == 2, result.output
    assert len(error_lines(result)) == 1
    assert "stopped before every new name was given" in error_lines(result)[0]
    assert not (tmp_path / "def").exists()


def test_prompts_on_a_real_terminal(tmp_path: Path, published: IndexServer) -> None:
    """A pseudo-terminal as stdin: the questions are asked without any test hook."""
    controller, terminal = pty.openpty()
    args = ["--root", str(tmp_path), "init", "--pypi", "mypkg", "--index", published.url]
    process = subprocess.Popen(
        [sys.executable, "-m", "forktool", *args],
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        cwd=tmp_path,
        close_fds=True,
    )
    os.close(terminal)
    os.write(controller, b"ourpkg\n\nOurCli\n")
    output = b""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([controller], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # the other side closed (Linux: EIO)
                break
            if not chunk:
                break
            output += chunk
        elif process.poll() is not None:
            break
    os.close(controller)
    assert process.wait(timeout=30) == 0, output.decode(errors="replace")
    assert b"New import package name for mypkg" in output
    assert config.load(tmp_path, "mypkg").rename.scripts == {"mypkg": "OurCli"}


# -- refusals: one line, exit 2, nothing written -----------------------------------------------


def refused(root: Path, *args: str, says: str) -> Result:
    before = files_below(root.parent)
    result = run_cli(root, *args)
    assert result.exit_code == 2, result.output
    errors = error_lines(result)
    assert len(errors) == 1 and says in errors[0], result.output
    assert files_below(root.parent) == before
    return result


def test_refuses_to_overwrite(tmp_path: Path, published: IndexServer) -> None:
    root = tmp_path / "def"
    args = ["init", "--pypi", "mypkg", "--index", published.url, "--package", "ourpkg", "--yes"]
    assert run_cli(root, *args).exit_code == 0
    requests = len(published.requests)
    refused(root, *args[:-3], "--package", "other", "--yes", says="upstream/mypkg.toml already")
    assert len(published.requests) == requests  # refused before asking the index anything

    (root / "patches" / "lonely").mkdir()
    refused(root, *args, "lonely", says="patches/lonely already exists")
    (root / "upstream" / "locked.lock").write_text("version = '1.0'\n")
    refused(root, *args, "locked", says="upstream/locked.lock already exists")


def test_write_rolls_back_when_a_file_appears(tmp_path: Path) -> None:
    guessed = scaffold.Guess(("mypkg",), "MyPkg", ())
    inspection = scaffold.Inspection(
        PyPISource("mypkg"), Release("1.0", "https://x/mypkg-1.0.tar.gz"), guessed, 1
    )
    decided = (RenameMap({"mypkg": "ourpkg"}, {"MyPkg": "ourpkg"}), ())
    plan = scaffold.make_plan("mypkg", tmp_path / "def", inspection, decided)
    written = scaffold.write(plan)
    assert written.config.rename.packages == {"mypkg": "ourpkg"}
    # The same plan again, in a definition where only the toml exists: refused, and the
    # patches directory it would have made is gone again.
    (tmp_path / "def" / "patches" / "mypkg" / "series").unlink()
    (tmp_path / "def" / "patches" / "mypkg").rmdir()
    (tmp_path / "def" / "patches").rmdir()
    before = files_below(tmp_path)
    with pytest.raises(ConfigError, match="already exists"):
        scaffold.write(plan)
    assert files_below(tmp_path) == before


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--pypi", "nosuch", "--package", "a=b"], "project 'nosuch' was not found"),
        (["--package", "mypkg=1bad"], "'1bad' is not a valid new import package name"),
        (["--package", "mypkg=mypkg"], "the new name of package 'mypkg' is its old name"),
        (["--package", "mypkg=our-pkg"], "not a valid new import package name"),
        (["--package", "mypkg=class"], "'class' is not a valid new import package name: it is"),
        (["--package", "mypkg=acme.import"], "it holds the Python keyword 'import'"),
        (["--package", "mypkg=caf\u00e9"], "'café' is not a valid new import package name"),
        (["--package", "mypkg"], "the new name of package 'mypkg' is its old name"),
        (["--package", "a=b", "--package", "c"], "--package NEW (without OLD=) goes alone"),
        ([], "no new name for the import package mypkg — pass --package mypkg=NEW"),
        (["--package", "ourpkg", "--dist", "mypkg"], "the upstream's own distribution name"),
        (["--package", "ourpkg", "--dist", "-x"], "'-x' is not a valid distribution name"),
        (["--package", "ourpkg", "--script", "mypkg"], "--script 'mypkg' is not OLD=NEW"),
        (["--package", "ourpkg", "--script", "mypkg=mypkg"], "script 'mypkg' is its old name"),
        (["--package", "ourpkg", "--fork-path", " "], "--fork-path is empty"),
        (["--package", "mypkg=ourpkg", "--package", "ourpkg=x"], "both an old and a new name"),
        (["--pypi", "mypkg", "--git", "x"], "--pypi PROJECT or --git URL (one of them)"),
        (["--package", "ourpkg", "--tag-pattern", "v(.*)"], "--tag-pattern goes with --git"),
        (["--package", "ourpkg", "bad/name"], "'bad/name' is not a usable upstream name"),
    ],
)
def test_bad_input(tmp_path: Path, published: IndexServer, args: list[str], says: str) -> None:
    source = [] if any(a in ("--pypi", "--git") for a in args) else ["--pypi", "mypkg"]
    refused(tmp_path / "def", "init", *source, "--index", published.url, *args, "--yes", says=says)


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("ext::sh -c touch% PWNED", "uses git's transport-helper syntax (ext::)"),
        ("fd::7", "uses git's transport-helper syntax (fd::)"),
        ("-oProxyCommand=touch PWNED:x", "starts with '-', which git would read as an option"),
    ],
)
def test_git_url_that_runs_a_program(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str, says: str
) -> None:
    monkeypatch.chdir(tmp_path)
    refused(tmp_path / "def", "init", "--git", url, "--package", "a=b", "--yes", says=says)
    assert not (tmp_path / "PWNED").exists()


def test_no_terminal_means_no_questions(tmp_path: Path, published: IndexServer) -> None:
    # CliRunner's stdin is not a terminal: without --yes, init still never asks.
    refused(
        tmp_path / "def",
        "init",
        "--pypi",
        "mypkg",
        "--index",
        published.url,
        says="no new name for the import package mypkg",
    )


def test_no_final_release(tmp_path: Path, index_server: IndexServer) -> None:
    index_server.add_release("mypkg", "1.0rc1", sdist("1.0rc1"))
    refused(
        tmp_path / "def",
        "init",
        "--pypi",
        "mypkg",
        "--index",
        index_server.url,
        "--package",
        "ourpkg",
        says="has no final release with an sdist",
    )


def test_unreachable_index(tmp_path: Path, published: IndexServer) -> None:
    published.close()
    refused(
        tmp_path / "def",
        "init",
        "--pypi",
        "mypkg",
        "--index",
        published.url,
        "--package",
        "ourpkg",
        says="cannot reach the package index",
    )


PASSWORD = "s3cr3t-t0ken-9f2e"


@pytest.fixture
def private(tmp_path: Path) -> Iterator[IndexServer]:
    """MyPkg's releases on an index that answers 401 without alice's password."""
    with IndexServer(credentials=("alice", PASSWORD)) as server:
        server.add_release("mypkg", "1.0", sdist("1.0"))
        server.add_release("mypkg", "1.1", sdist("1.1"), date="2024-02-01T00:00:00Z")
        yield server


def _with_password(url: str, password: str = PASSWORD) -> str:
    return url.replace("http://", f"http://alice:{password}@", 1)


def test_index_credentials_are_used_and_never_written(
    tmp_path: Path, private: IndexServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "def"
    index = _with_password(private.url)
    args = ["init", "--pypi", "mypkg", "--index", index, "--package", "ourpkg", "--yes"]

    result = run_cli(root, *args, "--json")
    text = (root / "upstream" / "mypkg.toml").read_text()

    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["source"]["index"] == _with_password(private.url, "****")
    assert any(f"set FORKTOOL_INDEX={_with_password(private.url, '****')}" in note
               for note in summary["notes"])  # fmt: skip
    assert f'index = "{private.url}"' in text  # the index, without its password
    assert "credentials: from $FORKTOOL_INDEX (same host), never written here" in text
    assert PASSWORD not in result.output
    assert all(PASSWORD.encode() not in data for data in files_below(root).values() if data)
    assert config.load(root, "mypkg").source == PyPISource("mypkg", private.url)

    monkeypatch.setenv("FORKTOOL_INDEX", index)
    synced = run_cli(root, "sync", "mypkg")
    assert synced.exit_code == 0, synced.output
    assert PASSWORD not in synced.output


def test_index_credentials_from_the_environment_stay_there(
    tmp_path: Path, private: IndexServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "def"
    monkeypatch.setenv("FORKTOOL_INDEX", _with_password(private.url))

    result = run_cli(root, "init", "--pypi", "mypkg", "--package", "ourpkg", "--yes")
    text = (root / "upstream" / "mypkg.toml").read_text()

    assert result.exit_code == 0, result.output
    assert f"(sdist on {_with_password(private.url, '****')}, " in result.output
    assert f'# index = "{_with_password(private.url, "****")}"  (the default)' in text
    assert PASSWORD not in result.output and PASSWORD not in text
    assert "note: the password of --index" not in result.output
    assert run_cli(root, "sync", "mypkg").exit_code == 0


def test_index_without_its_credentials(tmp_path: Path, private: IndexServer) -> None:
    refused(
        tmp_path / "def",
        "init",
        "--pypi",
        "mypkg",
        "--index",
        private.url,
        "--package",
        "ourpkg",
        says=f"the package index at {private.url} needs credentials (HTTP 401 Unauthorized)",
    )


def test_git_without_release_tags(tmp_path: Path) -> None:
    repo = git_init(tmp_path / "untagged")
    build_file_tree(repo, {"mypkg/__init__.py": ""})
    git_save(repo, "first", tag="first-try")
    refused(
        tmp_path / "def",
        "init",
        "--git",
        str(repo),
        "--package",
        "ourpkg",
        says="has no release tag matching",
    )
    result = refused(
        tmp_path / "def",
        "init",
        "--git",
        str(repo),
        "--package",
        "ourpkg",
        "--tag-pattern",
        "(",
        says="--tag-pattern is not a valid regular",
    )
    assert "its tags" not in result.output


def test_several_packages_need_a_name_each(tmp_path: Path, index_server: IndexServer) -> None:
    files = sdist("1.0")
    files["src/mypkg_ext/__init__.py"] = ""
    index_server.add_release("mypkg", "1.0", files)
    base = ["init", "--pypi", "mypkg", "--index", index_server.url, "--yes"]
    refused(
        tmp_path / "def",
        *base,
        "--package",
        "ourpkg",
        says="needs exactly one guessed import package (guessed: mypkg, mypkg_ext)",
    )
    refused(
        tmp_path / "def", *base, "--package", "mypkg=ourpkg", says="pass --package mypkg_ext=NEW"
    )
    result = run_cli(
        tmp_path / "def", *base, "--package", "mypkg=ourpkg", "--package", "mypkg_ext=ourext"
    )
    assert result.exit_code == 0, result.output
    assert config.load(tmp_path / "def", "mypkg").rename.packages == {
        "mypkg": "ourpkg",
        "mypkg_ext": "ourext",
    }


# -- guessing, from a tree ---------------------------------------------------------------------


def test_guess_src_layout() -> None:
    files = tree(
        {
            "src/mypkg/__init__.py": "",
            "src/mypkg/sub/__init__.py": "",
            "tests/__init__.py": "",
            "tests/helpers/__init__.py": "",
            "docs/conf.py": "",
            "setup.py": "from setuptools import setup\nsetup()\n",
        }
    )
    assert scaffold.guess_packages(files) == (["mypkg"], "directories with __init__.py under src/")


def test_guess_flat_layout() -> None:
    files = tree(
        {
            "mypkg/__init__.py": "",
            "mypkg_tests/__init__.py": "",
            "examples/__init__.py": "",
            "benchmarks/__init__.py": "",
            "conftest.py": "",
            "noxfile.py": "",
        }
    )
    assert scaffold.guess_packages(files) == (
        ["mypkg"],
        "directories with __init__.py at the top level",
    )


def test_guess_keeps_a_tooling_name_that_is_the_project() -> None:
    files = tree({"src/build/__init__.py": "", "src/tests/__init__.py": ""})
    assert scaffold.guess_packages(files) == ([], "")
    assert scaffold.guess(files, "build").packages == ("build",)


def test_guess_a_package_below_another_directory() -> None:
    files = tree(
        {
            "lib/sqlalchemy/__init__.py": "",
            "lib/sqlalchemy/orm/__init__.py": "",
            "test/orm/__init__.py": "",
            "tools/__init__.py": "",
            "pyproject.toml": '[tool.setuptools.packages.find]\nwhere = ["lib"]\n',
        }
    )
    assert scaffold.guess_packages(files) == (
        ["sqlalchemy"],
        "directories with __init__.py under lib/",
    )


@pytest.mark.parametrize(
    "namespace_init",
    [None, "__import__('pkg_resources').declare_namespace(__name__)\n"],
)
def test_guess_names_the_subpackage_of_a_namespace_package(namespace_init: str | None) -> None:
    layout = {
        "jaraco/functools/__init__.py": "",
        "jaraco/functools/py.typed": "",
        "jaraco.functools.egg-info/top_level.txt": "jaraco\n",
    }
    if namespace_init is not None:
        layout["jaraco/__init__.py"] = namespace_init
    assert scaffold.guess_packages(tree(layout))[0] == ["jaraco.functools"]
    # A real package with that name is the package itself.
    own = tree({**layout, "jaraco/__init__.py": "VERSION = 1\n"})
    assert scaffold.guess_packages(own)[0] == ["jaraco"]


def test_guess_single_module() -> None:
    files = tree({"six.py": "", "setup.py": "", "test_six.py": "", "conftest.py": "", "README": ""})
    assert scaffold.guess_packages(files) == (["six"], "single modules at the top level")


def test_guess_from_top_level_txt_first() -> None:
    files = tree(
        {
            "src/mypkg.egg-info/top_level.txt": "mypkg\n_mypkg_speedups\ntests\n",
            "src/mypkg/__init__.py": "",
            "src/other/__init__.py": "",
        }
    )
    assert scaffold.guess_packages(files) == (
        ["_mypkg_speedups", "mypkg"],
        "src/mypkg.egg-info/top_level.txt",
    )
    guessed = scaffold.guess(files, "mypkg")
    assert guessed.packages == ("mypkg", "_mypkg_speedups")  # the one named like the dist first


@pytest.mark.parametrize(
    ("pyproject", "expected"),
    [
        ('[tool.flit.module]\nname = "mod"\n', ["mod"]),
        ('[tool.setuptools]\npackages = ["a", "a.b"]\npy-modules = ["c"]\n', ["a", "c"]),
        ('[tool.hatch.build.targets.wheel]\npackages = ["src/hpkg"]\n', ["hpkg"]),
        ('[tool.poetry]\npackages = [{include = "ppkg", from = "src"}]\n', ["ppkg"]),
    ],
)
def test_guess_from_pyproject(pyproject: str, expected: list[str]) -> None:
    files = tree({"pyproject.toml": pyproject, "elsewhere/__init__.py": ""})
    assert scaffold.guess_packages(files)[0] == expected


def test_guess_from_setup_cfg_and_setup_py() -> None:
    cfg = """\
        [metadata]
        name = Cfg-Pkg

        [options]
        packages = cfgpkg, cfgpkg.sub

        [options.entry_points]
        console_scripts =
            cfg-tool = cfgpkg.cli:main
            cfgpkg = cfgpkg.__main__:run
        """
    files = tree({"setup.cfg": cfg})
    assert scaffold.guess_packages(files) == (["cfgpkg"], "setup.cfg [options]")
    assert scaffold.guess_distribution(files) == ("Cfg-Pkg", "setup.cfg [metadata]")
    assert scaffold.guess_scripts(files) == (
        ["cfg-tool", "cfgpkg"],
        "setup.cfg [options.entry_points]",
    )

    setup_py = """\
        from setuptools import setup
        setup(
            name="PyPkg",
            packages=["pypkg", "pypkg.x"],
            py_modules=["pyhelper"],
            entry_points={"console_scripts": ["pypkg-run = pypkg:main"]},
        )
        """
    files = tree({"setup.py": setup_py, "unrelated/__init__.py": ""})
    assert scaffold.guess_packages(files) == (["pyhelper", "pypkg"], "setup.py")
    assert scaffold.guess_distribution(files) == ("PyPkg", "setup.py")
    assert scaffold.guess_scripts(files) == (["pypkg-run"], "setup.py entry_points")
    assert scaffold.guess(files, "x").packages == ("pypkg", "pyhelper")


def test_guess_distribution_and_scripts() -> None:
    files = tree(
        {
            "PKG-INFO": "Metadata-Version: 2.1\nName: Real-Name\n\nName: not this\n",
            "pyproject.toml": '[project]\nname = "other"\n[project.scripts]\nrun = "x:y"\n'
            '[project.gui-scripts]\nrun-gui = "x:z"\n',
            "x.egg-info/entry_points.txt": "[console_scripts]\nrun = x:y\nlegacy = x:old\n"
            "[x.plugins]\nnot-a-script = x:p\n",
        }
    )
    assert scaffold.guess_distribution(files) == ("Real-Name", "PKG-INFO")
    scripts, origin = scaffold.guess_scripts(files)
    assert scripts == ["run", "run-gui", "legacy"]
    assert origin == (
        "pyproject.toml [project.scripts], pyproject.toml [project.gui-scripts], "
        "x.egg-info/entry_points.txt"
    )
    assert scaffold.guess_distribution(tree({"pyproject.toml": "[project]\nname='n'\n"})) == (
        "n",
        "pyproject.toml [project]",
    )
    nothing = tree({"pyproject.toml": "not toml [", "setup.py": "def (:", "setup.cfg": "[x"})
    assert scaffold.guess_distribution(nothing) == (None, "")
    assert scaffold.guess_scripts(nothing) == ([], "")
    assert scaffold.guess_packages(nothing) == ([], "")
    assert scaffold.guess(nothing, "fallback").distribution == "fallback"


def test_derive_and_default_names() -> None:
    assert scaffold.derive("django-admin", {"django": "dj2"}) == "dj2-admin"
    assert scaffold.derive("Pygmentize", {"pygments": "chromatic"}) is None
    assert scaffold.derive("markdown_py", {"markdown": "marktext"}) == "marktext_py"
    assert scaffold.default_name(PyPISource("More_Itertools")) == "more-itertools"
    assert scaffold.default_name(GitSource("https://example.org/pallets/Flask.git")) == "flask"
    assert scaffold.default_name(GitSource("git@example.org:org/repo")) == "repo"
    assert scaffold.default_name(GitSource("/srv/git/my.pkg/")) == "my-pkg"


def test_decide_without_questions() -> None:
    guessed = scaffold.Guess(("django",), "Django", ("django-admin", "other"))
    names = scaffold.parse_names(["dj2"], None, [])
    rename, notes = scaffold.decide(guessed, names, None)
    assert rename.packages == {"django": "dj2"}
    assert rename.distributions == {"Django": "dj2"}
    assert rename.scripts == {"django-admin": "dj2-admin"}
    assert notes == ("console script other keeps its name (pass --script other=NEW to rename it)",)


def test_skip_leaves_a_wrong_guess_out() -> None:
    guessed = scaffold.Guess(("pytest", "_pytest", "py"), "pytest", ("pytest", "py.test"))
    names = scaffold.parse_names(["pytest=ptest", "_pytest=_ptest"], None, [], ["py"])
    rename, _ = scaffold.decide(guessed, names, None)
    assert rename.packages == {"pytest": "ptest", "_pytest": "_ptest"}
    lone = scaffold.parse_names(["ptest"], None, [], ["_pytest", "py"])
    assert scaffold.decide(guessed, lone, None)[0].packages == {"pytest": "ptest"}
    with pytest.raises(ConfigError, match="no new name for the import package py"):
        scaffold.decide(
            guessed, scaffold.parse_names(["pytest=ptest", "_pytest=_p"], None, []), None
        )
    with pytest.raises(ConfigError, match="--skip flask: no such package was guessed"):
        scaffold.decide(guessed, scaffold.parse_names(["ptest"], None, [], ["flask"]), None)
    with pytest.raises(ConfigError, match="both renamed and skipped"):
        scaffold.parse_names(["py=pie"], None, [], ["py"])


def test_guess_entry_point_groups_the_package_loads() -> None:
    files = tree(
        {
            "src/mypkg/cli.py": 'for ep in entry_points(group="mypkg.commands"): ...\n',
            "src/mypkg/plugins.py": "iter_entry_points('mypkg.plugins')\n"
            "entry_points().select(group = 'mypkg.hooks')\n"
            'entry_points(group="other.commands")\n',
            "docs/conf.py": 'entry_points(group="mypkg.docs")\n',
            "src/mypkg/__init__.py": "",
        }
    )
    groups = ("mypkg.commands", "mypkg.docs", "mypkg.hooks", "mypkg.plugins")
    assert scaffold.guess_entry_point_groups(files, ["mypkg"]) == groups
    assert scaffold.guess(files, "mypkg").entry_point_groups == groups
    assert scaffold.guess_entry_point_groups(files, []) == ()
