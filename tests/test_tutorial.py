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
follows ``venv/bin/python app.py`` in the tutorial, exactly. Every other ```text block
quoting what forktool or git printed (:data:`QUOTED`) must match that output line by line
(:func:`quoted_pattern`): the words, paths (``/home/me/myfork`` is the reader's directory),
versions, file names and wheels as printed; commit ids must name the same commit wherever
the tutorial quotes them (one id of the tutorial, one commit of the run: an id left stale
in one place fails); counts and line numbers, which differ between real Flask and the
stand-in, must be numbers where the tutorial has one (``57 kept``: a number, then
``kept``); a ``...`` line stands for any lines. The wheels the tutorial names exist.

CI's main job, which may use the network, runs it once more on real Flask and Flask-CORS
from PyPI (``FORKTOOL_TUTORIAL_REAL=1``, :func:`test_tutorial_on_real_flask`): there every
count and line number must be the one the tutorial quotes, and ``forktool init``'s guess
too; only dates (of the reader's own commits) may differ.
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
    ("resolve it", "forktool resolve src/framework/sansio/app.py --take upstream"),
    ("finish the sync", "forktool sync flask --continue"),
    ("generate the shim", "forktool shims flask"),
    ("a virtual environment", "python -m venv venv"),
    ("install the fork, its shim and an extension", "venv/bin/pip install"),
    ("run the app", "venv/bin/python app.py"),
]

FORK_LINE = "    def select_jinja_autoescape(self, filename: str | None = None) -> bool:"

GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Me",
    "GIT_AUTHOR_EMAIL": "me@example.org",
    "GIT_COMMITTER_NAME": "Me",
    "GIT_COMMITTER_EMAIL": "me@example.org",
}


#: The blocks whose quoted output is checked, by the command that prints it. The others
#: quote what only real Flask prints: ``git status``/``git diff`` of its files, pip, and
#: ``forktool init`` too: it guesses from the files of real Flask's sdist.
QUOTED = (
    "forktool sync flask --to 3.1.2",
    "forktool status\n",
    "forktool patch list",
    "git commit -am",
    "forktool check flask",
    "forktool sync flask --to 3.1.3",
    "forktool report flask",
    "forktool status  # exits 1",
    "forktool sync flask --continue",
    "forktool shims flask",
)
#: Quoted blocks checked only on real Flask: ``init`` guesses from its sdist's files.
REAL_ONLY = ("forktool init --pypi flask",)

#: A commit id as the tutorial quotes one: 7 to 40 hex digits, at least one a digit and
#: one a letter (not a version, not a word).
COMMIT_ID = re.compile(r"\b(?=[0-9a-f]*[0-9])(?=[0-9a-f]*[a-f])[0-9a-f]{7,40}\b")

#: An sdist's sha256 (real Flask's, in the tutorial).
SHA256 = re.compile(r"\b[0-9a-f]{64}\b")

#: A date (``2026-11-21``): the day a commit of the reader's was made.
DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")

#: A count or line number: digits not part of a version (``3.1.2``) or an id.
NUMBER = re.compile(r"(?<![\w.])\d+(?![\w.]*\d)(?!\.\d)")

TUTORIAL_ROOT = "/home/me/myfork"
PYPI = "https://pypi.org/pypi"


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


def _normalized(line: str) -> str:
    """``line`` with runs of blanks and of box-drawing lines made one: rich pads tables
    and panels to the widest cell, which differs between real Flask and the stand-in."""
    return re.sub(r"─+", "─", re.sub(r"[ \t]+", " ", line)).strip()


def quoted_pattern(line: str, root: str, real: bool = False) -> tuple[re.Pattern[str], list[str]]:
    """A pattern matching the output line that ``line`` of the tutorial quotes; ``real``:
    the run is on real Flask from PyPI, so counts, line numbers and the index are exact.

    Returns:
        the pattern (on :func:`_normalized` text) and the commit ids of ``line``, in the
        order of the pattern's groups (each group captures the id printed there).
    """
    text = _normalized(line).replace(TUTORIAL_ROOT, "\0ROOT\0")
    if not real:
        text = text.replace(PYPI, "\0INDEX\0")
    ids: list[str] = []
    parts: list[str] = []
    position = 0
    tokens = sorted(
        [(m.start(), m.end(), "sha256") for m in SHA256.finditer(text)]
        + [(m.start(), m.end(), "id") for m in COMMIT_ID.finditer(text)]
        + [(m.start(), m.end(), "date") for m in DATE.finditer(text)]
        + ([] if real else [(m.start(), m.end(), "number") for m in NUMBER.finditer(text)])
        + [(m.start(), m.end(), "root") for m in re.finditer("\0ROOT\0", text)]
        + [(m.start(), m.end(), "index") for m in re.finditer("\0INDEX\0", text)]
    )
    for start, end, kind in tokens:
        if start < position:
            continue  # a number inside an id
        parts.append(re.escape(text[position:start]))
        if kind == "id":
            ids.append(text[start:end])
            parts.append(r"([0-9a-f]{7,40})")
        elif kind == "sha256":  # of the real sdist
            parts.append(r"[0-9a-f]{64}")
        elif kind == "number":
            parts.append(r"\d+")
        elif kind == "date":  # of the reader's own commits: the day the tutorial runs
            parts.append(r"\d{4}-\d{2}-\d{2}")
        elif kind == "root":
            parts.append(re.escape(root))
        else:
            parts.append(r"http://127\.0\.0\.1:\d+/pypi")  # the loopback index
        position = end
    parts.append(re.escape(text[position:]))
    return re.compile("".join(parts)), ids


def check_quoted(
    quoted: str, output: str, root: str, ids: dict[str, str], where: str, real: bool = False
) -> None:
    """Fail unless ``output`` is what ``quoted`` (a ```text block) says it is: line by line
    (see :func:`quoted_pattern`), ``...`` lines matching any lines, each commit id of the
    tutorial the same commit (by its first 7 digits) wherever it is quoted. ``ids`` maps
    the tutorial's ids to the run's, over the whole tutorial."""
    progress = "… "  # forktool's progress lines on stderr, not quoted
    actual = [_normalized(line) for line in output.splitlines() if not line.startswith(progress)]
    expected = quoted.splitlines()
    at = 0
    skipping = False
    for line in expected:
        if _normalized(line) == "...":
            skipping = True
            continue
        pattern, quoted_ids = quoted_pattern(line, root, real)
        while at < len(actual):
            match = pattern.fullmatch(actual[at])
            at += 1
            if match:
                break
            if not skipping:
                pytest.fail(
                    f"docs/tutorial.md, {where}: the tutorial says\n  {line}\n"
                    f"but forktool printed\n  {actual[at - 1]}\n--- output\n{output}",
                    pytrace=False,
                )
        else:
            pytest.fail(
                f"docs/tutorial.md, {where}: the tutorial quotes a line nothing printed:\n"
                f"  {line}\n--- output\n{output}",
                pytrace=False,
            )
        skipping = False
        for doc_id, run_id in zip(quoted_ids, match.groups(), strict=True):
            known = ids.setdefault(doc_id[:7], run_id[:7])
            assert known == run_id[:7], (
                f"docs/tutorial.md, {where}: {doc_id} names commit {run_id[:7]} here, "
                f"but {known} elsewhere: a stale commit id"
            )
    if not skipping:
        rest = [line for line in actual[at:] if line]
        assert not rest, f"docs/tutorial.md, {where}: printed lines it does not quote: {rest}"


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


def online_env() -> dict[str, str]:
    """The environment of the tutorial's shell on the real index: this test's forktool and
    Python first on PATH, nothing of this machine's forktool or git settings."""
    env = offline_env("", Path(os.devnull))
    for name in ("FORKTOOL_INDEX", "PIP_NO_INDEX", "PIP_FIND_LINKS", "PIP_CONFIG_FILE"):
        env.pop(name)
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
    """The tutorial offline: stand-in Flask releases on a loopback index (counts and line
    numbers are any number, as the stand-in's differ from real Flask's)."""
    for version in ("3.1.2", "3.1.3"):
        index_server.add_release(
            "flask", version, flask_sdist(version), date=RELEASE_DATES[version]
        )
    wheelhouse = tmp_path / "wheelhouse"
    write_flask_cors_wheel(wheelhouse)
    run_tutorial(tmp_path, offline_env(index_server.url, wheelhouse), real=False)


@pytest.mark.skipif(
    os.environ.get("FORKTOOL_TUTORIAL_REAL") != "1",
    reason="needs PyPI: CI's main job runs it (FORKTOOL_TUTORIAL_REAL=1, see .ci/run)",
)
def test_tutorial_on_real_flask(tmp_path: Path) -> None:
    """The tutorial as a reader runs it, on real Flask and Flask-CORS from PyPI: every
    quoted count, line number and the ``forktool init`` guess exactly as printed."""
    run_tutorial(tmp_path, online_env(), real=True)


def run_tutorial(tmp_path: Path, env: dict[str, str], *, real: bool) -> None:
    """Run every ```sh block of the tutorial in ``env`` and check what it says."""
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

    start = tmp_path / "work"
    start.mkdir()
    exit_log = tmp_path / "exits.log"
    exit_log.touch()
    reader = Reader(start, env, exit_log)
    definition = start / "myfork"
    fork = definition / "forks" / "flask"
    autoescape = fork / "src" / "framework" / "sansio" / "app.py"

    quoted = QUOTED + REAL_ONLY if real else QUOTED
    ids: dict[str, str] = {}
    checked = 0
    for block in shell:
        output = reader.run(block)
        print(f"--- docs/tutorial.md:{block.line}\n{block.body}--- output\n{output}")
        after = blocks[blocks.index(block) + 1] if block is not blocks[-1] else None
        if any(command in block.body for command in quoted):
            assert after is not None and after.lang == "text", f"no output quoted at {block.line}"
            where = f"the output quoted at line {after.line}"
            check_quoted(after.body, output, str(definition), ids, where, real)
            checked += 1
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

    assert checked == len(quoted), "a quoted block lost its command"
    assert len(set(ids.values())) == len(ids), f"two of the tutorial's ids, one commit: {ids}"
    shim = definition / "forks" / "flask.shim"
    # What the tutorial says the shim directory holds once the shim is made (step 7 on).
    named = set(re.findall(r"flask-[\w.+]+-py3-none-any\.whl", text[text.index("## 7.") :]))
    present = {path.name for path in shim.glob("*.whl")}
    assert named == present, f"docs/tutorial.md names the wheels {named}; the shim has {present}"
    assert definition.is_dir(), "the tutorial works in ./myfork"
    # Every `# exits N` line ran, and exited N.
    expected_codes = [code for b in shell for code in with_exit_checks(b.body)[1]]
    assert exit_log.read_text().split() == [str(code) for code in expected_codes]
    assert expected_codes, "the tutorial meets a conflict: some command exits 1"
