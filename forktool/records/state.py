"""forktool's own files inside the fork repository's git dir (``.git/forktool/``).

Kept there because they describe that repository: the leftover report and series health of
the newest transform (JSON, ``"schema": 1``), the pending record of a stopped sync (see
:mod:`forktool.sync.integrate`) and the cache of verified sdists. Safe to delete, except a pending
record while a sync waits.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from forktool.config import UpstreamConfig
from forktool.errors import RepositoryError
from forktool.git.repository import GitRepo
from forktool.model import PatchHealth, PatchKind, PatchStatus, TransformResult
from forktool.records.fork import find_fork


def state_dir(repo: GitRepo) -> Path:
    """forktool's private directory inside the fork repository's git dir."""
    return repo.git_dir / "forktool"


def sdist_cache(repo: GitRepo) -> Path:
    """Where verified sdists are kept, by sha256."""
    return state_dir(repo) / "sdists"


def transform_cache_path(repo: GitRepo) -> Path:
    """The renamed-file cache (:class:`~forktool.transform.cache.TransformCache`); safe to
    delete at any time."""
    return state_dir(repo) / "cache" / "transform.sqlite3"


def codemod_memo_path(repo: GitRepo) -> Path:
    """What codemod patches did to each tree (:class:`~forktool.patches.memo.CodemodMemo`);
    safe to delete at any time."""
    return state_dir(repo) / "cache" / "codemod-patches.sqlite3"


def stub_memo_path(repo: GitRepo) -> Path:
    """The shim stubs' memo of private names by module content (see
    :func:`~forktool.shims.stubs.stub`); safe to delete at any time."""
    return state_dir(repo) / "cache" / "stubs.json"


class StubMemo(dict[str, list[str]]):
    """A stub memo (see :func:`~forktool.shims.stubs.stub`) that remembers which of its
    entries were looked up or added: :attr:`used` is what to keep for the next run, so
    the memo does not grow with every release."""

    def __init__(self, entries: dict[str, list[str]]) -> None:
        super().__init__(entries)
        self.used: dict[str, list[str]] = {}

    def get(self, key: str, default: list[str] | None = None) -> list[str] | None:  # type: ignore[override]
        found = super().get(key)
        if found is not None:
            self.used[key] = found
        return found if found is not None else default

    def __setitem__(self, key: str, value: list[str]) -> None:
        super().__setitem__(key, value)
        self.used[key] = value


def read_stub_memo(path: Path) -> dict[str, list[str]]:
    """The memo at ``path``; empty when it is missing or not what :func:`write_json` wrote
    (it is only a cache)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        names = data["private_names"]
        if data.get("schema") == 1 and isinstance(names, dict):
            return {
                str(key): [str(name) for name in value]
                for key, value in names.items()
                if isinstance(value, list)
            }
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return {}


def shim_stats_path(repo: GitRepo) -> Path:
    """The stat of each shim file as the last sync's shim write left it (see
    :func:`forktool.shims.write`); safe to delete at any time."""
    return state_dir(repo) / "cache" / "shim-stats.json"


def read_shim_stats(path: Path, out_dir: Path) -> dict[str, tuple[int, int, int, int]]:
    """The shim stats at ``path`` when they were written for ``out_dir``; empty when
    missing, for another directory or not well formed (only a cache)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        stats = data.get("stats") if data.get("schema") == 1 else None
        if data.get("out") == str(out_dir) and isinstance(stats, dict):
            return {
                str(rel): (value[0], value[1], value[2], value[3])
                for rel, value in stats.items()
                if isinstance(value, list)
                and len(value) == 4
                and all(type(number) is int for number in value)
            }
    except (OSError, ValueError, AttributeError, TypeError):
        pass
    return {}


def read_module_keys(path: Path) -> dict[str, tuple[int, int, int, int, str]]:
    """The stub memo's module keys by stat (``module_keys``: path -> size, mtime_ns,
    ctime_ns, inode, memo key; see :func:`forktool.shims.plan`); empty when missing or
    not well formed (only a cache)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        keys = data.get("module_keys") if data.get("schema") == 1 else None
        if isinstance(keys, dict):
            return {
                str(rel): (value[0], value[1], value[2], value[3], value[4])
                for rel, value in keys.items()
                if isinstance(value, list)
                and len(value) == 5
                and all(type(number) is int for number in value[:4])
                and isinstance(value[4], str)
            }
    except (OSError, ValueError, AttributeError, TypeError):
        pass
    return {}


def kept_report_path(repo: GitRepo, name: str, version: str) -> Path:
    """Where the kept conflict report of the sync of ``name`` ``version`` is (see
    :mod:`forktool.conflicts.kept`): ``reports/<name>/<version>.json``."""
    return state_dir(repo) / "reports" / name / f"{version}.json"


def kept_report_versions(config: UpstreamConfig) -> list[str]:
    """The releases of ``config``'s upstream with a kept report, oldest first (by version;
    names that are not versions last, by name)."""
    repo = find_fork(config)
    if repo is None:
        return []
    directory = kept_report_path(repo, config.name, "x").parent
    names = [p.stem for p in directory.glob("*.json")] if directory.is_dir() else []

    def order(name: str) -> tuple[int, Version | str]:
        try:
            return 0, Version(name)
        except InvalidVersion:
            return 1, name

    return sorted(names, key=order)


def read_kept_report(config: UpstreamConfig, version: str) -> dict[str, Any] | None:
    """The kept report of the sync of ``config``'s ``version`` as stored (None: none)."""
    repo = find_fork(config)
    path = kept_report_path(repo, config.name, version) if repo else None
    if path is None or not (path.exists() or path.is_symlink()):
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RepositoryError(
            f"the kept report {path} cannot be read ({type(exc).__name__}: {exc})",
            "delete it; sync again to keep one",
        ) from exc
    return data if isinstance(data, dict) else None


def _fork_state(config: UpstreamConfig) -> Path | None:
    repo = find_fork(config)
    return state_dir(repo) if repo else None


def write_json(path: Path, data: dict[str, Any], *, lines: str = "", compact: bool = False) -> None:
    """Write ``data`` as JSON atomically (temporary file, then rename): a process killed
    while writing leaves the old file or the new one, never half of one.

    Args:
        lines: the key of a long list in ``data`` written one item per line (json's C
            encoder, which ``indent`` turns off, is several times faster); "": none.
        compact: all on one line, by json's C encoder (caches no one reads).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    if lines:
        items = data[lines]
        head = json.dumps({**data, lines: []}, indent=1)
        body = ",\n  ".join(json.dumps(item) for item in items)
        marker = f'"{lines}": []'
        text = head.replace(marker, f'"{lines}": [\n  {body}\n ]' if items else marker, 1)
    else:
        text = json.dumps(data, separators=(",", ":")) if compact else json.dumps(data, indent=1)
    tmp.write_text(text + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _write(repo: GitRepo, filename: str, data: dict[str, Any], *, lines: str = "") -> None:
    write_json(state_dir(repo) / filename, data, lines=lines)


def write_leftovers(repo: GitRepo, name: str, version: str, result: TransformResult) -> None:
    """Record every old name the transform left and every file it could not transform:
    ``{"schema": 1, "upstream", "version", "leftovers": [{path, line, kind, reason, text}],
    "failures": {path: reason}, "evidence": [{path, line, text, evidence, renamed}]}`` in
    ``<name>.leftovers.json`` (``evidence``: strings passed to a parameter that holds a
    module name, renamed or left, and why)."""
    _write(
        repo,
        f"{name}.leftovers.json",
        {
            "schema": 1,
            "upstream": name,
            "version": version,
            "leftovers": [
                {"path": item.path, "line": item.line, "kind": item.kind, "reason": item.reason,
                 "text": item.text}
                for item in result.leftovers
            ],
            "failures": dict(result.failures),
            "evidence": [asdict(item) for item in result.evidence],
        },
        lines="leftovers",
    )  # fmt: skip


def read_leftovers(config: UpstreamConfig) -> dict[str, Any]:
    """The leftover report of the newest transform (see :func:`write_leftovers`).

    Raises:
        RepositoryError: no transform has run yet.
    """
    directory = _fork_state(config)
    path = directory / f"{config.name}.leftovers.json" if directory else None
    if path is None or not path.exists():
        raise RepositoryError(
            f"no leftover report for {config.name} yet",
            f"run 'forktool sync {config.name}' first",
        )
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def write_health(repo: GitRepo, name: str, version: str, health: tuple[PatchHealth, ...]) -> None:
    """Record the series health of the newest transform: ``{"schema": 1, "upstream",
    "version", "patches": [{name, kind, status, detail, paths}]}`` in ``<name>.series.json``."""
    _write(
        repo,
        f"{name}.series.json",
        {"schema": 1, "upstream": name, "version": version, "patches": [asdict(h) for h in health]},
    )


def read_health(config: UpstreamConfig) -> list[PatchHealth]:
    """The series health of the newest transform; empty when none ran yet."""
    directory = _fork_state(config)
    path = directory / f"{config.name}.series.json" if directory else None
    if path is None or not path.exists():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    try:
        return [
            PatchHealth(
                p["name"],
                PatchKind(p["kind"]),
                PatchStatus(p["status"]),
                p["detail"],
                tuple(p["paths"]),
            )
            for p in data["patches"]
        ]
    except (ValueError, KeyError, TypeError) as exc:  # e.g. a status a newer forktool wrote
        raise RepositoryError(
            f"forktool's record of the series health, {path}, is not one this forktool reads "
            f"({type(exc).__name__}: {exc})",
            "sync again to write it anew",
        ) from exc
