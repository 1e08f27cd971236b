"""The codemod patch API, at the import path users' patches use.

It lives in :mod:`forktool.patches.api`; this module keeps ``from forktool.patchapi import
...`` in users' ``patches/<name>/*.py`` working.
"""

from forktool.patches.api import (
    AddDecorator,
    AddMethod,
    ChangeDefault,
    CodemodPatch,
    NoMatch,
    Upstreamed,
)

__all__ = ["AddDecorator", "AddMethod", "ChangeDefault", "CodemodPatch", "NoMatch", "Upstreamed"]
