"""Writing the definition: the :class:`Plan`, the files' text, and putting them down.

:func:`make_plan` fixes what to write; :func:`render_definition` and :func:`render_series`
give the text of ``upstream/<name>.toml`` (commented like a hand-written one) and
``patches/<name>/series``; :func:`write` writes them only where nothing exists yet
(:func:`check_free`), removes them again if anything fails, and loads them back with
:func:`forktool.config.load` to prove they work. :func:`summary` is the ``--json`` output.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.items import Item, Table

from forktool import config as config_mod
from forktool.config import GitSource, PyPISource, UpstreamConfig
from forktool.errors import ConfigError, ForktoolError
from forktool.model import RenameMap
from forktool.patches import series as series_mod
from forktool.scaffold.guessing import describe
from forktool.scaffold.release import Inspection, source_for_definition
from forktool.upstream.urlauth import redact, split

#: Column where the hand-written definitions start their trailing comments.
_COMMENT_COLUMN = 35


@dataclass(frozen=True)
class Plan:
    """Everything to write, decided and checked.

    Attributes:
        name: the upstream name (``upstream/<name>.toml``).
        root: the fork definition's root directory.
        inspection: the release the guesses come from.
        rename: the rename map.
        fork_path: ``[fork] path`` as written (relative to ``root`` unless absolute).
        notes: what the user should know about the decisions (see :func:`decide`).
    """

    name: str
    root: Path
    inspection: Inspection
    rename: RenameMap
    fork_path: str
    notes: tuple[str, ...] = ()

    @property
    def definition_path(self) -> Path:
        """``<root>/upstream/<name>.toml``."""
        return self.root / "upstream" / f"{self.name}.toml"

    @property
    def series_path(self) -> Path:
        """``<root>/patches/<name>/series``."""
        return series_mod.series_path(self.root, self.name)


@dataclass(frozen=True)
class InitResult:
    """What ``forktool init`` wrote.

    Attributes:
        plan: what was decided.
        files: the files written, absolute.
        config: the definition as :func:`forktool.config.load` reads it back.
    """

    plan: Plan
    files: tuple[Path, ...]
    config: UpstreamConfig


def check_name(name: str) -> None:
    """Refuse an upstream name :func:`forktool.config.load` would not accept.

    Raises:
        ConfigError: letters, digits, ``.``, ``_`` and ``-`` only, starting with a letter
            or digit, not ending in ``.`` or ``.lock``.
    """
    if not config_mod.is_upstream_name(name):
        raise ConfigError(
            f"{name!r} is not a usable upstream name",
            "use letters, digits, '.', '_' or '-', e.g. forktool init my-upstream ...",
        )


def check_free(root: Path, name: str) -> None:
    """Refuse to scaffold ``name`` where any part of its definition exists already.

    Raises:
        ConfigError: ``upstream/<name>.toml``, ``upstream/<name>.lock`` or
            ``patches/<name>/`` exists.
    """
    for rel in (f"upstream/{name}.toml", f"upstream/{name}.lock", f"patches/{name}"):
        if (root / rel).exists() or (root / rel).is_symlink():
            raise ConfigError(
                f"{rel} already exists in {root}; forktool init never overwrites",
                f"pick another name (forktool init OTHER-NAME ...) or remove {rel} first",
            )


def make_plan(
    name: str,
    root: Path,
    inspection: Inspection,
    decided: tuple[RenameMap, tuple[str, ...]],
    fork_path: str | None = None,
) -> Plan:
    """The plan to write: the source as the definition says it (a local git path relative
    to ``root`` when inside it), the fork at ``forks/<name>`` unless ``fork_path`` is given.

    Raises:
        ConfigError: ``fork_path`` is empty.
    """
    if fork_path is not None and not fork_path.strip():
        raise ConfigError("--fork-path is empty", "give a directory, e.g. --fork-path ../myfork")
    source = source_for_definition(inspection.source, root)
    rename, notes = decided
    if _credentials_left_out(source):
        assert isinstance(source, PyPISource)
        notes = (
            *notes,
            f"the password of --index is not written to upstream/{name}.toml, which is meant "
            f"to be committed: when you sync, set {config_mod.INDEX_VARIABLE}="
            f"{redact(source.index)} (with the real password); forktool sends it to that "
            "host only",
        )
    return Plan(
        name=name,
        root=root,
        inspection=replace(inspection, source=source),
        rename=rename,
        fork_path=fork_path.strip() if fork_path else f"forks/{name}",
        notes=notes,
    )


def _credentials_left_out(source: PyPISource | GitSource) -> bool:
    """True for an index URL with credentials that the definition names without them
    (an index other than the default, whose credentials the environment already holds)."""
    return (
        isinstance(source, PyPISource)
        and split(source.index)[1] is not None
        and source.index != config_mod.default_index()
    )


def summary(result: InitResult) -> dict[str, Any]:
    """What init did, for ``--json`` (keys documented in docs/json.md); paths relative to
    the root."""
    plan = result.plan
    source, release = plan.inspection.source, plan.inspection.release
    described: dict[str, Any]
    if isinstance(source, PyPISource):
        described = {"type": "pypi", "project": source.project, "index": redact(source.index)}
    else:
        described = {"type": "git", "url": source.url, "tag-pattern": source.tag_pattern}
        described.update(tag=release.tag, commit=release.commit)
    guessed = plan.inspection.guess
    return {
        "schema": 1,
        "command": "init",
        "upstream": plan.name,
        "root": str(plan.root),
        "files": [path.relative_to(plan.root).as_posix() for path in result.files],
        "source": {**described, "release": release.version},
        "rename": {
            "packages": dict(plan.rename.packages),
            "distributions": dict(plan.rename.distributions),
            "scripts": dict(plan.rename.scripts),
            "keep": list(plan.rename.keep),
        },
        "guessed": {
            "packages": list(guessed.packages),
            "distribution": guessed.distribution,
            "scripts": list(guessed.scripts),
            "entry_point_groups": list(guessed.entry_point_groups),
            "repository": guessed.repository,
            "from": dict(guessed.origins),
        },
        "fork": {"path": plan.fork_path},
        "notes": list(plan.notes),
    }


def render_definition(plan: Plan) -> str:
    """The text of ``upstream/<name>.toml``, commented like a hand-written one."""
    inspection, guessed, rename = plan.inspection, plan.inspection.guess, plan.rename
    source, release = inspection.source, inspection.release
    main_new = next(iter(rename.packages.values()))
    doc = tomlkit.document()
    where = (
        f"the sdist of {release.version} on {split(source.index)[0]}"
        if isinstance(source, PyPISource)
        else f"tag {release.tag} of {source.url}"
    )
    header = [
        f'forktool upstream definition: {plan.name}, renamed to "{main_new}".',
        f"Made by `forktool init` from {where}.",
        "Guessed from that release (check them before the first sync):",
        *(f"  {line}" for line in describe(guessed)),
        'Every key is described in README.md, section "upstream/<name>.toml".',
    ]
    for line in header:
        doc.add(tomlkit.comment(line))
    doc.add(tomlkit.nl())

    table = tomlkit.table()
    if isinstance(source, PyPISource):
        _add(table, "type", "pypi", "releases are sdists on a package index")
        _add(table, "project", source.project, "the project's name on the index")
        if source.index == config_mod.default_index():
            # Left out, so that $FORKTOOL_INDEX (a mirror) still applies to this definition.
            table.add(tomlkit.comment(f'index = "{redact(source.index)}"  (the default)'))
        else:
            # Never a password: this file is committed. $FORKTOOL_INDEX gives it.
            _add(table, "index", split(source.index)[0], "base of the index's JSON API")
            if _credentials_left_out(source):
                table.add(
                    tomlkit.comment(
                        f"credentials: from ${config_mod.INDEX_VARIABLE} (same host), "
                        "never written here"
                    )
                )
        if guessed.repository:
            # Offered only: the conflict report fetches tags from it once it is uncommented.
            line = f"repository = {tomlkit.string(guessed.repository).as_string()}"
            table.add(tomlkit.comment(
                f"{line}{' ' * max(1, _COMMENT_COLUMN - 2 - len(line))}# from PKG-INFO "
                "Project-URL; uncomment for upstream commits and changelog in `forktool report`"
            ))  # fmt: skip
    else:
        _add(table, "type", "git", "releases are tags of a git repository")
        _add(table, "url", source.url, "URL, or a path relative to this directory")
        pattern = tomlkit.string(source.tag_pattern, literal="'" not in source.tag_pattern)
        if source.tag_pattern == config_mod.DEFAULT_TAG_PATTERN:
            table.add(tomlkit.comment(f"tag-pattern = {pattern.as_string()}  (the default)"))
        else:
            _add(table, "tag-pattern", pattern, 'which tags are releases; "version" is the version')
    doc.add("source", table)

    rename_table = tomlkit.table(is_super_table=True)
    if rename.keep:
        _add(
            rename_table,
            "keep",
            list(rename.keep),
            "entry-point groups extensions register under: never renamed",
        )
    else:
        keep = "keep = []"
        rename_table.add(tomlkit.comment(
            keep + " " * (_COMMENT_COLUMN - 2 - len(keep)) + "# strings never renamed, e.g. an "
            "entry-point group"
        ))  # fmt: skip
    titles = {
        "packages": "import packages: old = new",
        "distributions": "distribution (project) names",
        "scripts": "console scripts",
    }
    for key, title in titles.items():
        mapping = getattr(rename, key)
        if mapping:
            rename_table.add(key, _titled(f"[rename.{key}]", title, mapping))
    doc.add("rename", rename_table)

    fork = tomlkit.table()
    _add(fork, "path", plan.fork_path, "the fork repository, relative to this directory")
    _add(fork, "branch", "main", "the fork branch")
    doc.add("fork", fork)
    return tomlkit.dumps(doc)


def render_series(plan: Plan) -> str:
    """The text of a new, empty ``patches/<name>/series``: comments explaining the format."""
    return (
        f"# The fork's patch series for {plan.name}, applied in order to every renamed release\n"
        "# before it is merged into the fork. One file of this directory per line; '#' starts\n"
        "# a comment. *.py: codemod patches (built from forktool.patchapi); *.patch: unified\n"
        "# diffs, e.g. made from a fork commit with 'forktool patch add COMMIT'.\n"
        '# See README.md, section "The patch series".\n'
    )


def write(plan: Plan) -> InitResult:
    """Write the definition and the series, then load them back.

    Nothing is overwritten: each file appears whole (written beside it, then linked into
    place, which fails if the name exists), and when anything fails every file and
    directory made here is removed again.

    Raises:
        ConfigError: a file exists already, a file cannot be written, or what was
            written does not load (a bug: it is removed and the reason given).
    """
    check_free(plan.root, plan.name)
    made: list[Path] = []  # files and directories created, in order
    try:
        for directory in (plan.definition_path.parent, plan.series_path.parent):
            made.extend(_mkdirs(directory))
        _write_new(plan.series_path, render_series(plan))
        made.append(plan.series_path)
        _write_new(plan.definition_path, render_definition(plan))
        made.append(plan.definition_path)
        try:
            loaded = config_mod.load(plan.root, plan.name)
            series_mod.load(plan.root, plan.name)
        except ForktoolError as exc:
            raise ConfigError(
                f"forktool init wrote a definition that does not load ({exc.message}); removed it",
                "this is a bug in forktool init: report it with the command line used",
            ) from exc
    except BaseException:
        _remove(made)
        raise
    return InitResult(plan, (plan.definition_path, plan.series_path), loaded)


def _mkdirs(directory: Path) -> list[Path]:
    """Create ``directory`` and missing parents; return the ones created, outermost first."""
    missing = [d for d in (directory, *directory.parents) if not d.exists()]
    created = []
    for path in reversed(missing):
        try:
            path.mkdir()
        except FileExistsError:
            continue
        except OSError as exc:
            raise ConfigError(
                f"cannot create {path}: {exc.strerror or exc}", "check the directory's permissions"
            ) from exc
        created.append(path)
    return created


def _write_new(path: Path, text: str) -> None:
    """Write ``path`` whole, failing if it exists (temporary file, then a hard link)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # as open() would; mkstemp makes it private (0600)
        try:
            os.link(tmp, path)
        except FileExistsError:
            raise ConfigError(
                f"{path} already exists; forktool init never overwrites", f"remove {path} first"
            ) from None
        except OSError:  # no hard links on this file system: check, then rename
            if path.exists():
                raise ConfigError(
                    f"{path} already exists; forktool init never overwrites",
                    f"remove {path} first",
                ) from None
            os.replace(tmp, path)
    except ConfigError:
        raise
    except OSError as exc:
        raise ConfigError(
            f"cannot write {path}: {exc.strerror or exc}", "check the directory's permissions"
        ) from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def _remove(made: list[Path]) -> None:
    for path in reversed(made):
        with contextlib.suppress(OSError):
            if path.is_dir():
                path.rmdir()  # only empty: what we created holds only what we wrote
            else:
                path.unlink()


def _add(table: Table, key: str, value: Any, comment: str) -> None:
    """``key = value`` with a trailing comment aligned like the hand-written definitions."""
    item: Item = tomlkit.item(value)
    width = len(f"{key} = {item.as_string()}")
    item.comment(comment)
    item.trivia.comment_ws = " " * max(2, _COMMENT_COLUMN - width)
    table.add(key, item)


def _titled(header: str, title: str, mapping: Mapping[str, str]) -> Table:
    """A table of ``old = new`` lines whose ``header`` line carries ``title`` as a comment."""
    table = tomlkit.table()
    for old, new in mapping.items():
        table.add(old, new)
    table.comment(title)
    table.trivia.comment_ws = " " * max(2, _COMMENT_COLUMN - len(header))
    return table
