"""docs/tutorial.md, executed: every ```sh block runs, in order, so the tutorial cannot rot.

The blocks run with bash (``-e -o pipefail``) in one temporary directory, each starting in
the directory the previous one ended in. A command line ending in ``# exits N`` must exit
with exactly ``N``; every other command must succeed. The tutorial forks the real Flask
3.1.2 and 3.1.3 from PyPI and installs the real Flask-CORS; here everything is offline:

- ``FORKTOOL_INDEX`` points forktool at a loopback index serving stand-in Flask sdists
  (tests/standin_flask.py) whose line ``select_jinja_autoescape`` is the real one of each
  release, so the fork commit conflicts with 3.1.3 exactly as with real Flask;
- pip finds nothing but a wheelhouse holding a stand-in Flask-CORS wheel (``PIP_NO_INDEX``,
  ``PIP_FIND_LINKS``); the stand-in Flask builds with an in-tree backend, needing nothing.

What it checks beyond exit codes: the conflict is in ``src/framework/sansio/app.py``, the
resolution left upstream's line there, and the app's output is the ```text block that
follows ``venv/bin/python app.py`` in the tutorial, exactly.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import git
from tests.indexserver import IndexServer
from tests.standin_flask import (
    AUTOESCAPE_LINES,
    RELEASE_DATES,
    flask_sdist,
    write_flask_cors_wheel,
)

TUTORIAL = Path(__file__).resolve().parent.parent / "docs" / "tutorial.md"

#: A fenced block: ```lang ... ``` (the fences at the start of a line).
FENCE = re.compile(r"^```(?P<lang>[\w-]*)[^\n]*\n(?P<body>.*?)^```[ \t]*$", re.M | re.S)

#: A command line that must exit with a given non-zero code: ``cmd  # exits 1``.
EXITS = re.compile(r"^(?P<command>\S.*?)\s+# exits (?P<code>\d+)[ \t]*$")

#: Every step of the issue, as the command that does it, in the order they must come.
STEPS = [
    ("make a definition", "forktool init --pypi flask"),
    ("first sync", "forktool sync flask --to 3.1.2"),
    ("a codemod patch", "cat > patches/flask/health-check.py"),
    ("add it to the series", ">> patches/flask/series"),
    ("a fork commit", "git commit -am"),
    ("meet a conflict", "forktool sync flask --to 3.1.3  # exits 1"),
    ("the conflict report", "forktool report flask  # exits 1"),
    ("resolve it", "git add src/framework/sansio/app.py"),
    ("finish the sync", "forktool sync flask --continue"),
    ("generate the shim", "forktool shims flask"),
    ("a virtual environment", "python -m venv venv"),
    ("install the fork, its shim and an extension", "venv/bin/pip install"),
    ("run the app", "venv/bin/python app.py"),
]

FORK_LINE = "    def select_jinja_autoescape(self, filename: str | None = None) -> bool:"

GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Tutorial Reader",
    "GIT_AUTHOR_EMAIL": "reader@example.org",
    "GIT_COMMITTER_NAME": "Tutorial Reader",
    "GIT_COMMITTER_EMAIL": "reader@example.org",
}


@dataclass(frozen=True)
class Block:
    """A fenced block of the tutorial."""

    lang: str
    body: str
    line: int  # of the opening fence, 1-based


def fenced_blocks(text: str) -> list[Block]:
    """Every fenced block of ``text``, in order."""
    return [
        Block(m["lang"], m["body"], text.count("\n", 0, m.start()) + 1)
        for m in FENCE.finditer(text)
    ]


def with_exit_checks(body: str) -> tuple[str, list[int]]:
    """``body`` with each ``cmd  # exits N`` line rewritten to require exit code N.

    The rewritten line runs ``cmd`` where ``set -e`` does not stop on it, logs its exit
    code to ``$TUTORIAL_EXIT_LOG``, and exits 97 (failing the block) unless it was N.
    Returns the script and the codes expected, in order.
    """
    lines, codes = [], []
    for line in body.splitlines():
        match = EXITS.match(line)
        if match:
            command, code = match["command"], int(match["code"])
            codes.append(code)
            line = (
                f"{{ {command} ; }} && status=0 || status=$?; "
                f'echo "$status" >> "$TUTORIAL_EXIT_LOG"; '
                f'[ "$status" -eq {code} ] || {{ printf "expected exit %s, got %s: %s\\n" '
                f'{code} "$status" {shlex.quote(command)} >&2; exit 97; }}'
            )
        lines.append(line)
    return "\n".join(lines) + "\n", codes


class Reader:
    """Runs the tutorial's blocks one after the other, like a reader in one shell."""

    def __init__(self, start: Path, env: dict[str, str], exit_log: Path) -> None:
        self.cwd = start
        self.env = {**env, "TUTORIAL_EXIT_LOG": str(exit_log)}
        self.cwd_file = exit_log.with_name("cwd")

    def run(self, block: Block) -> str:
        """Run ``block`` (failing the test if it fails); its output, stderr included."""
        script, _ = with_exit_checks(block.body)
        full = f"cd {shlex.quote(str(self.cwd))}\n{script}pwd > {shlex.quote(str(self.cwd_file))}\n"
        proc = subprocess.run(
            ["bash", "-e", "-o", "pipefail", "-c", full],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=600,
            check=False,
        )
        if proc.returncode != 0:
            pytest.fail(
                f"docs/tutorial.md, the block at line {block.line} exited {proc.returncode} "
                f"(in {self.cwd}):\n--- block\n{block.body}--- output\n{proc.stdout}",
                pytrace=False,
            )
        self.cwd = Path(self.cwd_file.read_text().strip())
        return proc.stdout


def offline_env(index_url: str, wheelhouse: Path) -> dict[str, str]:
    """The environment of the tutorial's shell: this test's forktool and Python first on
    PATH, forktool's default index the loopback one, pip limited to ``wheelhouse``."""
    bindir = Path(sys.executable).parent
    if not (bindir / "forktool").exists():
        pytest.fail(f"no forktool beside {sys.executable}: install forktool in this venv")
    dropped = ("PIP_", "FORKTOOL_", "GIT_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    for name in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME"):
        env.pop(name, None)
    env["PATH"] = os.pathsep.join([str(bindir), env.get("PATH", "")])
    env.update(GIT_IDENTITY)
    env.update(
        FORKTOOL_INDEX=index_url,
        PIP_CONFIG_FILE=os.devnull,  # no pip.conf: its indexes, find-links, ...
        PIP_NO_INDEX="1",
        PIP_FIND_LINKS=str(wheelhouse),
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PIP_NO_CACHE_DIR="1",
        PIP_NO_INPUT="1",
    )
    return env


def test_fenced_blocks_and_exit_checks() -> None:
    """The helpers themselves: blocks in order with their language, exit codes enforced."""
    text = "intro\n```sh\necho a\nfalse  # exits 1\n```\n\n```text\na\n```\n"
    sh, out = fenced_blocks(text)
    assert (sh.lang, sh.body, sh.line) == ("sh", "echo a\nfalse  # exits 1\n", 2)
    assert (out.lang, out.body) == ("text", "a\n")
    script, codes = with_exit_checks(sh.body)
    assert codes == [1]
    assert "# exits" not in script

    def bash(body: str) -> int:
        env = {**os.environ, "TUTORIAL_EXIT_LOG": os.devnull}
        script, _ = with_exit_checks(body)
        return subprocess.run(["bash", "-e", "-o", "pipefail", "-c", script], env=env).returncode

    assert bash("false  # exits 1\ntrue\n") == 0
    assert bash("true  # exits 1\n") == 97  # succeeded although it should fail
    assert bash("(exit 2)  # exits 1\n") == 97  # failed with another code
    assert bash("false\ntrue\n") == 1  # an unmarked failure stops the block


def test_tutorial(tmp_path: Path, index_server: IndexServer) -> None:
    text = TUTORIAL.read_text(encoding="utf-8")
    blocks = fenced_blocks(text)
    shell = [b for b in blocks if b.lang == "sh"]

    # Every step is there, in order: nobody drops one silently.
    commands = "".join(b.body for b in shell)
    positions = []
    for step, command in STEPS:
        assert command in commands, f"docs/tutorial.md lost a step: {step} ({command!r})"
        positions.append(commands.index(command))
    assert positions == sorted(positions), "docs/tutorial.md: the steps are out of order"

    # The app's expected output: the ```text block right after the block that runs it.
    [run_app] = [b for b in shell if "venv/bin/python app.py" in b.body]
    assert run_app.body == "venv/bin/python app.py\n", "run the app alone in its block"
    after = blocks[blocks.index(run_app) + 1]
    assert after.lang == "text", "a ```text block must show the app's output"
    expected_app_output = after.body

    for version in ("3.1.2", "3.1.3"):
        index_server.add_release(
            "flask", version, flask_sdist(version), date=RELEASE_DATES[version]
        )
    wheelhouse = tmp_path / "wheelhouse"
    write_flask_cors_wheel(wheelhouse)
    start = tmp_path / "work"
    start.mkdir()
    exit_log = tmp_path / "exits.log"
    exit_log.touch()
    reader = Reader(start, offline_env(index_server.url, wheelhouse), exit_log)
    definition = start / "myfork"
    fork = definition / "forks" / "flask"
    autoescape = fork / "src" / "framework" / "sansio" / "app.py"

    for block in shell:
        output = reader.run(block)
        print(f"--- docs/tutorial.md:{block.line}\n{block.body}--- output\n{output}")
        if "forktool sync flask --to 3.1.3" in block.body:
            assert "conflict src/framework/sansio/app.py" in output
            assert (fork / ".git" / "MERGE_HEAD").exists()
            unmerged = git(fork, "diff", "--name-only", "--diff-filter=U")
            assert unmerged == "src/framework/sansio/app.py"
        elif "git commit -am" in block.body:
            assert FORK_LINE in autoescape.read_text().splitlines()
            assert git(fork, "status", "--porcelain") == ""
        elif "forktool sync flask --continue" in block.body:
            assert not (fork / ".git" / "MERGE_HEAD").exists()
            lines = autoescape.read_text().splitlines()
            assert AUTOESCAPE_LINES["3.1.3"] in lines  # upstream's line won
            assert FORK_LINE not in lines
            assert git(fork, "status", "--porcelain") == ""
            assert 'version = "3.1.3"' in (definition / "upstream" / "flask.lock").read_text()
            assert git(fork, "log", "-1", "--format=%P").count(" ") == 1  # a merge commit
        elif block is run_app:
            assert output == expected_app_output

    assert definition.is_dir(), "the tutorial works in ./myfork"
    # Every `# exits N` line ran, and exited N.
    expected_codes = [code for b in shell for code in with_exit_checks(b.body)[1]]
    assert exit_log.read_text().split() == [str(code) for code in expected_codes]
    assert expected_codes, "the tutorial meets a conflict: some command exits 1"
