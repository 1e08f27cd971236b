"""Changes across the rename, both ways.

:mod:`.inverse` runs the rename backwards (the same codemods with the inverse map) and
checks a round trip; :mod:`.export` turns a fork commit or a diff patch of the series into
a patch in upstream's names (``forktool export``); :mod:`.backport` renames an upstream
commit or patch file forward into the series (``forktool backport``). Imports the rename
(:mod:`forktool.transform`), the upstream sources and the patch series, never
:mod:`forktool.sync`.
"""
