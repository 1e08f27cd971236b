"""What a string literal is expected to hold where it appears (its context), and the
calls whose arguments say so: plain names and tables, without libcst, so that the tree-wide
pass over module-name parameters (:mod:`forktool.codemods.passes.module_parameters`) reads
the same tables as the codemod (:mod:`forktool.codemods.python.strings`) without importing
the codemod.
"""

from __future__ import annotations

# String contexts: what a string literal is expected to hold where it appears.
DIST = "dist"
REQUIREMENT = "requirement"
MODULE = "module"
IMPORT_PATH = "import-path"
MODULE_REGEX = "module-regex"
WARNING_SPEC = "warning-spec"
ENTRY = "entry"
ENTRY_SCRIPT = "entry-script"
ENTRY_GROUP = "entry-group"
ENTRY_INI = "entry-ini"
PATH = "path"
#: setup()'s keywords: a dict display holding ``packages`` and another of these is read
#: as setup's keywords.
SETUP_KEYWORDS = frozenset(
    {"name", "version", "packages", "py_modules", "package_dir", "package_data",
     "ext_modules", "zip_safe", "install_requires", "entry_points", "include_package_data"}
)  # fmt: skip
#: One part of a package path written one part per argument; the new part follows.
PATH_PART = "path-part:"
DOCSTRING = "docstring"
GENERIC = "generic"
SCRIPT = "script"
SYMBOL_NAME = "symbol-name"

METADATA_MODULES = ("importlib.metadata", "importlib_metadata")
DIST_FUNCTIONS = frozenset(
    f"{module}.{func}"
    for module in METADATA_MODULES
    for func in (
        "version",
        "distribution",
        "metadata",
        "requires",
        "files",
        "Distribution.from_name",
    )
) | {"pkg_resources.get_distribution"}
# ``metadata.version(...)`` when the module object came from somewhere the imports don't show.
DIST_SUFFIXES = tuple(
    f"metadata.{func}" for func in ("version", "distribution", "metadata", "requires", "files")
)
REQUIREMENT_FUNCTIONS = frozenset({"pkg_resources.require"})
SYS_MODULES_METHODS = frozenset(
    f"sys.modules.{method}" for method in ("get", "pop", "setdefault", "__contains__")
)
# Callables whose first argument is a module to import, matched by their last name.
IMPORT_FUNCTIONS = frozenset(
    {
        "import_module",
        "__import__",
        "importorskip",
        "find_spec",
        "run_module",
        "import_string",
        "resolve_name",
        "find_loader",
    }
)
# ... or a module (or logger) name.
MODULE_FUNCTIONS = IMPORT_FUNCTIONS | {"getLogger"}
# Package-data look-ups whose first argument (or ``package``/``anchor``) is a package name.
RESOURCE_FUNCTIONS = (
    frozenset(
        f"{module}.{func}"
        for module in ("importlib.resources", "importlib_resources")
        for func in (
            "files",
            "read_text",
            "read_binary",
            "open_text",
            "open_binary",
            "path",
            "contents",
            "is_resource",
        )
    )
    | frozenset(
        f"pkg_resources.{func}"
        for func in (
            "resource_filename",
            "resource_string",
            "resource_stream",
            "resource_exists",
            "resource_listdir",
            "resource_isdir",
        )
    )
    | {"pkgutil.get_data", "pkgutil.get_loader", "pkgutil.iter_modules"}
)
RESOURCE_SUFFIXES = tuple(
    f"resources.{func}" for func in ("files", "read_text", "read_binary", "open_text", "path")
)
SETUP_FUNCTIONS = frozenset({"setup", "setuptools.setup", "distutils.core.setup"})
SCRIPT_GROUPS = frozenset({"console_scripts", "gui_scripts"})


def module_argument(callees: set[str]) -> tuple[str, ...] | None:
    """For a call that takes a module name first (this module's import and package-data
    tables, ``sys.modules`` look-ups): the keywords that may give it instead.

    Args:
        callees: the callee as spelled and as resolved through the module's imports
            (``{"import_module", "importlib.import_module"}``).

    Returns:
        ``("name",)``, ``("package", "anchor", "package_or_requirement")``, or None when
        the call is not one of these.
    """
    lasts = {callee.rsplit(".", 1)[-1] for callee in callees}
    if lasts & IMPORT_FUNCTIONS or callees & SYS_MODULES_METHODS:
        return ("name",)
    if callees & RESOURCE_FUNCTIONS or any(c.endswith(RESOURCE_SUFFIXES) for c in callees):
        return ("package", "anchor", "package_or_requirement")
    return None
