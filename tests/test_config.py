"""Validation of upstream/<name>.toml: every mistake is named with its key and a hint."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from forktool import config
from forktool.config import GitSource, PyPISource
from forktool.errors import ConfigError

GOOD = """\
[source]
type = "pypi"
project = "flask"

[rename]
keep = ["flask.commands"]

[rename.packages]
flask = "framework"

[rename.distributions]
Flask = "Framework"
"""


def write(tmp_path: Path, text: str, name: str = "flask") -> Path:
    (tmp_path / "upstream").mkdir(exist_ok=True)
    (tmp_path / "upstream" / f"{name}.toml").write_text(text)
    return tmp_path


def test_defaults(tmp_path: Path) -> None:
    cfg = config.load(write(tmp_path, GOOD), "flask")
    assert cfg.source == PyPISource(project="flask", index="https://pypi.org/pypi")
    assert cfg.rename.packages == {"flask": "framework"}
    assert cfg.rename.keep == ("flask.commands",)
    assert cfg.fork_path == (tmp_path / "forks" / "flask").resolve()
    assert cfg.fork_branch == "main"
    assert cfg.release_tag("3.1.3") == "refs/tags/upstream/flask/3.1.3"


def test_default_index_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORKTOOL_INDEX", "http://mirror.example/pypi/")
    cfg = config.load(write(tmp_path, GOOD), "flask")
    assert cfg.source == PyPISource(project="flask", index="http://mirror.example/pypi")
    named = GOOD.replace('project = "flask"', 'project = "flask"\nindex = "http://other/pypi"')
    assert config.load(write(tmp_path, named), "flask").source == PyPISource(
        project="flask", index="http://other/pypi"
    )


def test_git_source(tmp_path: Path) -> None:
    text = GOOD.replace('type = "pypi"\nproject = "flask"', 'type = "git"\nurl = "/srv/flask"')
    cfg = config.load(write(tmp_path, text), "flask")
    assert isinstance(cfg.source, GitSource)
    assert cfg.source.url == "/srv/flask"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://github.com/pallets/flask", "https://github.com/pallets/flask"),
        ("git@github.com:pallets/flask.git", "git@github.com:pallets/flask.git"),
        ("/srv/flask.git", "/srv/flask.git"),
        ("up/flask", "{root}/up/flask"),  # a local path is relative to the definition
    ],
)
def test_pypi_source_repository(tmp_path: Path, given: str, expected: str) -> None:
    text = GOOD.replace('project = "flask"', f'project = "flask"\nrepository = "{given}"')
    cfg = config.load(write(tmp_path, text), "flask")
    assert cfg.source == PyPISource("flask", repository=expected.format(root=tmp_path.resolve()))
    assert config.load(write(tmp_path, GOOD), "flask").source == PyPISource("flask")


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ('"ext::sh -c touch% /tmp/x"', "transport-helper syntax (ext::)"),
        ('"fd::3"', "transport-helper syntax"),
        ('"--upload-pack=touch /tmp/x"', "starts with '-'"),
        ('"https://x/\\u0007"', "control character"),
        ('""', "source.repository must be a non-empty string"),
        ("3", "source.repository must be a non-empty string"),
    ],
)
def test_pypi_source_repository_refused(tmp_path: Path, value: str, says: str) -> None:
    text = GOOD.replace('project = "flask"', f'project = "flask"\nrepository = {value}')
    with pytest.raises(ConfigError) as info:
        config.load(write(tmp_path, text), "flask")
    assert says in info.value.message and "source.repository" in info.value.message


def test_repository_is_refused_on_a_git_source(tmp_path: Path) -> None:
    text = GOOD.replace(
        'type = "pypi"\nproject = "flask"', 'type = "git"\nurl = "/srv/flask"\nrepository = "/x"'
    )
    with pytest.raises(ConfigError, match="source.repository is for PyPI upstreams"):
        config.load(write(tmp_path, text), "flask")


def test_find_root_walks_up(tmp_path: Path) -> None:
    write(tmp_path, GOOD)
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert config.find_root(deep) == tmp_path


@pytest.mark.parametrize(
    ("edit", "says"),
    [
        (lambda t: t.replace('flask = "framework"', 'flask = "flask"'), "renamed to itself"),
        (lambda t: t.replace('Flask = "Framework"', 'Flask = "flask"'), "renamed to itself"),
        (
            lambda t: t.replace('flask = "framework"', 'flask = "framework"\nquart = "framework"'),
            "both renamed",
        ),
        (
            lambda t: t.replace('flask = "framework"', 'flask = "framework"\nframework = "fw"'),
            "both an old and a new name",
        ),
        (lambda t: t.replace('flask = "framework"', 'flask = "frame work"'), "not a valid"),
        (lambda t: t.replace('type = "pypi"', 'type = "svn"'), "source.type"),
        (lambda t: t.replace('project = "flask"\n', ""), "source.project"),
        (lambda t: t.replace("[source]", "[sources]"), "unknown key sources"),
        (lambda t: t + "\n[fork]\npath = 3\n", "fork.path"),
        (lambda t: t.replace('keep = ["flask.commands"]', "keep = 1"), "rename.keep"),
        (lambda t: t.replace('[rename.packages]\nflask = "framework"\n', ""), "is empty"),
        (lambda t: t + 'tag-pattern = "("\n', "is not a valid name"),
        (lambda t: t.replace("[rename]", "[rename"), "line 5"),
        (lambda t: t.replace('project = "flask"', 'project = "flask"\nproject = "x"'), "exists"),
    ],
)
def test_invalid(tmp_path: Path, edit: Callable[[str], str], says: str) -> None:
    with pytest.raises(ConfigError) as info:
        config.load(write(tmp_path, edit(GOOD)), "flask")
    assert says in info.value.message
    assert "\n" not in info.value.message
    assert info.value.hint


def test_invalid_tag_pattern(tmp_path: Path) -> None:
    text = GOOD.replace(
        'type = "pypi"\nproject = "flask"', 'type = "git"\nurl = "x"\ntag-pattern = "("'
    )
    with pytest.raises(ConfigError, match="tag-pattern is not a valid"):
        config.load(write(tmp_path, text), "flask")


def test_missing_definition_names_known_ones(tmp_path: Path) -> None:
    write(tmp_path, GOOD)
    with pytest.raises(ConfigError) as info:
        config.load(tmp_path, "django")
    assert "flask" in info.value.hint


def test_symbols_and_docs(tmp_path: Path) -> None:
    text = GOOD + '\n[rename.symbols]\n"flask.Flask" = "Framework"\n'
    text = text.replace('keep = ["flask.commands"]', 'keep = ["flask.commands"]\ndocs = false')
    cfg = config.load(write(tmp_path, text), "flask")
    assert cfg.rename.symbols == {"flask.Flask": "Framework"}
    assert cfg.rename.docs is False


@pytest.mark.parametrize(
    ("symbols", "says"),
    [
        ('"Flask" = "Framework"', "is not qualified name"),
        ('"flask.Flask" = "1x"', "is not qualified name"),
        ('"flask.Flask" = "Flask"', "renamed to itself"),
        ('"django.Model" = "Thing"', "not inside a renamed package"),
    ],
)
def test_invalid_symbols(tmp_path: Path, symbols: str, says: str) -> None:
    with pytest.raises(ConfigError, match=says):
        config.load(write(tmp_path, GOOD + f"\n[rename.symbols]\n{symbols}\n"), "flask")


def test_every_example_definition_loads() -> None:
    examples = Path(__file__).resolve().parents[1] / "examples"
    roots = sorted(p for p in examples.iterdir() if (p / "upstream").is_dir())
    assert len(roots) >= 2
    for root in roots:
        (name,) = config.upstream_names(root)
        loaded = config.load(root, name)
        assert loaded.rename.packages and loaded.source
