"""Applying a patch series to a tree: every health status, on real git and real libcst."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from forktool.git.repository import GitRepo
from forktool.model import FileEntry
from forktool.patches.apply import apply_series
from forktool.patches.series import Series, load

APP = """\
class App:
    default_config = dict({"DEBUG": False, "LIMIT": None})

    def run(self, host="127.0.0.1", port=5000):
        return host, port
"""
LINES = "".join(f"line {n}\n" for n in range(1, 21))


def tree(files: dict[str, str]) -> dict[str, FileEntry]:
    return {path: FileEntry(text.encode()) for path, text in files.items()}


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    return GitRepo.init(tmp_path / "fork", "main")


def series(tmp_path: Path, **patches: str | bytes) -> Series:
    directory = tmp_path / "def" / "patches" / "up"
    directory.mkdir(parents=True, exist_ok=True)
    names = []
    for name, body in patches.items():
        filename = name.replace("_", "-").replace("-py", ".py").replace("-patch", ".patch")
        data = body if isinstance(body, bytes) else textwrap.dedent(body).encode()
        (directory / filename).write_bytes(data)
        names.append(filename)
    (directory / "series").write_text("# the series\n" + "\n".join(names) + "\n")
    return load(tmp_path / "def", "up")


def make_diff(repo: GitRepo, before: dict[str, FileEntry], after: dict[str, FileEntry]) -> bytes:
    return repo.diff_trees(repo.write_tree(before), repo.write_tree(after))


ADD_METHOD = """\
    from forktool.patchapi import AddMethod

    patch = AddMethod(
        "src/*.py",
        class_name="App",
        method='''
            def greet(self):
                return "hi"
        ''',
    )
    """


def test_codemod_clean_then_upstreamed(repo: GitRepo, tmp_path: Path) -> None:
    result = apply_series(repo, tree({"src/app.py": APP}), series(tmp_path, add_py=ADD_METHOD))
    (health,) = result.health
    assert (health.status, health.paths) == ("clean", ("src/app.py",))
    assert 'def greet(self):\n        return "hi"\n' in result.tree["src/app.py"].data.decode()
    again = apply_series(repo, result.tree, series(tmp_path, add_py=ADD_METHOD))
    assert again.health[0].status == "upstreamed"


def test_codemod_no_match_is_reported(repo: GitRepo, tmp_path: Path) -> None:
    moved = tree({"src/app.py": APP.replace("class App", "class Application")})
    (health,) = apply_series(repo, moved, series(tmp_path, add_py=ADD_METHOD)).health
    assert health.status == "no-match"
    assert "class App not found" in health.detail
    (nothing,) = apply_series(
        repo, tree({"lib/x.py": "x = 1\n"}), series(tmp_path, add_py=ADD_METHOD)
    ).health
    assert nothing.status == "no-match" and "no file matches src/*.py" in nothing.detail


def test_change_default_of_parameter_and_dict_key(repo: GitRepo, tmp_path: Path) -> None:
    patches = series(
        tmp_path,
        port_py="""\
            from forktool.patchapi import ChangeDefault
            patch = ChangeDefault("src/app.py", name="App.run", parameter="port", value="8080")
            """,
        limit_py="""\
            from forktool.patchapi import ChangeDefault
            patch = ChangeDefault(
                "src/app.py", name="App.default_config", key="LIMIT", value="16 * 1024"
            )
            """,
    )
    result = apply_series(repo, tree({"src/app.py": APP}), patches)
    assert [h.status for h in result.health] == ["clean", "clean"]
    code = result.tree["src/app.py"].data.decode()
    assert 'def run(self, host="127.0.0.1", port=8080):' in code
    assert '"LIMIT": 16 * 1024' in code


def test_add_decorator_with_import(repo: GitRepo, tmp_path: Path) -> None:
    patches = series(
        tmp_path,
        wrap_py="""\
            from forktool.patchapi import AddDecorator
            patch = AddDecorator(
                "src/app.py", function="App.run", decorator="functools.cache",
                imports="import functools",
            )
            """,
    )
    result = apply_series(repo, tree({"src/app.py": '"""Doc."""\nimport os\n' + APP}), patches)
    code = result.tree["src/app.py"].data.decode()
    assert result.health[0].status == "clean"
    assert code.startswith('"""Doc."""\nimport os\nimport functools\n')
    assert "    @functools.cache\n    def run(" in code


def test_codemod_errors_are_reported_not_raised(repo: GitRepo, tmp_path: Path) -> None:
    patches = series(
        tmp_path,
        broken_py="import nonexistent_module_for_forktool\n",
        raising_py="""\
            from forktool.patchapi import CodemodPatch

            class Boom(CodemodPatch):
                targets = ("src/app.py",)

                def transform(self, module, path):
                    raise RuntimeError("kaboom")

            patch = Boom()
            """,
        nopatch_py="x = 1\n",
    )
    result = apply_series(repo, tree({"src/app.py": APP}), patches)
    assert [h.status for h in result.health] == ["error", "error", "error"]
    assert "ModuleNotFoundError" in result.health[0].detail
    assert "RuntimeError: kaboom" in result.health[1].detail
    assert "defines no 'patch" in result.health[2].detail
    assert result.tree["src/app.py"].data.decode() == APP


def test_diff_clean_even_when_lines_moved(repo: GitRepo, tmp_path: Path) -> None:
    base = tree({"f.txt": LINES})
    patch = make_diff(repo, base, tree({"f.txt": LINES.replace("line 10\n", "line ten\n")}))
    shifted = tree({"f.txt": "new first line\n" + LINES})
    result = apply_series(repo, shifted, series(tmp_path, p_patch=patch))
    assert result.health[0].status == "clean"
    assert result.tree["f.txt"].data.decode() == "new first line\n" + LINES.replace(
        "line 10\n", "line ten\n"
    )


def test_diff_three_way_when_context_changed(repo: GitRepo, tmp_path: Path) -> None:
    base = tree({"f.txt": LINES})
    patch = make_diff(repo, base, tree({"f.txt": LINES.replace("line 10\n", "line ten\n")}))
    upstream = tree({"f.txt": LINES.replace("line 8\n", "line eight\n")})  # in the context
    result = apply_series(repo, upstream, series(tmp_path, p_patch=patch))
    assert result.health[0].status == "three-way"
    assert "line eight\nline 9\nline ten\n" in result.tree["f.txt"].data.decode()


def test_diff_conflict_leaves_tree_alone(repo: GitRepo, tmp_path: Path) -> None:
    base = tree({"f.txt": LINES})
    patch = make_diff(repo, base, tree({"f.txt": LINES.replace("line 10\n", "line ten\n")}))
    upstream = tree({"f.txt": LINES.replace("line 10\n", "line TEN\n")})
    result = apply_series(repo, upstream, series(tmp_path, p_patch=patch))
    (health,) = result.health
    assert (health.status, health.paths) == ("conflict", ("f.txt",))
    assert result.tree == upstream
    assert result.tree_before["p.patch"] == repo.write_tree(upstream)


def test_diff_upstreamed(repo: GitRepo, tmp_path: Path) -> None:
    base = tree({"f.txt": LINES})
    after = tree({"f.txt": LINES.replace("line 10\n", "line ten\n")})
    patch = make_diff(repo, base, after)
    result = apply_series(repo, after, series(tmp_path, p_patch=patch))
    assert result.health[0].status == "upstreamed"


def test_malformed_diff_is_an_error(repo: GitRepo, tmp_path: Path) -> None:
    bad = b"diff --git a/f.txt b/f.txt\n--- a/f.txt\n+++ b/f.txt\n@@ -1,2 +1,2 @@\nnonsense\n"
    result = apply_series(repo, tree({"f.txt": LINES}), series(tmp_path, p_patch=bad))
    assert result.health[0].status == "error"


def test_patches_see_earlier_patches(repo: GitRepo, tmp_path: Path) -> None:
    base = tree({"src/app.py": APP})
    after_codemod = apply_series(repo, base, series(tmp_path, add_py=ADD_METHOD)).tree
    edited = dict(after_codemod)
    edited["src/app.py"] = FileEntry(
        after_codemod["src/app.py"].data.replace(b'return "hi"', b'return "hello"')
    )
    diff = make_diff(repo, after_codemod, edited)
    result = apply_series(repo, base, series(tmp_path, add_py=ADD_METHOD, z_patch=diff))
    assert [h.status for h in result.health] == ["clean", "clean"]
    assert b'return "hello"' in result.tree["src/app.py"].data
