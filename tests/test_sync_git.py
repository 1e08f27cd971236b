"""End-to-end syncs of a git upstream (tags) into a fork repository, through the CLI."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest
import tomlkit

from forktool.shims import manifest
from tests.helpers import build_file_tree, git, git_save, run_cli, snapshot
from tests.test_bad_input import files_below

FORK_EDIT = "    return mypkg.helpers.upper(greet(name))"


def fork_path(definition: Path) -> Path:
    return definition / "forks" / "mypkg"


def lock(definition: Path) -> dict[str, str]:
    return tomlkit.parse((definition / "upstream" / "mypkg.lock").read_text()).unwrap()


def test_first_sync_creates_renamed_fork(definition: Path) -> None:
    result = run_cli(definition, "sync", "mypkg", "--to", "1.0")
    assert result.exit_code == 0, result.output
    fork = fork_path(definition)
    core = (fork / "src/ourpkg/core.py").read_text()
    assert "import ourpkg.helpers" in core
    assert "ourpkg.helpers.upper" in core
    assert not (fork / "src/mypkg").exists()
    assert git(fork, "symbolic-ref", "--short", "HEAD") == "main"
    assert git(fork, "status", "--porcelain") == ""
    recorded = lock(definition)
    assert recorded["version"] == "1.0"
    assert recorded["fork"] == git(fork, "rev-parse", "HEAD")
    assert recorded["transformed"] == git(fork, "rev-parse", "transformed/mypkg")
    assert recorded["vendor"] == git(fork, "rev-parse", "upstream/mypkg/1.0")
    vendor_files = git(fork, "ls-tree", "-r", "--name-only", "vendor/mypkg")
    assert "src/mypkg/core.py" in vendor_files.splitlines()


def test_vendor_commit_is_upstream_tree(definition: Path, upstream_repo: Path) -> None:
    assert run_cli(definition, "sync", "mypkg", "--to", "1.0").exit_code == 0
    fork = fork_path(definition)
    assert git(fork, "rev-parse", "upstream/mypkg/1.0^{tree}") == git(
        upstream_repo, "rev-parse", "v1.0^{tree}"
    )
    assert lock(definition)["upstream-commit"] == git(upstream_repo, "rev-parse", "v1.0^{commit}")


def test_newest_release_skips_prereleases(definition: Path) -> None:
    result = run_cli(definition, "sync")
    assert result.exit_code == 0, result.output
    assert lock(definition)["version"] == "1.1"


def test_second_sync_merges_fork_commit_and_upstream_change(definition: Path) -> None:
    assert run_cli(definition, "sync", "mypkg", "--to", "1.0").exit_code == 0
    fork = fork_path(definition)
    helpers = fork / "src/ourpkg/helpers.py"
    helpers.write_text(helpers.read_text() + "\n\ndef lower(text):\n    return text.lower()\n")
    git(fork, "commit", "-qam", "fork: add lower()")
    fork_head = git(fork, "rev-parse", "HEAD")

    result = run_cli(definition, "sync", "mypkg", "--to", "1.1")

    assert result.exit_code == 0, result.output
    assert "def lower" in helpers.read_text()
    assert '"Hello, "' in (fork / "src/ourpkg/core.py").read_text()
    parents = git(fork, "rev-list", "--parents", "-n1", "HEAD").split()[1:]
    assert parents == [fork_head, git(fork, "rev-parse", "transformed/mypkg")]
    # The merge base was the previously integrated transformed commit.
    transformed_parents = git(fork, "rev-list", "--parents", "-n1", "transformed/mypkg").split()
    assert transformed_parents[1] == git(fork, "rev-parse", "main~2")
    assert lock(definition)["version"] == "1.1"


def test_sync_to_integrated_version_changes_nothing(definition: Path) -> None:
    assert run_cli(definition, "sync", "mypkg", "--to", "1.0").exit_code == 0
    fork = fork_path(definition)
    before = (snapshot(fork), (definition / "upstream/mypkg.lock").read_text())
    result = run_cli(definition, "sync", "mypkg", "--to", "1.0")
    assert result.exit_code == 0
    assert "up to date" in result.output
    assert (snapshot(fork), (definition / "upstream/mypkg.lock").read_text()) == before


def test_same_release_gives_same_commit_ids_everywhere(definition: Path, tmp_path: Path) -> None:
    other = tmp_path / "other-def"
    other.mkdir()
    (other / "upstream").mkdir()
    (other / "upstream/mypkg.toml").write_text((definition / "upstream/mypkg.toml").read_text())
    assert run_cli(definition, "sync", "mypkg", "--to", "1.0").exit_code == 0
    assert run_cli(other, "sync", "mypkg", "--to", "1.0").exit_code == 0
    first, second = lock(definition), lock(other)
    assert first["vendor"] == second["vendor"]
    assert first["transformed"] == second["transformed"]


def _conflicting_fork(definition: Path) -> Path:
    assert run_cli(definition, "sync", "mypkg", "--to", "1.0").exit_code == 0
    fork = fork_path(definition)
    core = fork / "src/ourpkg/core.py"
    core.write_text(core.read_text().replace('"hello "', '"Hi there, "'))
    git(fork, "commit", "-qam", "fork: friendlier greeting")
    return fork


def test_conflict_leaves_git_merge_state_and_json(definition: Path) -> None:
    fork = _conflicting_fork(definition)
    lock_before = lock(definition)

    result = run_cli(definition, "sync", "mypkg", "--to", "1.1")

    assert result.exit_code == 1, result.output
    assert "src/ourpkg/core.py" in result.output
    assert git(fork, "ls-files", "--unmerged", "--", "src/ourpkg/core.py") != ""
    assert (fork / ".git/MERGE_HEAD").exists()
    report = json.loads((fork / ".git/forktool/mypkg.conflicts.json").read_text())
    assert report["conflicts"] == ["src/ourpkg/core.py"]
    assert report["version"] == "1.1"
    assert lock(definition) == lock_before


def test_abort_restores_fork_exactly(definition: Path) -> None:
    fork = _conflicting_fork(definition)
    before = snapshot(fork)
    assert run_cli(definition, "sync", "mypkg", "--to", "1.1").exit_code == 1

    result = run_cli(definition, "sync", "mypkg", "--abort")

    assert result.exit_code == 0, result.output
    assert snapshot(fork) == before


def test_continue_commits_resolution_and_records_lock(definition: Path) -> None:
    fork = _conflicting_fork(definition)
    assert run_cli(definition, "sync", "mypkg", "--to", "1.1").exit_code == 1
    core = fork / "src/ourpkg/core.py"

    early = run_cli(definition, "sync", "mypkg", "--continue")
    assert early.exit_code == 2
    assert "unmerged" in early.output

    text = core.read_text()
    resolved = (
        text.split("<<<<<<<")[0]
        + '    return "Hi there, " + name\n'
        + text.split(">>>>>>>")[1].split("\n", 1)[1]
    )
    core.write_text(resolved)
    git(fork, "add", "src/ourpkg/core.py")

    result = run_cli(definition, "sync", "mypkg", "--continue")

    assert result.exit_code == 0, result.output
    assert not (fork / ".git/MERGE_HEAD").exists()
    assert git(fork, "status", "--porcelain") == ""
    assert lock(definition)["version"] == "1.1"
    assert lock(definition)["fork"] == git(fork, "rev-parse", "HEAD")
    assert git(fork, "rev-parse", "HEAD^2") == git(fork, "rev-parse", "transformed/mypkg")
    assert '"Hi there, "' in core.read_text()
    assert git(fork, "fsck", "--strict", "--no-dangling") == ""


def test_continue_refuses_conflict_markers(definition: Path) -> None:
    fork = _conflicting_fork(definition)
    assert run_cli(definition, "sync", "mypkg", "--to", "1.1").exit_code == 1
    git(fork, "add", "src/ourpkg/core.py")  # staged with the markers still in
    result = run_cli(definition, "sync", "mypkg", "--continue")
    assert result.exit_code == 2
    assert "conflict markers" in result.output
    assert (fork / ".git/MERGE_HEAD").exists()


def test_continue_accepts_a_merge_committed_by_hand(definition: Path) -> None:
    fork = _conflicting_fork(definition)
    assert run_cli(definition, "sync", "mypkg", "--to", "1.1").exit_code == 1
    git(fork, "checkout", "--ours", "src/ourpkg/core.py")
    git(fork, "add", "src/ourpkg/core.py")
    git(fork, "commit", "-q", "--no-edit")
    result = run_cli(definition, "sync", "--continue")
    assert result.exit_code == 0, result.output
    assert lock(definition)["fork"] == git(fork, "rev-parse", "HEAD")
    assert not (fork / ".git/forktool/mypkg.conflicts.json").exists()


def test_relative_upstream_path_is_relative_to_definition(
    definition: Path, upstream_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    toml = definition / "upstream/mypkg.toml"
    toml.write_text(toml.read_text().replace(str(upstream_repo), "../upstream-src"))
    monkeypatch.chdir(tmp_path.parent)
    result = run_cli(definition, "sync", "--to", "1.0")
    assert result.exit_code == 0, result.output


def test_several_upstreams_continue_finds_the_waiting_one(definition: Path) -> None:
    toml = (definition / "upstream/mypkg.toml").read_text()
    (definition / "upstream/aaa.toml").write_text(toml.replace("forks/mypkg", "forks/aaa"))
    _conflicting_fork(definition)
    assert run_cli(definition, "sync", "mypkg", "--to", "1.1").exit_code == 1
    fork = fork_path(definition)
    git(fork, "checkout", "--theirs", "src/ourpkg/core.py")
    git(fork, "add", "src/ourpkg/core.py")
    result = run_cli(definition, "sync", "--continue")
    assert result.exit_code == 0, result.output
    assert lock(definition)["version"] == "1.1"


def test_python_dash_m_runs_the_cli(definition: Path) -> None:
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "forktool", "--root", str(definition), "sync", "--to", "1.0"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "created the fork at 1.0" in proc.stdout


def test_leftovers_are_listed_after_sync(definition: Path, upstream_repo: Path) -> None:
    (upstream_repo / "README.txt").write_text("Docs: https://mypkg.example.org/\n")
    git(upstream_repo, "add", "README.txt")
    git(upstream_repo, "commit", "-qm", "docs")
    git(upstream_repo, "tag", "v1.5")
    result = run_cli(definition, "sync", "--to", "1.5")
    assert result.exit_code == 0, result.output
    assert "old names left in place: 1 kept" in result.output
    listing = run_cli(definition, "leftovers", "mypkg")
    assert listing.exit_code == 0, listing.output
    assert "README.txt:1: other-file (kept) Docs: https://mypkg.example.org/" in listing.output
    as_json = json.loads(run_cli(definition, "leftovers", "mypkg", "--json").output)
    assert as_json["version"] == "1.5"
    assert [item["path"] for item in as_json["leftovers"]] == ["README.txt"]


def test_leftovers_reason_lists_that_reason_only(definition: Path, upstream_repo: Path) -> None:
    build_file_tree(
        upstream_repo,
        {
            "README.txt": "Docs: https://mypkg.example.org/\nThe mypkg package\n",
            "src/mypkg/names.py": 'NAME = "mypkg"\n',
            "src/mypkg/py2.py": "import mypkg\nprint 'mypkg'\n",
        },
    )
    git(upstream_repo, "add", "--all")
    git(upstream_repo, "commit", "-qm", "leftovers of every reason")
    git(upstream_repo, "tag", "v1.5")
    assert run_cli(definition, "sync", "--to", "1.5").exit_code == 0
    everything = json.loads(run_cli(definition, "leftovers", "--json").stdout)["leftovers"]
    reasons = {item["reason"] for item in everything}
    assert reasons == {"kept", "ambiguous", "unparseable"}
    for reason in sorted(reasons):
        listed = run_cli(definition, "leftovers", "--reason", reason, "--json")
        assert listed.exit_code == 0, listed.output
        assert json.loads(listed.stdout)["leftovers"] == [
            item for item in everything if item["reason"] == reason
        ]
        output = run_cli(definition, "leftovers", "--reason", reason).output
        entries = re.findall(r"^\S+:\d+: \S+ \((\S+)\) ", output, re.MULTILINE)
        assert entries == [item["reason"] for item in everything if item["reason"] == reason]


def test_every_sync_regenerates_the_shim(definition: Path) -> None:
    assert run_cli(definition, "sync", "--to", "1.0").exit_code == 0
    shim_dir = definition / "forks" / "mypkg.shim"
    assert [p.name for p in shim_dir.glob("*.whl")] == ["mypkg-1.0+ourpkg-py3-none-any.whl"]
    assert run_cli(definition, "sync", "--to", "1.1").exit_code == 0
    # The 1.1 shim replaces the 1.0 one: ``pip install forks/mypkg.shim/*.whl`` gets one.
    assert [p.name for p in shim_dir.glob("*.whl")] == ["mypkg-1.1+ourpkg-py3-none-any.whl"]
    dry = run_cli(definition, "shims", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "would write MyPkg 1.1+ourpkg (OurPkg==1.1)" in dry.output


def changed_outside_the_fork(definition: Path, before: dict[str, str]) -> set[str]:
    """The paths below the definition, the fork repository aside, that differ from
    ``before`` (a :func:`files_below` of it): added, removed or rewritten."""
    after = files_below(definition, skip="forks/mypkg")
    return {rel for rel in before.keys() | after.keys() if before.get(rel) != after.get(rel)}


def test_shims_dry_run_writes_nothing_anywhere(definition: Path) -> None:
    assert run_cli(definition, "sync", "--to", "1.0").exit_code == 0
    shim_dir = definition / "forks" / "mypkg.shim"
    (shim_dir / "mypkg-1.0+ourpkg-py3-none-any.whl").unlink()  # a write would bring it back
    before = files_below(definition, skip="forks/mypkg")
    fork_before = snapshot(fork_path(definition))
    for out in (shim_dir, definition / "elsewhere"):
        dry = run_cli(definition, "shims", "--dry-run", "--out", str(out), "--json")
        assert dry.exit_code == 0, dry.output
        document = json.loads(dry.stdout)
        assert document["dry_run"] is True
        assert document["wheel"] == str(out / "mypkg-1.0+ourpkg-py3-none-any.whl")
    assert changed_outside_the_fork(definition, before) == set()
    assert snapshot(fork_path(definition)) == fork_before


def test_shims_out_writes_there_and_nowhere_else(definition: Path) -> None:
    assert run_cli(definition, "sync", "--to", "1.0").exit_code == 0
    before = files_below(definition, skip="forks/mypkg")
    out = definition / "dist" / "shim"
    result = run_cli(definition, "shims", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert str(out / "mypkg-1.0+ourpkg-py3-none-any.whl") in result.output
    changed = changed_outside_the_fork(definition, before)
    assert "dist/shim/mypkg-1.0+ourpkg-py3-none-any.whl" in changed
    assert {rel.split("/")[0] for rel in changed} == {"dist"}


def test_shim_out_of_the_definition_is_where_sync_and_shims_write(definition: Path) -> None:
    toml = definition / "upstream" / "mypkg.toml"
    toml.write_text(toml.read_text() + '\n[shim]\nout = "build/shims"\n')
    assert run_cli(definition, "sync", "--to", "1.0").exit_code == 0
    out = definition / "build" / "shims"
    wheel = out / "mypkg-1.0+ourpkg-py3-none-any.whl"
    assert wheel.is_file()
    assert not (definition / "forks" / "mypkg.shim").exists()
    wheel.unlink()
    before = files_below(definition, skip="forks/mypkg")
    result = run_cli(definition, "shims")
    assert result.exit_code == 0, result.output
    assert wheel.is_file()
    changed = changed_outside_the_fork(definition, before)
    assert changed and {rel.split("/")[0] for rel in changed} == {"build"}
    assert not (definition / "forks" / "mypkg.shim").exists()


def test_an_up_to_date_sync_removes_an_older_shim_wheel_a_killed_sync_left(
    definition: Path,
) -> None:
    assert run_cli(definition, "sync", "--to", "1.0").exit_code == 0
    shim_dir = definition / "forks" / "mypkg.shim"
    old = shim_dir / "mypkg-1.0+ourpkg-py3-none-any.whl"
    kept = old.read_bytes()
    (record_1_0,) = (manifest.read(shim_dir) or {}).values()
    assert run_cli(definition, "sync", "--to", "1.1").exit_code == 0
    # As a shim write killed before it removed the 1.0 wheel leaves it: the manifest
    # records the write as under way, with the files of both.
    (record_1_1,) = (manifest.read(shim_dir) or {}).values()
    old.write_bytes(kept)
    files = {**record_1_0.files, **record_1_1.files}
    manifest.write(shim_dir, {"mypkg": manifest.Record(files, writing=True)})
    again = run_cli(definition, "sync", "--to", "1.1")
    assert again.exit_code == 0, again.output
    assert [p.name for p in shim_dir.glob("*.whl")] == ["mypkg-1.1+ourpkg-py3-none-any.whl"]
    assert manifest.read(shim_dir) == {"mypkg": record_1_1}


def test_a_wheel_of_the_user_beside_the_shim_is_kept(definition: Path) -> None:
    assert run_cli(definition, "sync", "--to", "1.0").exit_code == 0
    shim_dir = definition / "forks" / "mypkg.shim"
    mine = shim_dir / "mypkg-0.9+ourpkg-py3-none-any.whl"  # a copy forktool did not write
    shutil.copy(shim_dir / "mypkg-1.0+ourpkg-py3-none-any.whl", mine)
    assert run_cli(definition, "sync", "--to", "1.1").exit_code == 0
    assert sorted(p.name for p in shim_dir.glob("*.whl")) == [
        "mypkg-0.9+ourpkg-py3-none-any.whl",
        "mypkg-1.1+ourpkg-py3-none-any.whl",
    ]


def _hashes(directory: Path) -> dict[str, str]:
    return {
        path.relative_to(directory).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


def test_files_of_the_user_in_the_shim_directory_survive_sync_and_shims(
    definition: Path,
) -> None:
    assert run_cli(definition, "sync", "--to", "1.0").exit_code == 0
    shim_dir = definition / "forks" / "mypkg.shim"
    mine = {
        "NOTES.md": "how we install the shim\n",
        "MyPkg-shim/build/lib/mypkg/__init__.py": "left by pip wheel\n",
        "MyPkg-shim/mypkg/extra.pyi": "X: int\n",
    }
    build_file_tree(shim_dir, mine)
    before = {rel: h for rel, h in _hashes(shim_dir).items() if rel in mine}

    shims = run_cli(definition, "shims")
    synced = run_cli(definition, "sync", "--to", "1.1")
    again = run_cli(definition, "shims")

    assert (shims.exit_code, synced.exit_code, again.exit_code) == (0, 0, 0), synced.output
    assert {rel: h for rel, h in _hashes(shim_dir).items() if rel in mine} == before
    assert sorted(p.name for p in shim_dir.glob("*.whl")) == ["mypkg-1.1+ourpkg-py3-none-any.whl"]


def test_an_edited_shim_file_is_kept_and_named_by_sync_and_shims(definition: Path) -> None:
    assert run_cli(definition, "sync", "--to", "1.0").exit_code == 0
    shim_dir = definition / "forks" / "mypkg.shim"
    edited = shim_dir / "MyPkg-shim" / "mypkg" / "core.pyi"
    edited.write_text(edited.read_text() + "def mine() -> None: ...\n")
    before = _hashes(shim_dir)

    synced = run_cli(definition, "sync", "--to", "1.1")

    assert synced.exit_code == 0, synced.output  # the merge is done; the shim waits
    assert "shim not generated: " in synced.output
    assert f"{edited} was generated by forktool but has been edited since" in synced.output
    assert _hashes(shim_dir) == before
    refused = run_cli(definition, "shims")
    assert refused.exit_code == 2
    errors = [line for line in refused.output.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "core.pyi was generated by forktool" in errors[0]
    assert "move your changes out of it, or delete it" in errors[0]
    assert _hashes(shim_dir) == before

    edited.unlink()
    assert run_cli(definition, "shims").exit_code == 0
    assert "def mine" not in edited.read_text()
    assert sorted(p.name for p in shim_dir.glob("*.whl")) == ["mypkg-1.1+ourpkg-py3-none-any.whl"]


def test_shims_before_any_sync(definition: Path) -> None:
    result = run_cli(definition, "shims")
    assert result.exit_code == 2
    assert "has no fork yet" in result.output


def _release_turning_a_directory_into_a_file(upstream_repo: Path) -> None:
    """Releases 1.3 (``data/x/`` holds two files), 1.4 (``data/x`` is a file) and 1.5
    (a directory again)."""
    git(upstream_repo, "checkout", "-q", "v1.1")
    build_file_tree(upstream_repo, {"data/x/a.txt": "a\n", "data/x/b.txt": "b\n"})
    git_save(upstream_repo, "release 1.3", tag="v1.3")
    git(upstream_repo, "rm", "-rq", "data/x")
    build_file_tree(upstream_repo, {"data/x": "now a file\n"})
    git_save(upstream_repo, "release 1.4", tag="v1.4")
    git(upstream_repo, "rm", "-q", "data/x")
    build_file_tree(upstream_repo, {"data/x/c.txt": "c\n"})
    git_save(upstream_repo, "release 1.5", tag="v1.5")


def test_a_directory_that_becomes_a_file_and_back_syncs(
    definition: Path, upstream_repo: Path
) -> None:
    _release_turning_a_directory_into_a_file(upstream_repo)
    fork = fork_path(definition)
    assert run_cli(definition, "sync", "--to", "1.3").exit_code == 0
    result = run_cli(definition, "sync", "--to", "1.4")
    assert result.exit_code == 0, result.output
    assert (fork / "data/x").read_text() == "now a file\n"
    result = run_cli(definition, "sync", "--to", "1.5")
    assert result.exit_code == 0, result.output
    assert (fork / "data/x/c.txt").read_text() == "c\n" and not (fork / "data/x/a.txt").exists()
    assert git(fork, "status", "--porcelain", "--ignored") == ""


def test_a_file_of_the_user_in_a_directory_that_becomes_a_file_is_never_removed(
    definition: Path, upstream_repo: Path
) -> None:
    """Refused (exit 2) naming the file, every byte as it was; moved away, the retry
    integrates the release."""
    _release_turning_a_directory_into_a_file(upstream_repo)
    fork = fork_path(definition)
    assert run_cli(definition, "sync", "--to", "1.3").exit_code == 0
    (fork / ".gitignore").write_text("*.cache\n")
    git(fork, "add", ".gitignore")
    git(fork, "commit", "-qm", "ignore caches")
    (fork / "data/x/notes.cache").write_text("mine\n")  # ignored, yet the user's
    before = {p: p.read_bytes() for p in fork.rglob("*") if p.is_file() and ".git/" not in str(p)}
    result = run_cli(definition, "sync", "--to", "1.4")
    assert result.exit_code == 2, result.output
    assert "data/x/notes.cache" in result.output and "Traceback" not in result.output
    after = {p: p.read_bytes() for p in fork.rglob("*") if p.is_file() and ".git/" not in str(p)}
    assert after == before
    assert git(fork, "status", "--porcelain") == ""
    (fork / "data/x/notes.cache").rename(fork / "notes.cache")
    result = run_cli(definition, "sync", "--to", "1.4")
    assert result.exit_code == 0, result.output
    assert (fork / "data/x").read_text() == "now a file\n"
    assert (fork / "notes.cache").read_text() == "mine\n"
