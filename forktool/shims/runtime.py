"""The alias-finder runtime: the ``__init__.py`` text of every old package of a shim.

Importing the generated module puts one shared ``sys.meta_path`` finder in front that serves
each ``old.<x>`` as the very module object ``new.<x>``, then replaces the old package in
``sys.modules`` with the fork's.
"""

from __future__ import annotations

from collections.abc import Mapping

from forktool.shims.model import GENERATED

#: Version of the finder protocol; shims of one protocol share a single finder.
FINDER_PROTOCOL = 1

#: The old package's ``__init__.py``; :func:`runtime_source` fills it in.
_RUNTIME = '''\
"""{old}: a compatibility shim. {GENERATED}; do not edit.

``{old}`` is ``{new}``: importing it puts a finder on ``sys.meta_path`` that serves every
``{old}.<x>`` module as the very same module object as ``{new}.<x>``, and then puts
``{new}`` itself in ``sys.modules[{old!r}]``.
"""

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys

#: old import package -> the fork's, for every package of this shim.
ALIASES = {aliases!r}
FINDER_PROTOCOL = {protocol}


class AliasFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Hands out the fork's module objects under the old names (one finder for all shims)."""

    def __init__(self):
        self.aliases = {{}}
        self._longest_first = []
        self._tops = frozenset()
        self._real_specs = {{}}

    def add(self, aliases):
        """Alias the old packages ``aliases`` names (old -> new) too."""
        self.aliases.update(aliases)
        self._longest_first = sorted(self.aliases, key=len, reverse=True)
        self._tops = frozenset(old.partition(".")[0] for old in self.aliases)

    def real_name(self, fullname):
        """``old.x`` -> ``new.x``; None for a name no alias covers."""
        if fullname.partition(".")[0] not in self._tops:  # every import passes here: be quick
            return None
        for old in self._longest_first:
            if fullname == old or fullname.startswith(old + "."):
                return self.aliases[old] + fullname[len(old) :]
        return None

    def find_spec(self, fullname, path=None, target=None):
        real_name = self.real_name(fullname)
        if real_name is None or fullname.rpartition(".")[2] == "__main__":
            # __main__ is left to the path machinery: "python -m {old}" finds the fork's
            # file through {old}.__path__ (which is {new}'s) and runs it as __main__.
            return None
        module = sys.modules.get(real_name)
        if module is not None:
            is_package = hasattr(module, "__path__")
        else:
            try:
                real_spec = importlib.util.find_spec(real_name)
            except (ImportError, ValueError):
                return None
            if real_spec is None:
                return None
            is_package = real_spec.submodule_search_locations is not None
        return importlib.machinery.ModuleSpec(
            fullname, self, origin="alias of " + real_name, is_package=is_package
        )

    def create_module(self, spec):
        module = importlib.import_module(self.real_name(spec.name))
        self._real_specs[spec.name] = getattr(module, "__spec__", None)
        return module

    def exec_module(self, module):
        # module_from_spec() kept the module's own __name__, __loader__, __package__, __path__
        # and __file__ but replaced __spec__ with the alias spec: give the real one back.
        alias = module.__spec__
        if alias is not None and alias.loader is self:
            module.__spec__ = self._real_specs.pop(alias.name, None)


def install():
    """Add this shim's aliases to the shared finder, put in front of sys.meta_path."""
    for finder in sys.meta_path:
        if getattr(finder, "forktool_shim_protocol", None) == FINDER_PROTOCOL:
            break
    else:
        finder = AliasFinder()
        finder.forktool_shim_protocol = FINDER_PROTOCOL
        sys.meta_path.insert(0, finder)
    finder.add(ALIASES)
    return finder


install()
sys.modules[__name__] = importlib.import_module(ALIASES[__name__])
'''


def runtime_source(old: str, aliases: Mapping[str, str]) -> str:
    """The ``__init__.py`` of the old package ``old``; ``aliases`` holds all of the shim's."""
    return _RUNTIME.format(
        old=old,
        new=aliases[old],
        aliases=dict(aliases),
        protocol=FINDER_PROTOCOL,
        GENERATED=GENERATED,
    )
