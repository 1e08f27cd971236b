"""An extension's test suite, found in its sdist rather than hand-fed.

The sdist is downloaded from the index and its sha256 checked against the index before
anything is unpacked (:func:`forktool.upstream.pypi.fetch_release`), then read safely
(:mod:`forktool.upstream.archive`) and written out under a work directory. From its files:

- **test dependencies**, from the first of these the project declares:
  ``[project.optional-dependencies]`` ``test``/``tests``/``testing`` of
  ``pyproject.toml``; ``[dependency-groups]`` of the same names (``include-group``
  followed); ``deps`` of ``tox.ini``'s ``[testenv]`` (factor-conditional lines such as
  ``min: ...`` and ``{...}`` substitutions left out, ``-r FILE`` followed inside the
  sdist); ``requirements/test(s|ing).(in|txt)`` and the like. A ``-r`` of a compiled
  ``X.txt`` reads ``X.in`` beside it when there is one (the project's direct
  dependencies); exact pins (``==``) of requirement files are dropped, since they were
  resolved for another release of the framework and would fight the run's own
  resolution. Requirements naming the framework's distributions or the extension itself
  are dropped (they are what the run installs). ``pytest`` is added when missing.
- **tests and pytest configuration**, found as pytest finds them: ``pytest.ini``,
  ``pyproject.toml`` ``[tool.pytest.ini_options]``, ``tox.ini`` ``[pytest]``,
  ``setup.cfg`` ``[tool:pytest]``; their ``testpaths``; else a ``tests``/``test``
  directory, else ``test_*.py`` files anywhere.

What cannot be found is said in :attr:`Suite.notes` or :attr:`Suite.problem`, never
raised for one extension.
"""

from __future__ import annotations

import configparser
import os
import re
import shutil
import tomllib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from forktool.model import Release, Tree
from forktool.upstream import pypi

#: Names of extras and dependency groups that hold test dependencies, in order of preference.
TEST_GROUPS = ("test", "tests", "testing")
#: Requirement files tried when nothing else declares test dependencies, in order.
REQUIREMENT_FILES = (
    "requirements/tests.in",
    "requirements/test.in",
    "requirements/testing.in",
    "requirements/tests.txt",
    "requirements/test.txt",
    "requirements/testing.txt",
    "requirements-tests.txt",
    "requirements-test.txt",
    "requirements_test.txt",
    "test-requirements.txt",
    "tests/requirements.txt",
)
#: pytest's configuration files, in the order pytest looks at them, with the section.
PYTEST_CONFIGS = (
    ("pytest.ini", "pytest"),
    ("pyproject.toml", "tool.pytest.ini_options"),
    ("tox.ini", "pytest"),
    ("setup.cfg", "tool:pytest"),
)
_FACTOR = re.compile(r"^[A-Za-z0-9_.,!{}-]+:\s")


@dataclass(frozen=True)
class Suite:
    """An extension's sdist, unpacked, and what its tests need.

    Attributes:
        name: the distribution name as the index spells it (``Flask-Login``).
        version: the release tested.
        sha256: the sdist's sha256 (hex), as the index lists it and the download matched.
        directory: the unpacked sdist (its top-level directory stripped).
        test_requirements: requirement strings to install beside the extension, in the
            order found (framework and extension left out, ``pytest`` added if missing).
        dependency_source: where they were read (``"tox.ini [testenv] deps ->
            requirements/tests.in"``); ``""`` when nothing declares them.
        test_paths: what pytest is given on its command line: ``()`` when the project's
            configuration names ``testpaths`` (pytest uses them), else the test
            directories or files found.
        pytest_config: the file and section configuring pytest (``"setup.cfg
            [tool:pytest]"``), or ``""``.
        problem: why the suite cannot run (``"no tests in the sdist"``), or ``""``.
        notes: what else the report should say (``"test dependencies not found: ran with
            pytest alone"``, pins dropped).
    """

    name: str
    version: str
    sha256: str
    directory: Path
    test_requirements: tuple[str, ...]
    dependency_source: str
    test_paths: tuple[str, ...]
    pytest_config: str
    problem: str = ""
    notes: tuple[str, ...] = field(default=())


def fetch(
    name: str,
    release: Release,
    work: Path,
    *,
    index: str,
    cache: Path | None,
    framework: frozenset[str],
) -> Suite:
    """Download ``release`` of extension ``name`` (verified), unpack it under ``work`` and
    find its test suite.

    Args:
        name: the distribution name.
        release: from :func:`forktool.extensions.listing.pick_release`.
        work: a directory to unpack into (``<work>/<name>-<version>``, replaced if there).
        index: the index the release was listed by (its credentials go with the download).
        cache: where verified sdists are kept by sha256, or None.
        framework: the normalized names of the framework's distributions (``{"flask"}``):
            test requirements naming them are dropped.

    Raises:
        SourceError: the download failed, its sha256 does not match, or the archive is
            unsafe (see :func:`forktool.upstream.pypi.fetch_release`).
    """
    tree = pypi.fetch_release(release, cache, index_url=index)
    directory = work / f"{canonicalize_name(name)}-{release.version}"
    unpack(tree, directory)
    return discover(name, release.version, release.sha256 or "", directory, framework=framework)


def unpack(tree: Tree, directory: Path) -> None:
    """Write ``tree`` (already checked safe by the archive reader) to ``directory``,
    replacing it: files with their executable bit, symlinks as symlinks."""
    if directory.exists():
        shutil.rmtree(directory)
    for path, entry in sorted(tree.items()):
        target = directory / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if entry.symlink:
            os.symlink(entry.data.decode(), target)
            continue
        target.write_bytes(entry.data)
        if entry.executable:
            target.chmod(0o755)


def discover(
    name: str, version: str, sha256: str, directory: Path, *, framework: frozenset[str]
) -> Suite:
    """The test suite of the unpacked sdist in ``directory`` (see the module doc)."""
    notes: list[str] = []
    dropped = framework | {canonicalize_name(name)}
    found = _declared(directory, notes)
    source, raw = found if found else ("", [])
    requirements = _filtered(raw, dropped, directory, name)
    if not found:
        notes.append("test dependencies not found: ran with pytest alone")
    if not any(_requirement_name(r) == "pytest" for r in requirements):
        requirements.append("pytest")
        if found:
            notes.append("pytest added: the declared test dependencies do not name it")
    config, testpaths = _pytest_config(directory)
    problem = ""
    paths: tuple[str, ...] = ()
    if testpaths:
        present = [p for p in testpaths if any(directory.glob(p))]
        if not present:
            problem = f"no tests in the sdist (testpaths {', '.join(testpaths)} not in it)"
    else:
        paths = _test_paths(directory)
        if not paths:
            problem = "no tests in the sdist"
    return Suite(
        name=name,
        version=version,
        sha256=sha256,
        directory=directory,
        test_requirements=tuple(requirements),
        dependency_source=source,
        test_paths=paths,
        pytest_config=config,
        problem=problem,
        notes=tuple(notes),
    )


# -- test dependencies ---------------------------------------------------------------------


def _declared(directory: Path, notes: list[str]) -> tuple[str, list[str]] | None:
    """(where, requirement lines) from the first source that declares test dependencies."""
    pyproject = _toml(directory / "pyproject.toml")
    extras = pyproject.get("project", {}).get("optional-dependencies", {})
    for group in TEST_GROUPS:
        if isinstance(extras.get(group), list):
            lines = _extra(extras, group)
            return f"pyproject.toml [project.optional-dependencies] {group}", lines
    groups = pyproject.get("dependency-groups", {})
    for group in TEST_GROUPS:
        if isinstance(groups.get(group), list):
            return f"pyproject.toml [dependency-groups] {group}", _group(groups, group, set())
    tox = _ini(directory / "tox.ini")
    if tox is not None and tox.has_option("testenv", "deps"):
        lines, via = _tox_deps(tox.get("testenv", "deps"), directory, notes)
        if lines:
            return "tox.ini [testenv] deps" + "".join(f" -> {v}" for v in via), lines
    for candidate in REQUIREMENT_FILES:
        path = directory / candidate
        if path.is_file():
            lines, read = _requirements_file(path, directory, notes, set())
            return " -> ".join(read), lines
    return None


def _extra(extras: dict[str, Any], group: str) -> list[str]:
    """The requirement strings of one extra."""
    return [line for line in extras.get(group, []) if isinstance(line, str)]


def _group(groups: dict[str, Any], group: str, seen: set[str]) -> list[str]:
    """A PEP 735 dependency group's requirements, ``include-group`` followed once each."""
    if group in seen:
        return []
    seen.add(group)
    lines: list[str] = []
    for item in groups.get(group, []):
        if isinstance(item, str):
            lines.append(item)
        elif isinstance(item, dict) and isinstance(item.get("include-group"), str):
            lines += _group(groups, item["include-group"], seen)
    return lines


def _tox_deps(text: str, directory: Path, notes: list[str]) -> tuple[list[str], list[str]]:
    """Requirement lines of a tox ``deps`` value and the files it pulled in."""
    lines: list[str] = []
    via: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "{" in line or _FACTOR.match(line):
            continue
        if line.startswith(("-r", "--requirement")):
            target = line.split(None, 1)[1] if " " in line else line[2:]
            path = directory / target.strip()
            if _inside(path, directory) and path.is_file():
                more, read = _requirements_file(path, directory, notes, set())
                lines += more
                via += read
            continue
        if line.startswith("-"):
            continue
        lines.append(line)
    return lines, via


def _requirements_file(
    path: Path, directory: Path, notes: list[str], seen: set[Path]
) -> tuple[list[str], list[str]]:
    """A requirements file's requirement lines (``-r`` followed inside the sdist) and the
    files read, relative to ``directory``. A compiled ``X.txt`` with ``X.in`` beside it is
    read as ``X.in``; exact pins of a ``.txt`` file are dropped, with a note."""
    source = path.with_suffix(".in")
    if path.suffix == ".txt" and source.is_file():
        path = source
    if path in seen:
        return [], []
    seen.add(path)
    relative = path.relative_to(directory).as_posix()
    lines: list[str] = []
    read = [relative]
    pins = 0
    for raw in path.read_text(encoding="utf-8", errors="replace").splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(("-r", "--requirement")):
            target = line.split(None, 1)[1] if " " in line else line[2:]
            nested = path.parent / target.strip()
            if _inside(nested, directory) and nested.is_file():
                more, files = _requirements_file(nested, directory, notes, seen)
                lines += more
                read += files
            continue
        if line.startswith("-"):
            continue
        unpinned = _unpinned(line)
        pins += unpinned != line
        lines.append(unpinned)
    if pins:
        plural = "pin" if pins == 1 else "pins"
        notes.append(f"{relative}: {pins} exact {plural} dropped (resolved afresh for this run)")
    return lines, read


def _unpinned(line: str) -> str:
    """``line`` without an exact ``==``/``===`` pin (its name, extras and marker kept)."""
    try:
        requirement = Requirement(line)
    except InvalidRequirement:
        return line
    if not any(spec.operator in ("==", "===") for spec in requirement.specifier):
        return line
    extras = f"[{','.join(sorted(requirement.extras))}]" if requirement.extras else ""
    marker = f"; {requirement.marker}" if requirement.marker else ""
    return f"{requirement.name}{extras}{marker}"


def _filtered(lines: list[str], dropped: frozenset[str], directory: Path, name: str) -> list[str]:
    """Parseable requirements, without those in ``dropped``, duplicates removed; the
    extension's own extras (``name[async]``) expanded from its pyproject.toml."""
    kept: list[str] = []
    extras = _toml(directory / "pyproject.toml").get("project", {}).get("optional-dependencies", {})
    own = canonicalize_name(name)
    for line in lines:
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            continue
        key = canonicalize_name(requirement.name)
        if key == own and requirement.extras:
            for extra in sorted(requirement.extras):
                kept += _filtered(_extra(extras, extra), dropped, directory, "")
            continue
        if key in dropped or requirement.url:
            continue
        if str(requirement) not in kept:
            kept.append(str(requirement))
    return list(dict.fromkeys(kept))


def _requirement_name(text: str) -> str:
    return canonicalize_name(Requirement(text).name)


# -- tests and pytest's configuration ---------------------------------------------------------


def _pytest_config(directory: Path) -> tuple[str, tuple[str, ...]]:
    """(``"file [section]"``, testpaths) of the configuration pytest would use."""
    for filename, section in PYTEST_CONFIGS:
        path = directory / filename
        if not path.is_file():
            continue
        if filename == "pyproject.toml":
            table = _toml(path).get("tool", {}).get("pytest", {}).get("ini_options")
            if isinstance(table, dict):
                paths = table.get("testpaths", [])
                paths = paths.split() if isinstance(paths, str) else paths
                return f"{filename} [{section}]", tuple(str(p) for p in paths)
            continue
        ini = _ini(path)
        if ini is not None and ini.has_section(section):
            paths = ini.get(section, "testpaths", fallback="").split()
            return f"{filename} [{section}]", tuple(paths)
        if filename == "pytest.ini":
            return filename, ()  # pytest.ini counts even without [pytest]
    return "", ()


def _test_paths(directory: Path) -> tuple[str, ...]:
    """Test directories (``tests``, ``test``) or, without them, ``test_*.py`` files."""
    named = tuple(d for d in ("tests", "test") if (directory / d).is_dir())
    if named:
        return named
    files = sorted(
        p.relative_to(directory).as_posix()
        for pattern in ("test_*.py", "*_test.py")
        for p in directory.rglob(pattern)
        if "docs" not in p.relative_to(directory).parts
    )
    return tuple(files)


# -- files ---------------------------------------------------------------------------------


def _toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _ini(path: Path) -> configparser.ConfigParser | None:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, configparser.Error):
        return None
    return parser


def _inside(path: Path, directory: Path) -> bool:
    try:
        PurePosixPath(path.resolve().relative_to(directory.resolve()))
    except ValueError:
        return False
    return True
