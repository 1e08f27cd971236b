"""Git: the one place forktool talks to git (through GitPython), and git's naming rules.

:mod:`.repository` holds :class:`~.repository.GitRepo`, the class callers use; it is made
of one small class per module:

- :mod:`.command`: running one git command with the exit codes its caller expects
  (``run(args, ok=..., input=..., env=...)`` -> ``Result``); an unexpected exit is a
  ``GitFailed``, forktool's :class:`~forktool.errors.RepositoryError`.
- :mod:`.objects`: blobs in and out of the object store, reproducible commits.
- :mod:`.trees`: ``ls-tree`` / ``diff-tree`` parsed once, trees written in a private index
  file (:func:`~.trees.private_index`), stale private indexes of killed runs.
- :mod:`.refs`: resolving and moving refs, tags of remote upstreams.
- :mod:`.index`: unmerged entries (``ls-files --unmerged`` parsed once), patches applied
  to an index, staging and restoring paths.
- :mod:`.merge`: the in-memory merge preview and the working-tree merge, both returning a
  ``MergeOutcome``; merge state.
- :mod:`.rerere`: recorded conflict resolutions kept in forktool's directory.
- :mod:`.worktree`: what the checkout's files hold, linked worktrees.
- :mod:`.log`: commit metadata, ``git log`` of paths and line ranges.
- :mod:`.patches`: ``format-patch`` mailboxes, ``mailinfo``, trailers.

:mod:`.names` holds the pure checks of ref names and tree paths. Imports only
:mod:`forktool.errors` and :mod:`forktool.model`.
"""
