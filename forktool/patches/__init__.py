"""Patches: the fork's patch series.

:mod:`.series` reads the series file; :mod:`.diff_format` is the diff patch file format;
:mod:`.api` the codemod patch API (users import it as ``forktool.patchapi``);
:mod:`.apply` applies the series to a transformed tree; :mod:`.workspace` captures,
shows and refreshes diff patches. Imports :mod:`forktool.git` and
:mod:`forktool.records`, never :mod:`forktool.sync`.
"""
