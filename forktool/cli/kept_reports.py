"""Keeping a report of every sync (``.git/forktool/reports/``), after its result comes back.

Here, in the CLI, because a report needs both layers: ``sync/`` runs the sync and may not
import ``conflicts/``, which collects and keeps the report (see docs/architecture.md).
"""

from __future__ import annotations

from dataclasses import replace

from forktool.cli.output import err
from forktool.config import UpstreamConfig
from forktool.conflicts import kept
from forktool.conflicts.collect import ConflictReport, Ending, collect, collect_merge
from forktool.errors import ForktoolError
from forktool.git.repository import GitRepo
from forktool.model import InMemoryMerge
from forktool.records import lockfile
from forktool.records.fork import find_fork
from forktool.records.intent import Stage
from forktool.records.lockfile import Lock
from forktool.sync.integrate import merge_labels
from forktool.sync.orchestrator import SyncResult, SyncStatus


class Keeper:
    """Keeps the report of each sync result of one upstream, in the order they come
    (``sync --each`` hands them over one by one, while the fork is as each left it)."""

    def __init__(self, config: UpstreamConfig, *, continuing: bool = False) -> None:
        """``continuing``: the results come from ``sync --continue``, which finishes the
        sync a kept report stopped on (any other finished sync is a new one)."""
        self.config = config
        self.continuing = continuing
        self.before = lockfile.read(config.lock_path)  # the release integrated before
        self.kept: list[SyncResult] = []

    def keep(self, result: SyncResult) -> None:
        """Keep ``result``'s report; a failure to is a warning, never the sync's."""
        if any(result is seen for seen in self.kept):
            return
        self.kept.append(result)
        repo = find_fork(self.config)
        try:
            if repo is not None:
                self._keep(repo, result)
        except Exception as exc:  # noqa: BLE001  (the sync is done: keeping is a bonus)
            why = exc.message if isinstance(exc, ForktoolError) else f"{type(exc).__name__}: {exc}"
            err.print(
                f"warning: the report of {self.config.name} {result.version} was not kept: "
                f"{why}",
                highlight=False, markup=False, soft_wrap=True,
            )  # fmt: skip
        finally:
            if repo is not None:
                repo.close()
            self.before = lockfile.read(self.config.lock_path)

    def _keep(self, repo: GitRepo, result: SyncResult) -> None:
        if result.status == SyncStatus.CONFLICT:
            report = collect(self.config)
            conflicted = kept.working_tree_blobs(repo, result.conflicts)
            if result.reused:  # rerere rewrote these files: the merge's own version
                tree = self._merge(repo, result, "HEAD", result.transformed).tree
                blobs = repo.tree_blobs(tree) if tree else {}
                conflicted |= {path: blobs[path] for path in result.reused if path in blobs}
            kept.keep(repo, kept.stopped(repo, report, conflicted, result.reused))
        elif result.status == SyncStatus.ABORTED:
            waited = self._waited(result.undone)
            if waited is not None:
                kept.keep(repo, kept.aborted(waited))
        elif result.status in (SyncStatus.MERGED, SyncStatus.CREATED) and result.fork:
            waited = self._waited(result.version) if self.continuing else None
            if waited is not None and waited.stage == Stage.MERGE and not result.reused:
                kept.keep(repo, kept.ended(repo, waited, result.fork))
            elif result.previous == result.version and kept.read(self.config, result.version):
                pass  # the release again with a changed series: its own sync's report stays
            else:
                kept.keep(repo, self._in_memory(repo, result, self.before))
        elif (
            result.status == SyncStatus.UP_TO_DATE
            and result.fork
            and kept.read(self.config, result.version) is None  # finished by recovery
        ):
            kept.keep(repo, self._in_memory(repo, replace(result, previous=None), None))

    def _waited(self, version: str) -> ConflictReport | None:
        """The kept report of ``version`` when it is of a sync that stopped and waits."""
        waited = kept.read(self.config, version)
        if waited and waited.outcome and waited.outcome.status == Ending.CONFLICT:
            return waited
        return None

    def _merge(
        self, repo: GitRepo, result: SyncResult, fork: str, transformed: str
    ) -> InMemoryMerge:
        """The merge of ``result``'s release into ``fork``, computed again in memory."""
        lock = lockfile.read(self.config.lock_path)
        upstream_commit = lock.upstream_commit if lock and lock.version == result.version else None
        tree = ""
        if fork:
            labels = merge_labels(self.config, result.previous, result.version)
            tree = repo.merge_preview(transformed, ours=fork, labels=labels).tree
        return InMemoryMerge(
            result.version, upstream_commit, result.vendor, transformed, fork, tree
        )

    def _in_memory(
        self, repo: GitRepo, result: SyncResult, previous: Lock | None
    ) -> ConflictReport:
        """The report of a sync that did not stop: its merge computed again from the
        committed merge's parents, ended as committed (clean, or settled by rerere).
        ``previous``: the lock before it (None: unknown, for a sync an interrupted run left
        for recovery to finish)."""
        parents = repo.parents(result.fork)
        fork, transformed = parents if len(parents) == 2 else ("", result.transformed)
        merge = self._merge(repo, result, fork, transformed)
        # computed again, but of a sync that did happen: its headline is the kept one's
        report = replace(
            collect_merge(self.config, merge, previous, result.patches), in_memory=False
        )
        blobs = repo.tree_blobs(merge.tree) if merge.tree else {}
        conflicted = {e.path: blobs.get(e.path, "") for e in report.conflicts}
        reused = result.reused or ()
        return kept.ended(repo, kept.stopped(repo, report, conflicted, reused), result.fork)
