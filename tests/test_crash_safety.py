"""Crash safety of ``forktool sync`` (issue 7, item 1): kill a real sync anywhere, rerun it.

A real ``python -m forktool sync --to 1.1`` (a merge: the fork has a commit of its own) is
killed at many moments spread over its whole run, in a fresh copy of the same prepared fork
definition each time. After each kill the fork repository and the lock file are inspected,
then the same command is run again and must finish the job exactly like a run that was never
interrupted. Every kill point is checked and reported; the test fails at the end, listing
each failing kill point with its delay, the step the sync was in, and what was wrong.

How the sync is killed. Each sync runs in its own session (process group). Most kill points
send SIGKILL to the whole group: the Python process and whatever git it is running at that
moment die together, as in a crash or an OOM kill, so git itself can be cut short mid-write
(``index.lock``, a half checkout, a ref lock). Some send SIGKILL to the Python process only
(``kill -9 PID``): its git child then goes on, orphaned, until it finishes or dies of
SIGPIPE at its next write to the dead process's pipe (so git can stop between committing a
merge and removing MERGE_HEAD); the test waits for it before looking. Some send SIGINT to
the group, as Ctrl-C in a terminal does.

When the kill happens. ``EVEN_POINTS`` delays spread evenly over the duration T of an
uninterrupted run (measured first), ``MERGE_POINTS`` delays spread evenly over the short
window between the sync's "merging" progress line and its end (where the fork branch, refs
and lock file move; anchored on that line as the sync prints it, so start-up jitter does
not blur them), kill points right after (``EVENT_OFFSETS``) each of the ``EVENTS`` a sync
passes through, seen on disk as they happen: the pending record written, ``MERGE_HEAD``
written, the fork branch moved, the lock file written (an event the code under test never
produces kills the process after it ended, which is harmless), and ``RANDOM_POINTS`` seeded
random delays, half of them over [0, T] and half over the merge window. Timing-based points
drift with the machine's load; the event-based ones hit the narrow windows at the end of a
sync on every run.

What must hold right after a kill (besides ``git fsck --no-dangling`` being clean), one of:

- ``before``: the fork repository is as it was before the sync (:func:`tests.helpers.snapshot`:
  refs, HEAD, index, status, files) and the lock file is byte-identical. Refs under
  ``refs/forktool/`` may differ: they are forktool's cache of fetched upstream tags, never
  shown to the user, and a sync may fetch before it is killed;
- ``merge``: the documented conflict state: ``MERGE_HEAD`` and
  ``.git/forktool/<name>.pending.json`` (naming that MERGE_HEAD as its transformed commit),
  HEAD still the fork commit the merge started from, the lock file unchanged;
- ``interrupted``: forktool's pending record exists (written as an intent before the merge)
  and the state is not the ``merge`` above: no ``MERGE_HEAD``, or a ``MERGE_HEAD`` git left
  after it had already committed the merge (git dies between updating HEAD and removing its
  merge state); the lock file unchanged or already at the new release, HEAD the fork commit
  from before or a commit containing the record's transformed commit. A SIGKILL can cut git's
  checkout short and no writer can make that atomic; what it can do is record, before
  touching the work tree, what the next sync must finish or undo. This state is accepted
  because the rerun is required to repair it (below); a half-done merge *without* such a
  record is not;
- ``completed``: the lock file records 1.1 and agrees with the refs (``fork`` is HEAD of
  ``main``, ``transformed`` the transformed branch, ``vendor`` the release tag), no merge or
  pending record, a clean work tree.

In every state the lock file must agree with the refs it names: each commit exists,
``fork`` is an ancestor of HEAD, ``vendor`` is the tag of its version and ``transformed``
is on the transformed branch. Git lock files (``*.lock`` under ``.git``) left by a killed git
are listed in the report but are not a failure by themselves right after the kill: git
leaves them when it is killed, and only the next run can remove them.

After the rerun (same command, uninterrupted) it must exit 0 and match the uninterrupted
run: same lock file (except the fork commit id, which carries the merge's commit time), same
refs (except ``main``, for the same reason, and ``refs/forktool/``), HEAD a merge of the fork
commit and the transformed commit with the same tree, a clean work tree, no MERGE_HEAD or
pending record, no git lock file, ``git fsck`` clean, the same shim wheel, byte for byte, and
the same files in the definition outside the fork repository and in ``.git/forktool/`` (no
temporary file a kill left behind).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import tomlkit

from tests.conftest import CORE_V1, PYPROJECT
from tests.helpers import (
    GIT_ENV,
    build_file_tree,
    git,
    git_init,
    git_save,
    run_cli,
    snapshot,
    write_definition,
)

NAME = "mypkg"
MODULES = 120  # generated modules: an uninterrupted sync takes ~1.5-3 s
EVEN_POINTS = 12
MERGE_POINTS = 8
RANDOM_POINTS = 6
#: Moments a sync passes through, seen on disk in the fork definition (polled every
#: millisecond); kill points are placed at these offsets after each one.
EVENTS = ("pending record written", "MERGE_HEAD written", "main moved", "lock file written")
EVENT_OFFSETS = (0.0, 0.015)
SEED = 7
WORKERS = 2  # kill points run two at a time (each sync is one busy process)
#: (signal, whole process group?) cycled over the kill points.
MODES = [
    (signal.SIGKILL, True),
    (signal.SIGKILL, False),
    (signal.SIGKILL, True),
    (signal.SIGINT, True),
]
RUN_TIMEOUT = 120.0
MERGING = re.compile(r"\bmerging\b")
CACHE_REFS = "refs/forktool/"

MODULE = '''\
    """Generated module {i} of mypkg ({version})."""

    import mypkg
    from mypkg import core
    from mypkg.helpers import upper


    def func_{i}(value):
        return upper(core.greet(str(value))) + "{version}"


    class Thing{i}:
        def run(self):
            return mypkg.greet("thing {i}")
    '''


def _module(i: int, version: str) -> str:
    return MODULE.format(i=i, version=version)


def _build_upstream(repo: Path) -> Path:
    """A git upstream: the conftest package plus generated modules; v1.1 changes many."""
    git_init(repo)
    files = {
        "pyproject.toml": PYPROJECT.format(version="1.0"),
        "src/mypkg/__init__.py": "from mypkg.core import greet\n",
        "src/mypkg/helpers.py": "def upper(text):\n    return text.upper()\n",
        "src/mypkg/core.py": CORE_V1,
        "src/mypkg/cli.py": "import mypkg\n\n\ndef main():\n    print(mypkg.greet('x'))\n",
        "tests/test_core.py": "from mypkg import greet\n\n\ndef test():\n    assert greet\n",
    }
    files.update({f"src/mypkg/mod_{i:03d}.py": _module(i, "1.0") for i in range(MODULES)})
    build_file_tree(repo, files)
    git_save(repo, "release 1.0", tag="v1.0")
    changed = {
        "pyproject.toml": PYPROJECT.format(version="1.1"),
        "src/mypkg/core.py": CORE_V1.replace('"hello "', '"Hello, "'),
    }
    changed.update({f"src/mypkg/mod_{i:03d}.py": _module(i, "1.1") for i in range(0, MODULES, 2)})
    changed.update({f"src/mypkg/new_{i:02d}.py": _module(1000 + i, "1.1") for i in range(10)})
    build_file_tree(repo, changed)
    (repo / "src/mypkg/mod_001.py").unlink()
    git_save(repo, "release 1.1", tag="v1.1")
    return repo


def _prepare(tmp_path: Path) -> Path:
    """The fork definition at 1.0 with one fork commit that does not conflict with 1.1."""
    upstream = _build_upstream(tmp_path / "upstream-src")
    root = write_definition(
        tmp_path / "prepared",
        NAME,
        f'type = "git"\nurl = "{upstream}"',
        extra='\n[rename.distributions]\nMyPkg = "OurPkg"\n\n[rename.scripts]\nmypkg = "ourpkg"\n',
    )
    result = run_cli(root, "sync", "--to", "1.0")
    assert result.exit_code == 0, result.output
    fork = _fork(root)
    build_file_tree(
        fork,
        {
            "src/ourpkg/helpers.py": "def upper(text):\n    return text.upper()\n\n\n"
            "def lower(text):\n    return text.lower()\n",
            "src/ourpkg/fork_extra.py": "import ourpkg\n\n\ndef extra():\n    return ourpkg\n",
        },
    )
    git(fork, "add", "--all")
    git(fork, "commit", "-qm", "fork: lower() and fork_extra")
    return root


# -- small readers ---------------------------------------------------------------------------


def _fork(root: Path) -> Path:
    return root / "forks" / NAME


def _lock_path(root: Path) -> Path:
    return root / "upstream" / f"{NAME}.lock"


def _pending_path(root: Path) -> Path:
    return _fork(root) / ".git" / "forktool" / f"{NAME}.pending.json"


def _read_pending(root: Path) -> dict[str, object] | None:
    try:
        data = json.loads(_pending_path(root).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _run_git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args],
        cwd=repo,
        env={**os.environ, **GIT_ENV},
        capture_output=True,
        text=True,
        check=False,
    )


def _rev(repo: Path, rev: str) -> str | None:
    proc = _run_git(repo, "rev-parse", "--verify", "--quiet", rev)
    return proc.stdout.strip() if proc.returncode == 0 else None


def _refs(repo: Path) -> dict[str, str]:
    out = _run_git(repo, "for-each-ref", "--format=%(refname) %(objectname)").stdout
    return dict(line.split(" ", 1) for line in out.splitlines() if line)


def _read_lock(root: Path) -> dict[str, str] | None:
    path = _lock_path(root)
    if not path.exists():
        return None
    try:
        data = tomlkit.parse(path.read_text(encoding="utf-8")).unwrap()
    except Exception:  # a torn or invalid lock file is reported, not raised
        return None
    return {str(k): str(v) for k, v in data.items()}


def _git_locks(repo: Path) -> list[str]:
    """git lock files under .git (a killed git leaves them; they block the next git)."""
    git_dir = repo / ".git"
    found = []
    for directory, _dirs, files in os.walk(git_dir):
        found += [
            str((Path(directory) / name).relative_to(git_dir))
            for name in files
            if name.endswith(".lock")
        ]
    return sorted(found)


def _fsck(repo: Path) -> list[str]:
    proc = _run_git(repo, "fsck", "--no-dangling")
    output = (proc.stdout + proc.stderr).strip()
    if proc.returncode != 0 or output:
        head = "; ".join(output.splitlines()[:4])
        return [f"git fsck --no-dangling exited {proc.returncode}: {head}"]
    return []


def _status(repo: Path) -> list[str]:
    proc = _run_git(repo, "status", "--porcelain")
    if proc.returncode != 0:
        return [f"git status failed: {proc.stderr.strip()}"]
    return proc.stdout.splitlines()


def _shim_wheel(root: Path) -> str | None:
    wheel = root / "forks" / f"{NAME}.shim" / "mypkg-1.1+ourpkg-py3-none-any.whl"
    return hashlib.sha256(wheel.read_bytes()).hexdigest() if wheel.exists() else None


def _definition_listing(root: Path) -> set[str]:
    """Every file and directory of the fork definition outside the fork repository, plus
    forktool's state directory inside it (temporary files a kill may leave show up here)."""
    fork = _fork(root).relative_to(root).as_posix()
    keep = f"{fork}/.git/forktool"
    found = set()
    for directory, dirs, files in os.walk(root):
        for name in [*dirs, *files]:
            rel = (Path(directory) / name).relative_to(root).as_posix()
            if rel.startswith(f"{fork}/") and not (rel == keep or rel.startswith(f"{keep}/")):
                continue
            found.add(rel)
    return found


def _visible_snapshot(repo: Path) -> dict[str, object]:
    """:func:`snapshot` without forktool's cache refs (see the module docstring)."""
    shot = snapshot(repo)
    if "refs" in shot:
        lines = str(shot["refs"]).splitlines()
        shot["refs"] = "\n".join(line for line in lines if not line.startswith(CACHE_REFS))
    return shot


def _group_alive(pgid: int) -> bool:
    """True while a live (not zombie) process of group ``pgid`` remains."""
    proc_dir = Path("/proc")
    if not proc_dir.is_dir():
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        return True
    for entry in proc_dir.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[-1].split()
        if len(fields) > 2 and int(fields[2]) == pgid and fields[0] not in "ZX":
            return True
    return False


# -- running the sync --------------------------------------------------------------------------


class SyncProcess:
    """``python -m forktool --root ROOT sync --to 1.1`` in its own session, its progress lines
    timestamped as they arrive on stderr."""

    def __init__(self, root: Path) -> None:
        self.start = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "forktool", "--root", str(root), "sync", "--to", "1.1"],
            env={**os.environ, **GIT_ENV},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        self.lines: list[tuple[float, str]] = []
        self.stdout = ""
        self.anchor = threading.Event()  # set on the "merging" line, or at the end
        self.saw_merging = False
        self._threads = [
            threading.Thread(target=self._read_stderr, daemon=True),
            threading.Thread(target=self._read_stdout, daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append((time.monotonic() - self.start, line.rstrip("\n")))
            if MERGING.search(line) and not self.saw_merging:
                self.saw_merging = True
                self.anchor.set()
        self.anchor.set()

    def _read_stdout(self) -> None:
        assert self.proc.stdout is not None
        self.stdout = self.proc.stdout.read()

    def phase_at(self, moment: float) -> str:
        """The last progress line printed before ``moment`` (seconds since start)."""
        steps = [text for at, text in self.lines if at <= moment and text.startswith("…")]
        return steps[-1].lstrip("… ") if steps else "starting up"

    def finish(self, timeout: float = RUN_TIMEOUT) -> int:
        """Wait for the sync (and any orphaned git of its group); return its exit code."""
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            code = self.proc.wait()
        for thread in self._threads:
            thread.join(timeout=10)
        assert self.proc.stdout is not None and self.proc.stderr is not None
        self.proc.stdout.close()
        self.proc.stderr.close()
        deadline = time.monotonic() + 30
        while _group_alive(self.proc.pid) and time.monotonic() < deadline:
            time.sleep(0.02)
        return code

    @property
    def stderr(self) -> str:
        return "\n".join(text for _, text in self.lines)


@dataclass(frozen=True)
class Expected:
    """The end state of an uninterrupted sync."""

    duration: float
    merging_at: float
    merging_seen: bool
    lock: dict[str, str]
    refs: dict[str, str]  # without main and refs/forktool/
    tree: str
    parents: list[str]
    wheel: str | None
    listing: set[str]


@dataclass(frozen=True)
class Before:
    snapshot: dict[str, object]
    lock_text: str
    head: str


@dataclass
class KillPoint:
    index: int
    anchor: str  # "start" or "merging"
    delay: float
    sig: signal.Signals
    group: bool
    killed_at: float = 0.0
    phase: str = ""
    finished_first: bool = False
    state: str = ""
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        target = "group" if self.group else "python"
        return (
            f"#{self.index:02d} {self.sig.name}->{target} {self.delay:.3f}s after {self.anchor}"
            f" (at {self.killed_at:.3f}s, during: {self.phase})"
        )


def _stable_refs(repo: Path, branch: str = "main") -> dict[str, str]:
    return {
        ref: sha
        for ref, sha in _refs(repo).items()
        if ref != f"refs/heads/{branch}" and not ref.startswith(CACHE_REFS)
    }


def _measure(prepared: Path, work: Path) -> Expected:
    """Run the sync uninterrupted in a copy: how long it takes and where it ends."""
    root = work / "uninterrupted"
    shutil.copytree(prepared, root, symlinks=True)
    run = SyncProcess(root)
    code = run.finish()
    duration = time.monotonic() - run.start
    assert code == 0, f"the uninterrupted sync failed ({code}):\n{run.stderr}\n{run.stdout}"
    fork = _fork(root)
    lock = _read_lock(root)
    assert lock is not None and lock["version"] == "1.1", lock
    assert lock["fork"] == _rev(fork, "HEAD")
    assert not (fork / ".git" / "MERGE_HEAD").exists()
    merging = [at for at, text in run.lines if MERGING.search(text)]
    parents = _run_git(fork, "rev-list", "--parents", "-n1", "HEAD").stdout.split()[1:]
    return Expected(
        duration=duration,
        merging_at=merging[0] if merging else 0.8 * duration,
        merging_seen=bool(merging),
        lock={k: v for k, v in lock.items() if k != "fork"},
        refs=_stable_refs(fork),
        tree=_rev(fork, "HEAD^{tree}") or "",
        parents=parents,
        wheel=_shim_wheel(root),
        listing=_definition_listing(root),
    )


def _plan(expected: Expected) -> list[KillPoint]:
    total = expected.duration
    window = max(total - expected.merging_at, 0.05) * 1.1
    rng = random.Random(SEED)
    timings = [("start", total * (i + 0.5) / EVEN_POINTS) for i in range(EVEN_POINTS)]
    timings += [("merging", window * i / MERGE_POINTS) for i in range(MERGE_POINTS)]
    timings += [(event, offset) for event in EVENTS for offset in EVENT_OFFSETS]
    timings += [("start", rng.uniform(0, total)) for _ in range(RANDOM_POINTS // 2)]
    timings += [
        ("merging", rng.uniform(0, window)) for _ in range(RANDOM_POINTS - RANDOM_POINTS // 2)
    ]
    points = []
    for index, (anchor, delay) in enumerate(timings):
        if anchor == "merging" and not expected.merging_seen:  # no progress line to anchor on
            anchor, delay = "start", expected.merging_at + delay
        sig, group = MODES[index % len(MODES)]
        points.append(KillPoint(index, anchor, delay, sig, group))
    return points


# -- the checks ---------------------------------------------------------------------------------


def _lock_agrees(fork: Path, lock: dict[str, str]) -> list[str]:
    problems = []
    for key in ("vendor", "transformed", "fork"):
        if _rev(fork, f"{lock.get(key, '')}^{{commit}}") is None:
            problems.append(f"lock {key} {lock.get(key, '')[:12]} is not a commit in the fork")
    if problems:
        return problems
    head = _rev(fork, "HEAD")
    if head is None or _run_git(fork, "merge-base", "--is-ancestor", lock["fork"], head).returncode:
        problems.append(f"lock fork {lock['fork'][:12]} is not an ancestor of HEAD")
    tag = _rev(fork, f"refs/tags/upstream/{NAME}/{lock['version']}")
    if tag != lock["vendor"]:
        problems.append(f"tag upstream/{NAME}/{lock['version']} is {tag}, lock vendor is not")
    branch = _rev(fork, f"refs/heads/transformed/{NAME}")
    if (
        branch is None
        or _run_git(fork, "merge-base", "--is-ancestor", lock["transformed"], branch).returncode
    ):
        problems.append(f"lock transformed {lock['transformed'][:12]} is not on transformed/{NAME}")
    return problems


def _describe(root: Path, before: Before) -> str:
    """What a kill left, in a few words, for the report."""
    fork = _fork(root)
    git_dir = fork / ".git"
    head = _rev(fork, "HEAD")
    if head == before.head:
        where = "HEAD unchanged"
    elif head and _rev(fork, f"{head}^2") == _rev(fork, f"refs/heads/transformed/{NAME}"):
        where = f"HEAD moved to the merge commit {head[:12]}"
    else:
        where = f"HEAD moved to {head[:12] if head else None}"
    lock = _read_lock(root)
    lock_text = _lock_path(root).read_text() if _lock_path(root).exists() else ""
    lock_state = (
        "lock unchanged"
        if lock_text == before.lock_text
        else f"lock at {lock['version']}"
        if lock
        else "lock missing or unreadable"
    )
    now, then = _refs(fork), before_refs(before)
    moved = sorted(
        ref
        for ref in set(now) | set(then)
        if not ref.startswith(CACHE_REFS) and now.get(ref) != then.get(ref)
    )
    status = _status(fork)
    parts = [
        where,
        lock_state,
        f"MERGE_HEAD {'present' if (git_dir / 'MERGE_HEAD').exists() else 'absent'}",
        f"pending record {'present' if _pending_path(root).exists() else 'absent'}",
        f"refs moved: {', '.join(moved) or 'none'}",
        f"work tree: {len(status)} changed paths"
        + (f" (e.g. {'; '.join(s.strip() for s in status[:3])})" if status else ""),
        f"git lock files: {', '.join(_git_locks(fork)) or 'none'}",
    ]
    return "; ".join(parts)


def before_refs(before: Before) -> dict[str, str]:
    lines = str(before.snapshot.get("refs", "")).splitlines()
    return dict(line.split(" ", 1) for line in lines if line)


def _classify(root: Path, before: Before) -> tuple[str, list[str]]:
    """Which allowed state a kill left (see the module docstring) and what is wrong."""
    fork = _fork(root)
    git_dir = fork / ".git"
    lock = _read_lock(root)
    lock_text = _lock_path(root).read_text() if _lock_path(root).exists() else ""
    merge_head = (git_dir / "MERGE_HEAD").exists()
    pending = _pending_path(root).exists()
    problems = _fsck(fork)
    if lock is None:
        return "inconsistent", [*problems, "the lock file is missing or unreadable"]
    problems += _lock_agrees(fork, lock)
    try:
        same = _visible_snapshot(fork) == before.snapshot
    except AssertionError as exc:  # git could not even list the repository
        return "inconsistent", [*problems, f"cannot snapshot the fork: {exc}"]
    if same and lock_text == before.lock_text and not pending:
        return "before", problems
    record = _read_pending(root) if pending else {}
    if pending and record is None:
        return "inconsistent", [*problems, "the pending record is not valid JSON (torn write?)"]
    assert record is not None
    head = _rev(fork, "HEAD")
    merging = (git_dir / "MERGE_HEAD").read_text().split()[0] if merge_head else None
    if pending and merge_head and head == record.get("fork_before"):
        if record.get("transformed") != merging:
            problems.append("the pending record does not name MERGE_HEAD as its transformed commit")
        if lock_text != before.lock_text:
            problems.append("the lock file changed although the merge is not concluded")
        return "merge", problems
    if pending:
        if lock_text != before.lock_text and lock.get("version") != record.get("version"):
            problems.append("the lock file changed to neither the old nor the new release")
        transformed = str(record.get("transformed") or "")
        committed = (
            bool(head and transformed)
            and not _run_git(fork, "merge-base", "--is-ancestor", transformed, str(head)).returncode
        )
        if head != record.get("fork_before") and not committed:
            problems.append(
                f"HEAD {str(head)[:12]} is neither the fork commit before the sync nor a commit"
                " containing the transformed commit of the pending record"
            )
        if merging and merging != transformed:
            problems.append("MERGE_HEAD is not the transformed commit of the pending record")
        return "interrupted", problems
    refs = _refs(fork)
    complete = (
        lock["version"] == "1.1"
        and not merge_head
        and lock["fork"] == refs.get("refs/heads/main")
        and lock["fork"] == _rev(fork, "HEAD")
        and lock["transformed"] == refs.get(f"refs/heads/transformed/{NAME}")
        and lock["vendor"] == refs.get(f"refs/tags/upstream/{NAME}/1.1")
        and not _status(fork)
    )
    if complete:
        return "completed", problems
    return "inconsistent", [
        *problems,
        f"neither before, merge, interrupted nor completed: {_describe(root, before)}",
    ]


def _check_rerun(root: Path, expected: Expected) -> list[str]:
    """Rerun the same command; it must end where the uninterrupted run ended."""
    run = SyncProcess(root)
    code = run.finish()
    partial = re.findall(r"(\S+) \(a first part of forktool's version\)", run.stderr)
    if code == 2 and partial:  # a write the kill cut short, kept and named: the user drops
        _discard(_fork(root), partial)  # it, as the message offers, and syncs again
        run = SyncProcess(root)
        code = run.finish()
    if code != 0:
        tail = "; ".join((run.stderr + "\n" + run.stdout).strip().splitlines()[-3:])
        return [f"rerun exited {code}: {tail}"]
    fork = _fork(root)
    problems = []
    lock = _read_lock(root)
    if lock is None:
        return ["after the rerun the lock file is missing or unreadable"]
    if {k: v for k, v in lock.items() if k != "fork"} != expected.lock:
        problems.append(f"rerun lock differs: {lock} vs {expected.lock}")
    head = _rev(fork, "HEAD")
    if lock["fork"] != head:
        problems.append(f"rerun lock fork {lock['fork'][:12]} is not HEAD {str(head)[:12]}")
    if _run_git(fork, "symbolic-ref", "HEAD").stdout.strip() != "refs/heads/main":
        problems.append("after the rerun HEAD is not the main branch")
    if _rev(fork, "HEAD^{tree}") != expected.tree:
        problems.append("after the rerun the fork tree differs from the uninterrupted run")
    parents = _run_git(fork, "rev-list", "--parents", "-n1", "HEAD").stdout.split()[1:]
    if parents != expected.parents:
        problems.append(f"after the rerun HEAD's parents are {parents}, not {expected.parents}")
    refs = _stable_refs(fork)
    if refs != expected.refs:
        differ = sorted(
            r for r in set(refs) | set(expected.refs) if refs.get(r) != expected.refs.get(r)
        )
        problems.append(f"after the rerun these refs differ: {', '.join(differ)}")
    status = _status(fork)
    if status:
        problems.append(f"after the rerun the work tree is not clean: {'; '.join(status[:3])}")
    if (fork / ".git" / "MERGE_HEAD").exists():
        problems.append("after the rerun MERGE_HEAD is still there")
    if _pending_path(root).exists():
        problems.append("after the rerun the pending record is still there")
    locks = _git_locks(fork)
    if locks:
        problems.append(f"after the rerun git lock files remain: {', '.join(locks)}")
    problems += [f"after the rerun: {p}" for p in _fsck(fork)]
    if _shim_wheel(root) != expected.wheel:
        problems.append("after the rerun the 1.1 shim wheel is missing or differs")
    listing = _definition_listing(root)
    if listing != expected.listing:
        extra, missing = sorted(listing - expected.listing), sorted(expected.listing - listing)
        problems.append(
            "after the rerun the definition's files differ from the uninterrupted run:"
            f" extra {', '.join(extra[:5]) or 'none'}; missing {', '.join(missing[:5]) or 'none'}"
        )
    return problems


def _discard(fork: Path, paths: list[str]) -> None:
    """What a user does with files a killed sync left half-written: back to the fork's."""
    for path in paths:
        if _run_git(fork, "cat-file", "-e", f"HEAD:{path}").returncode == 0:
            _run_git(fork, "checkout", "HEAD", "--", path)
        else:
            (fork / path).unlink()


def _event_seen(event: str, root: Path, before: Before) -> bool:
    git_dir = _fork(root) / ".git"
    try:
        if event == "pending record written":
            return _pending_path(root).exists()
        if event == "MERGE_HEAD written":
            return (git_dir / "MERGE_HEAD").exists()
        if event == "main moved":
            return (git_dir / "refs" / "heads" / "main").read_text().strip() != before.head
        return _lock_path(root).read_text() != before.lock_text
    except OSError:
        return False


def _wait_for_event(run: SyncProcess, event: str, root: Path, before: Before) -> bool:
    """Poll until ``event`` is seen (True) or the sync ends without it (False)."""
    deadline = time.monotonic() + RUN_TIMEOUT
    while run.proc.poll() is None and time.monotonic() < deadline:
        if _event_seen(event, root, before):
            return True
        time.sleep(0.001)
    return _event_seen(event, root, before)


def _run_point(
    point: KillPoint, prepared: Path, work: Path, before: Before, expected: Expected
) -> KillPoint:
    root = work / f"kill-{point.index:02d}"
    shutil.copytree(prepared, root, symlinks=True)
    run = SyncProcess(root)
    if point.anchor == "merging":
        run.anchor.wait(timeout=RUN_TIMEOUT)
        base = time.monotonic()
    elif point.anchor in EVENTS:
        if not _wait_for_event(run, point.anchor, root, before):
            point.notes.append(f"the event '{point.anchor}' never happened")
        base = time.monotonic()
    else:
        base = run.start
    time.sleep(max(0.0, base + point.delay - time.monotonic()))
    point.finished_first = run.proc.poll() is not None
    point.killed_at = time.monotonic() - run.start
    if not point.finished_first:
        with contextlib.suppress(ProcessLookupError):
            if point.group:
                os.killpg(run.proc.pid, point.sig)
            else:
                os.kill(run.proc.pid, point.sig)
    run.finish()
    point.phase = (
        "finished before the kill" if point.finished_first else run.phase_at(point.killed_at)
    )
    point.state, problems = _classify(root, before)
    locks = _git_locks(_fork(root))
    if locks:
        point.notes.append(f"git lock files after the kill: {', '.join(locks)}")
    if point.state != "before":
        point.notes.append(_describe(root, before))
    point.problems += [f"after the kill: {p}" for p in problems]
    point.problems += _check_rerun(root, expected)
    if not point.problems:
        shutil.rmtree(root, ignore_errors=True)
    else:
        point.notes.append(f"left for inspection: {root}")
    return point


def test_sync_killed_anywhere_is_consistent_and_rerun_finishes(tmp_path: Path) -> None:
    started = time.monotonic()
    prepared = _prepare(tmp_path)
    fork = _fork(prepared)
    before = Before(
        snapshot=_visible_snapshot(fork),
        lock_text=_lock_path(prepared).read_text(),
        head=_rev(fork, "HEAD") or "",
    )
    expected = _measure(prepared, tmp_path)
    points = _plan(expected)
    print(
        f"\nuninterrupted sync: {expected.duration:.2f}s, 'merging' at {expected.merging_at:.2f}s;"
        f" {len(points)} kill points, {WORKERS} at a time"
    )
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        done = list(pool.map(lambda p: _run_point(p, prepared, tmp_path, before, expected), points))

    states: dict[str, int] = {}
    for point in done:
        states[point.state] = states.get(point.state, 0) + 1
        verdict = "ok" if not point.problems else "FAIL"
        print(f"{verdict:4} {point.label} -> {point.state}")
    failed = [point for point in done if point.problems]
    runs = 1 + 2 * len(done)
    signals = {s.name: sum(1 for p in done if p.sig == s) for s in {p.sig for p in done}}
    summary = (
        f"{len(done)} kill points ({', '.join(f'{n} {s}' for s, n in sorted(signals.items()))}),"
        f" {runs} sync runs, {time.monotonic() - started:.0f}s; states after the kill: "
        + ", ".join(f"{n} {s}" for s, n in sorted(states.items()))
        + f"; {len(failed)} kill points left something inconsistent"
    )
    report = [summary]
    for point in failed:
        report.append(f"\n{point.label} -> {point.state}")
        report += [f"    {p}" for p in point.problems]
        report += [f"    ({n})" for n in point.notes]
    print("\n".join(report))
    assert not failed, "\n".join(report)
