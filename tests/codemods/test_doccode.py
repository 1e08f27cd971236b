"""Tests for finding code in documentation (forktool.codemods.docs.code_blocks)."""

from __future__ import annotations

import textwrap

from forktool.codemods.docs.code_blocks import PYTHON, TOML, code_edits
from forktool.codemods.docs.prose import apply_edits


def upper(code: str) -> str:
    """A stand-in codemod: upper-cases ``flask``; refuses code with ``$`` (not Python)."""
    if "$" in code:
        raise ValueError("not code")
    return code.replace("flask", "FLASK")


def run(text: str, **renamers: object) -> tuple[str, int]:
    chosen = renamers or {PYTHON: upper}
    edits, regions = code_edits(textwrap.dedent(text), chosen)  # type: ignore[arg-type]
    return apply_edits(textwrap.dedent(text), edits), len(regions)


def test_doctests_keep_prompts_and_indentation() -> None:
    text, _ = run(
        """\
        Example:

            >>> import flask
            >>> for x in flask.y:
            ...     print(flask)
            flask output stays
        """
    )
    assert text == textwrap.dedent(
        """\
        Example:

            >>> import FLASK
            >>> for x in FLASK.y:
            ...     print(FLASK)
            flask output stays
        """
    )


def test_rst_blocks_markdown_fences_and_literal_blocks() -> None:
    text, regions = run(
        """\
        .. code-block:: python
           :caption: app.py

           import flask

        .. code-block:: text

           flask stays

        Shell::

            $ flask run

        ```py
        flask.g
        ```
        ~~~
        flask.h
        ~~~
        ```js
        flask
        ```
        """
    )
    assert text == textwrap.dedent(
        """\
        .. code-block:: python
           :caption: app.py

           import FLASK

        .. code-block:: text

           flask stays

        Shell::

            $ flask run

        ```py
        FLASK.g
        ```
        ~~~
        FLASK.h
        ~~~
        ```js
        flask
        ```
        """
    )
    assert regions == 3  # the three Python lines; the shell block did not parse


def test_toml_blocks_one_at_a_time() -> None:
    def toml(code: str) -> str:
        return code.replace('"flask"', '"framework"')

    text, _ = run(
        """\
        .. code-block:: toml

            dependencies = ["flask"]
        """,
        toml=toml,
    )
    assert 'dependencies = ["framework"]' in text
    assert TOML == "toml"


def test_blocks_are_renamed_together_so_imports_reach_later_blocks() -> None:
    seen: list[str] = []

    def record(code: str) -> str:
        seen.append(code)
        return code

    run(
        """\
        .. code-block:: python

            import flask

        .. code-block:: python

            flask.g
        """,
        python=record,
    )
    assert seen == ["import flask\nflask.g\n"]


def test_bad_doctest_indentation_is_left_to_prose() -> None:
    text, regions = run(">>> if x:\n  ...  flask\n")
    assert (text, regions) == (">>> if x:\n  ...  flask\n", 0)
