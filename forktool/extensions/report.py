"""Render a :class:`~forktool.extensions.results.RunReport`: a rich table for the
terminal, Markdown (for a pull request or an issue), JSON (:func:`forktool.extensions.
results.to_json`) and a self-contained HTML page. Pure: each returns what to print or
write; nothing is printed here.

Every format says the same: per extension its version, status, the tests counted on each
side (``passed/failed/error/skipped``), regressions, fixes, flaky and not comparable
tests; then each listed test with both outcomes, its re-runs and the failure's first
line; the pinned third-party versions both sides used and any that differ; and the notes
(test dependencies not found, pins dropped, ...).
"""

from __future__ import annotations

import html

from rich.console import Group, RenderableType
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from forktool.extensions.compare import Change, ExtensionStatus, TestChange
from forktool.extensions.results import ExtensionReport, RunReport, SideReport, to_json

FORMATS = ("terminal", "markdown", "json", "html")
_STYLE = {
    ExtensionStatus.COMPARED: "green",
    ExtensionStatus.REGRESSED: "bold red",
    ExtensionStatus.BROKEN_ON_FORK: "bold red",
    ExtensionStatus.NO_TESTS: "yellow",
    ExtensionStatus.NOT_RUN: "yellow",
    ExtensionStatus.TIMEOUT: "yellow",
}
_CHANGE_STYLE = {
    Change.REGRESSION: "red",
    Change.FIX: "green",
    Change.FLAKY: "yellow",
    Change.NOT_COMPARABLE: "dim",
}


def counted(totals: dict[str, int]) -> list[str]:
    """A run's totals (:attr:`RunReport.totals`) in words: ``["2 extensions", "0
    regressions", "1 fix", "0 flaky", "0 not comparable"]``, then ``"1 not compared"``
    when extensions were not compared."""
    parts = [
        _count(totals["extensions"], "extension"),
        _count(totals["regressions"], "regression"),
        _count(totals["fixes"], "fix", "fixes"),
        f"{totals['flaky']} flaky",
        f"{totals['not_comparable']} not comparable",
    ]
    if totals["not_run"]:
        parts.append(f"{totals['not_run']} not compared")
    return parts


def headline(report: RunReport) -> str:
    """One line: ``flask 3.1.3: 2 extensions, 0 regressions, 1 fix, 0 flaky, 0 not
    comparable (fork 1a2b3c4d5e6f, shard 1/2)``."""
    parts = counted(report.totals)
    where = f"fork {report.fork_commit[:12]}" + (" + uncommitted" if report.fork_dirty else "")
    if report.shards:
        where += f", shard{'s' if len(report.shards) > 1 else ''} {', '.join(report.shards)}"
    name = f"{report.upstream} {report.release}"
    return f"{name}: {', '.join(parts)} ({where})"


def counts(side: SideReport) -> str:
    """``passed/failed/error/skipped`` of a side, or its status when it did not run."""
    if not side.counts:
        return str(side.status)
    c = side.counts
    return f"{c.get('passed', 0)}/{c.get('failed', 0)}/{c.get('error', 0)}/{c.get('skipped', 0)}"


def _changes_cell(extension: ExtensionReport) -> str:
    parts = [f"{extension.regressions} regr."]
    for change, label in (
        (Change.FIX, "fix"),
        (Change.FLAKY, "flaky"),
        (Change.NOT_COMPARABLE, "n/c"),
    ):
        if extension.count(change):
            parts.append(f"{extension.count(change)} {label}")
    return ", ".join(parts)


# -- terminal ------------------------------------------------------------------------------


def terminal(report: RunReport, *, verbose: bool = False) -> RenderableType:
    """The report for a terminal: the headline, a table with one row per extension, then
    each listed test (not-comparable ones only with ``verbose``) and the notes."""
    table = Table(title=None, box=None, header_style="bold", pad_edge=False)
    for column in ("extension", "version", "status", "upstream p/f/e/s", "fork p/f/e/s", "tests"):
        table.add_column(column, no_wrap=column != "tests")
    for extension in report.extensions:
        style = _STYLE[extension.status]
        table.add_row(
            escape(extension.name),
            escape(extension.version or "-"),
            f"[{style}]{extension.status}[/]",
            counts(extension.upstream),
            counts(extension.fork),
            _changes_cell(extension),
        )
    parts: list[RenderableType] = [Text(headline(report), style="bold"), table]
    for extension in report.extensions:
        lines = _terminal_details(extension, verbose=verbose)
        if lines:
            parts.append(Text.from_markup("\n".join(lines)))
    return Group(*parts)


def _terminal_details(extension: ExtensionReport, *, verbose: bool) -> list[str]:
    lines: list[str] = []
    if extension.message:
        lines.append(f"  {escape(extension.message)}")
    for item in extension.changes:
        if item.change is Change.NOT_COMPARABLE and not verbose:
            continue
        style = _CHANGE_STYLE.get(item.change, "")
        lines.append(f"  [{style}]{item.change}[/] {escape(_test_line(item))}")
    hidden = extension.count(Change.NOT_COMPARABLE)
    if hidden and not verbose:
        lines.append(f"  [dim]{_count(hidden, 'test')} not comparable (--verbose lists them)[/]")
    for note in extension.notes:
        lines.append(f"  [dim]note: {escape(note)}[/]")
    if extension.differing_versions:
        lines.append(f"  [yellow]versions differ:[/] {escape(_versions(extension))}")
    if lines:
        lines.insert(0, f"[bold]{escape(extension.name)}[/] {escape(extension.version)}")
    return lines


def _test_line(item: TestChange) -> str:
    text = f"{item.test}: {item.upstream} -> {item.fork}"
    if item.reason:
        text += f" ({item.reason})"
    if item.reruns_upstream or item.reruns_fork:
        text += (
            f" [re-runs upstream {','.join(item.reruns_upstream) or '-'};"
            f" fork {','.join(item.reruns_fork) or '-'}]"
        )
    if item.detail:
        text += f" — {item.detail}"
    return text


def _versions(extension: ExtensionReport) -> str:
    return ", ".join(
        f"{name} {up or 'absent'} upstream, {fork or 'absent'} on the fork"
        for name, (up, fork) in extension.differing_versions.items()
    )


# -- Markdown ------------------------------------------------------------------------------


def markdown(report: RunReport) -> str:
    """The report as GitHub-flavoured Markdown."""
    lines = [
        f"# Extensions on {report.upstream} {report.release}",
        "",
        f"**{_md(headline(report))}**",
        "",
        f"Upstream side: `{report.distribution}=={report.release}` from {_md(report.index)}. "
        f"Fork side: `{_md(report.fork_path)}` at `{report.fork_commit[:12]}`"
        f"{' with uncommitted changes' if report.fork_dirty else ''} and its shim "
        f"`{_md(report.shim_wheel.rsplit('/', 1)[-1])}`. Counts are passed/failed/error/skipped.",
        "",
        "| extension | version | status | upstream | fork | regressions | fixes | flaky "
        "| not comparable |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for e in report.extensions:
        lines.append(
            f"| {_md(e.name)} | {_md(e.version or '-')} | {e.status} | {counts(e.upstream)} | "
            f"{counts(e.fork)} | {e.regressions} | {e.count(Change.FIX)} | "
            f"{e.count(Change.FLAKY)} | {e.count(Change.NOT_COMPARABLE)} |"
        )
    for e in report.extensions:
        lines += ["", f"## {_md(e.name)} {_md(e.version)}", ""]
        if e.message:
            lines += [f"{_md(e.message)}", ""]
        if e.changes:
            lines += [
                "| test | change | upstream | fork | re-runs | detail |",
                "|---|---|---|---|---|---|",
            ]
            for item in e.changes:
                reruns = (
                    f"{','.join(item.reruns_upstream)} / {','.join(item.reruns_fork)}"
                    if item.reruns_upstream or item.reruns_fork
                    else ""
                )
                detail = item.detail or item.reason
                lines.append(
                    f"| `{_md(item.test)}` | {item.change} | {item.upstream} | {item.fork} | "
                    f"{reruns} | {_md(detail)} |"
                )
            lines.append("")
        lines += _md_facts(e)
    return "\n".join(lines).rstrip() + "\n"


def _md_facts(e: ExtensionReport) -> list[str]:
    lines = [
        f"- test dependencies: {_md(e.dependency_source or 'not found')}"
        + (f" ({_md(', '.join(e.test_requirements))})" if e.test_requirements else ""),
        f"- pytest configuration: {_md(e.pytest_config or 'none')}"
        + (f"; tests: {_md(', '.join(e.test_paths))}" if e.test_paths else ""),
    ]
    if e.pins:
        pins = ", ".join(f"{n}=={v}" for n, v in e.pins.items())
        lines.append(f"- pinned on both sides: {_md(pins)}")
    if e.differing_versions:
        lines.append(f"- versions differ: {_md(_versions(e))}")
    lines += [f"- note: {_md(note)}" for note in e.notes]
    for side, name in ((e.upstream, "upstream"), (e.fork, "fork")):
        if side.log:
            lines += [
                "",
                f"<details><summary>{name} side: {_md(side.message)}</summary>",
                "",
                "```",
            ]
            lines += [side.log, "```", "", "</details>"]
    return lines


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


# -- HTML ----------------------------------------------------------------------------------

_CSS = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: .3em .6em; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
code { font: 13px ui-monospace, monospace; }
.regression, .regressed, .broken-on-fork { color: #b00020; font-weight: bold; }
.fix, .compared { color: #1b7f2a; }
.flaky, .not-run, .no-tests, .timeout { color: #a66b00; }
.not-comparable { color: #666; }
pre { background: #f7f7f7; padding: .6em; overflow-x: auto; }
"""


def to_html(report: RunReport) -> str:
    """The report as one self-contained HTML page (no scripts, no external files)."""
    esc = html.escape
    rows = "".join(
        f"<tr><td>{esc(e.name)}</td><td>{esc(e.version or '-')}</td>"
        f'<td class="{e.status}">{e.status}</td><td>{counts(e.upstream)}</td>'
        f"<td>{counts(e.fork)}</td><td>{e.regressions}</td><td>{e.count(Change.FIX)}</td>"
        f"<td>{e.count(Change.FLAKY)}</td><td>{e.count(Change.NOT_COMPARABLE)}</td></tr>"
        for e in report.extensions
    )
    sections = "".join(_html_extension(e) for e in report.extensions)
    title = f"Extensions on {report.upstream} {report.release}"
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{esc(title)}'
        f"</title><style>{_CSS}</style></head><body><h1>{esc(title)}</h1>"
        f"<p><strong>{esc(headline(report))}</strong></p>"
        f"<p>Upstream side: <code>{esc(report.distribution)}=={esc(report.release)}</code> "
        f"from {esc(report.index)}. Fork side: <code>{esc(report.fork_path)}</code> at "
        f"<code>{esc(report.fork_commit[:12])}</code> and its shim "
        f"<code>{esc(report.shim_wheel.rsplit('/', 1)[-1])}</code>. "
        "Counts are passed/failed/error/skipped.</p>"
        "<table><tr><th>extension</th><th>version</th><th>status</th><th>upstream</th>"
        "<th>fork</th><th>regressions</th><th>fixes</th><th>flaky</th><th>not comparable</th>"
        f"</tr>{rows}</table>{sections}</body></html>\n"
    )


def _html_extension(e: ExtensionReport) -> str:
    esc = html.escape
    parts = [f"<h2>{esc(e.name)} {esc(e.version)}</h2>"]
    if e.message:
        parts.append(f"<p>{esc(e.message)}</p>")
    if e.changes:
        rows = "".join(
            f'<tr><td><code>{esc(c.test)}</code></td><td class="{c.change}">{c.change}</td>'
            f"<td>{c.upstream}</td><td>{c.fork}</td>"
            f"<td>{esc(','.join(c.reruns_upstream))} / {esc(','.join(c.reruns_fork))}</td>"
            f"<td>{esc(c.detail or c.reason)}</td></tr>"
            for c in e.changes
        )
        parts.append(
            "<table><tr><th>test</th><th>change</th><th>upstream</th><th>fork</th>"
            f"<th>re-runs</th><th>detail</th></tr>{rows}</table>"
        )
    facts = [line.removeprefix("- ") for line in _md_facts(e) if line.startswith("- ")]
    parts.append(
        "<ul>" + "".join(f"<li>{esc(f.replace(chr(92) + '|', '|'))}</li>" for f in facts) + "</ul>"
    )
    for side, name in ((e.upstream, "upstream"), (e.fork, "fork")):
        if side.log:
            parts.append(
                f"<details><summary>{name} side: {esc(side.message)}</summary>"
                f"<pre>{esc(side.log)}</pre></details>"
            )
    return "".join(parts)


def render(report: RunReport, fmt: str) -> str:
    """``report`` as text in ``fmt`` (``markdown``, ``json`` or ``html``)."""
    if fmt == "markdown":
        return markdown(report)
    if fmt == "html":
        return to_html(report)
    if fmt == "json":
        return to_json(report) + "\n"
    raise ValueError(f"unknown format {fmt!r}")


def _count(number: int, singular: str, plural: str | None = None) -> str:
    return f"{number} {singular if number == 1 else (plural or singular + 's')}"
