"""Names and inputs that would corrupt state, or used to end in a traceback: one error line,
exit code 2, and the fork definition, the fork repository and the upstream as they were."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from forktool import config
from forktool.errors import ConfigError, SourceError
from forktool.git.repository import GitRepo
from tests.helpers import git, git_save, run_cli, snapshot, write_definition
from tests.indexserver import IndexServer
from tests.test_sync_pypi import sdist_files

# -- helpers -------------------------------------------------------------------------------


def fork_path(definition: Path) -> Path:
    return definition / "forks" / "mypkg"


def files_below(root: Path, skip: str = "") -> dict[str, str]:
    """Every path below ``root`` (but ``skip``): files by content, directories, links."""
    found: dict[str, str] = {}
    if not root.exists():
        return found
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if skip and (rel == skip or rel.startswith(skip + "/")):
            continue
        if path.is_symlink():
            found[rel] = "-> " + os.readlink(path)
        elif path.is_dir():
            found[rel] = "directory"
        else:
            found[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def state(definition: Path, upstream: Path) -> tuple[object, ...]:
    """What a user could notice: the definition's files, the fork repository (refs, HEAD,
    index, files, git config) and the upstream repository."""
    fork = fork_path(definition)
    config_file = fork / ".git" / "config"
    return (
        files_below(definition, skip="forks/mypkg"),
        snapshot(fork),
        config_file.read_text() if config_file.exists() else None,
        snapshot(upstream),
    )


def error_line(output: str) -> str:
    """The one error line (progress lines may come before it, nothing after it)."""
    lines = [line for line in output.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 1, output
    assert lines[-1] == errors[0], output
    return errors[0]


def assert_refused(definition: Path, upstream: Path, *args: str, says: str) -> str:
    """Run the CLI; it must exit 2 with one error line saying ``says``, changing nothing."""
    before = state(definition, upstream)
    result = run_cli(definition, *args)
    assert result.exit_code == 2, result.output
    line = error_line(result.output)
    assert says in line, line
    assert state(definition, upstream) == before
    return line


def set_toml(definition: Path, old: str, new: str) -> None:
    toml = definition / "upstream" / "mypkg.toml"
    text = toml.read_text()
    assert old in text
    toml.write_text(text.replace(old, new, 1))


@pytest.fixture
def synced(definition: Path) -> Path:
    result = run_cli(definition, "sync", "mypkg", "--to", "1.0")
    assert result.exit_code == 0, result.output
    return definition


# -- the fork branch ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "branch",
    ["vendor/mypkg", "transformed/mypkg", "vendor", "vendor/other", "transformed", "forktool/x"]
    + ["upstream/mypkg/1.0"],
)
def test_fork_branch_among_forktools_refs_is_refused(
    definition: Path, upstream_repo: Path, branch: str
) -> None:
    (definition / "upstream/mypkg.toml").write_text(
        (definition / "upstream/mypkg.toml").read_text() + f'\n[fork]\nbranch = "{branch}"\n'
    )
    line = assert_refused(definition, upstream_repo, "sync", says=f"fork.branch {branch!r}")
    assert "upstream/mypkg.toml" in line and "is forktool's" in line
    assert not fork_path(definition).exists()


@pytest.mark.parametrize("branch", ["bad..name", "-x", "HEAD", "a b", "x.lock", "a/", "@{-1}"])
def test_fork_branch_git_rejects_is_refused_before_any_repository(
    definition: Path, upstream_repo: Path, branch: str
) -> None:
    toml = definition / "upstream/mypkg.toml"
    good = toml.read_text()
    toml.write_text(good + f'\n[fork]\nbranch = "{branch}"\n')
    assert_refused(definition, upstream_repo, "sync", says="is not a valid git branch name")
    assert not fork_path(definition).exists()  # once, a half-made repository blocked the next
    toml.write_text(good + '\n[fork]\nbranch = "trunk"\n')
    result = run_cli(definition, "sync", "--to", "1.0")
    assert result.exit_code == 0, result.output
    assert git(fork_path(definition), "symbolic-ref", "--short", "HEAD") == "trunk"


def test_upstream_name_that_makes_no_ref_is_refused(tmp_path: Path, upstream_repo: Path) -> None:
    write_definition(tmp_path / "def", "my..pkg", f'type = "git"\nurl = "{upstream_repo}"')
    with pytest.raises(ConfigError, match="not a usable upstream name"):
        config.load(tmp_path / "def", "my..pkg")


# -- new package names ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("new", "says"),
    [
        ("class", "'class' is a Python keyword"),
        ("import", "'import' is a Python keyword"),
        ("acme.class", "holds the Python keyword 'class'"),
        ("ourpkg\\n", "is not a valid module path"),
        ("our pkg", "is not a valid module path"),
        ("ourpkg\\t", "is not a valid module path"),
        (" ourpkg", "is not a valid module path"),
        ("our\\u0000pkg", "is not a valid module path"),
    ],
)
def test_unusable_new_package_name_is_refused(
    definition: Path, upstream_repo: Path, new: str, says: str
) -> None:
    set_toml(definition, 'mypkg = "ourpkg"', f'mypkg = "{new}"')
    line = assert_refused(definition, upstream_repo, "sync", says=says)
    assert "upstream/mypkg.toml: rename.packages: 'mypkg'" in line
    assert not fork_path(definition).exists()


@pytest.mark.parametrize("new", ["match", "case", "type", "_", "match.case"])
def test_soft_keywords_are_package_names(definition: Path, new: str) -> None:
    set_toml(definition, 'mypkg = "ourpkg"', f'mypkg = "{new}"')
    assert config.load(definition, "mypkg").rename.packages == {"mypkg": new}


# -- git URLs that make git run programs ---------------------------------------------------


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("ext::sh -c touch% PWNED", "transport-helper syntax (ext::)"),
        ("fd::3", "transport-helper syntax (fd::)"),
        ("foo::https://example.org/x.git", "transport-helper syntax (foo::)"),
        ("--upload-pack=touch PWNED:x", "starts with '-'"),
        ("-oProxyCommand=x", "starts with '-'"),
    ],
)
def test_git_url_that_runs_a_program_is_refused(
    definition: Path, upstream_repo: Path, tmp_path: Path, url: str, says: str
) -> None:
    set_toml(definition, f'url = "{upstream_repo}"', f'url = "{url}"')
    for args in (["sync"], ["status"], ["check"]):
        line = assert_refused(definition, upstream_repo, *args, says=says)
        assert "upstream/mypkg.toml: source.url" in line
    assert not any(path.name == "PWNED" for path in tmp_path.rglob("*"))


# -- --root without a definition -----------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["sync"],
        ["sync", "mypkg"],
        ["status"],
        ["check"],
        ["leftovers"],
        ["report"],
        ["shims"],
        ["rename", "."],
        ["rename", "--map", "a=b", "."],
        ["patch", "list"],
        ["patch", "add", "HEAD"],
        ["patch", "refresh"],
        ["patch", "drop", "x.patch"],
        ["patch", "replay"],
    ],
)
@pytest.mark.parametrize("exists", [True, False])
def test_root_without_a_definition_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], exists: bool
) -> None:
    monkeypatch.chdir(tmp_path)  # were --root ignored, "rename ." would work here
    root = tmp_path / "not-a-definition"
    if exists:
        (root / "upstream").mkdir(parents=True)
        (root / "upstream" / "notes.txt").write_text("no toml here\n")
    before = files_below(tmp_path)
    result = run_cli(root, *args)
    assert result.exit_code == 2, result.output
    assert f"--root {root} holds no fork definition" in error_line(result.output)
    assert files_below(tmp_path) == before


# -- a release version that cannot be a tag ----------------------------------------------


@pytest.fixture
def untaggable(synced: Path, upstream_repo: Path) -> Path:
    """Upstream tags ``v1.2+abc.lock-final``: version 1.2+abc.lock (valid PEP 440), whose
    release tag ``upstream/mypkg/1.2+abc.lock`` git refuses."""
    set_toml(synced, 'type = "git"', 'type = "git"\ntag-pattern = "^v(?P<version>[^-]+)(-.*)?$"')
    (upstream_repo / "NEWS.txt").write_text("news\n")
    git_save(upstream_repo, "odd release", tag="v1.2+abc.lock-final")
    return synced


def test_release_version_that_cannot_be_a_tag_is_refused(
    untaggable: Path, upstream_repo: Path
) -> None:
    says = "mypkg 1.2+abc.lock cannot be integrated: its release tag upstream/mypkg/1.2+abc.lock"
    assert_refused(untaggable, upstream_repo, "sync", says=says)
    assert_refused(untaggable, upstream_repo, "sync", "--to", "1.2+abc.lock", says=says)
    assert_refused(untaggable, upstream_repo, "check", says=says)
    before = state(untaggable, upstream_repo)
    status = run_cli(untaggable, "status")
    assert status.exit_code == 0, status.output
    assert "1.2+abc.lock" in status.output
    assert state(untaggable, upstream_repo) == before
    result = run_cli(untaggable, "sync", "--to", "1.1")  # the releases around it still work
    assert result.exit_code == 0, result.output


def test_sync_each_over_a_range_holding_it_refuses_before_anything(
    untaggable: Path, upstream_repo: Path
) -> None:
    (upstream_repo / "NEWS.txt").write_text("more news\n")
    git_save(upstream_repo, "release 1.3", tag="v1.3")
    # 1.1 would integrate, 1.2+abc.lock not: nothing is integrated, not 1.1 alone.
    assert_refused(untaggable, upstream_repo, "sync", "--each", says="1.2+abc.lock cannot be")
    result = run_cli(untaggable, "sync", "--each", "--to", "1.1")
    assert result.exit_code == 0, result.output
    result = run_cli(untaggable, "sync", "--to", "1.3")  # jumping over it works
    assert result.exit_code == 0, result.output


# -- patch add --name ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("../../upstream/evil.patch", "contains '/'"),
        ("sub/x.patch", "contains '/'"),
        ("a\\b.patch", "contains '\\\\'"),
        ("#x.patch", "contains '#'"),
        ("x#1.patch", "contains '#'"),
        (".hidden.patch", "starts with '.'"),
        ("..", "starts with '.'"),
        ("", "is empty"),
        ("a\nb.patch", "control character"),
        (" x.patch", "whitespace"),
    ],
)
def test_patch_add_name_must_be_a_plain_file_name(
    synced: Path, upstream_repo: Path, tmp_path: Path, name: str, says: str
) -> None:
    fork = fork_path(synced)
    (fork / "NOTES.txt").write_text("fork notes\n")
    git(fork, "add", "NOTES.txt")
    git(fork, "commit", "-qm", "fork: notes")
    outside = files_below(tmp_path, skip="def")
    assert_refused(synced, upstream_repo, "patch", "add", "HEAD", "--name", name, says=says)
    assert files_below(tmp_path, skip="def") == outside


def test_patch_add_absolute_name_is_refused(
    synced: Path, upstream_repo: Path, tmp_path: Path
) -> None:
    fork = fork_path(synced)
    (fork / "NOTES.txt").write_text("fork notes\n")
    git(fork, "add", "NOTES.txt")
    git(fork, "commit", "-qm", "fork: notes")
    target = tmp_path / "elsewhere" / "evil.patch"
    target.parent.mkdir()
    assert_refused(
        synced, upstream_repo, "patch", "add", "HEAD", "--name", str(target), says="contains '/'"
    )
    assert not target.exists()


# -- files of the definition that are not what they should be --------------------------


def test_lock_file_that_is_a_directory(synced: Path, upstream_repo: Path) -> None:
    lock = synced / "upstream/mypkg.lock"
    lock.unlink()
    lock.mkdir()
    for args in (["sync", "--to", "1.1"], ["status"], ["check"], ["shims"]):
        assert_refused(synced, upstream_repo, *args, says="lock file mypkg.lock is not a file")


@pytest.mark.parametrize("kind", ["latin-1", "directory"])
def test_series_file_not_utf8_or_a_directory(synced: Path, upstream_repo: Path, kind: str) -> None:
    series = synced / "patches/mypkg/series"
    if kind == "directory":
        series.mkdir()
        says = "patches/mypkg/series is not a file"
    else:
        series.write_bytes("caf\xe9.patch\n".encode("latin-1"))
        says = "patches/mypkg/series is not UTF-8 text"
    for args in (["sync", "--to", "1.1"], ["patch", "list"], ["check"], ["patch", "replay"]):
        assert_refused(synced, upstream_repo, *args, says=says)


def test_rerere_cache_that_is_a_file(synced: Path, upstream_repo: Path) -> None:
    (synced / "patches/mypkg/rr-cache").write_text("not a directory\n")
    assert_refused(
        synced, upstream_repo, "sync", "--to", "1.1", says="patches/mypkg/rr-cache is not a"
    )


def test_enable_rerere_refuses_a_file_and_changes_nothing(synced: Path) -> None:
    fork = fork_path(synced)
    cache = synced / "patches/mypkg/rr-cache"
    cache.write_text("not a directory\n")
    before = (fork / ".git/config").read_text(), files_below(fork / ".git", skip="objects")
    with pytest.raises(ConfigError, match="rr-cache is not a directory"):
        GitRepo(fork).enable_rerere(cache)
    assert (
        (fork / ".git/config").read_text(),
        files_below(fork / ".git", skip="objects"),
    ) == before


def _conflict(synced: Path) -> None:
    fork = fork_path(synced)
    core = fork / "src/ourpkg/core.py"
    core.write_text(core.read_text().replace('"hello "', '"Yo "'))
    git(fork, "commit", "-qam", "fork edit")
    assert run_cli(synced, "sync", "--to", "1.1").exit_code == 1


@pytest.mark.parametrize("waiting", [True, False])
@pytest.mark.parametrize("fmt", ["markdown", "json", "html", "terminal"])
def test_report_into_a_missing_directory(
    synced: Path, upstream_repo: Path, waiting: bool, fmt: str
) -> None:
    if waiting:
        _conflict(synced)
    assert_refused(
        synced,
        upstream_repo,
        "report",
        "--format",
        fmt,
        "-o",
        str(synced / "missing/dir/x.md"),
        says=f"cannot write {synced / 'missing/dir/x.md'}: the directory "
        + str(synced / "missing/dir")
        + " does not exist — create it first, or give a file in an existing directory",
    )


@pytest.mark.parametrize(("option", "value"), [("--from", "banana"), ("--to", "1.x")])
def test_patch_replay_with_a_bad_version(
    synced: Path, upstream_repo: Path, option: str, value: str
) -> None:
    says = f"{option} {value!r} is not a version"
    assert_refused(synced, upstream_repo, "patch", "replay", option, value, says=says)


# -- release dates git cannot record -----------------------------------------------------


def test_sdist_dated_before_1970_is_refused(tmp_path: Path, index_server: IndexServer) -> None:
    index_server.add_release("mypkg", "1.0", sdist_files("1.0", '"hello "'))
    index_server.add_release(
        "mypkg", "1.1", sdist_files("1.1", '"Hi "'), date="1960-01-01T00:00:00Z"
    )
    definition = write_definition(
        tmp_path / "def",
        "mypkg",
        f'type = "pypi"\nproject = "mypkg"\nindex = "{index_server.url}"',
    )
    upstream = tmp_path / "no-git-upstream"
    assert_refused(definition, upstream, "sync", "--to", "1.1", says="before 1970")
    assert not fork_path(definition).exists()
    assert run_cli(definition, "sync", "--to", "1.0").exit_code == 0
    assert_refused(definition, upstream, "sync", "--to", "1.1", says="before 1970")


def _tag_commit_dated(repo: Path, tag: str, stamp: str) -> None:
    """Tag a commit of ``repo``'s tree whose dates are ``stamp`` (seconds, maybe negative),
    written as a raw object: git's porcelain refuses dates before 1970."""
    tree = git(repo, "rev-parse", "HEAD^{tree}")
    parent = git(repo, "rev-parse", "HEAD")
    body = (
        f"tree {tree}\nparent {parent}\nauthor Up <up@example.org> {stamp} +0000\n"
        f"committer Up <up@example.org> {stamp} +0000\n\nodd date\n"
    )
    commit = subprocess.run(
        ["git", "hash-object", "--literally", "-t", "commit", "-w", "--stdin"],
        cwd=repo,
        input=body,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    git(repo, "update-ref", f"refs/tags/{tag}", commit)


@pytest.mark.parametrize("stamp", ["-100", "999999999999"])  # 1969; the year 33658
def test_git_release_dated_outside_the_range_is_refused(
    synced: Path, upstream_repo: Path, stamp: str
) -> None:
    _tag_commit_dated(upstream_repo, "v1.3", stamp)
    assert_refused(synced, upstream_repo, "sync", "--to", "1.3", says="outside what git")


def test_commit_dated_before_1970_is_refused_by_gitrepo(synced: Path) -> None:
    repo = GitRepo(fork_path(synced))
    tree = repo.tree_of("HEAD")
    before = git(fork_path(synced), "count-objects", "-v")
    with pytest.raises(SourceError, match="before 1970"):
        repo.commit_tree(tree, [], "old\n", datetime(1960, 1, 1, tzinfo=UTC))
    assert git(fork_path(synced), "count-objects", "-v") == before


# -- an object store that cannot be written ------------------------------------------------


@contextlib.contextmanager
def read_only(directory: Path) -> Iterator[None]:
    """Make ``directory`` and the directories below it unwritable, even for root (which
    ignores permission bits: then they are made immutable with chattr, or the test skips)."""
    directories = [directory, *(p for p in directory.rglob("*") if p.is_dir())]
    modes = {d: d.stat().st_mode for d in directories}
    immutable = os.geteuid() == 0
    try:
        for d in directories:
            d.chmod(modes[d] & ~0o222)
        if immutable:
            if shutil.which("chattr") is None:
                pytest.skip("running as root without chattr: cannot make a directory read-only")
            done = subprocess.run(["chattr", "+i", *map(str, directories)], capture_output=True)
            if done.returncode != 0:
                pytest.skip(f"chattr +i failed: {done.stderr.decode().strip()}")
        yield
    finally:
        if immutable and shutil.which("chattr"):
            subprocess.run(["chattr", "-i", *map(str, directories)], capture_output=True)
        for d, mode in modes.items():
            d.chmod(mode)


def test_unwritable_object_store_git_upstream(synced: Path, upstream_repo: Path) -> None:
    with read_only(fork_path(synced) / ".git" / "objects"):
        assert_refused(synced, upstream_repo, "sync", "--to", "1.1", says="cannot be written")


def test_unwritable_object_store_pypi_upstream(tmp_path: Path, index_server: IndexServer) -> None:
    index_server.add_release("mypkg", "1.0", sdist_files("1.0", '"hello "'))
    index_server.add_release("mypkg", "1.1", sdist_files("1.1", '"Hi "'))
    definition = write_definition(
        tmp_path / "def",
        "mypkg",
        f'type = "pypi"\nproject = "mypkg"\nindex = "{index_server.url}"',
    )
    assert run_cli(definition, "sync", "--to", "1.0").exit_code == 0
    with read_only(fork_path(definition) / ".git" / "objects"):
        for args in (["sync", "--to", "1.1"], ["check"]):
            assert_refused(definition, tmp_path / "none", *args, says="cannot be written")


# -- codemods that exit --------------------------------------------------------------------


CODEMOD = """\
import sys
from forktool.patchapi import CodemodPatch
{at_import}

class Bye(CodemodPatch):
    targets = ('src/ourpkg/core.py',)

    def transform(self, module, path):
        {in_transform}
        return module

patch = Bye()
"""


@pytest.mark.parametrize(
    ("at_import", "in_transform", "says"),
    [
        ("sys.exit(3)", "pass", "SystemExit: 3"),
        ("raise KeyboardInterrupt", "pass", "KeyboardInterrupt"),
        ("", "sys.exit()", "SystemExit"),
        ("", "raise SystemExit('bye')", "SystemExit: bye"),
        ("", "raise KeyboardInterrupt", "KeyboardInterrupt"),
    ],
)
def test_codemod_that_exits_is_reported_like_one_that_raises(
    synced: Path, upstream_repo: Path, at_import: str, in_transform: str, says: str
) -> None:
    directory = synced / "patches" / "mypkg"
    (directory / "bye.py").write_text(
        CODEMOD.format(at_import=at_import, in_transform=in_transform)
    )
    (directory / "series").write_text("bye.py\n")
    line = assert_refused(synced, upstream_repo, "sync", "--to", "1.1", says="patch bye.py failed")
    assert says in line


def test_codemod_exit_in_a_subprocess_run(synced: Path) -> None:
    """The real command line, not CliRunner (which turns SystemExit into an exit code)."""
    directory = synced / "patches" / "mypkg"
    (directory / "bye.py").write_text(CODEMOD.format(at_import="sys.exit(0)", in_transform="pass"))
    (directory / "series").write_text("bye.py\n")
    done = subprocess.run(
        [sys.executable, "-m", "forktool", "--root", str(synced), "sync", "--to", "1.1"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2, done.stderr
    assert "patch bye.py failed on 1.1: SystemExit: 0" in error_line(done.stderr)
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("index", "why"),
    [
        ("http://user:s3cret@[::1/pypi", "it cannot be read as a URL"),
        ("http://user:s3cret@host:99999/pypi", "it cannot be read as a URL"),
        ("http://user:s3cret/x@host/pypi", "it cannot be read as a URL"),
        ("ftp://user:s3cret@host/pypi", "it must start with http:// or https://"),
    ],
)
@pytest.mark.parametrize("command", ["status", "sync", "check"])
def test_an_index_url_that_is_no_url_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, index: str, why: str, command: str
) -> None:
    """From $FORKTOOL_INDEX or [source] index: refused when the definition is read, the
    password never shown."""
    for source in ("", f'index = "{index}"'):
        root = tmp_path / f"def{len(source)}"
        write_definition(root, "mypkg", f'type = "pypi"\nproject = "mypkg"\n{source}')
        monkeypatch.setenv(config.INDEX_VARIABLE, "" if source else index)
        result = run_cli(root, command)
        assert result.exit_code == 2, result.output
        line = error_line(result.output)
        named = "source.index" if source else "$FORKTOOL_INDEX"
        assert f"{named} is not an index URL: {why}" in line, line
        assert "s3cret" not in result.output
        assert not (root / "forks").exists()


def test_init_with_an_index_url_that_is_no_url(tmp_path: Path) -> None:
    result = run_cli(
        tmp_path / "def", "init", "--pypi", "mypkg", "--index", "http://u:s3cret@[::1/x",
        "--package", "ourpkg", "--yes",
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "--index is not an index URL: it cannot be read as a URL" in error_line(result.output)
    assert "s3cret" not in result.output
    assert not (tmp_path / "def").exists()


def test_series_health_this_forktool_cannot_read_is_one_line(synced: Path) -> None:
    """A status a newer forktool wrote (or an edit) in .git/forktool/<name>.series.json."""
    record = synced / "forks/mypkg/.git/forktool/mypkg.series.json"
    record.write_text(
        '{"schema": 1, "upstream": "mypkg", "version": "1.0", "patches": '
        '[{"name": "a.patch", "kind": "diff", "status": "frobbed", "detail": "", "paths": []}]}'
    )
    for args in (("status", "--offline"), ("patch", "list")):
        result = run_cli(synced, *args)
        assert result.exit_code == 2, result.output
        assert "is not one this forktool reads" in error_line(result.output)
