"""The title and Markdown body the fork bot hands the forge (pure: no I/O but reading
git objects for the changelog and the last extensions run kept).

A pull request's body: the release, upstream's changelog since the integrated release,
the patch series' health, leftovers, the last extensions run, and how to review. An
issue's body: the full conflict report of the would-be merge (``forktool check --format
markdown``'s). Nothing in it changes between two runs on the same release and fork
commit (no times), so the forge shows no edit.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from forktool.bot.run import BotResult, BotStatus
from forktool.config import UpstreamConfig
from forktool.conflicts import changelog
from forktool.conflicts.render import to_markdown
from forktool.conflicts.share import shareable
from forktool.extensions.report import headline
from forktool.extensions.results import load_last
from forktool.git.repository import GitRepo
from forktool.model import PatchStatus
from forktool.records import state
from forktool.sync.orchestrator import SyncResult

#: Changelog entries shown at most; the rest is counted.
MAX_ENTRIES = 30


@dataclass(frozen=True)
class Post:
    """What the workflow posts for one upstream.

    Attributes:
        kind: ``pull-request`` or ``issue`` (or ``up-to-date`` / ``too-new``: nothing).
        title: the title; marker: its stable start (``[forktool] flask``), by which the
            workflow finds the open issue to update.
        body: the Markdown body.
    """

    kind: BotStatus
    title: str
    marker: str
    body: str


def marker(name: str) -> str:
    """The stable start of every title the bot gives upstream ``name``'s posts."""
    return f"[forktool] {name}"


def compose(config: UpstreamConfig, repo: GitRepo, result: BotResult) -> Post:
    """The title and body for ``result`` (paths relative to the definition)."""
    mark = marker(config.name)
    if result.status == BotStatus.PULL_REQUEST:
        what = "the changed patch series" if result.series_only else config.name
        title = f"{mark} {result.version}: integrate {what}" + (
            "" if result.series_only else f" {result.version}"
        )
        return Post(result.status, title, mark, _pull_request(config, repo, result))
    if result.status == BotStatus.ISSUE:
        what = ": the changed patch series" if result.series_only else ""
        title = f"{mark} {result.version}{what} conflicts with the fork"
        return Post(result.status, title, mark, _issue(config, result))
    if result.status == BotStatus.TOO_NEW:
        text = (
            f"{config.name} {result.version} is younger than min-release-age; proposed "
            f"after {result.eligible}.\n"
        )
        return Post(result.status, f"{mark} {result.version}", mark, text)
    return Post(result.status, mark, mark, f"{config.name} {result.integrated} is up to date.\n")


def _pull_request(config: UpstreamConfig, repo: GitRepo, result: BotResult) -> str:
    proposal = result.proposal
    assert proposal is not None
    synced = proposal.synced
    if result.series_only:
        heading = f"## {config.name} {result.version}: the changed patch series"
        what = (
            f"The patch series of {config.name} changed since {result.version} was "
            f"integrated: forktool built **{config.name} {result.version}** again with it "
            f"and merged the difference into the fork branch `{result.base}` on the branch "
            f"`{result.branch}`: it merges cleanly."
        )
        changed = [f"Nothing: {result.version} is the release integrated now."]
    else:
        heading = f"## {config.name} {result.integrated} → {result.version}"
        what = (
            f"forktool synced upstream **{config.name} {result.version}** onto the fork "
            f"branch `{result.base}` on the branch `{result.branch}`: it merges cleanly."
        )
        changed = _changelog(repo, synced.vendor, result.integrated, result.version)
    lines = [
        _comment(config.name),
        heading,
        "",
        what,
        "",
        "| | |",
        "|---|---|",
        f"| release | {config.name} {result.version}"
        + (f" (published {result.released})" if result.released else "")
        + " |",
        f"| integrated now | {result.integrated} |",
        f"| vendor commit | `{synced.vendor}` |",
        f"| transformed commit | `{synced.transformed}` |",
        f"| merge commit | `{proposal.commit}` |",
        "",
        "### What changed upstream",
        "",
        *changed,
        "",
        "### Patch series",
        "",
        *_health(synced),
        "",
        "### Leftovers",
        "",
        *_leftovers(config, synced.leftovers, synced.failures),
    ]
    extensions = _extensions(config, repo, result.version)
    if extensions:
        lines += ["", "### Extensions", "", *extensions]
    lines += ["", *_review(config, result)]
    return "\n".join(lines) + "\n"


def _comment(name: str) -> str:
    return f"<!-- forktool ci run: {name} -->"


def _changelog(repo: GitRepo, vendor: str, older: str, newer: str) -> list[str]:
    path = changelog.find(repo.tree_blobs(vendor))
    data = repo.blob_at(vendor, path) if path else None
    if path is None or data is None:
        return ["The release has no changelog forktool recognises."]
    entries = changelog.between(changelog.parse(data.decode("utf-8", "replace")), older, newer)
    if not entries:
        return [f"`{path}` has no entries for the releases after {older}."]
    lines = [f"From `{path}`, the releases after {older}:", ""]
    version = ""
    for entry in entries[:MAX_ENTRIES]:
        if entry.version != version:
            version = entry.version
            lines += ["", f"**{version}**", ""] if len(lines) > 2 else [f"**{version}**", ""]
        flag = " **(security)**" if entry.security else ""
        lines.append(f"- {entry.text}{flag}")
    if len(entries) > MAX_ENTRIES:
        lines += ["", f"… and {len(entries) - MAX_ENTRIES} more entries."]
    return lines


def _health(synced: SyncResult) -> list[str]:
    if not synced.patches:
        return ["The series is empty."]
    good = (PatchStatus.CLEAN, PatchStatus.THREE_WAY, PatchStatus.UPSTREAMED)
    lines = ["| patch | kind | status | detail |", "|---|---|---|---|"]
    for patch in synced.patches:
        mark = "" if patch.status in good else " ⚠️"
        detail = patch.detail.replace("|", "\\|") or ", ".join(patch.paths)
        lines.append(f"| `{patch.name}` | {patch.kind} | {patch.status}{mark} | {detail} |")
    return lines


def _leftovers(
    config: UpstreamConfig, counts: dict[str, int], failures: dict[str, str]
) -> list[str]:
    lines = []
    if counts:
        total = sum(counts.values())
        by_reason = ", ".join(f"{n} {reason}" for reason, n in sorted(counts.items()))
        lines.append(
            f"{total} old-name occurrences left in place ({by_reason}); `forktool "
            f"leftovers {config.name}` lists them once the release is synced."
        )
    else:
        lines.append("None: every old name was renamed.")
    for path, reason in sorted(failures.items()):
        lines.append(f"- `{path}` carried over untransformed: {reason}")
    return lines


def _extensions(config: UpstreamConfig, repo: GitRepo, version: str) -> list[str]:
    if not config.extensions.packages:
        return []
    last = load_last(state.state_dir(repo), config.name)
    if last is None:
        return ["No `forktool extensions` run is kept; run it on the branch to compare."]
    note = "" if last.release == version else f" (a run on {last.release}, not on this release)"
    return [f"Last run: {headline(last)}{note}."]


def _review(config: UpstreamConfig, result: BotResult) -> list[str]:
    return [
        "### Review",
        "",
        "```sh",
        f"git fetch origin {result.head}",
        f"git log --graph --oneline {result.base}..FETCH_HEAD",
        f"git diff {result.base}...FETCH_HEAD",
        "```",
        "",
        f"Merge this pull request into `{result.base}`, then run `forktool sync "
        f"{config.name}` where the definition lives and commit `upstream/{config.name}.lock`: "
        "the sync finds the release merged already and records it. A newer release "
        f"updates this pull request (its head `{result.head}` moves to it).",
    ]


def _issue(config: UpstreamConfig, result: BotResult) -> str:
    checked = result.check
    assert checked is not None
    lines = [
        _comment(config.name),
        f"## {config.name} {result.version} does not integrate cleanly",
        "",
        f"`forktool check {config.name}` merged {config.name} {result.version} with the fork "
        f"branch `{result.base}` (integrated: {result.integrated}) in memory: "
        + (
            f"the patch series conflicts ({', '.join(checked.conflicts)})."
            if result.report is None
            else f"{len(checked.conflicts)} path(s) conflict. Nothing was pushed."
        ),
        "",
        f"Run `forktool sync {config.name}` where the definition lives, resolve, then "
        f"`forktool sync {config.name} --continue`. This issue is updated on each run "
        "while the release conflicts.",
        "",
    ]
    if result.report is not None:
        lines.append(to_markdown(shareable(result.report, config.root)))
    return "\n".join(lines).rstrip("\n") + "\n"


def write_post(out: Path, result: BotResult, post: Post) -> Path:
    """Write ``post`` for the workflow: ``<out>/<upstream>/`` with ``kind``, ``title``,
    ``marker``, ``head``, ``base`` and ``body.md``.

    Returns:
        the directory written.
    """
    where = out / result.upstream
    where.mkdir(parents=True, exist_ok=True)
    files = {
        "kind": str(post.kind),
        "title": post.title,
        "marker": post.marker,
        "head": result.head,
        "base": result.base,
        "body.md": post.body,
    }
    for name, text in files.items():
        (where / name).write_text(text if name == "body.md" else text + "\n", encoding="utf-8")
    return where
