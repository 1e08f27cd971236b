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
