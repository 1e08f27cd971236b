"""The patch series through ``forktool sync`` and ``forktool patch``, on a real git upstream."""

from __future__ import annotations

import json
from pathlib import Path

import tomlkit

from tests.helpers import build_file_tree, git, git_save, run_cli, snapshot

GREETING_CODEMOD = """\
from forktool.patchapi import AddMethod

patch = AddMethod(
    "src/ourpkg/helpers.py",
    class_name="Helper",
    method='''
        def hello(self):
            return "hello from the fork"
    ''',
)
"""


def fork_path(definition: Path) -> Path:
    return definition / "forks" / "mypkg"


def patches_dir(definition: Path) -> Path:
    return definition / "patches" / "mypkg"


def set_series(definition: Path, *entries: str) -> None:
    (patches_dir(definition) / "series").write_text("\n".join(["# series", *entries]) + "\n")


def lock_version(definition: Path) -> str:
    lock = tomlkit.parse((definition / "upstream/mypkg.lock").read_text()).unwrap()
    return str(lock["version"])


def add_helper_class(upstream_repo: Path) -> None:
    """Give every release a class for the codemod to patch (retag v1.0 and v1.1)."""
    for tag in ("v1.0", "v1.1"):
        git(upstream_repo, "checkout", "-q", tag)
        helpers = upstream_repo / "src/mypkg/helpers.py"
        helpers.write_text(helpers.read_text() + "\n\nclass Helper:\n    name = 'h'\n")
        git(upstream_repo, "commit", "-qam", f"helper for {tag}")
        git(upstream_repo, "tag", "-f", "-a", tag, "-m", tag)
    git(upstream_repo, "checkout", "-q", "main")


def test_codemod_patch_applies_on_every_release(definition: Path, upstream_repo: Path) -> None:
    add_helper_class(upstream_repo)
    (patches_dir(definition) / "hello.py").write_text(GREETING_CODEMOD)
    set_series(definition, "hello.py")
    first = run_cli(definition, "sync", "--to", "1.0")
    assert first.exit_code == 0, first.output
    assert "hello.py" in first.output and "clean" in first.output
    helpers = fork_path(definition) / "src/ourpkg/helpers.py"
    assert 'return "hello from the fork"' in helpers.read_text()
    second = run_cli(definition, "sync", "--to", "1.1")
    assert second.exit_code == 0, second.output
    health = json.loads((fork_path(definition) / ".git/forktool/mypkg.series.json").read_text())
    assert [(p["name"], p["status"]) for p in health["patches"]] == [("hello.py", "clean")]
    # The transformed branch itself carries the patch, not only the fork.
    transformed = git(fork_path(definition), "show", "transformed/mypkg:src/ourpkg/helpers.py")
    assert "hello from the fork" in transformed


def _fork_commit_as_patch(definition: Path) -> Path:
    assert run_cli(definition, "sync", "--to", "1.0").exit_code == 0
    fork = fork_path(definition)
    core = fork / "src/ourpkg/core.py"
    core.write_text(core.read_text().replace('"hello "', '"Howdy "'))
    git(fork, "commit", "-qam", "Greet like a cowboy", "-m", "Because the fork says so.")
    result = run_cli(definition, "patch", "add", "HEAD")
    assert result.exit_code == 0, result.output
    return patches_dir(definition) / "greet-like-a-cowboy.patch"


def test_patch_add_writes_a_reproducible_patch(definition: Path) -> None:
    patch = _fork_commit_as_patch(definition)
    text = patch.read_text()
    assert text.startswith("From: Up Stream <up@example.org>\nSubject: Greet like a cowboy\n")
    assert "Forktool-Base: mypkg 1.0\n---\ndiff --git a/src/ourpkg/core.py" in text
    assert "greet-like-a-cowboy.patch" in (patches_dir(definition) / "series").read_text()
    again = run_cli(definition, "patch", "add", "HEAD", "--name", "again.patch")
    assert again.exit_code == 0, again.output
    assert (patches_dir(definition) / "again.patch").read_bytes() == patch.read_bytes()


def test_patch_conflict_refresh_continue(definition: Path) -> None:
    _fork_commit_as_patch(definition)
    fork = fork_path(definition)
    git(fork, "reset", "-q", "--hard", "HEAD~1")  # the change now lives in the series only
    git(fork, "commit", "-q", "--allow-empty", "-m", "keep main moving")

    stopped = run_cli(definition, "sync", "--to", "1.1")

    assert stopped.exit_code == 1, stopped.output
    assert "a patch of the series conflicts" in stopped.output
    worktree = definition / "forks" / "mypkg.patch-conflict"
    assert git(worktree, "ls-files", "--unmerged") != ""
    assert lock_version(definition) == "1.0"
    early = run_cli(definition, "sync", "--continue")
    assert early.exit_code == 2 and "has not been refreshed" in early.output

    core = worktree / "src/ourpkg/core.py"
    text = core.read_text()
    head, rest = text.split("<<<<<<<", 1)
    tail = rest.split(">>>>>>>", 1)[1].split("\n", 1)[1]
    core.write_text(head + '    return "Howdy, " + name\n' + tail)
    git(worktree, "add", "src/ourpkg/core.py")
    refreshed = run_cli(definition, "patch", "refresh")
    assert refreshed.exit_code == 0, refreshed.output
    patch_text = (patches_dir(definition) / "greet-like-a-cowboy.patch").read_text()
    assert "Forktool-Base: mypkg 1.1\n" in patch_text
    assert '+    return "Howdy, " + name' in patch_text

    finished = run_cli(definition, "sync", "--continue")

    assert finished.exit_code == 0, finished.output
    assert lock_version(definition) == "1.1"
    assert '"Howdy, "' in (fork / "src/ourpkg/core.py").read_text()
    assert not worktree.exists()
    assert "greet-like-a-cowboy.patch" in finished.output


def test_patch_conflict_abort_restores_everything(definition: Path) -> None:
    _fork_commit_as_patch(definition)
    fork = fork_path(definition)
    before = snapshot(fork), (definition / "upstream/mypkg.lock").read_text()
    assert run_cli(definition, "sync", "--to", "1.1").exit_code == 1
    result = run_cli(definition, "sync", "--abort")
    assert result.exit_code == 0, result.output
    assert not (definition / "forks" / "mypkg.patch-conflict").exists()
    assert (snapshot(fork), (definition / "upstream/mypkg.lock").read_text()) == before


def test_upstreamed_patch_is_reported_and_dropped(definition: Path, upstream_repo: Path) -> None:
    patch = _fork_commit_as_patch(definition)
    core = upstream_repo / "src/mypkg/core.py"
    core.write_text(core.read_text().replace('"Hello, "', '"Howdy "'))
    git(upstream_repo, "commit", "-qam", "upstream adopts the greeting")
    git(upstream_repo, "tag", "v1.3")
    result = run_cli(definition, "sync", "--to", "1.3")
    assert result.exit_code == 0, result.output
    assert "upstreamed" in result.output
    dropped = run_cli(definition, "patch", "drop", "--upstreamed")
    assert dropped.exit_code == 0, dropped.output
    assert not patch.exists()
    assert "greet-like-a-cowboy" not in (patches_dir(definition) / "series").read_text()


def test_replay_shows_health_per_release_and_changes_nothing(definition: Path) -> None:
    _fork_commit_as_patch(definition)
    before = snapshot(fork_path(definition))
    result = run_cli(definition, "patch", "replay", "--json")
    assert result.exit_code == 0, result.output
    releases = json.loads(result.output)["releases"]
    assert [(r["version"], r["patches"][0]["status"]) for r in releases] == [
        ("1.0", "clean"),
        ("1.1", "conflict"),
    ]
    assert snapshot(fork_path(definition)) == before


def test_replay_covers_exactly_the_releases_from_to(definition: Path, upstream_repo: Path) -> None:
    for tag in ("v1.3", "v1.4", "v1.5"):
        build_file_tree(upstream_repo, {"NOTES.txt": f"{tag}\n"})
        git_save(upstream_repo, tag, tag=tag)
    _fork_commit_as_patch(definition)
    before = snapshot(fork_path(definition))
    for args, versions in (
        (["--from", "1.1", "--to", "1.4"], ["1.1", "1.3", "1.4"]),
        (["--from", "1.3"], ["1.3", "1.4", "1.5"]),
        (["--to", "1.1"], ["1.0", "1.1"]),
        (["--from", "1.4", "--to", "1.4"], ["1.4"]),
    ):
        result = run_cli(definition, "patch", "replay", *args, "--json")
        assert result.exit_code == 0, result.output
        releases = json.loads(result.output)["releases"]
        assert [r["version"] for r in releases] == versions, args
    assert snapshot(fork_path(definition)) == before


def test_missing_patch_file_is_refused(definition: Path) -> None:
    set_series(definition, "nope.patch")
    result = run_cli(definition, "sync", "--to", "1.0")
    assert result.exit_code == 2
    assert "nope.patch is listed but does not exist" in result.output
    assert not fork_path(definition).exists()


def test_three_way_recreates_the_base_release_it_needs(
    definition: Path, tmp_path: Path, upstream_repo: Path
) -> None:
    # A patch made in another fork repository at 1.0: its blobs are not in ours.
    other = tmp_path / "other"
    (other / "upstream").mkdir(parents=True)
    (other / "upstream/mypkg.toml").write_text((definition / "upstream/mypkg.toml").read_text())
    assert run_cli(other, "sync", "--to", "1.0").exit_code == 0
    other_fork = other / "forks" / "mypkg"
    core = other_fork / "src/ourpkg/core.py"
    core.write_text(core.read_text().replace("def shout(name):", "def shout(name):  # loud"))
    git(other_fork, "commit", "-qam", "Mark shout")
    assert run_cli(other, "patch", "add", "HEAD").exit_code == 0
    made = other / "patches" / "mypkg" / "mark-shout.patch"
    (patches_dir(definition) / "mark-shout.patch").write_bytes(made.read_bytes())
    set_series(definition, "mark-shout.patch")

    result = run_cli(definition, "sync", "--to", "1.1")  # 1.1 changed the context lines

    assert result.exit_code == 0, result.output
    health = json.loads((fork_path(definition) / ".git/forktool/mypkg.series.json").read_text())
    assert health["patches"][0]["status"] == "three-way"
    text = (fork_path(definition) / "src/ourpkg/core.py").read_text()
    assert '"Hello, "' in text and "def shout(name):  # loud" in text
    # Recreating the base release moved no ref.
    assert git(fork_path(definition), "tag", "--list") == "upstream/mypkg/1.1"


def test_patch_commands_refuse_bad_requests(definition: Path) -> None:
    _fork_commit_as_patch(definition)
    refresh = run_cli(definition, "patch", "refresh")
    assert refresh.exit_code == 2 and "no patch conflict of mypkg is waiting" in refresh.output
    drop = run_cli(definition, "patch", "drop", "nope.patch")
    assert drop.exit_code == 2 and "'nope.patch' is not in" in drop.output
    nothing = run_cli(definition, "patch", "drop")
    assert nothing.exit_code == 2 and "no patch to drop" in nothing.output
    missing = run_cli(definition, "patch", "add", "no-such-commit")
    assert missing.exit_code == 2 and "no commit 'no-such-commit'" in missing.output


def test_patch_list_shows_last_health(definition: Path) -> None:
    _fork_commit_as_patch(definition)
    listing = run_cli(definition, "patch", "list", "--json")
    [patch] = json.loads(listing.output)["patches"]
    assert (patch["name"], patch["status"]) == ("greet-like-a-cowboy.patch", "not run")
    # the series changed: the sync of the same release builds it with the patch
    assert run_cli(definition, "sync", "--to", "1.0").exit_code == 0
    listing = run_cli(definition, "patch", "list", "--json")
    [patch] = json.loads(listing.output)["patches"]
    assert (patch["name"], patch["status"]) == ("greet-like-a-cowboy.patch", "clean")


def test_a_changed_series_is_integrated_on_the_same_release(
    definition: Path, upstream_repo: Path
) -> None:
    add_helper_class(upstream_repo)
    assert run_cli(definition, "sync", "--to", "1.0").exit_code == 0
    helpers = fork_path(definition) / "src/ourpkg/helpers.py"
    assert "hello from the fork" not in helpers.read_text()
    # A patch added (or backported) after 1.0 was integrated: the next sync of 1.0 takes it.
    (patches_dir(definition) / "hello.py").write_text(GREETING_CODEMOD)
    set_series(definition, "hello.py")
    result = run_cli(definition, "sync", "--to", "1.0")
    assert result.exit_code == 0, result.output
    assert "mypkg: integrated the changed patch series on 1.0" in result.output
    assert "hello from the fork" in helpers.read_text()
    assert lock_version(definition) == "1.0"
    assert git(fork_path(definition), "status", "--porcelain") == ""
    again = run_cli(definition, "sync", "--to", "1.0", "--json")
    assert json.loads(again.output)["results"][0]["status"] == "up-to-date"
    # Dropping it takes it out the same way; the release's files stay as they were.
    set_series(definition)
    assert run_cli(definition, "sync", "--to", "1.0").exit_code == 0
    assert "hello from the fork" not in helpers.read_text()
    assert "class Helper" in helpers.read_text()


def test_a_lock_written_before_the_series_was_recorded_reads_as_unchanged(
    definition: Path,
) -> None:
    assert run_cli(definition, "sync", "--to", "1.0").exit_code == 0
    lock_file = definition / "upstream/mypkg.lock"
    lines = [line for line in lock_file.read_text().splitlines() if not line.startswith("series")]
    lock_file.write_text("\n".join(lines) + "\n")
    set_series(definition, "missing-but-unread.patch")
    (patches_dir(definition) / "missing-but-unread.patch").write_text("")
    result = run_cli(definition, "sync", "--to", "1.0", "--json")
    assert json.loads(result.output)["results"][0]["status"] == "up-to-date"


def test_check_sees_a_changed_series_on_the_integrated_release(definition: Path) -> None:
    patch = _fork_commit_as_patch(definition)  # the fork's own change, now in the series too
    checked = run_cli(definition, "check", "--to", "1.0", "--json")
    assert checked.exit_code == 0, checked.output
    assert json.loads(checked.output)["results"][0]["status"] == "clean"  # not up-to-date
    assert run_cli(definition, "sync", "--to", "1.0").exit_code == 0
    again = run_cli(definition, "check", "--to", "1.0", "--json")
    assert json.loads(again.output)["results"][0]["status"] == "up-to-date"
    assert patch.exists()


def test_the_release_built_again_keeps_its_first_report(
    definition: Path, upstream_repo: Path
) -> None:
    add_helper_class(upstream_repo)
    assert run_cli(definition, "sync", "--to", "1.0").exit_code == 0
    kept = fork_path(definition) / ".git/forktool/reports/mypkg/1.0.json"
    first = kept.read_bytes()
    (patches_dir(definition) / "hello.py").write_text(GREETING_CODEMOD)
    set_series(definition, "hello.py")
    assert run_cli(definition, "sync", "--to", "1.0").exit_code == 0  # built again
    assert kept.read_bytes() == first


def test_a_series_change_that_builds_the_same_tree_adds_no_commit(
    definition: Path, upstream_repo: Path
) -> None:
    add_helper_class(upstream_repo)
    (patches_dir(definition) / "hello.py").write_text(GREETING_CODEMOD)
    set_series(definition, "hello.py")
    assert run_cli(definition, "sync", "--to", "1.0").exit_code == 0
    head = git(fork_path(definition), "rev-parse", "HEAD")
    set_series(definition, "# a comment", "hello.py")  # the fingerprint changes, nothing else
    result = run_cli(definition, "sync", "--to", "1.0", "--json")
    assert json.loads(result.output)["results"][0]["status"] == "up-to-date"
    assert git(fork_path(definition), "rev-parse", "HEAD") == head
    again = run_cli(definition, "check", "--to", "1.0", "--json")  # recorded: no rebuild
    assert json.loads(again.output)["results"][0]["status"] == "up-to-date"
