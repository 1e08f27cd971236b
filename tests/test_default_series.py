"""The embedded default series (patches/flask/) loads and its codemods do what they say."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import Result

from forktool.git.repository import GitRepo
from forktool.model import FileEntry, PatchKind
from forktool.patches import series
from forktool.patches.apply import apply_series, load_codemod
from tests.helpers import run_cli
from tests.indexserver import IndexServer
from tests.standin_flask import AUTOESCAPE_LINES, flask_sdist

ROOT = Path(__file__).resolve().parents[1]

APP = """\
class Flask(App):
    default_config = ImmutableDict(
        {
            "DEBUG": None,
            "MAX_CONTENT_LENGTH": None,
        }
    )

    def run(self):
        pass
"""


def test_series_lists_existing_codemods_and_diffs() -> None:
    loaded = series.load(ROOT, "flask")
    kinds = {patch.kind for patch in loaded.patches}
    assert kinds == {"codemod", "diff"}
    for patch in loaded.patches:
        if patch.kind == PatchKind.CODEMOD:
            assert load_codemod(patch).targets == ("src/framework/app.py",)
        else:
            assert b"Forktool-Base: flask " in patch.data


def test_codemods_apply_to_a_flask_like_app(tmp_path: Path) -> None:
    loaded = series.load(ROOT, "flask")
    codemods = series.Series(
        loaded.directory, tuple(p for p in loaded.patches if p.kind == PatchKind.CODEMOD)
    )
    repo = GitRepo.init(tmp_path / "repo", "main")
    result = apply_series(repo, {"src/framework/app.py": FileEntry(APP.encode())}, codemods)
    assert {h.status for h in result.health} == {"clean"}
    code = result.tree["src/framework/app.py"].data.decode()
    assert '"MAX_CONTENT_LENGTH": 16 * 1024 * 1024,' in code
    assert 'def add_health_check(self, rule: str = "/healthz") -> None:' in code
    compile(code, "app.py", "exec")


#: The stand-in's cli.py around the line server-banner.patch changes; ``{serving}`` is
#: that line, as the release has it.
BANNER_CLI = """\
import click


def show_server_banner(debug: bool, app_import_path: str | None) -> None:
    if is_running_from_reloader():
        return

    if app_import_path is not None:
{serving}

    if debug is not None:
        click.echo(f" * Debug mode: {'on' if debug else 'off'}")
"""

#: The stand-in's sansio/app.py around the line backport-autoescape-none.patch changes.
AUTOESCAPE_APP = '''\
class App(Scaffold):
    def create_global_jinja_loader(self) -> DispatchingJinjaLoader:
        """The loader of templates.
        """
        return DispatchingJinjaLoader(self)

{autoescape}
        """Returns ``True`` if autoescaping should be active for the given
        template name. If no template name is given, returns `True`.

        .. versionadded:: 0.5
        """
        return True
'''

#: The banner line of each release: 3.x as server-banner.patch was made on, 2.1 otherwise.
SERVING = {
    "2.1.3": "        click.echo(f\" * Serving Flask app '{app_import_path}' (lazy loading)\")",
    "3.1.2": "        click.echo(f\" * Serving Flask app '{app_import_path}'\")",
    "3.1.3": "        click.echo(f\" * Serving Flask app '{app_import_path}'\")",
}


def default_series_fork(tmp_path: Path, index: IndexServer) -> Path:
    """A fork definition of this repository's own Flask definition and default series
    (patches/flask/), with the index the loopback one serving stand-in Flask releases."""
    for version, serving in SERVING.items():
        like = "3.1.2" if version == "2.1.3" else version  # the stand-in knows 3.1.x only
        files = {
            path: text.replace(like, version) if isinstance(text, str) else text
            for path, text in flask_sdist(like).items()
        }
        files["src/flask/cli.py"] = BANNER_CLI.replace("{serving}", serving)
        autoescape = AUTOESCAPE_LINES[like]
        files["src/flask/sansio/app.py"] = AUTOESCAPE_APP.replace("{autoescape}", autoescape)
        index.add_release("flask", version, files)
    root = tmp_path / "def"
    shutil.copytree(ROOT / "patches" / "flask", root / "patches" / "flask")
    text = (ROOT / "upstream" / "flask.toml").read_text()
    (root / "upstream").mkdir()
    (root / "upstream" / "flask.toml").write_text(
        text.replace('"https://pypi.org/pypi"', f'"{index.url}"')
    )
    return root


def diff_health(result: Result) -> dict[str, str]:
    """The diff patches' statuses in ``sync --json``'s one result."""
    (found,) = json.loads(result.stdout)["results"]
    return {p["name"]: p["status"] for p in found["patches"] if p["kind"] == "diff"}


def test_default_diff_patches_are_clean_upstreamed_and_conflict_as_the_readme_says(
    tmp_path: Path, index_server: IndexServer
) -> None:
    """README: server-banner.patch (made on 3.1.3) applies cleanly to 3.x and conflicts
    where the banner line differs (2.0-2.1); backport-autoescape-none.patch (made on 3.1.2)
    applies to 3.1.2 and 3.1.3 reports it upstreamed. The patch files are the shipped ones.
    Not here: three-way (2.2), which needs the preimage blob the patch names, the real
    renamed 3.1.3 cli.py, that no stand-in has."""
    root = default_series_fork(tmp_path, index_server)
    fork = root / "forks" / "flask"

    old = run_cli(root, "sync", "--to", "2.1.3", "--json")
    assert old.exit_code == 1, old.output
    assert diff_health(old)["server-banner.patch"] == "conflict"
    assert json.loads(old.stdout)["results"][0]["status"] == "patch-conflict"
    assert run_cli(root, "sync", "--abort").exit_code == 0

    first = run_cli(root, "sync", "--to", "3.1.2", "--json")
    assert first.exit_code == 0, first.output
    assert diff_health(first) == {
        "server-banner.patch": "clean",
        "backport-autoescape-none.patch": "clean",
    }
    banner = "click.echo(f\" * Serving Framework app '{app_import_path}' (a fork of Flask)\")"
    assert banner in (fork / "src/framework/cli.py").read_text()
    sansio = (fork / "src/framework/sansio/app.py").read_text()
    assert AUTOESCAPE_LINES["3.1.3"] in sansio  # the backport

    second = run_cli(root, "sync", "--to", "3.1.3", "--json")
    assert second.exit_code == 0, second.output
    assert diff_health(second) == {
        "server-banner.patch": "clean",
        "backport-autoescape-none.patch": "upstreamed",
    }
    assert banner in (fork / "src/framework/cli.py").read_text()
    assert AUTOESCAPE_LINES["3.1.3"] in (fork / "src/framework/sansio/app.py").read_text()
