"""``python -m benchmarks``: run every measurement, print the table, write results.json.

See ``benchmarks/README.md`` for what is measured and the targets. Exits 1 when the
correctness check finds a difference (a missed target is only reported).
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from benchmarks import forks, incremental, inputs, rename_command, runner, scaling
from benchmarks.report import Report, Row, ratio, render, write_json
from benchmarks.stats import summarize

DEFAULT_WORK = Path(__file__).resolve().parent / ".cache"
DJANGO, DJANGO_PATCH = "5.2", "5.2.1"
FLASK_OLD, FLASK_NEW = "3.1.2", "3.1.3"


def _say(text: str) -> None:
    click.echo(text, err=True)


def _header(runs: int, slow_runs: int, jobs: int) -> dict[str, Any]:
    """The run's parameters and environment."""
    git = ["git", "-C", str(runner.ROOT)]
    commit = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run([*git, "status", "--porcelain", "forktool"], capture_output=True)
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": len(os.sched_getaffinity(0)),
        "jobs": jobs,
        "runs": runs,
        "slow_runs": slow_runs,
        "load_average": os.getloadavg()[0],
        "libcst": importlib.metadata.version("libcst"),
        "forktool_commit": commit.stdout.strip() + (" (modified)" if dirty.stdout else ""),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _transform_rows(report: Report, sdist: Path, runs: int, jobs: int) -> list[Row]:
    """Measure forktool's rename and the floor, alternating, ``runs`` times each.

    Returns:
        the rename row, its three peak-RSS rows, the floor row.
    """
    done: dict[str, list[dict[str, Any]]] = {"forktool": [], "floor": []}
    for run in range(1, runs + 1):
        for what, results in done.items():
            result = runner.run_measure(what, sdist, jobs)
            results.append(result)
            _say(f"[{what} {run}/{runs}] {result['seconds']:.2f} s")
    tool, base = done["forktool"], done["floor"]
    report.details["forktool_runs"], report.details["floor_runs"] = tool, base
    note = f"{tool[0]['files']} files, {tool[0]['leftovers']} leftovers, "
    note += f"{tool[0]['failures']} failures"
    main = [float(r["rss_main_kib"]) for r in tool]
    worker = [float(r["rss_worker_kib"]) for r in tool]
    total = [a + b for a, b in zip(main, worker, strict=True)]
    seconds = summarize([r["seconds"] for r in tool])
    return [
        Row("forktool_rename", f"forktool rename Django {DJANGO}", seconds, note),
        Row("forktool_peak_rss", "  peak RSS (main + largest worker)", summarize(total, "KiB")),
        Row("forktool_rss_main", "    main process", summarize(main, "KiB")),
        Row("forktool_rss_worker", "    largest worker", summarize(worker, "KiB")),
        Row(
            "floor",
            "libcst parse + codegen (floor)",
            summarize([r["seconds"] for r in base]),
            f"{base[0]['files']} .py files, {base[0]['failed']} do not parse",
        ),
    ]


def _check(report: Report, sdist: Path, jobs: int, work: Path) -> list[Row]:
    """Run the correctness check; record its comparisons in ``report.checks``.

    Returns:
        the one-process, cold-cache and warm-cache rows.
    """
    _say("[check] parallel, one process, cold and warm TransformCache ...")
    with tempfile.TemporaryDirectory(dir=work, prefix="check-") as temp:
        result = runner.run_measure("check", sdist, jobs, Path(temp) / "transform.sqlite3")
    report.details["check"] = result
    labels = {
        "one_process_vs_parallel": f"jobs=1, no cache  vs  jobs={jobs}, no cache",
        "cold_cache_vs_parallel": f"cold TransformCache  vs  jobs={jobs}, no cache",
        "warm_vs_cold_cache": "warm TransformCache  vs  cold TransformCache",
    }
    for key, label in labels.items():
        report.checks[label] = sum(result["differences"][key].values())
    return [
        Row(
            "forktool_one_process",
            "forktool rename, one process (jobs=1)",
            summarize([result["one_process_s"]]),
        ),
        Row(
            "forktool_cold_cache",
            f"forktool rename, filling a TransformCache (jobs={jobs})",
            summarize([result["cache_cold_s"]]),
        ),
        Row(
            "forktool_warm_cache",
            f"forktool rename, warm TransformCache (jobs={jobs})",
            summarize([result["cache_warm_s"]]),
        ),
    ]


def _patch_row(sdists: dict[str, inputs.Sdist], runs: int, jobs: int, work: Path) -> Row:
    """Time the rename of the Django patch release with a cache warm from the one before."""
    done = []
    for run in range(1, runs + 1):
        with tempfile.TemporaryDirectory(dir=work, prefix="patch-") as temp:
            cache = Path(temp) / "transform.sqlite3"
            following = sdists[DJANGO_PATCH].path
            result = runner.run_measure("patch", sdists[DJANGO].path, jobs, cache, following)
        _say(f"[patch release {run}/{runs}] {result['seconds']:.2f} s")
        done.append(result)
    note = f"{done[0]['changed']} of {done[0]['files']} files changed"
    label = f"forktool rename Django {DJANGO_PATCH}, cache warm from {DJANGO}"
    return Row("forktool_patch_release", label, summarize([r["seconds"] for r in done]), note)


def _rename_command_row(sdist: Path, jobs: int, slow_runs: int, work: Path, skip: bool) -> Row:
    """Time libcst's RenameCommand ``slow_runs`` times (or skip it)."""
    label = f"libcst RenameCommand (-j {jobs})"
    if skip:
        return Row("rename_command", label, None, "skipped (--skip-rename-command)")
    done = []
    for run in range(1, slow_runs + 1):
        _say(f"[RenameCommand {run}/{slow_runs}] running (takes minutes) ...")
        result = rename_command.run_rename_command(sdist, "django", "dj2", jobs, work)
        _say(f"[RenameCommand {run}/{slow_runs}] {result.seconds:.1f} s")
        done.append(result)
    note = f"{done[0].transformed} files transformed, {done[0].failed} failed"
    return Row("rename_command", label, summarize([r.seconds for r in done]), note)


def _fork_rows(
    report: Report, sdists: dict[str, inputs.Sdist], runs: int, jobs: int, work: Path
) -> list[Row]:
    """Time the Flask syncs ``runs`` times, every run in new forks (the Django syncs are
    :mod:`benchmarks.incremental`'s).

    Returns:
        rows for: Flask incremental, Flask fresh.
    """
    rows = {
        "sync_flask_incremental": f"sync flask --to {FLASK_NEW} (after {FLASK_OLD})",
        "sync_flask_fresh": f"sync flask --to {FLASK_NEW} (new fork)",
    }
    syncs: dict[str, list[forks.SyncRun]] = {key: [] for key in rows}
    flask = [sdists[FLASK_OLD], sdists[FLASK_NEW]]
    for run in range(1, runs + 1):
        _, later = forks.sync_sequence(forks.FLASK, [FLASK_OLD, FLASK_NEW], flask, work, jobs)
        (fresh,) = forks.sync_sequence(forks.FLASK, [FLASK_NEW], flask, work, jobs)
        for key, sync in zip(rows, (later, fresh), strict=True):
            syncs[key].append(sync)
        _say(
            f"[sync {run}/{runs}] flask {later.seconds:.1f} s incremental, "
            f"{fresh.seconds:.1f} s fresh"
        )
    report.details["sync_statuses"] = {
        key: [sync.status for sync in done] for key, done in syncs.items()
    }
    return [
        Row(
            key,
            label,
            summarize([sync.seconds for sync in syncs[key]]),
            "status: " + ", ".join(sorted({sync.status or "?" for sync in syncs[key]})),
        )
        for key, label in rows.items()
    ]


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--runs",
    default=3,
    show_default=True,
    type=click.IntRange(min=1),
    help="Repetitions of each fast measurement.",
)
@click.option(
    "--slow-runs",
    default=1,
    show_default=True,
    type=click.IntRange(min=1),
    help="Repetitions of libcst's RenameCommand.",
)
@click.option(
    "--jobs",
    default=len(os.sched_getaffinity(0)),
    show_default=True,
    type=click.IntRange(min=1),
    help="Worker processes for every measurement.",
)
@click.option(
    "--work",
    default=DEFAULT_WORK,
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Where downloads, temporary forks and results.json go.",
)
@click.option("--skip-rename-command", is_flag=True, help="Do not run the slow RenameCommand.")
@click.option(
    "--baseline",
    metavar="REV",
    help="An earlier commit of this repository whose syncs, check and replay are measured "
    "in the same run (benchmarks/incremental.py).",
)
@scaling.options
def main(
    runs: int,
    slow_runs: int,
    jobs: int,
    work: Path,
    skip_rename_command: bool,
    baseline: str | None,
    **scaling_options: Any,
) -> None:
    """Benchmark forktool's rename and syncs against libcst, on Django and Flask; then how
    a sync's cost grows with the upstream (the scaling section, benchmarks/scaling.py)."""
    work = work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    scaling_settings = scaling.Settings.from_options(scaling_options)
    if scaling_settings.only:
        scaling.run(scaling_settings, jobs, work)
        return
    report = Report(_header(runs, slow_runs, jobs))
    wanted = [("Django", DJANGO), ("Django", DJANGO_PATCH), ("Flask", FLASK_OLD)]
    wanted.append(("Flask", FLASK_NEW))
    sdists = {version: inputs.fetch_sdist(project, version, work) for project, version in wanted}
    django = sdists[DJANGO].path
    transform_rows = _transform_rows(report, django, runs, jobs)
    check_rows = _check(report, django, jobs, work)
    patch_row = _patch_row(sdists, runs, jobs, work)
    command = _rename_command_row(django, jobs, slow_runs, work, skip_rename_command)
    fork_rows = _fork_rows(report, sdists, runs, jobs, work)
    change_rows, change_ratios, change_checks, change_details = incremental.measure(
        work, runs, jobs, baseline
    )
    report.details["incremental"] = change_details
    report.header["baseline"] = baseline
    report.rows = [*transform_rows[:4], *check_rows, patch_row, command, transform_rows[4]]
    report.rows += change_rows + fork_rows
    rename, floor, single = transform_rows[0], transform_rows[4], check_rows[0]
    later, fresh = fork_rows
    report.ratios = [
        ratio("forktool_vs_rename_command", "forktool / RenameCommand", rename, command, 0.10),
        ratio("forktool_vs_floor", "forktool / floor", rename, floor, 1.5),
        ratio(
            "patch_release_vs_full",
            f"rename {DJANGO_PATCH} warm / {DJANGO} full",
            patch_row,
            rename,
            0.10,
        ),
        *change_ratios,
        ratio(
            "flask_incremental_vs_fresh",
            f"flask {FLASK_NEW}: incremental / fresh",
            later,
            fresh,
            None,
        ),
        ratio(
            "parallel_vs_one_process", f"forktool jobs={jobs} / one process", rename, single, None
        ),
    ]
    report.header["load_average_end"] = os.getloadavg()[0]
    report.checks.update(change_checks)
    render(report)
    patch, check = change_details["steps_django_patch"], change_details["steps_django_check"]
    incremental.print_steps(patch, f"steps of sync django --to {DJANGO_PATCH}")
    incremental.print_steps(check, f"steps of check django --to {DJANGO_PATCH}")
    write_json(report, work / "results.json")
    click.echo(f"\nresults written to {work / 'results.json'}")
    if not scaling_settings.skip:
        scaling.run(scaling_settings, jobs, work)
    if any(count for count in report.checks.values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
