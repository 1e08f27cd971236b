"""The fork's version, for builds that take it from git tags (setuptools_scm, hatch-vcs).

Such a build runs ``git describe`` in the fork's checkout. The tags there are forktool's
(``upstream/<name>/<version>`` on each vendor commit), which setuptools_scm cannot parse,
so building the fork (``pip install ./forks/<name>``) fails with "Can't parse version
from tag". :func:`pin_to_release_tags` points the build's configuration in the fork's
top-level ``pyproject.toml`` at those tags and makes it take the version as the tag gives
it: the fork builds as the release it integrates (``1.7.0``, what its shim pins), whatever
commits or tags the fork adds on top. The sdist's ``PKG-INFO`` keeps serving builds
without git.

The file such a build writes the version into (``version_file``) comes in the sdist, but
upstream does not track it in git: in the fork it would change under every ``pip install``
and block the next sync ("uncommitted changes"). :func:`for_fork` leaves it out of the
fork's tree and lists it in ``.gitignore``, as upstream's own repository does.

Handled: ``[tool.setuptools_scm]``, hatch's ``[tool.hatch.version] source = "vcs"`` (its
``raw-options`` go to setuptools_scm), and ``use_scm_version`` in ``setup.py`` (the table
is added to ``pyproject.toml``; a release without one is left alone). Not handled: other
tools' own git versioning (pdm-backend's ``source = "scm"``, versioneer, dunamai).
``only-version`` needs setuptools_scm 8 or later, which pip's isolated builds install
unless the upstream pins an older one.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import tomlkit
import tomlkit.exceptions
from tomlkit.items import InlineTable, Table

from forktool.model import FileEntry, Tree

#: The setuptools_scm options set; they match the tags forktool writes (see
#: :meth:`~forktool.config.UpstreamConfig.release_tag`).
SCM_OPTIONS = {
    "tag_regex": r"^upstream/[^/]+/[vV]?(?P<version>.+)$",
    "git_describe_command": 'git describe --dirty --tags --long --match "upstream/*/*"',
    "version_scheme": "only-version",
    "local_scheme": "no-local-version",
}


def for_fork(tree: Tree) -> Tree:
    """The renamed release as the fork builds it, when its version comes from git tags.

    Args:
        tree: the renamed release (path -> file).

    Returns:
        ``tree`` itself when its top-level ``pyproject.toml`` takes no version from git
        tags; else a copy with that file through :func:`pin_to_release_tags`, the
        :func:`version_files` left out, and ``.gitignore`` listing them (created if need
        be; a listing already there, e.g. upstream's own, is kept). Never raises.
    """
    entry = tree.get("pyproject.toml")
    if entry is None or entry.symlink:
        return tree
    try:
        text = entry.data.decode("utf-8")
    except UnicodeDecodeError:
        return tree
    setup = tree.get("setup.py")
    setup_text = setup.data.decode("utf-8", "replace") if setup and not setup.symlink else ""
    from_setup = "use_scm_version" in setup_text
    pinned = pin_to_release_tags(text, setuptools_scm=from_setup)
    if pinned == text:
        return tree
    out = dict(tree)
    out["pyproject.toml"] = dataclasses.replace(entry, data=pinned.encode("utf-8"))
    written = version_files(pinned) + (
        _SETUP_VERSION_FILE.findall(setup_text) if from_setup else []
    )
    generated = list(dict.fromkeys(path.removeprefix("./") for path in written))
    for path in generated:
        out.pop(path, None)  # an sdist has it; a tag tree does not
    if generated:
        out[".gitignore"] = _ignoring(out.get(".gitignore"), generated)
    return out


def version_files(source: str) -> list[str]:
    """The files a ``pyproject.toml``'s git-tag versioning writes at build time, relative
    to the project root (``[tool.setuptools_scm] version_file``/``write_to``, hatch's
    ``[tool.hatch.build.hooks.vcs] version-file``); [] for invalid TOML."""
    try:
        data = tomlkit.parse(source).unwrap()
    except tomlkit.exceptions.TOMLKitError:
        return []
    scm = _table(data, "tool", "setuptools_scm")
    hatch_vcs = _table(data, "tool", "hatch", "build", "hooks", "vcs")
    found = [scm.get("version_file"), scm.get("write_to"), hatch_vcs.get("version-file")]
    paths = [path.removeprefix("./") for path in found if isinstance(path, str) and path]
    return list(dict.fromkeys(paths))


#: ``write_to``/``version_file`` of a ``use_scm_version`` dict in ``setup.py``.
_SETUP_VERSION_FILE = re.compile(
    r"""["']?(?:write_to|version_file)["']?\s*[:=]\s*["']([^"'\n]+)["']"""
)


def _table(data: dict[str, Any], *keys: str) -> dict[str, Any]:
    """``data[k1][k2]...``, or {} where a key is missing or not a table."""
    for key in keys:
        value = data.get(key)
        if not isinstance(value, dict):
            return {}
        data = value
    return data


def _ignoring(gitignore: FileEntry | None, paths: list[str]) -> FileEntry:
    """``.gitignore`` with an anchored line for each of ``paths`` it does not have yet."""
    text = gitignore.data.decode("utf-8", "surrogateescape") if gitignore else ""
    present = {line.strip() for line in text.splitlines()}
    missing = [f"/{path}" for path in paths if not {path, f"/{path}"} & present]
    if not missing:
        return gitignore or FileEntry(b"")
    if text and not text.endswith("\n"):
        text += "\n"
    text += "# written by the build from the git tag (forktool: not tracked in the fork)\n"
    text += "".join(f"{line}\n" for line in missing)
    data = text.encode("utf-8", "surrogateescape")
    return dataclasses.replace(gitignore, data=data) if gitignore else FileEntry(data)


def pin_to_release_tags(source: str, *, setuptools_scm: bool = False) -> str:
    """Point a ``pyproject.toml``'s git-tag versioning at forktool's release tags.

    Args:
        source: the text of the fork's top-level ``pyproject.toml``.
        setuptools_scm: the build uses setuptools_scm anyway (``setup.py`` passes
            ``use_scm_version``): a missing ``[tool.setuptools_scm]`` table is added,
            since setuptools_scm reads it under the options ``setup.py`` gives.

    Returns:
        the text with :data:`SCM_OPTIONS` set in ``[tool.setuptools_scm]`` and in
        ``[tool.hatch.version] raw-options`` (when the version source is ``vcs``);
        ``source`` itself when it uses neither, or is not valid TOML (the rename
        reports that file already). Formatting and comments are kept (tomlkit).
    """
    try:
        document = tomlkit.parse(source)
    except tomlkit.exceptions.TOMLKitError:
        return source
    if setuptools_scm and "tool" not in document:
        document["tool"] = tomlkit.table(is_super_table=True)
    tool = document.get("tool")
    if not isinstance(tool, dict):
        return source
    changed = False
    if setuptools_scm and "setuptools_scm" not in tool:
        tool["setuptools_scm"] = tomlkit.table()
    scm = tool.get("setuptools_scm")
    if isinstance(scm, dict):
        changed |= _set(scm)
    hatch = tool.get("hatch")
    version = hatch.get("version") if isinstance(hatch, dict) else None
    if isinstance(version, dict) and version.get("source") == "vcs":
        raw = version.get("raw-options", {})
        if isinstance(raw, dict) and any(raw.get(k) != v for k, v in SCM_OPTIONS.items()):
            # A new inline table: tomlkit appends to an existing one without spaces.
            table = tomlkit.inline_table()
            table.update({key: value for key, value in raw.items() if key not in SCM_OPTIONS})
            _set(table)
            version["raw-options"] = table
            changed = True
    return document.as_string() if changed else source


def _set(table: dict[str, Any] | Table | InlineTable) -> bool:
    """Set :data:`SCM_OPTIONS` in ``table`` (as literal strings: no escapes); True when
    something changed."""
    changed = False
    for key, value in SCM_OPTIONS.items():
        if table.get(key) != value:
            table[key] = tomlkit.string(value, literal=True)
            changed = True
    return changed
