"""Tests for the name-matching helpers (forktool.codemods.names)."""

from __future__ import annotations

import pytest

from forktool.codemods import names

from .maps import FLASK, REQUESTS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("flask", "framework"),
        ("flask.json.provider", "framework.json.provider"),
        ("flask.*", "framework.*"),
        ("flask*", "framework*"),
        ("flask.commands", None),  # keep-listed
        ("flask_sqlalchemy", None),
        ("flaskr", None),
        ("other.flask", None),
        ("flask.palletsprojects.com", None),  # a host name
        ("flask.png", None),  # a data file
        ("flask.", "framework."),  # a prefix: name.startswith("flask.")
        ("flask app", None),
    ],
)
def test_rename_module(text: str, expected: str | None) -> None:
    assert names.rename_module(text, FLASK) == expected


def test_rename_module_dotted_key() -> None:
    from forktool.model import RenameMap

    rename = RenameMap(packages={"pallets.flask": "acme.framework"})
    assert names.rename_module("pallets.flask.app", rename) == "acme.framework.app"
    assert names.rename_module("pallets.click", rename) is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Flask", "Framework"),
        ("flask", "framework"),  # normalized in, normalized out
        ("FLASK", "Framework"),
        ("Flask-SQLAlchemy", None),
    ],
)
def test_rename_dist(name: str, expected: str | None) -> None:
    assert names.rename_dist(name, FLASK) == expected


def test_rename_dist_normalizes_new_name() -> None:
    assert names.rename_dist("Requests", REQUESTS) == "fetcher-http"
    assert names.rename_dist("requests", REQUESTS) == "fetcher-http"


@pytest.mark.parametrize(
    ("requirement", "expected"),
    [
        ("Flask>=2.0", "Framework>=2.0"),
        (
            "flask[async] >= 2 ; python_version > '3.8'",
            "framework[async] >= 2 ; python_version > '3.8'",
        ),
        ("  flask", "  framework"),
        (
            "flask @ https://example.org/flask.tar.gz",
            "framework @ https://example.org/flask.tar.gz",
        ),
        ("Flask-Login>=1", None),
        ("werkzeug", None),
    ],
)
def test_rename_requirement(requirement: str, expected: str | None) -> None:
    assert names.rename_requirement(requirement, FLASK) == expected


@pytest.mark.parametrize(
    ("spec", "script", "expected"),
    [
        ("flask.cli:main", False, "framework.cli:main"),
        ("flask = flask.cli:main", True, "framework = framework.cli:main"),
        ("flask=flask.cli:main [dotenv]", True, "framework=framework.cli:main [dotenv]"),
        ("flask = flask.cli:main", False, "flask = framework.cli:main"),
        ("routes = myext.cli:routes", True, None),
        ("flask", False, None),  # a bare module path is not a spec
    ],
)
def test_rename_entry_spec(spec: str, script: bool, expected: str | None) -> None:
    assert names.rename_entry_spec(spec, FLASK, script=script) == expected


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("ignore::DeprecationWarning:flask", "ignore::DeprecationWarning:framework"),
        ("error:msg:UserWarning:flask.app:12", "error:msg:UserWarning:framework.app:12"),
        ("ignore::DeprecationWarning:werkzeug", None),
        ("error", None),
        ("flask.app:create", None),
    ],
)
def test_rename_warning_filter(spec: str, expected: str | None) -> None:
    assert names.rename_warning_filter(spec, FLASK) == expected


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("flask", "framework"),
        (r"flask\.app", r"framework\.app"),
        ("^flask.*", "^framework.*"),
        ("flaskr", None),
    ],
)
def test_rename_module_regex(pattern: str, expected: str | None) -> None:
    assert names.rename_module_regex(pattern, FLASK) == expected


def test_word_re_matches_whole_words_only() -> None:
    text = "flask flask_test .flaskenv Flask flask.app pytest-flask"
    assert [m.start() for m in names.word_re(FLASK).finditer(text)] == [0, 33, 50]


def test_old_name_needles_cover_packages_dists_and_scripts() -> None:
    assert set(names.old_name_needles(REQUESTS)) >= {"requests", "requests-cli"}
    assert "flask" in names.old_name_needles(FLASK)


def test_keep_list_wildcards() -> None:
    from forktool.model import RenameMap

    rename = RenameMap(
        packages={"flask": "framework"},
        keep=("flask.commands", "FLASK_*", "https://*", "flask.cli.?ain"),
    )
    assert names.is_kept("flask.commands", rename)
    assert not names.is_kept("flask.commands.x", rename)
    assert names.is_kept("FLASK_APP", rename)
    assert not names.is_kept("flask_app", rename)  # case-sensitive
    assert names.is_kept("https://flask.example/x", rename)
    assert names.rename_module("flask.cli.main", rename) is None
    assert names.rename_module("flask.cli", rename) == "framework.cli"
    line = 'see https://x.org/flask and [entry-points."flask.commands"] or flask'
    assert names.kept_around(line, line.index("flask"), line.index("flask") + 5, rename)
    at = line.index('"flask.') + 1
    assert names.kept_around(line, at, at + 5, rename)
    assert not names.kept_around(line, len(line) - 5, len(line), rename)


def test_symbol_paths() -> None:
    import dataclasses

    rename = dataclasses.replace(
        FLASK, symbols={"flask.Flask": "Framework", "flask.app.Flask": "Framework"}
    )
    assert names.rename_symbol_path("flask.app.Flask.run", rename) == "flask.app.Framework.run"
    assert names.rename_module("flask.Flask", rename) == "framework.Framework"
    assert names.rename_module("flask.Flasky", rename) == "framework.Flasky"
    assert names.rename_entry_spec("app = flask:Flask", rename) == "app = framework:Framework"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("flask.db", "framework.db"),  # a subpackage, not a file
        ("flask.io", "framework.io"),
        ("flask.pot", None),
        ("flask.dev.example.io", None),  # a host name
        ("flask.com", None),
    ],
)
def test_file_and_host_heuristics(text: str, expected: str | None) -> None:
    assert names.rename_module(text, FLASK) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("flask.%s", "framework.%s"),
        ("flask.json.{}", "framework.json.{}"),
        ("flask.%(name)s", "framework.%(name)s"),
        ("flask. %s", None),
        ("flask_ext.%s", None),
    ],
)
def test_module_templates(text: str, expected: str | None) -> None:
    assert names.rename_module_template(text, FLASK) == expected


def test_regex_modules() -> None:
    assert names.rename_regex_modules(r"^(flask\.app\.)?X|flask\.json", FLASK) == (
        r"^(framework\.app\.)?X|framework\.json"
    )
    assert names.rename_regex_modules(r"myflask\.x and flask.x", FLASK) == (
        r"myflask\.x and flask.x"
    )
