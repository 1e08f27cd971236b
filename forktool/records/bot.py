"""The last run of the fork bot (``forktool ci run``) on an upstream, kept in the fork
repository's state directory (``.git/forktool/<name>.bot.json``) for ``forktool status``.

Only the last run is kept; in CI, where the fork repository is a fresh clone, the record
lives as long as the job (the pull request or issue is the lasting record there).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

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
    path = bot_record_path(repo, name)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        data.pop("schema", None)
        return BotRecord(**data)
    except (OSError, ValueError, TypeError):
        return None
