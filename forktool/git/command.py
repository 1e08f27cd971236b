"""Running one git command: the exit codes its caller expects, and what it printed.

A caller states the exit codes it expects (``ok``); any other code is a failure forktool
did not foresee and becomes a :class:`GitFailed`, the one place an unexpected git failure
turns into a :class:`~forktool.errors.RepositoryError`.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import git

from forktool.errors import RepositoryError


class _AnyCode:
    """The exit codes of a command whose caller judges every outcome itself."""

    def __contains__(self, code: object) -> bool:
        return True


#: ``ok=ANY``: every exit code is expected; the caller reads ``returncode``.
ANY: Container[int] = _AnyCode()


@dataclass(frozen=True)
class Result:
    """One finished git command.

    Attributes:
        args: the arguments after ``git``.
        returncode: git's exit status (negative: killed by that signal).
        stdout: what git wrote to stdout, as bytes.
        stderr: what git wrote to stderr, as bytes.
    """

    args: tuple[str, ...]
    returncode: int
    stdout: bytes
    stderr: bytes

    @property
    def text(self) -> str:
        """stdout as text (undecodable bytes kept as surrogates, as in paths)."""
        return self.stdout.decode(errors="surrogateescape")

    @property
    def out(self) -> str:
        """:attr:`text` without its final newline: one id, or lines to split."""
        return self.text.removesuffix("\n")

    def reason(self) -> str:
        """git's own explanation of a failure (stderr), on one line."""
        text = self.stderr.decode(errors="replace")
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if not lines:
            return f"git exited with status {self.returncode}"
        head = lines[0].removeprefix("error: ").removeprefix("fatal: ")
        skip = ("Please", "Aborting", "hint:")
        details = [line for line in lines[1:] if not line.startswith(skip)]
        return head + (" " + ", ".join(details[:3]) if details else "")


class GitFailed(RepositoryError):
    """git exited with a code its caller did not expect.

    Args:
        result: the failed command.
    """

    def __init__(self, result: Result) -> None:
        super().__init__(f"git {result.args[0]} failed: {result.reason()}")
        self.result = result


def run(
    runner: git.Git,
    args: Sequence[str],
    *,
    ok: Container[int] = (0,),
    input: bytes | None = None,
    env: Mapping[str, str] | None = None,
) -> Result:
    """Run ``git ARGS`` through GitPython's ``runner`` (its directory, ``LC_ALL=C``).

    Args:
        args: the arguments after ``git``.
        ok: the exit codes the caller expects (:data:`ANY`: all of them).
        input: bytes for stdin (None: stdin is empty).
        env: variables added to the environment.

    Returns:
        the finished command, whatever it printed.

    Raises:
        GitFailed: the exit code is not in ``ok``.
    """
    stdin = subprocess.PIPE if input is not None else None
    handle = runner.execute(["git", *args], istream=stdin, as_process=True, env=dict(env or {}))
    proc = handle.proc
    assert proc is not None
    stdout, stderr = proc.communicate(input)
    result = Result(tuple(args), proc.returncode, bytes(stdout or b""), bytes(stderr or b""))
    if result.returncode not in ok:
        raise GitFailed(result)
    return result


class Started:
    """A git command running in the background (:meth:`Commands.start`); its stdin, stdout
    and stderr are files (a pipe nobody reads would stop it).

    Args:
        args: the arguments after ``git``.
        process: the running git.
        files: its stdin, stdout and stderr, closed when it ends.
    """

    def __init__(
        self,
        args: Sequence[str],
        process: subprocess.Popen[bytes],
        files: tuple[BinaryIO, BinaryIO, BinaryIO],
    ) -> None:
        self.args = tuple(args)
        self._process = process
        self._files = files

    def finish(self, ok: Container[int] = (0,)) -> Result:
        """Wait for the command to end.

        Returns:
            the finished command.

        Raises:
            GitFailed: its exit code is not in ``ok``.
        """
        try:
            returncode = self._process.wait()
            _, stdout, stderr = self._files
            stdout.seek(0)
            stderr.seek(0)
            result = Result(self.args, returncode, stdout.read(), stderr.read())
        except BaseException:  # interrupted while waiting: git must not outlive forktool
            self.kill()
            raise
        finally:
            self._close()
        if result.returncode not in ok:
            raise GitFailed(result)
        return result

    def kill(self) -> None:
        """Stop the command now, and wait for it (what it wrote stays, unreferenced)."""
        with contextlib.suppress(OSError):
            self._process.kill()
        with contextlib.suppress(OSError):
            self._process.wait()
        self._close()

    def _close(self) -> None:
        for file in self._files:
            file.close()


def config_env(settings: dict[str, str]) -> dict[str, str]:
    """Git config for one command through the environment (git >= 2.31)."""
    env = {"GIT_CONFIG_COUNT": str(len(settings))}
    for index, (key, value) in enumerate(settings.items()):
        env[f"GIT_CONFIG_KEY_{index}"] = key
        env[f"GIT_CONFIG_VALUE_{index}"] = value
    return env


class Commands:
    """What every part of :class:`~forktool.git.repository.GitRepo` shares: the
    repository, its directories, and :meth:`run` in its working tree."""

    _repo: git.Repo
    path: Path
    git_dir: Path

    def run(
        self,
        args: Sequence[str],
        *,
        ok: Container[int] = (0,),
        input: bytes | None = None,
        env: Mapping[str, str] | None = None,
    ) -> Result:
        """:func:`run` in this repository (same arguments, result and errors)."""
        return run(self._repo.git, args, ok=ok, input=input, env=env)

    def start(self, args: Sequence[str], stdin: BinaryIO) -> Started:
        """Start ``git ARGS`` in this repository reading ``stdin`` (a file, which the
        returned command closes when it ends), and return at once; as :func:`run` runs
        git (its working directory, ``LC_ALL=C``)."""
        env = {**os.environ, "LANGUAGE": "C", "LC_ALL": "C"}
        files: list[BinaryIO] = [stdin]
        try:
            out = tempfile.TemporaryFile()  # noqa: SIM115  (closed by the Started)
            files.append(out)
            err = tempfile.TemporaryFile()  # noqa: SIM115
            files.append(err)
            process = subprocess.Popen(
                ["git", *args], cwd=self.path, stdin=stdin, stdout=out, stderr=err, env=env
            )
        except OSError:
            for file in files:
                file.close()
            raise
        return Started(args, process, (stdin, out, err))
