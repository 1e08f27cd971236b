"""Computing the shim: :func:`plan` (pure, printable) and :func:`default_shim_version`.

Reads the fork tree through :mod:`~forktool.shims.fork_tree` and
:mod:`~forktool.shims.fork_metadata`, and puts the generated runtime and stubs into the
:class:`~forktool.shims.model.ShimPlan`. Writes nothing.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Mapping, MutableMapping
from pathlib import Path

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from forktool.model import RenameMap, Tree
from forktool.shims.fork_metadata import ForkMetadata
from forktool.shims.fork_tree import Source, package_modules
from forktool.shims.model import ShimError, ShimPlan, stat_hint
from forktool.shims.runtime import runtime_source
from forktool.shims.stubs import Mapper, fill_memo, memo_key, stub, stub_of_names, stub_path

#: A module's stat and memo key: size, mtime_ns, ctime_ns, inode, key.
ModuleKey = tuple[int, int, int, int, str]
#: How long (ns) a file must have been left alone before its stat stands for its content.
_SETTLED_NS = 2_000_000_000


def plan(
    fork_tree: Path | Tree,
    rename: RenameMap,
    version: str,
    *,
    shim_version: str | None = None,
    memo: MutableMapping[str, list[str]] | None = None,
    mapper: Mapper | None = None,
    module_keys: MutableMapping[str, ModuleKey] | None = None,
) -> ShimPlan:
    """Compute the shim for one fork distribution. Reads ``fork_tree``, writes nothing.

    Args:
        fork_tree: the fork's source tree: a checkout directory, or an in-memory tree
            (path -> :class:`~forktool.model.FileEntry`), e.g. a transformed release.
        rename: the rename map; its packages found in ``fork_tree`` go into the shim, its
            distribution entry for the fork names the shim, its scripts become the
            shim's console scripts.
        version: the fork's version, pinned exactly by the shim (``Framework==3.1.3``).
        shim_version: the shim's own version; default :func:`default_shim_version`
            (``3.1.3+framework``).
        memo: private names of modules by content, see :func:`~forktool.shims.stubs.stub`.
        mapper: reads the modules the memo lacks all at once (see
            :func:`~forktool.shims.stubs.fill_memo`); None: one after the other.
        module_keys: with ``memo``, for a checkout on disk: each module's memo key by its
            path and stat, as an earlier plan read it (:func:`module_key`); a module
            whose stat is unchanged and whose key the memo holds is not read. Updated
            with the modules read now.

    Raises:
        ShimError: a version is not a PEP 440 version, the fork declares another version,
            the rename map names no distribution for the fork, no renamed package is in
            ``fork_tree``, or a renamed script is not declared by the fork.
    """
    source = Source.of(fork_tree)
    fork_version = _version(version, "fork version")
    meta = ForkMetadata.read(source)
    if meta.version and _version(meta.version, "fork's declared version") != fork_version:
        raise ShimError(
            f"the fork tree declares version {meta.version}, not {fork_version}",
            "pass the fork's own version (the shim pins it exactly)",
        )
    old_dist, new_dist = _distributions(rename, meta.name)
    if shim_version:
        version_out = _version(shim_version, "shim version")
    else:
        version_out = default_shim_version(fork_version, new_dist)

    packages: dict[str, str] = {}
    modules: dict[str, str] = {}  # new module name -> path of its source in the tree
    missing: list[str] = []
    for old, new in sorted(rename.packages.items()):
        found = package_modules(source, new)
        if found:
            packages[old] = new
            modules.update(found)
        else:
            missing.append(old)
    if not packages:
        wanted = ", ".join(sorted(rename.packages.values()))
        raise ShimError(
            f"none of the renamed packages ({wanted}) is in the fork tree {source.name}",
            "point at the fork's checkout (the directory holding pyproject.toml and src/)",
        )

    scripts, gui_scripts = _scripts(rename, meta)
    aliases = dict(sorted(packages.items()))
    files: dict[str, bytes] = {}
    aliased: list[str] = []
    stubbed = [  # real modules (not namespace packages): a stub re-exports their names
        path
        for new_module, path in modules.items()
        if path and new_module.rpartition(".")[2] != "__main__"
    ]
    known, read = _read_modules(source, stubbed, memo, module_keys)
    if memo is not None and mapper is not None:
        fill_memo([(data, path) for path, data in read.items()], memo, mapper)
    for new_module, path in sorted(modules.items()):
        if new_module.rpartition(".")[2] == "__main__":
            continue  # not aliased: "python -m old" runs the fork's file as __main__
        old_module = _old_name(new_module, aliases)
        aliased.append(old_module)
        if path:
            path_out = stub_path(old_module, path, aliases)
            if path in known:
                assert memo is not None
                text = stub_of_names(new_module, memo.get(known[path]) or ())
            else:
                text = stub(new_module, read[path], path, memo)
            files[path_out] = text.encode()
    for old in aliases:
        pkg_dir = old.replace(".", "/")
        files[f"{pkg_dir}/__init__.py"] = runtime_source(old, aliases).encode()
        files[f"{pkg_dir}/py.typed"] = b""
        files.setdefault(f"{pkg_dir}/__init__.pyi", stub(aliases[old], b"", "").encode())

    warnings = [
        f"{qualified} is renamed to {rename.symbols[qualified]}: the shim does not provide "
        "the old name"
        for qualified in sorted(rename.symbols)
        if any(qualified.startswith(old + ".") for old in packages)
    ]
    return ShimPlan(
        distribution=old_dist,
        fork_distribution=new_dist,
        version=version_out,
        fork_version=fork_version,
        packages=aliases,
        modules=tuple(sorted(aliased)),
        scripts=scripts,
        gui_scripts=gui_scripts,
        extras=meta.extras,
        requires_python=meta.requires_python,
        files=dict(sorted(files.items())),
        missing_packages=tuple(missing),
        warnings=tuple(warnings),
    )


def _read_modules(
    source: Source,
    paths: list[str],
    memo: MutableMapping[str, list[str]] | None,
    module_keys: MutableMapping[str, ModuleKey] | None,
) -> tuple[dict[str, str], dict[str, bytes]]:
    """The modules of ``paths``: (path -> memo key of those that need not be read, path
    -> content of the others). A module need not be read when it is on disk with the
    stat ``module_keys`` recorded and ``memo`` holds its key; the others' keys are
    recorded in ``module_keys`` (:func:`module_key`) as they are read."""
    if memo is None or module_keys is None or source.root is None:
        return {}, {path: source.read(path) for path in paths}
    known: dict[str, str] = {}
    read: dict[str, bytes] = {}
    now = time.time_ns()
    root = os.fspath(source.root)
    for path in paths:
        where = os.path.join(root, path)  # os.path: pathlib is slow on 50,000 files
        found = os.stat(where)  # a module may be a link: its target counts
        hint = module_keys.get(path)
        if hint is not None and hint[:4] == stat_hint(found) and hint[4] in memo:
            known[path] = hint[4]
            continue
        with open(where, "rb") as stream:
            read[path] = data = stream.read()
        recorded = module_key(found, path, data, now)
        if recorded is not None:
            module_keys[path] = recorded
        else:
            module_keys.pop(path, None)
    return known, read


def module_key(found: os.stat_result, path: str, data: bytes, now: int) -> ModuleKey | None:
    """What :func:`plan` records of a module it read: its stat (taken before reading) and
    memo key; None for a file changed less than :data:`_SETTLED_NS` before ``now`` (ns),
    whose next change could keep its times (git's "racily clean" entries)."""
    if found.st_ctime_ns > now - _SETTLED_NS or found.st_mtime_ns > now - _SETTLED_NS:
        return None
    return (*stat_hint(found), memo_key(data, path))


def default_shim_version(fork_version: str, fork_distribution: str) -> str:
    """The fork's version with the fork's name as local label: ``3.1.3+framework``.

    PEP 440 ignores a local label whenever a specifier has none, so the shim satisfies
    exactly the specifiers the upstream release satisfies (``Flask>=2.3``, ``==3.1.3``,
    ``<=3.1.3``, ``~=3.1``; a ``.post1`` would fail the last three), sorts just above it
    (so an index offering both picks the shim), and only the shim matches
    ``Flask==3.1.3+framework`` in a constraints file. A fork version that already has a
    local label is used as it is. Public PyPI refuses local versions, which is fine: a
    distribution named ``Flask`` can only be published on a private index anyway.
    """
    parsed = Version(fork_version)
    if parsed.local is not None:
        return str(parsed)
    label = re.sub(r"[^a-z0-9]+", ".", canonicalize_name(fork_distribution)).strip(".")
    return str(Version(f"{parsed}+{label or 'fork'}"))


def _version(text: str, what: str) -> str:
    try:
        return str(Version(text))
    except InvalidVersion as exc:
        raise ShimError(
            f"{what} {text!r} is not a PEP 440 version", "give a version like 3.1.3"
        ) from exc


def _distributions(rename: RenameMap, fork_name: str) -> tuple[str, str]:
    """The (old, new) distribution pair of the fork tree."""
    if not rename.distributions:
        raise ShimError(
            "the rename map has no [rename.distributions]: the shim takes the original's name",
            'add the distribution pair, e.g. Flask = "Framework"',
        )
    if fork_name:
        for old, new in rename.distributions.items():
            if canonicalize_name(new) == canonicalize_name(fork_name):
                return old, new
        raise ShimError(
            f"the fork tree is the distribution {fork_name!r}, which [rename.distributions] "
            "does not name",
            f'add its pair to [rename.distributions], e.g. Original = "{fork_name}"',
        )
    if len(rename.distributions) == 1:
        return next(iter(rename.distributions.items()))
    raise ShimError(
        "the fork tree declares no distribution name and [rename.distributions] has several",
        "add [project] name to the fork's pyproject.toml",
    )


def _old_name(new_module: str, aliases: Mapping[str, str]) -> str:
    for old, new in sorted(aliases.items(), key=lambda item: -len(item[1])):
        if new_module == new or new_module.startswith(new + "."):
            return old + new_module[len(new) :]
    raise AssertionError(new_module)  # only modules of the aliased packages get here


def _scripts(rename: RenameMap, meta: ForkMetadata) -> tuple[dict[str, str], dict[str, str]]:
    scripts: dict[str, str] = {}
    gui_scripts: dict[str, str] = {}
    for old, new in sorted(rename.scripts.items()):
        if new in meta.scripts:
            scripts[old] = meta.scripts[new]
        elif new in meta.gui_scripts:
            gui_scripts[old] = meta.gui_scripts[new]
        else:
            match = re.search(
                rf"""['"]\s*{re.escape(new)}\s*=\s*([\w.]+\s*:\s*[\w.]+)\s*['"]""", meta.setup_py
            )
            if not match:
                raise ShimError(
                    f"the fork declares no console script {new!r} (renamed from {old!r})",
                    "declare it in the fork's [project.scripts], or drop it from [rename.scripts]",
                )
            scripts[old] = re.sub(r"\s", "", match.group(1))
    return scripts, gui_scripts
