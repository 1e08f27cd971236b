"""The fork's version, for builds that take it from git tags (setuptools_scm, hatch-vcs).

Such a build runs ``git describe`` in the fork's checkout. The tags there are forktool's
(``upstream/<name>/<version>`` on each vendor commit), which setuptools_scm cannot parse,
so building the fork (``pip install ./forks/<name>``) fails with "Can't parse version
from tag". :func:`pin_to_release_tags` points the build's configuration in the fork's
top-level ``pyproject.toml`` at those tags and makes it take the version as the tag gives
it: the fork builds as the release it integrates (``1.7.0``, what its shim pins), whatever
commits or tags the fork adds on top. The sdist's ``PKG-INFO`` keeps serving builds
without git.

Handled: ``[tool.setuptools_scm]`` and hatch's ``[tool.hatch.version] source = "vcs"``
(its ``raw-options`` go to setuptools_scm). ``only-version`` needs setuptools_scm 8 or
later, which pip's isolated builds install unless the upstream pins an older one.
"""

from __future__ import annotations

from typing import Any

import tomlkit
import tomlkit.exceptions
from tomlkit.items import InlineTable, Table

#: The setuptools_scm options set; they match the tags forktool writes (see
#: :meth:`~forktool.config.UpstreamConfig.release_tag`).
SCM_OPTIONS = {
    "tag_regex": r"^upstream/[^/]+/[vV]?(?P<version>.+)$",
    "git_describe_command": 'git describe --dirty --tags --long --match "upstream/*/*"',
    "version_scheme": "only-version",
    "local_scheme": "no-local-version",
}


def pin_to_release_tags(source: str) -> str:
    """Point a ``pyproject.toml``'s git-tag versioning at forktool's release tags.

    Args:
        source: the text of the fork's top-level ``pyproject.toml``.

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
    tool = document.get("tool")
    if not isinstance(tool, dict):
        return source
    changed = False
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
