"""Cap request bodies at 16 MiB by default; upstream accepts any size unless configured.

A codemod, not a diff: it finds the key in ``Flask.default_config`` wherever upstream moves
it within the class, so it keeps applying release after release.
"""

from forktool.patchapi import ChangeDefault

patch = ChangeDefault(
    "src/framework/app.py",
    name="Flask.default_config",
    key="MAX_CONTENT_LENGTH",
    value="16 * 1024 * 1024",
)
