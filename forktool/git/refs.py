"""Refs: resolving and moving them, snapshots to put back, and tags of remote upstreams."""

from __future__ import annotations

from pathlib import Path

import git

from forktool.errors import RepositoryError, SourceError
from forktool.git.command import ANY, Commands, run

_UNREACHABLE = "check the url in the [source] table and that the repository is reachable"


class Refs(Commands):
    """Reading and moving refs."""

    def resolve(self, ref: str) -> str | None:
        """Return the commit id ``ref`` points at, or None if it does not exist."""
        # Every failure (1: no such ref, 128: not even a valid name) means "no commit".
        found = self.run(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], ok=ANY)
        return found.out if found.returncode == 0 else None

    def has_commits(self) -> bool:
        """True unless HEAD is unborn (a freshly initialised repository)."""
        return self.resolve("HEAD") is not None

    def current_branch(self) -> str | None:
        """The branch HEAD is attached to, or None when HEAD is detached."""
        found = self.run(["symbolic-ref", "--quiet", "--short", "HEAD"], ok=(0, 1))
        return found.out if found.returncode == 0 else None

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        """True when ``ancestor`` is reachable from ``descendant`` (False when either is
        not a commit)."""
        # 1: not an ancestor; 128: no such commit.
        checked = self.run(["merge-base", "--is-ancestor", ancestor, descendant], ok=(0, 1, 128))
        return checked.returncode == 0

    def set_ref(self, ref: str, commit: str | None, message: str) -> None:
        """Point ``ref`` (full name, e.g. ``refs/heads/vendor/flask``) at ``commit``.

        ``commit=None`` deletes the ref (a no-op when it does not exist).

        Raises:
            GitFailed: ``commit`` is not in the object store, or the ref is locked.
        """
        if commit is None:
            if self.resolve(ref) is not None:
                self.run(["update-ref", "-d", ref])
            return
        self.run(["update-ref", "-m", message, ref, commit])

    def refs(self) -> dict[str, str]:
        """Every ref of the repository: full name -> object id it points at."""
        out = self.run(["for-each-ref", "--format=%(refname) %(objectname)"]).out
        pairs = (line.split(" ", 1) for line in out.splitlines())
        return {ref: sha for ref, sha in pairs}

    def moved_refs(self, before: dict[str, str]) -> dict[str, str]:
        """Refs created, moved or deleted since the snapshot ``before`` (from :meth:`refs`):
        ref -> its id in ``before`` ("" when it is new)."""
        now = self.refs()
        return {
            ref: before.get(ref, "")
            for ref in sorted(set(now) | set(before))
            if now.get(ref) != before.get(ref)
        }

    def put_back(self, moved: dict[str, str], message: str) -> None:
        """Set each ref of ``moved`` (from :meth:`moved_refs`) back; "" deletes it."""
        for ref, commit in moved.items():
            self.set_ref(ref, commit or None, message)

    @staticmethod
    def ls_remote_tags(url: str) -> dict[str, str]:
        """List the tags of the git repository at ``url`` (URL or local path).

        Returns:
            tag name (without ``refs/tags/``) -> commit id it points at (peeled).

        Raises:
            SourceError: the repository cannot be reached.
        """
        listed = run(git.cmd.Git(), ["ls-remote", "--tags", url], ok=ANY)
        if listed.returncode != 0:
            raise SourceError(f"cannot read tags from the git upstream {url}", _UNREACHABLE)
        tags: dict[str, str] = {}
        for line in listed.out.splitlines():
            sha, ref = line.split("\t", 1)
            name = ref.removeprefix("refs/tags/")
            if name.endswith("^{}"):
                tags[name[:-3]] = sha  # peeled commit of an annotated tag wins
            else:
                tags.setdefault(name, sha)
        return tags

    @staticmethod
    def ls_remote_heads(url: str) -> dict[str, str]:
        """List the branches of the git repository at ``url`` (URL or local path).

        Returns:
            branch name (without ``refs/heads/``) -> the commit at its head.

        Raises:
            SourceError: the repository cannot be reached.
        """
        listed = run(git.cmd.Git(), ["ls-remote", "--heads", url], ok=ANY)
        if listed.returncode != 0:
            raise SourceError(f"cannot read branches from the git upstream {url}", _UNREACHABLE)
        pairs = (line.split("\t", 1) for line in listed.out.splitlines())
        return {ref.removeprefix("refs/heads/"): sha for sha, ref in pairs}

    def fetch_objects(self, url: str, sources: list[str]) -> None:
        """Fetch the commits ``sources`` name at ``url`` (full ref names, or commit ids the
        server lets a client ask for) with their history, moving no ref: git writes only
        ``FETCH_HEAD``.

        Raises:
            SourceError: the fetch failed (unreachable, or no such ref or commit there).
        """
        args = ["fetch", "--no-tags", "--no-write-fetch-head", "--quiet", url, *sources]
        fetched = self.run(args, ok=ANY)
        if fetched.returncode != 0:
            named = ", ".join(sources)
            raise SourceError(
                f"cannot fetch {named} from the git upstream {url}: {fetched.reason()}",
                _UNREACHABLE,
            )

    def fetch_tag(self, url: str, tag: str, dest_ref: str) -> str:
        """Fetch ``tag`` from ``url`` into ``dest_ref`` of this repository.

        Returns:
            the commit id the tag points at.

        Raises:
            SourceError: the fetch failed.
        """
        args = ["fetch", "--no-tags", "--quiet", url, f"+refs/tags/{tag}:{dest_ref}"]
        if self.run(args, ok=ANY).returncode != 0:
            raise SourceError(f"cannot fetch tag {tag} from the git upstream {url}", _UNREACHABLE)
        commit = self.resolve(dest_ref)
        assert commit is not None
        return commit

    def fetch_refs(self, url: str, refspecs: list[str]) -> bool:
        """Fetch ``refspecs`` (``+<src>:<dst>``, or a commit id as ``<sha>:<dst>``) from
        ``url``, without tags.

        Returns:
            True when git fetched them; False when it could not (the repository is
            unreachable, or has no such ref or commit: git does not say which).
        """
        args = ["fetch", "--no-tags", "--quiet", "--no-write-fetch-head", url, *refspecs]
        return self.run(args, ok=ANY).returncode == 0

    def push_branch(self, destination: Path, commit: str, branch: str) -> None:
        """Create branch ``branch`` at ``commit`` in the repository ``destination`` (``git
        push``, with the history it needs); nothing else there changes.

        Raises:
            RepositoryError: git refused (exit code not 0): the branch exists and does not
                lead to ``commit``, it is the branch checked out there, or ``destination``
                cannot be written.
        """
        args = ["push", "--quiet", str(destination), f"{commit}:refs/heads/{branch}"]
        pushed = self.run(args, ok=ANY)
        if pushed.returncode != 0:
            raise RepositoryError(
                f"cannot create branch {branch} in {destination}: {pushed.reason()}",
                "check that the clone is writable and has no such branch, then run again",
            )

    def remote_url(self, remote: str) -> str | None:
        """The URL of the remote named ``remote`` (``git remote get-url``), or None when
        the repository has no such remote."""
        found = self.run(["remote", "get-url", "--", remote], ok=ANY)  # 2: no such remote
        return found.out if found.returncode == 0 else None

    def remote_branches(self, remote: str, branches: list[str]) -> dict[str, str]:
        """Where ``branches`` (short names) point in the repository of ``remote``.

        Returns:
            branch -> commit id, for those of ``branches`` the remote has.

        Raises:
            RepositoryError: the remote cannot be reached.
        """
        refs = [f"refs/heads/{branch}" for branch in branches]
        listed = self.run(["ls-remote", "--heads", "--", remote, *refs], ok=ANY)
        if listed.returncode != 0:
            raise RepositoryError(
                f"cannot list the branches of the remote {remote}: {listed.reason()}",
                "check the remote's URL and that it is reachable (git remote -v)",
            )
        pairs = (line.split("\t", 1) for line in listed.out.splitlines())
        heads = {ref.removeprefix("refs/heads/"): sha for sha, ref in pairs}
        return {branch: heads[branch] for branch in branches if branch in heads}

    def push_to(
        self, remote: str, updates: dict[str, str], expected: dict[str, str] | None = None
    ) -> None:
        """Point branches of ``remote`` at commits, in one ``git push``: ``updates`` is
        branch (short name) -> commit id. A branch is moved only while it still points
        where ``expected`` says (branch -> commit; absent: the branch must not exist),
        git's ``--force-with-lease``: a commit someone pushed meanwhile is never lost.

        Raises:
            RepositoryError: git refused (exit code not 0): the remote cannot be reached
                or written, a branch moved since it was read, or a hook there said no.
        """
        leases = [
            f"--force-with-lease=refs/heads/{branch}:{(expected or {}).get(branch, '')}"
            for branch in updates
        ]
        specs = [f"{commit}:refs/heads/{branch}" for branch, commit in updates.items()]
        pushed = self.run(["push", "--quiet", *leases, "--", remote, *specs], ok=ANY)
        if pushed.returncode != 0:
            raise RepositoryError(
                f"cannot push to the remote {remote}: {pushed.reason()}",
                "check that the remote is reachable and that you may push branches to it",
            )
