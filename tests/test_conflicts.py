"""The conflict report, collected from real syncs that stop: git and PyPI upstreams, every
kind of conflict, a conflicting patch of the series, and provenance on both sides."""

from __future__ import annotations

import textwrap
import weakref
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import git as gitpython
import pytest

from forktool import config as config_mod
from forktool.conflicts import changelog, text
from forktool.conflicts.collect import Commit, ConflictReport, Entry, _warn_security, collect
from forktool.conflicts.render import _md_rich, _spans, to_html, to_json, to_markdown
from forktool.conflicts.share import shareable
from forktool.errors import RepositoryError
from forktool.git.repository import GitRepo
from forktool.upstream.repository import pull_request
from tests.helpers import build_file_tree, git, git_init, git_save, run_cli, write_definition
from tests.indexserver import IndexServer

PYPROJECT = '[project]\nname = "MyPkg"\nversion = "{version}"\n'

CORE = """\
    import mypkg.helpers


    def greet(name):
        return "hello " + name


    def shout(name):
        return mypkg.helpers.upper(greet(name))
    """

SETTINGS = """\
    DEFAULTS = {
        "A": 1,
        "B": 2,
    }
    """

OLD = "def legacy():\n    return 'legacy'\n"


@pytest.fixture(autouse=True)
def close_repositories(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Stop the git processes (``cat-file --batch``) of every repository opened during the
    test when it ends: left to the garbage collector, they are finalised in any order and
    can warn (ResourceWarning) in a later test."""
    opened: weakref.WeakSet[gitpython.Repo] = weakref.WeakSet()
    init = gitpython.Repo.__init__

    def tracked(self: gitpython.Repo, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        opened.add(self)

    monkeypatch.setattr(gitpython.Repo, "__init__", tracked)
    yield
    for repo in list(opened):
        repo.close()


@pytest.fixture
def upstream(tmp_path: Path) -> Path:
    """An upstream with v1.0 and v1.1; between them one commit per change, each named."""
    repo = git_init(tmp_path / "upstream-src")
    build_file_tree(
        repo,
        {
            "pyproject.toml": PYPROJECT.format(version="1.0"),
            "src/mypkg/__init__.py": "",
            "src/mypkg/core.py": CORE,
            "src/mypkg/settings.py": SETTINGS,
            "src/mypkg/helpers.py": "def upper(text):\n    return text.upper()\n",
            "src/mypkg/old.py": OLD,
        },
    )
    git_save(repo, "release 1.0", tag="v1.0")
    edit(repo, "src/mypkg/core.py", '"hello "', '"Hello, "')
    git_save(repo, "greet: capitalise the greeting")
    edit(repo, "src/mypkg/settings.py", '    "B": 2,\n', '    "B": 2,\n    "C": 3,\n')
    git_save(repo, "settings: add C")
    (repo / "src/mypkg/old.py").unlink()
    git_save(repo, "remove the legacy module")
    build_file_tree(repo, {"src/mypkg/extra.py": "UPSTREAM_EXTRA = True\n"})
    git_save(repo, "add extra")
    edit(repo, "src/mypkg/helpers.py", "text.upper()", "str(text).upper()")
    git_save(repo, "helpers: accept any object")
    build_file_tree(repo, {"pyproject.toml": PYPROJECT.format(version="1.1")})
    git_save(repo, "release 1.1", tag="v1.1")
    return repo


def edit(repo: Path, path: str, old: str, new: str) -> None:
    target = repo / path
    text = target.read_text()
    assert old in text, (path, old)
    target.write_text(text.replace(old, new, 1))


@pytest.fixture
def definition(tmp_path: Path, upstream: Path) -> Path:
    return write_definition(tmp_path / "def", "mypkg", f'type = "git"\nurl = "{upstream}"')


def fork_of(definition: Path) -> Path:
    return definition / "forks" / "mypkg"


def load(definition: Path) -> config_mod.UpstreamConfig:
    return config_mod.load(definition, "mypkg")


def conflicting_fork(definition: Path) -> Path:
    """Sync 1.0, then commit fork changes that collide with every upstream change."""
    assert run_cli(definition, "sync", "--to", "1.0").exit_code == 0
    fork = fork_of(definition)
    edit(fork, "src/ourpkg/core.py", '"hello "', '"Hi there, "')
    git(fork, "commit", "-qam", "fork: friendlier greeting")
    edit(fork, "src/ourpkg/settings.py", '    "B": 2,\n', '    "B": 2,\n    "D": 4,\n')
    git(fork, "commit", "-qam", "fork: add D")
    edit(fork, "src/ourpkg/old.py", "'legacy'", "'legacy, kept by the fork'")
    git(fork, "commit", "-qam", "fork: keep the legacy module")
    build_file_tree(fork, {"src/ourpkg/extra.py": "FORK_EXTRA = 'fork'\n"})
    git(fork, "add", "src/ourpkg/extra.py")
    git(fork, "commit", "-qm", "fork: add extra")
    git(fork, "rm", "-q", "src/ourpkg/helpers.py")
    git(fork, "commit", "-qm", "fork: drop helpers")
    return fork


def stopped_sync(
    tmp_path: Path, upstream: Path, fork_change: Callable[[Path], object], message: str = "fork"
) -> Path:
    """Sync release 1.0 of the git ``upstream``, commit ``fork_change`` in the fork, then
    sync 1.1, which stops on conflicts; the definition."""
    definition = write_definition(tmp_path / "def", "mypkg", f'type = "git"\nurl = "{upstream}"')
    assert run_cli(definition, "sync", "--to", "1.0").exit_code == 0
    fork_change(fork_of(definition))
    git(fork_of(definition), "commit", "-qam", message)
    assert run_cli(definition, "sync", "--to", "1.1").exit_code == 1
    return definition


def stopped_report(definition: Path) -> ConflictReport:
    conflicting_fork(definition)
    result = run_cli(definition, "sync", "--to", "1.1")
    assert result.exit_code == 1, result.output
    return collect(load(definition))


def entry(report: ConflictReport, path: str) -> Entry:
    return next(e for e in report.entries if e.path == path)


def subjects(commits: Iterable[Commit]) -> list[str]:
    return [c.subject for c in commits]


def test_content_conflict_names_both_sides_and_their_commits(definition: Path) -> None:
    report = stopped_report(definition)

    assert (report.upstream, report.version, report.previous) == ("mypkg", "1.1", "1.0")
    assert (report.stage, report.source, report.history) == ("merge", "git", "commits")
    core = entry(report, "src/ourpkg/core.py")
    assert (core.kind, core.blocking, core.upstream_path) == ("content", True, "src/mypkg/core.py")
    [hunk] = core.hunks
    assert hunk.base.text == '    return "hello " + name\n'
    assert hunk.fork.text == '    return "Hi there, " + name\n'
    assert hunk.upstream.text == '    return "Hello, " + name\n'
    assert (hunk.base.start, hunk.base.count) == (5, 1)
    assert (hunk.fork.start, hunk.upstream.start) == (5, 5)
    # The working-tree file's <<<<<<< marker line.
    lines = (fork_of(definition) / "src/ourpkg/core.py").read_text().splitlines()
    assert lines[hunk.line - 1].startswith("<<<<<<< ")
    assert subjects(hunk.upstream_commits) == ["greet: capitalise the greeting"]
    assert subjects(hunk.fork_commits) == ["fork: friendlier greeting"]
    commit = hunk.upstream_commits[0]
    assert commit.author == "Up Stream <up@example.org>" and len(commit.id) == 40
    assert "re-apply the fork's line" in hunk.suggestion and "Hi there" in hunk.suggestion
    assert (hunk.kind, hunk.why) == ("same-lines", "both sides changed the same line")
    assert 'drops upstream\'s line `return "Hello, " + name`' in hunk.suggestion
    assert hunk.proposed is None
    assert core.detail == "both sides changed the same line"


def test_both_sides_adding_keys_suggests_keeping_both(definition: Path) -> None:
    report = stopped_report(definition)

    [hunk] = entry(report, "src/ourpkg/settings.py").hunks
    assert (hunk.base.start, hunk.base.count, hunk.base.text) == (4, 0, "")
    assert (hunk.fork.start, hunk.fork.text) == (4, '    "D": 4,\n')
    assert (hunk.upstream.start, hunk.upstream.text) == (4, '    "C": 3,\n')
    assert subjects(hunk.upstream_commits) == ["settings: add C"]
    assert subjects(hunk.fork_commits) == ["fork: add D"]
    assert hunk.suggestion == "keep both: the fork's `D` and upstream's new `C`; drops nothing"
    assert hunk.kind == "adjacent"
    assert hunk.why == "both sides inserted lines at the same place (the fork 1, upstream 1)"
    assert hunk.proposed is None  # which goes first is for a person to say


def test_file_level_conflicts(definition: Path) -> None:
    report = stopped_report(definition)

    old = entry(report, "src/ourpkg/old.py")
    assert (old.kind, old.deleted_by, old.hunks) == ("modify/delete", "upstream", ())
    assert "git rm src/ourpkg/old.py" in old.suggestion
    assert subjects(old.upstream_commits) == ["remove the legacy module"]
    assert subjects(old.fork_commits) == ["fork: keep the legacy module"]

    helpers = entry(report, "src/ourpkg/helpers.py")
    assert (helpers.kind, helpers.deleted_by) == ("modify/delete", "fork")
    assert subjects(helpers.upstream_commits) == ["helpers: accept any object"]
    assert subjects(helpers.fork_commits) == ["fork: drop helpers"]
    assert "git checkout --theirs src/ourpkg/helpers.py" in helpers.suggestion

    extra = entry(report, "src/ourpkg/extra.py")
    assert extra.kind == "add/add"
    [hunk] = extra.hunks
    assert (hunk.base.start, hunk.base.text) == (0, "")
    assert hunk.fork.text == "FORK_EXTRA = 'fork'\n"
    assert hunk.upstream.text == "UPSTREAM_EXTRA = True\n"
    assert subjects(hunk.upstream_commits) == ["add extra"]
    assert subjects(hunk.fork_commits) == ["fork: add extra"]

    assert [e.path for e in report.conflicts] == [
        "src/ourpkg/core.py",
        "src/ourpkg/extra.py",
        "src/ourpkg/helpers.py",
        "src/ourpkg/old.py",
        "src/ourpkg/settings.py",
    ]
    assert "forktool sync mypkg --continue" in report.next_step


def test_hunk_resolved_by_hand_is_still_reported_from_the_index(definition: Path) -> None:
    conflicting_fork(definition)
    assert run_cli(definition, "sync", "--to", "1.1").exit_code == 1
    settings = fork_of(definition) / "src/ourpkg/settings.py"
    settings.write_text(textwrap.dedent(SETTINGS).replace('"B": 2,', '"B": 2,\n    "C": 3,'))

    [hunk] = entry(collect(load(definition)), "src/ourpkg/settings.py").hunks

    assert hunk.line == 0  # no longer shown in the working tree
    assert (hunk.fork.text, hunk.upstream.text) == ('    "D": 4,\n', '    "C": 3,\n')
    report = collect(load(definition))
    assert "no conflict markers left" in entry(report, "src/ourpkg/settings.py").detail


def test_nothing_waiting_is_an_error_with_a_hint(definition: Path) -> None:
    with pytest.raises(RepositoryError, match="does not exist"):
        collect(load(definition))
    assert run_cli(definition, "sync", "--to", "1.0").exit_code == 0
    with pytest.raises(RepositoryError, match="no sync of mypkg is waiting") as caught:
        collect(load(definition))
    assert "forktool leftovers mypkg" in caught.value.hint


def test_renamed_files_map_back_to_upstream_paths(tmp_path: Path) -> None:
    """A rename that changes line counts (a patch adds lines) still finds upstream's lines:
    the upstream side's lines are mapped onto the pristine file before ``git log -L``."""
    repo = git_init(tmp_path / "up")
    body = "class K:\n    pass\n\n\n" + "".join(
        f"def f{i}():\n    return {i}\n\n\n" for i in range(6)
    )
    build_file_tree(repo, {"src/mypkg/__init__.py": "", "src/mypkg/many.py": body})
    git_save(repo, "release 1.0", tag="v1.0")
    edit(repo, "src/mypkg/many.py", "return 4\n", "return 40\n")
    git_save(repo, "f4: forty")
    git_save(repo, "release 1.1", tag="v1.1")
    definition = write_definition(tmp_path / "def", "mypkg", f'type = "git"\nurl = "{repo}"')
    patches = definition / "patches" / "mypkg"
    (patches / "top.py").write_text(
        "from forktool.patchapi import AddMethod\n"  # lines above f4 in the renamed file
        "patch = AddMethod('src/ourpkg/many.py', class_name='K',\n"
        "                  method='def m(self):\\n    x = 1\\n    return x\\n')\n"
    )
    (patches / "series").write_text("top.py\n")
    assert run_cli(definition, "sync", "--to", "1.0").exit_code == 0
    fork = fork_of(definition)
    edit(fork, "src/ourpkg/many.py", "return 4\n", "return 4  # fork\n")
    git(fork, "commit", "-qam", "fork: annotate f4")
    assert run_cli(definition, "sync", "--to", "1.1").exit_code == 1

    report = collect(load(definition))
    [hunk] = entry(report, "src/ourpkg/many.py").hunks

    upstream_file = git(repo, "show", "v1.1:src/mypkg/many.py").splitlines()
    assert hunk.upstream.start > upstream_file.index("    return 40") + 1  # the patch added lines
    assert subjects(hunk.upstream_commits) == ["f4: forty"]
    assert subjects(hunk.fork_commits) == ["fork: annotate f4"]


def test_patch_conflict_is_reported_with_the_patch_as_the_fork_side(definition: Path) -> None:
    assert run_cli(definition, "sync", "--to", "1.0").exit_code == 0
    fork = fork_of(definition)
    edit(fork, "src/ourpkg/core.py", '"hello "', '"Howdy "')
    git(fork, "commit", "-qam", "Greet like a cowboy")
    assert run_cli(definition, "patch", "add", "HEAD").exit_code == 0
    git(fork, "reset", "-q", "--hard", "HEAD~1")  # the change lives in the series only
    stopped = run_cli(definition, "sync", "--to", "1.1")
    assert stopped.exit_code == 1, stopped.output

    report = collect(load(definition))

    assert (report.stage, report.patch) == ("patch", "greet-like-a-cowboy.patch")
    assert report.resolve_in == definition / "forks" / "mypkg.patch-conflict"
    core = entry(report, "src/ourpkg/core.py")
    assert core.kind == "content"
    assert core.patches[0].name == "greet-like-a-cowboy.patch"
    assert "Greet like a cowboy (Up Stream <up@example.org>)" in core.patches[0].detail
    [hunk] = core.hunks
    assert hunk.fork.text == '    return "Howdy " + name\n'
    assert hunk.upstream.text == '    return "Hello, " + name\n'
    assert hunk.base.text == '    return "hello " + name\n'
    assert subjects(hunk.upstream_commits) == ["greet: capitalise the greeting"]
    shown = (report.resolve_in / "src/ourpkg/core.py").read_text().splitlines()
    assert shown[hunk.line - 1].startswith("<<<<<<<")
    assert "forktool patch refresh greet-like-a-cowboy.patch" in report.next_step


def test_patch_troubles_and_untransformed_files_are_warnings(
    definition: Path, upstream: Path
) -> None:
    patches = definition / "patches" / "mypkg"
    (patches / "gone.py").write_text(
        "from forktool.patchapi import ChangeDefault\n"
        "patch = ChangeDefault('src/ourpkg/settings.py', name='NOPE', key='A', value='9')\n"
    )
    (patches / "series").write_text("gone.py\n")
    build_file_tree(upstream, {"src/mypkg/py2.py": 'import mypkg\nprint "old"\n'})
    git_save(upstream, "python 2 file", tag="v1.2")
    conflicting_fork(definition)
    assert run_cli(definition, "sync", "--to", "1.2").exit_code == 1

    report = collect(load(definition))

    warnings = {e.kind: e for e in report.entries if not e.blocking}
    assert warnings["patch-no-match"].patches[0].name == "gone.py"
    assert "forktool patch drop gone.py" in warnings["patch-no-match"].suggestion
    untransformed = warnings["untransformed"]
    assert (untransformed.path, untransformed.upstream_path) == (
        "src/ourpkg/py2.py",
        "src/mypkg/py2.py",
    )
    assert report.entries[-1].blocking is False  # warnings come after the conflicts


# -- a PyPI upstream: no history, the release diff instead -----------------------------------


def sdist(version: str, greeting: str) -> dict[str, bytes | str]:
    return {
        "PKG-INFO": f"Metadata-Version: 2.1\nName: MyPkg\nVersion: {version}\n",
        "pyproject.toml": PYPROJECT.format(version=version),
        "src/mypkg/__init__.py": "",
        "src/mypkg/core.py": textwrap.dedent(CORE).replace('"hello "', greeting),
    }


def pypi_greeting_conflict(tmp_path: Path, index: IndexServer, extra: str = "") -> ConflictReport:
    """Sync 1.0 of the PyPI upstream ``mypkg`` on ``index`` (``extra``: more [source]
    lines), change the greeting in the fork, then stop syncing 1.1 on it: the report."""
    source = f'type = "pypi"\nproject = "mypkg"\nindex = "{index.url}"\n{extra}'
    definition = write_definition(tmp_path / "def", "mypkg", source)
    assert run_cli(definition, "sync", "--to", "1.0").exit_code == 0
    fork = fork_of(definition)
    edit(fork, "src/ourpkg/core.py", '"hello "', '"Hi there, "')
    git(fork, "commit", "-qam", "fork: friendlier greeting")
    assert run_cli(definition, "sync", "--to", "1.1").exit_code == 1
    return collect(load(definition))


def test_pypi_upstream_gives_the_release_diff(tmp_path: Path, index_server: IndexServer) -> None:
    index_server.add_release("mypkg", "1.0", sdist("1.0", '"hello "'))
    index_server.add_release("mypkg", "1.1", sdist("1.1", '"Hello, "'))
    report = pypi_greeting_conflict(tmp_path, index_server)

    assert (report.source, report.history) == ("pypi", "release-diff")
    [hunk] = entry(report, "src/ourpkg/core.py").hunks
    assert hunk.upstream_commits == ()
    [change] = hunk.upstream_changes
    assert change.startswith("@@ -5 +5 @@")
    assert '-    return "hello " + name\n+    return "Hello, " + name\n' in change
    assert subjects(hunk.fork_commits) == ["fork: friendlier greeting"]


# -- the text logic, with plain strings ---------------------------------------------------


def test_parse_blocks_finds_each_side_and_its_lines() -> None:
    merged = (
        "a\n<<<<<<< HEAD\nfork\n||||||| base\nold\n=======\nnew\nnew2\n>>>>>>> x\nz\n"
        "<<<<<<< HEAD\n||||||| base\n=======\nadded\n>>>>>>> x\n"
    )
    parsed = text.parse_blocks(merged, "fork", "upstream")
    assert [b.line for b in parsed.blocks] == [2, 11]
    assert parsed.blocks[0].texts == {
        "fork": ["fork\n"],
        "base": ["old\n"],
        "upstream": ["new\n", "new2\n"],
    }
    # "upstream" gained a line before "z" elsewhere: the alignment still finds the block.
    assert parsed.locate("upstream", "a\nnew\nnew2\nz\nadded\n") == [(2, 2), (5, 1)]
    assert parsed.locate("base", "a\nold\nz\n") == [(2, 1), (4, 0)]
    assert parsed.locate("fork", None) == [(0, 0), (0, 0)]


def test_line_map_and_overlaps() -> None:
    line_map = text.LineMap(["x", "a", "b", "c"], ["a", "b2", "c", "d"])
    assert line_map.span((2, 2)) == (1, 2)
    assert line_map.span((1, 0)) == (1, 0)
    hunks = list(text.diff_hunks("@@ -3,0 +4,2 @@\n+x\n+y\n@@ -9 +11 @@\n-a\n+b\n"))
    assert [(old, new) for _, old, new in hunks] == [((4, 0), (4, 2)), ((9, 1), (11, 1))]
    assert text.overlaps((4, 0), (3, 1)) and text.overlaps((4, 2), (5, 3))
    assert not text.overlaps((9, 1), (3, 2))
    assert text.log_span((4, 0), 10) == (3, 4)


SUGGESTIONS = [
    ("", '    "X": 1,\n', '    "X": 2,\n    "Y": 3,\n', "both sides add `X`: keep one value "
     "(fork: `1`, upstream: `2`); keeping the fork's value drops upstream's `2`; keep "
     "upstream's new `Y` too"),
    ("old\n", "", "new\n", "keep them removed, which drops upstream's line `new`"),
    ("old\n", "mine\n", "", "upstream removed these lines"),
    ("a = 1\n", "a = 1\nb = 2\n", "b = 2\na = 1\n", "both sides add `b` alike: keep it once"),
    ("f(a)\n", "f(a, b)\n", "# why\nf(a, b)\n", "upstream's side: it already holds the fork's"),
    ("x(1)\n", "x(2)\n", "x(3)\n", "take upstream's side, then re-apply the fork's line: `x(2)`, "
     "which drops upstream's line `x(3)` (both changed it)"),
    ("if x:\n    y()\n", "if x:\n        y()\n", "if x:\n    z()\n", "the fork only changed "
     "whitespace here: take upstream's side"),
    ("if x:\n    y()\n", "if x:\n    z()\n", "if x:\n  y()\n", "keep the fork's side, which "
     "drops upstream's whitespace change"),
]  # fmt: skip


@pytest.mark.parametrize(("base", "fork", "upstream", "expected"), SUGGESTIONS)
def test_suggestions(base: str, fork: str, upstream: str, expected: str) -> None:
    assert expected in text.suggest(base, fork, upstream)


def test_a_suggestion_that_drops_upstream_lines_says_so() -> None:
    """Every suggestion says what it drops: nothing, the fork's lines, or upstream's (named)."""
    for base, fork, upstream, *_ in SUGGESTIONS + SHAPES:
        advice = text.suggest(base, fork, upstream)
        said = ("drops nothing", "drops the fork's", text.DROPS_UPSTREAM)
        assert any(words in advice for words in said), advice
    taking_fork = text.suggest("x(1)\n", "x(2)\n", "x(3)\n")
    assert "drops upstream's line `x(3)`" in taking_fork
    long = "    " + "value = compute(" + ", ".join(f"argument_{i}" for i in range(20)) + ")\n"
    whole = text.suggest("", "a = 1\n", long)
    assert long.strip() not in whole  # named by key, not shown
    removed = text.suggest("old\n", "", long)
    assert f"`{long.strip()}`" in removed and "…" not in removed  # never cut


# Hunk shapes as (base, fork, upstream) -> kind and why.
SHAPES = [
    ("a = 1\n", "a = 2\n", "a = 1\nb = 1\nc = 1\n", "adjacent",
     "upstream inserted 2 lines next to the fork's changed line"),
    ("a = 1\n", "a = 2\n", "b = 1\nc = 1\na = 1\n", "adjacent",
     "upstream inserted 2 lines next to the fork's changed line"),
    ("a = 1\n", "z = 0\na = 1\n", "a = 3\n", "adjacent",
     "the fork inserted 1 line next to upstream's changed line"),
    ("a = 1\nb = 1\n", "a = 2\nb = 1\n", "a = 1\nb = 2\n", "adjacent",
     "upstream changed 1 line next to the fork's changed line"),
    ("a\nb\nc\n", "x\ny\nz\n", "a\nQ\nb\nc\n", "adjacent",
     "upstream inserted 1 line among the fork's 3 changed lines"),
    ("", "D\n", "C\nE\n", "adjacent",
     "both sides inserted lines at the same place (the fork 1, upstream 2)"),
    ("x(1)\n", "x(2)\n", "x(3)\n", "same-lines", "both sides changed the same line"),
    ("a\nb\n", "A\nB\n", "a\nC\n", "same-lines", "both sides changed the same line"),
    ("old = 1\nkeep()\n", "new = 1\nkeep()\n", "keep()\n", "deleted",
     "upstream deleted 1 line the fork changed"),
    ("old = 1\n", "", "old = 2\n", "deleted", "the fork deleted 1 line upstream changed"),
    ("if x:\n    y()\n", "if x:\n        y()\n", "if x:\n    z()\n", "whitespace",
     "the fork only changed whitespace (indentation, spacing or blank lines) where upstream "
     "changed 1 line"),
    ("y()\n", "y( )\n\n", "y ()\n", "whitespace",
     "both sides only changed whitespace (indentation, spacing or blank lines)"),
]  # fmt: skip


@pytest.mark.parametrize(("base", "fork", "upstream", "kind", "why"), SHAPES)
def test_classify(base: str, fork: str, upstream: str, kind: str, why: str) -> None:
    reason = text.classify(base, fork, upstream)
    assert (reason.kind, reason.why) == (kind, why)


def test_classify_tells_a_move_from_a_deletion() -> None:
    moved = "def helper_function():\n    return 1\n"
    base, fork = moved, "def helper_function():\n    return 2\n"
    upstream_file = "import os\n\n\nclass K:\n    pass\n\n\n" + moved
    reason = text.classify(base, fork, "", upstream_file=upstream_file)
    assert (reason.kind, reason.why) == (
        "deleted",
        "upstream moved 1 line the fork changed elsewhere in the file",
    )
    assert text.classify(base, fork, "", upstream_file="import os\n").why == (
        "upstream deleted 2 lines, 1 of them the fork changed"
    )


def test_a_block_rewritten_shorter_deletes_the_lines_that_have_no_counterpart() -> None:
    # upstream 2.3.0 sessions.py: a 4-line fallback deleted, the def line after it kept
    # with one change; the fork had changed a line of the fallback
    base = (
        "        if rv == 'localhost':\n"
        "            warnings.warn(\n"
        "                '\"localhost\" is not a valid cookie domain.'\n"
        "            )\n"
        '    def get_cookie_path(self, app: "Flask") -> str:\n'
    )
    fork = base.replace("is not a valid", "is not a valid (see the Framework FAQ)")
    upstream = "    def get_cookie_path(self, app: Flask) -> str:\n"
    reason = text.classify(base, fork, upstream)
    assert (reason.kind, reason.why) == (
        "deleted",
        "upstream deleted 4 lines, 1 of them the fork changed",
    )
    suggestion = text.suggest(base, fork, upstream)
    assert "def get_cookie_path" not in suggestion  # the def line is not the fork's business
    assert "undoes upstream's removal of that line" in suggestion


@pytest.fixture
def merge_file(tmp_path: Path) -> Iterator[text.MergeText]:
    """git's own three-way merge of texts (``git merge-file`` through forktool's wrapper)."""
    repo = GitRepo(git_init(tmp_path / "merging"))

    def merge(ours: str, base: str, theirs: str) -> str:
        merged = repo.merge_file(ours.encode(), base.encode(), theirs.encode(), ["f", "b", "u"])
        return merged.decode()

    yield merge
    repo.close()


PROPOSALS = [
    # upstream inserts after, or before, the fork's changed line
    ("a = 1\n", "a = 2\n", "a = 1\nb = 1\nc = 1\n", "a = 2\nb = 1\nc = 1\n"),
    ("a = 1\n", "a = 2\n", "b = 1\nc = 1\na = 1\n", "b = 1\nc = 1\na = 2\n"),
    # the fork inserts next to upstream's change; independent edits of neighbouring lines
    ("a = 1\n", "a = 1\nz = 0\n", "a = 3\n", "a = 3\nz = 0\n"),
    ("a\nb\n", "A\nb\n", "a\nB\n", "A\nB\n"),
    # a deletion next to the other side's change, either way round
    ("a\nb\n", "b\n", "a\nB\n", "B\n"),
    ("a\nb\n", "A\nb\n", "a\n", "A\n"),
    # lines are git's lines: a form feed does not end one
    ("a = 1\n\x0c\n", "a = 2\n\x0c\n", "a = 1\n\x0c\nb = 1\n", "a = 2\n\x0c\nb = 1\n"),
    # real conflicts: no proposal
    ("x(1)\n", "x(2)\n", "x(3)\n", None),
    ("", "D\n", "C\n", None),
    ("a\nb\nc\n", "x\ny\nz\n", "a\nQ\nb\nc\n", None),
    ("old\n", "", "new\n", None),
]  # fmt: skip


@pytest.mark.parametrize(("base", "fork", "upstream", "expected"), PROPOSALS)
def test_proposed_text_keeps_both_sides_only_where_they_do_not_overlap(
    merge_file: text.MergeText, base: str, fork: str, upstream: str, expected: str | None
) -> None:
    assert text.propose(base, fork, upstream, merge_file) == expected


def test_no_proposal_for_texts_git_cannot_merge_line_by_line(
    merge_file: text.MergeText,
) -> None:
    assert text.propose("a\n", "A\n", "a\nb", merge_file) is None  # no final newline
    markers = "<<<<<<< x\n"
    assert text.propose("a\n", "A\n", f"a\n{markers}", merge_file) is None


def test_rename_delete(tmp_path: Path) -> None:
    repo = git_init(tmp_path / "up")
    legacy = "".join(f"def legacy_{i}():\n    return {i}\n\n\n" for i in range(8))
    build_file_tree(repo, {"src/mypkg/__init__.py": "", "src/mypkg/old.py": legacy})
    git_save(repo, "release 1.0", tag="v1.0")
    git(repo, "mv", "src/mypkg/old.py", "src/mypkg/legacy.py")
    git_save(repo, "rename old to legacy", tag="v1.1")
    definition = stopped_sync(
        tmp_path, repo, lambda fork: git(fork, "rm", "-q", "src/ourpkg/old.py"), "fork: no legacy"
    )

    [renamed] = collect(load(definition)).conflicts

    assert (renamed.path, renamed.kind, renamed.deleted_by) == (
        "src/ourpkg/legacy.py",
        "rename/delete",
        "fork",
    )
    assert renamed.upstream_path == "src/mypkg/legacy.py"
    assert renamed.detail == (
        "upstream renamed src/ourpkg/old.py to src/ourpkg/legacy.py; "
        "the fork deleted src/ourpkg/old.py"
    )
    assert subjects(renamed.upstream_commits) == ["rename old to legacy"]
    assert subjects(renamed.fork_commits) == ["fork: no legacy"]


def test_upstream_inserting_next_to_the_forks_change_is_explained_and_merged(
    tmp_path: Path,
) -> None:
    repo = git_init(tmp_path / "up")
    build_file_tree(repo, {"src/mypkg/__init__.py": "", "src/mypkg/conf.py": "A = 1\nZ = 0\n"})
    git_save(repo, "release 1.0", tag="v1.0")
    edit(repo, "src/mypkg/conf.py", "A = 1\n", "A = 1\nB = 2\nC = 3\n")
    git_save(repo, "conf: B and C", tag="v1.1")
    definition = stopped_sync(
        tmp_path, repo, lambda fork: edit(fork, "src/ourpkg/conf.py", "A = 1\n", "A = 10\n")
    )

    conf = entry(collect(load(definition)), "src/ourpkg/conf.py")

    [hunk] = conf.hunks
    assert (hunk.base.text, hunk.fork.text) == ("A = 1\n", "A = 10\n")
    assert hunk.upstream.text == "A = 1\nB = 2\nC = 3\n"
    assert hunk.kind == text.HunkKind.ADJACENT
    assert hunk.why == "upstream inserted 2 lines next to the fork's changed line"
    assert conf.detail == hunk.why
    assert hunk.proposed == "A = 10\nB = 2\nC = 3\n"
    assert hunk.suggestion.startswith("take the proposed text")
    assert "drops nothing" in hunk.suggestion


# -- a PyPI upstream with its git repository: commits, sdist vs tag, changelog --------------

CHANGES = """\
Version {version}
-------------

-   Greetings are capitalised in ``mypkg.core``. (#7)
-   Escape the ``name`` before greeting it. :ghsa:`4grg-w6v8-c28g`
-   Unrelated: documentation typos.

{older}"""


def test_pypi_upstream_with_repository_gives_commits_and_changelog(
    tmp_path: Path, index_server: IndexServer
) -> None:
    repo = git_init(tmp_path / "mypkg-src")
    files = {"pyproject.toml": PYPROJECT.format(version="1.0"), "src/mypkg/__init__.py": "",
             "src/mypkg/core.py": CORE, "tox.ini": "[tox]\n",
             "CHANGES.rst": "Version 1.0\n-----------\n\n-   First release.\n"}  # fmt: skip
    build_file_tree(repo, files)
    git_save(repo, "release 1.0", tag="1.0")
    git(repo, "checkout", "-qb", "feature")
    edit(repo, "src/mypkg/core.py", '"hello "', '"Hello, "')
    git_save(repo, "greet: capitalise the greeting")
    git(repo, "checkout", "-q", "main")
    git(repo, "merge", "-q", "--no-ff", "feature", "-m", "Merge pull request #7 from me/feature")
    edit(repo, "src/mypkg/core.py", "def shout", "def yell")
    git_save(repo, "rename shout to yell (#8)")
    older = (repo / "CHANGES.rst").read_text()
    (repo / "CHANGES.rst").write_text(CHANGES.format(version="1.1", older=older))
    edit(repo, "pyproject.toml", '"1.0"', '"1.1"')
    git_save(repo, "release 1.1", tag="v1.1")

    def sdist_of(tag: str, version: str) -> dict[str, bytes | str]:
        tree = git(repo, "ls-tree", "-r", "--name-only", tag).splitlines()
        files: dict[str, bytes | str] = {p: git(repo, "show", f"{tag}:{p}") + "\n" for p in tree}
        del files["tox.ini"]  # left out of the sdist; PKG-INFO added
        files["PKG-INFO"] = f"Metadata-Version: 2.1\nName: MyPkg\nVersion: {version}\n"
        return files

    index_server.add_release("mypkg", "1.0", sdist_of("1.0", "1.0"))
    index_server.add_release("mypkg", "1.1", sdist_of("v1.1", "1.1"))
    report = pypi_greeting_conflict(tmp_path, index_server, f'repository = "{repo}"')
    fork = fork_of(tmp_path / "def")

    assert (report.source, report.history) == ("pypi", "commits")
    [hunk] = entry(report, "src/ourpkg/core.py").hunks
    line = 1 + textwrap.dedent(CORE).splitlines().index('    return "hello " + name')
    expected = git(
        repo, "log", f"-L{line},{line}:src/mypkg/core.py", "-s", "--format=%H %s", "1.0..v1.1"
    ).splitlines()
    assert [f"{c.id} {c.subject}" for c in hunk.upstream_commits] == expected
    assert "greet: capitalise the greeting" in subjects(hunk.upstream_commits)
    numbers = {c.subject: c.pull_request for c in hunk.upstream_commits}
    assert numbers.get("Merge pull request #7 from me/feature", 7) == 7
    assert numbers["greet: capitalise the greeting"] is None
    assert hunk.upstream_changes == ()
    # Only the tags needed, kept where a git upstream's are.
    tags = git(fork, "for-each-ref", "--format=%(refname)", "refs/forktool/").splitlines()
    assert tags == ["refs/forktool/mypkg/tags/1.0", "refs/forktool/mypkg/tags/v1.1"]

    assert report.repository is not None
    assert report.repository.tags == {"1.0": "1.0", "1.1": "v1.1"}
    difference = report.repository.sdist_vs_tag
    assert difference is not None
    assert (difference.only_in_sdist, difference.only_in_tag) == (("PKG-INFO",), ("tox.ini",))

    assert report.changelog == "CHANGES.rst"
    texts = {e.text: e for e in hunk.changelog}
    assert "Greetings are capitalised in ``mypkg.core``. (#7)" in texts  # names the module
    security = texts["Escape the ``name`` before greeting it. :ghsa:`4grg-w6v8-c28g`"]  # a symbol
    assert (security.version, security.security) == ("1.1", True)
    assert security.advisories == ("GHSA-4grg-w6v8-c28g",)
    assert "Unrelated: documentation typos." not in texts
    assert "First release." not in texts  # 1.0 is the release integrated before
    assert text.DROPS_UPSTREAM in hunk.suggestion  # so reverting the fix is said first
    assert hunk.suggestion.startswith(
        "careful, upstream's change here is a security fix (GHSA-4grg-w6v8-c28g): "
    )

    markdown, json_text = to_markdown(report), to_json(report)
    assert "**⚠ SECURITY (GHSA-4grg-w6v8-c28g)**" in markdown
    # shared (a pull request): the local repository shows as the definition sees it
    shared = to_markdown(shareable(report, tmp_path / "def"))
    assert str(repo) not in shared and f"upstream repository {repo.name} " in shared
    assert "1 files only in the sdist, 1 only in the tag" in markdown
    assert '"security": true' in json_text and '"pull_request"' in json_text
    assert "SECURITY (GHSA-4grg-w6v8-c28g)" in to_html(report)


def test_changelog_sections_advisories_and_pull_requests() -> None:
    text = (
        "# Changelog\n\n## Unreleased\n\n- not released yet, names core.py\n\n"
        "## [2.0] - 2024-05-01\n\n* Fix `mypkg.core.greet`. CVE-2024-1234, PYSEC-2024-9\n"
        "  and GHSA-ABCD-efgh-2345.\n\n## 1.0\n\n- core.py: first\n"
    )
    entries = changelog.parse(text)
    assert [(e.version, e.security) for e in entries] == [("2.0", True), ("1.0", False)]
    assert entries[0].advisories == ("CVE-2024-1234", "PYSEC-2024-9", "GHSA-abcd-efgh-2345")
    assert changelog.between(entries, "1.0", "2.0") == entries[:1]
    assert changelog.mentioning(entries, "src/mypkg/core.py", set()) == tuple(entries)
    assert changelog.mentioning(entries, "src/mypkg/other.py", {"greet"}) == (entries[0],)
    assert changelog.find(["src/x.py", "docs/changes.rst", "HISTORY.md"]) == "HISTORY.md"
    assert pull_request("Merge pull request #1234 from a/b") == 1234
    assert pull_request("fix the thing (#56)") == 56
    assert pull_request("fix #56 later") is None


def test_changelog_entries_match_code_names_not_words_of_prose() -> None:
    source = (
        "def open_session(self, app):\n"
        '    """Subclasses must implement this and either return ``None`` which\n'
        '    indicates that session support is not available."""\n'
        "    return SecureCookieSession(app.secret_key)\n"
    )
    names = changelog.code_names("src/mypkg/sessions.py", source, (2, 3))  # from the docstring on
    assert names == {"SecureCookieSession", "secret_key"}  # no "implement", "which", "either"
    entries = changelog.parse(
        "## 2.0\n\n- Docs: explain which app is used. (#1)\n"
        "- ``session`` is marked accessed. (#2)\n- Fix session cookies in prose. (#3)\n"
        "- Add ``SecureCookieSession.permanent``. (#4)\n- The secret_key may be a list. (#5)\n"
    )
    texts = [e.text for e in changelog.mentioning(entries, "src/other.py", {*names, "session"})]
    # a prose-like name counts only as code; a distinctive one anywhere
    assert texts == [
        "``session`` is marked accessed. (#2)",
        "Add ``SecureCookieSession.permanent``. (#4)",
        "The secret_key may be a list. (#5)",
    ]


def test_quoted_code_keeps_its_backticks_in_every_format() -> None:
    base = '    """Return ``None`` when absent."""\n'
    fork = '    """Framework: return ``None`` when absent."""\n'
    upstream = '    """Return ``None`` when it is absent."""\n'
    suggestion = text.suggest(base, fork, upstream)
    line = '"""Framework: return ``None`` when absent."""'
    assert f"```{line}```" in suggestion  # a longer delimiter, the line unchanged
    assert (line, True) in _spans(suggestion)
    assert f"```{line}```" in _md_rich(suggestion)
    assert text.code_span("`x") == "`` `x ``" and text.code_text(" `x ") == "`x"


def test_a_suggestion_that_keeps_a_security_fix_still_names_it() -> None:
    fix = changelog.ChangelogEntry(
        "1.1", "Fix it. GHSA-aaaa-bbbb-cccc", True, ("GHSA-aaaa-bbbb-cccc",)
    )
    kept = _warn_security("take the proposed text (both sides merged line by line)", (fix,))
    assert kept.endswith(
        "(upstream's change here is a security fix, GHSA-aaaa-bbbb-cccc: "
        "check the fix still holds with the fork's change)"
    )
    dropped = _warn_security(f"keep the fork's side, which {text.DROPS_UPSTREAM} line `x`", (fix,))
    assert dropped.startswith("careful, upstream's change here is a security fix (GHSA-")
    assert _warn_security("keep either side", ()) == "keep either side"


def test_a_line_split_in_many_is_changed_not_deleted() -> None:
    # 2.1.0 sessions.py: upstream split one call's arguments over six lines
    base = "        response.set_cookie(name, val, expires=expires, httponly=httponly)\n"
    fork = "        response.set_cookie(name, val, expires=expires, httponly=True)\n"
    upstream = (
        "        response.set_cookie(\n            name,\n            val,\n"
        "            expires=expires,\n            httponly=httponly,\n        )\n"
    )
    reason = text.classify(base, fork, upstream)
    assert reason.kind == "same-lines", reason


def test_a_rewritten_docstring_is_changed_not_deleted() -> None:
    base = (
        '        """This method has to be implemented and must either return\n'
        "        ``None`` in case the loading failed because of a configuration\n"
        '        error or an instance of a session object."""\n'
    )
    fork = base.replace("must either return", "must either return (Framework: or raise)")
    upstream = (
        '        """This is called at the beginning of each request, after pushing\n'
        "        the request context. This method has to be implemented and must\n"
        "        either return ``None`` in case the loading failed because of a\n"
        "        configuration error or an instance of a session object.\n"
        '        """\n'
    )
    reason = text.classify(base, fork, upstream)
    assert reason.kind == "same-lines", reason
    # re-applying the fork's line replaces upstream's (said), never adds a second one
    assert "(both changed it); or combine the two" in text.suggest(base, fork, upstream)


def test_the_security_fix_hunk_pairs_accessed_with_accessed() -> None:
    # 3.1.3 sessions.py: a comment became a docstring; accessed = True became False
    base = (
        "    #: Some implementations can detect when session data is read or\n"
        "    #: written and set this when that happens. The mixin default is hard\n"
        "    #: coded to ``True``.\n"
        "    accessed = True\n"
    )
    fork = base.replace("is hard\n", "is hard (the fork keeps it)\n")
    upstream = (
        "    accessed = False\n"
        '    """Indicates if the session was accessed, even if it was not modified. This\n'
        "    is set when the session object is accessed through the request context,\n"
        "    including the global :data:`.session` proxy. A ``Vary: cookie`` header will\n"
        '    be added if this is ``True``.\n    """\n'
    )
    reason = text.classify(base, fork, upstream)
    assert (reason.kind, reason.why) == (
        "deleted",
        "upstream deleted 3 lines, 1 of them the fork changed",
    )
    suggestion = text.suggest(base, fork, upstream)
    assert "accessed = True" not in suggestion  # never brings the old value back
    assert text.DROPS_UPSTREAM not in suggestion
