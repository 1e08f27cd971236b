"""Writing a shim to disk: :func:`write` puts down the source tree and the wheel.

It replaces or deletes only what it generated itself, and proves it: the directory's
manifest (:mod:`forktool.shims.manifest`) records every file it wrote with the sha256 of
what it wrote. A file that is not in the manifest (the user's: notes, a ``build/`` pip
left, anything) is never touched; a generated file the user edited since is neither
overwritten nor deleted: the write is refused, naming it, before anything changes. The
wheels of earlier shims of the same distribution are removed (they are in the manifest),
so that ``pip install <out>/*.whl`` finds exactly one.

Crash safety: before changing anything the manifest records the write as under way, with
both the old and the new digest of every file it will change; each file is written to
forktool's scratch directory ``.<Dist>-shim.partial/`` and renamed into place, so a file
holds its old or its new content, never half. A killed write is seen as incomplete
(:func:`is_complete`) and the next write finishes it.
"""

from __future__ import annotations

import fcntl
import io
import os
import shutil
import stat
import zipfile
from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name

from forktool.shims import manifest
from forktool.shims.dist_files import source_files
from forktool.shims.manifest import Record, sha256
from forktool.shims.model import (
    GENERATED,
    ShimError,
    ShimPlan,
    ShimResult,
    StatHint,
    stat_hint,
)
from forktool.shims.wheel import GENERATOR, wheel_bytes


@dataclass(frozen=True)
class _Changes:
    """What a write does: files to (re)write and stale generated files to delete; and the
    stat hints of the wanted files that already hold what is wanted."""

    writes: tuple[str, ...]
    deletes: tuple[str, ...]
    stats: Mapping[str, StatHint]


def write(
    shim: ShimPlan, out_dir: Path, stats: MutableMapping[str, StatHint] | None = None
) -> ShimResult:
    """Write the shim's source tree and wheel below ``out_dir`` (created if needed).

    Generated files of an earlier write (recorded in ``out_dir/.forktool-shim.json``
    with their sha256) are replaced when their content differs, or deleted when this shim
    no longer has them (earlier versions' wheels, stubs of removed modules); files that
    already hold the right content are not rewritten. Nothing else in ``out_dir`` is
    touched. A directory written by a forktool without the manifest is taken over as
    described in docs/shims.md ("What forktool touches in the output directory").

    Args:
        shim: the plan, from :func:`forktool.shims.plan`.
        out_dir: the output directory (``[shim] out``, ``--out``, ``forks/<name>.shim``).
        stats: the stat of each file (path relative to ``out_dir``) as an earlier write
            left or found it, kept by the caller between writes: a file whose recorded
            digest is already the one wanted and whose stat is unchanged is not read (it
            is not touched either: replacing or deleting a file always reads it and
            checks its digest). Updated in place with this write's files.

    Returns:
        where the source tree and the wheel are.

    Raises:
        ShimError: a generated file was edited since forktool wrote it; a file forktool
            did not write is where a generated file goes (e.g. the real distribution's
            wheel, a source tree of the user's); the manifest is damaged; ``out_dir``
            is not writable. Nothing in ``out_dir`` is changed then.
    """
    out_dir = Path(out_dir)
    result = ShimResult(
        plan=shim, source_dir=out_dir / shim.source_dir_name, wheel=out_dir / shim.wheel_name
    )
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with _locked(out_dir):
            records = manifest.read(out_dir)
            record = (records or {}).get(_key(shim))
            wanted = _wanted(shim)
            digests = {rel: sha256(data) for rel, data in wanted.items()}
            owned = record.files if record is not None else _legacy_owned(shim, out_dir)
            _check_wheel(out_dir, shim, wanted, owned)
            hints = stats if stats is not None and record and not record.writing else {}
            changes = _changes(out_dir, wanted, digests, owned, hints)
            staging = _staging(shim, out_dir)
            finished = (
                record is not None
                and not record.writing
                and record.files == {rel: {digest} for rel, digest in digests.items()}
                and not os.path.lexists(staging)
            )
            if finished and not changes.writes and not changes.deletes:
                _remember(stats, changes.stats)
                return result
            _apply(out_dir, shim, dict(records or {}), owned, digests, wanted, changes)
            if stats is not None:
                written = {rel: stat_hint(os.lstat(out_dir / rel)) for rel in changes.writes}
                _remember(stats, {**changes.stats, **written})
    except OSError as exc:
        raise ShimError(
            f"cannot write the shim to {out_dir}: {exc.strerror or exc}",
            "choose a writable output directory",
        ) from exc
    return result


def is_complete(shim: ShimPlan, out_dir: Path) -> bool:
    """True when ``out_dir`` holds this shim as a finished write left it: the manifest
    records exactly this shim's files, no write is under way or was killed, and every
    file is there. Reads only; a damaged manifest counts as incomplete."""
    try:
        records = manifest.read(out_dir)
    except ShimError:
        return False
    record = (records or {}).get(_key(shim))
    if record is None or record.writing or os.path.lexists(_staging(shim, out_dir)):
        return False
    names = _wanted_names(shim)
    return set(record.files) == names and all((out_dir / rel).is_file() for rel in names)


def _apply(
    out_dir: Path,
    shim: ShimPlan,
    records: dict[str, Record],
    owned: Mapping[str, frozenset[str]],
    new: Mapping[str, str],
    wanted: Mapping[str, bytes],
    changes: _Changes,
) -> None:
    """Carry out ``changes``, recording them in the manifest first (see the module doc);
    ``new``: the sha256 of each file of ``wanted``."""
    key = _key(shim)
    pending = {rel: owned.get(rel, frozenset()) | {digest} for rel, digest in new.items()}
    pending.update({rel: owned[rel] for rel in changes.deletes})
    records[key] = Record(pending, writing=True)
    manifest.write(out_dir, records)

    staging = _staging(shim, out_dir)
    if staging.is_dir() and not staging.is_symlink():  # left by a killed write
        shutil.rmtree(staging)
    elif os.path.lexists(staging):
        staging.unlink()
    staging.mkdir()
    for rel in changes.deletes:
        (out_dir / rel).unlink()
    _remove_empty_parents(out_dir, [rel for rel in owned if rel not in wanted])
    for number, rel in enumerate(changes.writes):
        scratch = staging / str(number)
        scratch.write_bytes(wanted[rel])
        target = out_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(scratch, target)
    staging.rmdir()

    records[key] = Record({rel: frozenset({digest}) for rel, digest in new.items()})
    manifest.write(out_dir, records)


def _remember(stats: MutableMapping[str, StatHint] | None, found: Mapping[str, StatHint]) -> None:
    """Make ``stats`` hold exactly ``found`` (the files as this write left them)."""
    if stats is not None:
        stats.clear()
        stats.update(found)


def _changes(
    out_dir: Path,
    wanted: Mapping[str, bytes],
    digests: Mapping[str, str],
    owned: Mapping[str, frozenset[str]],
    hints: Mapping[str, StatHint],
) -> _Changes:
    """What to write and delete so ``out_dir`` holds ``wanted``, touching only ``owned``.

    A file whose one recorded digest is the one wanted (``digests``) and whose stat is
    its hint in ``hints`` is taken as holding it without being read: it is neither
    rewritten nor deleted, so nothing rests on the hint (a file to be replaced or deleted
    is always read, and its digest checked).

    Raises:
        ShimError: an owned file was edited (its digest is not a recorded one), or
            something forktool does not own is where a generated file goes.
    """
    edited: list[str] = []
    in_way: list[str] = []
    deletes: list[str] = []
    for rel in sorted(set(owned) - set(wanted)):
        path = out_dir / rel
        if path.is_symlink() or not path.is_file():
            continue  # gone, or replaced by something of the user's: not ours any more
        if sha256(path.read_bytes()) in owned[rel]:
            deletes.append(rel)
        else:
            edited.append(rel)
    deleted = set(deletes)
    writes: list[str] = []
    parents: dict[str, str] = {}
    stats: dict[str, StatHint] = {}
    top = os.fspath(out_dir)
    for rel, data in wanted.items():
        blocker = _blocking_parent(out_dir, rel, parents)
        if blocker is not None:
            if blocker not in deleted and blocker not in in_way:
                in_way.append(blocker)
            elif blocker in deleted:
                writes.append(rel)
            continue
        where = os.path.join(top, rel)  # os.path: pathlib is slow on 50,000 files
        try:
            found = os.lstat(where)
        except FileNotFoundError:
            writes.append(rel)
            continue
        if not stat.S_ISREG(found.st_mode):
            in_way.append(rel)
            continue
        hint = stat_hint(found)
        if hints.get(rel) == hint and owned.get(rel) == frozenset({digests[rel]}):
            stats[rel] = hint  # as forktool left it, and what is wanted: not read
        elif (current := _read(where)) == data:
            stats[rel] = hint
        elif rel not in owned:
            in_way.append(rel)
        elif sha256(current) in owned[rel]:
            writes.append(rel)
        else:
            edited.append(rel)
    if edited:
        raise ShimError(
            f"{_named(out_dir, edited)} was generated by forktool but has been edited since"
            f"{_more(edited)}",
            "forktool never overwrites or deletes an edited file: move your changes out of "
            "it, or delete it, then run 'forktool shims' to regenerate it",
        )
    if in_way:
        raise ShimError(
            f"{_named(out_dir, in_way)} is where forktool writes the shim, and forktool did "
            f"not write it{_more(in_way)}",
            "forktool only replaces files it generated: move it away, or write the shim "
            "elsewhere ([shim] out in the upstream definition, or --out)",
        )
    return _Changes(tuple(writes), tuple(deletes), stats)


def _read(path: str) -> bytes:
    with open(path, "rb") as stream:
        return stream.read()


def _blocking_parent(out_dir: Path, rel: str, seen: dict[str, str]) -> str | None:
    """The first parent of ``rel`` (below ``out_dir``) that is not a real directory.

    Args:
        seen: what each parent looked at so far is (``dir``, ``missing``, ``blocks``),
            shared by the calls of one pass so each directory is looked at once.
    """
    parts = rel.split("/")[:-1]
    for depth in range(1, len(parts) + 1):
        parent = "/".join(parts[:depth])
        if parent not in seen:
            path = out_dir / parent
            if path.is_symlink() or (path.exists() and not path.is_dir()):
                seen[parent] = "blocks"
            else:
                seen[parent] = "dir" if path.exists() else "missing"
        if seen[parent] == "blocks":
            return parent
        if seen[parent] == "missing":
            return None
    return None


def _remove_empty_parents(out_dir: Path, rels: list[str]) -> None:
    """Remove the directories that held generated files and are empty now (deepest first;
    never ``out_dir``). An empty directory holds nothing of anyone's."""
    parents = {
        "/".join(rel.split("/")[:depth]) for rel in rels for depth in range(1, rel.count("/") + 1)
    }
    for parent in sorted(parents, key=lambda p: p.count("/"), reverse=True):
        path = out_dir / parent
        if path.is_dir() and not path.is_symlink() and not any(path.iterdir()):
            path.rmdir()


def _check_wheel(
    out_dir: Path, shim: ShimPlan, wanted: Mapping[str, bytes], owned: Mapping[str, frozenset[str]]
) -> None:
    """Refuse a wheel of the same name that no forktool generated (the real one's!)."""
    wheel = out_dir / shim.wheel_name
    if (
        shim.wheel_name not in owned
        and wheel.is_file()
        and not _is_ours(wheel)
        and wheel.read_bytes() != wanted[shim.wheel_name]
    ):
        raise ShimError(
            f"{wheel} exists and is not a forktool shim (the real distribution's wheel?)",
            "move it away or choose another output directory",
        )


def _legacy_owned(shim: ShimPlan, out_dir: Path) -> dict[str, frozenset[str]]:
    """What a forktool older than the manifest provably wrote in ``out_dir`` for this
    distribution, with each file's current digest.

    - wheels of the distribution whose ``WHEEL`` names forktool as generator, and their
      ``.whl.part`` temporary files (forktool's own names);
    - in ``<Dist>-shim/`` (refused unless its ``pyproject.toml`` carries forktool's
      header): ``pyproject.toml`` and ``README.md`` with forktool's header, and each
      package file identical to the same file in one of those wheels (the old forktool
      wrote both from the same plan; a file that differs was edited, and is not taken).

    Raises:
        ShimError: ``<Dist>-shim/`` exists and was not generated by forktool.
    """
    owned: dict[str, frozenset[str]] = {}
    stem = shim.wheel_name.split("-", 1)[0]
    in_wheels: dict[str, set[str]] = {}
    for wheel in sorted(out_dir.glob(f"{stem}-*.whl")):
        if wheel.is_symlink() or not wheel.is_file() or not _is_ours(wheel):
            continue
        data = wheel.read_bytes()
        owned[wheel.name] = frozenset({sha256(data)})
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for name in archive.namelist():
                if ".dist-info/" not in name:
                    in_wheels.setdefault(name, set()).add(sha256(archive.read(name)))
    for part in sorted(out_dir.glob(f"{stem}-*.whl.part")):
        if part.is_file() and not part.is_symlink():
            owned[part.name] = frozenset({sha256(part.read_bytes())})
    source_dir = out_dir / shim.source_dir_name
    if source_dir.is_symlink() or not source_dir.is_dir():
        if os.path.lexists(source_dir):
            _not_generated(source_dir)
        return owned
    pyproject = source_dir / "pyproject.toml"
    if not (pyproject.is_file() and _has_header(pyproject.read_bytes(), "pyproject.toml")):
        _not_generated(source_dir)
    for parent, _dirs, names in os.walk(source_dir):
        for name in names:
            path = Path(parent, name)
            if path.is_symlink() or not path.is_file():
                continue
            inner = path.relative_to(source_dir).as_posix()
            data = path.read_bytes()
            digest = sha256(data)
            if _has_header(data, inner) or digest in in_wheels.get(inner, ()):
                owned[f"{shim.source_dir_name}/{inner}"] = frozenset({digest})
    return owned


def _has_header(data: bytes, inner: str) -> bool:
    """True for the source tree's ``pyproject.toml`` or ``README.md`` as forktool writes
    them (its "Generated by forktool" line where it puts it)."""
    text = data[:2000].decode("utf-8", "replace")
    if inner == "pyproject.toml":
        return GENERATED in text.split("\n", 1)[0]
    if inner == "README.md":
        return f"\n{GENERATED}. This is not " in text
    return False


def _not_generated(source_dir: Path) -> None:
    raise ShimError(
        f"{source_dir} exists and was not generated by forktool",
        "move it away or choose another output directory",
    )


def _wanted(shim: ShimPlan) -> dict[str, bytes]:
    """Every file of the shim, path relative to the output directory -> content."""
    files = {f"{shim.source_dir_name}/{rel}": data for rel, data in source_files(shim).items()}
    files[shim.wheel_name] = wheel_bytes(shim)
    return files


def _wanted_names(shim: ShimPlan) -> set[str]:
    """The paths of :func:`_wanted` without building the wheel."""
    return {f"{shim.source_dir_name}/{rel}" for rel in source_files(shim)} | {shim.wheel_name}


def _key(shim: ShimPlan) -> str:
    """The shim's key in the manifest: its distribution, PEP 503 normalized."""
    return str(canonicalize_name(shim.distribution))


def _staging(shim: ShimPlan, out_dir: Path) -> Path:
    """forktool's scratch directory for one write; it exists only while a write runs."""
    return out_dir / f".{shim.source_dir_name}.partial"


def _named(out_dir: Path, rels: list[str]) -> Path:
    return out_dir / rels[0]


def _more(rels: list[str]) -> str:
    return f" (and {len(rels) - 1} more)" if len(rels) > 1 else ""


@contextmanager
def _locked(out_dir: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``out_dir`` itself: shims of several upstreams may
    share the directory and its manifest, and each read-modify-write of it is whole."""
    fd = os.open(out_dir, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _is_ours(wheel: Path) -> bool:
    """True for a wheel forktool generated (its WHEEL file names forktool as generator)."""
    try:
        with zipfile.ZipFile(wheel) as archive:
            return any(
                name.endswith(".dist-info/WHEEL")
                and f"Generator: {GENERATOR}\n" in archive.read(name).decode("utf-8", "replace")
                for name in archive.namelist()
            )
    except (OSError, zipfile.BadZipFile):
        return False
