"""Apply the fork's patch series to a transformed release, and say how each patch fared.

Codemod patches (:mod:`forktool.patches.api`) run on the in-memory tree. Diff patches go
through git: applied as they are (no fuzz), else checked for being already upstream, else
three-way merged with ``git apply --3way`` against the blobs they were made on (a merge
that changes nothing means the release has the change: ``upstreamed``); a patch that still
conflicts is left out of the tree and reported ``conflict``. Statuses:
:class:`~forktool.model.PatchStatus`.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib.util
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from forktool.git.repository import GitRepo
from forktool.model import FileEntry, PatchHealth, PatchKind, PatchStatus, Tree
from forktool.patches import metadata
from forktool.patches.diff_format import base_of
from forktool.patches.memo import CodemodMemo
from forktool.patches.series import PatchFile, Series

if TYPE_CHECKING:
    from forktool.patches.api import CodemodPatch


@dataclass(frozen=True)
class SeriesResult:
    """The tree after the series, and the health of every patch.

    Attributes:
        tree: the patched tree (conflicting and failing patches left out).
        health: one entry per patch, in series order.
        tree_before: patch name -> tree id just before that patch, for conflicting
            patches (where the conflict is shown to the user).
    """

    tree: dict[str, FileEntry]
    health: tuple[PatchHealth, ...]
    tree_before: dict[str, str] = field(default_factory=dict)


#: Writes the tree a diff patch was made on into the object store: called with the
#: ``Forktool-Base`` version and the patch's position in the series (the base is that
#: release renamed, with the patches before it applied).
Materialize = Callable[[str, int], None]

#: Says whether the release the series is applied to has an upstream commit (full id) in
#: its history. Only the detail of a backport of it (``Forktool-Backport: <commit>``) says
#: so: its status is its content's, since upstream may have reverted the commit since.
Contains = Callable[[str], bool]


def apply_series(
    repo: GitRepo,
    tree: Tree,
    series: Series,
    materialize: Materialize | None = None,
    contains: Contains | None = None,
    memo: CodemodMemo | None = None,
) -> SeriesResult:
    """Apply every patch of ``series`` to ``tree``, in order.

    Args:
        repo: the fork repository (object store for diff patches; nothing else changes).
        tree: the renamed release.
        series: the patch series.
        materialize: recreates a diff patch's base release in the object store when its
            blobs are missing, so the three-way merge can run; None: no such retry.
        contains: whether the release has an upstream commit in its history (a git
            upstream's); None: unknown. Backports are judged by their content either way
            (``upstreamed`` only when the change is in the tree); this adds to the detail.
        memo: where codemod patches' outcomes are looked up first and kept (None: run
            every codemod patch).

    Returns:
        the patched tree and per-patch health; never raises for one patch.
    """
    current = dict(tree)
    health: list[PatchHealth] = []
    tree_before: dict[str, str] = {}
    for position, patch in enumerate(series.patches):
        if patch.kind == PatchKind.CODEMOD:
            outcome = _remembered_codemod(patch, current, memo)
        else:
            retry = None
            base = base_of(patch.data)
            if materialize is not None and base is not None:
                retry = functools.partial(materialize, base[1], position)
            outcome = _with_history(_apply_diff(repo, patch, current, retry), patch, contains)
            if outcome.status == PatchStatus.CONFLICT:
                tree_before[patch.name] = repo.write_tree(current)
        health.append(outcome)
    return SeriesResult(current, tuple(health), tree_before)


def _with_history(outcome: PatchHealth, patch: PatchFile, contains: Contains | None) -> PatchHealth:
    """``outcome`` with what the release's history says of a backport's upstream commit
    added to its detail; the status is always the content's (a release whose history has
    the commit may have reverted or reworked it since)."""
    commit = metadata.from_diff(patch.data).backport_commit
    if contains is None or not commit or not contains(commit):
        return outcome
    if outcome.status == PatchStatus.UPSTREAMED:
        detail = f"the release contains upstream commit {commit[:12]} and its change"
    elif outcome.status in (PatchStatus.CLEAN, PatchStatus.THREE_WAY):
        detail = (
            f"the release's history has upstream commit {commit[:12]}, but not its change "
            "(reverted or rewritten since): applied"
        )
    else:
        detail = (
            f"the release's history has upstream commit {commit[:12]}, but its change is not "
            "found as it is; if the release has it reworked, drop the patch"
            + (f" ({outcome.detail})" if outcome.detail else "")
        )
    return dataclasses.replace(outcome, detail=detail)


def load_codemod(patch: PatchFile) -> CodemodPatch:
    """Import a codemod patch file and return its ``patch`` object.

    Raises:
        BaseException: whatever importing the file raises (``SystemExit`` too); TypeError
            when it defines no ``patch`` that is a :class:`~forktool.patches.api.CodemodPatch`.
    """
    from forktool.patches.api import CodemodPatch  # here: libcst only for codemod patches

    module_name = "forktool_patch_" + hashlib.sha256(str(patch.path).encode()).hexdigest()[:16]
    spec = importlib.util.spec_from_file_location(module_name, patch.path)
    if spec is None or spec.loader is None:
        raise TypeError(f"cannot import {patch.name}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclasses and pickling look modules up here
    try:
        spec.loader.exec_module(module)
    finally:
        sys.modules.pop(module_name, None)
    codemod = getattr(module, "patch", None)
    if not isinstance(codemod, CodemodPatch):
        raise TypeError(f"{patch.name} defines no 'patch = <CodemodPatch>'")
    return codemod


def _remembered_codemod(
    patch: PatchFile, tree: dict[str, FileEntry], memo: CodemodMemo | None
) -> PatchHealth:
    """:func:`_apply_codemod`, or what it did to this very tree before (``memo``)."""
    key = memo.key(patch, tree) if memo is not None else None
    if memo is None or key is None:
        return _apply_codemod(patch, tree)
    known = memo.get(key, patch)
    if known is not None:
        health, changed = known
        tree.update(changed)
        return health
    health = _apply_codemod(patch, tree)
    changed = (
        {path: tree[path] for path in health.paths} if health.status == PatchStatus.CLEAN else {}
    )
    memo.put(key, health, changed)  # clean: ``paths`` are exactly the files it changed
    return health


def _apply_codemod(patch: PatchFile, tree: dict[str, FileEntry]) -> PatchHealth:
    """Run one codemod patch over the files it targets, updating ``tree`` in place."""
    import libcst as cst  # here: only a series with codemod patches needs libcst

    from forktool.patches.api import NoMatch, Upstreamed

    try:
        codemod = load_codemod(patch)
        changed: dict[str, FileEntry] = {}
        reasons: list[str] = []
        upstreamed = False
        for path in sorted(p for p in tree if codemod.matches(p)):
            entry = tree[path]
            text = entry.data.decode("utf-8")
            module = cst.parse_module(text)
            try:
                new = codemod.transform(module, path)
            except NoMatch as exc:
                reasons.append(f"{path}: {exc}")
                continue
            except Upstreamed as exc:
                upstreamed = True
                reasons.append(f"{path}: {exc}")
                continue
            code = new.code if new is not module else text
            if code != text:  # libcst prints an unchanged module as it was read
                changed[path] = FileEntry(code.encode("utf-8"), entry.executable)
    # A patch is code: any failure is reported, not raised, sys.exit() and a raised
    # KeyboardInterrupt included.
    except (Exception, SystemExit, KeyboardInterrupt) as exc:
        detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        return PatchHealth(patch.name, patch.kind, PatchStatus.ERROR, detail)
    if changed:
        tree.update(changed)
        return PatchHealth(patch.name, patch.kind, PatchStatus.CLEAN, paths=tuple(changed))
    if upstreamed:
        return PatchHealth(patch.name, patch.kind, PatchStatus.UPSTREAMED, "; ".join(reasons))
    detail = "; ".join(reasons) or f"no file matches {', '.join(codemod.targets)}"
    return PatchHealth(patch.name, patch.kind, PatchStatus.NO_MATCH, detail)


def _apply_diff(
    repo: GitRepo,
    patch: PatchFile,
    tree: dict[str, FileEntry],
    materialize: Callable[[], None] | None,
) -> PatchHealth:
    """Apply one diff patch: directly, else upstreamed?, else three-way; update ``tree``."""
    base = repo.write_tree(tree)
    direct = repo.apply_patch(base, patch.data)
    status = PatchStatus.CLEAN
    result = direct
    if direct.tree is None:
        if repo.apply_patch(base, patch.data, check_reverse=True).tree is not None:
            return PatchHealth(
                patch.name, patch.kind, PatchStatus.UPSTREAMED, "its change is already there"
            )
        result = repo.apply_patch(base, patch.data, three_way=True)
        if _missing_blobs(result.error) and materialize is not None:
            try:
                materialize()  # the base release's blobs, for the merge base
            except Exception as exc:  # still a patch outcome, not a failed run
                return PatchHealth(
                    patch.name, patch.kind, PatchStatus.CONFLICT, f"base release: {exc}"
                )
            result = repo.apply_patch(base, patch.data, three_way=True)
        status = PatchStatus.THREE_WAY
        if result.tree == base:  # merged, and nothing changed: the release has the change
            return PatchHealth(
                patch.name, patch.kind, PatchStatus.UPSTREAMED, "its change is already there"
            )
        if result.conflicts:
            return PatchHealth(
                patch.name,
                patch.kind,
                PatchStatus.CONFLICT,
                "three-way merge conflicts",
                result.conflicts,
            )
        if result.tree is None:
            reason = result.error or direct.error
            kind = PatchStatus.ERROR if _malformed(reason) else PatchStatus.CONFLICT
            return PatchHealth(patch.name, patch.kind, kind, reason)
    assert result.tree is not None
    changed = repo.changed_files(base, result.tree)
    for path, entry in changed.items():
        if entry is None:
            tree.pop(path, None)
        else:
            tree[path] = entry
    return PatchHealth(patch.name, patch.kind, status, paths=tuple(sorted(changed)))


def _missing_blobs(reason: str) -> bool:
    """True when ``git apply --3way`` lacks the preimage blobs the patch names."""
    return "lacks the necessary blob" in reason


def _malformed(reason: str) -> bool:
    """True for git's complaints about the diff itself rather than about the tree."""
    words = ("corrupt patch", "No valid patches", "patch fragment without header", "garbage")
    return any(word in reason for word in words)
