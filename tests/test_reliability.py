"""One writer at a time, and recovery of a sync killed in the middle of its merge."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import tomlkit

from forktool import config
from forktool.git.repository import GitRepo
from forktool.sync.writerlock import exclusive
from tests.helpers import git, run_cli, snapshot


def fork_path(definition: Path) -> Path:
    return definition / "forks" / "mypkg"


def lock_of(definition: Path) -> dict[str, str]:
    return tomlkit.parse((definition / "upstream/mypkg.lock").read_text()).unwrap()


def test_second_writer_is_refused_and_changes_nothing(definition: Path) -> None:
    assert run_cli(definition, "sync", "--to", "1.0").exit_code == 0
    before = snapshot(fork_path(definition)), (definition / "upstream/mypkg.lock").read_text()
    with exclusive(config.load(definition, "mypkg")):
        result = run_cli(definition, "sync", "--to", "1.1")
    assert result.exit_code == 2
    assert "another forktool is working on mypkg" in result.output
    assert (snapshot(fork_path(definition)), (definition / "upstream/mypkg.lock").read_text()) == (
        before
    )


def blocked_on_a_lock(pid: int) -> bool:
    """True while process ``pid`` waits for a ``flock`` another holds (Linux's
    /proc/locks lists each waiter as ``N: -> FLOCK ADVISORY WRITE <pid> ...``)."""
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        if fields[1:3] == ["->", "FLOCK"] and fields[5] == str(pid):
            return True
    return False


def test_wait_blocks_until_the_other_writer_is_done(definition: Path) -> None:
    command = [sys.executable, "-m", "forktool", "--root", str(definition)]
    with exclusive(config.load(definition, "mypkg")):
        waiter = subprocess.Popen(
            [*command, "sync", "--to", "1.0", "--wait"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 120  # a bound on a hang, not a measurement
        while waiter.poll() is None and not blocked_on_a_lock(waiter.pid):
            assert time.monotonic() < deadline, "the sync neither waited nor finished"
            time.sleep(0.02)
        # While the lock is held, the sync waits for it and has done nothing yet.
        assert waiter.poll() is None, waiter.communicate()
        assert not fork_path(definition).exists()
    out, err = waiter.communicate(timeout=120)
    assert waiter.returncode == 0, err
    assert "created the fork at 1.0" in out
    assert lock_of(definition)["version"] == "1.0"


def _intent(definition: Path) -> dict[str, object]:
    path = fork_path(definition) / ".git/forktool/mypkg.pending.json"
    data: dict[str, object] = json.loads(path.read_text())
    return data


def _killed_before_merge(definition: Path) -> str:
    """A sync of 1.1 that conflicted, then rewound to 'killed before git merge ran'."""
    assert run_cli(definition, "sync", "--to", "1.0").exit_code == 0
    fork = fork_path(definition)
    core = fork / "src/ourpkg/core.py"
    core.write_text(core.read_text() + "\n# fork note\n")
    git(fork, "commit", "-qam", "fork note")
    start = git(fork, "rev-parse", "HEAD")
    lock_text = (definition / "upstream/mypkg.lock").read_text()
    assert run_cli(definition, "sync", "--to", "1.1").exit_code == 0
    # Undo the merge's effects but keep the intent record, as a kill would have left it.
    intent = {**_intent_from_lock(definition, start)}
    (definition / "upstream/mypkg.lock").write_text(lock_text)
    git(fork, "reset", "-q", "--hard", start)
    for ref in ("refs/tags/upstream/mypkg/1.1",):
        git(fork, "update-ref", "-d", ref)
    (fork / ".git/forktool/mypkg.pending.json").write_text(json.dumps(intent))
    (fork / ".git/index.lock").write_text("")  # git's lock from the killed merge
    return start


def _intent_from_lock(definition: Path, start: str) -> dict[str, object]:
    lock = lock_of(definition)
    fork = fork_path(definition)
    return {
        "upstream": "mypkg",
        "version": "1.1",
        "sha256": "",
        "upstream_commit": lock["upstream-commit"],
        "vendor": lock["vendor"],
        "transformed": lock["transformed"],
        "fork_before": start,
        "refs_before": {
            "refs/heads/transformed/mypkg": git(fork, "rev-parse", "transformed/mypkg~1"),
            "refs/heads/vendor/mypkg": git(fork, "rev-parse", "vendor/mypkg~1"),
            "refs/tags/upstream/mypkg/1.1": "",
        },
        "conflicts": [],
        "series": lock["series"],
    }


def test_sync_killed_before_its_merge_is_undone_then_finished(definition: Path) -> None:
    _killed_before_merge(definition)
    result = run_cli(definition, "sync", "--to", "1.1")
    assert result.exit_code == 0, result.output
    assert lock_of(definition)["version"] == "1.1"
    assert not (fork_path(definition) / ".git/forktool/mypkg.pending.json").exists()
    assert git(fork_path(definition), "status", "--porcelain") == ""
    assert git(fork_path(definition), "fsck", "--no-dangling") == ""


def test_sync_killed_after_its_merge_commit_finishes_the_bookkeeping(definition: Path) -> None:
    assert run_cli(definition, "sync", "--to", "1.0").exit_code == 0
    lock_text = (definition / "upstream/mypkg.lock").read_text()
    assert run_cli(definition, "sync", "--to", "1.1").exit_code == 0
    done = lock_of(definition)
    fork = fork_path(definition)
    # As if killed after 'git merge' committed: lock not written, intent still there.
    intent = _intent_from_lock(definition, git(fork, "rev-parse", "HEAD~1"))
    (fork / ".git/forktool/mypkg.pending.json").write_text(json.dumps(intent))
    (definition / "upstream/mypkg.lock").write_text(lock_text)
    git(fork, "update-ref", "refs/heads/transformed/mypkg", "transformed/mypkg~1")

    result = run_cli(definition, "sync", "--to", "1.1")

    assert result.exit_code == 0, result.output
    assert lock_of(definition) == done
    assert git(fork, "rev-parse", "transformed/mypkg") == done["transformed"]
    assert not (fork / ".git/forktool/mypkg.pending.json").exists()


def test_private_index_files_of_a_killed_run_are_removed_and_a_live_ones_kept(
    definition: Path,
) -> None:
    assert run_cli(definition, "sync", "--to", "1.0").exit_code == 0
    git_dir = fork_path(definition) / ".git"
    gone = subprocess.Popen(["true"])  # a process id that is gone once it has ended
    gone.wait()
    stale = [
        git_dir / f"forktool-index-{gone.pid}-abc",
        git_dir / f"forktool-apply-{gone.pid}-x.lock",
    ]
    live = git_dir / f"forktool-index-{os.getpid()}-def.lock"
    for path in [*stale, live]:
        path.write_bytes(b"")

    result = run_cli(definition, "sync", "--to", "1.1")

    assert result.exit_code == 0, result.output
    assert not any(path.exists() for path in stale)
    assert live.exists()


def test_the_cleanliness_check_takes_no_index_lock(definition: Path) -> None:
    assert run_cli(definition, "sync", "--to", "1.0").exit_code == 0
    fork = fork_path(definition)
    index = fork / ".git" / "index"
    os.utime(fork / "pyproject.toml")  # stale stat data: a plain 'git status' rewrites the index
    before = index.read_bytes()
    assert GitRepo(fork).dirty_paths() == []
    assert index.read_bytes() == before
