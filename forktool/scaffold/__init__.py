"""``forktool init``: scaffold the definition of a new upstream.

Reads the newest release of a PyPI project (its sdist, verified like every download) or of
a git repository (its newest release tag), guesses from that release's own files what the
rename map needs (import packages, distribution name, console scripts), combines the
guesses with the new names the user gives, and writes ``upstream/<name>.toml`` and
``patches/<name>/series``: only after every check has passed, only where nothing exists
yet, and then loads them back with :func:`forktool.config.load` to prove they work.

Nothing here prints or prompts: questions go through an :data:`Ask` callback the CLI
provides (or None: no questions, missing names are errors).

This module is the public API (``from forktool import scaffold; scaffold.inspect(...)``);
the work is done by:

- :mod:`~forktool.scaffold.guessing`: :class:`Guess` and the pure functions of a release
  tree that make it (:func:`guess`, :func:`guess_packages`, ...), :func:`describe`.
- :mod:`~forktool.scaffold.names`: the new names, :class:`Names` as given and the rename map
  :func:`decide` makes of them and the guesses.
- :mod:`~forktool.scaffold.release`: reading the upstream, the :class:`Inspection` of its
  newest release (:func:`make_source`, :func:`inspect`, :func:`default_name`).
- :mod:`~forktool.scaffold.writing`: the :class:`Plan`, the files' text and :func:`write`.

Imports point one way: :mod:`.names` and :mod:`.release` import only :mod:`.guessing`;
:mod:`.writing` imports :mod:`.guessing` and :mod:`.release`.
"""

from __future__ import annotations

from forktool.scaffold.guessing import (
    DIST_NAME,
    NOT_PACKAGES,
    Guess,
    describe,
    guess,
    guess_distribution,
    guess_entry_point_groups,
    guess_packages,
    guess_repository,
    guess_scripts,
)
from forktool.scaffold.names import (
    Ask,
    Names,
    check_distribution,
    check_package,
    check_script,
    decide,
    derive,
    parse_names,
)
from forktool.scaffold.release import (
    Inspection,
    default_name,
    headline,
    inspect,
    make_source,
    newest_release,
    read_release,
    source_for_definition,
)
from forktool.scaffold.writing import (
    InitResult,
    Plan,
    check_free,
    check_name,
    make_plan,
    render_definition,
    render_series,
    summary,
    write,
)

__all__ = [
    "DIST_NAME",
    "NOT_PACKAGES",
    "Ask",
    "Guess",
    "InitResult",
    "Inspection",
    "Names",
    "Plan",
    "check_distribution",
    "check_free",
    "check_name",
    "check_package",
    "check_script",
    "decide",
    "default_name",
    "derive",
    "describe",
    "guess",
    "guess_distribution",
    "guess_entry_point_groups",
    "guess_packages",
    "guess_repository",
    "guess_scripts",
    "headline",
    "inspect",
    "make_plan",
    "make_source",
    "newest_release",
    "parse_names",
    "read_release",
    "render_definition",
    "render_series",
    "source_for_definition",
    "summary",
    "write",
]
