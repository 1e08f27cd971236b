"""A release that turns a directory into a file: the merge's "in the way" check and undo
keep every byte of the user's (found by review: undo once lost a file it said it kept)."""

from __future__ import annotations

import os
from pathlib import Path

from tests.helpers import build_file_tree, git, git_save, run_cli
from tests.test_sync_git import fork_path


def _dir_to_file_with_a_conflict(upstream_repo: Path) -> None:
    """1.3: data/x/ holds two files; 1.4: data/x is a file, and core.py's greeting
    changes (the fork changes it too: a conflict)."""
    git(upstream_repo, "checkout", "-q", "v1.1")
    build_file_tree(upstream_repo, {"data/x/a.txt": "a\n", "data/x/b.txt": "b\n"})
    git_save(upstream_repo, "release 1.3", tag="v1.3")
    git(upstream_repo, "rm", "-rq", "data/x")
    build_file_tree(upstream_repo, {"data/x": "now a file\n"})
    core = upstream_repo / "src/mypkg/core.py"
    core.write_text(core.read_text().replace('"Hello, "', '"Hi, "'))
    git_save(upstream_repo, "release 1.4", tag="v1.4")


def _conflicted(definition: Path, upstream_repo: Path) -> Path:
    _dir_to_file_with_a_conflict(upstream_repo)
    fork = fork_path(definition)
    assert run_cli(definition, "sync", "--to", "1.3").exit_code == 0
    core = fork / "src/ourpkg/core.py"
    core.write_text(core.read_text().replace('"Hello, "', '"Yo, "'))
    git(fork, "commit", "-qam", "fork edit")
    result = run_cli(definition, "sync", "--to", "1.4")
    assert result.exit_code == 1, result.output  # conflicts wait in core.py
    assert (fork / "data/x").read_text() == "now a file\n"
    return fork


def test_abort_keeps_the_users_edit_of_a_file_that_replaced_a_directory(
    definition: Path, upstream_repo: Path
) -> None:
    """While resolving, the user writes into data/x (the release's new file); then aborts.
    data/x holds content forktool did not write: it must be kept and named. Instead undo
    puts back data/x/a.txt and data/x/b.txt ('nothing there', the fork had them) with
    'git checkout --no-overlay', which unlinks the file data/x to make the directory:
    the user's bytes are gone, and the message still names data/x as kept."""
    fork = _conflicted(definition, upstream_repo)
    (fork / "data/x").write_text("my notes, not in git anywhere\n")
    result = run_cli(definition, "sync", "--abort")
    assert "data/x" in result.output
    assert (fork / "data/x").is_file(), "the kept file was replaced by a directory"
    assert (fork / "data/x").read_text() == "my notes, not in git anywhere\n"


def test_next_sync_after_a_kill_keeps_the_users_edit(definition: Path, upstream_repo: Path) -> None:
    """The same through the next sync after a kill (git's merge state gone, the intent
    record left): the user's edit of data/x is lost the same way."""
    fork = _conflicted(definition, upstream_repo)
    for name in ("MERGE_HEAD", "MERGE_MSG", "MERGE_MODE", "AUTO_MERGE"):
        (fork / ".git" / name).unlink(missing_ok=True)
    (fork / "data/x").write_text("my notes, not in git anywhere\n")
    result = run_cli(definition, "sync", "--to", "1.4")
    assert (fork / "data/x").is_file(), result.output
    assert (fork / "data/x").read_text() == "my notes, not in git anywhere\n"


# --- the 'in the way' check: cases checked sound (these pass) ---------------------------


def _dir_to_file(upstream_repo: Path, files: dict[str, str], symlinks: dict[str, str]) -> None:
    git(upstream_repo, "checkout", "-q", "v1.1")
    build_file_tree(upstream_repo, files)
    for link, target in symlinks.items():
        (upstream_repo / link).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, upstream_repo / link)
    git_save(upstream_repo, "release 1.3", tag="v1.3")
    git(upstream_repo, "rm", "-rq", "data/x")
    build_file_tree(upstream_repo, {"data/x": "now a file\n"})
    git_save(upstream_repo, "release 1.4", tag="v1.4")


ODD = "data/x/we ird\tna\\me [*]?.txt"


def test_tracked_nested_dirs_symlinks_odd_names_and_empty_dirs_are_replaced(
    definition: Path, upstream_repo: Path
) -> None:
    _dir_to_file(
        upstream_repo,
        {"data/x/a.txt": "a\n", "data/x/deep/er/b.txt": "b\n", ODD: "odd\n", "data/y/c": "c\n"},
        {"data/x/to_dir": "../y", "data/x/dangling": "nowhere"},
    )
    fork = fork_path(definition)
    assert run_cli(definition, "sync", "--to", "1.3").exit_code == 0
    (fork / "data/x/empty/also_empty").mkdir(parents=True)  # the user's, but no bytes
    result = run_cli(definition, "sync", "--to", "1.4")
    assert result.exit_code == 0, result.output
    assert (fork / "data/x").read_text() == "now a file\n"
    assert (fork / "data/y/c").read_text() == "c\n"  # the link's target is untouched
    assert git(fork, "status", "--porcelain", "--ignored") == ""


def test_a_users_file_behind_a_tracked_symlink_to_a_directory_is_not_touched(
    definition: Path, upstream_repo: Path
) -> None:
    _dir_to_file(upstream_repo, {"data/x/a.txt": "a\n", "data/y/c": "c\n"}, {"data/x/l": "../y"})
    fork = fork_path(definition)
    assert run_cli(definition, "sync", "--to", "1.3").exit_code == 0
    (fork / "data/y/mine").write_text("mine\n")  # reached through data/x/l too
    result = run_cli(definition, "sync", "--to", "1.4")
    # refused naming data/y/mine? no: it is outside data/x; git removes only the link
    assert (fork / "data/y/mine").read_text() == "mine\n", result.output


def test_an_untracked_symlink_and_a_non_utf8_name_are_named(
    definition: Path, upstream_repo: Path
) -> None:
    _dir_to_file(upstream_repo, {"data/x/a.txt": "a\n"}, {})
    fork = fork_path(definition)
    assert run_cli(definition, "sync", "--to", "1.3").exit_code == 0
    os.symlink("/etc", fork / "data/x/mylink")
    result = run_cli(definition, "sync", "--to", "1.4")
    assert result.exit_code == 2 and "data/x/mylink" in result.output
    os.unlink(fork / "data/x/mylink")
    name = os.fsdecode(b"data/x/caf\xe9")
    Path(fork / name).write_bytes(b"latin-1 named\n")
    result = run_cli(definition, "sync", "--to", "1.4")
    assert result.exit_code == 2, result.output
    assert Path(fork / name).read_bytes() == b"latin-1 named\n"


# --- the 'in the way' check: pathspec magic in the directory's name ---------------------


def test_a_directory_whose_name_is_pathspec_magic(tmp_path: Path) -> None:
    """ls-tree's path is a pathspec: ':x/' lists x/ (so the fork's own ':x/a' is named as
    untracked: a false refusal), and ':!x/' makes ls-tree fail (GitFailed, not a refusal).
    Safe for the user's bytes either way; GIT_LITERAL_PATHSPECS=1 (as index.py passes)
    fixes both."""
    from tests.helpers import saved_repo

    repo = saved_repo(tmp_path / "r", {":x/a": "a\n", "x/b": "b\n"})
    assert repo._in_the_way(":x", repo.resolve("HEAD"), set()) is None


def test_a_directory_whose_name_is_exclude_magic(tmp_path: Path) -> None:
    from tests.helpers import saved_repo

    repo = saved_repo(tmp_path / "r", {":!y/c": "c\n"})
    assert repo._in_the_way(":!y", repo.resolve("HEAD"), set()) is None
