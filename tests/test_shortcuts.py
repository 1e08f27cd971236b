"""Every incremental shortcut gives the results of the full work: the same tree ids, commit
ids, leftover report and series health with and without ``FORKTOOL_NO_SHORTCUTS=1``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
import tomlkit

from forktool import perf
from forktool.git.repository import GitRepo
from forktool.git.trees import tree_objects
from forktool.model import FileEntry, PatchKind, PatchStatus
from forktool.patches import apply
from forktool.patches.memo import CodemodMemo
from forktool.patches.series import PatchFile, Series
from forktool.records import state
from forktool.shims import planning
from tests.conftest import CORE_V1, PYPROJECT
from tests.helpers import git, git_init, run_cli, write_definition
from tests.indexserver import IndexServer

# -- trees built from a base ---------------------------------------------------------------


def _repo(tmp_path: Path) -> GitRepo:
    return GitRepo(git_init(tmp_path / "repo"))


def _tree(
    files: dict[str, str],
    executable: frozenset[str] = frozenset(),
    links: frozenset[str] = frozenset(),
) -> dict[str, FileEntry]:
    return {
        path: FileEntry(text.encode(), executable=path in executable, symlink=path in links)
        for path, text in files.items()
    }


BASE = {
    "a.txt": "a\n",
    "dir/b.py": "b = 1\n",
    "dir/sub/c.py": "c = 1\n",
    "gone/only.txt": "x\n",
    "file_then_dir": "was a file\n",
    "link": "a.txt",
}
#: BASE with a change of each kind: content, mode, symlink target, a file removed with
#: its directory, a file that becomes a directory, a directory that becomes a file, a new
#: file in a new directory.
CHANGED = {
    "a.txt": "a, changed\n",
    "dir/b.py": "b = 1\n",
    "dir/sub": "now a file\n",
    "file_then_dir/inside.txt": "now a directory\n",
    "link": "dir/b.py",
    "new/deep/d.txt": "d\n",
}


def _whole_id(tmp_path: Path, tree: dict[str, FileEntry], name: str) -> str:
    """The tree id written the old way (every file into an index, ``write-tree``), in a
    repository of its own."""
    other = GitRepo(git_init(tmp_path / name))
    return other._write_whole(tree)


def test_computed_tree_ids_are_git_s(tmp_path: Path) -> None:
    tricky = {
        **BASE,
        "a-b": "sorts before a/ but after a.txt as a file\n",
        "a/inner.txt": "a directory named a\n",
        "a.b/x": "x\n",
        "ünïcode/名前.txt": "utf-8 names\n",
        "name with space and\ttab": "!\n",
    }
    tree = _tree(tricky, frozenset({"dir/b.py"}), frozenset({"link"}))
    objects = tree_objects(tree)
    repo = _repo(tmp_path)
    assert repo.write_tree(tree) == objects[-1].id == _whole_id(tmp_path, tree, "whole")
    for item in objects:  # every tree object is there, as computed
        assert git(repo.path, "cat-file", "-t", item.id) == "tree"


def test_a_tree_beside_one_stored_writes_what_it_lacks(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    base = _tree(BASE, links=frozenset({"link"}))
    repo.write_tree(base)
    variants = {
        "all kinds": _tree(CHANGED, frozenset({"dir/b.py"}), frozenset({"link"})),
        "content": {**base, "a.txt": FileEntry(b"other\n")},
        "mode": {**base, "a.txt": FileEntry(b"a\n", executable=True)},
        "removed": {k: v for k, v in base.items() if k != "gone/only.txt"},
        "file to dir": {
            **{k: v for k, v in base.items() if k != "file_then_dir"},
            "file_then_dir/x": FileEntry(b"x\n"),
        },
        "dir to file": {
            **{k: v for k, v in base.items() if not k.startswith("dir/")},
            "dir": FileEntry(b"file\n"),
        },
        "empty": {},
    }
    for number, (what, tree) in enumerate(variants.items()):
        assert repo.write_tree(tree) == _whole_id(tmp_path, tree, f"whole{number}"), what
    assert repo.write_tree(base) == _whole_id(tmp_path, base, "again")


def test_a_path_both_file_and_directory_is_written_as_before(tmp_path: Path) -> None:
    """No tree has one (archives and git refuse them); if one came, git's index decides."""
    repo = _repo(tmp_path)
    tree = {"a": FileEntry(b"file\n"), "a/b": FileEntry(b"below a file\n")}
    assert repo.write_tree(tree) == _whole_id(tmp_path, tree, "whole")


def test_without_shortcuts_the_old_way_is_taken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(perf.NO_SHORTCUTS_ENV, "1")
    assert not perf.shortcuts()
    repo = _repo(tmp_path)
    tree = _tree(CHANGED)
    assert repo.write_tree(tree) == tree_objects(tree)[-1].id
    monkeypatch.setenv(perf.NO_SHORTCUTS_ENV, "0")
    assert perf.shortcuts()


# -- codemod patch memo ----------------------------------------------------------------------

ADD_METHOD = """\
from forktool.patchapi import AddMethod

patch = AddMethod(
    "pkg/app.py",
    class_name="App",
    method='''
        def health(self):
            return "ok"
    ''',
)
"""


def _series(directory: Path, *files: tuple[str, str]) -> Series:
    directory.mkdir(parents=True, exist_ok=True)
    patches = []
    for name, text in files:
        (directory / name).write_text(text)
        patches.append(PatchFile(name, PatchKind.CODEMOD, directory / name, text.encode()))
    return Series(directory, tuple(patches))


def test_codemod_memo_gives_what_running_the_patch_gives(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    series = _series(tmp_path / "patches", ("health.py", ADD_METHOD))
    tree = {"pkg/app.py": FileEntry(b"class App:\n    name = 'a'\n")}
    memo = CodemodMemo(tmp_path / "memo.sqlite3")
    ran = apply.apply_series(repo, tree, series, memo=memo)
    remembered = apply.apply_series(repo, tree, series, memo=memo)
    plain = apply.apply_series(repo, tree, series)
    assert ran.health == remembered.health == plain.health
    assert ran.health[0].status == PatchStatus.CLEAN
    assert ran.tree == remembered.tree == plain.tree
    assert b"def health(self)" in remembered.tree["pkg/app.py"].data
    # no match: remembered as such
    other = {"pkg/other.py": FileEntry(b"x = 1\n")}
    assert (
        apply.apply_series(repo, other, series, memo=memo).health
        == apply.apply_series(repo, other, series, memo=memo).health
        == apply.apply_series(repo, other, series).health
    )
    memo.close()


def test_codemod_memo_key_follows_the_patch_its_neighbours_and_the_tree(tmp_path: Path) -> None:
    directory = tmp_path / "patches"
    series = _series(directory, ("health.py", ADD_METHOD))
    memo = CodemodMemo(tmp_path / "memo.sqlite3")
    tree = {"pkg/app.py": FileEntry(b"class App:\n    pass\n")}
    key = memo.key(series.patches[0], tree)
    assert key is not None and key == memo.key(series.patches[0], dict(tree))
    other_tree = {**tree, "pkg/more.py": FileEntry(b"")}
    assert memo.key(series.patches[0], other_tree) != key
    changed = PatchFile("health.py", PatchKind.CODEMOD, directory / "health.py", b"# other\n")
    assert memo.key(changed, tree) != key
    (directory / "helper.py").write_text("VALUE = 2\n")  # a module beside it changed
    assert CodemodMemo(tmp_path / "memo.sqlite3").key(series.patches[0], tree) != key
    memo.close()


def test_a_failing_codemod_patch_is_run_again(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    broken = "raise RuntimeError('not today')\n"
    series = _series(tmp_path / "patches", ("broken.py", broken))
    tree = {"pkg/app.py": FileEntry(b"class App:\n    pass\n")}
    memo = CodemodMemo(tmp_path / "memo.sqlite3")
    first = apply.apply_series(repo, tree, series, memo=memo)
    assert first.health[0].status == PatchStatus.ERROR
    key = memo.key(series.patches[0], tree)
    assert key is not None and memo.get(key, series.patches[0]) is None
    memo.close()


def test_a_damaged_memo_is_no_memo(tmp_path: Path) -> None:
    path = tmp_path / "memo.sqlite3"
    path.write_bytes(b"not a database at all" * 100)
    repo = _repo(tmp_path)
    series = _series(tmp_path / "patches", ("health.py", ADD_METHOD))
    tree = {"pkg/app.py": FileEntry(b"class App:\n    pass\n")}
    memo = CodemodMemo(path)
    result = apply.apply_series(repo, tree, series, memo=memo)
    assert result.health[0].status == PatchStatus.CLEAN
    assert apply.apply_series(repo, tree, series, memo=memo).health == result.health
    memo.close()


# -- whole syncs, with and without shortcuts --------------------------------------------------

HELPERS = "def upper(text):\n    return text.upper()\n\n\nclass Helper:\n    name = 'h'\n"
CODEMOD = ADD_METHOD.replace("pkg/app.py", "src/ourpkg/helpers.py").replace("App", "Helper")
DIFF_TARGET = "README.txt"


def _files(version: str, greeting: str, extra: int) -> dict[str, bytes | str]:
    files: dict[str, bytes | str] = {
        "pyproject.toml": textwrap.dedent(PYPROJECT.format(version=version)),
        "PKG-INFO": f"Metadata-Version: 2.1\nName: MyPkg\nVersion: {version}\n",
        "README.txt": "mypkg: greetings\nline two\n",
        "src/mypkg/__init__.py": "from mypkg.core import greet\n",
        "src/mypkg/helpers.py": HELPERS,
        "src/mypkg/core.py": textwrap.dedent(CORE_V1).replace('"hello "', greeting),
        "docs/usage.txt": "import mypkg\nmypkg.greet('you')\n",
    }
    for number in range(extra):  # unchanged files, for the trees to be built on
        files[f"src/mypkg/extra/m{number}.py"] = f"import mypkg\n\nVALUE = {number}\n"
    return files


@pytest.fixture
def releases(index_server: IndexServer) -> IndexServer:
    index_server.add_release("mypkg", "1.0", _files("1.0", '"hello "', 12))
    index_server.add_release(
        "mypkg", "1.1", _files("1.1", '"Hello, "', 12), date="2024-02-01T00:00:00Z"
    )
    later = _files("1.2", '"Hi, "', 9)  # three files gone
    later["src/mypkg/new/thing.py"] = "from mypkg import core\n"
    later["src/mypkg/extra/m1.py"] = "import mypkg.core\n"
    index_server.add_release("mypkg", "1.2", later, date="2024-03-01T00:00:00Z")
    return index_server


def _definition(root: Path, server: IndexServer) -> Path:
    write_definition(
        root,
        "mypkg",
        f'type = "pypi"\nproject = "mypkg"\nindex = "{server.url}"',
        extra='\n[rename.distributions]\nMyPkg = "OurPkg"\n',
    )
    patches = root / "patches" / "mypkg"
    (patches / "hello.py").write_text(CODEMOD)
    (patches / "series").write_text("hello.py\n")
    return root


def _outcome(root: Path, results: list[dict[str, object]]) -> dict[str, object]:
    fork = root / "forks" / "mypkg"
    state_dir = fork / ".git" / "forktool"
    lock = tomlkit.parse((root / "upstream" / "mypkg.lock").read_text()).unwrap()
    lock.pop("fork")  # a merge commit carries the time it was made
    return {
        "results": [
            {k: v for k, v in item.items() if k not in ("fork", "fork_repository", "shim")}
            for item in results
        ],
        "vendor": git(fork, "rev-parse", "vendor/mypkg"),
        "transformed": git(fork, "rev-parse", "transformed/mypkg"),
        "transformed log": git(fork, "log", "--format=%H %T", "transformed/mypkg"),
        "fork tree": git(fork, "rev-parse", "HEAD^{tree}"),
        "lock": lock,
        "leftovers": json.loads((state_dir / "mypkg.leftovers.json").read_text()),
        "health": json.loads((state_dir / "mypkg.series.json").read_text()),
        "shim": {
            path.relative_to(root).as_posix(): path.read_bytes()
            for path in sorted((root / "forks" / "mypkg.shim").rglob("*"))
            if path.is_file()
        },
    }


def _sync_all(root: Path, *versions: str) -> list[dict[str, object]]:
    found = []
    for version in versions:
        result = run_cli(root, "sync", "--to", version, "--json")
        assert result.exit_code == 0, result.output
        found.extend(json.loads(result.output)["results"])
    return found


def test_syncs_are_the_same_with_and_without_shortcuts(
    tmp_path: Path, releases: IndexServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = _definition(tmp_path / "fast", releases)
    slow = _definition(tmp_path / "slow", releases)
    # the shim's modules are known by their stat at once, not 2 s after they changed
    monkeypatch.setattr(planning, "_SETTLED_NS", 0)
    fast_results = _sync_all(fast, "1.0", "1.1", "1.2")
    memo = json.loads(state.stub_memo_path(GitRepo(fast / "forks" / "mypkg")).read_text())
    assert len(memo["module_keys"]) > 10  # used by the 1.2 sync
    monkeypatch.setenv(perf.NO_SHORTCUTS_ENV, "1")
    slow_results = _sync_all(slow, "1.0", "1.1", "1.2")
    assert _outcome(fast, fast_results) == _outcome(slow, slow_results)
    fork = fast / "forks" / "mypkg"
    assert "def health(self)" in (fork / "src/ourpkg/helpers.py").read_text()
    assert not (fork / "src/ourpkg/extra/m10.py").exists()
    assert (fork / "src/ourpkg/new/thing.py").read_text() == "from ourpkg import core\n"


def test_check_and_replay_are_the_same_with_and_without_shortcuts(
    tmp_path: Path, releases: IndexServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _definition(tmp_path / "def", releases)
    _sync_all(root, "1.0")
    commands = [("check", "--to", "1.2", "--json"), ("patch", "replay", "--json")]
    fast = [run_cli(root, *command) for command in commands * 2]  # the memo filled, then used
    monkeypatch.setenv(perf.NO_SHORTCUTS_ENV, "1")
    slow = [run_cli(root, *command) for command in commands]
    assert [r.output for r in fast[:2]] == [r.output for r in fast[2:]] == [r.output for r in slow]
    assert fast[1].exit_code == 0 and json.loads(fast[1].output)["releases"]
    memo = state.codemod_memo_path(GitRepo(root / "forks" / "mypkg"))
    assert memo.is_file()


# -- the small pieces ------------------------------------------------------------------------


def test_leftover_lines_read_back_as_json(tmp_path: Path) -> None:
    data = {
        "schema": 1,
        "leftovers": [{"path": "a", "line": 1, "text": 'x "leftovers": [] y'}, {"path": "b"}],
        "failures": {"leftovers": "odd name"},
    }
    state.write_json(tmp_path / "lines.json", data, lines="leftovers")
    state.write_json(tmp_path / "plain.json", data)
    assert json.loads((tmp_path / "lines.json").read_text()) == data
    assert json.loads((tmp_path / "plain.json").read_text()) == data
    empty = {**data, "leftovers": []}
    state.write_json(tmp_path / "empty.json", empty, lines="leftovers")
    assert json.loads((tmp_path / "empty.json").read_text()) == empty


def test_step_lines_read_back() -> None:
    steps = [perf.Step("read the sdist", 0, 1.25, 1.0), perf.Step("write it", 2, 0.5, 0.25)]
    lines = perf.format_steps(steps)
    assert [perf.parse_line(line) for line in lines] == steps
    assert perf.parse_line("something else") is None
    own, child = perf.peak_memory_kib()
    assert perf.parse_memory_line(perf.memory_line()) is not None and own > 0 and child >= 0


def test_timings_are_printed_when_asked(tmp_path: Path, releases: IndexServer) -> None:
    root = _definition(tmp_path / "def", releases)
    command = [sys.executable, "-m", "forktool", "--root", str(root), "sync", "--to", "1.0"]
    env = dict(os.environ, **{perf.TIMINGS_ENV: "1"})
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr
    names = [step.name for step in map(perf.parse_line, done.stderr.splitlines()) if step]
    assert "read the sdist" in names and "wait for the vendor blobs" in names
    assert names[0] == "start-up: Python imports" and names[-1] == "the whole command"
    assert any(perf.parse_memory_line(line) for line in done.stderr.splitlines())
    quiet = subprocess.run(command, capture_output=True, text=True, check=False)
    assert perf.PREFIX not in quiet.stderr


# -- background writes, the workers' map, the stub memo --------------------------------------


def test_a_tree_written_in_the_background_is_the_same_tree(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    tree = _tree(CHANGED, frozenset({"dir/b.py"}), frozenset({"link"}))
    pending = repo.start_tree(tree)
    assert pending.id == tree_objects(tree)[-1].id
    assert git(repo.path, "cat-file", "-t", pending.id) == "tree"  # the root at once
    pending.finish()
    pending.finish()  # a second call has nothing to wait for
    assert pending.id == _whole_id(tmp_path, tree, "whole")
    listed = git(repo.path, "ls-tree", "-r", "--name-only", pending.id).splitlines()
    assert sorted(listed) == sorted(tree)
    assert git(repo.path, "cat-file", "-p", f"{pending.id}:a.txt") == "a, changed"


def test_an_abandoned_background_write_is_completed_by_the_next(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    big = {f"d{n}/f{m}.txt": f"{n} {m}\n" * 50 for n in range(30) for m in range(10)}
    tree = _tree(big)
    pending = repo.start_tree(tree)
    pending.abandon()  # killed, perhaps halfway: some objects may be missing
    again = GitRepo(repo.path).write_tree(tree)
    assert again == pending.id
    assert git(repo.path, "fsck", "--connectivity-only", "--no-dangling") == ""
    git(repo.path, "update-ref", "refs/heads/check", git_commit(repo, again))
    assert git(repo.path, "fsck", "--connectivity-only", "--no-dangling") == ""


def git_commit(repo: GitRepo, tree_id: str) -> str:
    return repo.commit_tree(tree_id, [], "check\n", None)


def _lengths(data: bytes, path: str) -> list[str]:
    return [path, str(len(data))]


def test_map_in_workers_gives_what_a_loop_gives() -> None:
    from forktool.transform import pool

    files = [(bytes([n % 256]) * (20_000 + n), f"f{n}") for n in range(60)]  # over the pool's bar
    expected = [_lengths(data, path) for data, path in files]
    assert pool.map_in_workers(_lengths, files, 2) == expected
    assert pool.map_in_workers(_lengths, files, 1) == expected
    assert pool.map_in_workers(_lengths, files[:1], 2) == expected[:1]


def test_the_stub_memo_filled_at_once_is_the_memo_filled_one_by_one() -> None:
    from forktool.shims import stubs

    modules = [
        (b"_a = 1\ndef _f(): pass\nclass Public: pass\n", "pkg/a.py"),
        (b"if TYPE_CHECKING:\n    _t = 1\n", "pkg/b.py"),
        (b"not python (", "pkg/c.py"),
        (b"_a = 1\ndef _f(): pass\nclass Public: pass\n", "pkg/a.py"),  # the same again
    ]
    at_once: dict[str, list[str]] = {}
    calls: list[int] = []

    def mapper(
        function: Callable[[bytes, str], list[str]], files: Sequence[tuple[bytes, str]]
    ) -> list[list[str]]:
        calls.append(len(files))
        return [function(data, path) for data, path in files]

    stubs.fill_memo(modules, at_once, mapper)
    assert calls == [3]  # each module once
    stubs.fill_memo(modules, at_once, mapper)
    assert calls == [3]  # nothing left to find
    one_by_one: dict[str, list[str]] = {}
    texts = [stubs.stub("pkg", data, path, one_by_one) for data, path in modules]
    assert one_by_one == at_once
    assert texts == [stubs.stub("pkg", data, path, at_once) for data, path in modules]
    assert at_once[stubs.memo_key(*modules[0])] == ["_a", "_f"]


def test_without_room_for_temporary_files_the_tree_is_written_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    repo = _repo(tmp_path)
    tree = _tree(CHANGED, frozenset({"dir/b.py"}), frozenset({"link"}))
    expected = _whole_id(tmp_path, tree, "whole")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "no such directory"))
    pending = repo.start_tree(tree)
    pending.finish()
    assert pending.id == expected
    assert sorted(git(repo.path, "ls-tree", "-r", "--name-only", expected).splitlines()) == sorted(
        tree
    )


def test_the_progress_display_stops_its_thread_while_workers_are_forked() -> None:
    import io
    import threading

    from rich.console import Console
    from rich.progress import Progress

    from forktool.cli.output import _paused
    from forktool.transform import pool

    before = threading.active_count()
    console = Console(file=io.StringIO(), force_terminal=True, width=80)
    with Progress(console=console, transient=False) as bars, perf.pausing(lambda: _paused(bars)):
        bars.add_task("renaming", total=None)
        assert threading.active_count() == before + 1  # rich's refresh thread
        with perf.single_threaded():
            assert threading.active_count() == before
            if before == 1:
                assert pool._start_method() == "fork"
        assert threading.active_count() == before + 1  # running again
    assert "renaming" in console.file.getvalue()  # type: ignore[attr-defined]
    assert not perf._pauses  # the display is gone: nothing left to stop
