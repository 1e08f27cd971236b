"""The benchmark's scaling section: its synthetic upstreams, its fits, and a tiny run of it
end to end through ``python -m benchmarks`` and the real forktool CLI (no network: the
releases are served from 127.0.0.1). Timings are printed, never asserted."""

from __future__ import annotations

import ast
import io
import json
import math
import subprocess
import sys
import tarfile
from pathlib import Path

from click.testing import CliRunner

from benchmarks import scaling
from benchmarks.__main__ import main

ROOT = Path(__file__).resolve().parent.parent


def _digests(releases: list[scaling.Release]) -> list[str]:
    return [release.sdist.sha256 for release in releases]


def test_synthetic_releases_are_deterministic(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "c").mkdir()
    first = scaling.synthetic_releases(30, [1, 3], tmp_path / "a")
    again = scaling.synthetic_releases(30, [1, 3], tmp_path / "b")
    other_seed = scaling.synthetic_releases(30, [1, 3], tmp_path / "c", seed=7)
    assert _digests(first) == _digests(again)
    assert len(set(_digests(first))) == 3
    assert set(_digests(first)).isdisjoint(_digests(other_seed))
    assert [release.version for release in first] == ["1.0", "1.1", "1.2"]
    # 30 modules and PKG-INFO, pyproject.toml, README.md; the version is in two of those
    assert [release.files for release in first] == [33, 33, 33]
    assert [release.changed_python for release in first] == [0, 1, 3]
    assert [release.changed for release in first] == [0, 3, 5]


def test_synthetic_sdist_is_a_real_sdist(tmp_path: Path) -> None:
    (release,) = scaling.synthetic_releases(12, [], tmp_path)
    with tarfile.open(release.sdist.path) as archive:
        names = archive.getnames()
        pkg_info = archive.extractfile("synth-1.0/PKG-INFO").read()  # type: ignore[union-attr]
    assert release.sdist.path.name == "synth-1.0.tar.gz"
    assert "synth-1.0/pyproject.toml" in names
    assert "synth-1.0/synth/__init__.py" in names
    assert "synth-1.0/synth/sub_000/__init__.py" in names
    assert "synth-1.0/synth/sub_000/mod_00011.py" in names
    assert b"Name: synth\nVersion: 1.0\n" in pkg_info


def test_modules_mention_the_package_in_the_fixed_share() -> None:
    sources = [scaling.module_source(index) for index in range(500)]
    naming = [index for index, text in enumerate(sources) if "synth" in text.lower()]
    assert naming == [index for index in range(500) if scaling.mentions(index)]
    assert len(naming) == 100
    assert "import synth.sub_" in sources[5]
    for index, text in enumerate(sources[:200]):
        ast.parse(text)  # valid Python: the codemods parse it
        changed = scaling.module_source(index, 2)
        ast.parse(changed)
        assert "REVISION = 2" in changed and "def changed_2(" in changed
    lines = sorted(text.count("\n") for text in sources)
    assert 30 <= lines[len(lines) // 2] <= 80  # median module: tens of lines, like Django's


def test_build_sdist_is_byte_for_byte_reproducible() -> None:
    files = {"b.py": b"x = 1\n", "a/c.py": b"y = 2\n"}
    data = scaling.build_sdist("p-1", files)
    assert data == scaling.build_sdist("p-1", dict(reversed(files.items())))
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        assert archive.getnames() == ["p-1/a/c.py", "p-1/b.py"]


def test_fit_slopes() -> None:
    linear = scaling.fit("linear", "≈ 1", [10, 100, 1000], [2.0 + 0.5, 20.0 + 0.5, 200.5])
    assert linear is not None
    assert 0.9 < linear.exponent < 1.0
    assert math.isclose(linear.fixed, 0.5, abs_tol=1e-9)
    assert math.isclose(linear.per_unit, 0.2)
    assert math.isclose(linear.r2, 1.0)
    square = scaling.fit("square", "2", [4, 1, 2], [16.0, 1.0, 4.0])
    assert square is not None and math.isclose(square.exponent, 2.0)
    assert [round(step, 6) for step in square.steps] == [2.0, 2.0]
    bent = scaling.fit("bent", "?", [1, 10, 100], [1.0, 1.0, 100.0])
    assert bent is not None and [round(step, 6) for step in bent.steps] == [0.0, 2.0]
    flat = scaling.fit("flat", "≈ 0", [1000, 10000], [3.0, 3.0])
    assert flat is not None and flat.exponent == 0.0 and flat.r2 == 0.0
    assert scaling.fit("one size", "≈ 1", [10, 10], [1.0, 2.0]) is None


def test_bad_sizes_are_refused() -> None:
    result = CliRunner().invoke(main, ["--only-scaling", "--scaling-sizes", "10,zero"])
    assert result.exit_code == 2
    assert "is not a comma-separated list of positive numbers" in result.output


def test_scaling_section_end_to_end(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "benchmarks", "--only-scaling", "--no-scaling-django"]
    command += ["--scaling-sizes", "40,20", "--scaling-changes", "1,2,5", "--jobs", "1"]
    command += ["--work", str(tmp_path)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    for title in ("full sync (new fork)", "patch sync (after the release before)", "slopes"):
        assert title in done.stdout
    results = json.loads((tmp_path / "scaling.json").read_text())
    assert [(p["size"], p["files"], p["changed"]) for p in results["full"]] == [
        (20, 23, 0),
        (40, 43, 0),
    ]
    # 5 modules is over a tenth of 20 and of 40: left out
    assert [(p["size"], p["changed_python"]) for p in results["patches"]] == [
        (20, 1),
        (20, 2),
        (40, 1),
        (40, 2),
    ]
    statuses = [sync["status"] for point in results["full"] for sync in point["syncs"]]
    assert statuses == ["created", "created"]
    statuses = [sync["status"] for point in results["patches"] for sync in point["syncs"]]
    assert statuses == ["merged"] * 4
    for point in results["full"] + results["patches"]:
        (sync,) = point["syncs"]
        assert sync["seconds"] > 0 and sync["tree_pss_kib"] > 0 and sync["largest_rss_kib"] > 0
    labels = [item["label"] for item in results["fits"]]
    assert labels == [
        "full sync: time against files",
        "full sync: memory against files",
        "patch sync: time against changed files (20 modules)",
        "patch sync: time against changed files (40 modules)",
        "patch sync: time against files (3 files changed)",
        "patch sync: time against files (4 files changed)",
    ]
    for item in results["fits"]:
        assert math.isfinite(item["exponent"]) and len(item["xs"]) == 2
        assert item["label"] in done.stdout
    assert not [path for path in tmp_path.iterdir() if path.name != "scaling.json"]
