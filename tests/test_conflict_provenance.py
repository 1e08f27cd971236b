"""Fork-side provenance at any age: the conflict report names the fork commits ``git blame``
names for the fork side's lines, however many syncs ago they were made, looking through
forktool's integration merges, and names an integration merge only for the lines its
conflict resolution wrote. Real syncs of a real upstream; the expectation is git's own
``git blame --porcelain``."""

from __future__ import annotations

import re
from pathlib import Path

from forktool.conflicts.collect import Commit, ConflictReport, Entry, Hunk, collect
from tests.helpers import build_file_tree, git, git_init, git_save, run_cli, write_definition
from tests.test_conflicts import close_repositories, edit, fork_of, load

__all__ = ["close_repositories"]  # the autouse fixture, shared with test_conflicts

PATH = "src/ourpkg/values.py"

VALUES = """\
GREETING = "hello"
# --
PART = 1
# --
COLOR = "red"
# --
SIZE = 10


def unrelated():
    return None


BEFORE = 0
OLD = 1
LAST = True
"""

#: Release 1.3 rewrites every line of the first block (so the fork's changes there collide
#: in one hunk) and changes OLD, which the fork removed.
BLOCK_1_3 = """\
GREETING: str = "hello"
# ----
PART: int = 2
# ----
COLOR: str = "blue"
# ----
SIZE: int = 10
"""


def upstream_repo(path: Path) -> Path:
    """Releases 1.0 to 1.3, each one named commit."""
    repo = git_init(path)
    files = {"pyproject.toml": '[project]\nname = "MyPkg"\nversion = "1"\n'}
    build_file_tree(repo, {**files, "src/mypkg/__init__.py": "", "src/mypkg/values.py": VALUES})
    git_save(repo, "release 1.0", tag="v1.0")
    edit(repo, "src/mypkg/values.py", "PART = 1", "PART = 2")
    git_save(repo, "part two", tag="v1.1")
    edit(repo, "src/mypkg/values.py", 'COLOR = "red"', 'COLOR = "blue"')
    git_save(repo, "blue", tag="v1.2")
    block = VALUES.replace("PART = 1", "PART = 2").replace('"red"', '"blue"').split("\n\n\n")[0]
    edit(repo, "src/mypkg/values.py", block + "\n", BLOCK_1_3)
    edit(repo, "src/mypkg/values.py", "OLD = 1", "OLD = 3")
    git_save(repo, "annotate, OLD three", tag="v1.3")
    return repo


def long_lived_fork(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A fork whose changes were made before two earlier syncs (one of them resolved by
    hand), then one after the last sync; 1.3 then conflicts with all of them.

    Returns:
        the definition root, and subject -> commit id of the fork's commits and merges.
    """
    upstream = upstream_repo(tmp_path / "upstream")
    definition = write_definition(tmp_path / "def", "mypkg", f'type = "git"\nurl = "{upstream}"')
    fork = fork_of(definition)
    made = {}
    assert run_cli(definition, "sync", "--to", "1.0").exit_code == 0
    edit(fork, PATH, '"hello"', '"hi"')
    made["say hi"] = commit_all(fork, "fork: say hi")
    edit(fork, PATH, "OLD = 1\n", "")
    made["drop OLD"] = commit_all(fork, "fork: drop OLD")
    edit(fork, PATH, '"red"', '"green"')
    made["green"] = commit_all(fork, "fork: green")
    assert run_cli(definition, "sync", "--to", "1.1").exit_code == 0  # a clean merge
    made["integrate 1.1"] = git(fork, "rev-parse", "HEAD")
    stopped = run_cli(definition, "sync", "--to", "1.2")  # "green" against "blue"
    assert stopped.exit_code == 1, stopped.output
    text = (fork / PATH).read_text()
    start, end = text.index("<<<<<<<"), text.index(">>>>>>>")
    (fork / PATH).write_text(text[:start] + 'COLOR = "teal"\n' + text[text.index("\n", end) + 1 :])
    git(fork, "add", PATH)
    assert run_cli(definition, "sync", "mypkg", "--continue").exit_code == 0
    made["integrate 1.2"] = git(fork, "rev-parse", "HEAD")
    edit(fork, PATH, "SIZE = 10", "SIZE = 12")
    made["size"] = commit_all(fork, "fork: size twelve")
    result = run_cli(definition, "sync", "--to", "1.3")
    assert result.exit_code == 1, result.output
    return definition, made


def commit_all(repo: Path, message: str) -> str:
    git(repo, "commit", "-qam", message)
    return git(repo, "rev-parse", "HEAD")


def blamed(fork: Path, first: int, last: int) -> set[str]:
    """The commits ``git blame --porcelain`` names for lines ``first``-``last`` of HEAD,
    less upstream's (the transformed commit being merged and its ancestors)."""
    out = git(fork, "blame", "--porcelain", f"-L{first},{last}", "HEAD", "--", PATH)
    named = {found[1] for found in HEADER.finditer(out)}
    return {sha for sha in named if git(fork, "rev-list", "--count", f"MERGE_HEAD..{sha}") != "0"}


HEADER = re.compile(r"^([0-9a-f]{40}) \d+ \d+", re.MULTILINE)


def hunks(report: ConflictReport) -> list[Hunk]:
    [values] = [e for e in report.entries if e.path == PATH]
    return list(values.hunks)


def ids(commits: tuple[Commit, ...]) -> set[str]:
    return {c.id for c in commits}


def test_fork_commits_are_the_ones_git_blame_names_at_any_age(tmp_path: Path) -> None:
    definition, made = long_lived_fork(tmp_path)
    fork = fork_of(definition)

    block, removed = hunks(collect(load(definition)))

    assert block.fork.text.startswith('GREETING = "hi"\n') and block.fork.count == 7
    last = block.fork.start + block.fork.count - 1
    assert ids(block.fork_commits) == blamed(fork, block.fork.start, last)
    # Made before both earlier syncs, and a resolution of the last but one: none of them is
    # in the range since the last sync (what the report used to look at).
    since_last_sync = git(fork, "log", "--format=%H", f"{made['integrate 1.2']}..HEAD")
    assert ids(block.fork_commits) == {made["say hi"], made["integrate 1.2"], made["size"]}
    assert made["say hi"] not in since_last_sync
    dates = [c.date for c in block.fork_commits]
    assert dates == sorted(dates, reverse=True)
    # Upstream's own lines (1.0's separators, 1.1's PART through the clean merge) are not
    # the fork's, and the fork's "green" was replaced by the resolution's "teal".
    assert made["integrate 1.1"] not in ids(block.fork_commits)
    assert made["green"] not in ids(block.fork_commits)
    # The removed line has nothing to blame: who removed it, before the earlier syncs.
    assert (removed.fork.count, removed.upstream.text) == (0, "OLD = 3\n")
    assert [c.id for c in removed.fork_commits] == [made["drop OLD"]]


def test_an_integration_merge_is_looked_through(tmp_path: Path) -> None:
    definition, made = long_lived_fork(tmp_path)
    fork = fork_of(definition)

    block, _ = hunks(collect(load(definition)))

    # git blame passes GREETING through both integration merges to the fork commit...
    line = block.fork.start
    out = git(fork, "blame", "--porcelain", f"-L{line},{line}", "HEAD", "--", PATH)
    assert out.split()[0] == made["say hi"]
    # ...and PART through the clean merge of 1.1 to upstream's side: not a fork change.
    part = block.fork.start + 2
    assert block.fork.text.splitlines()[2] == "PART = 2"
    assert blamed(fork, part, part) == set()
    by_id = {c.id: c for c in block.fork_commits}
    assert by_id[made["say hi"]].subject == "fork: say hi"
    assert by_id[made["say hi"]].conflict_resolution is False
    assert by_id[made["say hi"]].author == "Up Stream <up@example.org>"


def test_a_line_from_a_conflict_resolution_names_that_resolution(tmp_path: Path) -> None:
    definition, made = long_lived_fork(tmp_path)
    fork = fork_of(definition)

    block, _ = hunks(collect(load(definition)))

    color = block.fork.start + 4
    assert block.fork.text.splitlines()[4] == 'COLOR = "teal"'
    assert blamed(fork, color, color) == {made["integrate 1.2"]}
    by_id = {c.id: c for c in block.fork_commits}
    resolution = by_id[made["integrate 1.2"]]
    assert resolution.conflict_resolution is True
    assert resolution.subject == "Integrate mypkg 1.2"
    assert [c.id for c in block.fork_commits if c.conflict_resolution] == [resolution.id]


FLAGS = "".join(f"{name} = {value}\n" for value, name in enumerate("ABCDEFGH", 1))
PATCH = """\
diff --git a/src/ourpkg/flags.py b/src/ourpkg/flags.py
--- a/src/ourpkg/flags.py
+++ b/src/ourpkg/flags.py
@@ -2,7 +2,7 @@
 B = 2
 C = 3
 D = 4
-E = 5
+E = 5  # patched
 F = 6
 G = 7
 H = 8
"""


#: A release step of :func:`flags_conflict`'s upstream: (old text, new text, subject, tag).
Step = tuple[str, str, str, str | None]


def flags_conflict(
    tmp_path: Path, body: str, steps: list[Step], fork_change: tuple[str, str], series: bool
) -> Entry:
    """Upstream 1.0 with ``src/mypkg/flags.py`` = ``body``, then ``steps`` up to 1.1; the
    fork synced to 1.0 (with :data:`PATCH` as its series when ``series``), commits
    ``fork_change`` (old, new) there, then syncs 1.1, which stops: the report's entry of
    ``src/ourpkg/flags.py``."""
    upstream = git_init(tmp_path / "upstream")
    files = {"pyproject.toml": '[project]\nname = "MyPkg"\nversion = "1"\n'}
    build_file_tree(upstream, {**files, "src/mypkg/__init__.py": "", "src/mypkg/flags.py": body})
    git_save(upstream, "release 1.0", tag="v1.0")
    for old, new, subject, tag in steps:
        edit(upstream, "src/mypkg/flags.py", old, new)
        git_save(upstream, subject, tag=tag)
    definition = write_definition(tmp_path / "def", "mypkg", f'type = "git"\nurl = "{upstream}"')
    if series:
        build_file_tree(definition / "patches/mypkg", {"series": "b.patch\n", "b.patch": PATCH})
    assert run_cli(definition, "sync", "--to", "1.0").exit_code == 0
    fork = fork_of(definition)
    edit(fork, "src/ourpkg/flags.py", *fork_change)
    commit_all(fork, "fork: flags")
    assert run_cli(definition, "sync", "--to", "1.1").exit_code == 1
    [entry] = [e for e in collect(load(definition)).entries if e.path == "src/ourpkg/flags.py"]
    return entry


def test_a_hunk_names_the_series_patch_that_wrote_its_lines(tmp_path: Path) -> None:
    # one change over lines 1-5: the hunk spans them, the patch's line 5 included
    old = "A = 1\nB = 2\nC = 3\nD = 4\nE = 5  # patched\n"
    new = "A = 100\nB = 20\nC = 30\nD = 40\nE = 5  # fork's\n"
    entry = flags_conflict(
        tmp_path, FLAGS, [("A = 1", "A = 10", "A ten", "v1.1")], (old, new), True
    )
    [hunk] = entry.hunks
    assert "E = 5  # patched" in hunk.upstream.text  # the patch's line, on upstream's side
    assert [p.name for p in hunk.patches] == ["b.patch"]
    assert [p.name for p in entry.patches] == ["b.patch"]


def test_a_patch_of_the_file_that_wrote_no_line_of_the_hunk_is_not_named(tmp_path: Path) -> None:
    body = FLAGS + "".join(f"X{i} = {i}\n" for i in range(8)) + "Z = 0\n"
    steps: list[Step] = [("Z = 0", "Z = 10", "Z ten", "v1.1")]
    entry = flags_conflict(tmp_path, body, steps, ("Z = 0", "Z = 100"), True)
    [hunk] = entry.hunks
    assert hunk.patches == ()  # b.patch changes the file, not these lines
    assert [p.name for p in entry.patches] == ["b.patch"]


def test_the_upstream_commit_that_deleted_the_forks_line_is_named(tmp_path: Path) -> None:
    body = 'FIRST = 0\nX1 = 1\nX2 = 2\nX3 = 3\nDEF = "a"\nLAST = 9\n'
    steps: list[Step] = [
        ("X1 = 1\nX2 = 2\nX3 = 3\n", "", "drop the X block", None),
        ('DEF = "a"', 'DEF = "b"', "DEF is b", "v1.1"),
    ]
    entry = flags_conflict(tmp_path, body, steps, ("X2 = 2", "X2 = 20"), False)
    [hunk] = entry.hunks
    assert hunk.upstream.text == 'DEF = "b"\n' and hunk.base.count == 4
    assert [c.subject for c in hunk.upstream_commits] == ["DEF is b", "drop the X block"]
    why = "upstream deleted 3 lines, 1 of them the fork changed"
    assert (hunk.kind, hunk.why) == ("deleted", why)
