"""Shim distributions: a tiny fork package in tmp_path, its shim run in subprocesses.

Nothing is installed: each check runs ``python -c`` with ``PYTHONPATH`` holding the fork's
``src/`` and the shim's unpacked wheel (a site directory, ``.dist-info`` included).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import pickle
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import tomllib
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from forktool import shims
from forktool.errors import ForktoolError
from forktool.model import FileEntry, RenameMap
from forktool.records import state
from forktool.shims import planning
from tests.helpers import build_file_tree

RENAME = RenameMap(
    packages={"oldpkg": "acme", "oldpkg_ext": "acme_ext"},
    distributions={"OldPkg": "Acme"},
    scripts={"oldpkg": "acme"},
    keep=("oldpkg.commands",),
)

FORK = {
    "pyproject.toml": """\
        [project]
        name = "Acme"
        version = "2.0.1"
        requires-python = ">=3.8"

        [project.optional-dependencies]
        speedups = []

        [project.scripts]
        acme = "acme.cli:main"
        """,
    "src/acme/__init__.py": """\
        import typing as t

        from acme import json as json
        from acme import signals as signals
        from acme.app import App as App
        from acme.signals import started as started

        _registry: dict = {}

        if not t.TYPE_CHECKING:

            def __getattr__(name):
                raise AttributeError(name)
        """,
    "src/acme/app.py": """\
        from acme import signals
        from acme.json import provider


        class App:
            def __init__(self, name="app"):
                self.name = name

            def start(self):
                signals.started.send(self)
                return provider.dumps({"name": self.name})


        def _make_app():
            return App()
        """,
    "src/acme/signals.py": """\
        class Signal:
            def __init__(self):
                self.receivers = []

            def connect(self, receiver):
                self.receivers.append(receiver)

            def send(self, sender):
                return [receiver(sender) for receiver in self.receivers]


        started = Signal()
        """,
    "src/acme/json/__init__.py": "from acme.json.provider import dumps as dumps\n",
    "src/acme/json/provider.py": """\
        import json


        def dumps(value):
            return json.dumps(value)
        """,
    "src/acme/json/tag.py": """\
        class TaggedSerializer:
            def dumps(self, value: object) -> str:
                return repr(value)
        """,
    "src/acme/sansio/app.py": "class SansApp:\n    pass\n",
    "src/acme/cli.py": """\
        import sys


        def main():
            print("acme-cli", sys.argv[1:])
        """,
    "src/acme/__main__.py": "from .cli import main\n\nmain()\n",
    "src/acme/py.typed": "",
    "src/acme_ext/__init__.py": "from acme_ext.util import helper as helper\n",
    "src/acme_ext/util.py": "def helper():\n    return 42\n",
    "tests/acme/test_app.py": "def test():\n    pass\n",
    "docs/conf.py": "project = 'acme'\n",
}

MODULES = (
    "oldpkg",
    "oldpkg.app",
    "oldpkg.cli",
    "oldpkg.json",
    "oldpkg.json.provider",
    "oldpkg.json.tag",
    "oldpkg.sansio",
    "oldpkg.sansio.app",
    "oldpkg.signals",
    "oldpkg_ext",
    "oldpkg_ext.util",
)


@dataclass(frozen=True)
class Installed:
    """A fork tree and its shim, unpacked where ``PYTHONPATH`` can reach them."""

    fork: Path
    site: Path
    result: shims.ShimResult

    def run(self, code: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run ``python -W error -c code args`` with the shim and the fork importable."""
        return self.python("-c", textwrap.dedent(code), *args, check=check)

    def python(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(self.site), str(self.fork / "src")]),
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        proc = subprocess.run(
            [sys.executable, "-W", "error", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=self.site.parent,
            check=False,
        )
        if check and proc.returncode != 0:
            raise AssertionError(f"python {' '.join(args)} failed:\n{proc.stderr}")
        return proc


@pytest.fixture
def fork(tmp_path: Path) -> Path:
    root = tmp_path / "fork"
    build_file_tree(root, FORK)
    return root


@pytest.fixture
def installed(tmp_path: Path, fork: Path) -> Installed:
    result = shims.generate(fork, RENAME, "2.0.1", tmp_path / "out")
    site = tmp_path / "site"
    with zipfile.ZipFile(result.wheel) as archive:
        archive.extractall(site)
    return Installed(fork=fork, site=site, result=result)


def _new(old: str) -> str:
    return "acme_ext" + old[10:] if old.startswith("oldpkg_ext") else "acme" + old[6:]


# --- the plan ---------------------------------------------------------------------------------


def test_plan_lists_every_module_of_every_package_and_no_main(fork: Path) -> None:
    plan = shims.plan(fork, RENAME, "2.0.1")

    assert plan.modules == MODULES
    assert plan.packages == {"oldpkg": "acme", "oldpkg_ext": "acme_ext"}
    assert (plan.distribution, plan.fork_distribution) == ("OldPkg", "Acme")
    assert plan.requirement == "Acme==2.0.1"
    assert plan.scripts == {"oldpkg": "acme.cli:main"}
    assert plan.extras == ("speedups",)
    assert plan.requires_python == ">=3.8"
    assert plan.version == "2.0.1+acme"  # sorts and matches like 2.0.1, pinnable apart
    assert plan.wheel_name == "oldpkg-2.0.1+acme-py3-none-any.whl"
    assert not any("__main__" in path for path in plan.files)
    assert not any(path.startswith("tests") for path in plan.files)


def test_plan_from_an_in_memory_tree_equals_the_plan_from_disk(fork: Path) -> None:
    tree = {
        path.relative_to(fork).as_posix(): FileEntry(path.read_bytes())
        for path in fork.rglob("*")
        if path.is_file()
    }

    assert shims.plan(tree, RENAME, "2.0.1") == shims.plan(fork, RENAME, "2.0.1")


def test_stubs_re_export_public_and_private_names_a_type_checker_sees(fork: Path) -> None:
    files = shims.plan(fork, RENAME, "2.0.1").files

    assert files["oldpkg/app.pyi"].decode().splitlines()[1:] == [
        "from acme.app import *",
        "from acme.app import _make_app as _make_app",
    ]
    init = files["oldpkg/__init__.pyi"].decode()
    assert "from acme import _registry as _registry" in init
    assert "__getattr__" not in init  # defined only when not TYPE_CHECKING
    assert files["oldpkg/json/tag.pyi"].decode().endswith("from acme.json.tag import *\n")
    assert "oldpkg/sansio/app.pyi" in files
    assert "oldpkg/sansio/__init__.pyi" not in files  # a namespace package, as in the fork
    assert files["oldpkg/py.typed"] == b""


def test_stub_memo_is_filled_then_used(fork: Path) -> None:
    memo: dict[str, list[str]] = {}
    first = shims.plan(fork, RENAME, "2.0.1", memo=memo)
    assert ["_make_app"] in memo.values()
    assert shims.plan(fork, RENAME, "2.0.1", memo=memo) == first
    # What the memo says is what the stub gets: it is keyed by content, not consulted blindly.
    key = next(key for key, names in memo.items() if names == ["_make_app"])
    memo[key] = ["_other"]
    again = shims.plan(fork, RENAME, "2.0.1", memo=memo).files["oldpkg/app.pyi"].decode()
    assert again.endswith("from acme.app import _other as _other\n")
    (fork / "src/acme/app.py").write_text("def _changed(): ...\n")
    changed = shims.plan(fork, RENAME, "2.0.1", memo=memo).files["oldpkg/app.pyi"].decode()
    assert changed.endswith("from acme.app import _changed as _changed\n")


def test_stub_memo_keeps_only_what_this_fork_uses(fork: Path) -> None:
    first: dict[str, list[str]] = {}
    shims.plan(fork, RENAME, "2.0.1", memo=first)
    memo = state.StubMemo({**first, "a-module-of-an-older-release": ["_gone"]})
    assert shims.plan(fork, RENAME, "2.0.1", memo=memo) == shims.plan(fork, RENAME, "2.0.1")
    assert memo.used == first


def test_damaged_stub_memo_reads_as_empty(tmp_path: Path) -> None:
    path = tmp_path / "stubs.json"
    assert state.read_stub_memo(path) == {}
    for text in ("not json", "[]", '{"schema": 1, "private_names": 3}', '{"schema": 2}'):
        path.write_text(text)
        assert state.read_stub_memo(path) == {}
    state.write_json(path, {"schema": 1, "private_names": {"k": ["_a"]}})
    assert state.read_stub_memo(path) == {"k": ["_a"]}


@pytest.mark.parametrize(
    ("fork_version", "fork_dist", "expected"),
    [
        ("3.1.3", "Framework", "3.1.3+framework"),
        ("3.1.3", "Corp_Web-Kit", "3.1.3+corp.web.kit"),
        ("3.1.3+acme.2", "Framework", "3.1.3+acme.2"),  # already a local version
    ],
)
def test_default_shim_version_is_the_fork_version_with_a_local_label(
    fork_version: str, fork_dist: str, expected: str
) -> None:
    assert shims.default_shim_version(fork_version, fork_dist) == expected


def test_shim_version_may_differ_from_the_pinned_fork_version(fork: Path) -> None:
    plan = shims.plan(fork, RENAME, "2.0.1", shim_version="2.0.1.post1")

    assert (plan.version, plan.requirement) == ("2.0.1.post1", "Acme==2.0.1")
    assert plan.wheel_name == "oldpkg-2.0.1.post1-py3-none-any.whl"


def test_packages_of_other_distributions_and_renamed_symbols_are_reported(fork: Path) -> None:
    rename = RenameMap(
        packages={**RENAME.packages, "oldother": "acme_other"},
        distributions={"OldPkg": "Acme", "OldOther": "AcmeOther"},
        symbols={"oldpkg.App": "Application"},
    )

    plan = shims.plan(fork, rename, "2.0.1")

    assert plan.missing_packages == ("oldother",)
    assert plan.warnings == (
        "oldpkg.App is renamed to Application: the shim does not provide the old name",
    )


def test_single_module_fork_gets_an_alias_package(tmp_path: Path) -> None:
    build_file_tree(tmp_path / "f", {"setup.cfg": "[metadata]\nname = sux\n", "sux.py": "X = 1\n"})
    rename = RenameMap(packages={"six": "sux"}, distributions={"six": "sux"})

    plan = shims.plan(tmp_path / "f", rename, "1.0")

    assert plan.modules == ("six",)
    assert set(plan.files) == {"six/__init__.py", "six/__init__.pyi", "six/py.typed"}


def test_dotted_old_package_and_dotted_new_package(tmp_path: Path) -> None:
    build_file_tree(
        tmp_path / "fork",
        {
            "pyproject.toml": '[project]\nname = "corp-web"\nversion = "1.0"\n',
            "src/corp/web/__init__.py": "from corp.web.core import VALUE as VALUE\n",
            "src/corp/web/core.py": "VALUE = 1\n",
        },
    )
    rename = RenameMap(packages={"zope.web": "corp.web"}, distributions={"zope.web": "corp-web"})
    result = shims.generate(tmp_path / "fork", rename, "1.0", tmp_path / "out")
    with zipfile.ZipFile(result.wheel) as archive:
        archive.extractall(tmp_path / "site")
    shim = Installed(fork=tmp_path / "fork", site=tmp_path / "site", result=result)

    assert result.modules == ("zope.web", "zope.web.core")
    assert result.wheel.name == "zope_web-1.0+corp.web-py3-none-any.whl"
    shim.run("""\
        import sys
        import zope.web.core
        import corp.web.core

        assert zope.web is corp.web and sys.modules["zope.web.core"] is corp.web.core
        assert zope.web.VALUE == 1 and corp.web.core.__spec__.name == "corp.web.core"
        """)


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rename", "version", "message"),
    [
        (RENAME, "two", "fork version 'two' is not a PEP 440 version"),
        (RENAME, "2.0.2", "the fork tree declares version 2.0.1, not 2.0.2"),
        (RenameMap(packages={"oldpkg": "acme"}), "2.0.1", "has no [rename.distributions]"),
        (
            RenameMap(packages={"oldpkg": "acme"}, distributions={"A": "B"}),
            "2.0.1",
            "the fork tree is the distribution 'Acme'",
        ),
        (
            RenameMap(packages={"x": "nothere"}, distributions={"OldPkg": "Acme"}),
            "2.0.1",
            "none of the renamed packages (nothere) is in the fork tree",
        ),
        (
            replace(RENAME, scripts={"old": "nope"}),
            "2.0.1",
            "the fork declares no console script 'nope'",
        ),
    ],
)
def test_bad_input_is_one_line_with_a_hint(
    fork: Path, rename: RenameMap, version: str, message: str
) -> None:
    with pytest.raises(shims.ShimError) as info:
        shims.plan(fork, rename, version)

    assert isinstance(info.value, ForktoolError)
    assert message in info.value.message
    assert info.value.hint and "\n" not in str(info.value)


def test_fork_tree_must_be_a_directory(tmp_path: Path) -> None:
    with pytest.raises(shims.ShimError, match="is not a directory"):
        shims.plan(tmp_path / "missing", RENAME, "2.0.1")


def test_refuses_to_overwrite_what_forktool_did_not_generate(tmp_path: Path, fork: Path) -> None:
    out = tmp_path / "out"
    real_wheel = out / "oldpkg-2.0.1-py3-none-any.whl"  # e.g. the real distribution's wheel
    out.mkdir()
    with zipfile.ZipFile(real_wheel, "w") as archive:
        archive.writestr("oldpkg-2.0.1.dist-info/WHEEL", "Generator: bdist_wheel\n")

    with pytest.raises(shims.ShimError, match="is not a forktool shim"):
        shims.generate(fork, RENAME, "2.0.1", out, shim_version="2.0.1")

    real_wheel.unlink()
    (out / "OldPkg-shim").mkdir()
    (out / "OldPkg-shim" / "mine.txt").write_text("x")
    with pytest.raises(shims.ShimError, match="was not generated by forktool"):
        shims.generate(fork, RENAME, "2.0.1", out)


def test_a_new_release_replaces_the_older_shim_wheel_only(tmp_path: Path, fork: Path) -> None:
    out = tmp_path / "out"
    first = shims.generate(fork, RENAME, "2.0.1", out).wheel
    foreign = out / "oldpkg-1.0-py3-none-any.whl"  # not ours: stays
    with zipfile.ZipFile(foreign, "w") as archive:
        archive.writestr("oldpkg-1.0.dist-info/WHEEL", "Generator: bdist_wheel\n")
    pyproject = fork / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"2.0.1"', '"2.0.2"'))

    second = shims.generate(fork, RENAME, "2.0.2", out).wheel

    assert not first.exists()
    assert sorted(path.name for path in out.glob("*.whl")) == sorted([second.name, foreign.name])


def _files(directory: Path, *, skip: tuple[str, ...] = ()) -> dict[str, bytes]:
    """Every file below ``directory`` (relative path -> bytes), except those under ``skip``."""
    return {
        rel: path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file() and not (rel := path.relative_to(directory).as_posix()).startswith(skip)
    }


def _hashes(directory: Path, rels: list[str]) -> dict[str, str | None]:
    """sha256 of each of ``rels`` below ``directory`` (None: missing)."""
    return {
        rel: hashlib.sha256((directory / rel).read_bytes()).hexdigest()
        if (directory / rel).is_file()
        else None
        for rel in rels
    }


def _next_release(fork: Path) -> None:
    """Make ``fork`` release 2.0.2: json.tag removed, a module added, app.py changed."""
    pyproject = fork / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"2.0.1"', '"2.0.2"'))
    (fork / "src" / "acme" / "json" / "tag.py").unlink()
    (fork / "src" / "acme" / "wrappers.py").write_text("class Request:\n    pass\n")
    app = fork / "src" / "acme" / "app.py"
    app.write_text(app.read_text() + "\n\ndef _helper():\n    return 1\n")


#: Paths opened while an audit hook records them (``open`` audit events); None: not
#: recording. Audit hooks cannot be removed, so one hook serves every test.
_OPENED: list[str] | None = None


def _record_open(event: str, args: tuple[object, ...]) -> None:
    if event == "open" and _OPENED is not None and isinstance(args[0], str | Path):
        _OPENED.append(os.fspath(args[0]))


sys.addaudithook(_record_open)


def _opened_while(action: Callable[[], object]) -> set[str]:
    """The paths ``action`` opened (files, as the ``open`` audit event names them)."""
    global _OPENED
    _OPENED = []
    try:
        action()
        return {os.path.realpath(path) for path in _OPENED}
    finally:
        _OPENED = None


def test_stat_hints_spare_reading_unchanged_files_and_give_the_same_shim(
    tmp_path: Path, fork: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(planning, "_SETTLED_NS", 0)  # known by stat at once
    out, memo, keys, stats = tmp_path / "out", state.StubMemo({}), {}, {}

    def generate(version: str) -> shims.ShimResult:
        plan = shims.plan(fork, RENAME, version, memo=memo, mapper=_mapper, module_keys=keys)
        return shims.write(plan, out, stats)

    generate("2.0.1")
    assert stats and keys  # every file written, every module read, noted
    _next_release(fork)
    opened = _opened_while(lambda: generate("2.0.2"))
    source = out / "OldPkg-shim"
    unchanged_stub = os.path.realpath(source / "oldpkg" / "sansio" / "app.pyi")
    unchanged_module = os.path.realpath(fork / "src" / "acme" / "sansio" / "app.py")
    changed_module = os.path.realpath(fork / "src" / "acme" / "app.py")
    assert unchanged_stub not in opened and unchanged_module not in opened
    assert changed_module in opened  # changed since: read, its stub rewritten
    assert "def _helper" not in (fork / "src" / "acme" / "sansio" / "app.py").read_text()
    assert "_helper" in (source / "oldpkg" / "app.pyi").read_text()
    shims.generate(fork, RENAME, "2.0.2", tmp_path / "fresh")
    assert _files(out) == _files(tmp_path / "fresh")


def test_a_stat_hint_never_hides_an_edit(tmp_path: Path, fork: Path) -> None:
    out, stats = tmp_path / "out", {}
    shims.write(shims.plan(fork, RENAME, "2.0.1"), out, stats)
    stub = out / "OldPkg-shim" / "oldpkg" / "sansio" / "app.pyi"
    before = stub.stat()
    text = stub.read_text()
    stub.write_text(text.replace("from", "FROM", 1))  # same size, same mtime below
    os.utime(stub, ns=(before.st_atime_ns, before.st_mtime_ns))
    edited = _files(out)
    with pytest.raises(shims.ShimError, match="edited since"):
        shims.write(shims.plan(fork, RENAME, "2.0.1"), out, stats)
    assert _files(out) == edited


def _mapper(
    function: Callable[[bytes, str], list[str]], files: Sequence[tuple[bytes, str]]
) -> list[list[str]]:
    return [function(data, path) for data, path in files]


#: Files of the user's in the output directory: at its top, in the source tree (pip's
#: build/), in a generated package, and one named like forktool's files.
USER_FILES = {
    "NOTES.md": "my notes\n",
    "oldpkg-2.0.1-py3-none-any.whl.sig": "a signature\n",
    "OldPkg-shim/build/lib/oldpkg/__init__.py": "left by pip\n",
    "OldPkg-shim/oldpkg/json/my_helper.pyi": "def helper() -> int: ...\n",
    "OldPkg-shim/oldpkg/local.pyi": "X: int\n",
}


def test_a_new_release_rewrites_only_the_source_files_that_differ(
    tmp_path: Path, fork: Path
) -> None:
    out = tmp_path / "out"
    source = shims.generate(fork, RENAME, "2.0.1", out).source_dir
    untouched = source / "oldpkg" / "sansio" / "app.pyi"
    before = untouched.stat().st_mtime_ns
    _next_release(fork)
    time.sleep(0.01)  # so a rewritten file would get another mtime

    result = shims.generate(fork, RENAME, "2.0.2", out)

    assert untouched.stat().st_mtime_ns == before
    assert "2.0.2" in (source / "pyproject.toml").read_text()
    assert not (source / "oldpkg" / "json" / "tag.pyi").exists()
    assert (source / "oldpkg" / "wrappers.pyi").is_file()
    shims.generate(fork, RENAME, "2.0.2", tmp_path / "fresh")
    assert _files(out) == _files(tmp_path / "fresh")
    assert shims.is_complete(result.plan, out)


def test_the_manifest_records_every_generated_file_with_its_sha256(
    tmp_path: Path, fork: Path
) -> None:
    out = tmp_path / "out"
    result = shims.generate(fork, RENAME, "2.0.1", out)

    document = json.loads((out / ".forktool-shim.json").read_text())

    assert document["schema"] == 1
    record = document["shims"]["oldpkg"]
    assert record["state"] == "complete"
    on_disk = _files(out, skip=(".forktool-shim.json",))
    assert set(record["files"]) == set(on_disk)
    assert result.wheel.name in record["files"] and "OldPkg-shim/pyproject.toml" in on_disk
    for rel, data in on_disk.items():
        assert record["files"][rel] == [hashlib.sha256(data).hexdigest()], rel


def test_files_of_the_user_in_the_shim_directory_are_never_touched(
    tmp_path: Path, fork: Path
) -> None:
    out = tmp_path / "out"
    first = shims.generate(fork, RENAME, "2.0.1", out)
    build_file_tree(out, USER_FILES)
    user_before = _hashes(out, list(USER_FILES))
    _next_release(fork)

    second = shims.generate(fork, RENAME, "2.0.2", out)
    written = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    time.sleep(0.01)
    again = shims.generate(fork, RENAME, "2.0.2", out)  # nothing to do: nothing is written

    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == written

    assert _hashes(out, list(USER_FILES)) == user_before
    assert not first.wheel.exists() and second.wheel.is_file()
    assert not (out / "OldPkg-shim" / "oldpkg" / "json" / "tag.pyi").exists()
    assert (out / "OldPkg-shim" / "oldpkg" / "json" / "my_helper.pyi").exists()
    assert shims.is_complete(again.plan, out)
    fresh = _files(shims.generate(fork, RENAME, "2.0.2", tmp_path / "fresh").source_dir)
    assert _files(second.source_dir, skip=("build/", "oldpkg/local.pyi", "oldpkg/json/my_")) == (
        fresh
    )


def test_an_edited_generated_file_is_refused_and_nothing_changes(
    tmp_path: Path, fork: Path
) -> None:
    out = tmp_path / "out"
    shims.generate(fork, RENAME, "2.0.1", out)
    edited = out / "OldPkg-shim" / "oldpkg" / "app.pyi"
    edited.write_text(edited.read_text() + "def extra() -> None: ...\n")
    before = _files(out)
    _next_release(fork)

    with pytest.raises(shims.ShimError) as info:
        shims.generate(fork, RENAME, "2.0.2", out)

    assert str(edited) in info.value.message and "edited" in info.value.message
    assert "delete it" in info.value.hint and "\n" not in str(info.value)
    assert _files(out) == before  # the edit, the old wheel, the manifest: all as they were

    edited.unlink()  # what the hint says: the edit is moved out, the file regenerated
    result = shims.generate(fork, RENAME, "2.0.2", out)

    assert "_helper" in edited.read_text()
    assert shims.is_complete(result.plan, out)


def test_an_edited_generated_file_this_release_drops_is_not_deleted(
    tmp_path: Path, fork: Path
) -> None:
    out = tmp_path / "out"
    shims.generate(fork, RENAME, "2.0.1", out)
    stale = out / "OldPkg-shim" / "oldpkg" / "json" / "tag.pyi"
    stale.write_text("# mine now\n")
    before = _files(out)
    _next_release(fork)  # 2.0.2 has no json.tag module

    with pytest.raises(shims.ShimError, match="tag.pyi was generated by forktool but has been"):
        shims.generate(fork, RENAME, "2.0.2", out)

    assert _files(out) == before


@pytest.mark.parametrize(
    "in_the_way",
    [
        pytest.param("OldPkg-shim/oldpkg/wrappers.pyi", id="file-where-a-new-file-goes"),
        pytest.param("OldPkg-shim/oldpkg/json", id="file-where-a-directory-goes"),
        pytest.param("OldPkg-shim/oldpkg/app.pyi/inner/x.txt", id="directory-where-a-file-goes"),
    ],
)
def test_something_of_the_user_where_a_generated_file_goes_is_refused(
    tmp_path: Path, fork: Path, in_the_way: str
) -> None:
    out = tmp_path / "out"
    shims.generate(fork, RENAME, "2.0.1", out)
    generated = out / in_the_way.split("/inner")[0]
    if generated.is_dir():
        shutil.rmtree(generated)  # the user's file replaces the generated package directory
    elif generated.exists():
        generated.unlink()  # the user's directory replaces the generated stub
    build_file_tree(out, {in_the_way: "mine\n"})
    before = _files(out)
    _next_release(fork)

    with pytest.raises(shims.ShimError) as info:
        shims.generate(fork, RENAME, "2.0.2", out)

    assert "forktool did not write it" in info.value.message
    assert str(generated) in info.value.message
    assert "move it away" in info.value.hint
    assert _files(out) == before


def test_a_directory_of_an_older_forktool_is_taken_over(tmp_path: Path, fork: Path) -> None:
    out = tmp_path / "out"
    first = shims.generate(fork, RENAME, "2.0.1", out)
    (out / ".forktool-shim.json").unlink()  # as a forktool without the manifest left it
    (out / f"{first.wheel.name}.part").write_bytes(b"half a wheel")  # its killed write
    build_file_tree(out, USER_FILES)
    user_before = _hashes(out, list(USER_FILES))
    _next_release(fork)

    second = shims.generate(fork, RENAME, "2.0.2", out)

    assert _hashes(out, list(USER_FILES)) == user_before
    assert not first.wheel.exists() and not (out / f"{first.wheel.name}.part").exists()
    # a stub the old wheel proves forktool wrote, of a module 2.0.2 removed: deleted
    assert not (out / "OldPkg-shim" / "oldpkg" / "json" / "tag.pyi").exists()
    assert shims.is_complete(second.plan, out)
    record = json.loads((out / ".forktool-shim.json").read_text())["shims"]["oldpkg"]
    assert "OldPkg-shim/oldpkg/local.pyi" not in record["files"]


def test_an_edited_file_in_a_directory_of_an_older_forktool_is_refused(
    tmp_path: Path, fork: Path
) -> None:
    out = tmp_path / "out"
    shims.generate(fork, RENAME, "2.0.1", out)
    (out / ".forktool-shim.json").unlink()
    edited = out / "OldPkg-shim" / "oldpkg" / "app.pyi"  # differs from the old wheel's copy
    edited.write_text(edited.read_text() + "def extra() -> None: ...\n")
    before = _files(out)
    _next_release(fork)

    with pytest.raises(shims.ShimError, match="app.pyi is where forktool writes the shim"):
        shims.generate(fork, RENAME, "2.0.2", out)

    assert _files(out) == before


def test_a_damaged_manifest_is_refused_and_nothing_changes(tmp_path: Path, fork: Path) -> None:
    out = tmp_path / "out"
    shims.generate(fork, RENAME, "2.0.1", out)
    manifest = out / ".forktool-shim.json"
    document = json.loads(manifest.read_text())
    document["shims"]["oldpkg"]["files"]["../outside.txt"] = ["0" * 64]
    manifest.write_text(json.dumps(document))
    before = _files(out)
    _next_release(fork)

    with pytest.raises(shims.ShimError) as info:
        shims.generate(fork, RENAME, "2.0.2", out)

    assert "is damaged" in info.value.message and "delete it" in info.value.hint
    assert _files(out) == before
    assert not shims.is_complete(shims.plan(fork, RENAME, "2.0.2"), out)


def test_shims_of_two_distributions_share_a_directory(tmp_path: Path, fork: Path) -> None:
    out = tmp_path / "out"
    build_file_tree(tmp_path / "six", {"setup.cfg": "[metadata]\nname = sux\n", "sux.py": ""})
    six_rename = RenameMap(packages={"six": "sux"}, distributions={"six": "sux"})
    six = shims.generate(tmp_path / "six", six_rename, "1.0", out)
    six_files = _files(six.source_dir)
    shims.generate(fork, RENAME, "2.0.1", out)
    _next_release(fork)

    shims.generate(fork, RENAME, "2.0.2", out)

    assert set(json.loads((out / ".forktool-shim.json").read_text())["shims"]) == {
        "oldpkg",
        "six",
    }
    assert six.wheel.is_file() and _files(six.source_dir) == six_files
    assert shims.is_complete(six.plan, out)


KILLED_WRITE = """\
import builtins, io, os, pickle, signal, sys
from pathlib import Path

from forktool import shims

plan = pickle.loads(Path(sys.argv[1]).read_bytes())
out, limit = Path(sys.argv[2]), int(sys.argv[3])
count = 0


def dying(real):
    # real, killing the process right after its limit-th call (a file opened for
    # writing is then created or truncated, and nothing written to it yet)

    def call(*args, **kwargs):
        global count
        mode = str(args[1] if len(args) > 1 else kwargs.get("mode", "r"))
        counted = real is not builtins.open or "w" in mode
        count += counted
        try:
            return real(*args, **kwargs)
        finally:
            if counted and count == limit:
                os.kill(os.getpid(), signal.SIGKILL)

    return call


for module, name in [(os, "replace"), (os, "unlink"), (os, "rmdir"), (os, "mkdir")]:
    setattr(module, name, dying(getattr(module, name)))
builtins.open = io.open = dying(builtins.open)
shims.write(plan, out)
print(count)
"""


def test_a_write_killed_at_any_step_is_incomplete_and_the_next_one_finishes_it(
    tmp_path: Path, fork: Path
) -> None:
    prepared = tmp_path / "prepared"
    shims.generate(fork, RENAME, "2.0.1", prepared)
    build_file_tree(prepared, USER_FILES)
    _next_release(fork)
    plan = shims.plan(fork, RENAME, "2.0.2")
    pickled = tmp_path / "plan.pickle"
    pickled.write_bytes(pickle.dumps(plan))
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)}
    # The release after: the next write may be of another shim than the killed one.
    (fork / "pyproject.toml").write_text(
        (fork / "pyproject.toml").read_text().replace('"2.0.2"', '"2.0.3"')
    )
    (fork / "src" / "acme" / "signals.py").unlink()
    later = shims.plan(fork, RENAME, "2.0.3")
    shutil.copytree(prepared, tmp_path / "later")
    expected_later = _files(shims.write(later, tmp_path / "later").source_dir.parent)

    def write_killed_after(step: int, out: Path) -> subprocess.CompletedProcess[str]:
        shutil.copytree(prepared, out)
        return subprocess.run(
            [sys.executable, "-c", KILLED_WRITE, str(pickled), str(out), str(step)],
            capture_output=True, text=True, env=env, check=False,
        )  # fmt: skip

    uninterrupted = write_killed_after(0, tmp_path / "uninterrupted")
    assert uninterrupted.returncode == 0, uninterrupted.stderr
    expected = _files(tmp_path / "uninterrupted")
    steps = int(uninterrupted.stdout)
    assert steps >= 15  # every step, from the manifest's intent record to its final state

    user_before = _hashes(prepared, list(USER_FILES))
    for step in range(1, steps + 1):
        out = tmp_path / f"kill-{step}"
        killed = write_killed_after(step, out)
        assert killed.returncode == -signal.SIGKILL, killed.stderr
        assert shims.is_complete(plan, out) == (step == steps), step
        assert _hashes(out, list(USER_FILES)) == user_before, step
        shutil.copytree(out, tmp_path / f"kill-{step}-later")

        shims.write(plan, out)  # the next write finishes the job
        shims.write(later, tmp_path / f"kill-{step}-later")  # or writes the next release

        assert shims.is_complete(plan, out), step
        assert _files(out) == expected, step
        assert _files(tmp_path / f"kill-{step}-later") == expected_later, step


# --- what is written --------------------------------------------------------------------------


def test_wheel_is_valid_and_reproducible(tmp_path: Path, fork: Path) -> None:
    first = shims.generate(fork, RENAME, "2.0.1", tmp_path / "out")
    data = first.wheel.read_bytes()
    again = shims.generate(fork, RENAME, "2.0.1", tmp_path / "out")  # replaces its own output

    assert again.wheel.read_bytes() == data
    with zipfile.ZipFile(first.wheel) as archive:
        names = archive.namelist()
        record = archive.read("oldpkg-2.0.1+acme.dist-info/RECORD").decode().splitlines()
        for line in record:
            path, digest, size = line.rsplit(",", 2)
            if path.endswith("RECORD"):
                continue
            content = archive.read(path)
            expected = base64.urlsafe_b64encode(hashlib.sha256(content).digest()).rstrip(b"=")
            assert (digest, int(size)) == (f"sha256={expected.decode()}", len(content))
        metadata = archive.read("oldpkg-2.0.1+acme.dist-info/METADATA").decode()
        entry_points = archive.read("oldpkg-2.0.1+acme.dist-info/entry_points.txt").decode()
    assert len(record) == len(names)
    assert "Name: OldPkg\nVersion: 2.0.1+acme\n" in metadata
    assert "Requires-Dist: Acme==2.0.1\n" in metadata
    assert 'Requires-Dist: Acme[speedups]==2.0.1; extra == "speedups"\n' in metadata
    assert entry_points == "[console_scripts]\noldpkg = acme.cli:main\n"


def test_source_tree_declares_every_package_for_setuptools(tmp_path: Path, fork: Path) -> None:
    result = shims.generate(fork, RENAME, "2.0.1", tmp_path / "out")
    pyproject = tomllib.loads((result.source_dir / "pyproject.toml").read_text())

    assert pyproject["project"]["dependencies"] == ["Acme==2.0.1"]
    assert pyproject["project"]["scripts"] == {"oldpkg": "acme.cli:main"}
    assert pyproject["build-system"]["build-backend"] == "setuptools.build_meta"
    on_disk = {
        p.relative_to(result.source_dir).as_posix()
        for p in result.source_dir.rglob("*")
        if p.is_file()
    }
    assert on_disk == {"pyproject.toml", "README.md", *result.plan.files}
    packages = set(pyproject["tool"]["setuptools"]["packages"])
    assert packages == {str(Path(p).parent).replace("/", ".") for p in result.plan.files}


# --- at run time ------------------------------------------------------------------------------

IDENTITY = """\
    import importlib, json, sys

    order, modules = json.loads(sys.argv[1]), json.loads(sys.argv[2])
    for name in order:
        importlib.import_module(name)
    assert type(sys.modules["oldpkg"]).__name__ == "module"
    assert sys.modules["oldpkg"] is sys.modules["acme"]
    for old, new in modules.items():
        module = importlib.import_module(old)
        assert module is importlib.import_module(new) is sys.modules[old], old
        assert module.__name__ == new, (old, module.__name__)
        if module.__spec__ is not None:  # namespace packages have one too
            assert module.__spec__.name == new, (old, module.__spec__)
            assert module.__spec__.loader is module.__loader__, old
        parent, _, child = old.rpartition(".")
        if parent:
            assert getattr(sys.modules[parent], child) is module, old
    print("ok", len(modules))
"""


@pytest.mark.parametrize(
    "order",
    [
        pytest.param(MODULES, id="old-names-top-down"),
        pytest.param(tuple(reversed(MODULES)), id="old-names-deepest-first"),
        pytest.param(tuple(_new(m) for m in MODULES) + MODULES, id="fork-first"),
        pytest.param(
            ("oldpkg.json.tag", "acme.sansio.app", "oldpkg_ext.util", "acme", "oldpkg.cli"),
            id="interleaved",
        ),
        pytest.param(("oldpkg_ext", "acme_ext.util", "oldpkg.app"), id="second-package-first"),
    ],
)
def test_every_old_module_is_the_fork_module_in_any_import_order(
    installed: Installed, order: tuple[str, ...]
) -> None:
    modules = {old: _new(old) for old in installed.result.modules}

    proc = installed.run(IDENTITY, json.dumps(order), json.dumps(modules))

    assert proc.stdout.split() == ["ok", str(len(MODULES))]


def test_real_modules_keep_their_spec_and_shared_state(installed: Installed) -> None:
    installed.run("""\
        import importlib.util, sys
        import oldpkg.json.provider
        import acme.json.provider

        real = acme.json.__spec__
        assert real.name == "acme.json" and real.origin.endswith("acme/json/__init__.py")
        assert importlib.util.find_spec("oldpkg.json") is real
        assert acme.json.provider.__file__.endswith("acme/json/provider.py")

        seen = []
        oldpkg.signals.started.connect(seen.append)  # signals are shared
        app = acme.App("x")
        assert app.start() == '{"name": "x"}' and seen == [app]
        assert isinstance(app, oldpkg.App) and oldpkg.App is acme.app.App
        assert "acme.__main__" not in sys.modules and "oldpkg.__main__" not in sys.modules
        """)


def test_shims_of_two_forks_share_one_finder(installed: Installed, tmp_path: Path) -> None:
    other = tmp_path / "other"
    build_file_tree(other, {"pyproject.toml": '[project]\nname = "Oth"\n', "oth/__init__.py": ""})
    rename = RenameMap(packages={"oldoth": "oth"}, distributions={"OldOth": "Oth"})
    result = shims.generate(other, rename, "1.0", tmp_path / "out")
    with zipfile.ZipFile(result.wheel) as archive:
        archive.extractall(installed.site)

    installed.run(
        """\
        import sys
        sys.path.append(sys.argv[1])
        import oldoth, oldpkg.app, acme.app, oth

        assert oldoth is oth and oldpkg.app is acme.app
        finders = [f for f in sys.meta_path if hasattr(f, "forktool_shim_protocol")]
        assert len(finders) == 1 and sys.meta_path[0] is finders[0], sys.meta_path
        """,
        str(other),
    )


def test_mock_patch_of_an_old_name_patches_the_fork_module(installed: Installed) -> None:
    installed.run("""\
        from unittest import mock
        import acme

        with mock.patch("oldpkg.json.provider.dumps", return_value="patched") as fake:
            assert acme.json.provider.dumps is fake
            assert acme.App().start() == "patched"
        assert acme.App().start() == '{"name": "app"}'
        """)


def test_old_pickles_naming_old_modules_load(installed: Installed) -> None:
    old_pickle = b"\x80\x02coldpkg.app\nApp\nq\x00)\x81q\x01}q\x02X\x04\x00\x00\x00nameq\x03X\x03\x00\x00\x00oldq\x04sb."  # noqa: E501

    proc = installed.run(
        """\
        import pickle, sys
        app = pickle.loads(bytes.fromhex(sys.argv[1]))
        import acme.app
        assert type(app) is acme.app.App and app.name == "old"
        print(pickle.dumps(app, protocol=2)[3:15])
        """,
        old_pickle.hex(),
    )

    assert proc.stdout.strip() == "b'acme.app\\nApp'"  # new pickles name the fork


def test_unknown_old_submodule_is_a_module_not_found_error(installed: Installed) -> None:
    installed.run("""\
        try:
            import oldpkg.nothere
        except ModuleNotFoundError as exc:
            assert exc.name == "oldpkg.nothere", exc.name
        else:
            raise AssertionError("imported")
        """)


def test_python_m_old_name_runs_the_fork_main_once(installed: Installed) -> None:
    proc = installed.python("-m", "oldpkg", "hello")

    assert proc.stdout == "acme-cli ['hello']\n"


def test_old_console_script_runs_the_fork_cli(installed: Installed) -> None:
    proc = installed.run("""\
        import sys
        from importlib import metadata

        (script,) = metadata.entry_points(group="console_scripts", name="oldpkg")
        print(metadata.version("OldPkg"), metadata.requires("OldPkg")[0], script.value)
        sys.argv = ["oldpkg", "run"]
        script.load()()
        """)

    assert proc.stdout.splitlines() == [
        "2.0.1+acme Acme==2.0.1 acme.cli:main",
        "acme-cli ['run']",
    ]


def test_mypy_sees_the_fork_types_through_the_old_names(
    installed: Installed, tmp_path: Path
) -> None:
    ext = tmp_path / "ext.py"
    ext.write_text(
        textwrap.dedent("""\
            import oldpkg
            import oldpkg.json.tag
            from oldpkg.app import _make_app

            import acme

            app: acme.App = oldpkg.App("ext")
            reveal_type(oldpkg.App)
            reveal_type(oldpkg.json.tag.TaggedSerializer().dumps)
            reveal_type(_make_app)
            number: int = oldpkg.json.tag.TaggedSerializer().dumps(1)
            """)
    )
    env = {
        **os.environ,
        "MYPYPATH": os.pathsep.join([str(installed.site), str(installed.fork / "src")]),
    }
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--no-incremental",
            "--cache-dir",
            os.devnull,
            "--follow-imports=silent",
            str(ext),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )

    out = proc.stdout
    assert 'Revealed type is "def (name: Any =) -> acme.app.App"' in out, out
    assert re.search(r'"def \(value: (builtins\.)?object\) -> (builtins\.)?str"', out), out
    assert 'Revealed type is "def () -> Any"' in out, out  # found: a private, re-exported name
    assert 'ext.py:11: error: Incompatible types in assignment (expression has type "str"' in out
    assert "Found 1 error" in out, out
