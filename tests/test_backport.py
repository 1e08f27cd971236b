"""``forktool backport``: upstream commits and patch files renamed forward into the series,
applied by the next sync, reported ``upstreamed`` once a release has them; bad input
refused with one line, nothing changed. Real git throughout (the ``upstream_repo`` fixture
is a git upstream with tags v1.0, v1.1 and v1.2rc1)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import pytest

from forktool.cli.upstream_config import one_config
from forktool.exchange import backport as backport_mod
from forktool.git.repository import GitRepo
from forktool.model import FileEntry
from forktool.patches.apply import apply_series
from forktool.patches.series import load
from tests.helpers import git, git_save, run_cli
from tests.test_bad_input import error_line, state

LOWER = "\n\ndef lower(text):\n    import mypkg.core\n\n    return mypkg.core.greet(text).lower()\n"


def fork_path(definition: Path) -> Path:
    return definition / "forks" / "mypkg"


def patches_dir(definition: Path) -> Path:
    return definition / "patches" / "mypkg"


def series_entries(definition: Path) -> list[str]:
    lines = (patches_dir(definition) / "series").read_text().splitlines()
    return [line for line in lines if line and not line.startswith("#")]


@pytest.fixture
def synced(definition: Path) -> Path:
    result = run_cli(definition, "sync", "mypkg", "--to", "1.0")
    assert result.exit_code == 0, result.output
    return definition


def upstream_commit(upstream_repo: Path) -> str:
    """A commit on upstream's main after every release: adds ``lower()`` to helpers.py,
    in upstream's names (``import mypkg.core``)."""
    helpers = upstream_repo / "src/mypkg/helpers.py"
    helpers.write_text(helpers.read_text() + LOWER)
    return git_save(upstream_repo, "Add lower()\n\nCallers asked for it.")


def release_containing(upstream_repo: Path, tag: str) -> None:
    """Tag a release on main (which has the change), upstream having also edited a line of
    its context, so the patch no longer applies in reverse as it is."""
    helpers = upstream_repo / "src/mypkg/helpers.py"
    helpers.write_text(helpers.read_text().replace("def upper(text):", "def upper(text, /):"))
    git_save(upstream_repo, "upper() takes anything")
    git(upstream_repo, "tag", tag)


def test_commit_is_renamed_into_the_series_and_upstreamed_later(
    synced: Path, upstream_repo: Path
) -> None:
    commit = upstream_commit(upstream_repo)
    refs_before = git(fork_path(synced), "for-each-ref")
    result = run_cli(synced, "backport", commit[:10])
    assert result.exit_code == 0, result.output
    assert "added backport-add-lower.patch to the series" in result.output
    assert git(fork_path(synced), "for-each-ref") == refs_before  # fetched refs put back
    assert series_entries(synced) == ["backport-add-lower.patch"]
    text = (patches_dir(synced) / "backport-add-lower.patch").read_text()
    header, diff = text.split("\ndiff --git ", 1)
    assert header == (
        "From: Up Stream <up@example.org>\nSubject: Add lower()\n\nCallers asked for it.\n\n"
        f"Forktool-Backport: {commit}\nForktool-Base: mypkg 1.0\n---"
    )
    assert diff.startswith("a/src/ourpkg/helpers.py b/src/ourpkg/helpers.py\n")
    assert "+    import ourpkg.core\n+\n+    return ourpkg.core.greet(text).lower()\n" in diff
    assert "mypkg" not in diff

    listed = run_cli(synced, "patch", "list", "--json")
    (patch,) = json.loads(listed.stdout)["patches"]
    assert patch["metadata"]["origin"] == "backport"
    assert patch["metadata"]["backport_of"] == commit
    assert patch["metadata"]["base"] == "1.0"

    applied = run_cli(synced, "sync", "mypkg", "--to", "1.1")  # the next sync applies it
    assert applied.exit_code == 0, applied.output
    fork_helpers = (fork_path(synced) / "src/ourpkg/helpers.py").read_text()
    assert "return ourpkg.core.greet(text).lower()" in fork_helpers
    status = json.loads(run_cli(synced, "status", "--offline", "--json").stdout)
    (health,) = status["upstreams"][0]["patches"]
    assert (health["status"], health["paths"]) == ("clean", ["src/ourpkg/helpers.py"])
    assert health["metadata"]["backport_of"] == commit

    release_containing(upstream_repo, "v1.3")
    upstreamed = run_cli(synced, "sync", "mypkg", "--to", "1.3")
    assert upstreamed.exit_code == 0, upstreamed.output
    status = json.loads(run_cli(synced, "status", "--offline", "--json").stdout)
    (health,) = status["upstreams"][0]["patches"]
    assert health["status"] == "upstreamed"
    assert health["detail"] == f"the release contains upstream commit {commit[:12]} and its change"
    text_status = run_cli(synced, "status", "--offline")
    assert "backport-add-lower.patch" in text_status.output
    assert f"backport of {commit[:12]}, made on 1.0" in " ".join(text_status.output.split())
    dropped = run_cli(synced, "patch", "drop", "--upstreamed")
    assert dropped.exit_code == 0, dropped.output
    assert series_entries(synced) == []
    assert not (patches_dir(synced) / "backport-add-lower.patch").exists()


def test_patch_file_in_upstreams_names(synced: Path, upstream_repo: Path, tmp_path: Path) -> None:
    commit = upstream_commit(upstream_repo)
    patch_file = tmp_path / "1234.patch"
    patch_file.write_text(git(upstream_repo, "format-patch", "-1", "--stdout", commit) + "\n")
    result = run_cli(
        synced,
        "backport",
        str(patch_file),
        "--name",
        "lower",
        "--reason",
        "callers\nasked",
        "--json",
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["patch"] == "lower.patch"
    assert document["source"] == "file"
    assert document["backport_of"] == "1234.patch"
    assert document["subject"] == "Add lower()"
    assert (document["base"], document["three_way"]) == ("1.0", False)
    assert document["paths"] == ["src/ourpkg/helpers.py"]
    text = (patches_dir(synced) / "lower.patch").read_text()
    assert (
        "Forktool-Backport: 1234.patch\nReason: callers asked\nForktool-Base: mypkg 1.0\n" in text
    )
    assert "+    return ourpkg.core.greet(text).lower()\n" in text
    listed = run_cli(synced, "patch", "list")
    assert "backport of" in listed.output and "reason: callers asked" in listed.output
    (patch,) = json.loads(run_cli(synced, "patch", "list", "--json").stdout)["patches"]
    assert patch["metadata"]["reason"] == "callers asked"
    assert patch["metadata"]["backport_of"] == "1234.patch"


def test_change_made_on_newer_code_goes_on_the_release_three_way(
    synced: Path, upstream_repo: Path
) -> None:
    helpers = upstream_repo / "src/mypkg/helpers.py"
    helpers.write_text("# helpers, newer than 1.0\n" + helpers.read_text())
    git_save(upstream_repo, "a comment on main")
    commit = upstream_commit(upstream_repo)
    result = run_cli(synced, "backport", commit, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["three_way"] is True
    text = (patches_dir(synced) / "backport-add-lower.patch").read_text()
    assert "# helpers, newer than 1.0" not in text  # made on 1.0 as the fork has it
    fork = GitRepo(fork_path(synced))
    assert fork.apply_patch(fork.tree_of("transformed/mypkg"), text.encode()).tree is not None
    check = run_cli(synced, "check", "--to", "1.1", "--json")
    (outcome,) = json.loads(check.stdout)["results"][0]["patches"]
    assert outcome["status"] == "clean"


def assert_refused(definition: Path, upstream: Path, *args: str, says: str) -> None:
    before = state(definition, upstream)
    result = run_cli(definition, "backport", *args)
    assert result.exit_code == 2, result.output
    assert says in error_line(result.output)
    assert state(definition, upstream) == before
    as_json = run_cli(definition, "backport", *args, "--json")
    assert as_json.exit_code == 2
    assert says in json.loads(as_json.stdout)["error"]["message"]
    assert state(definition, upstream) == before


def test_bad_input_is_refused_and_changes_nothing(
    synced: Path, upstream_repo: Path, tmp_path: Path
) -> None:
    fork = fork_path(synced)
    (fork / "local.txt").write_text("fork only\n")
    fork_commit = git_save(fork, "a fork commit")
    assert_refused(synced, upstream_repo, fork_commit, says=f"has no commit {fork_commit}")
    assert_refused(synced, upstream_repo, "deadbeef" * 5, says="has no commit deadbeef")
    assert_refused(synced, upstream_repo, "no-such-thing", says="neither a patch file nor a commit")

    git(upstream_repo, "checkout", "-q", "-b", "side")
    side = upstream_commit(upstream_repo)
    git(upstream_repo, "checkout", "-q", "main")
    (upstream_repo / "NEWS").write_text("news\n")
    git_save(upstream_repo, "news")
    git(upstream_repo, "merge", "-q", "--no-ff", "-m", "Merge side", side)
    merge = git(upstream_repo, "rev-parse", "HEAD")
    assert_refused(synced, upstream_repo, merge, says="is a merge commit")
    v10 = git(upstream_repo, "rev-parse", "v1.0^{commit}")
    assert_refused(synced, upstream_repo, v10, says="is the repository's first commit")

    not_a_patch = tmp_path / "notes.txt"
    not_a_patch.write_text("just some notes\n")
    assert_refused(synced, upstream_repo, str(not_a_patch), says="notes.txt is not a patch")
    (fork / "src/ourpkg/core.py").write_text("x = 1\n")
    fork_names = tmp_path / "fork-names.patch"
    fork_names.write_text(git(fork, "diff") + "\n")
    git(fork, "checkout", "--", "src/ourpkg/core.py")
    assert_refused(
        synced, upstream_repo, str(fork_names), says="is in the fork's names, not upstream's"
    )
    elsewhere = tmp_path / "elsewhere.patch"
    elsewhere.write_text(
        "diff --git a/src/mypkg/core.py b/src/mypkg/core.py\n--- a/src/mypkg/core.py\n"
        "+++ b/src/mypkg/core.py\n@@ -1,2 +1,2 @@\n-not there\n+at all\n \n"
    )
    assert_refused(synced, upstream_repo, str(elsewhere), says="does not apply to mypkg 1.0")
    again = upstream_commit(upstream_repo)  # lower() a second time: after the first one
    assert_refused(
        synced, upstream_repo, again,
        says=f"upstream commit {again[:12]} conflicts with mypkg 1.0 itself, in upstream's names "
        "(conflicts in src/mypkg/helpers.py)",
    )  # fmt: skip
    assert run_cli(synced, "backport", side, "--name", "taken").exit_code == 0
    assert_refused(synced, upstream_repo, side, "--name", "taken", says="already exists")
    assert_refused(synced, upstream_repo, side, "--name", "a/b", says="--name 'a/b' contains")


def test_a_commit_the_release_has_is_refused(synced: Path, upstream_repo: Path) -> None:
    assert run_cli(synced, "sync", "mypkg", "--to", "1.1").exit_code == 0
    v11 = git(upstream_repo, "rev-parse", "v1.1^{commit}")
    assert_refused(synced, upstream_repo, v11, says="mypkg 1.1 already contains upstream commit")


def test_nothing_integrated_or_no_repository(definition: Path, upstream_repo: Path) -> None:
    assert_refused(definition, upstream_repo, "abcdef12", says="mypkg has no fork yet")


def test_a_release_with_the_change_and_reworked_context_is_upstreamed(tmp_path: Path) -> None:
    """Content alone (a patch file's backport, or an sdist upstream): the change no longer
    applies in reverse, but merging it three-way changes nothing."""
    repo = GitRepo.init(tmp_path / "fork", "main")
    before = {"h.py": FileEntry(b"def upper(text):\n    return text.upper()\n")}
    after = {"h.py": FileEntry(before["h.py"].data + LOWER.encode())}
    diff = repo.diff_trees(repo.write_tree(before), repo.write_tree(after))
    directory = tmp_path / "def" / "patches" / "up"
    directory.mkdir(parents=True)
    (directory / "lower.patch").write_bytes(b"Forktool-Base: up 1.0\n---\n" + diff)
    (directory / "series").write_text("lower.patch\n")
    reworked = after["h.py"].data.replace(b"def upper(text):", b"def upper(text, /):")
    release = {"h.py": FileEntry(reworked)}
    assert repo.apply_patch(repo.write_tree(release), diff, check_reverse=True).tree is None
    (health,) = apply_series(repo, release, load(tmp_path / "def", "up")).health
    assert (health.status, health.detail) == ("upstreamed", "its change is already there")


# -- review 16: the fixes, each with what it guards against -----------------------------


def test_a_reverted_commit_in_the_releases_history_is_not_upstreamed(
    synced: Path, upstream_repo: Path
) -> None:
    """Ancestry alone is no proof: a release whose history has the commit and its revert
    gets the patch applied, and 'patch drop --upstreamed' leaves it."""
    commit = upstream_commit(upstream_repo)
    assert run_cli(synced, "backport", commit).exit_code == 0
    git(upstream_repo, "revert", "--no-edit", commit)
    git(upstream_repo, "tag", "v1.3")
    result = run_cli(synced, "sync", "mypkg", "--to", "1.3")
    assert result.exit_code == 0, result.output
    fork_helpers = (fork_path(synced) / "src/ourpkg/helpers.py").read_text()
    assert "return ourpkg.core.greet(text).lower()" in fork_helpers  # the fix is kept
    status = json.loads(run_cli(synced, "status", "--offline", "--json").stdout)
    (health,) = status["upstreams"][0]["patches"]
    assert health["status"] == "clean"
    assert f"history has upstream commit {commit[:12]}, but not its change" in health["detail"]
    dropped = run_cli(synced, "patch", "drop", "--upstreamed")
    assert dropped.exit_code != 0
    assert series_entries(synced) == ["backport-add-lower.patch"]
    assert (patches_dir(synced) / "backport-add-lower.patch").exists()


def test_the_same_commit_twice_is_refused(synced: Path, upstream_repo: Path) -> None:
    commit = upstream_commit(upstream_repo)
    assert run_cli(synced, "backport", commit).exit_code == 0
    assert_refused(
        synced, upstream_repo, commit, "--name", "again",
        says=f"upstream commit {commit[:12]} is already in the series as backport-add-lower.patch",
    )  # fmt: skip


def test_the_same_change_as_a_file_is_refused(
    synced: Path, upstream_repo: Path, tmp_path: Path
) -> None:
    commit = upstream_commit(upstream_repo)
    assert run_cli(synced, "backport", commit).exit_code == 0
    again = tmp_path / "again.patch"
    again.write_text(git(upstream_repo, "show", commit) + "\n")
    assert_refused(
        synced, upstream_repo, str(again), says="the fork's mypkg 1.0 already has again.patch"
    )


def test_dependent_commits_are_backported_one_after_another(
    synced: Path, upstream_repo: Path
) -> None:
    first = upstream_commit(upstream_repo)
    helpers = upstream_repo / "src/mypkg/helpers.py"
    helpers.write_text(helpers.read_text().replace(".lower()", ".casefold()"))
    second = git_save(upstream_repo, "casefold, not lower")
    assert run_cli(synced, "backport", first).exit_code == 0
    result = run_cli(synced, "backport", second, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["three_way"] is False
    assert series_entries(synced) == [
        "backport-add-lower.patch",
        "backport-casefold-not-lower.patch",
    ]
    check = run_cli(synced, "check", "--to", "1.1", "--json")
    outcomes = json.loads(check.stdout)["results"][0]["patches"]
    assert [outcome["status"] for outcome in outcomes] == ["clean", "clean"]


def test_a_patch_added_since_the_sync_is_the_base(synced: Path, upstream_repo: Path) -> None:
    """The fork patch (not synced yet) changed the line upstream's commit changes: the
    backport is refused as a conflict with the series, not accepted to conflict later."""
    fork = fork_path(synced)
    helpers = fork / "src/ourpkg/helpers.py"
    helpers.write_text(helpers.read_text().replace("text.upper()", "text.upper()  # loud"))
    git_save(fork, "a loud comment")
    assert run_cli(synced, "patch", "add", "HEAD", "--name", "loud").exit_code == 0
    up_helpers = upstream_repo / "src/mypkg/helpers.py"
    up_helpers.write_text(up_helpers.read_text().replace("text.upper()", "text.upper().strip()"))
    commit = git_save(upstream_repo, "strip")
    assert_refused(
        synced, upstream_repo, commit,
        says=f"upstream commit {commit[:12]}, renamed, conflicts with the fork's mypkg 1.0 and "
        "its patch series in src/ourpkg/helpers.py",
    )  # fmt: skip


def test_a_subject_only_format_patch_with_encoded_headers(
    synced: Path, upstream_repo: Path, tmp_path: Path
) -> None:
    helpers = upstream_repo / "src/mypkg/helpers.py"
    helpers.write_text(helpers.read_text() + LOWER)
    git(upstream_repo, "add", "--all")
    subject = "Ünïcode lower() für alle, with a subject long enough that format-patch folds it"
    git(upstream_repo, "commit", "-q", "--author", "Jörg Müller <j@example.org>", "-m", subject)
    mail = tmp_path / "5999.patch"
    mail.write_bytes(
        subprocess.run(
            ["git", "format-patch", "-1", "--stdout"], cwd=upstream_repo, capture_output=True,
            check=True,
        ).stdout
    )  # fmt: skip
    assert b"=?UTF-8?q?" in mail.read_bytes() and b"\n---\n " in mail.read_bytes()
    result = run_cli(synced, "backport", str(mail), "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["subject"] == subject
    assert document["patch"] == "backport-n-code-lower-f-r-alle-with-a-subject-lon.patch"
    text = (patches_dir(synced) / document["patch"]).read_text(encoding="utf-8")
    header = text.split("\ndiff --git ", 1)[0]
    assert header == (
        f"From: Jörg Müller <j@example.org>\nSubject: {subject}\n\n"
        "Forktool-Backport: 5999.patch\nForktool-Base: mypkg 1.0\n---"
    )
    (patch,) = json.loads(run_cli(synced, "patch", "list", "--json").stdout)["patches"]
    assert (patch["metadata"]["origin"], patch["metadata"]["base"]) == ("backport", "1.0")


def test_a_fork_names_patch_with_a_quoted_path_is_refused(
    synced: Path, upstream_repo: Path, tmp_path: Path
) -> None:
    fork = fork_path(synced)
    new = fork / "src/ourpkg/naïve mod.py"
    new.write_text("x = 1\n")
    git(fork, "add", "--all")
    diff = git(fork, "diff", "--cached")
    git(fork, "reset", "-q")
    new.unlink()
    assert '"a/src/ourpkg/na\\303\\257ve mod.py"' in diff  # git quotes it
    patch_file = tmp_path / "naive.patch"
    patch_file.write_text(diff + "\n")
    assert_refused(
        synced, upstream_repo, str(patch_file),
        says="naive.patch is in the fork's names, not upstream's: it changes src/ourpkg/naïve "
        "mod.py",
    )  # fmt: skip


def test_ctrl_c_between_the_file_and_the_series_line_finishes_both(
    synced: Path, upstream_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    commit = upstream_commit(upstream_repo)
    append = backport_mod._append_entry

    def interrupted(path: Path, entry: str) -> None:
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C right before the series line
        append(path, entry)

    monkeypatch.setattr(backport_mod, "_append_entry", interrupted)
    result = run_cli(synced, "backport", commit)
    assert result.exit_code == 130, result.output
    assert "backport-add-lower.patch had been added to the series" in result.output
    assert series_entries(synced) == ["backport-add-lower.patch"]
    assert (patches_dir(synced) / "backport-add-lower.patch").exists()


def test_a_run_killed_after_the_file_is_finished_by_the_next(
    synced: Path, upstream_repo: Path
) -> None:
    commit = upstream_commit(upstream_repo)
    config = one_config(synced, "mypkg")
    planned = backport_mod.plan(config, commit)
    planned.path.write_bytes(planned.data)  # the file written, the series line not
    result = run_cli(synced, "backport", commit)
    assert result.exit_code == 0, result.output
    assert series_entries(synced) == ["backport-add-lower.patch"]
    assert planned.path.read_bytes() == planned.data

    other = patches_dir(synced) / "mine.patch"
    other.write_bytes(b"my own notes\n")  # a file of the user's: never overwritten
    helpers = upstream_repo / "src/mypkg/helpers.py"
    helpers.write_text(helpers.read_text().replace("upper()", "upper(  )"))
    second = git_save(upstream_repo, "spaces")
    assert_refused(
        synced, upstream_repo, second, "--name", "mine", says="mine.patch already exists"
    )
    assert other.read_bytes() == b"my own notes\n"


def test_the_series_file_is_appended_to_in_its_own_line_endings(
    synced: Path, upstream_repo: Path
) -> None:
    series_file = patches_dir(synced) / "series"
    series_file.parent.mkdir(parents=True, exist_ok=True)
    series_file.write_bytes(b"# our patches\r\n#  (none yet)")
    commit = upstream_commit(upstream_repo)
    assert run_cli(synced, "backport", commit).exit_code == 0
    assert series_file.read_bytes() == (
        b"# our patches\r\n#  (none yet)\r\nbackport-add-lower.patch\r\n"
    )
