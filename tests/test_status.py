"""``forktool status``: where a fork stands, on a real git upstream; it changes nothing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from click.testing import Result

from tests.helpers import git, run_cli, snapshot
from tests.test_sync_git import _conflicting_fork
from tests.test_sync_series import GREETING_CODEMOD, add_helper_class, set_series


def fork_path(definition: Path) -> Path:
    return definition / "forks" / "mypkg"


def shim_dir(definition: Path) -> Path:
    return definition / "forks" / "mypkg.shim"


def everything(definition: Path) -> dict[str, object]:
    """What status must leave alone: the fork repository (refs, HEAD, index entries, files),
    forktool's state files, the definition and the shim."""
    fork = fork_path(definition)
    files: dict[str, object] = {"fork": snapshot(fork)}
    for base in (definition / "upstream", definition / "patches", shim_dir(definition)):
        for path in sorted(base.rglob("*")) if base.exists() else []:
            if path.is_file():
                files[str(path)] = path.read_bytes()
    if (fork / ".git").exists():
        for path in sorted((fork / ".git" / "forktool").glob("*.json")):
            files[str(path)] = path.read_bytes()
    return files


def index_file(definition: Path) -> tuple[bytes, int] | None:
    """git's index file, bytes and mtime: a plain ``git status`` would rewrite it (the
    snapshot's does), status must not."""
    index = fork_path(definition) / ".git" / "index"
    return (index.read_bytes(), index.stat().st_mtime_ns) if index.exists() else None


def run_status(definition: Path, *args: str, code: int) -> Result:
    """Run ``forktool status ARGS``; check it exited ``code`` and changed nothing."""
    before = everything(definition)
    index = index_file(definition)
    result = run_cli(definition, "status", *args)
    assert result.exit_code == code, result.output
    assert index_file(definition) == index
    assert everything(definition) == before
    return result


def status_json(definition: Path, *args: str, code: int = 0) -> dict[str, Any]:
    """``forktool status --json ARGS``, parsed (see :func:`run_status`)."""
    result = run_status(definition, "--json", *args, code=code)
    data: dict[str, Any] = json.loads(result.stdout)
    assert data["schema"] == 1 and data["command"] == "status"
    return data


def one(definition: Path, *args: str, code: int = 0) -> dict[str, Any]:
    data = status_json(definition, "mypkg", *args, code=code)
    assert len(data["upstreams"]) == 1
    upstream: dict[str, Any] = data["upstreams"][0]
    return upstream


def human(definition: Path, *args: str, code: int = 0) -> str:
    return run_status(definition, *args, code=code).stdout


def test_before_the_first_sync(definition: Path, upstream_repo: Path) -> None:
    item = one(definition)
    assert item["state"] == "not-synced"
    assert item["integrated"] is None
    assert item["newest"] == "1.1"
    assert item["newer"] == ["1.0", "1.1"]  # pre-release 1.2rc1 left out, as sync does
    assert item["source_type"] == "git" and item["source"] == str(upstream_repo)
    assert item["fork"]["exists"] is False and item["fork"]["clean"] is None
    assert item["pending"] is None and item["patches"] == []
    assert item["shim"]["state"] == "not-synced"
    assert not fork_path(definition).exists()
    text = human(definition)
    assert "mypkg: not synced yet; newest release 1.1 — run forktool sync mypkg" in text
    assert "(not created yet)" in text


def test_behind_a_newer_release(definition: Path) -> None:
    assert run_cli(definition, "sync", "mypkg", "--to", "1.0").exit_code == 0
    item = one(definition)
    assert item["state"] == "behind"
    assert (item["integrated"], item["newest"], item["newer"]) == ("1.0", "1.1", ["1.1"])
    assert item["releases_error"] == ""
    fork = fork_path(definition)
    assert item["fork"] == {
        "path": str(fork),
        "exists": True,
        "branch": "main",
        "checked_out": "main",
        "head": git(fork, "rev-parse", "HEAD"),
        "clean": True,
        "dirty": [],
    }
    assert item["shim"]["state"] == "current"
    assert item["shim"]["version"] == item["shim"]["expected"] == "1.0+ourpkg"
    assert item["shim"]["wheel"] == str(shim_dir(definition) / "mypkg-1.0+ourpkg-py3-none-any.whl")
    text = human(definition)
    assert text.startswith("mypkg: at 1.0, 1 newer release (1.1)\n")
    assert "mypkg-1.0+ourpkg-py3-none-any.whl (current)" in text
    assert f"{fork} (main, clean)" in text


def test_up_to_date_and_a_dirty_tree(definition: Path) -> None:
    assert run_cli(definition, "sync").exit_code == 0
    core = fork_path(definition) / "src/ourpkg/core.py"
    core.write_text(core.read_text() + "# local edit\n")
    item = one(definition)
    assert item["state"] == "up-to-date" and item["newer"] == []
    assert item["fork"]["clean"] is False and item["fork"]["dirty"] == ["src/ourpkg/core.py"]
    text = human(definition, "mypkg")
    assert text.startswith("mypkg: up to date at 1.1\n")
    assert "1 uncommitted change, e.g. src/ourpkg/core.py" in text


def test_pending_merge_after_a_conflicting_sync(definition: Path) -> None:
    fork = _conflicting_fork(definition)
    assert run_cli(definition, "sync", "mypkg", "--to", "1.1").exit_code == 1

    data = status_json(definition, code=1)
    assert data["waiting"] is True
    item = data["upstreams"][0]
    assert item["state"] == "waiting" and item["integrated"] == "1.0"
    assert item["pending"] == {
        "stage": "merge",
        "version": "1.1",
        "conflicts": ["src/ourpkg/core.py"],
        "unresolved": ["src/ourpkg/core.py"],
        "patch": "",
        "resolve_in": str(fork),
        "interrupted": False,
        "next_steps": ["forktool sync mypkg --continue"],
        "abort": "forktool sync mypkg --abort",
    }
    text = human(definition, code=1)
    assert text.startswith(
        "mypkg: waiting: sync to 1.1 stopped on conflicts in 1 path — resolve, then "
        "forktool sync mypkg --continue\n"
    )
    assert "conflict src/ourpkg/core.py" in text
    assert "undo the sync: forktool sync mypkg --abort" in text

    core = fork / "src/ourpkg/core.py"
    core.write_text('def greet(name):\n    return "Hi, " + name\n')
    git(fork, "add", "src/ourpkg/core.py")
    item = one(definition, code=1)  # resolved, but not continued yet: still waiting
    assert item["pending"]["unresolved"] == []
    assert "resolved src/ourpkg/core.py" in human(definition, code=1)

    assert run_cli(definition, "sync", "mypkg", "--continue").exit_code == 0
    assert one(definition)["state"] == "up-to-date"


def test_pending_patch_conflict(definition: Path) -> None:
    from tests.test_sync_series import _fork_commit_as_patch

    _fork_commit_as_patch(definition)
    fork = fork_path(definition)
    git(fork, "reset", "-q", "--hard", "HEAD~1")
    git(fork, "commit", "-q", "--allow-empty", "-m", "keep main moving")
    assert run_cli(definition, "sync", "--to", "1.1").exit_code == 1

    item = one(definition, code=1)
    pending = item["pending"]
    assert pending["stage"] == "patch" and pending["patch"] == "greet-like-a-cowboy.patch"
    assert pending["resolve_in"] == str(definition / "forks" / "mypkg.patch-conflict")
    assert pending["unresolved"] == ["src/ourpkg/core.py"]
    assert pending["next_steps"] == [
        "forktool patch refresh greet-like-a-cowboy.patch --upstream mypkg",
        "forktool sync mypkg --continue",
    ]
    assert item["patches_version"] == "1.1"
    assert [(p["name"], p["status"]) for p in item["patches"]] == [
        ("greet-like-a-cowboy.patch", "conflict")
    ]
    text = human(definition, code=1)
    assert "waiting: patch greet-like-a-cowboy.patch conflicts with 1.1 in 1 path" in text


def test_patch_added_since_the_last_sync(definition: Path, upstream_repo: Path) -> None:
    add_helper_class(upstream_repo)
    patches = definition / "patches" / "mypkg"
    (patches / "hello.py").write_text(GREETING_CODEMOD)
    set_series(definition, "hello.py")
    assert run_cli(definition, "sync", "--to", "1.0").exit_code == 0
    (patches / "later.py").write_text(GREETING_CODEMOD.replace("hello", "bye"))
    set_series(definition, "hello.py", "later.py")

    item = one(definition, "--offline")
    assert item["patches_version"] == "1.0"
    assert [(p["name"], p["kind"], p["status"]) for p in item["patches"]] == [
        ("hello.py", "codemod", "clean"),
        ("later.py", "codemod", "not applied yet"),
    ]
    text = human(definition, "--offline")
    assert "2 patches (health as of 1.0):" in text
    assert "not applied yet" in text


def test_offline_and_unreachable_source(definition: Path, tmp_path: Path) -> None:
    assert run_cli(definition, "sync", "mypkg", "--to", "1.0").exit_code == 0
    offline = status_json(definition, "--offline")
    item = offline["upstreams"][0]
    assert offline["offline"] is True
    assert (item["state"], item["newest"], item["newer"], item["releases_error"]) == (
        "unknown", None, None, "",
    )  # fmt: skip
    assert "at 1.0 (newer releases not listed: --offline)" in human(definition, "--offline")

    toml = definition / "upstream" / "mypkg.toml"
    toml.write_text(toml.read_text().replace(str(tmp_path / "upstream-src"), "/nonexistent/up"))
    item = one(definition)
    assert item["state"] == "unknown" and item["newer"] is None
    assert item["releases_error"]  # one line saying why
    assert "\n" not in item["releases_error"]
    assert item["integrated"] == "1.0" and item["shim"]["state"] == "current"
    text = human(definition)
    assert text.startswith("mypkg: at 1.0 (newer releases not listed: ")


def test_stale_and_missing_shim(definition: Path) -> None:
    assert run_cli(definition, "sync", "mypkg", "--to", "1.0").exit_code == 0
    out = shim_dir(definition)
    old_wheel = out / "mypkg-1.0+ourpkg-py3-none-any.whl"
    kept = old_wheel.read_bytes()
    assert run_cli(definition, "sync", "mypkg", "--to", "1.1").exit_code == 0
    assert not old_wheel.exists()  # the 1.1 shim replaced it
    # As if writing the 1.1 shim had failed: only the 1.0 wheel is there.
    (out / "mypkg-1.1+ourpkg-py3-none-any.whl").unlink()
    old_wheel.write_bytes(kept)
    shim = one(definition)["shim"]
    assert shim["state"] == "stale"
    assert (shim["version"], shim["expected"]) == ("1.0+ourpkg", "1.1+ourpkg")
    assert "stale: mypkg-1.0+ourpkg-py3-none-any.whl" in human(definition)
    assert "run 'forktool shims mypkg'" in human(definition)

    shutil.rmtree(out)
    shim = one(definition)["shim"]
    assert (shim["state"], shim["wheel"], shim["version"]) == ("missing", None, None)
    assert "missing: no MyPkg wheel" in human(definition)

    assert run_cli(definition, "shims", "mypkg").exit_code == 0
    assert one(definition)["shim"]["state"] == "current"


def test_no_shim_without_distributions(tmp_path: Path, upstream_repo: Path) -> None:
    from tests.helpers import write_definition

    root = write_definition(tmp_path / "plain", "mypkg", f'type = "git"\nurl = "{upstream_repo}"')
    assert run_cli(root, "sync", "mypkg", "--to", "1.0").exit_code == 0
    assert one(root)["shim"]["state"] == "not-configured"
    assert "not configured (no [rename.distributions])" in human(root)


def test_every_upstream_and_bad_definitions(definition: Path) -> None:
    toml = definition / "upstream" / "mypkg.toml"
    (definition / "upstream" / "other.toml").write_text(
        toml.read_text() + '\n[fork]\npath = "forks/other"\n'
    )
    _conflicting_fork(definition)
    assert run_cli(definition, "sync", "mypkg", "--to", "1.1").exit_code == 1

    data = status_json(definition, code=1)  # one waiting upstream makes the exit code 1
    assert [(u["upstream"], u["state"]) for u in data["upstreams"]] == [
        ("mypkg", "waiting"),
        ("other", "not-synced"),
    ]
    assert "other: not synced yet" in human(definition, code=1)

    result = run_cli(definition, "status", "--json", "nosuch")
    assert result.exit_code == 2
    error = json.loads(result.stdout)
    assert error["schema"] == 1 and error["command"] == "status"
    assert error["error"]["message"].startswith("no upstream named 'nosuch'")
    assert "error: no upstream named 'nosuch'" in result.stderr

    (definition / "upstream" / "other.toml").write_text("[source\n")
    result = run_cli(definition, "status")
    assert result.exit_code == 2
    assert "upstream/other.toml is not valid TOML" in result.stderr
    assert result.stdout == ""


def test_sync_killed_mid_merge_is_interrupted_not_waiting(definition: Path) -> None:
    from forktool.git.repository import GitRepo
    from forktool.records import intent

    assert run_cli(definition, "sync", "mypkg", "--to", "1.0").exit_code == 0
    fork = fork_path(definition)
    head = git(fork, "rev-parse", "HEAD")
    repo = GitRepo(fork)
    record = intent.Pending("mypkg", "1.1", "", "", head, head, head, {}, [])
    intent.write_pending(repo, record)  # what a sync killed right after its intent leaves
    repo.close()

    item = one(definition, "--offline")  # exit code 0: nothing for the user to resolve
    assert item["state"] == "interrupted"
    assert item["pending"]["interrupted"] is True
    assert item["pending"]["next_steps"] == ["forktool sync mypkg"]
    text = human(definition, "--offline")
    assert text.startswith(
        "mypkg: interrupted: a sync of 1.1 was killed mid-merge — the next 'forktool sync "
        "mypkg' finishes or undoes it\n"
    )
