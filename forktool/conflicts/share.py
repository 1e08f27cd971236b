"""The conflict report as others read it (a pull request, an issue): the local paths it
shows made relative to the fork definition. Used by ``check --format markdown``,
``report -o`` and the fork bot's body."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from forktool.conflicts.collect import ConflictReport, Hunk


def shareable(collected: ConflictReport, definition: Path) -> ConflictReport:
    """``collected`` with the local paths it shows (fork repository, where to resolve, a
    local ``[source] repository``) made relative to the fork definition ``definition``,
    for a report others read (a pull request): ``forks/flask``; a fork outside the
    definition shows its directory's name. The prose (next step, details, suggestions)
    says them the same way; file text is left as it is."""
    local = (collected.resolve_in, collected.fork_repository)
    shown = {str(path): shared_path(path, definition) for path in local}
    order = sorted(shown, key=len, reverse=True)  # the checkout may sit inside the fork

    def said(text: str) -> str:
        for path in order:
            text = text.replace(path, shown[path])
        return text

    def hunk(item: Hunk) -> Hunk:
        return replace(item, suggestion=said(item.suggestion))

    entries = tuple(
        replace(
            entry,
            detail=said(entry.detail),
            suggestion=said(entry.suggestion),
            hunks=tuple(hunk(h) for h in entry.hunks),
        )
        for entry in collected.entries
    )
    repository = collected.repository
    if repository is not None and _is_local(repository.url):
        repository = replace(repository, url=shared_path(Path(repository.url), definition))
    return replace(
        collected,
        fork_repository=Path(shown[str(collected.fork_repository)]),
        resolve_in=Path(shown[str(collected.resolve_in)]),
        next_step=said(collected.next_step),
        entries=entries,
        repository=repository,
    )


def _is_local(url: str) -> bool:
    """Whether a ``[source] repository`` names a local directory (no ``scheme://`` and not
    git's ``host:path``) given as an absolute path."""
    return "://" not in url and Path(url).is_absolute()


def shared_path(path: Path, definition: Path) -> str:
    """``path`` as others can read it: relative to the fork definition when inside it,
    else the directory's name."""
    path, definition = path.resolve(), definition.resolve()
    if path.is_relative_to(definition):
        return os.path.relpath(path, definition)
    return path.name
