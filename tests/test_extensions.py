"""``forktool extensions``: extensions' own tests on the real upstream and on the fork with
its shim, offline: a loopback index (JSON and simple API) serving a stand-in Flask, small
extension sdists built here and wheels of pytest, with real pip and real virtual
environments. The runs share one module-scoped fork (each run takes seconds: venvs, pip)."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from forktool import config as config_mod
from forktool.extensions import results
from forktool.extensions.compare import Change, Outcome, change_of, compare, with_reruns
from forktool.extensions.runs import node_id, parse_junit
from forktool.extensions.suites import discover
from tests import extension_sdists
from tests.helpers import git, run_cli
from tests.indexserver import IndexServer
from tests.standin_flask import flask_sdist
from tests.wheelhouse import closure, repack

DEFINITION = """\
[source]
type = "pypi"
project = "flask"
index = "{index}"

[rename.packages]
flask = "framework"

[rename.distributions]
Flask = "Framework"

[rename.scripts]
flask = "framework"
"""


@pytest.fixture(scope="module")
def index() -> Iterator[IndexServer]:
    """The loopback index: Flask 3.1.3 (stand-in), three extensions, pytest's wheels."""
    with IndexServer() as server:
        server.add_release("flask", "3.1.3", flask_sdist("3.1.3"))
        server.add_release("Flask-Greet", "1.0", extension_sdists.GREET)
        server.add_release("Flask-Plain", "2.0", extension_sdists.PLAIN)
        server.add_release("flask-bare", "0.1", extension_sdists.BARE)
        for name in closure("pytest"):
            version, filename, data = repack(name)
            server.add_wheel(name, version, filename, data)
        yield server


@pytest.fixture(scope="module")
def offline(index: IndexServer) -> Iterator[None]:
    """pip sees the loopback index only: no pip.conf, no cache, no other index."""
    saved = dict(os.environ)
    for name in [k for k in os.environ if k.startswith("PIP_")]:
        del os.environ[name]
    os.environ.update(PIP_CONFIG_FILE=os.devnull, PIP_NO_CACHE_DIR="1", FORKTOOL_INDEX=index.url)
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory, index: IndexServer, offline: None) -> Path:
    """A fork definition synced to 3.1.3 (fork and shim made), extensions listed."""
    root = tmp_path_factory.mktemp("ext")
    (root / "upstream").mkdir()
    (root / "upstream" / "flask.toml").write_text(DEFINITION.format(index=index.url))
    synced = run_cli(root, "sync", "flask", "--to", "3.1.3")
    assert synced.exit_code == 0, synced.output
    added = run_cli(root, "extensions", "--add", "Flask-Greet", "--add", "Flask-Plain==2.0")
    assert added.exit_code == 0, added.output
    assert run_cli(root, "extensions", "--add", "flask-bare").exit_code == 0
    return root


def _run(root: Path, *args: str, code: int) -> dict[str, Any]:
    result = run_cli(root, "extensions", "--format", "json", "--reruns", "1", *args)
    assert result.exit_code == code, result.output
    document = json.loads(result.stdout)
    assert document["schema"] == 1 and document["command"] == "extensions"
    return document


def _by_name(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["name"]: e for e in document["extensions"]}


@pytest.fixture(scope="module")
def first_run(root: Path) -> dict[str, Any]:
    return _run(root, code=0)


def test_add_writes_the_list_with_tomlkit(root: Path) -> None:
    text = (root / "upstream" / "flask.toml").read_text()
    assert '[extensions]\npackages = [\n    "Flask-Greet",\n    "Flask-Plain==2.0",\n' in text
    assert '    "flask-bare",\n]' in text
    assert config_mod.load(root, "flask").extensions.packages == (
        "Flask-Greet",
        "Flask-Plain==2.0",
        "flask-bare",
    )


def test_both_sides_run_every_extension_and_agree(first_run: dict[str, Any]) -> None:
    found = _by_name(first_run)
    greet = found["Flask-Greet"]
    assert greet["status"] == "compared" and greet["version"] == "1.0"
    expected = {"passed": 2, "failed": 0, "error": 0, "skipped": 1}
    assert greet["upstream"]["counts"] == greet["fork"]["counts"] == expected
    assert greet["changes"] == []
    assert greet["dependency_source"] == "pyproject.toml [project.optional-dependencies] tests"
    assert greet["pytest_config"] == "pyproject.toml [tool.pytest.ini_options]"
    # Flask on the upstream side, the fork and its shim on the other
    assert greet["upstream"]["installed"]["flask"] == "3.1.3"
    assert "framework" not in greet["upstream"]["installed"]
    assert greet["fork"]["installed"]["framework"] == "3.1.3"
    assert greet["fork"]["installed"]["flask"] == "3.1.3+framework"
    # the same third-party versions on both sides, and they are the pins shown
    assert set(greet["pins"]) == {"pytest", "pluggy", "packaging", "iniconfig", "pygments"}
    for name, version in greet["pins"].items():
        assert greet["upstream"]["installed"][name] == greet["fork"]["installed"][name] == version
    assert greet["differing_versions"] == {}
    assert first_run["totals"]["regressions"] == 0


def test_test_dependencies_and_tests_are_found_in_the_sdist(first_run: dict[str, Any]) -> None:
    found = _by_name(first_run)
    plain = found["Flask-Plain"]
    assert plain["status"] == "compared"
    assert plain["dependency_source"] == "tox.ini [testenv] deps -> requirements/tests.txt"
    assert plain["test_requirements"] == ["pytest"]  # the pin dropped, flask left out
    assert plain["test_paths"] == ["tests"]
    assert "requirements/tests.txt: 2 exact pins dropped" in plain["notes"][0]
    assert plain["fork"]["counts"]["passed"] == 1
    bare = found["flask-bare"]
    assert bare["status"] == "no-tests"
    assert bare["message"] == "no tests in the sdist"
    assert "test dependencies not found: ran with pytest alone" in bare["notes"]


def test_a_fork_change_shows_as_a_named_regression(root: Path, first_run: dict[str, Any]) -> None:
    fork = root / "forks" / "flask"
    wrappers = fork / "src" / "framework" / "wrappers.py"
    wrappers.write_text(wrappers.read_text().replace("text/html; charset=utf-8", "text/plain"))
    git(fork, "commit", "-qam", "fork: plain text by default")
    try:
        document = _run(root, "--only", "Flask-Greet", code=1)
        sliced = run_cli(root, "status", "--offline")  # an --only run is not 'the last run'
        terminal = run_cli(root, "extensions", "--reruns", "0")  # the whole list
        status = run_cli(root, "status", "--offline")
    finally:
        git(fork, "reset", "-q", "--hard", "HEAD~1")
    [greet] = document["extensions"]
    assert greet["status"] == "regressed"
    [change] = greet["changes"]
    assert change["test"] == "tests/test_greet.py::test_content_type"
    assert (change["upstream"], change["fork"], change["change"]) == (
        "passed",
        "failed",
        "regression",
    )
    assert change["reruns_upstream"] == ["passed"] and change["reruns_fork"] == ["failed"]
    assert "text/plain" in change["detail"]
    assert greet["upstream"]["environment_cached"]  # same pins, same extension: reused
    assert not greet["fork"]["environment_cached"]  # another fork tree
    assert document["totals"]["regressions"] == 1
    assert terminal.exit_code == 1
    assert "regression tests/test_greet.py::test_content_type: passed -> failed" in terminal.stdout
    assert "1 regression" not in sliced.stdout
    assert re.search(r"extensions flask 3\.1\.3: \d+ extensions, 1 regression", status.stdout)


def test_shards_merge_into_the_whole_run(root: Path, tmp_path: Path) -> None:
    written = []
    for k in (1, 2):
        path = tmp_path / f"shard{k}.json"
        result = run_cli(root, "extensions", "--shard", f"{k}/2", "-o", str(path))
        assert result.exit_code == 0, result.output
        written.append(path)
    shards = [json.loads(p.read_text()) for p in written]
    assert [[e["name"] for e in s["extensions"]] for s in shards] == [
        ["flask-bare", "Flask-Plain"],
        ["Flask-Greet"],
    ]
    merged = run_cli(root, "extensions", "merge", *map(str, written), "--format", "json")
    assert merged.exit_code == 0, merged.output
    document = json.loads(merged.stdout)
    assert [e["name"] for e in document["extensions"]] == [
        "flask-bare",
        "Flask-Greet",
        "Flask-Plain",
    ]
    assert document["shards"] == ["1/2", "2/2"]
    assert document["totals"]["extensions"] == 3 and document["totals"]["compared"] == 2
    twice = run_cli(root, "extensions", "merge", str(written[0]), str(written[0]))
    assert twice.exit_code == 2 and "is in both" in twice.stderr


def test_reports_in_every_format(root: Path, tmp_path: Path, first_run: dict[str, Any]) -> None:
    source = tmp_path / "run.json"
    source.write_text(json.dumps(first_run))
    for suffix, marker in (
        (".md", "| Flask-Greet | 1.0 | compared | 2/0/0/1 |"),
        (".html", "<td>Flask-Greet</td>"),
    ):
        out = tmp_path / f"report{suffix}"
        assert run_cli(root, "extensions", "merge", str(source), "-o", str(out)).exit_code == 0
        assert marker in out.read_text()
    again = results.from_dict(first_run, "run.json")
    assert json.loads(results.to_json(again)) == first_run  # the JSON reads back as it was written


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--add", "Flask-Greet>>1"), "--add 'Flask-Greet>>1' is not a requirement"),
        (("--add", "Flask-Nowhere"), "project 'Flask-Nowhere' was not found"),
        (("--add", "flask_greet"), "flask_greet is listed already"),
        (("--add", "Flask-Greet[x]"), "has extras"),
        (("--shard", "3/2"), "--shard '3/2' is not K/N"),
        (("--only", "Flask-Other"), "--only Flask-Other: not in [extensions] packages"),
        (("-c", "missing.txt"), "the constraints file"),
        (("merge", "nosuch.json"), "cannot read nosuch.json"),
    ],
)
def test_bad_input_is_one_line_and_changes_nothing(
    root: Path, args: tuple[str, ...], message: str
) -> None:
    before = (root / "upstream" / "flask.toml").read_text()
    result = run_cli(root, "extensions", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert (root / "upstream" / "flask.toml").read_text() == before


def test_no_shim_and_no_release_are_refused(root: Path, tmp_path: Path, index: IndexServer) -> None:
    shim = root / "forks" / "flask.shim"
    wheel = next(shim.glob("*.whl"))
    kept = tmp_path / wheel.name
    wheel.rename(kept)
    try:
        result = run_cli(root, "extensions")
    finally:
        kept.rename(wheel)
    assert result.exit_code == 2 and "no current shim wheel for flask 3.1.3" in result.stderr
    other = tmp_path / "other"
    (other / "upstream").mkdir(parents=True)
    (other / "upstream" / "flask.toml").write_text(
        DEFINITION.format(index=index.url) + '\n[extensions]\npackages = ["Flask-Greet"]\n'
    )
    result = run_cli(other, "extensions")
    assert result.exit_code == 2 and "flask has no integrated release yet" in result.stderr


# -- the pieces, without pip ------------------------------------------------------------------


def _suite(tmp_path: Path, files: dict[str, str]) -> Any:
    for path, text in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    return discover("Flask-X", "1.0", "0" * 64, tmp_path, framework=frozenset({"flask"}))


def test_dependency_groups_are_followed(tmp_path: Path) -> None:
    suite = _suite(
        tmp_path,
        {
            "pyproject.toml": '[dependency-groups]\ntests = [{include-group = "base"}, "blinker"]\n'
            'base = ["pytest>=8", "Flask>=3"]\n',
            "tests/test_x.py": "",
        },
    )
    assert suite.dependency_source == "pyproject.toml [dependency-groups] tests"
    assert suite.test_requirements == ("pytest>=8", "blinker")
    assert suite.test_paths == ("tests",) and suite.problem == ""


def test_a_compiled_requirements_file_is_read_from_its_source(tmp_path: Path) -> None:
    suite = _suite(
        tmp_path,
        {
            "tox.ini": "[testenv]\ndeps =\n  -r requirements/tests.txt\n  {env:X}\n",
            "requirements/tests.txt": "pytest==7.4.2\n",
            "requirements/tests.in": "pytest\npytest-cov\n",
            "setup.cfg": "[tool:pytest]\ntestpaths = t\n",
            "t/test_y.py": "",
        },
    )
    assert suite.dependency_source == "tox.ini [testenv] deps -> requirements/tests.in"
    assert suite.test_requirements == ("pytest", "pytest-cov")
    assert suite.pytest_config == "setup.cfg [tool:pytest]" and suite.test_paths == ()


def test_testpaths_missing_from_the_sdist(tmp_path: Path) -> None:
    suite = _suite(tmp_path, {"pytest.ini": "[pytest]\ntestpaths = tests\n"})
    assert suite.problem == "no tests in the sdist (testpaths tests not in it)"


def test_junit_outcomes_and_node_ids(tmp_path: Path) -> None:
    report = tmp_path / "r.xml"
    report.write_text(
        '<testsuites><testsuite name="pytest">'
        '<testcase classname="tests.test_a.TestK" name="test_p[1]" file="tests/test_a.py"/>'
        '<testcase classname="tests.test_a" name="test_f" file="tests/test_a.py">'
        '<failure message="assert 1 == 2&#10;more">tb</failure></testcase>'
        '<testcase classname="tests.test_a" name="test_s" file="tests/test_a.py">'
        '<skipped message="no"/></testcase>'
        '<testcase classname="tests.test_a" name="test_e" file="tests/test_a.py">'
        '<error message="fixture"/></testcase>'
        "</testsuite></testsuites>"
    )
    outcomes, details = parse_junit(report)
    assert outcomes == {
        "tests/test_a.py::TestK::test_p[1]": Outcome.PASSED,
        "tests/test_a.py::test_f": Outcome.FAILED,
        "tests/test_a.py::test_s": Outcome.SKIPPED,
        "tests/test_a.py::test_e": Outcome.ERROR,
    }
    assert details["tests/test_a.py::test_f"] == "assert 1 == 2"
    assert node_id("", "pkg.mod", "t") == "pkg.mod::t"


def test_changes_between_outcomes() -> None:
    assert change_of(Outcome.PASSED, Outcome.ERROR) == (Change.REGRESSION, "")
    assert change_of(Outcome.FAILED, Outcome.PASSED) == (Change.FIX, "")
    assert change_of(Outcome.FAILED, Outcome.ERROR) == (Change.SAME_FAILURE, "")
    assert change_of(Outcome.PASSED, Outcome.SKIPPED) == (
        Change.NOT_COMPARABLE,
        "skipped on the fork",
    )
    assert change_of(Outcome.PASSED, Outcome.MISSING) == (Change.NOT_COMPARABLE, "only upstream")
    assert change_of(Outcome.MISSING, Outcome.ERROR) == (Change.REGRESSION, "only on the fork")
    [item] = compare(
        {"a": Outcome.PASSED, "b": Outcome.PASSED}, {"a": Outcome.FAILED, "b": Outcome.PASSED}, {}
    )
    flaky = with_reruns(item, [Outcome.PASSED], [Outcome.PASSED])
    assert flaky.change is Change.FLAKY
    assert with_reruns(item, [Outcome.PASSED], [Outcome.FAILED]).change is Change.REGRESSION


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('packages = ["Flask-Login", "flask_login"]', "lists 'flask-login' twice"),
        ("packages = [\"Flask-Login; python_version<'3'\"]", "has an environment marker"),
        ('packages = ["x @ https://example.com/x.tar.gz"]', "names a URL"),
        ("timeout = 0", "extensions.timeout must be a positive number"),
        ("reruns = -1", "extensions.reruns must be a whole number"),
        ('packagez = ["x"]', "unknown key extensions.packagez"),
    ],
)
def test_the_extensions_table_is_validated(tmp_path: Path, table: str, message: str) -> None:
    (tmp_path / "upstream").mkdir()
    text = DEFINITION.format(index="https://pypi.org/pypi") + f"\n[extensions]\n{table}\n"
    (tmp_path / "upstream" / "flask.toml").write_text(text)
    with pytest.raises(config_mod.ConfigError, match=message):
        config_mod.load(tmp_path, "flask")


def test_a_run_that_compares_nothing_is_an_error_and_not_kept(root: Path) -> None:
    before = run_cli(root, "status", "--offline").stdout
    result = run_cli(root, "extensions", "--only", "Flask-Bare")  # its sdist has no tests
    assert result.exit_code == 2, result.output
    assert "error: no extension could be compared" in result.stderr
    assert run_cli(root, "status", "--offline").stdout == before  # the last run stays


def test_bad_only_and_add_are_one_line(root: Path) -> None:
    definition = (root / "upstream" / "flask.toml").read_text()
    for args, says in (
        (("--only", "Flask-Login[x"), "--only 'Flask-Login[x'"),
        (("--add", "Flask"), "is the upstream itself, not an extension"),
    ):
        result = run_cli(root, "extensions", *args)
        assert result.exit_code == 2, result.output
        [line] = result.stderr.strip().splitlines()
        assert says in line
    assert (root / "upstream" / "flask.toml").read_text() == definition


def test_the_forks_checkout_is_left_as_it_was_and_untracked_files_count(root: Path) -> None:
    fork = root / "forks" / "flask"
    (fork / "src" / "framework" / "extra_module.py").write_text("EXTRA = 1\n")
    try:
        before = git(fork, "status", "--porcelain", "--ignored")
        document = _run(root, "--only", "Flask-Greet", code=0)
        assert git(fork, "status", "--porcelain", "--ignored") == before  # no build/ left
        [greet] = document["extensions"]
        assert not greet["fork"]["environment_cached"]  # the untracked file is built in
        assert document["fork_dirty"] is True
    finally:
        (fork / "src" / "framework" / "extra_module.py").unlink()
