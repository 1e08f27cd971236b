"""Golden pairs for command lines in documentation (forktool.codemods.docs.command_lines)."""

from __future__ import annotations

import pytest

from forktool.codemods.docs.command_lines import script_edits
from forktool.codemods.docs.prose import apply_edits
from forktool.model import RenameMap

from .maps import FLASK, REQUESTS


def renamed(text: str, rename: RenameMap = FLASK) -> str:
    return apply_edits(text, script_edits(text, rename))


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("    $ flask --app hello run", "    $ framework --app hello run"),
        ("> flask run", "> framework run"),
        ("PS C:\\path> flask run", "PS C:\\path> framework run"),
        ("$ FLASK_APP=hello flask run", "$ FLASK_APP=hello framework run"),
        ("$ env FLASK_APP=hello flask run", "$ env FLASK_APP=hello framework run"),
        ("  {prefix}flask run", "  {prefix}framework run"),
        ("run from the flask command line", "run from the framework command line"),
        ("run ``flask run --debug``", "run ``framework run --debug``"),
        ("run `flask shell`", "run `framework shell`"),
        ('a name such as "flask run".', 'a name such as "framework run".'),
        ("the ``flask`` command", "the ``framework`` command"),
        ("the ``flask``\n   CLI", "the ``framework``\n   CLI"),
        (
            "the ``flask`` or ``flask run`` command",
            "the ``framework`` or ``framework run`` command",
        ),
        ("the directory you call ``flask``\nin", "the directory you call ``framework``\nin"),
        ("the current 'flask' CLI command", "the current 'framework' CLI command"),
        ("the :command:`flask` script", "the :command:`framework` script"),
        (".. program:: flask", ".. program:: framework"),
        ("    :prog: flask", "    :prog: framework"),
        ("$ pip install flask[async]", "$ pip install framework[async]"),
        ("python -m pip install -U Flask", "python -m pip install -U Framework"),
        ("uv add 'flask>=3'", "uv add 'framework>=3'"),
    ],
)
def test_command_lines(before: str, after: str) -> None:
    assert renamed(before) == after


@pytest.mark.parametrize(
    "text",
    [
        "from ``flask`` import g",
        "the ``flask`` object",
        "Flask is a framework",
        "$ pip install flask-sqlalchemy sentry-sdk[flask]",
        "$ cd flask",
        "``flask.commands``",
        "the flask command",
        '<span class="flask literal">',
        "['flask', 'run']",
    ],
)
def test_ambiguous_or_other_names_stay(text: str) -> None:
    assert renamed(text) == text


def test_keep_list_and_protected_spans() -> None:
    kept = RenameMap(scripts={"flask": "framework"}, keep=("flask",))
    assert renamed("$ flask run", kept) == "$ flask run"
    text = "$ flask run"
    assert apply_edits(text, script_edits(text, FLASK, protected=[(0, len(text))])) == text


def test_other_map() -> None:
    assert renamed("$ requests-cli get\n$ pip install requests", REQUESTS) == (
        "$ fetcher-cli get\n$ pip install fetcher-http"
    )
