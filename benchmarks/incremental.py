"""A sync as fast as the change (issue 20): what a patch release, a ``check`` and a ``patch
replay`` cost beside a full sync, for this checkout and, with ``--baseline REV``, for an
earlier commit in the same run; where the patch-release sync spends its time (the steps
forktool times under ``FORKTOOL_TIMINGS=1``); and that every shortcut leaves the results
as they are (``FORKTOOL_NO_SHORTCUTS=1``, and the earlier commit).

    .venv/bin/python -m benchmarks.incremental [--runs N] [--baseline REV] [--jobs N]

Run by ``python -m benchmarks`` too; see ``benchmarks/README.md``. Needs the network
(PyPI, as every sync lists releases there); the sdists are downloaded once into the work
directory and put in each new fork's sdist cache, so downloads are not timed.

* Django: a new fork, ``sync django --to 5.2`` (full), then on a copy of it ``check django
  --to 5.2.1`` (the check fills the transform cache, so it gets a fork of its own), then
  ``sync django --to 5.2.1`` (the patch release, 58 of 6,872 files changed).
* Flask: the repository's own definition and default series (``upstream/flask.toml``,
  ``patches/flask``), synced to 3.1.3, then ``patch replay --from 2.0.0 --to 3.1.3`` (26
  releases): once to fill the caches (untimed), then timed on copies: *warm*, and (this
  checkout only) without the codemod patch memo, the transform cache still warm.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.version import Version

from benchmarks import commands, forks, inputs
from benchmarks.commands import Run, Tool
from benchmarks.report import Ratio, Report, Row, ratio, render, write_json
from benchmarks.stats import summarize
from forktool import perf

DJANGO, DJANGO_PATCH = "5.2", "5.2.1"
REPLAY_FROM, REPLAY_TO = "2.0.0", "3.1.3"
#: Where the benchmark's work goes by default (git-ignored).
DEFAULT_WORK = commands.ROOT / "benchmarks" / ".cache"


@dataclass
class Results:
    """Every command run for one :class:`~benchmarks.commands.Tool`, by measurement."""

    tool: Tool
    runs: dict[str, list[Run]] = field(default_factory=dict)
    outcomes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def add(self, key: str, done: Run, outcome: dict[str, Any] | None = None) -> None:
        self.runs.setdefault(key, []).append(done)
        if outcome is not None:
            self.outcomes.setdefault(key, []).append(outcome)


def _say(text: str) -> None:
    print(text, flush=True)


# -- Django ----------------------------------------------------------------------------------


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True)
    return done.stdout.strip()


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:16]


def _fork_outcome(root: Path, name: str) -> dict[str, Any]:
    """What a sync left that must not depend on shortcuts: the vendor and transformed
    commits, the fork branch's tree, the lock file, the leftover report and series health."""
    fork = root / "forks" / name
    state = fork / ".git" / "forktool"
    leftovers = json.loads((state / f"{name}.leftovers.json").read_text(encoding="utf-8"))
    health = json.loads((state / f"{name}.series.json").read_text(encoding="utf-8"))
    lock = (root / "upstream" / f"{name}.lock").read_text(encoding="utf-8")
    shim = root / "forks" / f"{name}.shim"
    shim_files = sorted(p for p in shim.rglob("*") if p.is_file()) if shim.is_dir() else []
    return {
        "shim": _digest(
            [
                [str(p.relative_to(shim)), hashlib.sha256(p.read_bytes()).hexdigest()]
                for p in shim_files
            ]
        ),  # fmt: skip
        "vendor": _git(fork, "rev-parse", f"vendor/{name}"),
        "transformed": _git(fork, "rev-parse", f"transformed/{name}"),
        "fork tree": _git(fork, "rev-parse", "HEAD^{tree}"),
        "lock": _digest([line for line in lock.splitlines() if not line.startswith("fork =")]),
        "leftovers": _digest(leftovers),
        "series health": _digest(health),
    }


def _check_outcome(done: Run) -> dict[str, Any]:
    """A ``check --json`` result, without what names the temporary directory."""
    data = done.json() or {}
    results = data.get("results", []) if isinstance(data, dict) else []
    kept = [
        {k: v for k, v in item.items() if k not in ("fork_repository",)}
        for item in results
        if isinstance(item, dict)
    ]
    return {"check": _digest(kept), "exit": done.returncode}


def django_run(
    tool: Tool, sdists: list[inputs.Sdist], work: Path, jobs: int, into: Results
) -> None:
    """One full sync, one check and one patch-release sync of Django with ``tool``."""
    with tempfile.TemporaryDirectory(dir=work, prefix="incremental-django-") as temp:
        root = Path(temp) / "a"
        forks.prepare(root, forks.DJANGO, sdists)
        full = commands.run(tool, root, ["sync", "django", "--to", DJANGO, "--json"], jobs)
        into.add("django_full", full, _fork_outcome(root, "django"))
        copy = Path(temp) / "b"
        shutil.copytree(root, copy, symlinks=True)
        check = commands.run(
            tool, copy, ["check", "django", "--to", DJANGO_PATCH, "--json"], jobs, timings=True
        )
        into.add("django_check", check, _check_outcome(check))
        shutil.rmtree(copy)
        args = ["sync", "django", "--to", DJANGO_PATCH, "--json"]
        patch = commands.run(tool, root, args, jobs, timings=True)
        into.add("django_patch", patch, _fork_outcome(root, "django"))
    _say(
        f"[{tool.label}] django {full.seconds:.1f} s full, check {check.seconds:.2f} s, "
        f"patch release {patch.seconds:.2f} s"
    )


# -- Flask: patch replay ---------------------------------------------------------------------


def flask_sdists(work: Path) -> list[inputs.Sdist]:
    """Every Flask release's sdist from :data:`REPLAY_FROM` to :data:`REPLAY_TO`."""
    data = inputs._project_json("Flask", work)
    low, high = Version(REPLAY_FROM), Version(REPLAY_TO)
    wanted = sorted(
        (v for v in data.get("releases", {}) if not Version(v).is_prerelease),
        key=Version,
    )
    versions = [v for v in wanted if low <= Version(v) <= high]
    if str(high) not in versions:  # the cached JSON predates the release
        (work / "pypi" / "flask.json").unlink()
        return flask_sdists(work)
    return [inputs.fetch_sdist("Flask", version, work) for version in versions]


def replay_template(tool: Tool, sdists: list[inputs.Sdist], work: Path, jobs: int) -> Path:
    """A Flask fork with the repository's definition and series, synced to the newest
    release and replayed once (caches filled), made once per tool in ``work``."""
    root = work / f"replay-{tool.label}-{tool.commit[:12]}"
    if (root / "done").is_file():
        return root
    shutil.rmtree(root, ignore_errors=True)
    (root / "upstream").mkdir(parents=True)
    shutil.copyfile(commands.ROOT / "upstream" / "flask.toml", root / "upstream" / "flask.toml")
    shutil.copytree(commands.ROOT / "patches" / "flask", root / "patches" / "flask")
    forks.seed(root / "forks" / "flask", sdists)
    commands.run(tool, root, ["sync", "flask", "--to", REPLAY_TO], jobs)
    first = commands.run(tool, root, _replay_args(), jobs)
    _say(f"[{tool.label}] flask replay, caches filled: {first.seconds:.1f} s")
    (root / "done").write_text(f"{first.seconds}\n", encoding="utf-8")
    return root


def _replay_args() -> list[str]:
    return ["patch", "replay", "--from", REPLAY_FROM, "--to", REPLAY_TO, "--json"]


def replay_run(tool: Tool, template: Path, work: Path, jobs: int, into: Results) -> None:
    """One warm replay with ``tool`` on a copy of ``template``; for this checkout, one
    more without the codemod patch memo."""
    keys = ["replay_warm"] + (["replay_no_memo"] if tool.label == "after" else [])
    for key in keys:
        with tempfile.TemporaryDirectory(dir=work, prefix="incremental-flask-") as temp:
            root = Path(temp) / "a"
            shutil.copytree(template, root, symlinks=True)
            if key == "replay_no_memo":
                (root / "forks" / "flask" / ".git" / "forktool" / "cache").joinpath(
                    "codemod-patches.sqlite3"
                ).unlink(missing_ok=True)
            done = commands.run(tool, root, _replay_args(), jobs, timings=True)
            into.add(key, done, {"health": _digest(done.json())})
            _say(f"[{tool.label}] flask replay ({key}): {done.seconds:.2f} s")


# -- tables ----------------------------------------------------------------------------------

LABELS = {
    "django_full": f"sync django --to {DJANGO} (new fork)",
    "django_check": f"check django --to {DJANGO_PATCH} (after {DJANGO})",
    "django_patch": f"sync django --to {DJANGO_PATCH} (after {DJANGO})",
    "replay_warm": f"patch replay flask {REPLAY_FROM}..{REPLAY_TO}, warm",
    "replay_no_memo": f"patch replay flask {REPLAY_FROM}..{REPLAY_TO}, no codemod memo",
}


def rows(results: list[Results]) -> list[Row]:
    """Wall-time rows (and processor time and peak memory in the note) per tool."""
    found = []
    for key, label in LABELS.items():
        for result in results:
            done = result.runs.get(key)
            if not done:
                continue
            suffix = "" if result.tool.label == "after" else f" ({result.tool.label})"
            cpu = statistics.median(r.cpu for r in done)
            rss = max(r.rss_kib for r in done)
            note = f"cpu {cpu:.2f} s, peak RSS {rss / 1024:.0f} MiB (largest process)"
            name = key if result.tool.label == "after" else f"{key}_{result.tool.label}"
            found.append(Row(name, label + suffix, summarize([r.seconds for r in done]), note))
    return found


def memory_row(results: list[Results]) -> Row | None:
    """Peak memory of this checkout's Django syncs: main process + largest child (an
    upper bound: pages the forked workers share with it are counted twice)."""
    after = next((r for r in results if r.tool.label == "after"), None)
    if after is None:
        return None
    totals = [
        float(sum(run.memory))
        for key in ("django_full", "django_patch", "django_check")
        for run in after.runs.get(key, [])
        if run.memory is not None
    ]
    if not totals:
        full = after.runs.get("django_full", [])
        totals = [float(run.rss_kib) for run in full]
    if not totals:
        return None
    return Row(
        "django_peak_rss",
        "  peak RSS, Django syncs (main + largest child)",
        summarize(totals, "KiB"),
        "upper bound: pages shared with forked workers counted twice",
    )


def ratios(table: list[Row]) -> list[Ratio]:
    """The targets of issue 20, as ratios of medians."""
    by_key = {row.key: row for row in table}
    empty = Row("", "", None)

    def get(key: str) -> Row:
        return by_key.get(key, empty)

    found = [
        ratio("incremental_patch_vs_full", f"sync {DJANGO_PATCH} / sync {DJANGO} full",
              get("django_patch"), get("django_full"), 0.10),
        ratio("incremental_check_vs_full", f"check {DJANGO_PATCH} / sync {DJANGO} full",
              get("django_check"), get("django_full"), 0.10),
        ratio("incremental_replay_vs_before", "patch replay warm: after / before",
              get("replay_warm"), get("replay_warm_before"), 0.5),
        ratio("incremental_full_vs_before", f"sync {DJANGO} full: after / before",
              get("django_full"), get("django_full_before"), 0.7),
        ratio("incremental_patch_vs_before", f"sync {DJANGO_PATCH}: after / before",
              get("django_patch"), get("django_patch_before"), None),
        ratio("incremental_check_vs_before", f"check {DJANGO_PATCH}: after / before",
              get("django_check"), get("django_check_before"), None),
        ratio("incremental_patch_vs_full_before", f"(before) sync {DJANGO_PATCH} / {DJANGO} full",
              get("django_patch_before"), get("django_full_before"), None),
    ]  # fmt: skip
    memory = by_key.get("django_peak_rss")
    if memory is not None and memory.summary is not None:
        gib = Row("", "", summarize([1024.0 * 1024.0], "KiB"))
        found.append(ratio("incremental_peak_rss_vs_gib", "peak RSS / 1 GiB", memory, gib, 1.0))
    return found


def steps_table(results: list[Results], key: str = "django_patch") -> list[dict[str, Any]]:
    """The median wall and processor time of each step of this checkout's ``key`` runs,
    in the order of the first run."""
    after = next((r for r in results if r.tool.label == "after"), None)
    runs = after.runs.get(key, []) if after else []
    if not runs or not runs[0].steps:
        return []
    table = []
    for index, step in enumerate(runs[0].steps):
        same = [r.steps[index] for r in runs if len(r.steps) > index]
        same = [s for s in same if s.name == step.name]
        table.append({
            "step": step.name,
            "depth": step.depth,
            "wall_s": statistics.median(s.seconds for s in same),
            "cpu_s": statistics.median(s.cpu for s in same),
            "runs": len(same),
        })  # fmt: skip
    return table


def print_steps(table: list[dict[str, Any]], title: str) -> None:
    """Print :func:`steps_table`'s rows."""
    if not table:
        return
    _say(f"\n{title} (FORKTOOL_TIMINGS=1, medians):")
    _say(f"  {'wall':>8} {'cpu':>8}  step")
    for item in table:
        indent = "  " * item["depth"]
        _say(f"  {item['wall_s']:7.3f}s {item['cpu_s']:7.3f}s  {indent}{item['step']}")


def checks(results: list[Results]) -> dict[str, int]:
    """Correctness: for each measurement, the outcomes of every tool and run against this
    checkout's first run: label -> how many values differ (0: the same)."""
    after = next((r for r in results if r.tool.label == "after"), None)
    found: dict[str, int] = {}
    if after is None:
        return found
    warm, cold = after.outcomes.get("replay_warm", []), after.outcomes.get("replay_no_memo", [])
    if warm and cold:
        found[f"{LABELS['replay_no_memo']} vs warm (the memo's outcomes)"] = sum(
            1 for other in cold if other != warm[0]
        )
    for key, reference_runs in after.outcomes.items():
        reference = reference_runs[0]
        for result in results:
            others = result.outcomes.get(key, [])
            if result is after:
                others = others[1:]
            if not others:
                continue
            label = f"{LABELS[key]}: {result.tool.label} vs after"
            if result is after:
                label = f"{LABELS[key]}: every run the same"
            found[label] = sum(
                1 for other in others for name, value in reference.items()
                if other.get(name) != value
            )  # fmt: skip
    return found


# -- the whole section -------------------------------------------------------------------------


def measure(
    work: Path, runs: int, jobs: int, baseline: str | None
) -> tuple[list[Row], list[Ratio], dict[str, int], dict[str, Any]]:
    """Measure everything of this section.

    Returns:
        the table rows, the ratios, the correctness checks, and details for results.json
        (tools, steps of the patch-release sync and of the check).
    """
    tools = [commands.this_checkout()]
    if baseline is not None:
        tools.append(commands.baseline(baseline, work))
    no_shortcuts = tools[0].with_env("no shortcuts", **{perf.NO_SHORTCUTS_ENV: "1"})
    results = {tool.label: Results(tool) for tool in [*tools, no_shortcuts]}
    django = [inputs.fetch_sdist("Django", v, work) for v in (DJANGO, DJANGO_PATCH)]
    flask = flask_sdists(work)
    templates = {tool.label: replay_template(tool, flask, work, jobs) for tool in tools}
    for run in range(1, runs + 1):
        _say(f"-- incremental run {run}/{runs}, load average {os.getloadavg()[0]:.2f}")
        for tool in tools:  # alternate: the load of the machine falls on both alike
            django_run(tool, django, work, jobs, results[tool.label])
            replay_run(tool, templates[tool.label], work, jobs, results[tool.label])
    # once more with every shortcut off: the correctness rows
    django_run(no_shortcuts, django, work, jobs, results["no shortcuts"])
    replay_run(no_shortcuts, templates["after"], work, jobs, results["no shortcuts"])
    measured = [results[tool.label] for tool in tools]
    table = rows(measured)
    memory = memory_row(measured)
    if memory is not None:
        table.append(memory)
    details = {
        "tools": {t.label: {"commit": t.commit, "source": str(t.source)} for t in tools},
        "steps_django_patch": steps_table(measured, "django_patch"),
        "steps_django_check": steps_table(measured, "django_check"),
        "steps_replay_warm": steps_table(measured, "replay_warm"),
        "outcomes": {label: r.outcomes for label, r in results.items()},
    }
    return table, ratios(table), checks(list(results.values())), details


def main() -> None:
    """``python -m benchmarks.incremental``: measure, print, write incremental.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument(
        "--baseline", metavar="REV", help="an earlier commit to measure beside this checkout"
    )
    options = parser.parse_args()
    work: Path = options.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    start_load = os.getloadavg()[0]
    table, found, correct, details = measure(work, options.runs, options.jobs, options.baseline)
    header = {
        "python": platform.python_version(),
        "cpus": len(os.sched_getaffinity(0)),
        "jobs": options.jobs,
        "runs": options.runs,
        "slow_runs": 0,
        "load_average": start_load,
        "load_average_end": os.getloadavg()[0],
        "forktool_commit": details["tools"]["after"]["commit"],
        "baseline": options.baseline,
    }
    report = Report(header, table, found, correct, details)
    render(report)
    print_steps(details["steps_django_patch"], f"steps of sync django --to {DJANGO_PATCH}")
    print_steps(details["steps_django_check"], f"steps of check django --to {DJANGO_PATCH}")
    write_json(report, work / "incremental.json")
    print(f"\nresults written to {work / 'incremental.json'}")
    if any(correct.values()):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
