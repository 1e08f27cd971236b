"""The rename codemods: one small module per kind of file, each a ``str -> str`` function.

Names and places:

- :mod:`.names`: how old names are recognised and what they become (module paths,
  distribution names, requirements, entry-point specs, warning filters, symbols); the
  keep-list is interpreted by :func:`.names.is_kept` only.
- :mod:`.paths`: where a file moves (``src/flask/app.py`` -> ``src/framework/app.py``)
  and which module a file is.
- :mod:`.symbols`: every qualified name a renamed symbol is reached under (re-exports),
  read from the whole tree once.
- :mod:`.literals`: rewriting a string (or bytes) literal's value, keeping its spelling.

Python:

- :mod:`.python`: the libcst codemod (imports, names, strings, comments, docstrings);
  :mod:`.python_bindings` (scope analysis for ``import <old>``), :mod:`.python_symbols`
  (scope analysis for symbols), :mod:`.python_strings` (what a string holds, by where it
  is written).
- :mod:`.tokens`: the token-level fallback for Python libcst cannot parse.

Documentation:

- :mod:`.text`: references in prose (qualified names, imports, Sphinx roles).
- :mod:`.scripts`: command lines (console scripts, ``pip install``).
- :mod:`.doccode`: code shown in documentation (doctests, code blocks).
- :mod:`.docs`: the three together, for docstrings; :mod:`.documents` for doc files.

Packaging and other files:

- :mod:`.pyproject`: ``pyproject.toml`` through tomlkit.
- :mod:`.inifile`: ``setup.cfg``, ``tox.ini`` and other INI-style files, ``entry_points.txt``.
- :mod:`.packaging_files`: ``requirements*.txt``, ``MANIFEST.in``, ``PKG-INFO`` and egg-info.
- :mod:`.lockfiles`: ``uv.lock``.
- :mod:`.archives`: zip/tar fixtures (reported, not rewritten).
- :mod:`.leftovers`: every old name still present after the rename, as ``Leftover`` records.

Nothing here is specific to one upstream: all behaviour comes from the
:class:`~forktool.model.RenameMap`. Nothing here does I/O.
"""
