"""Transform: rename a whole release tree with the codemods.

:mod:`.tree` renames a tree (expand the map, then every file in parallel, cached);
:mod:`.file` renames one file; :mod:`.pool` runs files in worker processes; :mod:`.cache`
remembers renamed files by content; :mod:`.scm_version` gives the fork's version to builds
that take it from git tags; :mod:`.on_disk` is ``forktool rename`` on a directory. Imports
:mod:`forktool.codemods`, never :mod:`forktool.sync` or the CLI.
"""
