"""forktool.git.command: one git command, the exit codes its caller expects."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import git as gitpython
import pytest

from forktool.errors import RepositoryError
from forktool.git.command import ANY, GitFailed, Result, config_env, run
from tests.helpers import saved_repo


def test_run_returns_output_and_code(tmp_path: Path) -> None:
    repo = saved_repo(tmp_path, {"a.txt": "a\n"})
    result = repo.run(["hash-object", "--stdin"], input=b"a\n")
    assert result.returncode == 0
    assert result.out == repo.run(["rev-parse", "HEAD:a.txt"]).out
    assert result.text == result.out + "\n"
    assert result.args == ("hash-object", "--stdin")


def test_unexpected_exit_is_a_repository_error(tmp_path: Path) -> None:
    repo = saved_repo(tmp_path, {"a.txt": "a\n"})
    with pytest.raises(GitFailed) as caught:
        repo.run(["rev-parse", "--verify", "no-such-ref"])
    assert isinstance(caught.value, RepositoryError)
    assert caught.value.result.returncode == 128
    assert caught.value.message == "git rev-parse failed: Needed a single revision"


def test_expected_exit_codes_are_returned(tmp_path: Path) -> None:
    repo = saved_repo(tmp_path, {"a.txt": "a\n"})
    missing = repo.run(["rev-parse", "--verify", "--quiet", "no-such-ref"], ok=(0, 1))
    assert (missing.returncode, missing.stdout) == (1, b"")
    assert repo.run(["no-such-command"], ok=ANY).returncode == 1


def test_env_reaches_git(tmp_path: Path) -> None:
    repo = saved_repo(tmp_path, {"a.txt": "a\n"})
    env = config_env({"forktool.probe": "yes", "merge.conflictStyle": "diff3"})
    assert repo.run(["config", "forktool.probe"], env=env).out == "yes"
    assert repo.run(["config", "merge.conflictStyle"], env=env).out == "diff3"


def test_run_without_a_repository(tmp_path: Path) -> None:
    assert run(gitpython.cmd.Git(tmp_path), ["--version"]).out.startswith("git version ")


@pytest.mark.parametrize(
    ("stderr", "reason"),
    [
        (b"", "git exited with status 3"),
        (b"fatal: bad thing\n", "bad thing"),
        (b"error: first\nsecond\nhint: ignore\nAborting\nthird\n", "first second, third"),
    ],
)
def test_reason_is_one_line(stderr: bytes, reason: str) -> None:
    assert Result(("x",), 3, b"", stderr).reason() == reason


def test_a_background_command_interrupted_while_waited_for_is_stopped(tmp_path: Path) -> None:
    """Ctrl-C or SIGTERM while forktool waits for a background git: git must not go on
    writing after forktool has gone (the interrupt is a real signal, SIGALRM's handler)."""
    repo = saved_repo(tmp_path, {"a.txt": "a\n"})
    read_end, write_end = os.pipe()  # nothing is ever written: git waits for its input
    started = repo.start(["hash-object", "--stdin"], os.fdopen(read_end, "rb"))

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, 0.3)
    try:
        with pytest.raises(KeyboardInterrupt):
            started.finish()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        os.close(write_end)
    assert started._process.poll() is not None  # stopped, not left running
