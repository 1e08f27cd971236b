"""``forktool rename``: a rename map applied to a directory, a file or stdin."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from forktool.cli import main
from tests.helpers import build_file_tree, run_cli, write_definition

EXTENSION = {
    "flask_thing/__init__.py": """\
        import flask
        from flask import Flask, current_app as app_proxy


        def init_app(app: Flask) -> None:
            flask.g.thing = app_proxy.name
        """,
    "tests/test_thing.py": """\
        from unittest import mock


        def test_patch():
            with mock.patch("flask.helpers.send_file"):
                pass
        """,
    "flask/compat.py": "VALUE = 1\n",
    "README.md": "See https://flask.palletsprojects.com and `import flask`.\n",
}


def rename(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["rename", *args], input=stdin, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def tree_of(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): p.read_text() for p in root.rglob("*") if p.is_file()}


def test_directory_in_place(tmp_path: Path) -> None:
    build_file_tree(tmp_path, EXTENSION)
    code, _, err = rename("--map", "flask=framework", str(tmp_path))
    assert code == 0, err
    init = (tmp_path / "flask_thing/__init__.py").read_text()
    assert "import framework\n" in init
    assert "from framework import Flask, current_app as app_proxy" in init
    assert "framework.g.thing" in init
    assert (
        'mock.patch("framework.helpers.send_file")'
        in (tmp_path / "tests/test_thing.py").read_text()
    )
    assert (tmp_path / "framework/compat.py").read_text() == "VALUE = 1\n"
    assert not (tmp_path / "flask").exists()
    # The URL is kept and reported, with its file and line.
    assert "https://flask.palletsprojects.com" in (tmp_path / "README.md").read_text()
    assert "README.md:1: " in err and "(kept)" in err
    assert "changed 4 of 4 files (1 moved)" in err


def test_diff_changes_nothing(tmp_path: Path) -> None:
    build_file_tree(tmp_path, EXTENSION)
    before = tree_of(tmp_path)
    code, out, err = rename("--map", "flask=framework", "--diff", str(tmp_path))
    assert code == 0, err
    assert tree_of(tmp_path) == before
    assert "-import flask\n-from flask import" in out
    assert "+import framework\n+from framework import" in out
    assert "rename from flask/compat.py\nrename to framework/compat.py" in out


def test_stdin_to_stdout() -> None:
    code, out, _ = rename("--map", "flask=framework", "-", stdin="import flask.json as j\n")
    assert code == 0
    assert out == "import framework.json as j\n"


def test_json_output(tmp_path: Path) -> None:
    build_file_tree(tmp_path, EXTENSION)
    code, out, _ = rename("--map", "flask=framework", "--diff", "--json", str(tmp_path))
    assert code == 0
    data = json.loads(out)
    assert data["applied"] is False
    (target,) = data["targets"]
    assert {"old_path": "flask/compat.py", "new_path": "framework/compat.py"} in target["changes"]
    assert any(item["path"] == "README.md" for item in target["leftovers"])


def test_map_from_upstream_definition(tmp_path: Path) -> None:
    definition = write_definition(tmp_path / "def", "mypkg", 'type = "git"\nurl = "x"')
    target = tmp_path / "ext"
    build_file_tree(target, {"ext.py": "from mypkg.core import greet\n"})
    result = run_cli(definition, "rename", str(target))
    assert result.exit_code == 0, result.output
    assert (target / "ext.py").read_text() == "from ourpkg.core import greet\n"


def test_never_overwrites_an_existing_file(tmp_path: Path) -> None:
    build_file_tree(tmp_path, {**EXTENSION, "framework/compat.py": "OTHER = 2\n"})
    code, _, err = rename("--map", "flask=framework", str(tmp_path))
    assert code == 0, err
    assert (tmp_path / "framework/compat.py").read_text() == "OTHER = 2\n"
    assert (tmp_path / "flask/compat.py").read_text() == "VALUE = 1\n"
    assert "flask/compat.py: not transformed: not moved to framework/compat.py" in err


def test_bad_map_is_one_line_error(tmp_path: Path) -> None:
    code, _, err = rename("--map", "flask", str(tmp_path))
    assert code == 2
    assert err.count("\n") == 1 and "is not OLD=NEW" in err


def test_rename_to_itself_is_refused(tmp_path: Path) -> None:
    code, _, err = rename("--map", "flask=flask", str(tmp_path))
    assert code == 2
    assert "renamed to itself" in err


def test_missing_target(tmp_path: Path) -> None:
    code, _, err = rename("--map", "flask=framework", str(tmp_path / "nope"))
    assert code == 2
    assert "does not exist" in err


def test_no_path_is_refused_and_the_current_directory_is_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_file_tree(tmp_path, EXTENSION)
    before = tree_of(tmp_path)
    monkeypatch.chdir(tmp_path)

    code, out, err = rename("--map", "flask=framework")

    assert code == 2 and out == ""
    assert err.count("\n") == 1
    assert err.startswith("error: forktool rename rewrites files in place and was given no PATH")
    assert "'.' for the current directory" in err
    assert tree_of(tmp_path) == before


def test_diff_without_a_path_shows_the_current_directory_and_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_file_tree(tmp_path, EXTENSION)
    before = tree_of(tmp_path)
    monkeypatch.chdir(tmp_path)

    code, out, err = rename("--map", "flask=framework", "--diff")

    assert code == 0, err
    assert "+import framework\n" in out
    assert tree_of(tmp_path) == before


def test_dot_rewrites_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_file_tree(tmp_path, EXTENSION)
    monkeypatch.chdir(tmp_path)

    code, _, err = rename("--map", "flask=framework", ".")

    assert code == 0, err
    assert "import framework\n" in (tmp_path / "flask_thing/__init__.py").read_text()
