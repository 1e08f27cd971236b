"""Recognising old names and computing their replacements.

Every function takes one string and the :class:`~forktool.model.RenameMap` and returns the
renamed string, or ``None`` when the string is not a match (or is on the keep-list), so a
caller can tell "renamed" from "left alone" without comparing strings. None of them raise.
"""

from __future__ import annotations

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
_FILE_SUFFIXES = frozenset(
    {"txt", "html", "htm", "js", "css", "png", "svg", "jpg", "jpeg", "gif", "ico", "rst", "md"}
    | {"cfg", "ini", "toml", "yaml", "yml", "gz", "zip", "whl", "tar", "log", "db", "sqlite3"}
    | {"pdf", "xml", "csv", "mo", "po", "sh", "bat", "exe", "lock", "egg"}
)
_HOST_LABELS = frozenset(
    {"com", "org", "net", "io", "dev", "edu", "gov", "info", "co", "uk", "de", "me", "ai"}
)


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
    return len(labels) > 1 and labels[-1].lower() in _HOST_LABELS


def is_file_name(dotted: str) -> bool:
    """Return True if a dotted word reads as a data file name (``flask.png``, ``flask.html``).

    ``.py`` is not in the list: a ``flask.py`` file is renamed along with the package.
    """
    labels = dotted.split(".")
    return len(labels) == 2 and labels[-1].lower() in _FILE_SUFFIXES


def rename_module(text: str, rename: RenameMap) -> str | None:
    """Rename a module path, optionally followed by a glob (``flask``, ``flask.json``, ``flask.*``).

    Args:
        text: the whole string, e.g. ``"flask.json.provider"``.
        rename: the rename map; its ``packages`` keys are matched as dotted prefixes.

    A trailing ``.`` is allowed too: ``"flask."`` is the prefix code tests module names
    against (``name.startswith("flask.")``).

    Returns:
        The renamed path (``"framework.json.provider"``), or None when ``text`` is not a
        module path under an old package, is on the keep-list, or looks like a host or
        data-file name.
    """
    if text in rename.keep:
        return None
    body = text.rstrip("*")
    if body.endswith("."):
        body = body[:-1]
    if not is_module_path(body) or is_host_name(body) or is_file_name(body):
        return None
    for old in old_packages(rename):
        if body == old or body.startswith(old + "."):
            return rename.packages[old] + text[len(old) :]
    return None


def rename_module_regex(pattern: str, rename: RenameMap) -> str | None:
    """Rename the module a regex names, as in ``warnings.filterwarnings(module=...)``.

    Accepts ``flask``, ``^flask``, ``flask\\.app``, ``flask.*``; returns None if the pattern
    does not start with an old package name.
    """
    if pattern in rename.keep:
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


def rename_dist(name: str, rename: RenameMap) -> str | None:
    """Rename a distribution name, compared PEP 503-normalized.

    A name already written in normalized form (``flask``) becomes the normalized new name
    (``framework``); any other spelling (``Flask``) becomes the new name as configured
    (``Framework``). Returns None if ``name`` is not an old distribution or is kept.
    """
    if name in rename.keep:
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
    if name in rename.keep:
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
    if spec in rename.keep:
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
    result = match["lead"] + name + (match["eq"] or "") + module + match["rest"]
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
