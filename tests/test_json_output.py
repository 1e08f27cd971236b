"""``--json`` on every command that reports: one JSON object with ``schema`` 1 and the
command's name, with exactly the keys docs/json.md documents, on a real small fork."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import click

from forktool.cli import main
from tests.helpers import git, run_cli

DOCS = Path(__file__).parent.parent / "docs"
#: Commands with ``--json`` whose document is not (yet) in docs/json.md: ``init`` is being
#: written in parallel and documents its own output; drop it here once json.md has it.


def _keys(body: str) -> list[str]:
    return re.findall(r"^\| `([a-z_]+)` \|", body, re.MULTILINE)


def documented() -> dict[str, dict[str, list[str]]]:
    """``## `forktool X --json``` section -> {"": its top-level keys, "Sub": the keys of its
    ``### Sub`` table}; other ``##`` sections by title (``Errors``, ``Patch``)."""
    text = (DOCS / "json.md").read_text(encoding="utf-8")
    sections: dict[str, dict[str, list[str]]] = {}
    for block in text.split("\n## ")[1:]:
        title, body = block.split("\n", 1)
        named = re.fullmatch(r"`forktool (.+) --json`", title.strip())
        parts = body.split("\n### ")
        tables = {"": _keys(parts[0])}
        for part in parts[1:]:
            sub, sub_body = part.split("\n", 1)
            tables[sub.strip()] = _keys(sub_body)
        sections[named.group(1) if named else title.strip()] = tables
    return sections


def conflict_report_fields() -> list[str]:
    """The top-level fields of the conflict report (docs/conflict-report.md)."""
    text = (DOCS / "conflict-report.md").read_text(encoding="utf-8")
    schema = text.split("## JSON schema, version 1", 1)[1]
    return _keys(schema.split("\n### Report", 1)[1].split("\n### ", 1)[0])


def commands_with_json(group: click.Group, prefix: str = "") -> set[str]:
    """Every command (``patch list``, ...) that takes ``--json``."""
    found: set[str] = set()
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found |= commands_with_json(command, f"{prefix}{name} ")
        elif any("--json" in getattr(p, "opts", ()) for p in command.params):
            found.add(f"{prefix}{name}")
    return found


class Outputs:
    """Runs commands with ``--json`` and keeps every document each one printed."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.documents: dict[str, list[dict[str, Any]]] = defaultdict(list)

    def run(self, *args: str, code: int = 0) -> dict[str, Any]:
        result = run_cli(self.root, *args, "--json")
        assert result.exit_code == code, result.output
        document = json.loads(result.stdout)  # exactly one JSON document
        assert isinstance(document, dict)
        assert document["schema"] == 1
        name = document["command"]
        assert " ".join(args).startswith(name), (name, args)
        self.documents["Errors" if "error" in document else name].append(document)
        return document


def run_every_command(definition: Path) -> Outputs:
    """Every ``--json`` command on a fork of the fixture upstream: a first sync, a patch
    captured from a fork commit, a patch conflict resolved and continued, and errors."""
    runs = Outputs(definition)
    fork = definition / "forks" / "mypkg"
    runs.run("status")  # before the first sync
    runs.run("report")  # nothing waiting
    runs.run("sync", "mypkg", "--to", "1.0")
    core = fork / "src/ourpkg/core.py"
    core.write_text(core.read_text().replace('"hello "', '"Howdy "'))
    git(fork, "commit", "-qam", "Greet like a cowboy")
    runs.run("patch", "add", "HEAD")
    upstream_change = git(definition.parent / "upstream-src", "rev-parse", "v1.1~1")
    backported = runs.run("backport", upstream_change)
    runs.run("export", "HEAD", "--onto")
    runs.run("patch", "list")
    runs.run("patch", "drop", backported["patch"])
    runs.run("patch", "replay")
    runs.run("check", code=1)  # the patch conflicts with 1.1
    remote = definition.parent / "remote.git"
    git(definition.parent, "init", "-q", "--bare", str(remote))
    git(fork, "remote", "add", "origin", str(remote))
    runs.run("ci", "run", "--remote", "origin", "--out", str(definition.parent / "bot"), code=1)
    runs.run("ci", "init", "--github", "--requirement", "forktool==0.1.0")
    runs.run("shims", "--dry-run")
    runs.run("shims")
    runs.run("leftovers")
    extension = definition / "ext"
    extension.mkdir()
    (extension / "app.py").write_text("import mypkg\n")
    runs.run("rename", "--diff", str(extension))
    runs.run("status", "--offline")

    git(fork, "reset", "-q", "--hard", "HEAD~1")  # the change now lives in the series only
    git(fork, "commit", "-q", "--allow-empty", "-m", "keep main moving")
    runs.run("sync", code=1)
    runs.run("status", code=1)
    runs.run("report", code=1)
    runs.run("resolve", "src/ourpkg/core.py", "--take", "fork")  # the patch's side, staged
    runs.run("patch", "refresh")
    runs.run("sync", "--continue")
    runs.run("status")
    runs.run("patch", "drop", "greet-like-a-cowboy.patch")

    runs.run("status", "nosuch", code=2)
    runs.run("patch", "drop", "nosuch.patch", code=2)
    runs.run("report", "--format", "html", code=2)
    runs.run("resolve", "src/ourpkg/core.py", "--take", "fork", code=2)  # nothing waiting
    # Last: a second upstream changes what the commands above would default to.
    upstream = str(definition.parent / "upstream-src")
    runs.run("init", "other", "--git", upstream, "--package", "mypkg=otherpkg", "--yes")
    runs.run("init", "other", "--git", upstream, "--package", "mypkg=otherpkg", "--yes", code=2)
    return runs


def union(objects: list[dict[str, Any]]) -> set[str]:
    return {key for item in objects for key in item}


def test_every_document_has_the_documented_keys(definition: Path) -> None:
    runs = run_every_command(definition)
    docs = documented()
    names = commands_with_json(main)
    assert set(runs.documents) == names | {"Errors"}
    patches: list[dict[str, Any]] = []
    for name in names:
        printed = runs.documents[name]
        wanted = set(docs[name][""])
        if name == "report":
            waiting = [d for d in printed if d["waiting"]]
            assert union(waiting) == wanted | set(conflict_report_fields())
            assert union([d for d in printed if not d["waiting"]]) == wanted
        else:
            assert union(printed) == wanted, name
    for document in runs.documents["Errors"]:
        assert set(document) == set(docs["Errors"][""])
        assert set(document["error"]) == {"message", "hint"}

    statuses = [u for d in runs.documents["status"] for u in d["upstreams"]]
    assert union(statuses) == set(docs["status"]["Upstream"])
    assert union([u["fork"] for u in statuses]) == set(docs["status"]["Fork"])
    assert union([u["shim"] for u in statuses]) == set(docs["status"]["Shim"])
    pending = [u["pending"] for u in statuses if u["pending"]]
    assert pending and union(pending) == set(docs["status"]["Pending"])
    patches += [p for u in statuses for p in u["patches"]]

    bot = [r for d in runs.documents["ci run"] for r in d["results"]]
    assert bot and union(bot) == set(docs["ci run"]["Result"])
    assert union([u["bot"] for u in statuses if u["bot"]]) == {
        "at", "outcome", "version", "branch", "commit", "pushed", "remote"
    }  # fmt: skip

    results = [r for d in runs.documents["sync"] for r in d["results"]]
    assert union(results) == set(docs["sync"]["Result"])
    patches += [p for r in results for p in r["patches"]]
    checks = [r for d in runs.documents["check"] for r in d["results"]]
    assert union(checks) == set(docs["check"]["Check result"])
    patches += [p for r in checks for p in r["patches"]]
    patches += [p for d in runs.documents["patch list"] for p in d["patches"]]
    resolved = [h for d in runs.documents["resolve"] for h in d["hunks"]]
    assert resolved and union(resolved) == set(docs["resolve"]["Resolved hunk"])
    replays = [r for d in runs.documents["patch replay"] for r in d["releases"]]
    patches += [p for r in replays for p in r["patches"]]
    assert patches and union(patches) == set(docs["Patch"][""])


def test_every_command_with_json_has_a_section_and_an_example() -> None:
    docs = documented()
    text = (DOCS / "json.md").read_text(encoding="utf-8")
    exit_codes = text.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    for name in commands_with_json(main):
        assert docs.get(name, {}).get(""), f"docs/json.md has no table for {name}"
        section = text.split(f"## `forktool {name} --json`", 1)[1].split("\n## ", 1)[0]
        assert "```json" in section, name
        assert f"`{name.split()[0]}`" in exit_codes or f"`{name}`" in exit_codes, name
    for block in re.findall(r"```json\n(.*?)```", text, re.DOTALL):
        assert json.loads(block)["schema"] == 1  # every example is valid JSON


def test_report_accepts_json_as_format(definition: Path) -> None:
    assert run_cli(definition, "sync", "mypkg", "--to", "1.0").exit_code == 0
    fork = definition / "forks" / "mypkg"
    core = fork / "src/ourpkg/core.py"
    core.write_text(core.read_text().replace('"hello "', '"Hi there, "'))
    git(fork, "commit", "-qam", "fork: friendlier greeting")
    assert run_cli(definition, "sync", "mypkg", "--to", "1.1").exit_code == 1
    as_flag = run_cli(definition, "report", "--json")
    as_format = run_cli(definition, "report", "--format", "json")
    assert as_flag.exit_code == as_format.exit_code == 1
    assert as_flag.stdout == as_format.stdout
    written = definition / "report.json"
    assert run_cli(definition, "report", "--json", "-o", str(written)).exit_code == 1
    assert json.loads(written.read_text()) == json.loads(as_flag.stdout)


def test_sync_of_several_upstreams_lists_the_failed_ones(definition: Path) -> None:
    (definition / "upstream" / "broken.toml").write_text(
        '[source]\ntype = "git"\nurl = "/nonexistent/up"\n\n[rename.packages]\nmypkg = "ourpkg"\n'
        '\n[fork]\npath = "forks/broken"\n'
    )
    result = run_cli(definition, "sync", "--json")
    assert result.exit_code == 2
    document = json.loads(result.stdout)
    assert [r["upstream"] for r in document["results"]] == ["mypkg"]
    assert [e["upstream"] for e in document["errors"]] == ["broken"]
    assert document["errors"][0]["message"] and "hint" in document["errors"][0]
    assert "error:" in result.stderr
