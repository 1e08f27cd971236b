"""Render a :class:`~forktool.conflicts.collect.ConflictReport`: rich terminal view, Markdown (for a
pull request or an issue), JSON (documented in ``docs/conflict-report.md``, ``"schema": 1``)
and a self-contained HTML page. Nothing is decided here; every function is pure except
:func:`render_terminal`, which prints to the console it is given.
"""

from __future__ import annotations

import html
import json
import re
import textwrap
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict
from difflib import SequenceMatcher
from itertools import groupby
from typing import Any

from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import TextLexer, get_lexer_for_filename
from pygments.token import STANDARD_TYPES, Error
from pygments.util import ClassNotFound
from rich.console import Console, Group, RenderableType
from rich.markup import escape
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from forktool.conflicts.collect import (
    Commit,
    ConflictReport,
    Ending,
    Entry,
    Hunk,
    PatchRef,
    Side,
)
from forktool.conflicts.text import CODE_SPAN, DROPS_UPSTREAM, code_span, code_text
from forktool.records.intent import Stage

#: Version of the JSON document; bump it when a field changes meaning or disappears.
SCHEMA = 1

_STAGES = {Stage.MERGE: "fork merge", Stage.PATCH: "patch of the series"}
_HISTORY = {
    "commits": "upstream commits between the releases",
    "release-diff": "the release diff (no upstream history)",
    "none": "not available",
}
_SIDES = ("base", "fork", "upstream")
_ENDINGS = {
    Ending.CONFLICT: "stopped on conflicts",
    Ending.CLEAN: "clean",
    Ending.BY_HAND: "resolved by hand",
    Ending.RECORDED: "resolved by recorded resolution",
    Ending.ABORTED: "undone with --abort",
}
# Markdown code fences by file extension; others get a bare fence.
_LANGUAGES = {
    ".py": "python", ".pyi": "python", ".toml": "toml", ".cfg": "ini", ".ini": "ini",
    ".rst": "rst", ".md": "markdown", ".html": "html", ".js": "javascript", ".css": "css",
    ".json": "json", ".yml": "yaml", ".yaml": "yaml", ".sh": "bash", ".c": "c", ".h": "c",
}  # fmt: skip


# -- JSON ---------------------------------------------------------------------------------


def report_dict(report: ConflictReport) -> dict[str, Any]:
    """``report`` as the JSON-ready document of schema :data:`SCHEMA` (see
    ``docs/conflict-report.md``): report fields, a ``summary`` and the ``entries``."""
    kinds = Counter(entry.kind for entry in report.entries)
    return {
        "schema": SCHEMA,
        "upstream": report.upstream,
        "version": report.version,
        "previous": report.previous,
        "stage": report.stage,
        "source": report.source,
        "history": report.history,
        "fork_repository": str(report.fork_repository),
        "resolve_in": str(report.resolve_in),
        "patch": report.patch,
        "commit_url": report.commit_url,
        "repository": asdict(report.repository) if report.repository else None,
        "changelog": report.changelog,
        "next_step": report.next_step,
        "summary": {
            "entries": len(report.entries),
            "blocking": len(report.conflicts),
            "hunks": sum(len(entry.hunks) for entry in report.entries),
            "kinds": dict(sorted(kinds.items())),
        },
        "entries": [asdict(entry) for entry in report.entries],
        "outcome": asdict(report.outcome) if report.outcome else None,
    }


def to_json(report: ConflictReport) -> str:
    """The JSON document of ``report`` (indented, UTF-8 characters kept)."""
    return json.dumps(report_dict(report), indent=2, ensure_ascii=False) + "\n"


# -- shared wording -----------------------------------------------------------------------


def _title(report: ConflictReport) -> str:
    start = f"{report.previous} → " if report.previous else ""
    return f"{report.upstream} {start}{report.version}"


def _headline(report: ConflictReport) -> str:
    outcome = report.outcome
    if outcome is not None and outcome.status != Ending.CONFLICT:
        paths = len(outcome.paths)
        conflicted = f"{paths} conflicted path{'s' if paths != 1 else ''}, " if paths else ""
        return f"{conflicted}{_ENDINGS[outcome.status]} (kept report)"
    blocking = len(report.conflicts)
    if report.in_memory:
        what = f"{blocking} path{'s' if blocking != 1 else ''}" if blocking else "no path"
        return f"{what} would conflict ({_STAGES[report.stage]} computed in memory)"
    what = (
        f"{blocking} path{'s' if blocking != 1 else ''} to resolve"
        if blocking
        else "every path resolved"
    )
    where = _STAGES[report.stage]
    if report.stage == Stage.PATCH and report.patch:
        where = f"patch {report.patch} of the series"
    return f"{what} ({where} stopped)"


def _lines(side: Side) -> str:
    """``lines 12–14``, ``line 12``, ``no lines (before line 12)`` or ``no file``."""
    if side.start == 0:
        return "no file"
    if side.count == 0:
        return f"no lines (before line {side.start})"
    if side.count == 1:
        return f"line {side.start}"
    return f"lines {side.start}–{side.start + side.count - 1}"


def _ending(report: ConflictReport) -> str:
    """How the sync ended, one line ("" for a report that is not a kept one)."""
    outcome = report.outcome
    if outcome is None:
        return ""
    merge = f" in fork commit {outcome.fork[:10]}" if outcome.fork else ""
    return f"how it ended: {_ENDINGS[outcome.status]}{merge}"


def _resolutions(report: ConflictReport) -> list[tuple[str, str]]:
    """(title, diff) of each resolved path of a kept report: how the conflicted file as
    the sync stopped became the committed one."""
    outcome = report.outcome
    if outcome is None or outcome.status in (Ending.CONFLICT, Ending.ABORTED):
        return []
    return [
        (f"resolution of {item.path} ({_ENDINGS[item.by]})", item.diff or "(no change)\n")
        for item in outcome.paths
    ]


def _side_label(report: ConflictReport, role: str) -> str:
    """What each side is, in words."""
    if role == "fork":
        return f"the patch {report.patch}" if report.stage == Stage.PATCH else "fork (HEAD)"
    if role == "upstream":
        return f"upstream {report.version}"
    if report.stage == Stage.PATCH:
        return "base (where the patch was made)"
    return f"base ({report.previous})" if report.previous else "base"


def _entry_title(entry: Entry) -> str:
    if entry.path:
        return entry.path
    names = ", ".join(p.name for p in entry.patches)
    return f"patch {names}" if names else "(no path)"


def _patches_label(report: ConflictReport, entry: Entry) -> str:
    if report.stage == Stage.PATCH or entry.kind.startswith("patch-"):
        return "patch"
    return "patches of the series that change this file"


#: What a hunk's patches are, wherever they are shown.
_HUNK_PATCHES = "series patches that wrote lines of the base or upstream side"


def _patch_items(patches: Sequence[PatchRef]) -> list[str]:
    """``name (kind, status)`` of each patch."""
    return [f"{p.name} ({p.kind}, {p.status})" for p in patches]


def _name(author: str) -> str:
    return author.split(" <", 1)[0]


def _day(date: str) -> str:
    return date[:10]


# Suggestions and steps mark commands, paths and code like Markdown: `...`.
_CODE_SPAN = re.compile(CODE_SPAN)


def _spans(text: str) -> list[tuple[str, bool]]:
    """``text`` split into (part, is_code) pairs at its backtick code spans."""
    parts, at = [], 0
    for match in _CODE_SPAN.finditer(text):
        parts += [(text[at : match.start()], False), (code_text(match["code"]), True)]
        at = match.end()
    return [*parts, (text[at:], False)]


# The clause of a suggestion that says which upstream lines it drops: to the next ";"
# outside code spans, or the end.
_DROP_CLAUSE = re.compile(re.escape(DROPS_UPSTREAM) + r"(?:[^`;]|" + CODE_SPAN + r")*")


def _clauses(text: str) -> list[tuple[str, bool]]:
    """``text`` split into (part, drops_upstream) pairs at its clauses that drop upstream
    lines."""
    parts, at = [], 0
    for match in _DROP_CLAUSE.finditer(text):
        parts += [(text[at : match.start()], False), (match.group(0), True)]
        at = match.end()
    return [part for part in [*parts, (text[at:], False)] if part[0]]


#: What the proposed text is, wherever it is shown.
_PROPOSED = "proposed text (keeps both sides; git's merge, line by line)"


def _provenance(entry_or_hunk: Entry | Hunk) -> list[tuple[str, Sequence[Commit]]]:
    if isinstance(entry_or_hunk, Hunk):
        fork = "fork commits that last wrote these lines (git blame)"
        scope = "these lines"
    else:
        fork, scope = "fork commits since the last sync that changed this file", "this file"
    return [
        (f"upstream commits that changed {scope}", entry_or_hunk.upstream_commits),
        (fork, entry_or_hunk.fork_commits),
    ]


def _repository_line(report: ConflictReport) -> str:
    """One line on a PyPI upstream's repository: the tags found, how the sdist differs from
    its tag ("" when the definition names no repository)."""
    found = report.repository
    if found is None:
        return ""
    tags = ", ".join(f"{version}: {tag}" for version, tag in found.tags.items()) or "none found"
    line = f"upstream repository {found.url} (tags {tags})"
    if found.problem:
        line += f"; {found.problem}"
    diff = found.sdist_vs_tag
    if diff is not None:
        line += (
            f"; the sdist of {report.version} vs its tag: {len(diff.only_in_sdist)} files only "
            f"in the sdist, {len(diff.only_in_tag)} only in the tag, {len(diff.differing)} differ"
        )
    return line


def _changelog_items(hunk: Hunk) -> list[tuple[str, str]]:
    """``(flag, text)`` per changelog entry of ``hunk``: flag is ``SECURITY (ids)`` or ""."""
    return [
        (f"SECURITY ({', '.join(e.advisories)})" if e.security else "", f"{e.version}: {e.text}")
        for e in hunk.changelog
    ]


# -- terminal -----------------------------------------------------------------------------

_TERMINAL_LINES = 40  # per side; the JSON, Markdown and HTML reports show everything
# (drops upstream lines, is code) -> style of a part of a suggestion
_TERMINAL_STYLES = {(False, False): "", (False, True): "cyan", (True, False): "bold red",
                    (True, True): "bold red"}  # fmt: skip
_SIDE_BY_SIDE = 160  # columns from which the three sides stand side by side


def render_terminal(console: Console, report: ConflictReport) -> None:
    """Print ``report`` for a person: headline, then each entry with its hunks side by side
    (stacked on a console narrower than 160 columns), provenance and suggested steps."""
    print_wrapped(console, f"[bold]{escape(_title(report))}[/]: {escape(_headline(report))}")
    _plain(console, f"  resolve in: {report.resolve_in}")
    _plain(console, f"  upstream provenance: {_HISTORY.get(report.history, report.history)}")
    if report.repository:
        _plain(console, f"  {_repository_line(report)}")
    if report.outcome:
        _plain(console, f"  {_ending(report)}")
    for entry in report.entries:
        _terminal_entry(console, report, entry)
    for title, diff in _resolutions(report):
        console.print()
        console.rule(escape(title), align="left")
        console.print(Syntax(diff.rstrip("\n"), "diff", background_color="default"))
    console.print()
    print_wrapped(console, _rich_text("next: ", report.next_step, "bold"))


def _terminal_entry(console: Console, report: ConflictReport, entry: Entry) -> None:
    style = "red" if entry.blocking else "yellow"
    console.print()
    console.rule(f"[{style}]{escape(entry.kind)}[/] {escape(_entry_title(entry))}", align="left")
    if entry.upstream_path and entry.upstream_path != entry.path:
        _plain(console, f"upstream path: {entry.upstream_path}")
    _plain(console, entry.detail)
    if entry.patches:
        _plain(console, f"{_patches_label(report, entry)}:")
    for patch in entry.patches:
        detail = f": {patch.detail}" if patch.detail else ""
        _plain(console, f"  {patch.name} ({patch.kind}, {patch.status}){detail}")
    for title, commits in _provenance(entry):
        _terminal_commits(console, report, title, commits)
    for number, hunk in enumerate(entry.hunks, start=1):
        where = f" at line {hunk.line}" if hunk.line else ""
        console.print(f"\n[bold]hunk {number}[/]{where}", highlight=False)
        _plain(console, f"why: {hunk.why}")
        console.print(_terminal_sides(console, report, entry, hunk))
        if hunk.proposed is not None:
            console.print(_terminal_panel(entry, _PROPOSED, hunk.proposed, None))
        for title, commits in _provenance(hunk):
            _terminal_commits(console, report, title, commits)
        if hunk.patches:
            _plain(console, f"{_HUNK_PATCHES}: {', '.join(_patch_items(hunk.patches))}")
        for change in hunk.upstream_changes:
            _plain(console, "release diff:")
            console.print(Syntax(change.rstrip("\n"), "diff", background_color="default"))
        if hunk.changelog:
            _plain(console, f"changelog ({report.changelog}) of the releases in between:")
        for flag, item in _changelog_items(hunk):
            line = Text("  ")
            line.append(f"{flag} " if flag else "", style="bold white on red")
            print_wrapped(console, line.append(item))
        print_wrapped(console, _rich_text("suggested: ", hunk.suggestion, "green"))
    print_wrapped(console, _rich_text("to do: ", entry.suggestion, "green"))


def _terminal_sides(
    console: Console, report: ConflictReport, entry: Entry, hunk: Hunk
) -> RenderableType:
    panels = []
    for role in _SIDES:
        side: Side = getattr(hunk, role)
        title = f"{_side_label(report, role)} · {_lines(side)}"
        panels.append(_terminal_panel(entry, title, side.text, max(side.start, 1)))
    if console.width < _SIDE_BY_SIDE:
        return Group(*panels)
    grid = Table.grid(expand=True, padding=(0, 1))
    for _ in panels:
        grid.add_column(ratio=1)
    grid.add_row(*panels)
    return grid


def _terminal_panel(entry: Entry, title: str, text: str, start: int | None) -> Panel:
    """``text`` of ``entry``'s file in a titled panel, numbered from line ``start`` (None:
    not numbered), at most :data:`_TERMINAL_LINES` lines."""
    lines = text.splitlines()
    shown = "\n".join(lines[:_TERMINAL_LINES])
    body: RenderableType = (
        Syntax(shown, Syntax.guess_lexer(entry.path or "x.txt"), line_numbers=start is not None,
               start_line=start or 1, background_color="default", word_wrap=True)
        if lines else Text("(no lines)", style="dim")
    )  # fmt: skip
    if len(lines) > _TERMINAL_LINES:
        more = Text(f"… {len(lines) - _TERMINAL_LINES} more lines", style="dim")
        body = Group(body, more)
    return Panel(body, title=escape(title), title_align="left", expand=True)


def _terminal_commits(
    console: Console, report: ConflictReport, title: str, commits: Sequence[Commit]
) -> None:
    if not commits:
        return
    _plain(console, f"{title}:")
    for commit in commits:
        line = f"  {commit.id[:10]} {commit.subject} ({_name(commit.author)}, {_day(commit.date)})"
        _plain(console, line)


def _rich_text(label: str, text: str, style: str) -> Text:
    """``label`` then ``text`` for :func:`print_wrapped`: code spans in cyan, whole, their
    spaces held so a command is never split; the clauses that drop upstream lines in red."""
    out = Text(label, style=style)
    for clause, drops in _clauses(text):
        for part, code in _spans(clause):
            held = part.replace(" ", _KEEP_SPACE) if code else part
            out.append(held, style=_TERMINAL_STYLES[drops, code])
    return out


def _plain(console: Console, text: str) -> None:
    """Print text that may hold paths or code: no markup, no highlighting."""
    print_wrapped(console, Text(text))


# Holds a code span's spaces while lines are broken, so a command is never split; textwrap
# breaks only at ASCII whitespace, and this is not.
_KEEP_SPACE = "\u00a0"


def print_wrapped(console: Console, text: Text | str) -> None:
    """Print ``text`` (rich ``Text``, or a string of rich markup) on a terminal wrapped
    between words at the console's width, continuation lines indented two columns past the
    first line's indent. A word longer than the width (a path, a URL) stays whole on its
    own line, and a backtick code span (a command) is never broken. When the console is
    not a terminal (a pipe, a file), each text stays one line, for grep and scripts."""
    if isinstance(text, str):
        text = Text.from_markup(text)
    if not console.is_terminal:
        console.print(_release_spaces(text), highlight=False, soft_wrap=True)
        return
    for paragraph in text.split("\n"):
        _print_paragraph(console, paragraph)


def _print_paragraph(console: Console, text: Text) -> None:
    """One line of :func:`print_wrapped`'s text, wrapped."""
    plain = text.plain
    indent = len(plain) - len(plain.lstrip(" "))
    wrapper = textwrap.TextWrapper(
        width=max(console.width, 20), subsequent_indent=" " * (indent + 2),
        break_long_words=False, break_on_hyphens=False, expand_tabs=False,
    )  # fmt: skip
    offsets, at = [], 0
    for number, wrapped in enumerate(wrapper.wrap(plain)):
        content = wrapped if number == 0 else wrapped[indent + 2 :]
        start = plain.index(content, at)
        if number:
            offsets.append(start)
        at = start + len(content)
    for number, part in enumerate(text.divide(offsets)):
        part.rstrip()
        line = _release_spaces(part)
        if number:
            line = Text(" " * (indent + 2)).append_text(line)
        console.print(line, highlight=False, soft_wrap=True)


def _release_spaces(text: Text) -> Text:
    """``text`` with its held spaces (:data:`_KEEP_SPACE`) plain spaces again; the same
    length, so its styles stay in place."""
    text = text.copy()
    text.plain = text.plain.replace(_KEEP_SPACE, " ")
    return text


# -- Markdown -----------------------------------------------------------------------------

_MARKDOWN_LINES = 80  # per side, so a report fits in a pull request comment


def to_markdown(report: ConflictReport) -> str:
    """``report`` as Markdown (GitHub flavoured): a summary table of every entry, then one
    section per entry with each hunk's three sides in fenced blocks, the commits on each
    side and the suggested step."""
    out = [
        f"# Conflict report: {_md_text(_title(report))}",
        "",
        f"**{_md_text(_headline(report))}** in {_md_code(str(report.resolve_in))}. "
        f"Upstream provenance: {_HISTORY.get(report.history, report.history)}.",
        *(["", _md_text(_repository_line(report)) + "."] if report.repository else []),
        *(["", f"**{_md_text(_ending(report))}**"] if report.outcome else []),
        "",
        f"**Next step:** {_md_rich(report.next_step)}",
        "",
        "| Path | Kind | Hunks | Upstream commits | Fork commits | Suggested step |",
        "| --- | --- | ---: | --- | --- | --- |",
    ]
    for entry in report.entries:
        ups, forks = _entry_commits(entry)
        out.append(
            f"| {_md_cell(_md_code(_entry_title(entry)))} | {entry.kind} | {len(entry.hunks)} "
            f"| {_md_cell(_md_commit_ids(report, ups, link=True))} "
            f"| {_md_cell(_md_commit_ids(report, forks, link=False))} "
            f"| {_md_cell(_md_rich(entry.suggestion))} |"
        )
    blocking = [e for e in report.entries if e.blocking]
    warnings = [e for e in report.entries if not e.blocking]
    for entry in blocking:
        out += _md_entry(report, entry, "##")
    if warnings:
        out += ["", "## Warnings (not blocking)"]
        for entry in warnings:
            out += _md_entry(report, entry, "###")
    for title, diff in _resolutions(report):
        out += ["", f"## {_md_text(title)}", "", *_md_fence(diff, "diff", len(diff))]
    return "\n".join(out) + "\n"


def _md_entry(report: ConflictReport, entry: Entry, level: str) -> list[str]:
    out = ["", f"{level} {_md_code(_entry_title(entry))} — {entry.kind}", ""]
    facts = []
    if entry.upstream_path and entry.upstream_path != entry.path:
        facts.append(f"Upstream path: {_md_code(entry.upstream_path)}")
    facts.append(_md_text(entry.detail))
    out.append(" · ".join(facts) + "  ")
    out.append(f"**Suggested:** {_md_rich(entry.suggestion)}")
    if entry.patches:
        label = _patches_label(report, entry)
        out += ["", f"{label[0].upper()}{label[1:]}:"]
        out += [
            f"- {_md_code(p.name)} ({p.kind}, {p.status})"
            + (f": {_md_text(p.detail)}" if p.detail else "")
            for p in entry.patches
        ]
    for title, commits in _provenance(entry):
        out += _md_commits(report, title, commits)
    for number, hunk in enumerate(entry.hunks, start=1):
        where = f" — line {hunk.line}" if hunk.line else ""
        out += ["", f"{level}# Hunk {number}{where}", ""]
        out.append(f"**Why:** {_md_text(hunk.why)}  ")
        out.append(f"**Suggested:** {_md_rich(hunk.suggestion)}")
        language = _language(entry.path)
        for role in _SIDES:
            side: Side = getattr(hunk, role)
            out += ["", f"**{_md_text(_side_label(report, role))}**, {_lines(side)}:", ""]
            out += _md_fence(side.text, language, _MARKDOWN_LINES)
        if hunk.proposed is not None:
            out += ["", f"**{_md_text(_PROPOSED[0].upper() + _PROPOSED[1:])}:**", ""]
            out += _md_fence(hunk.proposed, language, _MARKDOWN_LINES)
        if hunk.patches:
            items = ", ".join(_md_code(item) for item in _patch_items(hunk.patches))
            out += ["", f"{_HUNK_PATCHES[0].upper()}{_HUNK_PATCHES[1:]}: {items}"]
        for title, commits in _provenance(hunk):
            out += _md_commits(report, title, commits)
        if hunk.upstream_changes:
            out += ["", "Release diff hunks that overlap these lines:", ""]
            out += _md_fence("".join(hunk.upstream_changes), "diff", _MARKDOWN_LINES)
        if hunk.changelog:
            out += ["", f"Changelog ({_md_code(report.changelog)}) of the releases in between:", ""]
            out += [
                f"- {f'**⚠ {flag}** ' if flag else ''}{_md_text(item)}"
                for flag, item in _changelog_items(hunk)
            ]
    return out


def _md_commits(report: ConflictReport, title: str, commits: Sequence[Commit]) -> list[str]:
    if not commits:
        return []
    out = ["", f"{title[0].upper()}{title[1:]}:", ""]
    for commit in commits:
        ident = _md_commit_id(report, commit, link=title.startswith("upstream"))
        out.append(
            f"- {ident} {_md_text(commit.subject)} — {_md_text(_name(commit.author))}, "
            f"{_day(commit.date)}"
        )
    return out


def _md_commit_ids(report: ConflictReport, commits: Sequence[Commit], *, link: bool) -> str:
    return ", ".join(_md_commit_id(report, c, link=link) for c in commits) or "—"


def _md_commit_id(report: ConflictReport, commit: Commit, *, link: bool) -> str:
    code = _md_code(commit.id[:10])
    if link and report.commit_url:
        return f"[{code}]({report.commit_url.format(id=commit.id)})"
    return code


def _md_fence(text: str, language: str, limit: int) -> list[str]:
    """A fenced code block longer than any backtick run inside ``text``."""
    lines = text.splitlines()
    if not lines:
        return ["*(no lines)*"]
    shown = lines[:limit]
    if len(lines) > limit:
        shown.append(f"… {len(lines) - limit} more lines (see the JSON or HTML report)")
    runs = [len(run) for run in re.findall(r"`+", text)]
    fence = "`" * max(3, max(runs, default=0) + 1)
    return [fence + language, *shown, fence]


def _md_code(text: str) -> str:
    """Inline code that survives backticks inside ``text``."""
    return code_span(text)


# Markdown's inline punctuation, and "_" where it could start or end emphasis.
_MD_SPECIAL = re.compile(r"([\\`*\[\]<>|])|(?<!\w)_|_(?!\w)")


def _md_text(text: str) -> str:
    """Plain text with Markdown's special characters escaped (HTML tags with them)."""
    return _MD_SPECIAL.sub(lambda m: "\\" + m.group(0), text)


def _md_rich(text: str) -> str:
    """Text with backtick code spans: the spans as Markdown code, the rest escaped; a clause
    that drops upstream lines in bold, after a warning sign."""
    out = []
    for clause, drops in _clauses(text):
        rich = "".join(_md_code(part) if code else _md_text(part) for part, code in _spans(clause))
        out.append(f"**⚠ {rich.strip()}**" if drops else rich)
    return "".join(out)


def _md_cell(text: str) -> str:
    """Table cell text: one line, every pipe escaped (GFM wants that even in code)."""
    return re.sub(r"(?<!\\)\|", r"\\|", text.replace("\n", " "))


def _language(path: str) -> str:
    suffix = "." + path.rsplit(".", 1)[-1] if "." in path.rsplit("/", 1)[-1] else ""
    return _LANGUAGES.get(suffix, "")


def _entry_commits(entry: Entry) -> tuple[Sequence[Commit], Sequence[Commit]]:
    """The upstream and the fork commits of ``entry``: its hunks' (each once), else its own."""
    ups = _unique(c for h in entry.hunks for c in h.upstream_commits) or entry.upstream_commits
    forks = _unique(c for h in entry.hunks for c in h.fork_commits) or entry.fork_commits
    return ups, forks


def _unique(commits: Any) -> tuple[Commit, ...]:
    seen: dict[str, Commit] = {}
    for commit in commits:
        seen.setdefault(commit.id, commit)
    return tuple(seen.values())


# -- HTML ---------------------------------------------------------------------------------

_CSS = """
:root { --base: #6b7280; --fork: #2563eb; --upstream: #059669; --warn: #b45309;
  --bad: #b91c1c; --line: #e5e7eb; --code: #f8fafc; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: #111827;
  margin: 0 auto; max-width: 1400px; padding: 24px; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 19px; margin: 0; }
h3 { font-size: 16px; margin: 20px 0 8px; }
code, pre { font: 13px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.meta { color: #4b5563; margin: 4px 0; }
.next { background: #ecfdf5; border-left: 4px solid var(--upstream); padding: 8px 12px;
  margin: 12px 0; }
code { overflow-wrap: anywhere; }
h2 code { word-break: break-all; }
table.summary code { overflow-wrap: break-word; }
table.summary td:last-child code { overflow-wrap: anywhere; }
.table { overflow-x: auto; margin: 16px 0; }
table.summary { border-collapse: collapse; width: 100%; }
table.summary th, table.summary td { border: 1px solid var(--line); padding: 6px 8px;
  text-align: left; vertical-align: top; }
table.summary th { background: #f3f4f6; }
.entry { border: 1px solid var(--line); border-radius: 8px; margin: 24px 0; padding: 16px; }
.entry > header { display: flex; gap: 12px; align-items: baseline; flex-wrap: wrap; }
.kind { border-radius: 999px; padding: 1px 10px; font-size: 13px; color: white;
  background: var(--bad); }
.kind.warning { background: var(--warn); }
.suggest { background: #fffbeb; border-left: 4px solid var(--warn); padding: 6px 10px;
  margin: 8px 0; }
.sides { display: grid; grid-template-columns: minmax(0, 1fr); gap: 12px; }
@media (min-width: 1500px) { .sides.three { grid-template-columns: repeat(3, minmax(0, 1fr)); } }
.legend { font-size: 13px; color: #4b5563; margin: 4px 0 8px; }
.legend mark { padding: 0 3px; }
.side { border: 1px solid var(--line); border-top: 4px solid var(--base); border-radius: 6px;
  margin: 0; min-width: 0; }
.side.fork { border-top-color: var(--fork); } .side.upstream { border-top-color: var(--upstream); }
.side.proposed { border-top-color: var(--upstream); border-top-style: double; margin-top: 12px; }
.drop { color: var(--bad); background: #fef2f2; }
.side figcaption { padding: 4px 10px; font-size: 13px; color: #374151; background: #f9fafb; }
.side pre { margin: 0; padding: 8px 0; background: var(--code); }
.side .l { display: grid; grid-template-columns: 3.5em minmax(0, 1fr); column-gap: 10px;
  padding-right: 10px; }
.side .n { text-align: right; color: #9ca3af; user-select: none; }
.side .t { white-space: pre-wrap; overflow-wrap: anywhere; }
.side .l.ctx { opacity: .5; }
.side .l.gap .t { color: #9ca3af; font-style: italic; }
.side .l.ctx + .l:not(.ctx), .side .l:not(.ctx) + .l.ctx { border-top: 1px dashed #d1d5db; }
mark.chg { color: inherit; background: #fde68a; border-radius: 2px; }
.side.fork mark.chg, .legend mark.fork { background: #bfdbfe; }
.side.upstream mark.chg, .legend mark.upstream { background: #a7f3d0; }
.empty { color: #9ca3af; font-style: italic; padding: 8px 10px; }
.prov { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 340px), 1fr));
  gap: 12px; margin-top: 8px; }
.prov h4 { margin: 6px 0; font-size: 14px; }
.prov ul { margin: 0; padding-left: 20px; }
.sha { font-family: ui-monospace, monospace; }
.security { background: var(--bad); color: white; padding: 0 6px; border-radius: 4px; }
pre.diff { background: var(--code); padding: 8px 10px; border: 1px solid var(--line);
  white-space: pre-wrap; overflow-wrap: anywhere; }
"""
#: Pygments' token classes get this prefix; their colours apply inside ``.hl``.
_TOKEN_PREFIX = "tok-"
_PYGMENTS_CSS = "\n".join(
    rule
    # the stubs leave this one unannotated; it yields one CSS rule (str) per token type
    for rule in HtmlFormatter(classprefix=_TOKEN_PREFIX).get_token_style_defs(".hl")  # type: ignore[no-untyped-call]
    if not rule.startswith(f".hl .{_TOKEN_PREFIX}err ")  # a snippet's lexing errors are not errors
)
# The tokens changed words are aligned by: words, runs of other spaces, newlines, any other
# character alone (every character of a text is in exactly one).
_WORDS = re.compile(r"\w+|\n|[^\S\n]+|[^\w\s]")


def to_html(report: ConflictReport) -> str:
    """``report`` as one self-contained HTML page: inline CSS, no scripts or external
    assets, every piece of text escaped. Each hunk shows its base, fork and upstream sides
    side by side (stacked on screens narrower than 1,500 px) with their line numbers and
    lines of context (dimmed), code highlighted by Pygments and the words the fork and
    upstream sides changed from the base marked; then the commits that changed those lines
    on each side. Nothing is wider than the screen: code wraps, the summary table scrolls
    within itself."""
    e = _esc
    rows = []
    for index, entry in enumerate(report.entries):
        ups, forks = _entry_commits(entry)
        rows.append(
            f'<tr><td><a href="#entry-{index}"><code>{e(_entry_title(entry))}</code></a></td>'
            f"<td>{e(entry.kind)}</td><td>{len(entry.hunks)}</td>"
            f"<td>{_html_commit_ids(report, ups, link=True)}</td>"
            f"<td>{_html_commit_ids(report, forks, link=False)}</td>"
            f"<td>{_html_rich(entry.suggestion)}</td></tr>"
        )
    body = [
        f"<h1>Conflict report: {e(_title(report))}</h1>",
        f'<p class="meta"><strong>{e(_headline(report))}</strong> in '
        f"<code>{e(str(report.resolve_in))}</code>. Upstream provenance: "
        f"{e(_HISTORY.get(report.history, report.history))}.</p>",
        f'<p class="meta">{e(_repository_line(report))}.</p>' if report.repository else "",
        f'<p class="meta"><strong>{e(_ending(report))}</strong></p>' if report.outcome else "",
        f'<p class="next"><strong>Next step:</strong> {_html_rich(report.next_step)}</p>',
        '<div class="table"><table class="summary"><thead><tr><th>Path</th><th>Kind</th>'
        "<th>Hunks</th><th>Upstream commits</th><th>Fork commits</th><th>Suggested step</th>"
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table></div>",
    ]
    for index, entry in enumerate(report.entries):
        body.append(_html_entry(report, entry, index))
    for title, diff in _resolutions(report):
        body.append(f"<h2>{e(title)}</h2><pre><code>{e(diff)}</code></pre>")
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>Conflict report: {e(_title(report))}</title>\n"
        f"<style>{_CSS}{_PYGMENTS_CSS}\n</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


def _html_entry(report: ConflictReport, entry: Entry, index: int) -> str:
    e = _esc
    kind_class = "kind" if entry.blocking else "kind warning"
    parts = [
        f'<section class="entry" id="entry-{index}">',
        f"<header><h2><code>{e(_entry_title(entry))}</code></h2>"
        f'<span class="{kind_class}">{e(entry.kind)}</span></header>',
    ]
    facts = []
    if entry.upstream_path and entry.upstream_path != entry.path:
        facts.append(f"upstream path <code>{e(entry.upstream_path)}</code>")
    facts.append(e(entry.detail))
    parts.append(f'<p class="meta">{" · ".join(facts)}</p>')
    suggestion = _html_rich(entry.suggestion)
    parts.append(f'<p class="suggest"><strong>Suggested:</strong> {suggestion}</p>')
    if entry.patches:
        items = "".join(
            f"<li><code>{e(p.name)}</code> ({e(p.kind)}, {e(p.status)})"
            + (f": {e(p.detail)}" if p.detail else "")
            + "</li>"
            for p in entry.patches
        )
        label = _esc(_patches_label(report, entry).capitalize())
        parts.append(f'<p class="meta">{label}:</p><ul>{items}</ul>')
    parts.append(_html_provenance(report, entry))
    lexer = _lexer(entry.path)
    for number, hunk in enumerate(entry.hunks, start=1):
        where = f" — line {hunk.line}" if hunk.line else ""
        parts.append(f"<h3>Hunk {number}{where}</h3>")
        parts.append(f'<p class="meta"><strong>Why:</strong> {e(hunk.why)}</p>')
        suggestion = _html_rich(hunk.suggestion)
        parts.append(f'<p class="suggest"><strong>Suggested:</strong> {suggestion}</p>')
        parts.append(_html_legend(report, hunk))
        figures = [_html_side(report, role, getattr(hunk, role), hunk, lexer) for role in _SIDES]
        parts.append(f'<div class="sides three">{"".join(figures)}</div>')
        if hunk.proposed is not None:
            proposed = Side(0, len(hunk.proposed.splitlines()), hunk.proposed)
            figure = _html_side(report, "proposed", proposed, hunk, lexer)
            parts.append(f'<div class="sides">{figure}</div>')
        parts.append(_html_provenance(report, hunk))
        if hunk.patches:
            items = ", ".join(f"<code>{e(item)}</code>" for item in _patch_items(hunk.patches))
            parts.append(f'<p class="meta">{e(_HUNK_PATCHES.capitalize())}: {items}</p>')
        if hunk.upstream_changes:
            diff = e("".join(hunk.upstream_changes))
            parts.append("<h4>Release diff hunks that overlap these lines</h4>")
            parts.append(f'<pre class="diff">{diff}</pre>')
        if hunk.changelog:
            items = "".join(
                f"<li>{f'<strong class=security>⚠ {e(flag)}</strong> ' if flag else ''}"
                f"{e(item)}</li>"
                for flag, item in _changelog_items(hunk)
            )
            title = f"Changelog (<code>{e(report.changelog)}</code>) of the releases in between"
            parts.append(f"<h4>{title}</h4><ul>{items}</ul>")
    parts.append("</section>")
    return "\n".join(parts)


def _html_legend(report: ConflictReport, hunk: Hunk) -> str:
    """The line above a hunk's sides that says what is marked and what is dimmed."""
    marked = [
        f'<mark class="chg {role}">{_esc(role)}</mark>'
        for role in ("fork", "upstream")
        if _marks_changes(hunk.base, getattr(hunk, role))
    ]
    said = []
    if marked:
        said.append(f"Marked: what the {' and '.join(marked)} side changed from the base.")
    if any(getattr(hunk, role).before or getattr(hunk, role).after for role in _SIDES):
        said.append("Dimmed: the lines around the hunk in each side's file.")
    return f'<p class="legend">{" ".join(said)}</p>' if said else ""


def _html_side(report: ConflictReport, role: str, side: Side, hunk: Hunk, lexer: Lexer) -> str:
    """A side of ``hunk`` (or its proposed text: role ``proposed``, not numbered), its code
    highlighted by ``lexer``, the words it changed from the base side marked, between its
    lines of context (dimmed)."""
    caption = _PROPOSED if role == "proposed" else f"{_side_label(report, role)} · {_lines(side)}"
    figure = f'<figure class="side {role}"><figcaption>{_esc(caption)}</figcaption>'
    if not (side.text or side.before or side.after):
        return f'{figure}<div class="empty">(no lines)</div></figure>'
    text = side.before + side.text + side.after
    classes = _token_classes(text, lexer)
    changed = [False] * len(side.before) + _changed(hunk.base, side) + [False] * len(side.after)
    rows, at = [], 0
    before, middle = len(side.before.splitlines()), len(side.text.splitlines())
    first = side.start - before if side.start else 0
    lines = text.splitlines(keepends=True)
    for index, line in enumerate([*lines, ""]):
        if index == before and not middle:  # the side has no lines: say where they would be
            rows.append(_html_row("", "(no lines here)", "l gap"))
        if index == len(lines):
            break
        number = str(first + index) if first else ""
        body = _html_code(line.rstrip("\r\n"), classes, changed, at)
        rows.append(_html_row(number, body, "l" if before <= index < before + middle else "l ctx"))
        at += len(line)
    return f'{figure}<pre class="hl">{"".join(rows)}</pre></figure>'


def _html_row(number: str, body: str, kind: str) -> str:
    """One numbered line of a side (``kind``: its classes)."""
    number = f'<span class="n">{number}</span>'
    return f'<span class="{kind}">{number}<span class="t">{body}</span></span>'


def _html_code(line: str, classes: list[str], changed: list[bool], at: int) -> str:
    """``line`` escaped, each run of a token class in a span of that class, each run of
    changed characters in a ``<mark>`` (``classes`` and ``changed``: one per character of
    the text ``line`` starts at offset ``at`` of)."""
    out = []
    for mark, run in groupby(range(at, at + len(line)), key=lambda i: changed[i]):
        spans = []
        for token, chars in groupby(run, key=lambda i: classes[i]):
            piece = _esc("".join(line[i - at] for i in chars))
            spans.append(f'<span class="{_TOKEN_PREFIX}{token}">{piece}</span>' if token else piece)
        out.append(f'<mark class="chg">{"".join(spans)}</mark>' if mark else "".join(spans))
    return "".join(out)


def _lexer(path: str) -> Lexer:
    """The Pygments lexer for a file named ``path`` (plain text when none fits), keeping
    leading and trailing newlines so that its tokens give back the text."""
    try:
        lexer: Lexer = get_lexer_for_filename(path, stripnl=False, ensurenl=False)
    except ClassNotFound:
        lexer = TextLexer(stripnl=False, ensurenl=False)
    return lexer


def _token_classes(text: str, lexer: Lexer) -> list[str]:
    """The Pygments class (without prefix; "" for plain text) of each character of
    ``text``; all "" when the tokens do not give back as many characters."""
    classes: list[str] = []
    # Pygments turns "\r\n" into "\n": a space in its place keeps every character where it is.
    for token, value in lexer.get_tokens(text.replace("\r", " ")):
        while token not in STANDARD_TYPES and token.parent is not None:
            token = token.parent
        classes += ["" if token is Error else STANDARD_TYPES[token]] * len(value)
    return classes if len(classes) == len(text) else [""] * len(text)


def _marks_changes(base: Side, side: Side) -> bool:
    """Whether ``side``'s changes from ``base`` are marked: only against a base with lines
    (against none, every line would be)."""
    return bool(base.text) and bool(side.text) and side is not base


def _changed(base: Side, side: Side) -> list[bool]:
    """For each character of ``side.text``: whether it is marked as changed from
    ``base.text``. difflib aligns the two texts' lines, then the words (tokens of
    :data:`_WORDS`) of each run of lines ``side`` replaced (:func:`_changed_words`); the
    lines it inserted are marked whole. All False for the base itself or when
    :func:`_marks_changes` says no."""
    marks = [False] * len(side.text)
    if not _marks_changes(base, side):
        return marks
    old, new = base.text.splitlines(keepends=True), side.text.splitlines(keepends=True)
    starts = [0]
    for line in new:
        starts.append(starts[-1] + len(line))
    for tag, first_old, end_old, first, end in SequenceMatcher(None, old, new).get_opcodes():
        if tag in ("replace", "insert"):
            block = _changed_words("".join(old[first_old:end_old]), "".join(new[first:end]))
            marks[starts[first] : starts[end]] = block
    return marks


def _changed_words(old_text: str, new_text: str) -> list[bool]:
    """For each character of ``new_text``: whether it is in a word difflib finds replaced
    or inserted from ``old_text``, or a lone unchanged word or punctuation between two
    such changes on one line, or spaces between two marked words (spaces alone are marked
    only when a change is nothing else)."""
    old, new = _WORDS.findall(old_text), _WORDS.findall(new_text)
    changed = [False] * len(new)
    ops = SequenceMatcher(None, old, new).get_opcodes()
    tags = ["", *(op[0] for op in ops), ""]  # each op's tag, between its neighbours'
    for index, (tag, _, _, first, end) in enumerate(ops):
        between = {tags[index], tags[index + 2]} <= {"replace", "insert"}
        if tag != "equal" or (between and _slight(new[first:end])):
            changed[first:end] = [True] * (end - first)
    marks, at = [False] * len(new_text), 0
    for index, word in enumerate(new):
        if changed[index] and (not word.isspace() or _spacing(index, new, changed)):
            marks[at : at + len(word)] = [True] * len(word)
        at += len(word)
    return marks


def _slight(words: list[str]) -> bool:
    """Whether an unchanged run between two changes is marked with them: one line, at most
    one word."""
    return "\n" not in words and sum(word[0].isalnum() or word[0] == "_" for word in words) <= 1


def _spacing(index: int, words: list[str], changed: list[bool]) -> bool:
    """Whether the changed spaces ``words[index]`` are marked: between two changed words
    on a line, or a change of spacing only (no changed word beside them)."""
    if "\n" in words[index]:
        return False
    near = [
        at
        for at in (index - 1, index + 1)
        if 0 <= at < len(words) and changed[at] and not words[at].isspace()
    ]
    return len(near) != 1


def _html_provenance(report: ConflictReport, item: Entry | Hunk) -> str:
    columns = []
    for title, commits in _provenance(item):
        if not commits:
            continue
        upstream = title.startswith("upstream")
        items = "".join(
            f"<li>{_html_commit_id(report, c, link=upstream)} {_esc(c.subject)} "
            f'<span class="meta" title="{_esc(c.author)}">— {_esc(_name(c.author))}, '
            f"{_esc(_day(c.date))}</span></li>"
            for c in commits
        )
        heading = _esc(title[0].upper() + title[1:])
        columns.append(f"<div><h4>{heading}</h4><ul>{items}</ul></div>")
    return f'<div class="prov">{"".join(columns)}</div>' if columns else ""


def _html_commit_ids(report: ConflictReport, commits: Sequence[Commit], *, link: bool) -> str:
    return ", ".join(_html_commit_id(report, c, link=link) for c in commits) or "—"


def _html_commit_id(report: ConflictReport, commit: Commit, *, link: bool) -> str:
    code = f'<code class="sha" title="{_esc(commit.id)}">{_esc(commit.id[:10])}</code>'
    if link and report.commit_url:
        return f'<a href="{_esc(report.commit_url.format(id=commit.id))}">{code}</a>'
    return code


def _html_rich(text: str) -> str:
    """Text with backtick code spans, as escaped HTML with ``<code>`` elements; a clause
    that drops upstream lines highlighted, after a warning sign."""
    out = []
    for clause, drops in _clauses(text):
        rich = "".join(
            f"<code>{_esc(part)}</code>" if code else _esc(part) for part, code in _spans(clause)
        )
        out.append(f'<strong class="drop">⚠ {rich}</strong>' if drops else rich)
    return "".join(out)


def _esc(text: str) -> str:
    return html.escape(text, quote=True)
