"""Between releases, for git upstreams: ``sync --to main``, ``check --to main`` and
``sync --each-commit``, on small upstream histories built in ``tmp_path``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import tomlkit
from packaging.version import Version

from forktool.config import GitSource
from forktool.git.repository import GitRepo
from forktool.upstream import gitsource
from tests.conftest import CORE_V1, PYPROJECT
from tests.helpers import build_file_tree, git, git_init, git_save, run_cli, snapshot
from tests.helpers import write_definition as write_def
from tests.test_bad_input import error_line

HELPERS_V1 = "def upper(text):\n    return text.upper()\n"
HELPERS_LOWER = HELPERS_V1 + "\n\ndef lower(text):\n    return text.lower()\n"


def _release_tree(repo: Path) -> None:
    build_file_tree(
        repo,
        {
            "pyproject.toml": PYPROJECT.format(version="1.0"),
            "src/mypkg/__init__.py": "from mypkg.core import greet\n",
            "src/mypkg/helpers.py": HELPERS_V1,
            "src/mypkg/core.py": CORE_V1,
        },
    )


@pytest.fixture
def upstream(tmp_path: Path) -> Path:
    """Tag v1.0, then on main: ``add lower`` (helpers.py), ``friendlier greeting``
    (core.py's greet line), ``docs`` (README)."""
    repo = git_init(tmp_path / "up")
    _release_tree(repo)
    git_save(repo, "release 1.0", tag="v1.0")
    (repo / "src/mypkg/helpers.py").write_text(HELPERS_LOWER)
    git_save(repo, "add lower")
    core = repo / "src/mypkg/core.py"
    core.write_text(core.read_text().replace('"hello "', '"Hello, "'))
    git_save(repo, "friendlier greeting")
    build_file_tree(repo, {"README.txt": "docs\n"})
    git_save(repo, "docs")
    return repo


@pytest.fixture
def definition(tmp_path: Path, upstream: Path) -> Path:
    return write_def(tmp_path / "def", "mypkg", f'type = "git"\nurl = "{upstream}"')


def fork_of(definition: Path) -> Path:
    return definition / "forks" / "mypkg"


def lock(definition: Path) -> dict[str, str]:
    return tomlkit.parse((definition / "upstream/mypkg.lock").read_text()).unwrap()


def head(repo: Path, ref: str = "main") -> str:
    return git(repo, "rev-parse", ref)


def version_of(upstream: Path, ref: str, base: str = "1.0", tag: str = "v1.0") -> str:
    count = git(upstream, "rev-list", "--count", f"{tag}..{ref}")
    return f"{base}.post{count}+g{head(upstream, ref)[:12]}"


def synced(definition: Path, to: str = "1.0") -> Path:
    result = run_cli(definition, "sync", "mypkg", "--to", to)
    assert result.exit_code == 0, result.output
    return fork_of(definition)


def fork_greets_hi(fork: Path) -> None:
    """A fork commit on the line ``friendlier greeting`` changes upstream."""
    core = fork / "src/ourpkg/core.py"
    core.write_text(core.read_text().replace('"hello "', '"Hi, "'))
    git(fork, "commit", "-qam", "fork: greet with hi")


def state(definition: Path) -> tuple[object, str]:
    """What bad input must leave alone: the fork repository and the definition's files."""
    files = sorted(
        (str(p.relative_to(definition)), p.read_bytes())
        for p in definition.rglob("*")
        if p.is_file() and "forks" not in p.relative_to(definition).parts
    )
    return snapshot(fork_of(definition)), repr(files)


# -- versions -------------------------------------------------------------------------


COMMIT = "2ac89889f4cc330eabd50f295dcef02828522c69"


@pytest.mark.parametrize(
    ("base", "count", "expected"),
    [
        ("3.1.3", 68, "3.1.3.post68+g2ac89889f4cc"),
        ("3.2.0rc1", 2, "3.2.0rc1.post2+g2ac89889f4cc"),
        ("1.0.post1", 3, "1.0.post4+g2ac89889f4cc"),
        ("2.0.dev1", 3, "2.0.dev4+g2ac89889f4cc"),
        ("1!2.0", 1, "1!2.0.post1+g2ac89889f4cc"),
        (None, 5, "0.post5+g2ac89889f4cc"),
    ],
)
def test_commit_version_format(base: str | None, count: int, expected: str) -> None:
    made = gitsource.commit_version(Version(base) if base else None, count, COMMIT)
    assert made == expected
    assert gitsource.is_between_releases(made)
    if base is not None:
        assert Version(base) < Version(made)


def test_commit_versions_sort_after_their_release_and_before_the_next() -> None:
    after = [gitsource.commit_version(Version("3.1.3"), n, COMMIT) for n in (1, 2, 68)]
    assert sorted(after, key=Version) == after
    assert all(Version("3.1.3") < Version(v) for v in after)
    for following in ("3.1.4", "3.1.4.dev0", "3.2.0rc1", "3.2.0"):
        assert Version(after[-1]) < Version(following)
    assert not gitsource.is_between_releases("3.1.3")
    assert not gitsource.is_between_releases("3.1.3+local")


def test_describe_counts_commits_since_the_newest_release_it_contains(upstream: Path) -> None:
    repo = GitRepo(upstream)
    releases = gitsource.list_releases(GitSource(str(upstream)))
    assert gitsource.describe(repo, releases, head(upstream)) == version_of(upstream, "main")
    assert gitsource.describe(repo, releases, head(upstream, "v1.0^{commit}")) == "1.0"
    git(upstream, "tag", "v1.1", "main~1")  # a newer release inside the history wins
    releases = gitsource.list_releases(GitSource(str(upstream)))
    described = gitsource.describe(repo, releases, head(upstream))
    assert described == f"1.1.post1+g{head(upstream)[:12]}"


# -- sync --to REF ---------------------------------------------------------------------


def test_sync_to_main_records_the_upstream_commit_and_its_version(
    definition: Path, upstream: Path
) -> None:
    fork = synced(definition)
    before = lock(definition)
    result = run_cli(definition, "sync", "mypkg", "--to", "main")
    assert result.exit_code == 0, result.output
    version = version_of(upstream, "main")
    assert version == f"1.0.post3+g{head(upstream)[:12]}"
    recorded = lock(definition)
    assert recorded["version"] == version
    assert recorded["upstream-commit"] == head(upstream)
    assert f"integrated {version} (was 1.0)" in result.output
    assert f"upstream commit: {head(upstream)[:12]} docs" in result.output
    vendor = recorded["vendor"]
    assert git(fork, "log", "-1", "--format=%s", vendor) == (
        f"Import mypkg {version} (commit {head(upstream)})"
    )
    assert git(fork, "rev-parse", f"{vendor}^{{tree}}") == head(upstream, "main^{tree}")
    assert head(fork, f"upstream/mypkg/{version}") == vendor
    assert head(fork, f"refs/forktool/mypkg/commits/{head(upstream)}") == head(upstream)
    # the merge base of the branch sync was the transformed release
    assert git(fork, "rev-parse", f"{recorded['transformed']}^1") == before["transformed"]
    assert "def lower" in (fork / "src/ourpkg/helpers.py").read_text()


def test_sync_to_a_commit_id_or_its_version(definition: Path, upstream: Path) -> None:
    synced(definition)
    middle = head(upstream, "main~1")
    result = run_cli(definition, "sync", "mypkg", "--to", middle[:9])
    assert result.exit_code == 0, result.output
    assert lock(definition)["upstream-commit"] == middle
    assert lock(definition)["version"] == version_of(upstream, "main~1")
    again = run_cli(definition, "sync", "mypkg", "--to", version_of(upstream, "main~1"))
    assert again.exit_code == 0, again.output
    assert "up to date" in again.output


def test_a_version_finds_its_commit_after_upstream_tags_a_release_below_it(
    definition: Path, upstream: Path
) -> None:
    synced(definition)
    named = version_of(upstream, "main")
    git(upstream, "tag", "v1.0.5", "main~2")
    result = run_cli(definition, "sync", "mypkg", "--to", named)
    assert result.exit_code == 0, result.output
    now = f"1.0.5.post2+g{head(upstream)[:12]}"
    assert (lock(definition)["version"], lock(definition)["upstream-commit"]) == (
        now,
        head(upstream),
    )
    assert Version(named) < Version(now)


def test_first_sync_to_a_branch_creates_the_fork(definition: Path, upstream: Path) -> None:
    result = run_cli(definition, "sync", "mypkg", "--to", "main")
    assert result.exit_code == 0, result.output
    assert lock(definition)["version"] == version_of(upstream, "main")
    assert "created the fork" in result.output


def test_main_at_a_release_commit_is_that_release(definition: Path, upstream: Path) -> None:
    git(upstream, "tag", "v1.1", "main")
    synced(definition)
    result = run_cli(definition, "sync", "mypkg", "--to", "main")
    assert result.exit_code == 0, result.output
    assert lock(definition)["version"] == "1.1"


def test_release_sync_after_a_branch_sync(definition: Path, upstream: Path) -> None:
    fork = synced(definition)
    synced(definition, head(upstream, "main~1"))
    branch = lock(definition)
    build_file_tree(upstream, {"NEWS.txt": "1.1\n"})
    git_save(upstream, "release 1.1", tag="v1.1")
    result = run_cli(definition, "sync", "mypkg", "--to", "1.1")
    assert result.exit_code == 0, result.output
    assert f"integrated 1.1 (was {branch['version']})" in result.output
    recorded = lock(definition)
    assert recorded["version"] == "1.1"
    assert git(fork, "rev-parse", f"{recorded['transformed']}^1") == branch["transformed"]
    assert (fork / "README.txt").read_text() == "docs\n"


def test_status_names_a_commit_between_releases(definition: Path, upstream: Path) -> None:
    synced(definition)
    synced(definition, "main")
    result = run_cli(definition, "status", "mypkg")
    assert result.exit_code == 0, result.output
    version = version_of(upstream, "main")
    assert f"at {version} (upstream commit {head(upstream)[:12]}, between releases)" in (
        result.output
    )
    document = json.loads(run_cli(definition, "status", "mypkg", "--json").stdout)
    item = document["upstreams"][0]
    assert (item["integrated"], item["integrated_commit"]) == (version, head(upstream))
    assert item["newer"] == []


# -- check --to REF --------------------------------------------------------------------


def test_check_to_main_changes_nothing(definition: Path, upstream: Path) -> None:
    fork = synced(definition)
    before = state(definition)
    clean = run_cli(definition, "check", "mypkg", "--to", "main", "--json")
    assert clean.exit_code == 0, clean.output
    result = json.loads(clean.stdout)["results"][0]
    assert result["status"] == "clean"
    assert result["candidate"] == version_of(upstream, "main")
    assert result["upstream_commit"] == head(upstream)
    assert state(definition) == before
    fork_greets_hi(fork)
    before = state(definition)
    conflict = run_cli(definition, "check", "mypkg", "--to", "main")
    assert conflict.exit_code == 1, conflict.output
    assert "would conflict with the fork in 1 path" in conflict.output
    assert "src/ourpkg/core.py" in conflict.output
    assert state(definition) == before


# -- sync --each-commit ----------------------------------------------------------------


def test_each_commit_stops_at_the_upstream_commit_that_conflicts(
    definition: Path, upstream: Path
) -> None:
    fork = synced(definition)
    fork_greets_hi(fork)
    result = run_cli(definition, "sync", "mypkg", "--each-commit", "--to", "main")
    assert result.exit_code == 1, result.output
    first, second, third = (version_of(upstream, f"main~{n}") for n in (2, 1, 0))
    assert f"commit 1 of 3: mypkg {first} ({head(upstream, 'main~2')[:12]} add lower)" in (
        result.output
    )
    colliding = head(upstream, "main~1")
    assert f"commit 2 of 3: mypkg {second} ({colliding[:12]} friendlier greeting)" in (
        result.output
    )
    assert "commit 3 of 3" not in result.output
    assert f"forktool sync mypkg --each-commit --to {third}" in result.output
    assert lock(definition)["version"] == first
    assert git(fork, "ls-files", "--unmerged", "--", "src/ourpkg/core.py") != ""
    pending = json.loads((fork / ".git/forktool/mypkg.pending.json").read_text())
    assert (pending["each_remaining"], pending["each_commits"]) == ([third], True)

    core = fork / "src/ourpkg/core.py"
    core.write_text(CORE_V1.replace("mypkg", "ourpkg").replace('"hello "', '"Hi, "'))
    git(fork, "add", "src/ourpkg/core.py")
    resumed = run_cli(definition, "sync", "mypkg", "--continue", "--json")
    assert resumed.exit_code == 0, resumed.output
    finished = json.loads(resumed.stdout)["results"][0]
    assert finished["version"] == second
    assert finished["upstream_commit"] == colliding
    assert finished["upstream_subject"] == "friendlier greeting"
    assert (finished["remaining"], finished["each_commits"]) == ([third], True)

    rest = run_cli(definition, "sync", "mypkg", "--each-commit", "--to", third, "--json")
    assert rest.exit_code == 0, rest.output
    results = json.loads(rest.stdout)["results"]
    assert [(r["status"], r["version"], r["each_commits"]) for r in results] == [
        ("merged", third, True)
    ]
    assert lock(definition)["upstream-commit"] == head(upstream)
    assert '"Hi, "' in core.read_text()


def test_each_commit_abort_puts_the_fork_back(definition: Path, upstream: Path) -> None:
    fork = synced(definition)
    fork_greets_hi(fork)
    assert run_cli(definition, "sync", "mypkg", "--to", head(upstream, "main~2")).exit_code == 0
    before = (snapshot(fork), lock(definition))
    assert run_cli(definition, "sync", "mypkg", "--each-commit", "--to", "main").exit_code == 1
    aborted = run_cli(definition, "sync", "mypkg", "--abort")
    assert aborted.exit_code == 0, aborted.output
    assert (snapshot(fork), lock(definition)) == before


def test_each_commit_skips_commits_that_do_not_contain_the_release(tmp_path: Path) -> None:
    """1.0 is tagged on ``stable``; main made ``start 2.0`` beside it, then merged stable
    (and 1.0 with it), then ``after the merge``: only the last two are steps."""
    upstream = git_init(tmp_path / "up")
    _release_tree(upstream)
    git_save(upstream, "base")
    git(upstream, "checkout", "-q", "-b", "stable")
    build_file_tree(upstream, {"FIX.txt": "fix\n"})
    git_save(upstream, "release 1.0", tag="v1.0")
    git(upstream, "checkout", "-q", "main")
    build_file_tree(upstream, {"START.txt": "2.0\n"})
    git_save(upstream, "start 2.0")
    git(upstream, "merge", "-q", "--no-edit", "stable")
    build_file_tree(upstream, {"AFTER.txt": "after\n"})
    git_save(upstream, "after the merge")
    definition = write_def(tmp_path / "def", "mypkg", f'type = "git"\nurl = "{upstream}"')
    synced(definition)
    result = run_cli(definition, "sync", "mypkg", "--each-commit", "--to", "main")
    assert result.exit_code == 0, result.output
    assert "commit 1 of 2" in result.output
    assert "commit 2 of 2" in result.output
    assert "start 2.0)" not in result.output
    assert f"({head(upstream, 'main~1')[:12]} Merge branch 'stable')" in result.output
    assert lock(definition)["upstream-commit"] == head(upstream)


def test_each_commit_when_up_to_date(definition: Path) -> None:
    synced(definition, "main")
    result = run_cli(definition, "sync", "mypkg", "--each-commit", "--to", "main", "--json")
    assert result.exit_code == 0, result.output
    results = json.loads(result.stdout)["results"]
    assert [(r["status"], r["each_commits"]) for r in results] == [("up-to-date", True)]


# -- bad input: one line, exit 2, nothing changed --------------------------------------


def _side_branch(upstream: Path) -> str:
    """Branch ``side`` off v1.0, beside main, one commit longer than main (so its
    version, 1.0.post4, sorts after main's): its head."""
    git(upstream, "checkout", "-q", "-b", "side", "v1.0")
    for n in range(4):
        build_file_tree(upstream, {"SIDE.txt": f"side {n}\n"})
        commit = git_save(upstream, f"side work {n}")
    git(upstream, "checkout", "-q", "main")
    return commit


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--to", "nosuch"), "--to 'nosuch' is not a version, nor a branch, tag or commit of"),
        (("--to", "1234567"), "upstream 'mypkg' has no release, branch, tag or commit '1234567'"),
        (("--to", "9.9"), "upstream 'mypkg' has no release 9.9"),
        (("--to", "deadbeefdead"), "no release, branch, tag or commit 'deadbeefdead'"),
        (("--to", "side"), "does not descend from the integrated mypkg 1.0.post3+g"),
        (("--each-commit", "--to", "side"), "does not descend from the integrated"),
        (("--to", "<main~2>"), "is integrated; 1.0.post1+g"),
        (("--to", "1.0.1"), "mypkg 1.0.1 (tag v1.0.1) does not descend from the integrated"),
        (("--each", "--each-commit"), "--each and --each-commit exclude each other"),
        (("--each-commit", "--continue"), "do not go with --continue or --abort"),
    ],
)
def test_bad_input_changes_nothing(
    definition: Path, upstream: Path, args: tuple[str, ...], message: str
) -> None:
    _side_branch(upstream)
    git(upstream, "checkout", "-q", "-b", "maint", "v1.0")
    build_file_tree(upstream, {"FIX.txt": "fix\n"})
    git_save(upstream, "release 1.0.1", tag="v1.0.1")
    git(upstream, "checkout", "-q", "main")
    synced(definition)
    synced(definition, "main")
    before = state(definition)
    args = tuple(head(upstream, "main~2") if arg == "<main~2>" else arg for arg in args)
    for extra in ((), ("--json",)):
        result = run_cli(definition, "sync", "mypkg", *args, *extra)
        assert result.exit_code == 2, result.output
        assert message in error_line(result.stderr)
        if extra:
            assert message in json.loads(result.stdout)["error"]["message"]
        assert state(definition) == before


def test_check_of_a_ref_beside_the_integrated_one_is_refused(
    definition: Path, upstream: Path
) -> None:
    synced(definition)
    synced(definition, "main")
    side = _side_branch(upstream)
    before = state(definition)
    for ref, says in (
        ("side", "does not descend from the integrated"),
        (side[:10], "does not descend from the integrated"),
        ("nosuch", "is not a version, nor a branch, tag or commit of upstream 'mypkg'"),
    ):
        result = run_cli(definition, "check", "mypkg", "--to", ref)
        assert result.exit_code == 2, result.output
        assert says in error_line(result.stderr)
        assert state(definition) == before


def test_each_commit_on_a_pypi_upstream_is_refused(tmp_path: Path) -> None:
    definition = write_def(
        tmp_path / "def",
        "mypkg",
        'type = "pypi"\nproject = "mypkg"\nindex = "http://127.0.0.1:9/pypi"',
    )
    before = state(definition)
    result = run_cli(definition, "sync", "mypkg", "--each-commit", "--to", "main")
    assert result.exit_code == 2, result.output
    assert "--each-commit steps through a git upstream's commits, and mypkg is a PyPI" in (
        error_line(result.stderr)
    )
    assert state(definition) == before
    to_branch = run_cli(definition, "sync", "mypkg", "--to", "main")
    assert to_branch.exit_code == 2
    assert "--to 'main' is not a version" in error_line(to_branch.stderr)
    assert state(definition) == before
