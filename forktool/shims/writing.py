"""Writing a shim to disk: :func:`write` puts down the source tree and the wheel.

It replaces a previous shim in the same places and refuses to replace anything else. The
wheels of earlier shims of the same distribution are removed, so that ``pip install
<out>/*.whl`` finds exactly one.
"""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path

from forktool.shims.dist_files import source_files
from forktool.shims.model import GENERATED, ShimError, ShimPlan, ShimResult
from forktool.shims.wheel import GENERATOR, wheel_bytes


def write(shim: ShimPlan, out_dir: Path) -> ShimResult:
    """Write the shim's source tree and wheel below ``out_dir`` (created if needed).

    A previous shim in the same places is replaced (in its source tree, only the files
    that differ are rewritten); anything else there is refused. Other
    versions' shim wheels of the same distribution in ``out_dir`` are deleted (wheels
    forktool did not generate are left alone).

    Raises:
        ShimError: ``out_dir/<Dist>-shim`` or the wheel path holds something forktool
            did not generate (e.g. the real distribution's wheel).
    """
    out_dir = Path(out_dir)
    source_dir = out_dir / shim.source_dir_name
    wheel = out_dir / shim.wheel_name
    _check_ours(source_dir, wheel)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        staging = _staging(shim, out_dir)
        if staging.exists():  # left by a process killed while writing
            shutil.rmtree(staging)
        files = source_files(shim)
        if not (source_dir.is_dir() and _update_in_place(source_dir, files, staging)):
            _write_new(source_dir, files, staging)
        partial = wheel.with_name(wheel.name + ".part")
        partial.write_bytes(wheel_bytes(shim))
        os.replace(partial, wheel)
        for older in _older_wheels(shim, out_dir):
            older.unlink()
    except OSError as exc:
        raise ShimError(
            f"cannot write the shim to {out_dir}: {exc.strerror or exc}",
            "choose a writable output directory",
        ) from exc
    return ShimResult(plan=shim, source_dir=source_dir, wheel=wheel)


def _write_new(source_dir: Path, files: dict[str, bytes], staging: Path) -> None:
    """Write ``files`` into ``staging``, then put it in place of ``source_dir``."""
    staging.mkdir()
    try:
        for rel, data in files.items():
            path = staging / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        if source_dir.exists():
            shutil.rmtree(source_dir)
        staging.rename(source_dir)
    finally:
        if staging.exists():
            shutil.rmtree(staging)


def _update_in_place(source_dir: Path, files: dict[str, bytes], staging: Path) -> bool:
    """Make ``source_dir`` hold exactly ``files``, writing only those that differ.

    A new release changes few modules, and creating hundreds of files costs most of a
    shim's time. ``staging`` exists (empty) while files change, so a killed update is
    seen as incomplete (:func:`is_complete`) and redone. Returns False, with ``staging``
    removed, when something in the way is not a plain file or directory: then write anew.
    """
    staging.mkdir()
    try:
        done = _make_tree(source_dir, files)
    except OSError:
        done = False
    if not done:
        shutil.rmtree(staging)
        return False
    staging.rmdir()
    return True


def _make_tree(source_dir: Path, files: dict[str, bytes]) -> bool:
    """Write the ``files`` that differ and delete everything else below ``source_dir``;
    False when a path of ``files`` is taken by something other than a file."""
    for rel, data in files.items():
        path = source_dir / rel
        if path.is_file() and not path.is_symlink():
            if path.read_bytes() == data:
                continue
        elif os.path.lexists(path):
            return False
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    wanted = {source_dir / rel for rel in files}
    wanted_dirs = {parent for path in wanted for parent in path.parents}
    for parent, dirs, names in os.walk(source_dir, topdown=False):
        for name in names:
            if Path(parent, name) not in wanted:
                Path(parent, name).unlink()
        for name in dirs:
            path = Path(parent, name)
            if path in wanted_dirs:
                continue
            if path.is_symlink():  # not followed
                path.unlink()
            else:
                path.rmdir()  # emptied above: os.walk went bottom-up
    return True


def is_complete(shim: ShimPlan, out_dir: Path) -> bool:
    """True when ``out_dir`` holds this shim's wheel and source tree, no half-written
    leftovers of a killed write and no earlier shim wheel that write would have deleted."""
    wheel = out_dir / shim.wheel_name
    return (
        wheel.is_file()
        and (out_dir / shim.source_dir_name).is_dir()
        and not _staging(shim, out_dir).exists()
        and not wheel.with_name(wheel.name + ".part").exists()
        and not _older_wheels(shim, out_dir)
    )


def _older_wheels(shim: ShimPlan, out_dir: Path) -> list[Path]:
    """forktool's wheels of the same distribution in ``out_dir`` other than this shim's."""
    distribution = shim.wheel_name.split("-", 1)[0]
    wheel = out_dir / shim.wheel_name
    return [
        older
        for older in sorted(out_dir.glob(f"{distribution}-*.whl"))
        if older != wheel and _is_ours(older)
    ]


def _staging(shim: ShimPlan, out_dir: Path) -> Path:
    """Where the source tree is written before it is renamed into place."""
    return out_dir / f".{shim.source_dir_name}.partial"


def _check_ours(source_dir: Path, wheel: Path) -> None:
    if source_dir.exists():
        pyproject = source_dir / "pyproject.toml"
        first = (
            pyproject.read_text("utf-8", "replace").split("\n", 1)[0] if pyproject.is_file() else ""
        )
        if GENERATED not in first:
            raise ShimError(
                f"{source_dir} exists and was not generated by forktool",
                "move it away or choose another output directory",
            )
    if wheel.exists() and not _is_ours(wheel):
        raise ShimError(
            f"{wheel} exists and is not a forktool shim (the real distribution's wheel?)",
            "move it away or choose another output directory",
        )


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
