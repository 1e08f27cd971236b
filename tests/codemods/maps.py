"""Rename maps shared by the codemod tests: Flask (the real target) and one unrelated map."""

from __future__ import annotations

from forktool.model import RenameMap

FLASK = RenameMap(
    packages={"flask": "framework"},
    distributions={"Flask": "Framework"},
    scripts={"flask": "framework"},
    keep=("flask.commands",),
)
REQUESTS = RenameMap(
    packages={"requests": "fetcher"},
    distributions={"requests": "fetcher-http"},
    scripts={"requests-cli": "fetcher-cli"},
    keep=("requests.legacy",),
)
