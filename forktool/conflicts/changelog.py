"""Upstream's changelog, for the conflict report: the entries of the releases in between that
mention a conflicted hunk's file or symbols, and the security advisories they name.

:func:`find` picks the changelog of a release tree (``CHANGES.rst``, ``CHANGES.md``,
``CHANGELOG.*``, ``HISTORY.*``, ``docs/changes.rst``, ...); :func:`parse` splits it into
sections per version (reStructuredText headings, underlined, or Markdown ``#`` headings
that name a version) and bullet-list entries; :func:`between` keeps the releases after the
previously integrated one, up to this one; :func:`mentioning` keeps the entries that name
a file (its upstream path, file name or module name) or one of a hunk's symbols
(:func:`symbols`). An entry that names an advisory (``GHSA-xxxx-xxxx-xxxx``,
``CVE-YYYY-NNNN``, ``PYSEC-YYYY-NNN``, or Sphinx's ``:ghsa:`` and ``:cve:`` roles) is
flagged ``security``. Pure: text in, entries out.
"""

from __future__ import annotations

import builtins
import functools
import keyword
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath

from packaging.version import InvalidVersion, Version
from pygments.lexers import get_lexer_for_filename
from pygments.token import Token, is_token_subtype
from pygments.util import ClassNotFound

#: Where a release keeps its changelog, best first (compared case-insensitively).
NAMES = (
    "CHANGES.rst", "CHANGES.md", "CHANGES.txt", "CHANGES", "CHANGELOG.rst", "CHANGELOG.md",
    "CHANGELOG.txt", "CHANGELOG", "HISTORY.rst", "HISTORY.md", "HISTORY.txt", "HISTORY",
    "docs/changes.rst", "docs/changelog.rst", "docs/changes.md", "docs/changelog.md",
)  # fmt: skip

_VERSION = re.compile(r"(?<![\w.])v?(\d+(?:\.\d+)+(?:(?:a|b|rc|\.post|\.dev)\d+)?)(?!\w|\.\d)")
_UNDERLINE = re.compile(r"""^([=\-~^*#+"'`:.])\1{2,}\s*$""")
_MARKDOWN_HEADING = re.compile(r"^#{1,6}\s+(.*)$")
_BULLET = re.compile(r"^(\s*)(?:[-*+]|\d+[.)])\s+\S")
_ADVISORY = re.compile(
    r"\b(?:(GHSA(?:-[0-9a-z]{4}){3})|(CVE-\d{4}-\d{4,})|(PYSEC-\d{4}-\d+))\b"
    r"|:ghsa:`((?:[0-9a-z]{4}-){2}[0-9a-z]{4})`|:cve:`(\d{4}-\d{4,})`",
    re.IGNORECASE,
)
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: A name that reads like a word of prose: ``session``, ``Config``.
_PROSE_LIKE = re.compile(r"[A-Za-z][a-z]*")
#: Code markup in a changelog entry: ``x``, `x`, :func:`x`.
_CODE_MARKUP = re.compile(r"`+([^`]+)`+")
#: Identifiers too common to tie a changelog entry to a hunk.
_COMMON = frozenset({"self", "cls", "args", "kwargs", "None", "True", "False"}) | frozenset(
    dir(builtins)
)


@dataclass(frozen=True)
class ChangelogEntry:
    """One entry (a bullet item) of upstream's changelog.

    Attributes:
        version: the release whose section holds it.
        text: the entry's text, its lines joined by single spaces.
        security: True when it names a security advisory.
        advisories: the advisory ids it names (``GHSA-…``, ``CVE-…``, ``PYSEC-…``), in order.
    """

    version: str
    text: str
    security: bool = False
    advisories: tuple[str, ...] = ()


def find(paths: Iterable[str]) -> str | None:
    """The changelog among ``paths`` (a release tree's files), or None."""
    by_name = {path.lower(): path for path in paths}
    return next((by_name[name.lower()] for name in NAMES if name.lower() in by_name), None)


def parse(text: str) -> list[ChangelogEntry]:
    """Every bullet entry of a changelog under a heading that names a version, in order."""
    lines = text.splitlines()
    entries: list[ChangelogEntry] = []
    version: str | None = None
    index = 0
    while index < len(lines):
        title = _heading(lines, index)
        if title is not None:
            found = _VERSION.search(title)
            version = found.group(1) if found and _valid(found.group(1)) else version
            index += 1
            continue
        bullet = _BULLET.match(lines[index])
        if bullet is None or version is None:
            index += 1
            continue
        depth, end = len(bullet.group(1)), index + 1
        while end < len(lines) and _continues(lines, end, depth):
            end += 1
        words = " ".join(line.strip() for line in lines[index:end] if line.strip())
        item = re.sub(r"^(?:[-*+]|\d+[.)])\s+", "", words)
        ids = advisories(item)
        entries.append(ChangelogEntry(version, item, bool(ids), ids))
        index = end
    return entries


def between(
    entries: Iterable[ChangelogEntry], older: str | None, newer: str
) -> list[ChangelogEntry]:
    """The entries of the releases after ``older`` (exclusive; None: none before) up to
    ``newer`` (inclusive), compared as versions."""
    low = _parse(older) if older else None
    high = _parse(newer)
    if high is None:
        return []
    kept = []
    for entry in entries:
        version = _parse(entry.version)
        if version is not None and version <= high and (low is None or version > low):
            kept.append(entry)
    return kept


def mentioning(
    entries: Iterable[ChangelogEntry], upstream_path: str, names: Iterable[str]
) -> tuple[ChangelogEntry, ...]:
    """The entries that name the file ``upstream_path`` (the path, its file name, or its
    module name ``pkg.mod``) or one of ``names`` (whole words). A name that reads like a
    word of prose (lowercase letters only, or one capital first: ``session``, ``Config``)
    counts only inside the entry's code markup (backticks); one with an underscore, a
    digit or an inner capital (``from_json``, ``SessionMixin``) counts anywhere."""
    prose = {name for name in names if _PROSE_LIKE.fullmatch(name)}
    anywhere = _words_pattern({*_file_terms(upstream_path), *(set(names) - prose)})
    in_code = _words_pattern(prose)
    found = []
    for entry in entries:
        code = " ".join(_CODE_MARKUP.findall(entry.text))
        if (anywhere and anywhere.search(entry.text)) or (in_code and in_code.search(code)):
            found.append(entry)
    return tuple(found)


def added_by(entries: Iterable[ChangelogEntry], lines: Iterable[str]) -> tuple[ChangelogEntry, ...]:
    """The entries holding one of ``lines`` (lines a commit added to the changelog; blank
    and short ones, under 10 characters, do not count): the entries written with the
    commits that changed a hunk."""
    wanted = {" ".join(line.split()).lstrip("-*+ ") for line in lines}
    wanted = {line for line in wanted if len(line) >= 10}
    return tuple(entry for entry in entries if any(line in entry.text for line in wanted))


def _words_pattern(terms: set[str]) -> re.Pattern[str] | None:
    """A pattern matching any of ``terms`` as a whole word (None for no terms)."""
    if not terms:
        return None
    ordered = sorted(terms, key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(t) for t in ordered) + r")(?![\w])")


def symbols(*texts: str) -> set[str]:
    """The identifiers in ``texts`` (a hunk's lines) distinctive enough to look for in a
    changelog: four characters or more, not keywords, builtins or ``self``."""
    found = {word for text in texts for word in _WORD.findall(text)}
    return {word for word in found if _distinctive(word)}


def code_names(path: str, text: str, span: tuple[int, int]) -> set[str]:
    """The names used as code on lines ``span`` (``(first line, count)``) of the file
    ``path`` whose whole text is ``text``: Pygments' name tokens of the whole file (so a
    docstring or comment stays prose even when the lines start inside it), and the words
    of string literals that read as code (``"SERVER_NAME"``), distinctive enough to look
    for in a changelog (see :func:`symbols`). Any word of the lines for a file Pygments
    has no lexer for."""
    start, count = span
    if not count or not start:
        return set()
    by_line = _code_names_by_line(path, text)
    if by_line is None:  # no lexer for this file
        return symbols("".join(text.splitlines(keepends=True)[start - 1 : start - 1 + count]))
    return set().union(*(by_line.get(line, ()) for line in range(start, start + count)))


@functools.lru_cache(maxsize=32)
def _code_names_by_line(path: str, text: str) -> dict[int, frozenset[str]] | None:
    """Line number -> the code names on it (see :func:`code_names`), the whole file lexed
    once however many hunks it has; None when Pygments has no lexer for ``path``."""
    try:
        lexer = get_lexer_for_filename(path, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None
    found: dict[int, set[str]] = {}
    line = 1
    for kind, value in lexer.get_tokens(text):
        if is_token_subtype(kind, Token.Name) and _distinctive(value):
            found.setdefault(line, set()).add(value)
        elif is_token_subtype(kind, Token.Literal.String):  # a config key, a setting
            words = {w for w in _WORD.findall(value) if _distinctive(w) and _coded(w)}
            if words:
                found.setdefault(line, set()).update(words)
        line += value.count("\n")
    return {number: frozenset(names) for number, names in found.items()}


def _coded(word: str) -> bool:
    """Whether ``word`` reads as code, not prose: an underscore, a digit, or a capital
    after its first letter (``SERVER_NAME``, ``utf8``, ``SessionMixin``)."""
    return not _PROSE_LIKE.fullmatch(word)


def _distinctive(word: str) -> bool:
    return len(word) >= 4 and not keyword.iskeyword(word) and word not in _COMMON


def advisories(text: str) -> tuple[str, ...]:
    """The security advisory ids ``text`` names, normalized (``GHSA-4grg-w6v8-c28g``,
    ``CVE-2023-30861``, ``PYSEC-2023-62``), without repeats."""
    found: dict[str, None] = {}
    for match in _ADVISORY.finditer(text):
        ghsa, cve, pysec, ghsa_role, cve_role = match.groups()
        if ghsa or ghsa_role:
            found["GHSA-" + (ghsa_role or ghsa[5:]).lower()] = None
        elif cve or cve_role:
            found[(cve or f"CVE-{cve_role}").upper()] = None
        else:
            found[pysec.upper()] = None
    return tuple(found)


def _heading(lines: list[str], index: int) -> str | None:
    """The title when ``lines[index]`` is a heading (underlined, or Markdown), else None."""
    line = lines[index].strip()
    markdown = _MARKDOWN_HEADING.match(line)
    if markdown:
        return markdown.group(1)
    if not line or _UNDERLINE.match(line) or index + 1 >= len(lines):
        return None
    below = lines[index + 1].strip()
    return line if _UNDERLINE.match(below) and len(below) >= len(line) else None


def _continues(lines: list[str], index: int, depth: int) -> bool:
    """True when ``lines[index]`` still belongs to the bullet item indented ``depth``: an
    indented line, or a blank line followed by one."""
    line = lines[index]
    if line.strip():
        return len(line) - len(line.lstrip()) > depth
    following = next((other for other in lines[index + 1 :] if other.strip()), "")
    return len(following) - len(following.lstrip()) > depth


def _file_terms(upstream_path: str) -> set[str]:
    """How a changelog names a file: its path, file name, and module name (``flask.sessions``,
    ``flask`` for ``src/flask/__init__.py``)."""
    if not upstream_path:
        return set()
    path = PurePosixPath(upstream_path)
    terms = {upstream_path, path.name}
    if path.suffix == ".py":
        parts = list(path.with_suffix("").parts)
        if parts and parts[0] in ("src", "lib"):
            parts = parts[1:]
        if parts and parts[-1] == "__init__":
            parts = parts[:-1]
        if len(parts) > 1:  # a lone top-level module name is too common a word
            terms.add(".".join(parts))
    return terms


def _valid(text: str) -> bool:
    return _parse(text) is not None


def _parse(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None
