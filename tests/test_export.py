"""``forktool export``: fork commits, ranges and series patches in upstream's names, the
round trip, ``--onto``, ``--branch`` and ``--forwarded``, on a fork of a git upstream."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import pytest

from forktool.exchange.export import forwarded_of, with_forwarded
from forktool.exchange.inverse import inverse_map
from forktool.model import RenameMap
from tests.helpers import git, run_cli, snapshot

CODE = "src/ourpkg/core.py"


@pytest.fixture
def fork(definition: Path) -> Path:
    """The fork at release 1.0, with one fork commit touching code, a string naming a
    module and a docstring across three files."""
    assert run_cli(definition, "sync", "mypkg", "--to", "1.0").exit_code == 0
    fork = definition / "forks" / "mypkg"
    _edit(fork / "src/ourpkg/helpers.py", "return text.upper()", "return text.upper().strip()")
    (fork / "src/ourpkg/cli.py").write_text(
        "import importlib\n\nimport ourpkg\n\n\ndef main():\n"
        '    """Run ourpkg.cli: greet with :func:`ourpkg.core.greet`."""\n'
        '    importlib.import_module("ourpkg.helpers")\n'
        "    print(ourpkg.greet('x'))\n"
    )
    _edit(fork / "src/ourpkg/__init__.py", "greet\n", 'greet\n\n__all__ = ["greet"]\n')
    _commit(fork, "Strip shouted text\n\nAnd say where the greeting comes from.")
    return fork


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def _commit(repo: Path, message: str) -> str:
    git(repo, "add", "--all")
    subprocess.run(
        ["git", "commit", "-q", "-m", message],
        cwd=repo,
        check=True,
        env={
            "GIT_AUTHOR_NAME": "Fork Dev",
            "GIT_AUTHOR_EMAIL": "dev@fork.example",
            "GIT_AUTHOR_DATE": "1700000000 +0100",
            "GIT_COMMITTER_NAME": "Fork Dev",
            "GIT_COMMITTER_EMAIL": "dev@fork.example",
            "GIT_COMMITTER_DATE": "1700000100 +0100",
            "PATH": "/usr/bin:/bin",
            "HOME": str(repo),
        },
    )
    return git(repo, "rev-parse", "HEAD")


def _export(definition: Path, *args: str, code: int = 0) -> dict[str, object]:
    result = run_cli(definition, "export", *args, "--json")
    assert result.exit_code == code, result.output
    document = json.loads(result.stdout)
    assert isinstance(document, dict)
    return document


def _state(definition: Path, upstream: Path) -> tuple[object, ...]:
    """The fork, the definition's files and the upstream: what bad input must not change."""
    files = {
        str(p.relative_to(definition)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted((definition / "upstream").rglob("*"))
        + sorted((definition / "patches").rglob("*"))
        if p.is_file()
    }
    return snapshot(definition / "forks" / "mypkg"), files, snapshot(upstream)


def test_a_fork_commit_comes_out_in_upstream_names(
    definition: Path, fork: Path, upstream_repo: Path, tmp_path: Path
) -> None:
    head = git(fork, "rev-parse", "HEAD")
    out = tmp_path / "out.patch"
    result = run_cli(definition, "export", "HEAD", "-o", str(out))
    assert result.exit_code == 0, result.output
    patch = out.read_text()
    assert patch.startswith("From ")
    assert "From: Fork Dev <dev@fork.example>" in patch
    assert "Date: Tue, 14 Nov 2023 23:13:20 +0100" in patch
    assert "Subject: [PATCH] Strip shouted text" in patch
    assert "And say where the greeting comes from." in patch
    assert f"Forktool-Fork-Commit: {head}" in patch
    assert "ourpkg" not in patch.split("---", 1)[1]
    assert '+    importlib.import_module("mypkg.helpers")' in patch
    assert '+    """Run mypkg.cli: greet with :func:`mypkg.core.greet`."""' in patch
    for path in ("src/mypkg/cli.py", "src/mypkg/helpers.py", "src/mypkg/__init__.py"):
        assert f"diff --git a/{path} b/{path}" in patch
    assert "round trip byte-identical" in result.stderr
    # git's own check, in upstream's repository at the release the fork integrates.
    git(upstream_repo, "checkout", "-q", "v1.0")
    git(upstream_repo, "apply", "--check", str(out))
    # The round trip by hand: apply, rename forward, compare with the fork commit.
    git(upstream_repo, "apply", str(out))
    renamed = tmp_path / "renamed"
    subprocess.run(["cp", "-r", str(upstream_repo / "src"), str(renamed)], check=True)
    result = run_cli(definition, "rename", str(renamed))
    assert result.exit_code == 0, result.output
    for name in ("cli.py", "helpers.py", "__init__.py"):
        fork_bytes = (fork / "src/ourpkg" / name).read_bytes()
        assert (renamed / "ourpkg" / name).read_bytes() == fork_bytes


def test_json_round_trip_and_onto_the_newest_release(definition: Path, fork: Path) -> None:
    document = _export(definition, "HEAD", "--onto")
    assert document["command"] == "export" and document["exact"] is True
    changes = document["changes"]
    assert isinstance(changes, list) and len(changes) == 1
    change = changes[0]
    assert change["kind"] == "commit" and change["source"] == git(fork, "rev-parse", "HEAD")
    assert change["files"] == ["src/mypkg/__init__.py", "src/mypkg/cli.py", "src/mypkg/helpers.py"]
    assert change["round_trip"] == []
    onto = document["onto"]
    assert isinstance(onto, dict)
    assert onto["status"] == "applies"
    assert onto["commit"] == git(fork, "rev-parse", "vendor/mypkg")
    assert onto["description"] == "mypkg 1.0 (vendor branch)"


def test_onto_a_newer_upstream_commit_conflicts_with_exit_1(
    definition: Path, fork: Path, upstream_repo: Path
) -> None:
    _edit(fork / CODE, '"hello "', '"hey "')
    _commit(fork, "Say hey")
    document = _export(definition, "HEAD", "--onto", "v1.1", code=1)
    onto = document["onto"]
    assert isinstance(onto, dict)
    assert onto["status"] == "conflicts"
    assert onto["conflicts"] == ["src/mypkg/core.py"]
    assert "src/mypkg/core.py" in str(onto["detail"])
    assert onto["commit"] == git(upstream_repo, "rev-parse", "v1.1^{commit}")
    assert "refs/forktool/mypkg/export" not in git(fork, "for-each-ref")
    # The same change applies where the fork made it.
    assert _export(definition, "HEAD", "--onto", "1.0")["onto"]["status"] == "applies"  # type: ignore[index]


def test_onto_applies_with_three_way_when_only_the_context_moved(
    definition: Path, fork: Path
) -> None:
    _edit(fork / CODE, "\n\ndef shout", "\n# Loud.\n\ndef shout")
    _commit(fork, "Comment shout")
    text = run_cli(definition, "export", "HEAD", "--onto", "v1.1")
    assert text.exit_code == 0, text.output
    assert "onto v1.1 of" in text.stderr and ": applies with three-way" in text.stderr
    assert "patch failed: src/mypkg/core.py" in text.stderr


def test_lines_that_do_not_round_trip_are_listed(definition: Path, fork: Path) -> None:
    # The fork writes the old name where the rename would change it: un-renaming leaves
    # it, renaming forward does not give it back.
    _edit(fork / CODE, "import ourpkg.helpers\n", "import ourpkg.helpers\nimport mypkg\n")
    _commit(fork, "Import the old name")
    document = _export(definition, "HEAD")
    assert document["exact"] is False
    lines = document["changes"][0]["round_trip"]  # type: ignore[index]
    assert lines == [
        {
            "path": CODE,
            "line": 2,
            "side": "after",
            "fork": "import mypkg",
            "round_trip": "import ourpkg",
        }
    ]
    text = run_cli(definition, "export", "HEAD")
    assert f"{CODE}:2 (after): 'import mypkg' -> 'import ourpkg'" in text.stderr


def test_a_range_gives_one_message_per_commit(definition: Path, fork: Path) -> None:
    first = git(fork, "rev-parse", "HEAD")
    _edit(fork / CODE, '"hello "', '"hey "')
    second = _commit(fork, "Say hey")
    document = _export(definition, "HEAD~2..HEAD")
    changes = document["changes"]
    assert [c["source"] for c in changes] == [first, second]  # type: ignore[union-attr]
    patch = str(document["patch"])
    assert "Subject: [PATCH 1/2] Strip shouted text" in patch
    assert "Subject: [PATCH 2/2] Say hey" in patch
    assert _export(definition, "HEAD~2..HEAD", "--onto")["onto"]["status"] == "applies"  # type: ignore[index]


def test_a_series_patch_is_exported_and_marked_forwarded(
    definition: Path, fork: Path, upstream_repo: Path, tmp_path: Path
) -> None:
    assert run_cli(definition, "patch", "add", "HEAD", "--name", "strip.patch").exit_code == 0
    patch_file = definition / "patches/mypkg/strip.patch"
    before = patch_file.read_bytes()
    url = "https://example.org/mypkg/pull/7"
    document = _export(definition, "strip.patch", "--onto", "--forwarded", url)
    change = document["changes"][0]  # type: ignore[index]
    assert change["kind"] == "patch" and change["source"] == "strip.patch"
    assert change["exact"] is True
    patch = str(document["patch"])
    assert "From: Fork Dev <dev@fork.example>" in patch
    assert "Subject: [PATCH] Strip shouted text" in patch
    assert "Forktool-Series-Patch: strip.patch" in patch
    assert "Forktool-Base" not in patch
    assert '+    importlib.import_module("mypkg.helpers")' in patch
    assert document["onto"]["status"] == "applies"  # type: ignore[index]
    assert document["forwarded"] == str(patch_file)
    after = patch_file.read_bytes()
    assert forwarded_of(after) == url
    assert after.split(b"diff --git", 1)[1] == before.split(b"diff --git", 1)[1]
    exported = tmp_path / "x.patch"
    exported.write_text(patch)
    git(upstream_repo, "checkout", "-q", "v1.0")
    git(upstream_repo, "apply", "--check", str(exported))
    # The series still applies with the header: the next check is clean.
    assert run_cli(definition, "check", "--to", "1.0").exit_code == 0


def test_branch_is_created_in_the_upstream_clone(
    definition: Path, fork: Path, upstream_repo: Path
) -> None:
    git(upstream_repo, "checkout", "-q", "main")
    status_before = git(upstream_repo, "status", "--porcelain")
    head_before = git(upstream_repo, "rev-parse", "HEAD")
    document = _export(definition, "HEAD", "--onto", "main", "--branch", "fix-strip")
    branch = document["branch"]
    assert isinstance(branch, dict) and branch["name"] == "fix-strip"
    commit = git(upstream_repo, "rev-parse", "fix-strip")
    assert branch["commit"] == commit
    assert git(upstream_repo, "rev-parse", "fix-strip~1") == head_before
    assert git(upstream_repo, "log", "-1", "--format=%an <%ae> %ad", "--date=raw", commit) == (
        "Fork Dev <dev@fork.example> 1700000000 +0100"
    )
    shown = git(upstream_repo, "show", "fix-strip:src/mypkg/cli.py")
    assert 'import_module("mypkg.helpers")' in shown
    assert git(upstream_repo, "status", "--porcelain") == status_before
    assert git(upstream_repo, "rev-parse", "HEAD") == head_before
    # Asking again: the branch exists, refused.
    again = run_cli(definition, "export", "HEAD", "--onto", "main", "--branch", "fix-strip")
    assert again.exit_code == 2 and "already has a branch fix-strip" in again.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nosuch",), "neither a commit of the fork repository nor a patch"),
        (("upstream/mypkg/1.0",), "not the fork's"),
        (("HEAD^1", "--onto", "nosuch-branch"), "has no branch, tag or commit 'nosuch-branch'"),
        (("HEAD^1", "--forwarded", "https://x.org/1"), "--forwarded writes into a series patch"),
        (("HEAD^1", "--branch", "x"), "--branch needs --onto"),
        (("HEAD~1..HEAD~1",), "holds no commit"),
        (("merge",), "is a merge commit"),
        (("HEAD~3..merge",), "merge commits"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_changes_nothing(
    definition: Path, fork: Path, upstream_repo: Path, args: tuple[str, ...], message: str
) -> None:
    git(fork, "checkout", "-q", "-b", "side", "HEAD~1")
    (fork / "side.txt").write_text("side\n")
    _commit(fork, "side")
    git(fork, "checkout", "-q", "main")
    git(fork, "merge", "-q", "--no-ff", "-m", "merge side", "side")
    git(fork, "tag", "merge")
    before = _state(definition, upstream_repo)
    result = run_cli(definition, "export", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == ""
    assert _state(definition, upstream_repo) == before


def test_forwarded_header_is_set_and_replaced() -> None:
    data = b"From: A <a@b>\nSubject: x\n\nForktool-Base: mypkg 1.0\n---\ndiff --git a/f b/f\n"
    once = with_forwarded(data, "no")
    assert once == (
        b"From: A <a@b>\nSubject: x\n\nForwarded: no\nForktool-Base: mypkg 1.0\n---\n"
        b"diff --git a/f b/f\n"
    )
    assert forwarded_of(with_forwarded(once, "https://x.org/1")) == "https://x.org/1"
    assert with_forwarded(once, "https://x.org/1").count(b"Forwarded:") == 1


def test_inverse_map_swaps_every_name() -> None:
    rename = RenameMap(
        packages={"flask": "framework"},
        distributions={"Flask": "Framework"},
        scripts={"flask": "fw"},
        keep=("flask.commands",),
        symbols={"flask.app.Flask": "App"},
    )
    inverse = inverse_map(rename)
    assert inverse.packages == {"framework": "flask"}
    assert inverse.distributions == {"Framework": "Flask"}
    assert inverse.scripts == {"fw": "flask"}
    assert inverse.symbols == {"framework.app.App": "Flask"}
    assert inverse.keep == ("flask.commands",)
