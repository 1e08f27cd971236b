"""Conflict markers named for people (``fork main``, ``flask 3.0.3 (base)``, ``flask
3.1.3``), the same in the merge preview and in the working-tree merge, so the blobs the
intent record predicts are the blobs the merge writes."""

from __future__ import annotations

import json
import os
from pathlib import Path

from forktool import config as config_mod
from forktool.git.merge import MergeLabels, relabel
from forktool.git.repository import GitRepo
from forktool.model import FileEntry
from forktool.sync import integrate
from tests.helpers import diverged, git, git_save, run_cli
from tests.test_conflicts import close_repositories

__all__ = ["close_repositories"]  # a fixture, for every test here

LABELS = MergeLabels("fork main", "flask 3.0.3 (base)", "flask 3.1.3")
THEIRS = "f" * 40


def test_relabel_names_the_three_sides_and_nothing_else() -> None:
    merged = (
        b"keep\n<<<<<<< HEAD\nours\n||||||| 1234abc\nbase\n=======\ntheirs\n"
        b">>>>>>> " + THEIRS.encode() + b"\nmiddle\n<<<<<<< elsewhere\n"
        b"<<<<<<< HEAD:src/old.py\nours\r\n||||||| 1234abc:src/old.py\r\n=======\r\n"
        b">>>>>>> " + THEIRS.encode() + b":src/new.py\r\n>>>>>>> HEAD\n"
    )
    assert relabel(merged, "HEAD", THEIRS, LABELS) == (
        b"keep\n<<<<<<< fork main\nours\n||||||| flask 3.0.3 (base)\nbase\n=======\ntheirs\n"
        b">>>>>>> flask 3.1.3\nmiddle\n<<<<<<< elsewhere\n"
        b"<<<<<<< fork main:src/old.py\nours\r\n||||||| flask 3.0.3 (base)\r\n=======\r\n"
        b">>>>>>> flask 3.1.3:src/new.py\r\n>>>>>>> HEAD\n"
    )
    once = relabel(merged, "HEAD", THEIRS, LABELS)
    assert relabel(once, "HEAD", THEIRS, LABELS) == once  # twice changes nothing
    wide = b"<<<<<<<<< HEAD\n|||||||||| x\n||||||||| x\n=========\n>>>>>>>>> " + THEIRS.encode()
    assert relabel(wide, "HEAD", THEIRS, LABELS) == (
        b"<<<<<<<<< fork main\n|||||||||| x\n||||||||| flask 3.0.3 (base)\n=========\n"
        b">>>>>>>>> flask 3.1.3"
    )  # conflict-marker-size 9: only markers of that size


def test_preview_and_merge_write_the_same_labelled_file(tmp_path: Path) -> None:
    repo, side = diverged(tmp_path)
    (tmp_path / "a.txt").chmod(0o755)
    git(tmp_path, "add", "a.txt")
    git_save(tmp_path, "executable")
    preview = repo.merge_preview(side, labels=LABELS)
    predicted = repo.blob_at(preview.tree, "a.txt")
    assert predicted is not None
    assert predicted.splitlines()[0] == b"<<<<<<< fork main"
    assert b"||||||| flask 3.0.3 (base)\n" in predicted
    assert predicted.splitlines()[-1] == b">>>>>>> flask 3.1.3"
    assert repo.merge_preview(side).tree != preview.tree  # git's own labels otherwise

    outcome = repo.merge(side, "merge side\n", labels=LABELS)
    assert outcome.conflicts == ("a.txt",)
    assert (tmp_path / "a.txt").read_bytes() == predicted
    assert os.access(tmp_path / "a.txt", os.X_OK)  # the mode git gave it, kept
    assert git(tmp_path, "status", "--porcelain") == "UU a.txt"  # no file of forktool's


def test_a_sync_labels_markers_and_predicts_their_blobs(definition: Path) -> None:
    assert run_cli(definition, "sync", "mypkg", "--to", "1.0").exit_code == 0
    fork = definition / "forks" / "mypkg"
    core = fork / "src/ourpkg/core.py"
    core.write_text(core.read_text().replace('"hello "', '"Yo "'))
    git(fork, "commit", "-qam", "fork edit")
    result = run_cli(definition, "sync", "mypkg", "--to", "1.1")
    assert result.exit_code == 1
    markers = [line for line in core.read_text().splitlines() if line and line[0] in "<|>"]
    assert markers == ["<<<<<<< fork main", "||||||| mypkg 1.0 (base)", ">>>>>>> mypkg 1.1"]
    # What the sync predicts before it merges (the intent record's writes) is what the
    # merge wrote: HEAD is still the fork commit, so the plan can be made again.
    record = json.loads((fork / ".git/forktool/mypkg.pending.json").read_text())
    cfg = config_mod.load(definition, "mypkg")
    labels = integrate.merge_labels(cfg, "1.0", "1.1")
    predicted = integrate.plan(GitRepo(fork), record["transformed"], labels).writes
    assert predicted["src/ourpkg/core.py"][1] == FileEntry(core.read_bytes()).blob_id
    assert record["writes"]["src/ourpkg/core.py"] == predicted["src/ourpkg/core.py"]
