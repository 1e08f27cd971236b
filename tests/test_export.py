"""``forktool export``: fork commits, ranges and series patches in upstream's names, the
round trip, ``--onto``, ``--branch`` and ``--forwarded``, on a fork of a git upstream."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from forktool.exchange.inverse import inverse_map
from forktool.model import RenameMap
from forktool.patches import metadata
from forktool.patches.metadata import from_diff
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
    # upstream's own commit of the release, not forktool's vendor commit of it
    assert onto["commit"] == git(fork, "rev-parse", "refs/forktool/mypkg/tags/v1.0^{commit}")
    assert onto["description"] == "mypkg 1.0"


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
    assert from_diff(after).forwarded == url
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
        (("HEAD~3..merge",), "holds 1 merge commit, e.g."),
        (("vendor/mypkg",), "is forktool's vendor commit (vendor/mypkg)"),
        (("transformed/mypkg",), "is forktool's transformed commit (transformed/mypkg)"),
        (
            ("HEAD^1", "--onto", "main", "--branch", "bad..name"),
            "--branch 'bad..name' is not a valid git branch name: ",
        ),
        (
            ("HEAD^1", "--onto", "main", "--branch", "x", "--clone", "/nonexistent/clone"),
            "--clone /nonexistent/clone is not a git repository (the top directory of a clone)",
        ),
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


def forwarded(data: bytes, value: str) -> bytes:
    return metadata.with_value(data, metadata.FORWARDED, value)


def test_forwarded_header_is_set_and_replaced() -> None:
    data = b"From: A <a@b>\nSubject: x\n\nForktool-Base: mypkg 1.0\n---\ndiff --git a/f b/f\n"
    once = forwarded(data, "no")
    assert once == (
        b"From: A <a@b>\nSubject: x\n\nForwarded: no\nForktool-Base: mypkg 1.0\n---\n"
        b"diff --git a/f b/f\n"
    )
    assert from_diff(forwarded(once, "https://x.org/1")).forwarded == "https://x.org/1"
    assert forwarded(once, "https://x.org/1").count(b"Forwarded:") == 1
    # a key in another case is the one the metadata reader takes: replaced, not doubled
    lower = once.replace(b"Forwarded: no", b"forwarded: no")
    replaced = forwarded(lower, "https://x.org/2")
    assert replaced.lower().count(b"forwarded:") == 1
    assert from_diff(replaced).forwarded == "https://x.org/2"


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


def test_output_file_that_exists_is_refused_and_nothing_is_written(
    definition: Path, fork: Path, upstream_repo: Path, tmp_path: Path
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("my precious notes\n")
    git(upstream_repo, "checkout", "-q", "main")
    before = _state(definition, upstream_repo)
    result = run_cli(
        definition, "export", "HEAD", "--onto", "main", "--branch", "b", "-o", str(notes)
    )
    assert result.exit_code == 2, result.output
    assert "exists; forktool does not overwrite it" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert notes.read_text() == "my precious notes\n"
    assert _state(definition, upstream_repo) == before


def test_output_into_a_missing_directory_is_refused_before_branch_and_forwarded(
    definition: Path, fork: Path, upstream_repo: Path, tmp_path: Path
) -> None:
    assert run_cli(definition, "patch", "add", "HEAD", "--name", "strip.patch").exit_code == 0
    git(upstream_repo, "checkout", "-q", "main")
    before = _state(definition, upstream_repo)
    missing = tmp_path / "nodir" / "x.patch"
    args = ("strip.patch", "--onto", "main", "--branch", "fix-strip", "-o", str(missing))
    result = run_cli(definition, "export", *args, "--forwarded", "https://x.org/pull/1")
    assert result.exit_code == 2, result.output
    assert f"the directory {missing.parent} does not exist" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not missing.parent.exists()
    assert _state(definition, upstream_repo) == before  # no branch, no Forwarded:


def test_branch_starts_from_upstreams_own_release_commit(
    definition: Path, fork: Path, upstream_repo: Path, tmp_path: Path
) -> None:
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(upstream_repo), str(clone)], check=True)
    tag = git(clone, "rev-parse", "v1.0^{commit}")
    document = _export(
        definition, "HEAD", "--onto", "1.0", "--branch", "fix", "--clone", str(clone)
    )
    assert document["onto"]["commit"] == tag  # type: ignore[index]
    assert git(clone, "rev-parse", "fix~1") == tag
    assert git(clone, "merge-base", "fix", "v1.0") == tag
    assert "forktool@localhost" not in git(clone, "log", "--format=%ae", "fix")
    assert git(clone, "show", "fix:src/mypkg/helpers.py").endswith("text.upper().strip()")
    # --onto alone (the integrated release): the same upstream commit.
    document = _export(definition, "HEAD", "--onto", "--branch", "fix2", "--clone", str(clone))
    assert git(clone, "rev-parse", "fix2~1") == tag
    assert git(clone, "rev-parse", "fix2") == git(clone, "rev-parse", "fix")


def test_onto_an_older_release_finds_its_upstream_commit_kept_or_fetched(
    definition: Path, fork: Path, upstream_repo: Path
) -> None:
    assert run_cli(definition, "sync", "mypkg", "--to", "1.1").exit_code == 0
    tag = git(upstream_repo, "rev-parse", "v1.0^{commit}")
    assert _export(definition, "HEAD~1", "--onto", "1.0")["onto"]["commit"] == tag  # type: ignore[index]
    # The tag forktool kept at the import is gone: fetched from the upstream again.
    git(fork, "update-ref", "-d", "refs/forktool/mypkg/tags/v1.0")
    assert _export(definition, "HEAD~1", "--onto", "1.0")["onto"]["commit"] == tag  # type: ignore[index]


def test_forwarded_header_in_another_case_is_replaced_and_metadata_stays_in_the_fork(
    definition: Path, fork: Path
) -> None:
    assert run_cli(definition, "patch", "add", "HEAD", "--name", "strip.patch").exit_code == 0
    patch_file = definition / "patches/mypkg/strip.patch"
    data = patch_file.read_bytes().replace(
        b"\nForktool-Base:",
        b"\nforwarded: no\nREASON: our ops team wants it\nupstream-pr: 5999\n"
        b"Forktool-Backport: 0123456789abcdef0123456789abcdef01234567\nForktool-Base:",
        1,
    )
    patch_file.write_bytes(data)
    url = "https://example.org/mypkg/pull/7"
    document = _export(definition, "strip.patch", "--forwarded", url)
    after = patch_file.read_bytes()
    assert from_diff(after).forwarded == url
    header = after.split(b"diff --git", 1)[0].lower()
    assert header.count(b"forwarded:") == 1
    patch = str(document["patch"]).lower()
    for key in ("forwarded:", "reason:", "upstream-pr:", "forktool-base:", "forktool-backport:"):
        assert key not in patch
    assert "forktool-series-patch: strip.patch" in patch


def test_a_fork_commits_metadata_lines_are_not_exported(definition: Path, fork: Path) -> None:
    _edit(fork / CODE, '"hello "', '"hey "')
    head = _commit(fork, "Say hey\n\nUpstream wants this too.\n\nReason: ops\nforwarded: no")
    patch = str(_export(definition, "HEAD")["patch"])
    assert "Upstream wants this too." in patch
    assert "Reason:" not in patch and "forwarded:" not in patch
    assert f"Forktool-Fork-Commit: {head}" in patch


def test_forwarded_is_not_written_when_onto_conflicts(definition: Path, fork: Path) -> None:
    _edit(fork / CODE, '"hello "', '"hey "')
    _commit(fork, "Say hey")
    assert run_cli(definition, "patch", "add", "HEAD", "--name", "hey.patch").exit_code == 0
    patch_file = definition / "patches/mypkg/hey.patch"
    before = patch_file.read_bytes()
    document = _export(
        definition, "hey.patch", "--onto", "v1.1", "--forwarded", "https://x.org/1", code=1
    )
    assert document["onto"]["status"] == "conflicts"  # type: ignore[index]
    assert document["forwarded"] is None
    assert patch_file.read_bytes() == before


def test_forwarded_is_refused_while_a_sync_waits(
    definition: Path, fork: Path, upstream_repo: Path
) -> None:
    assert run_cli(definition, "patch", "add", "HEAD", "--name", "strip.patch").exit_code == 0
    _edit(fork / CODE, '"hello "', '"hey "')
    _commit(fork, "Say hey")
    assert run_cli(definition, "sync", "mypkg", "--to", "1.1").exit_code == 1  # conflicts wait
    before = _state(definition, upstream_repo)
    result = run_cli(definition, "export", "strip.patch", "--forwarded", "https://x.org/1")
    assert result.exit_code == 2, result.output
    assert "a sync of mypkg is waiting for its conflicts" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert _state(definition, upstream_repo) == before


def test_clone_that_is_not_a_repository_names_the_clone(
    definition: Path, fork: Path, upstream_repo: Path, tmp_path: Path
) -> None:
    for clone in (tmp_path / "plain", upstream_repo / "src"):
        clone.mkdir(exist_ok=True)
        args = ("HEAD", "--onto", "main", "--branch", "x", "--clone", str(clone))
        result = run_cli(definition, "export", *args)
        assert result.exit_code == 2, result.output
        assert f"--clone {clone} is not a git repository" in result.stderr
        assert "[fork] path" not in result.stderr


def test_ctrl_c_after_the_push_says_the_branch_was_made(
    definition: Path, fork: Path, upstream_repo: Path, tmp_path: Path
) -> None:
    """A real SIGINT, sent by a ``git`` on PATH that runs the real git and then interrupts
    forktool when it is the push into the clone."""
    real_git = subprocess.run(["sh", "-c", "command -v git"], capture_output=True, text=True)
    wrapper = tmp_path / "bin" / "git"
    wrapper.parent.mkdir()
    wrapper.write_text(
        f'#!/bin/sh\n"{real_git.stdout.strip()}" "$@"\nrc=$?\n'
        'if [ "$1" = push ]; then kill -INT $PPID; fi\nexit $rc\n'
    )
    wrapper.chmod(0o755)
    git(upstream_repo, "checkout", "-q", "main")
    out = tmp_path / "x.patch"
    env = {**os.environ, "PATH": f"{wrapper.parent}{os.pathsep}{os.environ['PATH']}"}
    args = ["--root", str(definition), "export", "HEAD", "--onto", "main", "--branch", "cc"]
    result = subprocess.run(
        [sys.executable, "-m", "forktool", *args, "-o", str(out)],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert result.returncode == 130, result.stderr
    commit = git(upstream_repo, "rev-parse", "cc")
    assert "undone" not in result.stderr
    assert f"created branch cc ({commit[:12]}) in {upstream_repo}" in result.stderr
    assert f"written {out}" in result.stderr
    assert out.read_text().startswith("From ")
