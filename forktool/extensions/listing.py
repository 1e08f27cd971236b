"""The list of extensions: ``[extensions] packages`` of ``upstream/<name>.toml``.

:mod:`forktool.config` reads and validates the table; here it is written
(``forktool extensions --add``, with tomlkit, so the file's comments and layout stay)
and each entry is turned into what a run needs: the distribution and the release of
it to test, from the package index.
"""

from __future__ import annotations

from dataclasses import dataclass

import tomlkit
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from forktool import config as config_mod
from forktool.config import UpstreamConfig
from forktool.errors import ConfigError, SourceError
from forktool.model import Release
from forktool.upstream import pypi


@dataclass(frozen=True)
class Extension:
    """One entry of ``[extensions] packages``.

    Attributes:
        requirement: the entry as written (``"Flask-SQLAlchemy==3.1.1"``).
        name: its distribution name as written (``"Flask-SQLAlchemy"``).
        key: that name PEP 503-normalized (``"flask-sqlalchemy"``): sort and match key.
    """

    requirement: str
    name: str
    key: str

    @classmethod
    def parse(cls, text: str) -> Extension:
        """The entry ``text``; it must have passed
        :func:`forktool.config.extension_requirement_problem`."""
        name = Requirement(text).name
        return cls(text, name, canonicalize_name(name))


def extensions(config: UpstreamConfig) -> list[Extension]:
    """The configured extensions, sorted by normalized name (the order shards cut)."""
    return sorted(
        (Extension.parse(text) for text in config.extensions.packages), key=lambda e: e.key
    )


def pick_release(extension: Extension, index: str) -> Release:
    """The release of ``extension`` to test: the newest final release on ``index`` (JSON
    API root) whose version the entry's specifier allows (a pre-release only when the
    specifier names one), and which has an sdist.

    Raises:
        SourceError: the index cannot be read, does not know the distribution, or has no
            sdist release the specifier allows.
    """
    specifier = Requirement(extension.requirement).specifier
    releases = pypi.list_releases(index, extension.name, include_prereleases=True)
    allowed = [r for r in releases if specifier.contains(Version(r.version), prereleases=None)]
    if not allowed:
        allowed = [r for r in releases if specifier.contains(Version(r.version), prereleases=True)]
    if not allowed:
        raise SourceError(
            f"{extension.requirement}: no release with an sdist matches on the package index",
            "loosen the version pin in [extensions] packages",
        )
    return allowed[-1]


def add(config: UpstreamConfig, entries: list[str], *, check_index: bool = True) -> list[str]:
    """Add ``entries`` to ``[extensions] packages`` of the definition, with tomlkit.

    Every entry is checked before the file is touched: it parses
    (:func:`forktool.config.extension_requirement_problem`), is not listed already
    (compared by normalized name) nor twice among ``entries``, and, with ``check_index``,
    the index of the upstream's source knows it and has a release it allows. The file is
    then loaded back as a definition.

    Args:
        config: the upstream's definition.
        entries: requirements as typed (``Flask-Login``, ``Flask-Login==0.6.3``).
        check_index: look each entry up on ``config.source.index`` (PyPI upstreams; a git
            upstream's definition uses ``$FORKTOOL_INDEX`` or PyPI).

    Returns:
        the entries added, in order.

    Raises:
        ConfigError: an entry does not parse, or is listed already.
        SourceError: the index does not know an entry, or has no release it allows.
    """
    listed = {e.key: e.requirement for e in extensions(config)}
    for text in entries:
        problem = config_mod.extension_requirement_problem(text)
        if problem:
            raise ConfigError(
                f"--add {text!r} {problem}",
                "give a distribution name with an optional pin, e.g. Flask-Login==0.6.3",
            )
        extension = Extension.parse(text)
        own = {canonicalize_name(name) for name in config.rename.distributions}
        if extension.key in own:
            raise ConfigError(
                f"--add {text!r}: {extension.name} is the upstream itself, not an extension",
                "list the distributions that depend on it, e.g. Flask-Login",
            )
        if extension.key in listed:
            raise ConfigError(
                f"{extension.name} is listed already in [extensions] packages "
                f"({listed[extension.key]!r})",
                f"edit {config.definition_path.name} to change its pin",
            )
        listed[extension.key] = text
    if check_index:
        index = package_index(config)
        for text in entries:
            pick_release(Extension.parse(text), index)
    path = config.definition_path
    document = tomlkit.parse(path.read_text(encoding="utf-8"))
    table = document.get("extensions")
    if table is None:
        table = tomlkit.table()
        document.add(tomlkit.nl())
        document.add("extensions", table)
    packages = table.get("packages")
    if packages is None:
        packages = tomlkit.array()
        packages.multiline(True)
        table["packages"] = packages
    for text in entries:
        packages.append(text)
    before = path.read_text(encoding="utf-8")
    path.write_text(tomlkit.dumps(document), encoding="utf-8")
    try:
        config_mod.load(config.root, config.name)
    except ConfigError:
        path.write_text(before, encoding="utf-8")
        raise
    return list(entries)


def package_index(config: UpstreamConfig) -> str:
    """The JSON API root extensions and the real upstream are taken from: the source's
    index for a PyPI upstream, else ``$FORKTOOL_INDEX`` or PyPI."""
    source = config.source
    return source.index if isinstance(source, config_mod.PyPISource) else config_mod.default_index()
