"""Command lines in documentation: console scripts and install commands.

A console script renamed through ``RenameMap.scripts`` (``flask`` -> ``framework``) is
renamed in documentation only where the text is unmistakably a command line:

- a shell prompt line: ``$ flask run``, ``> flask run`` (Windows CMD),
  ``PS C:\\> flask run``, ``{prefix}flask run`` (a format placeholder for the prompt),
  also after environment assignments (``$ env FLASK_APP=x flask run``);
- an inline literal or quoted text that starts with the script and goes on with
  arguments (````flask run````, ```flask --app hello run```, ``'flask run'``), or the bare
  script so marked and followed by the word command, CLI, script or executable
  (````flask```` command, ``'flask' CLI command``) or preceded by run, call or invoke
  (``call ``flask````), or unmarked and followed by ``command line``/``CLI``/
  ``executable``/``script`` (``the flask command line``);
- the Sphinx ``:command:`` / ``:program:`` roles, ``.. program::`` and a ``:prog:`` option;
- the requirements of ``pip install`` / ``uv add`` / ``poetry add`` / ``pipx install``
  lines (``pip install flask[async]`` -> ``pip install framework[async]``), through
  ``RenameMap.distributions``.

A quoted value right after ``=`` is an attribute value (``class="flask literal"`` in
generated HTML), not a command. A bare script name anywhere else (````flask````, "the
flask command") is ambiguous with the package and product name and is left for the
leftover report. These rules apply to docs, docstrings, comments, and string literals of
the old package's own modules (its messages name its command); not to other string
literals (a test may type the command in an argument list and compare the output).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from forktool.codemods.docs.prose import Edit
from forktool.codemods.names import is_kept, rename_requirement, rename_script
from forktool.model import RenameMap

_ENV = r"(?:env[ \t]+)?(?:[A-Za-z_][A-Za-z0-9_]*=\S*[ \t]+)*"
_INSTALL_RE = re.compile(
    r"(?m)(?:^|(?<=[\s`$>]))(?:python3?[ \t]+-m[ \t]+pip|pip3?|uv[ \t]+pip|pipx)[ \t]+install"
    r"|(?:^|(?<=[\s`$>]))(?:uv|poetry|pdm|hatch)[ \t]+add"
)
_INSTALL_ARG_RE = re.compile(r"[ \t]+['\"]?(?P<arg>[^\s`'\"]+)['\"]?")


@functools.lru_cache(maxsize=64)
def _patterns(scripts: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    names = "|".join(re.escape(script) for script in sorted(scripts, key=len, reverse=True))
    script = rf"(?P<script>{names})"
    end = r"(?![\w.\-/])"
    return (
        # $ flask run / > flask run / PS C:\path> flask run
        re.compile(rf"(?m)^[ \t]*(?:(?:\$|>|PS[^\n>]*>)[ \t]+|\{{\w+\}}){_ENV}{script}{end}"),
        # ``flask run`` / `flask --app x run` / 'flask run' / "flask run"
        re.compile(rf"(?<![`\w=])(?P<q>``?|['\"]){_ENV}{script}[ \t]+[^`'\"\n]+(?P=q)"),
        # ``flask`` command / 'flask' CLI command (also across a line break, and in
        # "the ``flask`` or ``flask run`` command")
        re.compile(
            rf"(?<![`\w=])(?P<q>``?|['\"]){script}(?P=q)[ \t]*\n?[ \t#:]*"
            r"(?:or[ \t]+``[^`\n]+``[ \t]*\n?[ \t]*)?"
            r"(?:commands?|CLI|cli|script|executable)\b"
        ),
        # run ``flask``, call ``flask``
        re.compile(
            r"\b(?:run|runs|running|call|calls|calling|invoke|invokes|invoking)[ \t]*\n?[ \t]*"
            rf"(?P<q>``?){script}(?P=q)(?![\w.-])"
        ),
        # the flask command line / CLI / executable (not "the flask command", a word)
        re.compile(rf"(?<![\w.`'\"/-]){script}[ \t]+(?:command[ -]line|CLI|executable|script)\b"),
        # :command:`flask`, :program:`flask run`
        re.compile(rf":(?:command|program):`{script}{end}"),
        # .. program:: flask / :prog: flask
        re.compile(rf"(?m)^[ \t]*(?:\.\.[ \t]+program::|:prog:)[ \t]+{script}{end}"),
    )


def script_edits(
    text: str, rename: RenameMap, protected: Sequence[tuple[int, int]] = ()
) -> list[Edit]:
    """Edits renaming console scripts and install commands in documentation text.

    Args:
        text: a document, docstring or comment.
        rename: the rename map (``scripts`` and ``distributions``).
        protected: spans to leave alone (e.g. code blocks already renamed).

    Returns:
        ``(start, end, replacement)`` edits; never raises.
    """
    edits: list[Edit] = []
    scripts = tuple(script for script in rename.scripts if script in text)
    if scripts:
        for pattern in _patterns(scripts):
            for match in pattern.finditer(text):
                start, end = match.span("script")
                new = rename_script(match["script"], rename)
                if new is not None and not _inside(start, end, protected):
                    edits.append((start, end, new))
    if rename.distributions:
        edits.extend(_install_edits(text, rename, protected))
    return edits


def _install_edits(
    text: str, rename: RenameMap, protected: Sequence[tuple[int, int]]
) -> list[Edit]:
    edits: list[Edit] = []
    for command in _INSTALL_RE.finditer(text):
        position = command.end()
        line_end = text.find("\n", position)
        line_end = len(text) if line_end < 0 else line_end
        while (arg := _INSTALL_ARG_RE.match(text, position, line_end)) is not None:
            position = arg.end()
            value = arg["arg"]
            if value.startswith("-") or is_kept(value, rename):
                continue
            new = rename_requirement(value, rename)
            start, end = arg.span("arg")
            if new is not None and not _inside(start, end, protected):
                edits.append((start, end, new))
    return edits


def _inside(start: int, end: int, spans: Sequence[tuple[int, int]]) -> bool:
    return any(s < end and start < e for s, e in spans)
