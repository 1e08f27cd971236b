"""Which upstream a command works on, for commands that take one (``--upstream``)."""

from __future__ import annotations

from pathlib import Path

from forktool import config as config_mod
from forktool.errors import ForktoolError


def one_config(root: Path | None, upstream_name: str | None) -> config_mod.UpstreamConfig:
    """The config of ``upstream_name``, or of the only upstream defined."""
    definition = config_mod.definition_root(root)
    names = [upstream_name] if upstream_name else config_mod.upstream_names(definition)
    if len(names) != 1:
        raise ForktoolError(
            f"several upstreams are defined ({', '.join(names)})", "choose one with --upstream"
        )
    return config_mod.load(definition, names[0])
