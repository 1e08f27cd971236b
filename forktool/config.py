"""Load and validate ``upstream/<name>.toml``, the definition of one upstream.

Validation happens once, here, at the edge: everything after this works on the frozen
:class:`UpstreamConfig`. Reference of every key: README.md, "upstream/<name>.toml".
"""

from __future__ import annotations

import keyword
import os
import re
import urllib.parse
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import tomlkit
import tomlkit.exceptions
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from forktool.errors import ConfigError
from forktool.git.names import branch_problem, refname_problem
from forktool.model import RenameMap

DEFAULT_INDEX = "https://pypi.org/pypi"
#: Environment variable naming another default index (a mirror, a private index).
INDEX_VARIABLE = "FORKTOOL_INDEX"
#: Tags like ``1.2.3`` or ``v1.2.3``; the ``version`` group is parsed with packaging.
DEFAULT_TAG_PATTERN = r"^v?(?P<version>\d+(?:\.\d+)*)$"

_IDENTIFIER_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
#: A git URL (``https://…``, ``ssh://…``, ``git@host:path``) rather than a local path.
REMOTE_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://|[^/:]+:)")
#: git's ``<transport>::<address>``: git runs the helper ``git-remote-<transport>``
#: (``ext::`` runs any command, ``fd::`` talks over file descriptors).
_TRANSPORT_HELPER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9+.-]*::")
#: Top-level branch names under which forktool keeps its own refs (``refs/heads/vendor/…``,
#: ``refs/heads/transformed/…``), or whose short names would be read as its refs
#: (``forktool/…`` as ``refs/forktool/…``, which git tries before ``refs/heads/``).
_RESERVED_BRANCHES = ("vendor", "transformed", "forktool")

_TOP_KEYS = {"source", "rename", "fork", "shim", "extensions", "bot"}
_SOURCE_KEYS = {"type", "project", "index", "url", "tag-pattern", "prereleases", "repository"}
_RENAME_KEYS = {"packages", "distributions", "scripts", "keep", "symbols", "docs"}
_FORK_KEYS = {"path", "branch"}
_SHIM_KEYS = {"out", "version"}
_EXTENSIONS_KEYS = {"packages", "constraints", "timeout", "reruns"}
_BOT_KEYS = {"min-release-age"}
#: ``[bot] min-release-age``: a number and a unit (``"3 days"``, ``"12 hours"``, ``"1 week"``).
_AGE = re.compile(r"^\s*(\d+)\s*(minute|hour|day|week)s?\s*$")
_AGE_UNITS = {"minute": 60, "hour": 3600, "day": 86400, "week": 604800}
#: Seconds one extension may take, both sides together, unless ``[extensions] timeout``.
DEFAULT_EXTENSION_TIMEOUT = 1800.0
#: How many times a test whose outcome differs is run again on each side.
DEFAULT_RERUNS = 3


@dataclass(frozen=True)
class PyPISource:
    """Releases are sdists of ``project`` on a package index speaking PyPI's JSON API.

    ``repository`` (optional) is the project's git repository (URL or absolute path): when
    set, the conflict report fetches each release's tag from it for upstream commits and
    the changelog. Nothing is ever fetched from it otherwise.
    """

    project: str
    index: str = DEFAULT_INDEX
    prereleases: bool = False
    repository: str | None = None


@dataclass(frozen=True)
class GitSource:
    """Releases are tags of the git repository at ``url`` (URL or local path)."""

    url: str
    tag_pattern: str = DEFAULT_TAG_PATTERN
    prereleases: bool = False


@dataclass(frozen=True)
class ExtensionsConfig:
    """``[extensions]``: the extensions whose own test suites ``forktool extensions`` runs.

    Attributes:
        packages: the requirements as written, each a distribution name with an optional
            version specifier (``"Flask-Login"``, ``"Flask-SQLAlchemy==3.1.1"``), in file
            order; no extras, markers or URLs.
        constraints: a pip constraints file (absolute path) fixing third-party versions on
            both sides, or None.
        timeout: the wall-clock limit of one extension, both sides together, in seconds.
        reruns: how many times a test whose outcome differs between the sides is run
            again on each side before it is called a regression or a fix (0: never).
    """

    packages: tuple[str, ...] = ()
    constraints: Path | None = None
    timeout: float = DEFAULT_EXTENSION_TIMEOUT
    reruns: int = DEFAULT_RERUNS


@dataclass(frozen=True)
class BotConfig:
    """``[bot]``: what ``forktool ci run`` (the fork bot) waits for.

    Attributes:
        min_release_age: how old a release must be before the bot proposes it (as
            Renovate's ``minimumReleaseAge``): a release yanked or fixed within hours is
            never proposed. Zero (the default) proposes a release at once.
    """

    min_release_age: timedelta = timedelta(0)


@dataclass(frozen=True)
class UpstreamConfig:
    """One validated upstream definition.

    Attributes:
        name: the definition's name (file stem of ``upstream/<name>.toml``).
        root: the fork definition's root directory (holds ``upstream/`` and ``patches/``).
        source: where releases come from.
        rename: the rename map.
        fork_path: absolute path of the fork repository.
        fork_branch: the fork branch in it (default ``main``).
        shim_out: where ``forktool shims`` and every sync write the shim distribution
            (default ``<fork path>.shim`` beside the fork repository).
        shim_version: the shim's version (default: the fork's, with ``+<fork dist>``).
        extensions: the ``[extensions]`` table (empty when the definition has none).
        bot: the ``[bot]`` table (defaults when the definition has none).
    """

    name: str
    root: Path
    source: PyPISource | GitSource
    rename: RenameMap
    fork_path: Path
    fork_branch: str = "main"
    shim_out: Path | None = None
    shim_version: str | None = None
    extensions: ExtensionsConfig = ExtensionsConfig()
    bot: BotConfig = BotConfig()

    @property
    def definition_path(self) -> Path:
        """``<root>/upstream/<name>.toml``."""
        return self.root / "upstream" / f"{self.name}.toml"

    @property
    def lock_path(self) -> Path:
        """``<root>/upstream/<name>.lock``, the record of what is integrated."""
        return self.root / "upstream" / f"{self.name}.lock"

    @property
    def vendor_branch(self) -> str:
        """Full ref of the vendor branch: pristine releases."""
        return f"refs/heads/vendor/{self.name}"

    @property
    def transformed_branch(self) -> str:
        """Full ref of the transformed branch: renamed releases, the merge bases."""
        return f"refs/heads/transformed/{self.name}"

    def release_tag(self, version: str) -> str:
        """Full ref of the tag on the vendor commit of ``version``."""
        return f"refs/tags/upstream/{self.name}/{version}"


def is_upstream_name(name: str) -> bool:
    """True for a name :func:`load` accepts as ``upstream/<name>.toml``: letters, digits,
    ``.``, ``_`` and ``-``, starting with a letter or digit, not ending in ``.`` or
    ``.lock`` (the lock file's suffix), and usable in forktool's ref names (no ``..``)."""
    return (
        bool(_NAME.fullmatch(name))
        and not name.endswith((".", ".lock"))
        and refname_problem(f"refs/heads/vendor/{name}") is None
    )


def module_path_problem(name: str) -> str | None:
    """Why ``name`` cannot be an import package name (``framework``, ``acme.web``), or None.

    The one rule for ``[rename.packages]`` and ``forktool init --package``: dotted ASCII
    identifiers, none a Python keyword (``class``, ``import``; soft keywords such as
    ``match``, ``case``, ``type`` and ``_`` are identifiers and allowed).

    Returns:
        what is wrong, to follow the name: ``"is not a valid module path"``, ``"is a
        Python keyword"`` or ``"holds the Python keyword 'class'"``; None when valid.
    """
    if not _IDENTIFIER_PATH.fullmatch(name):
        return "is not a valid module path"
    words = [part for part in name.split(".") if keyword.iskeyword(part)]
    if words == [name]:
        return "is a Python keyword"
    if words:
        return f"holds the Python keyword {words[0]!r}"
    return None


def fork_branch_problem(branch: str, name: str) -> str | None:
    """Why ``branch`` cannot be the fork branch of upstream ``name``, or None.

    Refused: what git refuses as a branch name (``git check-ref-format --branch``), and
    forktool's own branches and everything beside them (``vendor/``, ``transformed/``,
    ``forktool/``, the release tags' ``upstream/<name>/``): a fork branch there would be
    overwritten by a sync, or clash with forktool's refs.
    """
    problem = branch_problem(branch)
    if problem:
        return f"is not a valid git branch name: {problem}"
    top = branch.split("/", 1)[0]
    if top in _RESERVED_BRANCHES:
        return f"is forktool's: it keeps its own branches under {top}/"
    if branch.startswith(f"upstream/{name}/"):
        return f"is forktool's: its release tags are named upstream/{name}/<version>"
    return None


def git_url_problem(url: str) -> str | None:
    """Why ``url`` must not be handed to git as a repository, or None.

    Refused: git's transport-helper syntax ``<transport>::<address>`` (``ext::`` makes git
    run a command, ``fd::`` uses file descriptors; any ``x::`` runs ``git-remote-x``),
    and values starting with ``-``, which git would read as an option.
    """
    if url.startswith("-"):
        return "starts with '-', which git would read as an option"
    helper = _TRANSPORT_HELPER.match(url)
    if helper:
        return f"uses git's transport-helper syntax ({helper.group()}): git would run a program"
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in url):
        return "contains a control character"
    return None


def check_tag_pattern(
    pattern: str, label: str, hint: str = "fix the pattern (Python re syntax)"
) -> None:
    """Check that a release tag pattern (``source.tag-pattern``, ``--tag-pattern``) is a
    regular expression.

    Args:
        pattern: the pattern as given.
        label: what it was given as, for the message (``"--tag-pattern"``).
        hint: what to do about it.

    Raises:
        ConfigError: ``"<label> is not a valid regular expression: <re's reason>"``.
    """
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ConfigError(f"{label} is not a valid regular expression: {exc}", hint) from exc


def index_url_problem(url: str) -> str:
    """Why ``url`` cannot be a package index URL ("" when it can). The URL itself is not
    quoted: it may carry a password."""
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError for a port out of range)
    except ValueError:
        # urllib's own text may quote a piece of the password: say it in our words
        if "@" in url:
            return (
                "it cannot be read as a URL; characters like / # ? @ in a user or "
                "password must be percent-encoded"
            )
        return "it cannot be read as a URL (a bracketed host or the port is malformed)"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "it must start with http:// or https:// and name a host"
    return ""


def default_index() -> str:
    """The index a PyPI source uses when its definition names none: ``$FORKTOOL_INDEX``
    when set (a mirror or private index speaking PyPI's JSON API), else PyPI."""
    return os.environ.get(INDEX_VARIABLE, "").strip().rstrip("/") or DEFAULT_INDEX


def find_root(start: Path) -> Path:
    """Return the nearest directory at or above ``start`` holding ``upstream/*.toml``.

    Raises:
        ConfigError: no such directory exists.
    """
    for candidate in (start, *start.parents):
        if any((candidate / "upstream").glob("*.toml")):
            return candidate
    raise ConfigError(
        f"no upstream/<name>.toml found in {start} or any parent directory",
        "run forktool from a fork definition (a directory with upstream/<name>.toml)",
    )


def definition_root(root: Path | None) -> Path:
    """The fork definition a command works on: ``--root`` when given, else the nearest one
    from the current directory upwards (:func:`find_root`).

    Args:
        root: the ``--root`` option, or None.

    Returns:
        the definition's directory, absolute.

    Raises:
        ConfigError: ``root`` holds no ``upstream/<name>.toml`` (or does not exist), or no
            definition is found upwards.
    """
    if root is None:
        return find_root(Path.cwd())
    resolved = root.resolve()
    if not any(path.is_file() for path in (resolved / "upstream").glob("*.toml")):
        raise ConfigError(
            f"--root {root} holds no fork definition (no upstream/<name>.toml)",
            f"point --root at a fork definition, or create one with 'forktool --root {root} init'",
        )
    return resolved


def upstream_names(root: Path) -> list[str]:
    """Names of every upstream defined under ``root/upstream``, sorted."""
    return sorted(p.stem for p in (root / "upstream").glob("*.toml"))


def load(root: Path, name: str) -> UpstreamConfig:
    """Read and validate ``<root>/upstream/<name>.toml``.

    Raises:
        ConfigError: the file is missing, is not valid TOML (line and column given), has
            an unknown key or a wrong type, or its rename map is invalid.
    """
    path = root / "upstream" / f"{name}.toml"
    where = f"upstream/{name}.toml"
    if not is_upstream_name(name):
        raise ConfigError(
            f"{name!r} is not a usable upstream name",
            "name the file upstream/<name>.toml with letters, digits, '.', '_' or '-'",
        )
    if not path.is_file():
        known = ", ".join(upstream_names(root)) or "none"
        raise ConfigError(
            f"no upstream named {name!r}: {where} does not exist",
            f"known upstreams: {known}",
        )
    try:
        doc = tomlkit.parse(path.read_text(encoding="utf-8")).unwrap()
    except tomlkit.exceptions.ParseError as exc:
        raise ConfigError(
            f"{where} is not valid TOML: {exc} (line {exc.line}, column {exc.col})",
            "fix the syntax at that position",
        ) from exc
    except tomlkit.exceptions.TOMLKitError as exc:  # a key given twice, and the like
        raise ConfigError(f"{where} is not valid TOML: {exc}", "fix that key") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{where} is not UTF-8 text", "save it as UTF-8") from exc
    return _validate(doc, root, name, where)


def _validate(doc: dict[str, Any], root: Path, name: str, where: str) -> UpstreamConfig:
    _check_keys(doc, _TOP_KEYS, where, "")
    source = _table(doc, "source", where)
    rename = _table(doc, "rename", where)
    fork = _table(doc, "fork", where, required=False)
    shim = _table(doc, "shim", where, required=False)
    _check_keys(source, _SOURCE_KEYS, where, "source.")
    _check_keys(fork, _FORK_KEYS, where, "fork.")
    _check_keys(shim, _SHIM_KEYS, where, "shim.")

    rename_map = parse_rename(rename, where)
    fork_path = Path(_string(fork, "path", where, default=f"forks/{name}", prefix="fork."))
    branch = _string(fork, "branch", where, default="main", prefix="fork.")
    problem = fork_branch_problem(branch, name)
    if problem:
        raise ConfigError(
            f"{where}: fork.branch {branch!r} {problem}",
            "set [fork] branch to a name of your own, e.g. main",
        )
    fork_path = fork_path if fork_path.is_absolute() else (root / fork_path).resolve()
    shim_out = Path(_string(shim, "out", where, default=f"{fork_path}.shim", prefix="shim."))
    return UpstreamConfig(
        name=name,
        root=root,
        source=_source(source, where, root),
        rename=rename_map,
        fork_path=fork_path,
        fork_branch=branch,
        shim_out=shim_out if shim_out.is_absolute() else (root / shim_out).resolve(),
        shim_version=_string(shim, "version", where, prefix="shim.") if "version" in shim else None,
        extensions=_extensions(_table(doc, "extensions", where, required=False), where, root),
        bot=_bot(_table(doc, "bot", where, required=False), where),
    )


def parse_age(text: str) -> timedelta | None:
    """``"3 days"`` (minutes, hours, days or weeks; singular or plural; ``"0 days"``) as
    a :class:`timedelta`, or None when ``text`` is not such a duration."""
    found = _AGE.match(text)
    if found is None:
        return None
    return timedelta(seconds=int(found.group(1)) * _AGE_UNITS[found.group(2)])


def _bot(table: dict[str, Any], where: str) -> BotConfig:
    _check_keys(table, _BOT_KEYS, where, "bot.")
    if "min-release-age" not in table:
        return BotConfig()
    value = table["min-release-age"]
    age = parse_age(value) if isinstance(value, str) else None
    if age is None:
        raise ConfigError(
            f'{where}: bot.min-release-age must be a duration like "3 days", not {value!r}',
            'write a whole number and a unit: "30 minutes", "12 hours", "3 days", "1 week"',
        )
    return BotConfig(age)


def extension_requirement_problem(text: str) -> str | None:
    """Why ``text`` cannot be an entry of ``[extensions] packages`` (or ``forktool
    extensions --add``), or None.

    An entry is a distribution name with an optional version specifier, as pip reads it
    (``Flask-Login``, ``Flask-SQLAlchemy==3.1.1``, ``flask-cors>=4``); extras, markers
    and URLs are refused (the sdist is taken from the index, the tests' extras are read
    from the sdist).
    """
    try:
        requirement = Requirement(text)
    except InvalidRequirement as exc:
        return f"is not a requirement: {str(exc).splitlines()[0]}"
    if requirement.url:
        return "names a URL; give a distribution name on the index"
    if requirement.extras:
        return "has extras; give the distribution alone"
    if requirement.marker is not None:
        return "has an environment marker; give the distribution alone"
    return None


def _extensions(table: dict[str, Any], where: str, root: Path) -> ExtensionsConfig:
    _check_keys(table, _EXTENSIONS_KEYS, where, "extensions.")
    packages = table.get("packages", [])
    if not isinstance(packages, list) or not all(isinstance(p, str) for p in packages):
        raise ConfigError(
            f"{where}: extensions.packages must be a list of strings",
            'write e.g. packages = ["Flask-Login", "Flask-SQLAlchemy==3.1.1"]',
        )
    seen: dict[str, str] = {}
    for text in packages:
        problem = extension_requirement_problem(text)
        if problem:
            raise ConfigError(
                f"{where}: extensions.packages: {text!r} {problem}",
                'write a distribution name with an optional pin, e.g. "Flask-Login==0.6.3"',
            )
        name = canonicalize_name(Requirement(text).name)
        if name in seen:
            raise ConfigError(
                f"{where}: extensions.packages lists {name!r} twice ({seen[name]!r}, {text!r})",
                "keep one entry per extension",
            )
        seen[name] = text
    constraints = None
    if "constraints" in table:
        given = Path(_string(table, "constraints", where, prefix="extensions."))
        constraints = given if given.is_absolute() else (root / given).resolve()
    timeout = table.get("timeout", DEFAULT_EXTENSION_TIMEOUT)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise ConfigError(
            f"{where}: extensions.timeout must be a positive number of seconds", "fix its value"
        )
    reruns = table.get("reruns", DEFAULT_RERUNS)
    if isinstance(reruns, bool) or not isinstance(reruns, int) or reruns < 0:
        raise ConfigError(
            f"{where}: extensions.reruns must be a whole number, 0 or more", "fix its value"
        )
    return ExtensionsConfig(tuple(packages), constraints, float(timeout), reruns)


def parse_rename(rename: dict[str, Any], where: str) -> RenameMap:
    """Validate a ``[rename]`` table (from a definition, or built from CLI options).

    Args:
        rename: the table: ``packages``, ``distributions``, ``scripts`` (old -> new),
            ``keep`` (list of patterns), ``symbols`` (qualified -> new name), ``docs``.
        where: what to name in error messages (e.g. ``upstream/flask.toml``).

    Raises:
        ConfigError: an unknown key, a wrong type, or an invalid rename.
    """
    _check_keys(rename, _RENAME_KEYS, where, "rename.")
    docs = rename.get("docs", True)
    if not isinstance(docs, bool):
        raise ConfigError(f"{where}: rename.docs must be true or false", "fix its value")
    rename_map = RenameMap(
        packages=_mapping(rename, "packages", where, identifier=True),
        distributions=_mapping(rename, "distributions", where, identifier=False),
        scripts=_mapping(rename, "scripts", where, identifier=False),
        keep=tuple(_string_list(rename, "keep", where)),
        symbols=_symbols(rename, where),
        docs=docs,
    )
    if not rename_map.packages:
        raise ConfigError(
            f"{where}: [rename.packages] is empty",
            'add the import package to rename, e.g. flask = "framework"',
        )
    for qualified in rename_map.symbols:
        if not any(qualified.startswith(old + ".") for old in rename_map.packages):
            raise ConfigError(
                f"{where}: rename.symbols: {qualified!r} is not inside a renamed package",
                'name symbols by their qualified name, e.g. "flask.Flask" = "Framework"',
            )
    return rename_map


def _source(table: dict[str, Any], where: str, root: Path) -> PyPISource | GitSource:
    kind = _string(table, "type", where, prefix="source.")
    prereleases = table.get("prereleases", False)
    if not isinstance(prereleases, bool):
        raise ConfigError(f"{where}: source.prereleases must be true or false", "fix its value")
    if kind == "pypi":
        index = _string(table, "index", where, default=default_index(), prefix="source.")
        index_problem = index_url_problem(index)
        if index_problem:
            named = "source.index" if "index" in table else f"${INDEX_VARIABLE}"
            raise ConfigError(
                f"{where}: {named} is not an index URL: {index_problem}",
                "give an http:// or https:// URL of an index speaking PyPI's JSON API",
            )
        return PyPISource(
            project=_string(table, "project", where, prefix="source."),
            index=index.rstrip("/"),
            prereleases=prereleases,
            repository=(
                _git_url(table, "repository", where, root) if "repository" in table else None
            ),
        )
    if "repository" in table:
        raise ConfigError(
            f"{where}: source.repository is for PyPI upstreams",
            "a git upstream's history is its source.url already: remove source.repository",
        )
    if kind == "git":
        pattern = _string(
            table, "tag-pattern", where, default=DEFAULT_TAG_PATTERN, prefix="source."
        )
        check_tag_pattern(pattern, f"{where}: source.tag-pattern")
        return GitSource(
            url=_git_url(table, "url", where, root),
            tag_pattern=pattern,
            prereleases=prereleases,
        )
    raise ConfigError(
        f'{where}: source.type must be "pypi" or "git", not {kind!r}', "fix source.type"
    )


def _git_url(table: dict[str, Any], key: str, where: str, root: Path) -> str:
    """``source.<key>``, a git repository's URL or path (a local path relative to the
    definition made absolute).

    Raises:
        ConfigError: not a string, or git must not be handed it (:func:`git_url_problem`).
    """
    url = _string(table, key, where, prefix="source.")
    problem = git_url_problem(url)
    if problem:
        raise ConfigError(
            f"{where}: source.{key} {url!r} {problem}",
            "give an https://, ssh:// or git@host:path URL, or a local path",
        )
    if not REMOTE_URL.match(url) and not Path(url).is_absolute():
        url = str((root / url).resolve())  # a local path is relative to the definition
    return url


def _check_keys(table: dict[str, Any], allowed: set[str], where: str, prefix: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ConfigError(
            f"{where}: unknown key {prefix}{unknown[0]}",
            f"allowed keys here: {', '.join(sorted(allowed))}",
        )


def _table(doc: dict[str, Any], key: str, where: str, required: bool = True) -> dict[str, Any]:
    value = doc.get(key)
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: missing table [{key}]", "see README.md for the reference")
    return value


def _string(
    table: dict[str, Any], key: str, where: str, default: str | None = None, prefix: str = ""
) -> str:
    value = table.get(key, default)
    if not isinstance(value, str) or not value:
        raise ConfigError(
            f"{where}: {prefix}{key} must be a non-empty string", f"set {prefix}{key}"
        )
    return value


def _string_list(table: dict[str, Any], key: str, where: str) -> list[str]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(f"{where}: rename.{key} must be a list of strings", f"fix rename.{key}")
    return value


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _symbols(table: dict[str, Any], where: str) -> dict[str, str]:
    """``[rename.symbols]``: qualified old name -> new plain name."""
    value = table.get("symbols", {})
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: rename.symbols must be a table", "fix [rename.symbols]")
    for old, new in value.items():
        if not (
            isinstance(new, str)
            and _IDENTIFIER.fullmatch(new)
            and not keyword.iskeyword(new)
            and _IDENTIFIER_PATH.fullmatch(old)
            and "." in old
        ):
            raise ConfigError(
                f"{where}: rename.symbols: {old!r} = {new!r} is not qualified name = identifier",
                'write e.g. "flask.Flask" = "Framework"',
            )
        if old.rsplit(".", 1)[1] == new:
            raise ConfigError(
                f"{where}: rename.symbols: {old!r} is renamed to itself",
                "give it a different new name or remove the line",
            )
    return dict(value)


def _mapping(table: dict[str, Any], key: str, where: str, *, identifier: bool) -> dict[str, str]:
    value = table.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: rename.{key} must be a table", f"fix [rename.{key}]")
    seen_new: dict[str, str] = {}
    for old, new in value.items():
        if not isinstance(new, str):
            raise ConfigError(
                f"{where}: rename.{key}: {old!r} = {new!r} is not a string",
                'use plain names like flask = "framework"',
            )
        for checked in (old, new):
            if identifier:
                problem = module_path_problem(checked)
            else:
                problem = None if _NAME.fullmatch(checked) else "is not a valid name"
            if problem:
                raise ConfigError(
                    f"{where}: rename.{key}: {old!r} = {new!r}: {checked!r} {problem}",
                    'use plain names like flask = "framework"',
                )
        norm_old, norm_new = (old, new) if identifier else map(canonicalize_name, (old, new))
        if norm_old == norm_new:
            raise ConfigError(
                f"{where}: rename.{key}: {old!r} is renamed to itself",
                "give it a different new name or remove the line",
            )
        if norm_new in seen_new:
            raise ConfigError(
                f"{where}: rename.{key}: {seen_new[norm_new]!r} and {old!r} are both renamed "
                f"to {new!r}",
                "give each old name its own new name",
            )
        seen_new[norm_new] = old
    olds = {(o if identifier else canonicalize_name(o)) for o in value}
    clash = sorted(olds & set(seen_new))
    if clash:
        raise ConfigError(
            f"{where}: rename.{key}: {clash[0]!r} is both an old and a new name",
            "renames must not chain or swap; pick unused new names",
        )
    return dict(value)
