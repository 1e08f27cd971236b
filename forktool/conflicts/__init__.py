"""Conflicts: the conflict report of a stopped sync.

:mod:`.collect` gathers what is left to resolve and who changed it on each side;
:mod:`.text` is its git-free text logic (markers, alignment, suggestions); :mod:`.render`
turns a report into terminal, Markdown, JSON and HTML. Reads :mod:`forktool.records`
and git; changes nothing.
"""
