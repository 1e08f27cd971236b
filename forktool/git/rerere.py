"""git's rerere: recorded conflict resolutions kept where forktool keeps them."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from forktool.errors import ConfigError
from forktool.git.command import ANY, Commands, Result

_REUSED = re.compile(r"(?:Resolved|Staged) '(.+?)' using previous resolution")


def reused_paths(result: Result) -> tuple[str, ...]:
    """Paths a ``git merge`` (``result``) says rerere resolved from a recorded resolution,
    sorted."""
    said = f"{result.text}\n{result.stderr.decode(errors='surrogateescape')}"
    return tuple(sorted(set(_REUSED.findall(said))))


class Rerere(Commands):
    """Turning rerere on, and dropping a merge's state."""

    def enable_rerere(self, cache: Path) -> None:
        """Turn on git's rerere (with autoupdate) and point its cache at ``cache``.

        ``cache`` replaces ``.git/rr-cache`` as a symbolic link, so recorded resolutions
        live where forktool keeps them (the fork definition) and travel with it.

        Raises:
            ConfigError: ``cache`` exists but is not a directory, or cannot be created;
                nothing was changed.
        """
        if (cache.exists() or cache.is_symlink()) and not cache.is_dir():
            raise ConfigError(
                f"{cache} is not a directory",
                "forktool keeps git's recorded conflict resolutions there; move the file away",
            )
        try:
            cache.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(
                f"cannot create {cache}: {exc.strerror or exc}",
                "check the permissions of the fork definition's patches directory",
            ) from exc
        reader = self._repo.config_reader("repository")
        for key in ("enabled", "autoUpdate"):  # write .git/config only when needed
            if not reader.has_option("rerere", key) or reader.get_value("rerere", key) is not True:
                self.run(["config", f"rerere.{key}", "true"])
        self._link_cache(cache)

    def _link_cache(self, cache: Path) -> None:
        """Make ``.git/rr-cache`` a link to ``cache``, keeping what it recorded before."""
        link = self.git_dir / "rr-cache"
        if link.is_symlink() and link.resolve() == cache.resolve():
            return
        if link.is_dir() and not link.is_symlink():
            for entry in link.iterdir():
                target = cache / entry.name
                if not target.exists():
                    shutil.copytree(entry, target)
            shutil.rmtree(link)
        elif link.is_symlink():
            link.unlink()
        link.symlink_to(cache.resolve(), target_is_directory=True)

    def forget_merge(self) -> None:
        """Drop git's merge state (MERGE_HEAD, MERGE_MSG, rerere's record of this merge)
        without touching the index or any file: for a merge that is committed, or that
        forktool has undone path by path."""
        if (self.git_dir / "MERGE_RR").exists():
            self.run(["rerere", "clear"], ok=ANY)  # the files below go anyway
        for name in ("MERGE_HEAD", "MERGE_MSG", "MERGE_MODE", "AUTO_MERGE", "MERGE_RR"):
            (self.git_dir / name).unlink(missing_ok=True)
