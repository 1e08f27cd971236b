"""Test helpers: upstream histories in a few lines, fork definitions, repository snapshots."""

from __future__ import annotations

import hashlib
import os
import subprocess
import textwrap
from pathlib import Path

from click.testing import CliRunner, Result

from forktool.cli import main
from forktool.git.repository import GitRepo

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Up Stream",
    "GIT_AUTHOR_EMAIL": "up@example.org",
    "GIT_COMMITTER_NAME": "Up Stream",
    "GIT_COMMITTER_EMAIL": "up@example.org",
}


def git(repo: Path, *args: str, check: bool = True) -> str:
    """Run real git in ``repo`` and return its stdout, stripped."""
    proc = subprocess.run(
        ["git", *args],
        cwd=repo,
        env={**os.environ, **GIT_ENV},
        capture_output=True,
        text=True,
        check=False,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {proc.stderr}")
    return proc.stdout.strip()


def build_file_tree(root: Path, files: dict[str, str]) -> None:
    """Write ``files`` (relative path -> dedented text) below ``root``."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


def git_init(path: Path) -> Path:
    """Create an empty repository with branch ``main``."""
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "--quiet", "--initial-branch=main")
    return path


def git_save(repo: Path, message: str = "save", tag: str | None = None) -> str:
    """Commit everything in ``repo`` (tagging it if asked); return the commit id."""
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "--allow-empty", "-m", message)
    if tag:
        git(repo, "tag", "-a", tag, "-m", f"release {tag}")
    return git(repo, "rev-parse", "HEAD")


def saved_repo(path: Path, files: dict[str, str] | None = None) -> GitRepo:
    """A repository at ``path`` on branch ``main``; with ``files``, one commit of them."""
    git_init(path)
    if files is not None:
        build_file_tree(path, files)
        git_save(path)
    return GitRepo(path)


def diverged(path: Path) -> tuple[GitRepo, str]:
    """A repository on ``main`` and a commit of branch ``side``: both changed ``a.txt``
    of their common base (``a.txt``, ``b.txt``), so merging them conflicts."""
    repo = saved_repo(path, {"a.txt": "base\n", "b.txt": "b\n"})
    git(path, "checkout", "--quiet", "-b", "side")
    (path / "a.txt").write_text("side\n")
    side = git_save(path, "side")
    git(path, "checkout", "--quiet", "main")
    (path / "a.txt").write_text("main\n")
    git_save(path, "main")
    return repo, side


def write_definition(
    root: Path, name: str, source: str, packages: str = 'mypkg = "ourpkg"', extra: str = ""
) -> Path:
    """Write ``root/upstream/<name>.toml`` with a [source] table body and a rename map."""
    (root / "upstream").mkdir(parents=True, exist_ok=True)
    (root / "patches" / name).mkdir(parents=True, exist_ok=True)
    text = f"[source]\n{source}\n\n[rename.packages]\n{packages}\n{extra}"
    (root / "upstream" / f"{name}.toml").write_text(text, encoding="utf-8")
    return root


def run_cli(root: Path, *args: str) -> Result:
    """Run ``forktool --root ROOT ARGS`` in-process (real git, real network stack)."""
    return CliRunner().invoke(main, ["--root", str(root), *args], catch_exceptions=False)


def snapshot(repo: Path) -> dict[str, object]:
    """Everything a user could notice changing in a repository: refs, HEAD, index, files."""
    if not (repo / ".git").exists():
        return {"exists": repo.exists()}
    files = {}
    for path in sorted(repo.rglob("*")):
        if ".git" in path.relative_to(repo).parts or not path.is_file():
            continue
        files[str(path.relative_to(repo))] = hashlib.sha256(path.read_bytes()).hexdigest()
    git_dir = repo / ".git"
    return {
        "refs": git(repo, "for-each-ref", "--format=%(refname) %(objectname)"),
        "head": (git_dir / "HEAD").read_text(),
        "status": git(repo, "status", "--porcelain"),
        "index": git(repo, "ls-files", "--stage"),
        "merge": (git_dir / "MERGE_HEAD").exists(),
        "files": files,
    }
