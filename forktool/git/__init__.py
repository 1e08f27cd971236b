"""Git: the one place forktool talks to git (through GitPython), and git's naming rules.

:mod:`.repository` wraps a repository (plumbing, trees, index and merge, log and blame);
:mod:`.names` holds the pure checks of ref names and tree paths. Imports only
:mod:`forktool.errors` and :mod:`forktool.model`.
"""
