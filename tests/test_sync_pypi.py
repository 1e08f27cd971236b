"""End-to-end syncs of a PyPI upstream, served by a loopback index of sdists built here."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import tarfile
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
import tomlkit

from tests.conftest import CORE_V1, PYPROJECT
from tests.helpers import git, run_cli, snapshot, write_definition
from tests.indexserver import IndexServer


def sdist_files(version: str, greeting: str) -> dict[str, bytes | str]:
    return {
        "pyproject.toml": textwrap.dedent(PYPROJECT.format(version=version)),
        "PKG-INFO": f"Metadata-Version: 2.1\nName: MyPkg\nVersion: {version}\n",
        "src/mypkg/__init__.py": "from mypkg.core import greet\n",
        "src/mypkg/helpers.py": "def upper(text):\n    return text.upper()\n",
        "src/mypkg/core.py": textwrap.dedent(CORE_V1).replace('"hello "', greeting),
    }


@pytest.fixture
def published(index_server: IndexServer) -> IndexServer:
    index_server.add_release("mypkg", "1.0", sdist_files("1.0", '"hello "'))
    index_server.add_release(
        "mypkg", "1.1", sdist_files("1.1", '"Hello, "'), date="2024-02-01T00:00:00Z"
    )
    return index_server


@pytest.fixture
def pypi_definition(tmp_path: Path, published: IndexServer) -> Path:
    return write_definition(
        tmp_path / "def",
        "mypkg",
        f'type = "pypi"\nproject = "mypkg"\nindex = "{published.url}"',
        extra='\n[rename.distributions]\nMyPkg = "OurPkg"\n',
    )


def fork_path(definition: Path) -> Path:
    return definition / "forks" / "mypkg"


def lock(definition: Path) -> dict[str, str]:
    return tomlkit.parse((definition / "upstream" / "mypkg.lock").read_text()).unwrap()


def test_first_sync_from_index(pypi_definition: Path, published: IndexServer) -> None:
    result = run_cli(pypi_definition, "sync", "--to", "1.0")
    assert result.exit_code == 0, result.output
    fork = fork_path(pypi_definition)
    assert "import ourpkg.helpers" in (fork / "src/ourpkg/core.py").read_text()
    vendor_files = git(fork, "ls-tree", "-r", "--name-only", "upstream/mypkg/1.0").splitlines()
    assert "src/mypkg/core.py" in vendor_files  # pristine, top directory stripped
    expected = hashlib.sha256(published._files["/files/mypkg/mypkg-1.0.tar.gz"]).hexdigest()
    assert lock(pypi_definition)["sha256"] == expected
    # Author and dates come from the release, so the id is reproducible.
    assert git(fork, "log", "-1", "--format=%an %at", "vendor/mypkg") == "forktool 1704067200"


def test_second_sync_merges(pypi_definition: Path) -> None:
    assert run_cli(pypi_definition, "sync", "--to", "1.0").exit_code == 0
    fork = fork_path(pypi_definition)
    (fork / "FORK.txt").write_text("ours\n")
    git(fork, "add", "FORK.txt")
    git(fork, "commit", "-qm", "fork file")
    result = run_cli(pypi_definition, "sync")
    assert result.exit_code == 0, result.output
    assert '"Hello, "' in (fork / "src/ourpkg/core.py").read_text()
    assert (fork / "FORK.txt").exists()
    assert lock(pypi_definition)["version"] == "1.1"


def test_sdists_are_downloaded_once(pypi_definition: Path, published: IndexServer) -> None:
    assert run_cli(pypi_definition, "sync", "--to", "1.0").exit_code == 0
    assert run_cli(pypi_definition, "sync", "--to", "1.1").exit_code == 0
    assert published.downloads("mypkg", "mypkg-1.0.tar.gz") == 1
    assert published.downloads("mypkg", "mypkg-1.1.tar.gz") == 1


def _refused(definition: Path, *args: str, says: str) -> None:
    before = snapshot(fork_path(definition)), sorted(p.name for p in definition.rglob("*"))
    result = run_cli(definition, *args)
    assert result.exit_code == 2, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and says in errors[0], result.output
    assert (snapshot(fork_path(definition)), sorted(p.name for p in definition.rglob("*"))) == (
        before
    )


def test_sha256_mismatch(pypi_definition: Path, published: IndexServer) -> None:
    data = published._files["/files/mypkg/mypkg-1.0.tar.gz"]
    published.add_raw_file("mypkg", "1.2", "mypkg-1.2.tar.gz", data, sha256="0" * 64)
    _refused(pypi_definition, "sync", "--to", "1.2", says="sha256")


def test_sha256_mismatch_after_first_sync(pypi_definition: Path, published: IndexServer) -> None:
    assert run_cli(pypi_definition, "sync", "--to", "1.0").exit_code == 0
    data = published._files["/files/mypkg/mypkg-1.1.tar.gz"]
    published.add_raw_file("mypkg", "1.2", "mypkg-1.2.tar.gz", data, sha256="f" * 64)
    _refused(pypi_definition, "sync", "--to", "1.2", says="sha256")


def test_path_traversal_member(pypi_definition: Path, published: IndexServer) -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name in ("mypkg-1.2/setup.py", "mypkg-1.2/../../escape.txt"):
            info = tarfile.TarInfo(name)
            info.size = 3
            tar.addfile(info, io.BytesIO(b"x=1"))
    published.add_raw_file("mypkg", "1.2", "mypkg-1.2.tar.gz", buf.getvalue())
    _refused(pypi_definition, "sync", "--to", "1.2", says="..")
    assert not (pypi_definition.parent / "escape.txt").exists()


def test_unknown_version(pypi_definition: Path) -> None:
    _refused(pypi_definition, "sync", "--to", "7.0", says="7.0 is not on the package index")


def test_unreachable_index(pypi_definition: Path, published: IndexServer) -> None:
    assert run_cli(pypi_definition, "sync", "--to", "1.0").exit_code == 0
    published.close()
    _refused(pypi_definition, "sync", says="cannot reach")


def test_awkward_file_names_survive(pypi_definition: Path, published: IndexServer) -> None:
    files = sdist_files("1.2", '"hello "')
    files['"quoted".txt'] = "q\n"
    files["docs/with space [1].md"] = "s\n"
    published.add_release("mypkg", "1.2", files)
    result = run_cli(pypi_definition, "sync", "--to", "1.2")
    assert result.exit_code == 0, result.output
    fork = fork_path(pypi_definition)
    assert (fork / '"quoted".txt').read_text() == "q\n"
    assert (fork / "docs/with space [1].md").read_text() == "s\n"


def test_a_git_directory_inside_the_sdist_is_left_out_and_named(
    tmp_path: Path, index_server: IndexServer
) -> None:
    """tomlkit's sdist carries tests/toml-test/.git: git cannot store it, the rest can."""
    files = sdist_files("1.0", '"hello "')
    files["tests/suite/.git/config"] = "[core]\n"
    files["tests/suite/.git/hooks/post-checkout"] = "#!/bin/sh\necho owned\n"
    files["tests/suite/case.toml"] = "a = 1\n"
    index_server.add_release("mypkg", "1.0", files)
    definition = write_definition(
        tmp_path / "def",
        "mypkg",
        f'type = "pypi"\nproject = "mypkg"\nindex = "{index_server.url}"',
        extra='\n[rename.distributions]\nMyPkg = "OurPkg"\n',
    )
    result = run_cli(definition, "sync", "--to", "1.0")
    assert result.exit_code == 0, result.output
    fork = fork_path(definition)
    vendor = git(fork, "ls-tree", "-r", "--name-only", "vendor/mypkg").splitlines()
    assert "tests/suite/case.toml" in vendor
    assert not any(".git/" in path for path in vendor)
    message = git(fork, "log", "-1", "--format=%B", "vendor/mypkg")
    assert "Left out of the sdist (git cannot store .git paths):\n  tests/suite/.git" in message
    assert (fork / "tests/suite/case.toml").exists()


def test_paths_git_refuses_are_left_out_of_the_vendor_tree_and_named(
    tmp_path: Path, index_server: IndexServer
) -> None:
    """``.git.``, ``git~1``, ``.GIT`` (NTFS and case disguises of ``.git``) and a symlinked
    ``.gitmodules``: git would drop them quietly; forktool names them."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        members = {
            **sdist_files("1.0", '"hello "'),
            ".git./hooks/post-checkout": "#!/bin/sh\necho owned\n",
            "git~1/config": "[core]\n",
            "tests/.GIT/config": "[core]\n",
            "tests/case.txt": "kept\n",
        }
        for path, text in members.items():
            data = text.encode() if isinstance(text, str) else text
            info = tarfile.TarInfo(f"mypkg-1.0/{path}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("mypkg-1.0/.gitmodules")
        link.type = tarfile.SYMTYPE
        link.linkname = "tests/case.txt"
        tar.addfile(link)
    index_server.add_raw_file("mypkg", "1.0", "mypkg-1.0.tar.gz", buffer.getvalue())
    definition = write_definition(
        tmp_path / "def",
        "mypkg",
        f'type = "pypi"\nproject = "mypkg"\nindex = "{index_server.url}"',
    )
    result = run_cli(definition, "sync", "--to", "1.0")
    assert result.exit_code == 0, result.output
    fork = fork_path(definition)
    vendor = git(fork, "ls-tree", "-r", "--name-only", "vendor/mypkg").splitlines()
    assert "tests/case.txt" in vendor
    assert not [p for p in vendor if "git" in p.lower() and not p.startswith("src/")], vendor
    message = git(fork, "log", "-1", "--format=%B", "vendor/mypkg")
    named = message.split("Left out of the sdist (git cannot store .git paths):\n", 1)[1]
    assert named.split() == [".git.", "git~1", "tests/.GIT", ".gitmodules"]


# -- an index that wants credentials (user:password@ in the URL, as pip takes them) ---------

PASSWORD = "s3cr3t-t0ken-9f2e"


@pytest.fixture
def private_index() -> Iterator[IndexServer]:
    """The releases of ``published``, on an index answering 401 without alice's password."""
    with IndexServer(credentials=("alice", PASSWORD)) as server:
        server.add_release("mypkg", "1.0", sdist_files("1.0", '"hello "'))
        server.add_release(
            "mypkg", "1.1", sdist_files("1.1", '"Hello, "'), date="2024-02-01T00:00:00Z"
        )
        yield server


def _with_password(url: str, password: str = PASSWORD) -> str:
    return url.replace("http://", f"http://alice:{password}@", 1)


def _where_the_password_is(definition: Path) -> list[str]:
    """Every file below the definition (the fork repository's .git included) whose bytes
    hold the password, and "git objects" when any object of the fork (a blob, a commit
    message, a tag) does, compressed or packed as git stores them."""
    found = [
        path.relative_to(definition).as_posix()
        for path in sorted(definition.rglob("*"))
        if path.is_file() and PASSWORD.encode() in path.read_bytes()
    ]
    fork = fork_path(definition)
    objects = subprocess.run(
        ["git", "cat-file", "--batch-all-objects", "--batch"],
        cwd=fork, capture_output=True, check=True,
    ).stdout  # fmt: skip
    assert b"Import mypkg 1.1" in objects  # what is searched is really there
    if PASSWORD.encode() in objects or PASSWORD in git(fork, "log", "--all", "--format=%B"):
        found.append("git objects")
    return found


@pytest.mark.parametrize("given_in", ["environment", "definition"])
def test_an_index_with_credentials_works_and_never_shows_the_password(
    tmp_path: Path, private_index: IndexServer, monkeypatch: pytest.MonkeyPatch, given_in: str
) -> None:
    index = _with_password(private_index.url)
    if given_in == "environment":
        monkeypatch.setenv("FORKTOOL_INDEX", index)
    source = 'type = "pypi"\nproject = "mypkg"' + (
        f'\nindex = "{index}"' if given_in == "definition" else ""
    )
    definition = write_definition(
        tmp_path / "def", "mypkg", source, extra='\n[rename.distributions]\nMyPkg = "OurPkg"\n'
    )

    runs = [
        run_cli(definition, "sync", "--to", "1.0"),
        run_cli(definition, "status"),
        run_cli(definition, "sync", "--json"),
        run_cli(definition, "status", "--json"),
        run_cli(definition, "check"),
        run_cli(definition, "shims"),
    ]

    assert [run.exit_code for run in runs] == [0, 0, 0, 0, 0, 0], runs[0].output + runs[2].output
    assert lock(definition)["version"] == "1.1"
    shown = _with_password(private_index.url, "****")
    assert f"source   pypi: mypkg on {shown}\n" in runs[1].output
    assert json.loads(runs[3].stdout)["upstreams"][0]["index"] == shown
    assert all(PASSWORD not in run.output for run in runs)
    expected = ["upstream/mypkg.toml"] if given_in == "definition" else []
    assert _where_the_password_is(definition) == expected
    assert set(private_index.authorizations) == {"Basic YWxpY2U6czNjcjN0LXQwa2VuLTlmMmU="}


def test_an_index_without_its_credentials_is_one_line_and_changes_nothing(
    tmp_path: Path, private_index: IndexServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = _with_password(private_index.url, "not-the-password")
    definition = write_definition(
        tmp_path / "def",
        "mypkg",
        f'type = "pypi"\nproject = "mypkg"\nindex = "{private_index.url}"',
        extra='\n[rename.distributions]\nMyPkg = "OurPkg"\n',
    )
    _refused(definition, "sync", says=f"the package index at {private_index.url} needs credentials")
    monkeypatch.setenv("FORKTOOL_INDEX", _with_password(private_index.url))
    assert run_cli(definition, "sync", "--to", "1.0").exit_code == 0  # same host: its password
    monkeypatch.setenv("FORKTOOL_INDEX", wrong)
    _refused(definition, "sync", says="refused the credentials of user 'alice'")
    result = run_cli(definition, "sync")
    assert "not-the-password" not in result.output
