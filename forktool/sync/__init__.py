"""Sync: the pipeline put together, and the commands that run it.

:mod:`.orchestrator` is ``forktool sync`` as a short list of named steps; :mod:`.build`
builds a release as the fork wants it (import, rename, build settings, series);
:mod:`.integrate` merges it into the fork; :mod:`.recovery` finishes or undoes a sync
that did not end normally; :mod:`.check`, :mod:`.replay` and :mod:`.status` read without
changing the fork; :mod:`.writerlock` keeps to one writer. Imports every stage below it,
never :mod:`forktool.conflicts` or the CLI.
"""
