"""Patch metadata: ``Reason:``, ``Forwarded:``, ``Upstream-PR:`` (and a backport's origin,
the release a patch was made on) read from diff headers and codemod docstrings, and shown
by ``patch list``, ``status`` and the conflict report."""

from __future__ import annotations

import json
import re
from pathlib import Path

from forktool.git.repository import GitRepo
from forktool.patches.metadata import (
    Mail,
    PatchMetadata,
    PatchOrigin,
    from_codemod,
    from_diff,
    read_mail,
    with_value,
    without_metadata,
)
from tests.helpers import git, run_cli

DIFF_HEADER = b"""\
From: Fork Maintainers <fork@example.org>
Subject: Name the fork in the banner

Operators should see it.

Reason: operators must tell the fork from Flask
forwarded:   https://github.com/pallets/flask/issues/1
Upstream-PR: https://github.com/pallets/flask/pull/2
Forktool-Base: flask 3.1.3
---
 src/x.py | 2 +-
Reason: after the separator, ignored
diff --git a/src/x.py b/src/x.py
"""

CODEMOD = '''\
"""Cap request bodies at 16 MiB.

Reason: our load balancers reject more
Forwarded: no
"""

from forktool.patchapi import ChangeDefault

patch = ChangeDefault("src/ourpkg/core.py", name="greet", parameter="name", value="'x'")
'''


def test_diff_header_fields() -> None:
    assert from_diff(DIFF_HEADER) == PatchMetadata(
        origin=PatchOrigin.FORK,
        base="3.1.3",
        reason="operators must tell the fork from Flask",
        forwarded="https://github.com/pallets/flask/issues/1",
        upstream_pr="https://github.com/pallets/flask/pull/2",
    )


def test_backport_origin_and_one_line_descriptions() -> None:
    meta = from_diff(b"Forktool-Backport: " + b"a" * 40 + b"\nForktool-Base: up 1.0\n---\n")
    assert (meta.origin, meta.backport_of) == ("backport", "a" * 40)
    assert meta.origin_line == "backport of aaaaaaaaaaaa, made on 1.0"
    described = from_diff(DIFF_HEADER).describe()
    assert described == (
        "made on 3.1.3; reason: operators must tell the fork from Flask; "
        "forwarded: https://github.com/pallets/flask/issues/1; "
        "upstream PR: https://github.com/pallets/flask/pull/2"
    )
    assert PatchMetadata().describe() == ""


def test_codemod_docstring_block_is_read_without_importing() -> None:
    meta = from_codemod(CODEMOD.encode())
    assert (meta.reason, meta.forwarded, meta.origin) == (
        "our load balancers reject more",
        "no",
        "fork",
    )
    assert from_codemod(b"import this_module_does_not_exist\n") == PatchMetadata()
    assert from_codemod(b"def broken(:\n") == PatchMetadata()


def test_values_that_are_not_what_the_key_expects_are_problems() -> None:
    meta = from_diff(b"Forwarded: maybe later\nForktool-Base: 3.1.3\n---\n")
    assert meta.forwarded == "maybe later"
    assert meta.problems == (
        "Forktool-Base: '3.1.3' is not '<upstream> <version>'",
        "Forwarded: 'maybe later' is neither a URL nor 'no'",
    )


def _cowboy_patch(definition: Path) -> Path:
    assert run_cli(definition, "sync", "--to", "1.0").exit_code == 0
    fork = definition / "forks" / "mypkg"
    core = fork / "src/ourpkg/core.py"
    core.write_text(core.read_text().replace('"hello "', '"Howdy "'))
    git(fork, "commit", "-qam", "Greet like a cowboy")
    assert run_cli(definition, "patch", "add", "HEAD").exit_code == 0
    patch = definition / "patches" / "mypkg" / "greet-like-a-cowboy.patch"
    text = patch.read_text()
    patch.write_text(
        text.replace(
            "Forktool-Base:", "Reason: the fork is a cowboy\nForwarded: no\nForktool-Base:"
        )
    )
    return patch


def test_patch_list_and_status_show_metadata(definition: Path) -> None:
    _cowboy_patch(definition)
    codemod = definition / "patches" / "mypkg" / "default.py"
    codemod.write_text(CODEMOD)
    series = definition / "patches" / "mypkg" / "series"
    series.write_text(series.read_text() + "default.py\n")

    listed = run_cli(definition, "patch", "list")
    assert listed.exit_code == 0, listed.output
    words = " ".join(listed.output.split())
    assert "origin" in words and "made on 1.0" in words
    assert "reason: the fork is a cowboy" in words and "forwarded: no" in words
    assert "reason: our load balancers reject more" in words

    document = json.loads(run_cli(definition, "patch", "list", "--json").stdout)
    diff, code = (p["metadata"] for p in document["patches"])
    assert diff == {
        "origin": "fork", "backport_of": "", "base": "1.0", "reason": "the fork is a cowboy",
        "forwarded": "no", "upstream_pr": "", "problems": [],
    }  # fmt: skip
    assert (code["reason"], code["forwarded"], code["base"]) == (
        "our load balancers reject more",
        "no",
        "",
    )
    documented = (Path(__file__).parent.parent / "docs" / "json.md").read_text()
    metadata_table = documented.split("\n### Metadata\n", 1)[1].split("\n## ", 1)[0]
    assert set(re.findall(r"^\| `([a-z_]+)` \|", metadata_table, re.M)) == set(diff)

    status = run_cli(definition, "status", "--offline")
    words = " ".join(status.output.split())
    assert "made on 1.0" in words and "reason: the fork is a cowboy" in words
    status_json = json.loads(run_cli(definition, "status", "--offline", "--json").stdout)
    patches = status_json["upstreams"][0]["patches"]
    assert [p["metadata"]["reason"] for p in patches] == [
        "the fork is a cowboy",
        "our load balancers reject more",
    ]
    assert "patch_metadata" not in status_json["upstreams"][0]


def test_a_codemod_without_metadata_lists_as_before(definition: Path) -> None:
    assert run_cli(definition, "sync", "--to", "1.0").exit_code == 0
    plain = definition / "patches" / "mypkg" / "plain.py"
    plain.write_text(CODEMOD.replace("Reason: our load balancers reject more\nForwarded: no\n", ""))
    (definition / "patches" / "mypkg" / "series").write_text("plain.py\n")
    listed = run_cli(definition, "patch", "list")
    header = next(line for line in listed.output.splitlines() if "patch" in line and "kind" in line)
    assert header.split() == ["patch", "kind", "status", "detail"]


def test_conflict_report_names_the_patchs_metadata(definition: Path) -> None:
    _cowboy_patch(definition)
    fork = definition / "forks" / "mypkg"
    git(fork, "reset", "-q", "--hard", "HEAD~1")  # the change lives in the series only
    stopped = run_cli(definition, "sync", "--to", "1.1")
    assert stopped.exit_code == 1, stopped.output
    report = json.loads(run_cli(definition, "report", "--json").stdout)
    (patch,) = report["entries"][0]["patches"]
    assert patch["name"] == "greet-like-a-cowboy.patch"
    assert "made on 1.0; reason: the fork is a cowboy; forwarded: no" in patch["detail"]
    text = run_cli(definition, "report")
    assert "reason: the fork is a cowboy" in " ".join(text.output.split())


def test_with_value_replaces_the_key_case_insensitively_and_keeps_every_other_byte() -> None:
    data = b"Subject: x\r\n\r\nforwarded: no\r\nForktool-Base: up 1.0\r\n---\r\ndiff --git a\r\n"
    changed = with_value(data, "Forwarded:", "https://example.org/pr/2")
    assert changed == data.replace(b"forwarded: no", b"Forwarded: https://example.org/pr/2")
    assert from_diff(changed).forwarded == "https://example.org/pr/2"
    added = with_value(b"Subject: x\n\nForktool-Base: up 1.0\n---\n", "Reason:", "ops")
    assert added == b"Subject: x\n\nReason: ops\nForktool-Base: up 1.0\n---\n"


def test_without_metadata_keeps_the_changes_own_message() -> None:
    message = "Fix it\n\nreason: ours\nUpstream-PR: 5\nSigned-off-by: A <a@x>\nFORWARDED: no"
    assert without_metadata(message) == "Fix it\n\nSigned-off-by: A <a@x>"


def test_read_mail_decodes_and_leaves_the_diffstat_out(tmp_path: Path) -> None:
    repo = GitRepo.init(tmp_path / "r", "main")
    mail = (
        b"From 0123 Mon Sep 17 00:00:00 2001\n"
        b"From: =?UTF-8?q?J=C3=B6rg=20M=C3=BCller?= <j@x>\n"
        b"Subject: [PATCH] =?UTF-8?q?F=C3=BCr?=\n =?UTF-8?q?=20alle?=\n\n---\n"
        b" a.py | 2 +-\n 1 file changed\n\ndiff --git a/a.py b/a.py\n"
    )
    assert read_mail(repo, mail) == Mail("Jörg Müller", "j@x", "", "Für alle", "")
    assert read_mail(repo, mail).author == "Jörg Müller <j@x>"
    assert read_mail(repo, b"diff --git a/a.py b/a.py\n").author == ""


def test_backport_commit_is_a_full_id_only() -> None:
    assert from_diff(b"Forktool-Backport: " + b"a" * 40 + b"\n---\n").backport_commit == "a" * 40
    assert from_diff(b"Forktool-Backport: 5999.patch\n---\n").backport_commit == ""
