"""The rename codemods: one small module per kind of file, each a ``str -> str`` function.

- :mod:`.names`: how old names are recognised and what they become (module paths,
  distribution names, requirements, entry-point specs, warning filters).
- :mod:`.paths`: where a file moves (``src/flask/app.py`` -> ``src/framework/app.py``).
- :mod:`.literals`: rewriting a Python string literal's value while keeping its quotes,
  prefix and escapes.
- :mod:`.text`: conservative reference renaming for prose, docs, comments and docstrings.
- :mod:`.python`: the libcst codemod for Python source (imports, scope-aware names, strings).
- :mod:`.pyproject`: ``pyproject.toml`` through tomlkit.
- :mod:`.inifile`: ``setup.cfg``, ``tox.ini`` and other INI-style files, ``entry_points.txt``.
- :mod:`.packaging_files`: ``requirements*.txt``, ``MANIFEST.in``, ``PKG-INFO`` and egg-info.
- :mod:`.leftovers`: every old name still present after the rename, as ``Leftover`` records.

Nothing here is specific to one upstream: all behaviour comes from the
:class:`~forktool.model.RenameMap`. Nothing here does I/O.
"""
