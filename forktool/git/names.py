"""What git accepts as names: ref names and paths in a tree.

Pure functions that follow git's own rules exactly (``refs.c``: check_refname_format;
``read-cache.c``: verify_path with ``core.protectNTFS`` and ``core.protectHFS`` on), so a
name is refused before git is asked, rather than git failing halfway through a run (a
bad ref) or quietly dropping a file (``git update-index`` skips a path it refuses with
only a warning). This module imports nothing else from the package.
"""

from __future__ import annotations

import re

#: Characters git never allows in a ref name (besides "..", "@{" and the rules below).
_REF_BAD_CHARS = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]")

#: Code points HFS+ ignores in file names (git's utf8.c, next_hfs_char).
_HFS_IGNORED = frozenset(
    "\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u206a\u206b\u206c\u206d\u206e\u206f\ufeff"
)
#: An NTFS fall-back short name's first 8 characters: up to 6 of a prefix, "~", digits.
_SHORT_NAME = re.compile(r"([\x00-\x7d\x7f]{0,6})~[1-9][0-9]*", re.ASCII)


def refname_problem(refname: str) -> str | None:
    """Why git would refuse ``refname`` (a full name such as ``refs/heads/main``), or None.

    The rules of ``git check-ref-format`` (without ``--allow-onelevel``): at least two
    ``/``-separated components, none empty, none starting with ``.`` or ending with
    ``.lock``; no ``..``, no ``@{``, no control character, space, ``~ ^ : ? * [ \\``; not
    ending with ``.``; not ``@``.

    Returns:
        a short reason, e.g. ``"it contains '..'"``; None when git accepts it.
    """
    if refname == "@":
        return "it is '@'"
    bad = _REF_BAD_CHARS.search(refname)
    if bad:
        char = bad.group()
        shown = repr(char) if char.isprintable() and char != " " else f"{ord(char):#04x}"
        return f"it contains {shown}" if char != " " else "it contains a space"
    if ".." in refname:
        return "it contains '..'"
    if "@{" in refname:
        return "it contains '@{'"
    components = refname.split("/")
    if len(components) < 2:
        return "it has a single component"
    for component in components:
        if not component:
            return "it has an empty component (a leading, trailing or double '/')"
        if component.startswith("."):
            return f"its component {component!r} starts with '.'"
        if component.endswith(".lock"):
            return f"its component {component!r} ends with '.lock'"
    if refname.endswith("."):
        return "it ends with '.'"
    return None


def branch_problem(name: str) -> str | None:
    """Why git would refuse ``name`` as a branch name, or None.

    ``git check-ref-format --branch NAME``: ``refs/heads/NAME`` must be a valid ref name,
    and NAME must not start with ``-`` nor be ``HEAD``; nor ``@`` (git reads it as
    ``HEAD``). Unlike that command, the ``@{-N}`` shorthand is not expanded: it is not a
    name.
    """
    if name.startswith("-"):
        return "it starts with '-'"
    if name in ("HEAD", "@"):
        return f"{name!r} means the checked-out commit to git"
    return refname_problem(f"refs/heads/{name}")


def refused_component(parts: tuple[str, ...] | list[str], *, symlink: bool = False) -> int | None:
    """The index of the first component of a path git refuses to store in a tree or check
    out, on any system, or None when git accepts the path.

    Refused, case-insensitively: ``.git`` and what NTFS or HFS+ take for ``.git`` (NTFS:
    ``.git`` or ``git~1`` followed only by dots and spaces, or by ``:`` and anything;
    HFS+: ``.git`` with ignorable code points such as U+200C inside); for a symbolic link,
    also ``.gitmodules`` and its NTFS and HFS+ aliases (``gitmod~1``, ``gi7eba~1``,
    ``.gitmodules.``, ...). Empty, ``.`` and ``..`` components are the caller's business.

    Args:
        parts: the path's components.
        symlink: the path is a symbolic link.
    """
    last = len(parts) - 1
    for index, part in enumerate(parts):
        if not symlink and part.isascii() and "git" not in part.lower():
            continue  # every alias of .git but HFS+'s non-ASCII ones spells "git"
        if _is_ntfs_dotgit(part) or _is_hfs_dot(part, "git"):
            return index
        if symlink and (
            _is_hfs_dot(part, "gitmodules") or _is_ntfs_dotgitmodules(part, final=index == last)
        ):
            return index
    return None


def _is_ntfs_dotgit(part: str) -> bool:
    """git's is_ntfs_dotgit: ``.git`` or ``git~1``, then only dots and spaces, or ``:``."""
    lower = part.lower()
    for name in (".git", "git~1"):
        if lower.startswith(name):
            return _ntfs_tail(part[len(name) :], final=True)
    return False


def _is_ntfs_dotgitmodules(part: str, *, final: bool) -> bool:
    """git's is_ntfs_dot_generic(name, "gitmodules", 10, "gi7eba"); ``final``: ``part``
    is the path's last component (git reads on past a ``/`` otherwise)."""
    lower = part.lower()
    if lower.startswith(".gitmodules"):
        return _ntfs_tail(part[11:], final=final)
    if lower.startswith("gitmod~") and part[7:8] in ("1", "2", "3", "4"):
        return _ntfs_tail(part[8:], final=final)
    # The fall-back 8.3 short name: a prefix of "gi7eba", "~", a digit 1-9, digits: 8 long.
    match = _SHORT_NAME.fullmatch(part[:8]) if len(part) >= 8 else None
    if match is None or match.group(1).lower() != "gi7eba"[: len(match.group(1))]:
        return False
    return _ntfs_tail(part[8:], final=final)


def _ntfs_tail(rest: str, *, final: bool) -> bool:
    """What NTFS ignores after a name: dots and spaces up to the component's end (then
    ``final`` decides: git's loop stops at a ``/`` only on the last one), or up to ``:``."""
    for char in rest:
        if char == ":":
            return True
        if char not in ". ":
            return False
    return final


def _is_hfs_dot(part: str, needle: str) -> bool:
    """git's is_hfs_dot_generic: ``.<needle>`` once HFS+'s ignored code points are dropped."""
    folded = "".join(char for char in part if char not in _HFS_IGNORED)
    return folded[:1] == "." and folded[1:].isascii() and folded[1:].lower() == needle
