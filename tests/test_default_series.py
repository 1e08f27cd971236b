"""The embedded default series (patches/flask/) loads and its codemods do what they say."""

from __future__ import annotations

from pathlib import Path

from forktool.git.repository import GitRepo
from forktool.model import FileEntry, PatchKind
from forktool.patches import series
from forktool.patches.apply import apply_series, load_codemod

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
