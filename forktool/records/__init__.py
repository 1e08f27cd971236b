"""Records: the fork repository, and what forktool remembers about it between runs.

:mod:`.fork` finds and opens the fork repository (the one way to); :mod:`.lockfile` is
``upstream/<name>.lock`` (what is integrated); :mod:`.state` the files in
``.git/forktool/`` (leftovers, series health, caches); :mod:`.intent` the intent record of
a sync in progress. Read by every later stage; imports only :mod:`forktool.git`, config,
model and errors.
"""
