"""History: commits' metadata, ``git log`` of paths and line ranges, and ``git blame``."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from forktool.git.command import ANY, Commands
from forktool.git.objects import Authorship

#: One record per commit: \x1e, then id, author, date, subject separated by \x1f.
_LOG_FORMAT = "--format=%x1e%H%x1f%an <%ae>%x1f%aI%x1f%s"
#: Author and committer (name, email, raw date), then the whole message, separated by NUL.
_RECORD_FORMAT = "--format=%an%x00%ae%x00%ad%x00%cn%x00%ce%x00%cd%x00%B"


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


@dataclass(frozen=True)
class BlamedLine:
    """One line as ``git blame`` attributes it.

    Attributes:
        commit: the commit that last wrote the line.
        path: the file's path in that commit (blame follows renames).
        line: the line's 1-based number in that commit's version of the file.
    """

    commit: LoggedCommit
    path: str
    line: int


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

    def commit_record(self, commit: str) -> tuple[Authorship, str]:
        """Who made ``commit`` and when (dates raw), and its whole message as git keeps it.

        Raises:
            GitFailed: no such commit.
        """
        fields = self.run(["log", "-1", "--date=raw", _RECORD_FORMAT, commit]).text.split("\0", 6)
        return Authorship(*fields[:6]), fields[6]

    def commits_with_parents(self, base: str, tip: str) -> list[tuple[str, tuple[str, ...]]]:
        """The commits ``tip`` has that ``base`` has not, oldest first, each with its
        parents (``git rev-list --reverse --parents BASE..TIP``); empty when there are none.

        Raises:
            GitFailed: either is not a commit here.
        """
        listed = self.run(["rev-list", "--reverse", "--parents", f"{base}..{tip}"]).out
        rows = [line.split() for line in listed.splitlines()]
        return [(row[0], tuple(row[1:])) for row in rows if row]

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

    def first_parent_descendants(self, base: str, tip: str) -> list[str]:
        """The commits of ``tip``'s first-parent chain that descend from ``base``, oldest
        first, ``base`` left out: ``git rev-list --first-parent --reverse base..tip``, less
        the commits that do not contain ``base`` (those before the merge that brought
        ``base`` in, when ``base`` was made on another branch).

        Raises:
            GitFailed: either is not a commit here.
        """
        chain = self.run(["rev-list", "--first-parent", "--reverse", f"{base}..{tip}"]).out
        contain = set(self.run(["rev-list", "--ancestry-path", f"{base}..{tip}"]).out.split())
        return [commit for commit in chain.split() if commit in contain]

    def count_commits(self, base: str, tip: str) -> int:
        """How many commits ``tip`` has that ``base`` has not (``git rev-list --count``).

        Raises:
            GitFailed: either is not a commit here.
        """
        return int(self.run(["rev-list", "--count", f"{base}..{tip}"]).out)

    def count_all(self, tip: str) -> int:
        """How many commits ``tip``'s history holds, ``tip`` included.

        Raises:
            GitFailed: ``tip`` is not a commit here.
        """
        return int(self.run(["rev-list", "--count", tip]).out)

    def line_log(self, revisions: str, path: str, start: int, end: int) -> list[LoggedCommit]:
        """Commits of ``revisions`` (e.g. ``A..B``) that changed lines ``start``-``end``
        (1-based, inclusive, as in the tip of ``revisions``) of ``path``: ``git log -L``.

        Returns:
            newest first; empty when git cannot trace the range (e.g. no such file).
        """
        logged = self.run(["log", f"-L{start},{end}:{path}", "-s", _LOG_FORMAT, revisions], ok=ANY)
        return _parse_log(logged.out) if logged.returncode == 0 else []

    def pickaxe_log(self, revisions: str, path: str, text: str) -> list[LoggedCommit]:
        """Commits of ``revisions`` that changed how many times ``text`` occurs in ``path``
        (``git log -S``, a fixed string): the commit that deleted (or added) a line, where
        ``git log -L`` on the lines around it loses it. Newest first; empty when git cannot
        list them."""
        logged = self.run(["log", f"-S{text}", _LOG_FORMAT, revisions, "--", path], ok=ANY)
        return _parse_log(logged.out) if logged.returncode == 0 else []

    def path_log(self, revisions: str, *paths: str) -> list[LoggedCommit]:
        """Commits of ``revisions`` that changed any of the files ``paths``, newest first;
        empty when git cannot list them (e.g. no such revision)."""
        logged = self.run(["log", _LOG_FORMAT, revisions, "--", *paths], ok=ANY)
        return _parse_log(logged.out) if logged.returncode == 0 else []

    def blame(self, commit: str, path: str, ranges: Iterable[tuple[int, int]]) -> list[BlamedLine]:
        """Who last wrote lines of ``path`` as of ``commit``: ``git blame --porcelain``,
        following every parent of merges.

        Args:
            ranges: inclusive 1-based ``(first, last)`` line ranges of ``commit``'s file.

        Returns:
            one entry per line of the ranges, in file order; empty when there are no ranges
            or git cannot blame them (no such file, a range past its end).
        """
        args = [f"-L{first},{last}" for first, last in ranges]
        if not args:
            return []
        blamed = self.run(["blame", "--porcelain", *args, commit, "--", path], ok=ANY)
        return _parse_blame(blamed.text) if blamed.returncode == 0 else []


_BLAME_HEADER = re.compile(r"^([0-9a-f]{40,64}) (\d+) \d+(?: \d+)?$")


def _parse_blame(out: str) -> list[BlamedLine]:
    """``git blame --porcelain`` output as lines: a header per line (commit, line in it),
    the commit's details the first time it appears, its file name per group of lines."""
    details: dict[str, dict[str, str]] = {}
    lines: list[tuple[str, int, str]] = []
    commit, number, filename = "", 0, ""
    for row in out.splitlines():
        header = _BLAME_HEADER.match(row)
        if header:
            commit, number = header[1], int(header[2])
            details.setdefault(commit, {})
        elif row.startswith("\t"):
            lines.append((commit, number, filename))
        else:
            key, _, value = row.partition(" ")
            if key == "filename":
                filename = _unquote(value)
            details[commit].setdefault(key, value)
    commits = {sha: _blamed_commit(sha, fields) for sha, fields in details.items()}
    return [BlamedLine(commits[sha], path, number) for sha, number, path in lines]


def _blamed_commit(commit: str, fields: dict[str, str]) -> LoggedCommit:
    """A commit from blame's details: author, author-mail, -time, -tz, summary."""
    tz = fields.get("author-tz", "+0000")
    sign = -1 if tz.startswith("-") else 1
    offset = timedelta(hours=int(tz[1:3] or 0), minutes=int(tz[3:5] or 0)) * sign
    when = datetime.fromtimestamp(int(fields.get("author-time", "0")), timezone(offset))
    author = f"{fields.get('author', '')} {fields.get('author-mail', '')}".strip()
    return LoggedCommit(commit, author, when.isoformat(), fields.get("summary", ""))


_ESCAPES = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13}
_ESCAPE = re.compile(r"\\([0-7]{3}|.)", re.DOTALL)


def _unquote(name: str) -> str:
    """A path as git writes it: C-quoted (``"a\\tb"``, octal bytes) when it needs to be."""
    if not (len(name) > 1 and name.startswith('"') and name.endswith('"')):
        return name

    def byte(escape: re.Match[str]) -> str:
        code = escape[1]
        value = int(code, 8) if len(code) == 3 else _ESCAPES.get(code, ord(code))
        return bytes([value]).decode("utf-8", "surrogateescape")

    text = _ESCAPE.sub(byte, name[1:-1])
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "surrogateescape")
