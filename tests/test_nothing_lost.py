"""Nothing lost, ever (issue 13): refusal -> user acts -> retry, and interrupt -> edit ->
retry, keep every byte of the user's work (tracked and untracked files, hashed)."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import git, run_cli
from tests.test_sync_errors import fork_path, release_adding_news, synced

__all__ = ["synced"]  # a fixture, shared with test_sync_errors


def user_bytes(fork: Path) -> dict[str, str]:
    """Every file of the working tree, tracked or not: path -> sha256."""
    return {
        str(path.relative_to(fork)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(fork.rglob("*"))
        if ".git" not in path.relative_to(fork).parts and path.is_file()
    }


def pending(definition: Path) -> Path:
    return fork_path(definition) / ".git/forktool/mypkg.pending.json"


def test_untracked_file_refused_retried_then_committed(synced: Path, upstream_repo: Path) -> None:
    fork = fork_path(synced)
    release_adding_news(upstream_repo)
    (fork / "NEWS.txt").write_text("my notes\n")
    before = user_bytes(fork)
    for _ in range(2):  # refused, and refused again: never replaced
        result = run_cli(synced, "sync", "--to", "1.3")
        assert result.exit_code == 2 and "NEWS.txt" in result.output
        assert "untracked working tree file 'NEWS.txt' would be overwritten" in result.output
        assert user_bytes(fork) == before
        assert not pending(synced).exists()
    git(fork, "add", "NEWS.txt")
    git(fork, "commit", "-qm", "my notes")
    assert run_cli(synced, "sync", "--to", "1.3").exit_code == 1  # add/add: conflicts wait
    assert run_cli(synced, "sync", "--abort").exit_code == 0
    assert (fork / "NEWS.txt").read_text() == "my notes\n"
    assert git(fork, "status", "--porcelain") == ""
    assert run_cli(synced, "sync", "--to", "1.3").exit_code == 1
    (fork / "NEWS.txt").write_text("my notes\nupstream news\n")
    git(fork, "add", "NEWS.txt")
    assert run_cli(synced, "sync", "--continue").exit_code == 0


def test_failing_hook_then_edit_then_retry(synced: Path) -> None:
    fork = fork_path(synced)
    hook = fork / ".git/hooks/pre-merge-commit"
    hook.write_text("#!/bin/sh\nexit 1\n")
    hook.chmod(0o755)
    assert run_cli(synced, "sync", "--to", "1.1").exit_code == 2
    assert not pending(synced).exists()
    hook.unlink()
    helpers = fork / "src/ourpkg/helpers.py"
    helpers.write_text(helpers.read_text() + "# my edit\n")
    before = user_bytes(fork)
    result = run_cli(synced, "sync", "--to", "1.1")
    assert result.exit_code == 2 and "uncommitted changes" in result.output
    assert user_bytes(fork) == before
    git(fork, "commit", "-qam", "my edit")
    assert run_cli(synced, "sync", "--to", "1.1").exit_code == 0
    assert helpers.read_text().endswith("# my edit\n")


def _blocked_sync(definition: Path) -> subprocess.Popen[bytes]:
    """A real ``forktool sync --to 1.1`` held inside its merge by a pre-merge-commit hook
    (after its intent record is written), in a session of its own."""
    marker = definition / "hook-ran"
    hook = fork_path(definition) / ".git/hooks/pre-merge-commit"
    hook.write_text(f"#!/bin/sh\ntouch '{marker}'\nsleep 20\n")
    hook.chmod(0o755)
    proc = subprocess.Popen(
        [sys.executable, "-m", "forktool", "--root", str(definition), "sync", "--to", "1.1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.02)
    assert pending(definition).exists()
    hook.unlink()
    return proc


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_interrupt_undoes_exits_128_plus_signal_then_edit_survives(
    synced: Path, signum: int, code: int
) -> None:
    fork = fork_path(synced)
    before = user_bytes(fork)
    refs = git(fork, "for-each-ref")
    proc = _blocked_sync(synced)
    os.killpg(proc.pid, signum)  # as a terminal's Ctrl-C: the whole process group
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err
    assert err.decode().strip().splitlines()[-1].startswith("error: interrupted")
    assert user_bytes(fork) == before and git(fork, "for-each-ref") == refs
    assert not pending(synced).exists()
    helpers = fork / "src/ourpkg/helpers.py"
    helpers.write_text("# my edit\n")
    edited = user_bytes(fork)
    assert run_cli(synced, "sync", "--to", "1.1").exit_code == 2
    assert user_bytes(fork) == edited


def test_an_interrupt_after_the_command_is_over_changes_nothing(synced: Path) -> None:
    """Run as the program, forktool ignores Ctrl-C once its command has finished: the
    result stands and the process is not killed on its way out without a word."""
    script = (
        "import os, signal, sys\n"
        "from forktool.cli import main\n"
        "try:\n"
        "    main(['--root', sys.argv[1], 'status', '--offline'], standalone_mode=False)\n"
        "finally:\n"
        "    os.kill(os.getpid(), signal.SIGINT)\n"
        "    print('still here')\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script, str(synced)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == "still here"


def test_killed_merge_is_undone_path_by_path_keeping_the_users_edits(synced: Path) -> None:
    fork = fork_path(synced)
    refs = git(fork, "for-each-ref")
    proc = _blocked_sync(synced)
    os.kill(proc.pid, signal.SIGKILL)  # forktool alone, as an OOM killer does
    proc.communicate(timeout=60)
    os.killpg(proc.pid, signal.SIGKILL)  # the orphaned hook
    record = json.loads(pending(synced).read_text())
    # What a checkout cut short leaves: the merge's files written, the branch not moved.
    tree = git(fork, "merge-tree", "--write-tree", "HEAD", record["transformed"]).split()[0]
    git(fork, "read-tree", "-m", "-u", "HEAD", tree)
    written = record["writes"]
    assert {"README.txt", "src/ourpkg/core.py", "pyproject.toml"} <= set(written)
    assert (fork / "README.txt").exists()  # a file the merge adds
    core = fork / "src/ourpkg/core.py"
    core.write_text(core.read_text() + "# my edit of a file forktool wrote\n")
    (fork / "notes.txt").write_text("my own file\n")
    helpers = fork / "src/ourpkg/helpers.py"
    helpers.write_text(helpers.read_text() + "# my edit elsewhere\n")
    mine = {path: digest for path, digest in user_bytes(fork).items() if path in {
        "src/ourpkg/core.py", "notes.txt", "src/ourpkg/helpers.py"}}  # fmt: skip
    result = run_cli(synced, "sync", "--to", "1.1")
    assert result.exit_code == 2
    assert "src/ourpkg/core.py" in result.output and "README.txt" not in result.output
    now = user_bytes(fork)
    assert {path: now[path] for path in mine} == mine  # every byte of the user's work
    assert not (fork / "README.txt").exists()  # forktool's own file: removed
    assert git(fork, "diff", "HEAD", "--", "pyproject.toml") == ""  # forktool's: restored
    assert git(fork, "diff", "--cached", "HEAD") == ""  # the index is the fork's again
    assert not pending(synced).exists() and git(fork, "for-each-ref") == refs
    git(fork, "stash", "--include-untracked")
    assert run_cli(synced, "sync", "--to", "1.1").exit_code == 0
    git(fork, "stash", "pop")
    assert (fork / "notes.txt").read_text() == "my own file\n"


def _conflicted(definition: Path) -> Path:
    """Make the fork change the line 1.1 changes and sync 1.1: conflicts wait in core.py.

    Returns:
        the conflicted file."""
    core = fork_path(definition) / "src/ourpkg/core.py"
    core.write_text(core.read_text().replace('"hello "', '"Yo "'))
    git(fork_path(definition), "commit", "-qam", "fork edit")
    assert run_cli(definition, "sync", "--to", "1.1").exit_code == 1
    return core


def test_abort_keeps_a_partly_resolved_conflict(synced: Path) -> None:
    fork = fork_path(synced)
    core = _conflicted(synced)
    core.write_text("# half resolved\n")
    result = run_cli(synced, "sync", "--abort")
    assert result.exit_code == 2 and "src/ourpkg/core.py" in result.output
    assert core.read_text() == "# half resolved\n"
    assert not (fork / ".git/MERGE_HEAD").exists() and not pending(synced).exists()
    assert git(fork, "diff", "--cached", "HEAD") == ""  # the index is the fork's again
    assert git(fork, "status", "--porcelain").split() == ["M", "src/ourpkg/core.py"]
    git(fork, "checkout", "--", "src/ourpkg/core.py")
    assert run_cli(synced, "sync", "--to", "1.1").exit_code == 1


def test_a_conflicted_file_as_git_wrote_it_before_its_markers_were_named_is_forktools(
    synced: Path,
) -> None:
    """git writes its own marker labels and forktool renames them after; a kill in between
    leaves git's version, which undo must recognise as forktool's (by its blob id)."""
    fork = fork_path(synced)
    core = _conflicted(synced)
    assert "<<<<<<< fork main" in core.read_text()
    record = json.loads(pending(synced).read_text())
    before, named, raw = record["writes"]["src/ourpkg/core.py"]
    assert git(fork, "hash-object", "src/ourpkg/core.py") == named
    core.write_bytes(subprocess.run(
        ["git", "cat-file", "blob", raw], cwd=fork, capture_output=True, check=True
    ).stdout)  # fmt: skip
    assert "<<<<<<< HEAD" in core.read_text()
    result = run_cli(synced, "sync", "--abort")
    assert result.exit_code == 0, result.output
    assert git(fork, "hash-object", "src/ourpkg/core.py") == before
    assert git(fork, "status", "--porcelain") == ""


def test_abort_keeps_files_the_user_cut_short(synced: Path) -> None:
    """A file cut to a first part of what the merge wrote is an edit as far as anyone can
    tell (git's own interrupted write looks the same): kept and named, never put back."""
    fork = fork_path(synced)
    core = _conflicted(synced)
    written = git(fork, "diff", "--cached", "--name-only", "HEAD").split()
    clean = next(fork / path for path in written if path != "src/ourpkg/core.py")
    clean.write_bytes(clean.read_bytes()[: len(clean.read_bytes()) // 2])
    core.write_bytes(b"")
    cut = {path: path.read_bytes() for path in (clean, core)}
    result = run_cli(synced, "sync", "--abort")
    assert result.exit_code == 2, result.output
    for path, data in cut.items():
        assert f"{path.relative_to(fork)} (a first part of forktool's version)" in result.output
        assert path.read_bytes() == data
    changed = sorted(git(fork, "status", "--porcelain").split()[1::2])
    assert changed == sorted(str(path.relative_to(fork)) for path in cut)  # the rest undone
    assert not pending(synced).exists()


@pytest.mark.parametrize("command", ["sync", "--continue", "--abort"])
def test_a_merge_aborted_by_hand_then_committed_over_has_a_way_out(
    synced: Path, command: str
) -> None:
    fork = fork_path(synced)
    _conflicted(synced)
    git(fork, "merge", "--abort")
    (fork / "notes.txt").write_text("mine\n")
    git(fork, "add", "notes.txt")
    git(fork, "commit", "-qm", "more work")
    args = ["sync", "--to", "1.1"] if command == "sync" else ["sync", command]
    result = run_cli(synced, *args)
    assert result.exit_code == (1 if command == "sync" else 0 if command == "--abort" else 2)
    if command == "--continue":
        assert "forktool sync mypkg" in result.output  # the hint it gives works:
        assert run_cli(synced, "sync", "--to", "1.1").exit_code == 1
    assert (fork / "notes.txt").read_text() == "mine\n"


def test_damaged_pending_record_is_one_line(synced: Path) -> None:
    fork = fork_path(synced)
    _conflicted(synced)
    record = pending(synced)
    record.write_text(record.read_text()[:40])
    before = user_bytes(fork)
    for args in (["sync"], ["sync", "--abort"], ["sync", "--continue"]):
        result = run_cli(synced, *args)
        assert result.exit_code == 2 and "damaged" in result.output, result.output
    assert user_bytes(fork) == before


def _is_python(pid: int) -> bool:
    """Whether ``pid`` runs Python (a worker); False once it is gone (it may exit any time)."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        return "forktool" in command or "python" in Path(f"/proc/{pid}/comm").read_text()
    except OSError:
        return False


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc (Linux)")
def test_workers_die_with_a_killed_forktool_and_the_lock_goes_with_it(synced: Path) -> None:
    upstream = Path(str(synced / "upstream/mypkg.toml"))
    text = upstream.read_text()
    source = Path(text.split('url = "', 1)[1].split('"', 1)[0])
    body = "".join(f"import mypkg.helpers as h{i}\nVALUE_{i} = 'mypkg {i}'\n" for i in range(300))
    for i in range(80):  # over a MiB: the rename runs in worker processes
        (source / f"src/mypkg/big_{i:02}.py").write_text(body)
    git(source, "add", "-A")
    git(source, "commit", "-qm", "big")
    git(source, "tag", "v1.5")
    env = {**os.environ, "FORKTOOL_JOBS": "2"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "forktool", "--root", str(synced), "sync", "--to", "1.5"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        env=env,
    )
    workers: set[int] = set()
    deadline = time.monotonic() + 60
    while len(workers) < 2 and proc.poll() is None and time.monotonic() < deadline:
        workers |= {pid for pid in _children(proc.pid) if _is_python(pid)}
        time.sleep(0.01)
    assert workers, "the sync never started worker processes"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in workers if _alive(pid)], "workers outlived forktool"
    result = run_cli(synced, "sync", "--to", "1.5")
    assert "another forktool" not in result.output
    assert result.exit_code == 0, result.output


def test_the_intent_record_spells_an_absent_identity_as_older_forktools_read_it() -> None:
    """None (a git upstream has no sha256) is stored as "", as the lock file has it."""
    from forktool.records.intent import Pending

    record = Pending("mypkg", "1.1", None, "abc", "v", "t", "f", {}, [])
    stored = record.to_json()
    assert (stored["sha256"], stored["upstream_commit"], stored["stage"]) == ("", "abc", "merge")
    assert Pending.from_json(stored) == record


@pytest.mark.parametrize("how", ["--abort", "killed"])
def test_a_file_git_unlinked_before_rewriting_it_is_put_back(synced: Path, how: str) -> None:
    """git removes a file before writing its new version; a kill in between leaves the
    path empty. Putting the fork's file back overwrites nothing, so undo does it (the
    failure CI found: the rerun refused, naming the missing file as kept)."""
    fork = fork_path(synced)
    _conflicted(synced)
    writes = json.loads(pending(synced).read_text())["writes"]
    path = next(
        p
        for p, (before, ours, *_) in writes.items()
        if before and ours and p != "src/ourpkg/core.py"
    )
    (fork / path).unlink()
    if how == "killed":  # what a kill before git wrote its merge state leaves
        for name in ("MERGE_HEAD", "MERGE_MSG", "MERGE_MODE", "AUTO_MERGE"):
            (fork / ".git" / name).unlink(missing_ok=True)
        result = run_cli(synced, "sync", "--to", "1.1")
        assert result.exit_code == 1, result.output  # undone, then synced again: conflicts
        assert git(fork, "hash-object", path) == writes[path][1]
        assert run_cli(synced, "sync", "--abort").exit_code == 0
    else:
        result = run_cli(synced, "sync", "--abort")
        assert result.exit_code == 0, result.output
    assert git(fork, "hash-object", path) == writes[path][0]
    assert git(fork, "status", "--porcelain") == ""
