"""The workflow files ``forktool ci init`` writes: GitHub Actions or GitLab CI, as data.

Plan, then write: :func:`plan` says which files go where (nothing written), :func:`write`
writes them, refusing before writing anything when one exists already. Every value a
forge hands the job reaches the shell through ``env:``/``variables:``, never interpolated
into a ``run:`` line; actions are pinned by full commit id.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from importlib import metadata
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from forktool.errors import ConfigError

#: actions/checkout v4.2.2 and actions/setup-python v5.6.0, pinned by commit id.
CHECKOUT = "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683  # v4.2.2"
SETUP_PYTHON = "actions/setup-python@a26af69be951a213d495a4c3e4e4022e16d87065  # v5.6.0"
#: GitLab's CLI image for the job that posts (pin its digest once you pulled it).
GLAB_IMAGE = "registry.gitlab.com/gitlab-org/cli:v1.46.1"
#: Where ``forktool ci run`` writes the title and body of each upstream, in the job.
OUT_DIR = "forktool-bot"


class Forge(StrEnum):
    """Which forge's CI the workflow is for."""

    GITHUB = "github"
    GITLAB = "gitlab"


@dataclass(frozen=True)
class WorkflowFile:
    """One file ``ci init`` writes.

    Attributes:
        path: where, relative to the fork definition.
        text: its content.
    """

    path: str
    text: str


def requirement(given: str | None = None) -> str:
    """The pip requirement the workflow installs forktool with.

    Args:
        given: ``ci init --requirement`` (None: worked out from how this forktool was
            installed, its PEP 610 ``direct_url.json``): installed from a package index,
            ``forktool==<version>``; from a git URL, ``forktool @ git+<url>@<commit>``;
            from an archive URL, ``forktool @ <url>``.

    Raises:
        ConfigError: ``given`` names another project or cannot be written into the file
            safely; or it is None and this forktool came from a local directory or file
            the runner cannot reach (or is not installed at all).
    """
    if given is not None:
        return _checked(given)
    hint = (
        "pass --requirement: a pip requirement the job can install, e.g. "
        "'forktool @ git+https://github.com/you/forktool@<commit>', or the path of a "
        "wheel committed beside the definition ('./wheels/forktool-0.1.0-py3-none-any.whl')"
    )
    # a source tree's own .egg-info may come first on sys.path: the installed one says how
    found = list(metadata.distributions(name="forktool"))
    if not found:
        raise ConfigError("forktool is not installed, so its version is unknown", hint)
    direct = [text for dist in found if (text := dist.read_text("direct_url.json"))]
    if not direct:  # from a package index
        return f"forktool=={found[0].version}"
    spec = from_direct_url(direct[0])
    if spec is None:
        url = json.loads(direct[0]).get("url") or "a local path"
        raise ConfigError(
            f"this forktool was installed from {url}, which the workflow's job cannot reach",
            hint,
        )
    return _checked(spec)


def from_direct_url(text: str) -> str | None:
    """The requirement that installs, on another machine, the forktool a PEP 610
    ``direct_url.json`` (``text``) records: a git (or other VCS) URL at its commit, or an
    archive's URL; None for a local directory or file, or anything else."""
    direct = json.loads(text)
    url = str(direct.get("url", ""))
    if not url.startswith(("https://", "http://", "ssh://")):
        return None
    vcs = direct.get("vcs_info")
    if isinstance(vcs, dict) and vcs.get("vcs") and vcs.get("commit_id"):
        return f"forktool @ {vcs['vcs']}+{url}@{vcs['commit_id']}"
    if "archive_info" in direct:
        return f"forktool @ {url}"
    return None


def _checked(spec: str) -> str:
    """``spec`` when it installs forktool and can stand in the file's double quotes."""
    if not spec.strip() or any(c in spec for c in '"\\$`') or not spec.isprintable():
        raise ConfigError(
            f"--requirement {spec!r} cannot be written into the workflow",
            "give a pip requirement or a wheel's path without quotes, backslashes, '$' or "
            "backticks",
        )
    try:
        name = Requirement(spec).name
    except InvalidRequirement:
        return spec  # a path or URL of a wheel or sdist: pip reads it as is
    if canonicalize_name(name) != "forktool":
        raise ConfigError(
            f"--requirement {spec!r} installs {name}, not forktool",
            "give a requirement of forktool, e.g. 'forktool==0.1.0' or 'forktool @ URL'",
        )
    return spec


def plan(forge: Forge, root: Path, fork_path: str, requirement: str) -> tuple[WorkflowFile, ...]:
    """The files of ``forge``'s workflow for the definition at ``root`` (nothing written).

    Args:
        fork_path: where the job clones the fork repository, relative to the definition
            (``forks/flask``: the ``[fork] path`` of the upstreams).
        requirement: what the job installs forktool with (:func:`requirement`).

    Returns:
        GitHub: ``.github/workflows/forktool.yml``. GitLab: ``.gitlab/forktool.yml``, and
        ``.gitlab-ci.yml`` including it when the definition has none yet (with one, the
        ``include:`` line is the user's to add: :func:`gitlab_include`).
    """
    if forge == Forge.GITHUB:
        return (WorkflowFile(".github/workflows/forktool.yml", github(fork_path, requirement)),)
    files = [WorkflowFile(".gitlab/forktool.yml", gitlab(fork_path, requirement))]
    if not (root / ".gitlab-ci.yml").exists():
        files.append(WorkflowFile(".gitlab-ci.yml", gitlab_include()))
    return tuple(files)


def write(root: Path, files: tuple[WorkflowFile, ...]) -> list[Path]:
    """Write ``files`` under ``root``; never overwrite.

    Returns:
        the paths written, absolute.

    Raises:
        ConfigError: one of the files exists already; nothing was written.
    """
    for item in files:
        target = root / item.path
        if target.exists() or target.is_symlink():
            raise ConfigError(
                f"{item.path} exists already: forktool ci init never overwrites a file",
                "move it away (or compare it with docs/bot.md) and run ci init again",
            )
    written = []
    for item in files:
        target = root / item.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(item.text, encoding="utf-8")
        written.append(target)
    return written


def gitlab_include() -> str:
    """A ``.gitlab-ci.yml`` (or the lines to add to one) that includes the bot's job."""
    return "include:\n  - local: .gitlab/forktool.yml\n"


_GITHUB = """\
# The fork bot (forktool ci init --github; docs/bot.md): proposes each newer upstream
# release as a pull request of the fork repository, or opens an issue with the conflict
# report when it does not integrate cleanly.
#
# Set up once (Settings > Secrets and variables > Actions):
#   variable FORKTOOL_FORK_REPOSITORY  owner/name of the fork repository
#   secret   FORKTOOL_TOKEN            a fine-grained token on that repository only, with
#                                      Contents, Pull requests and Issues: read and write
name: forktool

on:
  schedule:
    - cron: "23 5 * * *"
  workflow_dispatch:

permissions: {}

concurrency:
  group: forktool
  cancel-in-progress: false

jobs:
  propose:
    runs-on: ubuntu-latest
    timeout-minutes: 60
    permissions:
      contents: read  # this repository: the fork definition, read only
    env:
      FORK_REPOSITORY: ${{ vars.FORKTOOL_FORK_REPOSITORY }}
      FORK_PATH: @FORK_PATH@
      FORKTOOL_REQUIREMENT: "@REQUIREMENT@"
    steps:
      - uses: @CHECKOUT@
        with:
          persist-credentials: false
      - uses: @SETUP_PYTHON@
        with:
          python-version: "3.11"
      - name: Install forktool
        run: python -m pip install "$FORKTOOL_REQUIREMENT"
      - name: Clone the fork repository
        env:
          GH_TOKEN: ${{ secrets.FORKTOOL_TOKEN }}
        run: |
          gh auth setup-git
          git clone --quiet "https://github.com/$FORK_REPOSITORY.git" "$FORK_PATH"
          git -C "$FORK_PATH" fetch --quiet --update-head-ok origin \\
            '+refs/heads/*:refs/heads/*' '+refs/tags/*:refs/tags/*'
      - name: Run the fork bot
        env:
          GH_TOKEN: ${{ secrets.FORKTOOL_TOKEN }}
        run: |
          status=0
          forktool ci run --remote origin --out "$RUNNER_TEMP/@OUT_DIR@" || status=$?
          if [ "$status" -ge 2 ]; then exit "$status"; fi
      - name: Open or update the pull request or issue
        env:
          GH_TOKEN: ${{ secrets.FORKTOOL_TOKEN }}
        run: |
          for dir in "$RUNNER_TEMP/@OUT_DIR@"/*/; do
            [ -f "$dir/kind" ] || continue
            kind=$(cat "$dir/kind")
            title=$(cat "$dir/title")
            head=$(cat "$dir/head")
            base=$(cat "$dir/base")
            marker=$(cat "$dir/marker")
            if [ "$kind" = pull-request ]; then
              number=$(gh pr list --repo "$FORK_REPOSITORY" --head "$head" --state open \\
                --json number --jq '.[0].number // empty')
              if [ -n "$number" ]; then
                gh pr edit "$number" --repo "$FORK_REPOSITORY" --title "$title" \\
                  --body-file "$dir/body.md"
              else
                gh pr create --repo "$FORK_REPOSITORY" --base "$base" --head "$head" \\
                  --title "$title" --body-file "$dir/body.md"
              fi
            elif [ "$kind" = issue ]; then
              number=$(gh issue list --repo "$FORK_REPOSITORY" --state open \\
                --search "\\"$marker\\" in:title" --json number --jq '.[0].number // empty')
              if [ -n "$number" ]; then
                gh issue edit "$number" --repo "$FORK_REPOSITORY" --title "$title" \\
                  --body-file "$dir/body.md"
              else
                gh issue create --repo "$FORK_REPOSITORY" --title "$title" \\
                  --body-file "$dir/body.md"
              fi
            fi
          done
"""

_GITLAB = """\
# The fork bot (forktool ci init --gitlab; docs/bot.md): proposes each newer upstream
# release as a merge request of the fork project, or opens an issue with the conflict
# report when it does not integrate cleanly. Runs on a pipeline schedule and from
# "Run pipeline" (Build > Pipeline schedules; Build > Pipelines > Run pipeline).
#
# Set up once (Settings > CI/CD > Variables, masked and protected):
#   FORKTOOL_FORK_PROJECT  group/name of the fork project
#   FORKTOOL_TOKEN         a project access token of the fork project, role Developer,
#                          scopes api and write_repository
forktool-propose:
  stage: build
  image: python:3.11-slim
  rules:
    - if: $CI_PIPELINE_SOURCE == "schedule" || $CI_PIPELINE_SOURCE == "web"
  variables:
    FORK_PATH: @FORK_PATH@
    FORKTOOL_REQUIREMENT: "@REQUIREMENT@"
    OUT: "@OUT_DIR@"
  before_script:
    - apt-get update -qq && apt-get install -qq -y git > /dev/null
    - python -m pip install "$FORKTOOL_REQUIREMENT"
  script:
    - git config --global credential.helper store
    - printf 'https://oauth2:%s@%s\\n' "$FORKTOOL_TOKEN" "$CI_SERVER_HOST" > ~/.git-credentials
    - git clone --quiet "$CI_SERVER_URL/$FORKTOOL_FORK_PROJECT.git" "$FORK_PATH"
    - >-
      git -C "$FORK_PATH" fetch --quiet --update-head-ok origin
      '+refs/heads/*:refs/heads/*' '+refs/tags/*:refs/tags/*'
    - forktool ci run --remote origin --out "$OUT" || test "$?" -lt 2
  after_script:
    - rm -f ~/.git-credentials
  artifacts:
    paths:
      - "@OUT_DIR@/"
    expire_in: 1 week

forktool-post:
  stage: deploy
  image: @GLAB_IMAGE@
  needs: [forktool-propose]
  rules:
    - if: $CI_PIPELINE_SOURCE == "schedule" || $CI_PIPELINE_SOURCE == "web"
  variables:
    OUT: "@OUT_DIR@"
    GIT_STRATEGY: none
  script:
    - export GITLAB_TOKEN="$FORKTOOL_TOKEN" GITLAB_HOST="$CI_SERVER_URL"
    - |
      for dir in "$OUT"/*/; do
        [ -f "$dir/kind" ] || continue
        kind=$(cat "$dir/kind"); title=$(cat "$dir/title"); head=$(cat "$dir/head")
        base=$(cat "$dir/base"); marker=$(cat "$dir/marker")
        if [ "$kind" = pull-request ]; then
          number=$(glab mr list -R "$FORKTOOL_FORK_PROJECT" --source-branch "$head" \\
            --output json | sed -n 's/^ *"iid": \\([0-9]*\\),*$/\\1/p' | head -n 1)
          if [ -n "$number" ]; then
            glab mr update "$number" -R "$FORKTOOL_FORK_PROJECT" --title "$title" \\
              --description "$(cat "$dir/body.md")"
          else
            glab mr create -R "$FORKTOOL_FORK_PROJECT" --source-branch "$head" \\
              --target-branch "$base" --title "$title" \\
              --description "$(cat "$dir/body.md")" --yes
          fi
        elif [ "$kind" = issue ]; then
          number=$(glab issue list -R "$FORKTOOL_FORK_PROJECT" --search "$marker" \\
            --in title --output json | sed -n 's/^ *"iid": \\([0-9]*\\),*$/\\1/p' | head -n 1)
          if [ -n "$number" ]; then
            glab issue update "$number" -R "$FORKTOOL_FORK_PROJECT" --title "$title" \\
              --description "$(cat "$dir/body.md")"
          else
            glab issue create -R "$FORKTOOL_FORK_PROJECT" --title "$title" \\
              --description "$(cat "$dir/body.md")" --yes
          fi
        fi
      done
"""


def _fill(template: str, fork_path: str, requirement: str) -> str:
    values = {
        "@FORK_PATH@": fork_path,
        "@REQUIREMENT@": requirement,
        "@OUT_DIR@": OUT_DIR,
        "@CHECKOUT@": CHECKOUT,
        "@SETUP_PYTHON@": SETUP_PYTHON,
        "@GLAB_IMAGE@": GLAB_IMAGE,
    }
    for key, value in values.items():
        template = template.replace(key, value)
    return template


def github(fork_path: str, requirement: str) -> str:
    """``.github/workflows/forktool.yml``."""
    return _fill(_GITHUB, fork_path, requirement)


def gitlab(fork_path: str, requirement: str) -> str:
    """``.gitlab/forktool.yml``: one job that runs the bot, one that posts with glab."""
    return _fill(_GITLAB, fork_path, requirement)
