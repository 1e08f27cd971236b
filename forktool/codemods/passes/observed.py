"""What a tree-wide pass read of a release tree, kept so that the next release reuses the
pass's result wherever it differs only where the pass did not look.

A pass decides from *probes* of single files: does the file mention one of these words,
where does it define this name, what does the part of its parsed text the pass uses hold.
Each probe is a pure function of one file's path and bytes, named by a kind and an
argument (a string) so that it can be made again later. A pass run with a :class:`Reads`
notes every probe it makes and its answers. On the next tree, only the files that differ
(added, removed or changed) are probed again, with every probe of the record
(:func:`still_holds`): when every answer is the same, the pass takes the same steps on the
new tree as on the old and returns the same result. Two sorts of probe:

- made on *every* file of the pass's files (a gate: "which files mention ``import_module``"):
  re-made on every changed file; only non-empty answers are kept;
- made only on the files a gate let in (``everywhere=False``: "what this module defines"):
  re-made on the changed files it was made on; every answer is kept. The gates, equal on
  every changed file, let in the same files as before.

Nothing here knows a pass's probes: the pass gives the function that answers them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from forktool.model import FileEntry

#: One probe's answer for one file: JSON-plain (a list stands for a tuple).
Answer = bool | str | list[int]
#: ``(kind, argument, path, bytes or None for a file that is not there) -> answer``.
Probe = Callable[[str, str, str, bytes | None], Answer]


@dataclass
class Reads:
    """The probes one run of a pass made, and their answers.

    Attributes:
        answers: ``(kind, argument)`` -> path -> answer, for the probes made on every file
            (answers that are empty left out) and for those made on some files (all kept).
        partial: the ``(kind, argument)`` of the probes made only on some files.
    """

    answers: dict[tuple[str, str], dict[str, Answer]] = field(default_factory=dict)
    partial: set[tuple[str, str]] = field(default_factory=set)

    def note(
        self, kind: str, argument: str, path: str, answer: Answer, *, everywhere: bool = True
    ) -> None:
        """Record ``answer`` of the probe ``(kind, argument)`` on ``path``; a probe made on
        every file must be noted for every file (or :meth:`made` once, then the non-empty
        answers)."""
        slot = self.answers.setdefault((kind, argument), {})
        if not everywhere:
            self.partial.add((kind, argument))
            slot[path] = answer
        elif answer:
            slot[path] = answer

    def made(self, kind: str, argument: str) -> None:
        """Record that the probe ``(kind, argument)`` was made on every file (even if no
        file answered it)."""
        self.answers.setdefault((kind, argument), {})


@dataclass
class Kept:
    """A pass's result with what it read to reach it, as stored between runs.

    Attributes:
        files: path -> git blob id of every file the pass could probe.
        reads: the probes made and their answers.
        result: the pass's result, JSON-plain (the pass reads it back).
    """

    files: dict[str, str]
    reads: Reads
    result: object

    def to_json(self) -> object:
        """JSON-plain form (:meth:`from_json` reads it back)."""
        return {
            "files": self.files,
            "answers": [
                [kind, argument, (kind, argument) in self.reads.partial, answered]
                for (kind, argument), answered in sorted(self.reads.answers.items())
            ],
            "result": self.result,
        }

    @classmethod
    def from_json(cls, data: object) -> Kept | None:
        """The record :meth:`to_json` wrote, or None for anything else (a damaged record
        is as good as none: the pass runs whole)."""
        try:
            assert isinstance(data, dict)
            files, answers = data["files"], data["answers"]
            assert isinstance(files, dict) and isinstance(answers, list)
            reads = Reads()
            for kind, argument, partial, answered in answers:
                assert isinstance(kind, str) and isinstance(argument, str)
                assert isinstance(answered, dict)
                reads.answers[(kind, argument)] = answered
                if partial:
                    reads.partial.add((kind, argument))
            return cls({str(k): str(v) for k, v in files.items()}, reads, data["result"])
        except (AssertionError, KeyError, TypeError, ValueError):
            return None


def blob_ids(files: Mapping[str, FileEntry]) -> dict[str, str]:
    """path -> git blob id, for :attr:`Kept.files`."""
    return {path: entry.blob_id for path, entry in files.items()}


def still_holds(kept: Kept, files: Mapping[str, FileEntry], probe: Probe) -> bool:
    """True when the pass would take the same steps on ``files`` as on the tree ``kept``
    was made from: every probe of the record answers the same on every file that differs.

    Args:
        kept: the record of the earlier run (same pass, same code, same rename map: the
            caller's key says so).
        files: path -> file, the files of the new tree the pass could probe (as the
            earlier run's :attr:`Kept.files` were chosen).
        probe: answers a probe on one file (bytes None: the file is not there).
    """
    now = blob_ids(files)
    changed = sorted(
        path for path in kept.files.keys() | now.keys() if kept.files.get(path) != now.get(path)
    )
    if not changed:
        return True
    for (kind, argument), answered in kept.reads.answers.items():
        partial = (kind, argument) in kept.reads.partial
        for path in changed:
            if partial and path not in answered:
                continue  # not probed before; the gates say it is not now either
            entry = files.get(path)
            answer = probe(kind, argument, path, None if entry is None else entry.data)
            before = answered[path] if partial else answered.get(path) or None
            if (answer if partial else answer or None) != before:
                return False
    return True
