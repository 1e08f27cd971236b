"""The last run of the fork bot (``forktool ci run``) on an upstream, kept in the fork
repository's state directory (``.git/forktool/<name>.bot.json``) for ``forktool status``.

Only the last run is kept; in CI, where the fork repository is a fresh clone, the record
lives as long as the job (the pull request or issue is the lasting record there).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TypeVar

from forktool.git.repository import GitRepo
from forktool.records import state


@dataclass(frozen=True)
class BotRecord:
    """What the last ``forktool ci run`` did for one upstream.

    Attributes:
        at: when it ran (ISO 8601, UTC, seconds).
        outcome: the run's status, one of ``forktool.bot.run.BotStatus``'s values
            (``up-to-date``, ``too-new``, ``pull-request``, ``issue``).
        version: the release it proposed or waited for ("" when up to date).
        branch: the head branch the pull request uses ("" when nothing was pushed).
        commit: the commit that branch points at ("" when nothing was pushed).
        pushed: whether the run moved a branch of the remote (False: it held that already).
        remote: the remote's name.
    """

    at: str
    outcome: str
    version: str
    branch: str
    commit: str
    pushed: bool
    remote: str


def bot_record_path(repo: GitRepo, name: str) -> Path:
    """``.git/forktool/<name>.bot.json`` of the fork repository."""
    return state.state_dir(repo) / f"{name}.bot.json"


def write_bot_record(repo: GitRepo, name: str, record: BotRecord) -> None:
    """Keep ``record`` as the last bot run of upstream ``name`` (atomically)."""
    state.write_json(bot_record_path(repo, name), {"schema": 1, **asdict(record)})


def read_bot_record(repo: GitRepo, name: str) -> BotRecord | None:
    """The last bot run of upstream ``name``, or None (none kept, or unreadable: it is
    only shown, never acted on)."""
    return _read(bot_record_path(repo, name), BotRecord)


@dataclass(frozen=True)
class BotIntent:
    """What a bot run is about to do, written before its sync on the bot's branch and
    removed once everything it moved is put back: a run killed in between (kill -9, the
    CI job cancelled) is undone by the next run from this record alone.

    Attributes:
        refs: each ref the sync may move (the vendor and transformed branches, the release
            tags of the upstream, the bot's branch) -> the id it had before ("" when absent).
        scratch: the temporary directory the run made (worktree and definition copy).
        worktree: the linked worktree inside ``scratch``.
    """

    refs: dict[str, str]
    scratch: str
    worktree: str


def bot_intent_path(repo: GitRepo, name: str) -> Path:
    """``.git/forktool/<name>.bot-intent.json`` of the fork repository."""
    return state.state_dir(repo) / f"{name}.bot-intent.json"


def write_bot_intent(repo: GitRepo, name: str, intent: BotIntent) -> None:
    """Record ``intent`` before the bot's sync starts (atomically)."""
    state.write_json(bot_intent_path(repo, name), {"schema": 1, **asdict(intent)})


def read_bot_intent(repo: GitRepo, name: str) -> BotIntent | None:
    """The intent of a bot run that did not finish, or None (none, or unreadable: a
    record forktool cannot read proves nothing, so nothing is undone from it)."""
    intent = _read(bot_intent_path(repo, name), BotIntent)
    if (
        intent is None
        or not isinstance(intent.refs, dict)
        or not all(
            isinstance(ref, str) and isinstance(commit, str) for ref, commit in intent.refs.items()
        )
    ):
        return None
    return intent


def clear_bot_intent(repo: GitRepo, name: str) -> None:
    """Remove the intent record: the run's refs are back and its worktree gone."""
    bot_intent_path(repo, name).unlink(missing_ok=True)


_Record = TypeVar("_Record", BotRecord, BotIntent)


def _read(path: Path, kind: type[_Record]) -> _Record | None:
    """The record of type ``kind`` kept at ``path`` (JSON with a ``schema`` key), or None
    when there is none or it cannot be read as one."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        data.pop("schema", None)
        return kind(**data)
    except (OSError, ValueError, TypeError, AttributeError):  # AttributeError: not a dict
        return None
