"""Rendering the conflict report: JSON against the documented schema, Markdown, HTML
(well-formed, escaped, self-contained) and the terminal view."""

from __future__ import annotations

import html
import json
import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest
from rich.console import Console

from forktool import config as config_mod
from forktool.conflicts.collect import Commit, ConflictReport, Entry, Hunk, PatchRef, Side, collect
from forktool.conflicts.render import render_terminal, to_html, to_json, to_markdown
from forktool.conflicts.text import HunkKind
from tests.helpers import git, run_cli
from tests.test_conflicts import close_repositories

__all__ = ["close_repositories"]  # a fixture, for every test here

DOC = Path(__file__).parent.parent / "docs" / "conflict-report.md"

UP = Commit("a" * 40, "greet: capitalise <the> greeting", "Up Stream <up@example.org>",
            "2024-11-01T13:13:05-07:00")  # fmt: skip
FORK = Commit("b" * 40, "fork: friendlier | greeting", "Fork Hand <f@example.org>",
              "2025-01-02T10:00:00+00:00")  # fmt: skip
LONG = "return compute(" + ", ".join(f"argument_{i}" for i in range(12)) + ")"
HOSTILE = '    x = "</pre><script>alert(1)</script>"  # ``` [bold]not markup[/] |\n'


def sample() -> ConflictReport:
    """A report with a content conflict holding hostile text, a file-level conflict, and a
    warning."""
    hunk = Hunk(
        line=7,
        base=Side(5, 1, '    return "hello " + name\n'),
        fork=Side(5, 2, '    return "Hi there, " + name\n' + HOSTILE),
        upstream=Side(6, 1, '    return "Hello, " + name\n'),
        upstream_commits=(UP,),
        fork_commits=(FORK,),
        suggestion="take upstream's side, then re-apply the fork's line: `x = 1`, which drops "
        f"upstream's line `{LONG}` (both changed it); or combine the two",
        kind=HunkKind.SAME_LINES,
        why="both sides changed the same line",
    )
    added = Hunk(0, Side(0, 0, ""), Side(1, 1, "A = 1\n"), Side(1, 1, "B = 2\n"),
                 upstream_changes=("@@ -0,0 +1 @@\n+B = 2\n",),
                 suggestion="take the proposed text; drops nothing", kind=HunkKind.ADJACENT,
                 why="upstream inserted 1 line next to the fork's changed line",
                 proposed="A = 1\nB = 2\n")  # fmt: skip
    return ConflictReport(
        upstream="mypkg",
        version="1.1",
        previous="1.0",
        stage="merge",
        source="git",
        history="commits",
        fork_repository=Path("/work/forks/mypkg"),
        resolve_in=Path("/work/forks/mypkg"),
        entries=(
            Entry("src/ourpkg/core.py", "src/mypkg/core.py", "content", True,
                  "both sides changed the same lines", "resolve it, then `git add x`",
                  hunks=(hunk,), patches=(PatchRef("p.py", "codemod", "clean"),)),
            Entry("src/ourpkg/extra.py", "src/mypkg/extra.py", "add/add", True,
                  "both sides added it", "merge them", hunks=(added,)),
            Entry("src/ourpkg/old.py", "src/mypkg/old.py", "modify/delete", True,
                  "the upstream deleted this file; the fork changed it",
                  "delete it (`git rm src/ourpkg/old.py`)", deleted_by="upstream",
                  upstream_commits=(UP,), fork_commits=(FORK,)),
            Entry("", "", "patch-no-match", False, "gone.py: nothing matched",
                  "drop it", patches=(PatchRef("gone.py", "codemod", "no-match"),)),
        ),
        next_step="resolve the 3 conflicted paths, then `forktool sync mypkg --continue`",
        commit_url="https://github.com/example/mypkg/commit/{id}",
    )  # fmt: skip


# -- JSON ---------------------------------------------------------------------------------


def documented_fields() -> dict[str, list[str]]:
    """``### Section`` -> the field names of its table, from docs/conflict-report.md."""
    text = DOC.read_text(encoding="utf-8")
    schema = text.split("## JSON schema, version 1", 1)[1].split("\n## ", 1)[0]
    sections = {}
    for block in schema.split("\n### ")[1:]:
        title, body = block.split("\n", 1)
        sections[title.strip()] = re.findall(r"^\| `([a-z_]+)` \|", body, re.MULTILINE)
    return sections


def test_json_has_exactly_the_documented_fields() -> None:
    fields = documented_fields()
    data = json.loads(to_json(sample()))

    assert data["schema"] == 1
    assert list(data) == fields["Report"]
    assert list(data["summary"]) == fields["Summary"]
    assert data["summary"] == {
        "entries": 4,
        "blocking": 3,
        "hunks": 2,
        "kinds": {"add/add": 1, "content": 1, "modify/delete": 1, "patch-no-match": 1},
    }
    for entry in data["entries"]:
        assert list(entry) == fields["Entry"]
        for patch in entry["patches"]:
            assert list(patch) == fields["Patch"]
        for commit in entry["upstream_commits"] + entry["fork_commits"]:
            assert list(commit) == fields["Commit"]
        for hunk in entry["hunks"]:
            assert list(hunk) == fields["Hunk"]
            for role in ("base", "fork", "upstream"):
                assert list(hunk[role]) == fields["Side"]
            for commit in hunk["upstream_commits"] + hunk["fork_commits"]:
                assert list(commit) == fields["Commit"]
    hunk = data["entries"][0]["hunks"][0]
    assert hunk["fork"]["text"].endswith(HOSTILE)
    assert (hunk["kind"], hunk["why"], hunk["proposed"]) == (
        "same-lines",
        "both sides changed the same line",
        None,
    )
    assert f"drops upstream's line `{LONG}` (both" in hunk["suggestion"]  # whole, never cut
    added = data["entries"][1]["hunks"][0]
    assert (added["kind"], added["proposed"]) == ("adjacent", "A = 1\nB = 2\n")
    assert hunk["upstream_commits"][0]["subject"] == UP.subject
    assert data["fork_repository"] == "/work/forks/mypkg"


def test_documented_kinds_are_the_kinds() -> None:
    from forktool.conflicts.collect import EntryKind

    text = DOC.read_text(encoding="utf-8")
    kinds_table = text.split("| kind | blocking |", 1)[1].split("\n\n", 1)[0]
    assert tuple(re.findall(r"^\| `([a-z/-]+)` \|", kinds_table, re.MULTILINE)) == tuple(EntryKind)


# -- Markdown -----------------------------------------------------------------------------


def test_markdown_has_the_table_sections_and_fences() -> None:
    text = to_markdown(sample())

    assert text.startswith("# Conflict report: mypkg 1.0 → 1.1\n")
    assert "| Path | Kind | Hunks | Upstream commits | Fork commits | Suggested step |" in text
    row = next(line for line in text.splitlines() if line.startswith("| `src/ourpkg/core.py`"))
    link = f"[`{'a' * 10}`](https://github.com/example/mypkg/commit/{'a' * 40})"
    assert f"| content | 1 | {link} | `{'b' * 10}` |" in row
    assert "## `src/ourpkg/core.py` — content" in text
    assert "### Hunk 1 — line 7" in text
    assert "**fork (HEAD)**, lines 5–6:" in text
    assert "**base (1.0)**, line 5:" in text
    # The fence outgrows the backticks inside the code.
    assert "````python\n" in text and HOSTILE.rstrip("\n") in text
    assert "greet: capitalise \\<the\\> greeting — Up Stream, 2024-11-01" in text
    assert "fork: friendlier \\| greeting — Fork Hand, 2025-01-02" in text
    assert "**Why:** both sides changed the same line  \n" in text
    assert (
        "**Suggested:** take upstream's side, then re-apply the fork's line: `x = 1`, which "
        f"**⚠ drops upstream's line `{LONG}` (both changed it)**; or combine the two"
    ) in text
    assert "…" not in text.split("## Warnings")[0].replace("… ", "")
    assert "**Proposed text (keeps both sides; git's merge, line by line):**" in text
    assert "```python\nA = 1\nB = 2\n```" in text
    assert "## Warnings (not blocking)" in text
    assert text.index("## Warnings") < text.index("### `patch gone.py` — patch-no-match")
    assert "*(no lines)*" in text  # the empty base of add/add
    assert "```diff\n@@ -0,0 +1 @@\n+B = 2\n```" in text


def test_markdown_table_cells_stay_in_their_column() -> None:
    text = to_markdown(sample())
    table = [line for line in text.splitlines() if line.startswith("| `src/")]
    for row in table:
        assert len(re.findall(r"(?<!\\)\|", row)) == 7, row


# -- HTML ---------------------------------------------------------------------------------

_VOID = {"meta", "br", "hr", "img", "input", "link", "wbr"}


class _Checker(HTMLParser):
    """Records the tags, checks they nest and close properly, and collects the text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += attrs
        if tag not in _VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, (tag, self.stack[-5:])
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(page: str) -> _Checker:
    checker = _Checker()
    checker.feed(page)
    checker.close()
    assert checker.stack == [], checker.stack
    return checker


def test_html_is_well_formed_escaped_and_self_contained() -> None:
    page = to_html(sample())
    checker = parse(page)

    assert page.startswith("<!DOCTYPE html>")
    assert "script" not in checker.tags
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    text = "".join(checker.text)
    assert '"</pre><script>alert(1)</script>"' in text  # shown, as text
    assert {"style", "table", "figure", "pre", "section"} <= set(checker.tags)
    assert "link" not in checker.tags and "img" not in checker.tags
    assert "<script" not in page and "url(" not in page and "@import" not in page
    urls = [value for name, value in checker.attrs if name in ("href", "src") and value]
    assert all(u.startswith("#") or u.startswith("https://github.com/example/") for u in urls)
    assert "greet: capitalise <the> greeting" in text
    # Each side, captioned with its lines, numbered from its first line.
    assert "fork (HEAD) · lines 5–6" in text and "base (1.0) · line 5" in text
    assert ("l", "6", '    x = "</pre><script>alert(1)</script>"  # ``` [bold]not markup[/] |') in (
        rows(figure(page, "fork"))
    )
    assert f'<strong class="drop">⚠ drops upstream&#x27;s line <code>{LONG}</code>' in page
    assert "Why: upstream inserted 1 line next to the fork’s changed line" not in text
    assert "Why: upstream inserted 1 line next to the fork's changed line" in text
    assert "proposed text (keeps both sides; git's merge, line by line)" in text


def figure(page: str, role: str, number: int = 0) -> str:
    """The HTML of the ``number``-th figure of side ``role`` (base, fork, upstream,
    proposed) in ``page``."""
    return re.findall(rf'<figure class="side {role}">.*?</figure>', page, re.DOTALL)[number]


# A numbered line of a side: its classes, its number, its code (ends where the next begins).
_ROW = re.compile(
    r'<span class="(l[a-z ]*)"><span class="n">(\d*)</span><span class="t">(.*?)</span></span>'
    r'(?=<span class="l|</pre>)'
)


def rows(html_figure: str) -> list[tuple[str, str, str]]:
    """``(classes, number, text)`` of each line of a side, its text unescaped."""
    return [(kind, number, plain(code)) for kind, number, code in _ROW.findall(html_figure)]


def plain(fragment: str) -> str:
    """The text of an HTML fragment."""
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def marked(html_figure: str) -> list[str]:
    """The text of each changed-word mark in a side."""
    return [plain(m) for m in re.findall(r'<mark class="chg">(.*?)</mark>', html_figure)]


def test_html_side_shows_its_context_dimmed_and_where_an_empty_side_would_be() -> None:
    hunk = sample().entries[0].hunks[0]
    around = "def greet(name):\n    # <b>\n"
    report = replace_hunk(
        sample(),
        replace(
            hunk,
            fork=replace(hunk.fork, before=around, after="\n"),
            upstream=Side(6, 0, "", around, "\ndef other():\n"),
        ),
    )
    page = to_html(report)

    assert rows(figure(page, "fork")) == [
        ("l ctx", "3", "def greet(name):"),
        ("l ctx", "4", "    # <b>"),
        ("l", "5", '    return "Hi there, " + name'),
        ("l", "6", HOSTILE.rstrip("\n")),
        ("l ctx", "7", ""),
    ]
    assert rows(figure(page, "upstream")) == [
        ("l ctx", "4", "def greet(name):"),
        ("l ctx", "5", "    # <b>"),
        ("l gap", "", "(no lines here)"),
        ("l ctx", "6", ""),
        ("l ctx", "7", "def other():"),
    ]
    assert rows(figure(page, "base")) == [("l", "5", '    return "hello " + name')]
    assert "Dimmed: the lines around the hunk" in plain(page)
    assert "Dimmed:" not in plain(to_html(sample()))  # no context, no word of it


def replace_hunk(report: ConflictReport, hunk: Hunk) -> ConflictReport:
    """``report`` with ``hunk`` in place of its first entry's first hunk."""
    first = replace(report.entries[0], hunks=(hunk, *report.entries[0].hunks[1:]))
    return replace(report, entries=(first, *report.entries[1:]))


def test_html_marks_the_words_each_side_changed_from_the_base() -> None:
    page = to_html(sample())

    # base: '    return "hello " + name'; fork: "Hi there," and a whole new line;
    # upstream: "Hello,". Unchanged words, and the base itself, are not marked.
    fork, upstream = marked(figure(page, "fork")), marked(figure(page, "upstream"))
    assert fork == ["Hi there,", HOSTILE.strip()]
    assert upstream == ["Hello,"]
    assert marked(figure(page, "base")) == []
    assert not any("return" in text or "name" in text for text in fork + upstream)
    # The add/add hunk has no base lines to compare with: nothing marked, not even its
    # proposed text, and the legend does not say otherwise.
    extra = page.split('id="entry-1"', 1)[1].split("</section>", 1)[0]
    assert "<mark" not in extra and "Marked:" not in plain(extra)
    assert '<mark class="chg fork">fork</mark>' in page  # the legend of the first hunk


def test_html_marks_a_change_of_spacing_only_and_the_proposed_text() -> None:
    base, fork, upstream = "a = 1\nb = 2\n", "a = 1\n  b = 2\n", "a = 1\nb = 2\nc = 3\n"
    hunk = Hunk(3, Side(3, 2, base), Side(3, 2, fork), Side(3, 3, upstream),
                proposed="a = 1\n  b = 2\nc = 3\n")  # fmt: skip
    page = to_html(replace_hunk(sample(), hunk))

    assert marked(figure(page, "fork")) == ["  "]  # the indent it added, nothing else
    assert marked(figure(page, "upstream")) == ["c = 3"]
    assert marked(figure(page, "proposed")) == ["  ", "c = 3"]
    assert [n for _, n, _ in rows(figure(page, "proposed"))] == ["", "", ""]  # not numbered


def test_html_highlights_the_code_with_pygments_by_file_name() -> None:
    page = to_html(sample())
    style = page.split("<style>", 1)[1].split("</style>", 1)[0]

    assert ".hl .tok-k {" in style and ".hl .tok-s2 {" in style  # Pygments' own colours
    assert ".tok-err" not in style  # a snippet's lexing errors are not shown as errors
    base = figure(page, "base")
    assert '<pre class="hl">' in base
    assert '<span class="tok-k">return</span>' in base  # core.py: Python
    assert '<span class="tok-s2">&quot;hello &quot;</span>' in base
    # A file Pygments knows no lexer for is plain text, escaped all the same.
    entry = replace(sample().entries[0], path="src/ourpkg/core.unknown-ext")
    plain_page = to_html(replace(sample(), entries=(entry,)))
    assert "tok-k" not in figure(plain_page, "base")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in figure(plain_page, "fork")


def test_html_of_empty_report() -> None:
    empty = ConflictReport("m", "2", None, "merge", "pypi", "none", Path("/f"), Path("/f"), (),
                           "every path is resolved")  # fmt: skip
    checker = parse(to_html(empty))
    assert "every path resolved (fork merge stopped)" in "".join(checker.text)


# -- terminal -----------------------------------------------------------------------------


@pytest.mark.parametrize("width", [100, 200])
def test_terminal_shows_sides_commits_and_steps(width: int) -> None:
    console = Console(record=True, width=width, color_system=None)
    render_terminal(console, sample())
    text = console.export_text()

    assert "mypkg 1.0 → 1.1: 3 paths to resolve (fork merge stopped)" in text
    assert "content src/ourpkg/core.py" in text
    assert "[bold]not" in text  # file content is never read as markup
    assert f"{'a' * 10} greet: capitalise <the> greeting (Up Stream, 2024-11-01)" in text
    assert f"{'b' * 10} fork: friendlier | greeting (Fork Hand, 2025-01-02)" in text
    assert "upstream 1.1 · line 6" in text
    assert "suggested: take upstream's side, then re-apply the fork's line: x = 1" in text
    assert "why: upstream inserted 1 line next to the fork's changed line" in text
    assert "proposed text (keeps both sides; git's merge, line by line)" in text
    assert f"drops upstream's line {LONG} (both changed it)" in text  # whole, never cut
    assert "next: resolve the 3 conflicted paths, then forktool sync mypkg --continue" in text


def test_terminal_shows_a_clause_that_drops_upstream_lines_in_red() -> None:
    console = Console(record=True, width=200, color_system="standard")
    render_terminal(console, sample())
    styled = console.export_text(styles=True)
    assert re.search(r"\x1b\[1;31mdrops upstream's line ", styled)
    assert not re.search(r"\x1b\[[0-9;]*31m[^\x1b]*re-apply", styled)  # only that clause


# -- a real report, end to end ------------------------------------------------------------


def test_every_format_of_a_real_stopped_sync(definition: Path) -> None:
    assert run_cli(definition, "sync", "mypkg", "--to", "1.0").exit_code == 0
    fork = definition / "forks" / "mypkg"
    core = fork / "src/ourpkg/core.py"
    core.write_text(core.read_text().replace('"hello "', '"<script>hi</script> "'))
    git(fork, "commit", "-qam", "fork: a hostile greeting")
    assert run_cli(definition, "sync", "mypkg", "--to", "1.1").exit_code == 1

    report = collect(config_mod.load(definition, "mypkg"))

    data = json.loads(to_json(report))
    [hunk] = data["entries"][0]["hunks"]
    assert [c["subject"] for c in hunk["upstream_commits"]] == ["release 1.1"]
    assert [c["subject"] for c in hunk["fork_commits"]] == ["fork: a hostile greeting"]
    page = to_html(report)
    assert "script" not in parse(page).tags
    assert "&lt;script&gt;hi&lt;/script&gt;" in page
    assert "<script" not in page
    assert "release 1.1" in to_markdown(report)
    console = Console(record=True, width=120, color_system=None)
    render_terminal(console, report)
    assert "fork: a hostile greeting" in console.export_text()


def test_a_real_hunk_carries_its_context_and_the_page_shows_it(definition: Path) -> None:
    """Each side's context comes from that side's own file, numbered there; the page shows
    it dimmed, highlights the Python and marks what each side changed."""
    assert run_cli(definition, "sync", "mypkg", "--to", "1.0").exit_code == 0
    fork = definition / "forks" / "mypkg"
    core = fork / "src/ourpkg/core.py"
    core.write_text("# fork header\n" + core.read_text().replace('"hello "', '"Yo "'))
    git(fork, "commit", "-qam", "fork: a header and a shorter greeting")
    assert run_cli(definition, "sync", "mypkg", "--to", "1.1").exit_code == 1

    report = collect(config_mod.load(definition, "mypkg"))

    [hunk] = report.entries[0].hunks
    assert (hunk.base.start, hunk.fork.start, hunk.upstream.start) == (5, 6, 5)
    assert hunk.base.before == hunk.upstream.before == "\n\ndef greet(name):\n"
    assert hunk.fork.before == "\n\ndef greet(name):\n"
    assert hunk.fork.after == hunk.base.after == "\n\ndef shout(name):\n"
    side = json.loads(to_json(report))["entries"][0]["hunks"][0]["fork"]
    assert (side["before"], side["after"]) == (hunk.fork.before, hunk.fork.after)
    page = to_html(report)
    assert rows(figure(page, "fork")) == [
        ("l ctx", "3", ""),
        ("l ctx", "4", ""),
        ("l ctx", "5", "def greet(name):"),
        ("l", "6", '    return "Yo " + name'),
        ("l ctx", "7", ""),
        ("l ctx", "8", ""),
        ("l ctx", "9", "def shout(name):"),
    ]
    assert [n for _, n, _ in rows(figure(page, "upstream"))] == [str(n) for n in range(2, 9)]
    assert marked(figure(page, "fork")) == ["Yo"]
    assert marked(figure(page, "upstream")) == ["Hello,"]
    assert '<span class="tok-k">def</span>' in figure(page, "fork")


def test_a_kept_report_keeps_the_context_and_an_older_one_reads_without() -> None:
    from forktool.conflicts.kept import from_dict
    from forktool.conflicts.render import report_dict

    hunk = sample().entries[0].hunks[0]
    report = replace_hunk(
        sample(), replace(hunk, base=replace(hunk.base, before="a\n", after="b\n"))
    )
    data = report_dict(report)
    assert from_dict(data) == report
    for entry in data["entries"]:
        for item in entry["hunks"]:
            for role in ("base", "fork", "upstream"):
                del item[role]["before"], item[role]["after"]  # as kept before they existed
    assert from_dict(data).entries[0].hunks[0].base == replace(hunk.base, before="", after="")


@pytest.mark.parametrize(
    ("span", "before", "after"),
    [
        ((1, 1), "", "2\n3\n4\n"),  # the first line: nothing before
        ((3, 0), "1\n2\n", "3\n4\n5\n"),  # no lines, before line 3
        ((5, 2), "2\n3\n4\n", ""),  # the last lines: nothing after
        ((7, 0), "4\n5\n6\n", ""),  # no lines, at the end
    ],
)
def test_a_side_takes_up_to_three_lines_around_it_from_its_file(
    span: tuple[int, int], before: str, after: str
) -> None:
    from forktool.conflicts.collect import _FileReader

    whole = "".join(f"{n}\n" for n in range(1, 7))
    side = _FileReader._side(span, "x\n" * span[1], whole)
    assert (side.start, side.count, side.before, side.after) == (*span, before, after)
    assert _FileReader._side((0, 0), "", "") == Side(0, 0, "")  # no file on that side
