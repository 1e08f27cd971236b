"""Bad input to ``forktool sync``: one clear line, exit code 2, every repository unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import git, run_cli, snapshot


def fork_path(definition: Path) -> Path:
    return definition / "forks" / "mypkg"


def error_line(output: str) -> str:
    """The one error line (progress lines may come before it, nothing after it)."""
    lines = [line for line in output.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 1, output
    assert lines[-1] == errors[0], output
    return errors[0]


def state(definition: Path, upstream_repo: Path) -> tuple[object, ...]:
    lock = definition / "upstream/mypkg.lock"
    return (
        snapshot(fork_path(definition)),
        snapshot(upstream_repo),
        lock.read_text() if lock.exists() else None,
    )


@pytest.fixture
def synced(definition: Path) -> Path:
    assert run_cli(definition, "sync", "mypkg", "--to", "1.0").exit_code == 0
    return definition


def assert_refused(definition: Path, upstream_repo: Path, *args: str, says: str) -> None:
    before = state(definition, upstream_repo)
    result = run_cli(definition, *args)
    assert result.exit_code == 2, result.output
    assert says in error_line(result.output)
    assert state(definition, upstream_repo) == before


def test_unknown_version(definition: Path, upstream_repo: Path) -> None:
    assert_refused(definition, upstream_repo, "sync", "--to", "9.9", says="no release 9.9")


def test_unknown_version_after_first_sync(synced: Path, upstream_repo: Path) -> None:
    assert_refused(synced, upstream_repo, "sync", "--to", "9.9", says="no release 9.9")


def test_not_a_version(definition: Path, upstream_repo: Path) -> None:
    assert_refused(definition, upstream_repo, "sync", "--to", "latest!", says="not a version")


def test_unreachable_git_upstream(definition: Path, upstream_repo: Path, tmp_path: Path) -> None:
    toml = definition / "upstream/mypkg.toml"
    toml.write_text(toml.read_text().replace(str(upstream_repo), str(tmp_path / "missing")))
    assert_refused(definition, upstream_repo, "sync", says="cannot read tags")


def test_tag_pattern_matching_nothing(definition: Path, upstream_repo: Path) -> None:
    toml = definition / "upstream/mypkg.toml"
    toml.write_text(toml.read_text().replace('type = "git"', 'type = "git"\ntag-pattern = "^rel-"'))
    assert_refused(definition, upstream_repo, "sync", says="has no releases")


def test_dirty_fork_working_tree(synced: Path, upstream_repo: Path) -> None:
    core = fork_path(synced) / "src/ourpkg/core.py"
    core.write_text(core.read_text() + "# local edit\n")
    assert_refused(synced, upstream_repo, "sync", "--to", "1.1", says="uncommitted changes")


def test_someone_elses_merge_in_progress(synced: Path, upstream_repo: Path) -> None:
    fork = fork_path(synced)
    git(fork, "checkout", "-qb", "topic")
    core = fork / "src/ourpkg/core.py"
    core.write_text(core.read_text().replace("hello", "topic"))
    git(fork, "commit", "-qam", "topic")
    git(fork, "checkout", "-q", "main")
    core.write_text(core.read_text().replace("hello", "main"))
    git(fork, "commit", "-qam", "main")
    git(fork, "merge", "topic", check=False)
    assert (fork / ".git/MERGE_HEAD").exists()
    assert_refused(synced, upstream_repo, "sync", "--to", "1.1", says="git merge is in progress")


def test_sync_while_forktool_merge_waits(synced: Path, upstream_repo: Path) -> None:
    fork = fork_path(synced)
    core = fork / "src/ourpkg/core.py"
    core.write_text(core.read_text().replace('"hello "', '"Yo "'))
    git(fork, "commit", "-qam", "fork edit")
    assert run_cli(synced, "sync", "--to", "1.1").exit_code == 1
    assert_refused(synced, upstream_repo, "sync", "--to", "1.1", says="stopped on conflicts")


def test_detached_head(synced: Path, upstream_repo: Path) -> None:
    git(fork_path(synced), "checkout", "-q", "--detach")
    assert_refused(synced, upstream_repo, "sync", "--to", "1.1", says="detached HEAD")


def test_older_release(definition: Path, upstream_repo: Path) -> None:
    assert run_cli(definition, "sync", "--to", "1.1").exit_code == 0
    assert_refused(definition, upstream_repo, "sync", "--to", "1.0", says="is older")


def test_continue_without_pending_sync(synced: Path, upstream_repo: Path) -> None:
    assert_refused(synced, upstream_repo, "sync", "--continue", says="no sync of mypkg")


def test_lock_without_fork_repository(synced: Path, upstream_repo: Path) -> None:
    import shutil

    shutil.rmtree(fork_path(synced))
    assert_refused(synced, upstream_repo, "sync", "--to", "1.1", says="does not exist")


def test_unknown_upstream_name(definition: Path, upstream_repo: Path) -> None:
    assert_refused(definition, upstream_repo, "sync", "nosuch", says="no upstream named")


def test_config_unknown_key(definition: Path, upstream_repo: Path) -> None:
    toml = definition / "upstream/mypkg.toml"
    toml.write_text(toml.read_text() + "\n[fork]\nbranch = 'main'\ncolour = 'blue'\n")
    assert_refused(definition, upstream_repo, "sync", says="unknown key fork.colour")


def test_config_syntax_error_has_position(definition: Path, upstream_repo: Path) -> None:
    toml = definition / "upstream/mypkg.toml"
    toml.write_text(toml.read_text() + "\n[fork\n")
    assert_refused(definition, upstream_repo, "sync", says="line ")


def test_config_rename_to_itself(definition: Path, upstream_repo: Path) -> None:
    toml = definition / "upstream/mypkg.toml"
    toml.write_text(toml.read_text().replace('mypkg = "ourpkg"\n', 'mypkg = "mypkg"\n', 1))
    assert_refused(definition, upstream_repo, "sync", says="renamed to itself")


def release_adding_news(upstream_repo: Path) -> None:
    """Upstream release 1.3 adds a top-level NEWS.txt (where a fork may keep its own)."""
    (upstream_repo / "NEWS.txt").write_text("upstream news\n")
    git(upstream_repo, "add", "NEWS.txt")
    git(upstream_repo, "commit", "-qm", "news")
    git(upstream_repo, "tag", "v1.3")


def test_untracked_file_in_the_way_of_the_merge(synced: Path, upstream_repo: Path) -> None:
    fork = fork_path(synced)
    release_adding_news(upstream_repo)
    (fork / "NEWS.txt").write_text("my untracked notes\n")
    assert_refused(
        synced, upstream_repo, "sync", "--to", "1.3",
        says="untracked working tree file 'NEWS.txt' would be overwritten by the merge",
    )  # fmt: skip


def test_check_names_the_file_a_sync_would_refuse_to_overwrite(
    synced: Path, upstream_repo: Path
) -> None:
    """check merges in memory, yet says that a sync now would be refused, and why; it
    changes nothing. Once the file is moved, nothing is in the way."""
    fork = fork_path(synced)
    release_adding_news(upstream_repo)
    assert (
        json.loads(run_cli(synced, "check", "--to", "1.3", "--json").output)["results"][0][
            "in_the_way"
        ]
        == ""
    )
    (fork / "NEWS.txt").write_text("my untracked notes\n")
    before = state(synced, upstream_repo)
    result = run_cli(synced, "check", "--to", "1.3")
    assert result.exit_code == 0, result.output
    assert "a sync now would be refused" in result.output and "NEWS.txt" in result.output
    done = run_cli(synced, "check", "--to", "1.3", "--json")
    assert json.loads(done.output)["results"][0]["in_the_way"] == "NEWS.txt"
    assert state(synced, upstream_repo) == before
    (fork / "NEWS.txt").rename(fork.parent / "NEWS.txt")
    assert "would be refused" not in run_cli(synced, "check", "--to", "1.3").output


def test_failing_merge_hook(synced: Path, upstream_repo: Path) -> None:
    hook = fork_path(synced) / ".git/hooks/pre-merge-commit"
    hook.write_text("#!/bin/sh\necho 'policy says no' >&2\nexit 1\n")
    hook.chmod(0o755)
    assert_refused(synced, upstream_repo, "sync", "--to", "1.1", says="git refused to merge")


def test_abort_leaves_someone_elses_merge_alone(synced: Path, upstream_repo: Path) -> None:
    fork = fork_path(synced)
    core = fork / "src/ourpkg/core.py"
    core.write_text(core.read_text().replace('"hello "', '"Yo "'))
    git(fork, "commit", "-qam", "fork edit")
    assert run_cli(synced, "sync", "--to", "1.1").exit_code == 1
    git(fork, "merge", "--abort")
    git(fork, "checkout", "-qb", "topic", "HEAD~1")
    core.write_text(core.read_text().replace('"hello "', '"Hey "'))
    git(fork, "commit", "-qam", "topic edit")
    git(fork, "checkout", "-q", "main")
    git(fork, "merge", "topic", check=False)
    assert (fork / ".git/MERGE_HEAD").exists()
    assert_refused(synced, upstream_repo, "sync", "--abort", says="another merge")


def test_invalid_version_in_lock_file(synced: Path, upstream_repo: Path) -> None:
    lock = synced / "upstream/mypkg.lock"
    lock.write_text(lock.read_text().replace('version = "1.0"', 'version = "one"'))
    assert_refused(synced, upstream_repo, "sync", "--to", "1.1", says="is not a version")


def test_to_with_continue(synced: Path, upstream_repo: Path) -> None:
    assert_refused(synced, upstream_repo, "sync", "--continue", "--to", "1.1", says="--to")


def _series(definition: Path, name: str, text: str) -> None:
    directory = definition / "patches" / "mypkg"
    (directory / name).write_text(text)
    (directory / "series").write_text(f"{name}\n")


def test_codemod_that_raises_stops_the_sync(synced: Path, upstream_repo: Path) -> None:
    _series(
        synced,
        "boom.py",
        "from forktool.patchapi import CodemodPatch\n\n"
        "class Boom(CodemodPatch):\n"
        "    targets = ('src/ourpkg/core.py',)\n\n"
        "    def transform(self, module, path):\n"
        "        raise RuntimeError('kaboom')\n\n"
        "patch = Boom()\n",
    )
    assert_refused(synced, upstream_repo, "sync", "--to", "1.1", says="RuntimeError: kaboom")


def test_codemod_that_fails_to_import(synced: Path, upstream_repo: Path) -> None:
    _series(synced, "bad.py", "import no_such_module_anywhere\n")
    assert_refused(synced, upstream_repo, "sync", "--to", "1.1", says="ModuleNotFoundError")


def test_malformed_diff(synced: Path, upstream_repo: Path) -> None:
    _series(synced, "bad.patch", "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\ngarbage\n")
    assert_refused(synced, upstream_repo, "sync", "--to", "1.1", says="patch bad.patch failed")


def test_shallow_fork_repository(synced: Path, upstream_repo: Path) -> None:
    fork = fork_path(synced)
    (fork / ".git" / "shallow").write_text(git(fork, "rev-parse", "HEAD") + "\n")
    assert_refused(synced, upstream_repo, "sync", "--to", "1.1", says="shallow clone")


def test_fork_branch_missing(synced: Path, upstream_repo: Path) -> None:
    fork = fork_path(synced)
    git(fork, "checkout", "-qb", "other")
    git(fork, "branch", "-D", "main")
    assert_refused(synced, upstream_repo, "sync", "--to", "1.1", says="not the fork branch main")
