"""INI-style files: ``setup.cfg``, ``tox.ini``, ``pytest.ini``, ``.coveragerc``, ``mypy.ini``,
and entry-point declarations (``entry_points.txt``, a ``setup(entry_points="...")`` string).

Edits are made line by line on the text, so comments, ordering and spacing survive
(configparser would drop them). What changes, by section and key:

- ``[metadata] name`` -> the new distribution; other metadata (description, URLs,
  classifiers) stays;
- requirements (``install_requires``, ``tests_require``, ``setup_requires``,
  ``[options.extras_require]``, tox ``deps``) -> renamed distributions;
- ``[options.entry_points]`` and entry-point files: group names unless keep-listed,
  ``console_scripts``/``gui_scripts`` names through ``RenameMap.scripts``, and the module
  part of every ``name = module:attr``;
- ``package_dir``, ``package_data``, ``[options.packages.find]``, ``[mypy-flask.*]`` section
  names, ``filterwarnings`` module fields;
- setuptools directives in any section: ``version = attr: flask.__version__`` (module
  path), ``file: src/flask/VERSION`` (paths);
- any other value: each comma/space separated item that is a module path, a path into the
  package, an entry-point spec or a ``--option=module`` (``--cov=flask``). In ``commands``
  a bare word is usually a command: it changes only as the first word of a line naming
  an old console script (``flask run``) or as the argument of an option that takes a
  module (``python -m flask``, ``mypy -p flask``, ``--verifytypes flask``).
"""

from __future__ import annotations

import re

from forktool.codemods import names
from forktool.codemods.paths import rename_path
from forktool.model import RenameMap

_KEY_RE = re.compile(r"(?P<key>[^=:\s][^=:]*?)(?P<sep>[ \t]*[=:][ \t]*)(?P<value>.*)", re.DOTALL)
_ITEM_SPLIT_RE = re.compile(r"(\s+|,)")
_EOL_RE = re.compile(r"\r?\n$")
_REQUIREMENT_KEYS = frozenset({"install_requires", "tests_require", "setup_requires", "deps"})
_PROSE_KEYS = frozenset(
    {
        "description",
        "long_description",
        "summary",
        "keywords",
        "classifiers",
        "url",
        "home_page",
        "project_urls",
        "download_url",
        "author",
        "author_email",
        "maintainer",
        "maintainer_email",
        "license",
        "license_files",
        "platforms",
        "envlist",
        "env_list",
    }
)
_SCRIPT_GROUPS = frozenset({"console_scripts", "gui_scripts"})
# Command-line options whose argument is an import package or module.
_MODULE_OPTIONS = frozenset({"-m", "-p", "--package", "--pyargs", "--verifytypes", "--source"})


def rename_ini(source: str, rename: RenameMap) -> str:
    """The codemod for ``setup.cfg``, ``tox.ini`` and other INI-style configuration.

    Args:
        source: the file's text.
        rename: the rename map.

    Returns:
        The renamed text, unchanged lines byte for byte. Never raises.
    """
    return _Ini(rename, entry_points=False).run(source)


def rename_entry_points_ini(source: str, rename: RenameMap) -> str:
    """The codemod for entry-point declarations in INI form (``entry_points.txt``).

    Sections are groups (``[console_scripts]``, ``[flask.commands]``), lines are
    ``name = module:attr``. Returns the renamed text; never raises.
    """
    return _Ini(rename, entry_points=True).run(source)


class _Ini:
    def __init__(self, rename: RenameMap, *, entry_points: bool) -> None:
        self.rename = rename
        self.entry_points = entry_points
        self.section = ""
        self.key: str | None = None

    def run(self, source: str) -> str:
        return "".join(self._line(line) for line in source.splitlines(keepends=True))

    def _line(self, line: str) -> str:
        eol_match = _EOL_RE.search(line)
        eol = eol_match.group() if eol_match else ""
        body = line[: len(line) - len(eol)]
        stripped = body.strip()
        if not stripped or stripped[0] in "#;":
            return line
        indented = body[0].isspace()
        if stripped.startswith("[") and stripped.endswith("]") and not indented:
            self.section = stripped[1:-1].strip()
            self.key = None
            new_section = self._section_name(self.section)
            return body.replace(self.section, new_section, 1) + eol
        if indented and self.key is not None:
            lead = body[: len(body) - len(body.lstrip())]
            return lead + self._continuation(stripped) + body[len(body.rstrip()) :] + eol
        match = _KEY_RE.fullmatch(body.lstrip())
        if match is None:
            return line
        lead = body[: len(body) - len(body.lstrip())]
        key = match["key"].strip()
        self.key = key
        if self.entry_points:
            return lead + self._entry_line(self.section, body.lstrip()) + eol
        new_key = self._key(key) + match["key"][len(key) :]
        value = match["value"]
        new_value = self._value(key, value) if value.strip() else value
        return lead + new_key + match["sep"] + new_value + eol

    def _section_name(self, section: str) -> str:
        if self.entry_points:
            return names.rename_module(section, self.rename) or section
        if section.startswith("mypy-"):
            modules = section[len("mypy-") :].split(",")
            renamed = [names.rename_module(m.strip(), self.rename) or m for m in modules]
            return "mypy-" + ",".join(renamed)
        return section

    def _key(self, key: str) -> str:
        if self.section == "options.entry_points":
            return names.rename_module(key, self.rename) or key
        if self.section in ("options.package_data", "options.exclude_package_data"):
            return names.rename_module(key, self.rename, keep=False) or key
        return key

    def _continuation(self, text: str) -> str:
        assert self.key is not None
        if self.section == "options.entry_points":
            return self._entry_line(self.key, text)
        return self._value(self.key, text)

    def _import_paths(self, key: str) -> bool:
        """``[options] packages``/``py_modules``, ``[options.packages.find] include``."""
        if self.section == "options":
            return key in ("packages", "py_modules", "namespace_packages")
        return self.section == "options.packages.find" and key in ("include", "exclude")

    def _package_dir(self, text: str) -> str:
        """``flask = src/flask`` (or ``= src``): module on the left, path on the right."""
        if "=" not in text:
            return text
        module, path = text.split("=", 1)
        new_module = names.rename_module(module.strip(), self.rename, keep=False)
        if new_module is not None:
            module = module.replace(module.strip(), new_module, 1)
        if path.strip():
            path = path.replace(path.strip(), rename_path(path.strip(), self.rename), 1)
        return module + "=" + path

    def _entry_line(self, group: str, text: str) -> str:
        return names.rename_entry_spec(text, self.rename, script=group in _SCRIPT_GROUPS) or text

    def _value(self, key: str, value: str) -> str:
        rename = self.rename
        directive = _directive(value, rename)
        if directive is not None:
            return directive
        if self.section == "metadata":
            return (names.rename_dist(value.strip(), rename) or value) if key == "name" else value
        if key in _PROSE_KEYS or self.section.startswith("metadata"):
            return value
        if key in _REQUIREMENT_KEYS or self.section == "options.extras_require":
            return names.rename_requirement(value, rename) or value
        if key == "filterwarnings":
            return names.rename_warning_filter(value.strip(), rename) or value
        if key == "package_dir":
            return self._package_dir(value)
        if self._import_paths(key):
            # only import paths fit here: the keep-list (entry-point groups) does not apply
            return "".join(
                rename_item(item, rename, keep=False) or item
                for item in _ITEM_SPLIT_RE.split(value)
            )
        return rename_words(value, rename, command=key == "commands")


def rename_words(value: str, rename: RenameMap, *, command: bool = False) -> str:
    """Rename each comma/space separated item of a configuration value.

    Args:
        value: e.g. ``"flask tests"`` or ``"pytest --pyargs flask"``.
        rename: the rename map.
        command: the value is a command line (tox ``commands``): a bare word is then a
            module only after an option that takes one (``python -m``, ``mypy -p``,
            ``--pyargs``, ``--verifytypes``), and the first word may be a console script.

    Returns:
        The value with its items renamed (see :func:`rename_item`).
    """
    out: list[str] = []
    previous = ""
    for item in _ITEM_SPLIT_RE.split(value):
        if command and not previous and item in rename.scripts:
            out.append(names.rename_script(item, rename) or item)
        else:
            module_arg = previous in _MODULE_OPTIONS
            out.append(rename_item(item, rename, bare=not command or module_arg) or item)
        if item.strip(", \t\n"):
            previous = item
    return "".join(out)


def _directive(value: str, rename: RenameMap) -> str | None:
    """setuptools' ``attr: flask.__version__`` and ``file: src/flask/VERSION`` values."""
    stripped = value.strip()
    if stripped.startswith("attr:"):
        target = stripped[len("attr:") :].strip()
        new = names.rename_module(target, rename)
        return None if new is None else value.replace(target, new, 1)
    if stripped.startswith("file:"):
        paths = [path.strip() for path in stripped[len("file:") :].split(",")]
        out = value
        for path in paths:
            new_path = rename_path(path, rename)
            if path and new_path != path:
                out = out.replace(path, new_path, 1)
        return out if out != value else None
    return None


def rename_item(
    item: str, rename: RenameMap, *, bare: bool = True, keep: bool = True
) -> str | None:
    """Rename one configuration item: a module path, path, spec or ``--option=value``.

    Args:
        item: one whitespace/comma separated word of a configuration value.
        rename: the rename map.
        bare: whether a bare package name (``flask``) counts; False where a bare word is
            more likely a command than a module.
        keep: honour the keep-list (False where only an import path fits).

    Returns:
        The renamed item, or None if it is not one of those or names no old package.
    """
    if not item or (keep and names.is_kept(item, rename)) or "://" in item:
        return None
    if item.startswith("-") and "=" in item:
        option, value = item.split("=", 1)
        new = rename_item(value, rename, bare=True)
        return None if new is None else f"{option}={new}"
    if names.is_module_path(item.rstrip("*").rstrip(".")):
        if bare or "." in item:
            return names.rename_module(item, rename, keep=keep)
        return None
    if "/" in item:
        new_path = rename_path(item, rename)
        return new_path if new_path != item else None
    return names.rename_entry_spec(item, rename) or names.rename_warning_filter(item, rename)
