"""Working on diff patches: capture a fork commit as a patch, show a patch conflict as an
ordinary git conflict, and refresh the patch once the user resolved it.

A patch conflict is shown in a linked worktree of the fork repository (beside it:
``<fork>.patch-conflict``), checked out at the transformed release just before the patch,
with the patch three-way applied: ``git status`` there lists the conflicts. Patch files are
written deterministically, so exporting the same change twice gives identical bytes.
"""

from __future__ import annotations

import re
from pathlib import Path

from forktool.config import UpstreamConfig
from forktool.errors import ConfigError, RepositoryError
from forktool.git.repository import GitRepo
from forktool.model import PatchStatus
from forktool.patches import series
from forktool.patches.diff_format import compose, split, with_base
from forktool.records import intent, lockfile, state
from forktool.records.fork import find_fork


def worktree_path(config: UpstreamConfig) -> Path:
    """Where a patch conflict of ``config`` is shown: ``<fork path>.patch-conflict``."""
    return config.fork_path.with_name(config.fork_path.name + ".patch-conflict")


def show_conflict(repo: GitRepo, path: Path, base_commit: str, patch: bytes) -> tuple[str, ...]:
    """Check ``base_commit`` out at ``path`` and three-way apply ``patch`` there.

    Returns:
        the paths left unmerged (what the user resolves).
    """
    if path.exists():
        repo.remove_worktree(path)
    worktree = repo.add_worktree(path, base_commit)
    return worktree.apply_in_worktree(patch)


def slug(subject: str) -> str:
    """A file-name-safe form of a commit subject: ``Cap at 16 MiB`` -> ``cap-at-16-mib``."""
    words = re.sub(r"[^a-z0-9]+", "-", subject.lower()).strip("-")
    return words[:60].rstrip("-") or "patch"


def capture(repo: GitRepo, commit: str, base: str) -> tuple[bytes, str]:
    """Turn a fork commit into a diff patch.

    Args:
        commit: the commit (any revision) in the fork repository.
        base: what the patch is made on, e.g. ``flask 3.0.3`` (recorded in the file).

    Returns:
        (the patch file's bytes, a suggested file name).

    Raises:
        RepositoryError: no such commit, it is a merge or a root commit, or it changes
            nothing.
    """
    resolved = repo.resolve(commit)
    if resolved is None:
        raise RepositoryError(f"no commit {commit!r} in the fork repository", "give a commit id")
    parents = repo.parents(resolved)
    if len(parents) != 1:
        raise RepositoryError(
            f"commit {commit} has {len(parents)} parents; only ordinary commits become patches",
            "give a commit with exactly one parent",
        )
    diff = repo.diff_trees(repo.tree_of(parents[0]), repo.tree_of(resolved))
    if not diff:
        raise RepositoryError(f"commit {commit} changes nothing", "give another commit")
    author, subject, body = repo.commit_info(resolved)
    return compose(author, subject, body, base, diff), slug(subject) + ".patch"


def refresh(repo: GitRepo, worktree: Path, base_commit: str, old: bytes, base: str) -> bytes:
    """Rewrite a patch from the resolution in ``worktree`` (made on ``base_commit``).

    Returns:
        the new patch file: the old header with ``Forktool-Base: base``, then the diff
        from ``base_commit`` to everything staged or changed in the worktree.

    Raises:
        RepositoryError: the worktree is missing, paths are unmerged, or conflict markers
            remain, or the resolution leaves no change at all.
    """
    if not worktree.exists():
        raise RepositoryError(
            f"the patch conflict checkout {worktree} is gone", "run 'forktool sync --abort'"
        )
    checkout = GitRepo(worktree)
    unmerged = checkout.unmerged_paths()
    if unmerged:
        raise RepositoryError(
            f"{len(unmerged)} paths are still unmerged in {worktree}, e.g. {unmerged[0]}",
            "resolve them and 'git add' each there, then refresh again",
        )
    tree = checkout.stage_all_tree()
    diff = repo.diff_trees(repo.tree_of(base_commit), tree)
    if not diff:
        raise RepositoryError(
            "the resolution leaves none of the patch's changes",
            "drop the patch with 'forktool patch drop' instead",
        )
    if re.search(rb"^\+(<<<<<<<|>>>>>>>) ", diff, re.MULTILINE):
        raise RepositoryError(
            f"conflict markers remain in {worktree}", "edit them out, then refresh again"
        )
    header, _ = split(old)
    return with_base(header, base) + diff


def add_patch(config: UpstreamConfig, commit: str, filename: str | None) -> Path:
    """Capture fork commit ``commit`` as a diff patch appended to the series.

    Returns:
        the new patch file's path.

    Args:
        filename: the patch file's name in ``patches/<name>/`` (``.patch`` is added unless
            it ends in ``.patch`` or ``.diff``); None: made from the commit's subject.

    Raises:
        ConfigError: ``filename`` is not a plain file name
            (:func:`forktool.patches.series.patch_name_problem`), nothing is integrated yet, the
            series is invalid, or the patch file already exists.
        RepositoryError: as :func:`capture`.
    """
    if filename is not None:
        problem = series.patch_name_problem(filename)
        if problem:
            raise ConfigError(
                f"--name {filename!r} {problem}",
                f"give a plain file name such as fix-banner.patch; it goes in "
                f"patches/{config.name}/",
            )
    lock = lockfile.read(config.lock_path)
    repo = find_fork(config)
    if lock is None or repo is None:
        raise ConfigError(
            f"{config.name} has no fork yet", f"run 'forktool sync {config.name}' first"
        )
    listed = [p.name for p in series.load(config.root, config.name).patches]
    data, suggested = capture(repo, commit, f"{config.name} {lock.version}")
    name = filename or suggested
    if not name.endswith((".patch", ".diff")):
        name += ".patch"
    path = series.series_path(config.root, config.name).parent / name
    if path.exists() or path.is_symlink():
        raise ConfigError(f"{path} already exists", "choose another name with --name")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    series.write_entries(config.root, config.name, [*listed, name])
    return path


def refresh_patch(config: UpstreamConfig, name: str | None) -> Path:
    """Rewrite the patch that stopped the sync from the user's resolution.

    Args:
        name: the patch; None means the one that conflicted.

    Returns:
        the rewritten patch file's path.

    Raises:
        RepositoryError: no patch conflict is waiting, ``name`` is another patch, or the
            resolution is incomplete (see :func:`refresh`).
    """
    repo = find_fork(config)
    pending = intent.read_pending(repo, config.name) if repo else None
    stopped = pending.patch_conflict if pending else None
    if repo is None or pending is None or stopped is None:
        raise RepositoryError(
            f"no patch conflict of {config.name} is waiting",
            "refresh rewrites a patch after 'forktool sync' stopped on it",
        )
    if name is not None and name != stopped.patch:
        raise RepositoryError(
            f"the patch that conflicted is {stopped.patch}, not {name}",
            f"run 'forktool patch refresh {stopped.patch}'",
        )
    listed = series.load(config.root, config.name)
    patch = listed.patches[listed.index(stopped.patch)]
    base = f"{config.name} {pending.version}"
    data = refresh(repo, Path(stopped.worktree), stopped.patch_base, patch.data, base)
    patch.path.write_bytes(data)
    return patch.path


def drop_patches(config: UpstreamConfig, names: list[str]) -> list[str]:
    """Remove patches from the series and delete their files.

    Returns:
        the names dropped.

    Raises:
        ConfigError: a name is not in the series.
    """
    listed = series.load(config.root, config.name)
    dropped = [listed.patches[listed.index(name)] for name in names]
    keep = [p.name for p in listed.patches if p not in dropped]
    series.write_entries(config.root, config.name, keep)
    for patch in dropped:
        patch.path.unlink()
    return [p.name for p in dropped]


def upstreamed(config: UpstreamConfig) -> list[str]:
    """Patches the newest transform reported ``upstreamed`` (from the series health)."""
    return [h.name for h in state.read_health(config) if h.status == PatchStatus.UPSTREAMED]
