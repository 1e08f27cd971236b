"""Files in the merge's way: what a sync refuses before it records its intent, and what it
lets through, with every byte of the user's checkout, git dir and definition as it was
(found by review: an ignored file where a release makes a directory was silently replaced;
a file the fork stopped tracking blocked every sync; check skipped linked worktrees; a
refused sync still turned on rerere)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from forktool.git.merge import Merging
from tests.helpers import build_file_tree, git, git_save, run_cli, saved_repo, snapshot
from tests.test_sync_errors import error_line, fork_path


def _hashes(root: Path) -> dict[str, str]:
    """sha256 of every file below ``root`` (links as their target), by relative path."""
    found = {}
    for path in sorted(root.rglob("*")):
        name = str(path.relative_to(root))
        if path.is_symlink():
            found[name] = "link:" + os.readlink(path)
        elif path.is_file():
            found[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def _everything(definition: Path, upstream_repo: Path) -> tuple[object, ...]:
    """What a refused sync must leave as it was: the fork's checkout (ignored files too)
    and refs, its git config, forktool's state files (not its caches) and the rerere link
    in its git dir, the definition's files, the upstream repository."""
    fork = fork_path(definition)
    git_dir = fork / ".git"
    return (
        snapshot(fork),
        (git_dir / "config").read_text(),
        {k: v for k, v in _hashes(git_dir / "forktool").items() if not k.startswith("cache/")},
        os.path.lexists(git_dir / "rr-cache"),
        {k: v for k, v in _hashes(definition).items() if not k.startswith("forks/")},
        snapshot(upstream_repo),
    )


def _release(upstream_repo: Path, files: dict[str, str]) -> None:
    """Upstream release 1.3: release 1.1 plus ``files``."""
    git(upstream_repo, "checkout", "-q", "v1.1")
    build_file_tree(upstream_repo, files)
    git_save(upstream_repo, "release 1.3", tag="v1.3")


def _refused(definition: Path, upstream_repo: Path, says: str) -> None:
    before = _everything(definition, upstream_repo)
    result = run_cli(definition, "sync", "--to", "1.3")
    assert result.exit_code == 2, result.output
    assert says in error_line(result.output)
    assert _everything(definition, upstream_repo) == before


def test_an_ignored_file_where_the_release_makes_a_directory_is_refused_then_retried(
    definition: Path, upstream_repo: Path
) -> None:
    """Release 1.3 adds src/mypkg/notes/todo.txt; the fork keeps an ignored *file*
    src/ourpkg/notes. git replaces ignored files without asking: forktool refuses, naming
    it, and changes nothing (not even git's config); once moved, the sync goes through."""
    fork = fork_path(definition)
    assert run_cli(definition, "sync", "--to", "1.0").exit_code == 0
    (fork / ".gitignore").write_text("notes\n")
    git(fork, "add", ".gitignore")
    git(fork, "commit", "-qm", "ignore my notes")
    (fork / "src/ourpkg/notes").write_text("my private notes\n")
    _release(upstream_repo, {"src/mypkg/notes/todo.txt": "upstream todo\n"})
    says = "untracked working tree file 'src/ourpkg/notes' would be overwritten by the merge"
    _refused(definition, upstream_repo, says)
    _refused(definition, upstream_repo, says)  # the same again: nothing half-done
    (fork / "src/ourpkg/notes").rename(definition / "notes.bak")
    result = run_cli(definition, "sync", "--to", "1.3")
    assert result.exit_code == 0, result.output
    assert (fork / "src/ourpkg/notes/todo.txt").read_text() == "upstream todo\n"
    assert (definition / "notes.bak").read_text() == "my private notes\n"


def test_an_untracked_link_where_the_release_makes_a_directory_is_refused(
    definition: Path, upstream_repo: Path, tmp_path: Path
) -> None:
    """An untracked symbolic link where the merge needs a directory: refused, the link and
    what it points at kept."""
    fork = fork_path(definition)
    assert run_cli(definition, "sync", "--to", "1.0").exit_code == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "todo.txt").write_text("mine\n")
    os.symlink(elsewhere, fork / "docs")
    _release(upstream_repo, {"docs/todo.txt": "upstream todo\n"})
    _refused(definition, upstream_repo, "untracked working tree file 'docs'")
    assert (elsewhere / "todo.txt").read_text() == "mine\n"


def test_a_tracked_file_the_release_turns_into_a_directory_is_no_refusal(
    definition: Path, upstream_repo: Path
) -> None:
    """The fork tracks data (a file); the release makes data/ a directory: git's to do."""
    _release(upstream_repo, {"data": "a file\n"})
    git(upstream_repo, "tag", "-d", "v1.3")
    git(upstream_repo, "tag", "v1.2")
    assert run_cli(definition, "sync", "--to", "1.2").exit_code == 0
    git(upstream_repo, "rm", "-q", "data")
    build_file_tree(upstream_repo, {"data/inside.txt": "now a directory\n"})
    git_save(upstream_repo, "release 1.3", tag="v1.3")
    result = run_cli(definition, "sync", "--to", "1.3")
    assert result.exit_code == 0, result.output
    assert (fork_path(definition) / "data/inside.txt").read_text() == "now a directory\n"


def test_a_file_the_fork_stopped_tracking_but_keeps_does_not_block_syncs(
    definition: Path, upstream_repo: Path
) -> None:
    """The fork untracks README.txt (kept on disk, ignored, edited); the merge's result
    has no README.txt (the fork deleted it, upstream did not change it), so nothing is in
    the way: the sync goes through and the file keeps the user's bytes."""
    fork = fork_path(definition)
    assert run_cli(definition, "sync", "--to", "1.1").exit_code == 0
    git(fork, "rm", "-q", "--cached", "README.txt")
    (fork / ".gitignore").write_text("README.txt\n")
    git(fork, "add", ".gitignore")
    git(fork, "commit", "-qm", "README.txt is mine now")
    (fork / "README.txt").write_text("the fork's own readme\n")
    _release(upstream_repo, {"NEWS.txt": "upstream news\n"})
    check = run_cli(definition, "check", "--to", "1.3", "--json")
    assert json.loads(check.output)["results"][0]["in_the_way"] == "", check.output
    result = run_cli(definition, "sync", "--to", "1.3")
    assert result.exit_code == 0, result.output
    assert (fork / "README.txt").read_text() == "the fork's own readme\n"
    assert (fork / "NEWS.txt").read_text() == "upstream news\n"


def test_check_names_the_file_in_a_linked_worktree_and_in_markdown(
    definition: Path, upstream_repo: Path
) -> None:
    """The fork's checkout is a linked worktree (``git worktree add``): check still names
    the file a sync would refuse to overwrite, in every format, and the sync refuses."""
    main = fork_path(definition)
    assert run_cli(definition, "sync", "--to", "1.1").exit_code == 0
    git(main, "checkout", "-q", "--detach")
    linked = definition / "linked"
    git(main, "worktree", "add", "-q", str(linked), "main")
    toml = definition / "upstream/mypkg.toml"
    toml.write_text(toml.read_text() + '\n[fork]\npath = "linked"\n')
    _release(upstream_repo, {"NEWS.txt": "upstream news\n"})
    (linked / "NEWS.txt").write_text("my untracked notes\n")
    check = run_cli(definition, "check", "--to", "1.3", "--json")
    assert json.loads(check.output)["results"][0]["in_the_way"] == "NEWS.txt", check.output
    markdown = run_cli(definition, "check", "--to", "1.3", "--format", "markdown").output
    assert "A sync now would be refused" in markdown and "`NEWS.txt`" in markdown, markdown
    terminal = run_cli(definition, "check", "--to", "1.3").output
    assert "a sync now would be refused" in terminal and "NEWS.txt" in terminal, terminal
    before = snapshot(main), (linked / "NEWS.txt").read_bytes()
    result = run_cli(definition, "sync", "--to", "1.3")
    assert result.exit_code == 2 and "'NEWS.txt'" in error_line(result.output), result.output
    assert (snapshot(main), (linked / "NEWS.txt").read_bytes()) == before


def test_a_file_in_a_repository_with_no_commits_yet_is_refused(
    definition: Path, upstream_repo: Path
) -> None:
    """The user made the fork's repository (no commits yet) and keeps files there, one
    ignored: the first sync refuses to check out over either, leaving them as they were."""
    fork = fork_path(definition)
    fork.mkdir(parents=True)
    git(fork, "init", "-q", "-b", "main")
    (fork / ".git/info/exclude").write_text("pyproject.toml\n")
    (fork / "pyproject.toml").write_text("my own project\n")
    (fork / "other.txt").write_text("kept\n")
    before = snapshot(fork)
    result = run_cli(definition, "sync", "--to", "1.0")
    assert result.exit_code == 2, result.output
    assert "'pyproject.toml' would be overwritten" in error_line(result.output)
    assert snapshot(fork) == before
    (fork / ".git/info/exclude").write_text("")
    result = run_cli(definition, "sync", "--to", "1.0")
    assert result.exit_code == 2 and "'pyproject.toml'" in error_line(result.output)
    (fork / "pyproject.toml").unlink()
    result = run_cli(definition, "sync", "--to", "1.0")
    assert result.exit_code == 0, result.output
    assert (fork / "other.txt").read_text() == "kept\n"


def _fork_changes_helpers(fork: Path) -> None:
    """A fork commit that makes release 1.3 (which changes helpers.py too) conflict."""
    (fork / "src/ourpkg/helpers.py").write_text("the fork's helpers\n")
    git(fork, "commit", "-qam", "fork helpers")


@pytest.mark.parametrize("conflicted", [False, True])
@pytest.mark.parametrize("flag", ["--skip-worktree", "--assume-unchanged"])
def test_an_edit_hidden_from_git_in_a_file_the_merge_writes_is_refused_then_retried(
    definition: Path, upstream_repo: Path, flag: str, conflicted: bool
) -> None:
    """The user hides an edit of README.txt from git (no ``git status`` shows it); release
    1.3 changes README.txt. A conflicted ``git merge`` would reset the file to HEAD (the
    edit gone); a clean one would be refused by git after the intent. forktool refuses
    first, naming it, changing nothing; once the edit is committed, the sync goes on."""
    fork = fork_path(definition)
    assert run_cli(definition, "sync", "--to", "1.1").exit_code == 0
    if conflicted:
        _fork_changes_helpers(fork)
    git(fork, "update-index", flag, "README.txt")
    (fork / "README.txt").write_text("MY LOCAL EDIT\n")
    _release(upstream_repo, {"README.txt": "upstream 1.3\n", "src/mypkg/helpers.py": "up\n"})
    check = run_cli(definition, "check", "--to", "1.3", "--json")
    assert json.loads(check.output)["results"][0]["in_the_way"] == "README.txt", check.output
    _refused(definition, upstream_repo, "'README.txt' holds changes git is told not to look at")
    assert (fork / "README.txt").read_text() == "MY LOCAL EDIT\n"
    for cleared in ("--no-assume-unchanged", "--no-skip-worktree"):  # as the hint says
        git(fork, "update-index", cleared, "--", "README.txt")
    git(fork, "commit", "-qam", "my edit")
    result = run_cli(definition, "sync", "--to", "1.3")
    assert result.exit_code == 1, result.output  # README.txt (and helpers.py) conflict
    assert "MY LOCAL EDIT" in (fork / "README.txt").read_text()


def test_a_hidden_file_the_merge_does_not_write_and_a_sparse_absent_one_are_no_obstacle(
    definition: Path, upstream_repo: Path
) -> None:
    """An edit hidden in a file the merge leaves alone, and a skip-worktree file absent
    from the checkout (as a sparse checkout leaves it) that the merge changes: the sync
    goes through, the hidden edit as it was."""
    fork = fork_path(definition)
    assert run_cli(definition, "sync", "--to", "1.1").exit_code == 0
    git(fork, "update-index", "--assume-unchanged", "src/ourpkg/cli.py")
    (fork / "src/ourpkg/cli.py").write_text("local only\n")
    git(fork, "update-index", "--skip-worktree", "README.txt")
    (fork / "README.txt").unlink()
    _release(upstream_repo, {"README.txt": "upstream 1.3\n"})
    result = run_cli(definition, "sync", "--to", "1.3")
    assert result.exit_code == 0, result.output
    assert (fork / "src/ourpkg/cli.py").read_text() == "local only\n"


def test_a_tracked_link_becoming_a_big_directory_is_checked_with_few_git_calls(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fork tracks docs as a link; the release makes docs/ a directory of 300 files:
    whether the leading 'docs' is tracked is asked once, not once per file (found by
    review: 300 git calls, about 1.4 s per 1,000 files)."""
    path = tmp_path / "r"
    repo = saved_repo(path, {"README": "x\n"})
    os.symlink("README", path / "docs")
    head = git_save(path, "docs is a link")
    git(path, "checkout", "-qb", "side")
    (path / "docs").unlink()
    build_file_tree(path, {f"docs/d{n % 10}/f{n}.txt": f"{n}\n" for n in range(300)})
    side = git_save(path, "docs becomes a directory")
    git(path, "checkout", "-q", "main")
    calls: list[str] = []
    tracked = Merging._tracked

    def counted(self: Merging, at: str | None, spec: str) -> list[str]:
        calls.append(spec)
        return tracked(self, at, spec)

    monkeypatch.setattr(Merging, "_tracked", counted)
    assert repo.file_in_the_way(head, repo.merge_preview(side).tree) is None
    assert calls == ["docs"]
