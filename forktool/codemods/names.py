"""Recognising old names and computing their replacements.

Every function takes one string and the :class:`~forktool.model.RenameMap` and returns the
renamed string, or ``None`` when the string is not a match (or is on the keep-list), so a
caller can tell "renamed" from "left alone" without comparing strings. None of them raise.
"""

from __future__ import annotations

import fnmatch
import functools
import re

from forktool.model import RenameMap

_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
_DOTTED_RE = re.compile(rf"{_IDENT}(?:\.{_IDENT})*")
_NORMALIZE_RE = re.compile(r"[-_.]+")
# A PEP 508 name at the start of a requirement, then what may legally follow it.
_REQUIREMENT_RE = re.compile(
    r"(?P<lead>\s*)(?P<name>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)(?P<rest>(?:[\s\[(<>=!~;@,].*)?)",
    re.DOTALL,
)
# ``name = module:attr [extras]`` (console scripts) or just ``module:attr``.
_ENTRY_RE = re.compile(
    rf"(?P<lead>\s*)(?:(?P<name>[^=\s][^=]*?)(?P<eq>\s*=\s*))?"
    rf"(?P<module>{_IDENT}(?:\.{_IDENT})*)(?P<rest>(?::{_IDENT}(?:\.{_IDENT})*)?(?:\s*\[[^\]]*\])?\s*)"
)
_WARNING_ACTIONS = frozenset({"error", "ignore", "always", "default", "module", "once", "all"})
# Last labels that make a dotted word a host name rather than a module path
# (``flask.palletsprojects.com``).
# (Not ``db``, ``log``, ``json``: those are common subpackage names, ``django.db``. A
# subpackage of the tree that does look like a file, ``django.conf``, is listed in the
# rename map by :func:`forktool.codemods.passes.modules.expand_modules`.)
FILE_SUFFIXES = frozenset(
    {"txt", "html", "htm", "js", "css", "png", "svg", "jpg", "jpeg", "gif", "ico", "rst", "md"}
    | {"cfg", "ini", "toml", "yaml", "yml", "gz", "zip", "whl", "tar", "sqlite3", "sqlite"}
    | {"pdf", "xml", "csv", "mo", "po", "pot", "sh", "bat", "exe", "lock", "egg", "conf"}
    | {"sty", "tex", "cls", "bib"}
    # C and Cython sources, headers and built libraries: ``#include <yaml.h>`` is libyaml.
    | {"c", "h", "cc", "hh", "cpp", "hpp", "cxx", "pyx", "pxd", "pxi", "so", "pyd", "dll"}
)
HOST_LABELS = frozenset(
    {"com", "org", "net", "io", "dev", "edu", "gov", "info", "co", "uk", "de", "me", "ai"}
)
# A two-label word is a host name only with a label no package would be called.
_TWO_LABEL_HOSTS = frozenset({"com", "org", "net", "edu", "gov"})


_WILDCARDS = frozenset("*?[")
# Characters that end a "word" when looking for the keep-listed text around an occurrence.
_WORD_SPLIT_RE = re.compile(r"[\s\"'`()\[\]{}<>,;]+")
_SPACE_RE = re.compile(r"\s+")


@functools.lru_cache(maxsize=64)
def _keep_lists(keep: tuple[str, ...]) -> tuple[frozenset[str], tuple[str, ...]]:
    """Split the keep-list into exact entries and shell-style patterns."""
    patterns = tuple(entry for entry in keep if _WILDCARDS & set(entry))
    return frozenset(keep) - frozenset(patterns), patterns


def is_kept(text: str, rename: RenameMap) -> bool:
    """Return True if ``text`` is on the keep-list: equal to an entry, or matching a pattern.

    Entries with ``*``, ``?`` or ``[`` are shell-style patterns (``FLASK_*``, ``https://*``)
    matched case-sensitively with :func:`fnmatch.fnmatchcase`; others must match exactly.
    This is the one place the keep-list is interpreted.
    """
    if not rename.keep:
        return False
    exact, patterns = _keep_lists(tuple(rename.keep))
    return text in exact or any(fnmatch.fnmatchcase(text, pattern) for pattern in patterns)


def kept_around(line: str, start: int, end: int, rename: RenameMap) -> bool:
    """Return True if the occurrence ``line[start:end]`` lies inside keep-listed text.

    An exact entry counts wherever it appears around the occurrence
    (``[project.entry-points."flask.commands"]``); a pattern is matched against the word
    holding the occurrence, delimited by white space, quotes, backticks or brackets.
    """
    if not rename.keep:
        return False
    exact, _ = _keep_lists(tuple(rename.keep))
    for entry in exact:
        position = line.find(entry)
        while position >= 0:
            if position <= start and end <= position + len(entry):
                return True
            position = line.find(entry, position + 1)
    for bounds in (_WORD_SPLIT_RE, _SPACE_RE):
        left = max((m.end() for m in bounds.finditer(line, 0, start)), default=0)
        right_match = bounds.search(line, end)
        right = right_match.start() if right_match else len(line)
        word = line[left:right]
        if is_kept(word, rename) or is_kept(word.rstrip(".:"), rename):
            return True
    return False


def normalize_dist(name: str) -> str:
    """Return the PEP 503 normalized form of a distribution name: ``Flask_Foo`` -> ``flask-foo``."""
    return _NORMALIZE_RE.sub("-", name).lower()


def old_packages(rename: RenameMap) -> tuple[str, ...]:
    """Return the old package names, longest first so dotted keys win over their parents."""
    return tuple(sorted(rename.packages, key=len, reverse=True))


@functools.lru_cache(maxsize=64)
def _word_re(names: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<![A-Za-z0-9_])(?:{alternatives})(?![A-Za-z0-9_])")


def word_re(rename: RenameMap) -> re.Pattern[str]:
    """Return a regex matching an old top-level package name as a whole word.

    Case-sensitive; ``_`` counts as a word character, so ``flask_test`` and ``.flaskenv`` do
    not match ``flask``. With no packages in the map the regex matches nothing.
    """
    tops = tuple(sorted({old.split(".")[0] for old in rename.packages}))
    if not tops:
        return re.compile(r"(?!x)x")
    return _word_re(tops)


def old_name_needles(rename: RenameMap) -> tuple[str, ...]:
    """Lower-case substrings at least one of which any mention of an old name contains.

    Used to skip files cheaply: text whose lower-cased form contains none of these cannot
    mention an old package, distribution or script.
    """
    needles = {old.split(".")[0].lower() for old in rename.packages}
    needles |= {script.lower() for script in rename.scripts}
    for dist in rename.distributions:
        normal = normalize_dist(dist)
        needles |= {dist.lower(), normal, normal.replace("-", "_"), normal.replace("-", ".")}
    return tuple(sorted(needle for needle in needles if needle))


def is_module_path(text: str) -> bool:
    """Return True if ``text`` is a dotted Python name such as ``a`` or ``a.b.c``."""
    return _DOTTED_RE.fullmatch(text) is not None


def is_host_name(dotted: str) -> bool:
    """Return True if a dotted word reads as a host name (``flask.palletsprojects.com``)."""
    labels = dotted.split(".")
    if len(labels) == 2:
        return labels[-1].lower() in _TWO_LABEL_HOSTS
    return len(labels) > 2 and labels[-1].lower() in HOST_LABELS


def is_file_name(dotted: str) -> bool:
    """Return True if a dotted word reads as a data file name (``flask.png``, ``flask.html``).

    ``.py`` is not in the list: a ``flask.py`` file is renamed along with the package.
    """
    labels = dotted.split(".")
    return len(labels) == 2 and labels[-1].lower() in FILE_SUFFIXES


def rename_module(
    text: str, rename: RenameMap, *, keep: bool = True, known: bool = False
) -> str | None:
    """Rename a module path, optionally followed by a glob (``flask``, ``flask.json``, ``flask.*``).

    Args:
        text: the whole string, e.g. ``"flask.json.provider"``.
        rename: the rename map; its ``packages`` keys are matched as dotted prefixes.
        keep: honour the keep-list. False where the string can only be an import path
            (``packages=[...]`` of a build, ``import_module()``): a kept entry-point group
            that is also a subpackage's name must still follow the package there.
        known: the position says it is a module, so it is not second-guessed as a host or
            file name (``import_module("acme.conf")``). A dotted ``packages`` key (a
            subpackage the map lists explicitly) is not second-guessed either.

    A trailing ``.`` is allowed too: ``"flask."`` is the prefix code tests module names
    against (``name.startswith("flask.")``).

    Returns:
        The renamed path (``"framework.json.provider"``), or None when ``text`` is not a
        module path under an old package, is on the keep-list, or looks like a host or
        data-file name.
    """
    if keep and is_kept(text, rename):
        return None
    body = text.rstrip("*")
    if body.endswith("."):
        body = body[:-1]
    if not is_module_path(body):
        return None
    listed = any(
        "." in old and (body == old or body.startswith(old + ".")) for old in rename.packages
    )
    if not (known or listed) and (is_host_name(body) or is_file_name(body)):
        return None
    for old in old_packages(rename):
        if body == old or body.startswith(old + "."):
            text = rename_symbol_path(body, rename) + text[len(body) :]
            return rename.packages[old] + text[len(old) :]
    return None


def rename_symbol_path(dotted: str, rename: RenameMap) -> str:
    """Rename the symbol a dotted path runs through, still in the old namespace.

    ``flask.app.Flask.run`` -> ``flask.app.Framework.run`` when ``rename.symbols`` maps
    ``flask.app.Flask``; the longest matching prefix wins. Returns ``dotted`` itself when
    no prefix is a symbol. The package part is left for the caller to rename.
    """
    if not rename.symbols:
        return dotted
    parts = dotted.split(".")
    for size in range(len(parts), 1, -1):
        new = rename.symbols.get(".".join(parts[:size]))
        if new is not None:
            return ".".join([*parts[: size - 1], new, *parts[size:]])
    return dotted


def rename_module_regex(pattern: str, rename: RenameMap) -> str | None:
    """Rename the module a regex names, as in ``warnings.filterwarnings(module=...)``.

    Accepts ``flask``, ``^flask``, ``flask\\.app``, ``flask.*``; returns None if the pattern
    does not start with an old package name.
    """
    if is_kept(pattern, rename):
        return None
    caret = "^" if pattern.startswith("^") else ""
    body = pattern[len(caret) :]
    for old in old_packages(rename):
        escaped = re.escape(old)
        for spelled in dict.fromkeys((old, escaped)):
            if not body.startswith(spelled):
                continue
            after = body[len(spelled) :]
            if after == "" or after[0] in ".\\*$|)(" or after.startswith("\\."):
                new = rename.packages[old]
                new_spelled = new if spelled == old else re.escape(new)
                return caret + new_spelled + after
    return None


_TEMPLATE_RE = re.compile(
    rf"(?P<mod>{_IDENT}(?:\.{_IDENT})*)(?P<rest>\.(?:%[-#0 +]*[sdr(]|\{{).*)", re.DOTALL
)


def rename_module_template(text: str, rename: RenameMap) -> str | None:
    """Rename a module path template: ``"flask.%s" % name``, ``"flask.{}".format(name)``.

    Returns None unless ``text`` starts with a module path under an old package followed
    by ``.`` and a ``%`` or ``{`` placeholder.
    """
    match = _TEMPLATE_RE.fullmatch(text)
    if match is None or is_kept(text, rename):
        return None
    new = rename_module(match["mod"], rename)
    return None if new is None else new + match["rest"]


def rename_regex_modules(text: str, rename: RenameMap) -> str:
    """Rename module paths written as regexes inside any text: ``(flask\\.app\\.)?Error``.

    Only an old package followed by an escaped dot (``flask\\.``) counts, so the text is
    clearly a regex over dotted names. Returns ``text`` itself when nothing applies.
    """
    for old in old_packages(rename):
        escaped = re.escape(old)
        pattern = _regex_module_re(escaped)
        new = re.escape(rename.packages[old]).replace("\\", "\\\\")
        text = pattern.sub(new, text)
    return text


@functools.lru_cache(maxsize=64)
def _regex_module_re(escaped: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w.\\]){re.escape(escaped)}(?=\\\.)")


def rename_import_name(value: str, rename: RenameMap) -> str | None:
    """A PEP 794 import name (``[project] import-names``, metadata ``Import-Name:``):
    ``module`` or ``module; private``; None when it names no old package."""
    module = value.split(";")[0].strip()
    new = rename_module(module, rename, keep=False, known=True)
    return None if new is None else value.replace(module, new, 1)


def rename_dist(name: str, rename: RenameMap) -> str | None:
    """Rename a distribution name, compared PEP 503-normalized.

    A name already written in normalized form (``flask``) becomes the normalized new name
    (``framework``); any other spelling (``Flask``) becomes the new name as configured
    (``Framework``). Returns None if ``name`` is not an old distribution or is kept.
    """
    if is_kept(name, rename):
        return None
    wanted = normalize_dist(name)
    for old, new in rename.distributions.items():
        if normalize_dist(old) == wanted:
            return normalize_dist(new) if name == wanted else new
    return None


def rename_requirement(requirement: str, rename: RenameMap) -> str | None:
    """Rename the distribution a PEP 508 requirement names: ``Flask[async]>=2; python_version>'3'``.

    Only the leading name changes; extras, specifiers and markers are kept byte for byte.
    Returns None when the requirement names no old distribution.
    """
    match = _REQUIREMENT_RE.fullmatch(requirement)
    if match is None:
        return None
    new = rename_dist(match["name"], rename)
    if new is None:
        return None
    return match["lead"] + new + match["rest"]


def rename_script(name: str, rename: RenameMap) -> str | None:
    """Rename a console-script name; None if it is not an old script."""
    if is_kept(name, rename):
        return None
    return rename.scripts.get(name)


def rename_entry_spec(spec: str, rename: RenameMap, *, script: bool = False) -> str | None:
    """Rename an entry-point spec: ``flask.cli:main`` or ``flask = flask.cli:main [extra]``.

    Args:
        spec: the whole string.
        rename: the rename map.
        script: True in a ``console_scripts``/``gui_scripts`` group, where the name before
            ``=`` is a console script and is renamed through ``rename.scripts`` too.

    Returns:
        The renamed spec, or None if nothing in it changed.
    """
    if is_kept(spec, rename):
        return None
    match = _ENTRY_RE.fullmatch(spec)
    if match is None:
        return None
    if match["eq"] is None and ":" not in match["rest"]:
        # A bare dotted name is a module path, not an entry-point spec; callers decide.
        return None
    name = match["name"] or ""
    if script and name:
        name = rename_script(name.strip(), rename) or name
        if match["name"] and match["name"] != match["name"].strip():
            name = match["name"].replace(match["name"].strip(), name)
    module = rename_module(match["module"], rename) or match["module"]
    rest = match["rest"]
    if rest.startswith(":") and rename.symbols:
        # ``flask:Flask``: the object part may run through a renamed symbol.
        attr = rest[1:].split("[")[0].strip()
        renamed = rename_symbol_path(f"{match['module']}.{attr}", rename)
        new_attr = renamed[len(match["module"]) + 1 :]
        rest = rest.replace(attr, new_attr, 1)
    result = match["lead"] + name + (match["eq"] or "") + module + rest
    return result if result != spec else None


def rename_warning_filter(spec: str, rename: RenameMap) -> str | None:
    """Rename the module field of a warning filter spec (``action:message:category:module:lineno``).

    Returns None if ``spec`` is not a filter spec or its module field names no old package.
    """
    fields = spec.split(":")
    if len(fields) < 4 or len(fields) > 5 or fields[0].strip() not in _WARNING_ACTIONS:
        return None
    module = fields[3]
    stripped = module.strip()
    new = rename_module_regex(stripped, rename)
    if new is None:
        return None
    fields[3] = module.replace(stripped, new, 1)
    return ":".join(fields)
