"""The renamed-file cache and the worker processes give the same result as neither.

Real SQLite databases in temporary directories, real spawned worker processes.
"""

from __future__ import annotations

import dataclasses
import sqlite3
import sys
import zlib
from pathlib import Path

import pytest

import forktool
from forktool.errors import ConfigError
from forktool.model import FileEntry, RenameMap, TransformResult
from forktool.transform import cache, file, pool
from forktool.transform.cache import TransformCache, code_version, fingerprint
from forktool.transform.tree import transform_tree
from tests.helpers import git, run_cli

FLASK = RenameMap(
    packages={"flask": "framework"},
    distributions={"Flask": "Framework"},
    scripts={"flask": "framework"},
    keep=("flask.commands",),
)


def make_tree(modules: int = 12) -> dict[str, FileEntry]:
    tree = {
        "pyproject.toml": FileEntry(b'[project]\nname = "Flask"\n'),
        "src/flask/__init__.py": FileEntry(b"from .app import Flask as Flask\n"),
        "src/flask/app.py": FileEntry(b'"""See flask.json."""\nclass Flask: ...\n'),
        "src/flask/py2.py": FileEntry(b"import flask\nprint 'flask'\n"),  # a failure
        "docs/index.rst": FileEntry(b"Use ``import flask``; https://flask.example/\n"),
        "bin/run": FileEntry(b"#!/usr/bin/env python\nimport flask\n", executable=True),
        "logo.png": FileEntry(bytes(range(256))),
    }
    for number in range(modules):
        body = f"from flask import Flask\n\napp{number} = Flask('flask.x{number}')\n"
        body += "".join(f"\n\ndef f{i}():\n    return {i}\n" for i in range(40))
        tree[f"tests/test_m{number}.py"] = FileEntry(body.encode())
    return tree


def same(one: TransformResult, other: TransformResult) -> None:
    assert dict(one.tree) == dict(other.tree)
    assert one.leftovers == other.leftovers
    assert one.failures == other.failures


def rows(path: Path) -> int:
    with sqlite3.connect(path) as db:
        count: int = db.execute("SELECT count(*) FROM outcome").fetchone()[0]
    return count


def test_warm_cache_gives_the_same_result(tmp_path: Path) -> None:
    tree = make_tree()
    plain = transform_tree(tree, FLASK, jobs=1)
    assert plain.failures  # the Python 2 file, carried over
    with TransformCache(tmp_path / "cache.sqlite3") as cache:
        cold = transform_tree(tree, FLASK, cache=cache, jobs=1)
    assert rows(tmp_path / "cache.sqlite3") == len(tree)
    with TransformCache(tmp_path / "cache.sqlite3") as cache:
        warm = transform_tree(tree, FLASK, cache=cache, jobs=1)
    same(plain, cold)
    same(plain, warm)
    assert warm.tree["bin/run"].executable


def test_changed_file_is_the_only_new_entry(tmp_path: Path) -> None:
    tree = make_tree()
    path = tmp_path / "cache.sqlite3"
    with TransformCache(path) as cache:
        transform_tree(tree, FLASK, cache=cache, jobs=1)
        tree["src/flask/app.py"] = FileEntry(b'"""See flask.cli."""\nclass Flask: ...\n')
        result = transform_tree(tree, FLASK, cache=cache, jobs=1)
    assert rows(path) == len(tree) + 1
    assert result.tree["src/framework/app.py"].data.startswith(b'"""See framework.cli.')


def test_another_rename_map_misses(tmp_path: Path) -> None:
    tree = make_tree(2)
    path = tmp_path / "cache.sqlite3"
    other = dataclasses.replace(FLASK, packages={"flask": "quart2"})
    with TransformCache(path) as cache:
        transform_tree(tree, FLASK, cache=cache, jobs=1)
        result = transform_tree(tree, other, cache=cache, jobs=1)
    assert rows(path) == 2 * len(tree)
    assert "src/quart2/app.py" in result.tree


@pytest.mark.parametrize("damage", ["delete", "garbage", "truncate"])
def test_damaged_or_deleted_cache_is_rebuilt(tmp_path: Path, damage: str) -> None:
    tree = make_tree(2)
    path = tmp_path / "cache.sqlite3"
    with TransformCache(path) as cache:
        first = transform_tree(tree, FLASK, cache=cache, jobs=1)
    if damage == "delete":
        path.unlink()
    elif damage == "garbage":
        path.write_bytes(b"not a database at all" * 100)
    else:
        path.write_bytes(path.read_bytes()[:1000])
    with TransformCache(path) as cache:
        second = transform_tree(tree, FLASK, cache=cache, jobs=1)
    same(first, second)
    with TransformCache(path) as cache:
        same(first, transform_tree(tree, FLASK, cache=cache, jobs=1))
    assert rows(path) == len(tree)


def test_rows_of_other_code_are_dropped(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    with TransformCache(path) as cache:
        transform_tree(make_tree(1), FLASK, cache=cache, jobs=1)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE outcome SET code = 'an older forktool'")
    with TransformCache(path) as cache:
        cache.get_many(["nothing"])
    assert rows(path) == 0
    assert len(code_version()) == 64


def test_blob_id_is_gits() -> None:
    # ``printf 'hello\n' | git hash-object --stdin``
    assert FileEntry(b"hello\n").blob_id == "ce013625030ba8dba906f756967f9e9ca394464a"


def test_worker_processes_give_the_same_result(monkeypatch: pytest.MonkeyPatch) -> None:
    tree = make_tree(16)
    alone = transform_tree(tree, FLASK, jobs=1)
    monkeypatch.setattr(pool, "MIN_POOL_BYTES", 0)  # a pool even for this tree
    pooled = transform_tree(tree, FLASK, jobs=2)
    same(alone, pooled)


def test_batches_are_balanced_and_complete() -> None:
    jobs = [(f"f{size}", FileEntry(b"x" * size)) for size in range(1, 101)]
    batches = pool._batches(jobs, 4)
    assert sorted(path for batch in batches for path, _ in batch) == sorted(p for p, _ in jobs)
    weights = [sum(len(entry.data) for _, entry in batch) for batch in batches]
    assert max(weights) - min(weights) <= 100
    assert weights == sorted(weights, reverse=True)


def test_jobs_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORKTOOL_JOBS", "3")
    assert pool.default_jobs() == 3
    for bad in ("0", "two", "-1"):
        monkeypatch.setenv("FORKTOOL_JOBS", bad)
        with pytest.raises(ConfigError, match="FORKTOOL_JOBS"):
            pool.default_jobs()
    monkeypatch.delenv("FORKTOOL_JOBS")
    assert pool.default_jobs() >= 1


def test_sync_keeps_a_cache_in_the_fork_and_reuses_it(definition: Path) -> None:
    """The second release re-transforms only what changed: one module and pyproject.toml."""
    assert run_cli(definition, "sync", "mypkg", "--to", "1.0").exit_code == 0
    path = definition / "forks/mypkg/.git/forktool/cache/transform.sqlite3"
    first = rows(path)
    assert first >= 6
    assert run_cli(definition, "sync", "mypkg", "--to", "1.1").exit_code == 0
    # README.txt is new; core.py and pyproject.toml changed.
    assert rows(path) == first + 3


def test_every_field_of_the_rename_map_is_in_the_fingerprint() -> None:
    base = fingerprint(FLASK)
    for field in dataclasses.fields(RenameMap):
        value = getattr(FLASK, field.name)
        if isinstance(value, bool):
            changed: object = not value
        elif isinstance(value, tuple):
            changed = (*value, "extra.*")
        else:
            changed = {**value, "extra": "other"}
        variant = dataclasses.replace(FLASK, **{field.name: changed})
        assert fingerprint(variant) != base, field.name
    assert fingerprint(dataclasses.replace(FLASK)) == base


def test_the_code_a_rename_depends_on_is_all_hashed() -> None:
    """Every module a file's rename runs is in the code version, so editing any of them
    invalidates the cache (a root that moved away would silently stop counting)."""
    package = Path(forktool.__file__).parent
    hashed: set[Path] = set()
    for root in cache._CODE_ROOTS:
        top = package / root
        assert top.exists(), root
        hashed.update(top.rglob("*.py") if top.is_dir() else [top])
    used = {
        Path(module.__file__)
        for name, module in sys.modules.items()
        if name.startswith(("forktool.codemods", "forktool.transform.file")) and module.__file__
    }
    assert Path(file.__file__) in used
    assert used <= hashed, sorted(str(p) for p in used - hashed)


def test_a_patch_release_takes_unchanged_files_from_the_cache(definition: Path) -> None:
    """Unchanged files of the next release are read from the cache, not renamed again: a
    result planted in the cache for one of them is what the transformed branch gets."""
    assert run_cli(definition, "sync", "mypkg", "--to", "1.0").exit_code == 0
    fork = definition / "forks/mypkg"
    planted = b"def upper(text):\n    return 'from the cache'\n"
    with sqlite3.connect(fork / ".git/forktool/cache/transform.sqlite3") as db:
        for path in ("src/ourpkg/helpers.py", "src/ourpkg/core.py"):
            changed = db.execute(
                "UPDATE outcome SET data = ? WHERE path = ?", (zlib.compress(planted), path)
            ).rowcount
            assert changed == 1, path
    result = run_cli(definition, "sync", "mypkg", "--to", "1.1")
    assert result.exit_code == 0, result.output
    # helpers.py is the same in 1.1: its cached result is used; core.py changed: renamed anew.
    assert git(fork, "show", "transformed/mypkg:src/ourpkg/helpers.py") == planted.decode().strip()
    core = git(fork, "show", "transformed/mypkg:src/ourpkg/core.py")
    assert "import ourpkg.helpers" in core and '"Hello, "' in core
