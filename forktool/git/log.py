"""History: commits' metadata, and ``git log`` of paths and line ranges (blame)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from forktool.git.command import ANY, Commands

#: One record per commit: \x1e, then id, author, date, subject separated by \x1f.
_LOG_FORMAT = "--format=%x1e%H%x1f%an <%ae>%x1f%aI%x1f%s"


@dataclass(frozen=True)
class LoggedCommit:
    """One commit as ``git log`` lists it.

    Attributes:
        commit: the full commit id; author: ``Name <email>``; date: the author date,
            ISO 8601 with its offset; subject: the first line of the message.
    """

    commit: str
    author: str
    date: str
    subject: str


def _parse_log(out: str) -> list[LoggedCommit]:
    commits = []
    for record in out.split("\x1e"):
        fields = record.strip().split("\x1f")
        if len(fields) == 4:
            commits.append(LoggedCommit(*fields))
    return commits


class Log(Commands):
    """Reading history."""

    def commit_info(self, commit: str) -> tuple[str, str, str]:
        """``(author "Name <email>", subject, body)`` of ``commit``.

        Raises:
            GitFailed: no such commit.
        """
        out = self.run(["log", "-1", "--format=%an <%ae>%x00%s%x00%b", commit]).out
        author, subject, body = (out.split("\0") + ["", ""])[:3]
        return author, subject, body.strip()

    def commit_date(self, commit: str) -> datetime:
        """Return the committer date of ``commit`` as an aware UTC datetime.

        Raises:
            GitFailed: no such commit.
        """
        stamp = int(self.run(["log", "-1", "--format=%ct", commit]).out)
        return datetime.fromtimestamp(stamp, UTC)

    def parents(self, commit: str) -> list[str]:
        """The parent commit ids of ``commit``.

        Raises:
            GitFailed: no such commit.
        """
        return self.run(["rev-list", "--parents", "-n1", commit]).out.split()[1:]

    def line_log(self, revisions: str, path: str, start: int, end: int) -> list[LoggedCommit]:
        """Commits of ``revisions`` (e.g. ``A..B``) that changed lines ``start``-``end``
        (1-based, inclusive, as in the tip of ``revisions``) of ``path``: ``git log -L``.

        Returns:
            newest first; empty when git cannot trace the range (e.g. no such file).
        """
        logged = self.run(["log", f"-L{start},{end}:{path}", "-s", _LOG_FORMAT, revisions], ok=ANY)
        return _parse_log(logged.out) if logged.returncode == 0 else []

    def path_log(self, revisions: str, *paths: str) -> list[LoggedCommit]:
        """Commits of ``revisions`` that changed any of the files ``paths``, newest first;
        empty when git cannot list them (e.g. no such revision)."""
        logged = self.run(["log", _LOG_FORMAT, revisions, "--", *paths], ok=ANY)
        return _parse_log(logged.out) if logged.returncode == 0 else []
