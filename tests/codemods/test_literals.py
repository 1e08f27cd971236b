"""Tests for re-spelling string literals (forktool.codemods.python.literals)."""

from __future__ import annotations

import pytest

from forktool.codemods.python.literals import literal_value, rewrite_literal, rewrite_literal_parts


@pytest.mark.parametrize(
    ("literal", "new_value", "expected"),
    [
        ('"flask.app"', "framework.app", '"framework.app"'),
        ("'flask.app'", "framework.app", "'framework.app'"),
        ('r"flask\\.app"', "framework\\.app", 'r"framework\\.app"'),
        ('u"x flask"', "x framework", 'u"x framework"'),
        # escapes outside the edit are kept as written
        ('"\\x41 import flask\\n\\t"', "A import framework\n\t", '"\\x41 import framework\\n\\t"'),
        ('"""a\nimport flask\n"""', "a\nimport framework\n", '"""a\nimport framework\n"""'),
        # the new text needs escaping in the literal's quotes
        ("'flask'", "it's", "'it\\'s'"),
    ],
)
def test_rewrite_literal(literal: str, new_value: str, expected: str) -> None:
    assert rewrite_literal(literal, new_value) == expected
    assert literal_value(expected) == new_value


def test_f_and_bytes_literals_are_refused() -> None:
    assert rewrite_literal('f"flask {x}"', "framework {x}") is None
    assert rewrite_literal('b"flask"', "framework") is None
    assert literal_value('b"flask"') is None


def test_raw_string_that_cannot_hold_the_value() -> None:
    assert rewrite_literal('r"flask"', 'say "hi"') is None


def test_parts_keep_their_split() -> None:
    parts = ['"import os\\n"', "'import flask\\n'", '"app = flask.Flask()\\n"']
    new = "import os\nimport framework\napp = framework.Flask()\n"
    assert rewrite_literal_parts(parts, new) == [
        '"import os\\n"',
        "'import framework\\n'",
        '"app = framework.Flask()\\n"',
    ]


def test_edit_across_parts_is_refused() -> None:
    assert rewrite_literal_parts(['"fla"', '"sk"'], "framework") is None


def test_bytes_literals() -> None:
    from forktool.codemods.python.literals import bytes_text, rewrite_bytes_literal

    assert bytes_text('b"import flask\\n"') == "import flask\n"
    assert bytes_text('b"\\xff"') is None
    assert bytes_text('"str"') is None
    assert bytes_text('b"\\u0041"') is None  # reads differently as str
    assert rewrite_bytes_literal('b"import flask\\n"', "import framework\n") == (
        'b"import framework\\n"'
    )
    assert rewrite_bytes_literal("rB'a\\\\d flask'", "a\\\\d framework") == "rB'a\\\\d framework'"
    assert rewrite_bytes_literal('b"x"', "café") is None


def test_a_long_text_is_rewritten_like_a_short_one() -> None:
    # A hundred-kilobyte module docstring, diffed by lines first.
    paragraph = "Use the flask.app module; see https://example.org/x\\n" + "filler words " * 40
    body = "\n".join(paragraph for _ in range(200))
    literal = '"""' + body + '"""'
    value = literal_value(literal)
    assert value is not None and len(value) > 100_000
    new_value = value.replace("flask.app", "framework.app")
    assert rewrite_literal(literal, new_value) == literal.replace("flask.app", "framework.app")
    # One changed word somewhere in a long single line works the same way.
    line = "x " * 10_000 + "flask.app" + " y" * 10_000
    assert rewrite_literal(f"'{line}'", line.replace("flask", "framework")) == (
        "'" + line.replace("flask", "framework") + "'"
    )
