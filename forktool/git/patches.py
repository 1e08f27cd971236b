"""Patches as mail: ``git format-patch`` mailboxes, ``git mailinfo``, and trailers."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from forktool.git.command import Commands


@dataclass(frozen=True)
class MailInfo:
    """What ``git mailinfo`` reads from a patch mail's header (every field "" when the
    mail does not say).

    Attributes:
        author: the ``From:`` name; email: its address; date: the ``Date:`` line as
            written; subject: the subject, ``[PATCH ...]`` removed and folded lines
            joined; message: the message body (up to the ``---`` line), RFC 2047 decoded.
    """

    author: str = ""
    email: str = ""
    date: str = ""
    subject: str = ""
    message: str = ""


class Patches(Commands):
    """Writing commits as patch mails and reading such mails back."""

    def format_patch(self, base: str, tip: str) -> bytes:
        """``git format-patch --stdout --no-signature BASE..TIP``: a mailbox, one message
        per commit (oldest first, ``[PATCH n/m]`` when there are several).

        Raises:
            GitFailed: ``base`` or ``tip`` is not a commit here.
        """
        args = ["format-patch", "--stdout", "--no-signature", f"{base}..{tip}"]
        return self.run(args).stdout

    def mail_info(self, mail: bytes) -> MailInfo:
        """The author, date, subject and message of a patch mail (``git mailinfo``, which
        decodes RFC 2047 headers and unfolds long ones).

        Args:
            mail: the mail, or just its header (everything before the diff).

        Returns:
            what git found; every field "" for an empty mail (git's exit code 1). Never
            raises for a mail git cannot read.
        """
        with tempfile.TemporaryDirectory(prefix="forktool-mailinfo-") as scratch:
            msg, patch = Path(scratch) / "msg", Path(scratch) / "patch"
            # 0: read; 1: nothing to read (an empty mail); 128: git could not read it.
            # -b: of a subject's bracketed prefixes only [PATCH ...] is dropped.
            args = ["mailinfo", "-b", str(msg), str(patch)]
            read = self.run(args, input=mail, ok=(0, 1, 128))
            body = msg.read_text(encoding="utf-8", errors="replace") if msg.exists() else ""
        if read.returncode != 0:
            return MailInfo()
        fields = dict(line.split(": ", 1) for line in read.text.splitlines() if ": " in line)
        return MailInfo(
            author=fields.get("Author", ""),
            email=fields.get("Email", ""),
            date=fields.get("Date", ""),
            subject=fields.get("Subject", ""),
            message=body,
        )

    def add_trailer(self, message: str, trailer: str) -> str:
        """``message`` with ``trailer`` (``Key: value``) added to its trailer block, or as
        a new one (``git interpret-trailers``); the message ends in one newline.

        Raises:
            GitFailed: git could not (it reads any text, so only when git itself fails).
        """
        text = message.rstrip("\n").encode() + b"\n"
        return self.run(["interpret-trailers", "--trailer", trailer], input=text).text
