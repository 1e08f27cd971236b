"""What the fork tree declares about itself: name, version, Requires-Python, extras, scripts."""

from __future__ import annotations

import configparser
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from email.parser import HeaderParser

from packaging.utils import canonicalize_name

from forktool.shims.fork_tree import Source
from forktool.shims.model import ShimError


@dataclass(frozen=True)
class ForkMetadata:
    """What the fork tree declares about itself, from pyproject.toml, PKG-INFO or setup.cfg."""

    name: str = ""
    version: str = ""
    requires_python: str = ""
    extras: tuple[str, ...] = ()
    scripts: Mapping[str, str] = field(default_factory=dict)
    gui_scripts: Mapping[str, str] = field(default_factory=dict)
    setup_py: str = ""

    @classmethod
    def read(cls, source: Source) -> ForkMetadata:
        fields: dict[str, str] = {}
        extras: list[str] = []
        scripts: dict[str, str] = {}
        gui_scripts: dict[str, str] = {}

        pyproject = source.get("pyproject.toml")
        if pyproject is not None:
            try:
                project = tomllib.loads(pyproject.decode("utf-8")).get("project", {})
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                raise ShimError(
                    f"the fork's pyproject.toml does not parse: {exc}", "fix pyproject.toml"
                ) from exc
            if isinstance(project, dict):
                dynamic = project.get("dynamic", [])
                for key, attr in (("name", "name"), ("requires-python", "requires_python")):
                    if isinstance(project.get(key), str):
                        fields[attr] = project[key]
                if isinstance(project.get("version"), str) and "version" not in dynamic:
                    fields["version"] = project["version"]
                extras += list(project.get("optional-dependencies", {}) or {})
                scripts.update(project.get("scripts", {}) or {})
                gui_scripts.update(project.get("gui-scripts", {}) or {})

        pkg_info = source.get("PKG-INFO")
        if pkg_info is not None:
            headers = HeaderParser().parsestr(pkg_info.decode("utf-8", "replace"))
            for header, attr in (
                ("Name", "name"),
                ("Version", "version"),
                ("Requires-Python", "requires_python"),
            ):
                if headers.get(header) and attr not in fields:
                    fields[attr] = str(headers[header]).strip()
            extras += [str(e).strip() for e in headers.get_all("Provides-Extra") or []]

        setup_cfg = source.get("setup.cfg")
        if setup_cfg is not None:
            parser = configparser.ConfigParser(interpolation=None)
            try:
                parser.read_string(setup_cfg.decode("utf-8", "replace"))
            except configparser.Error:
                parser = configparser.ConfigParser()
            for section, key, attr in (
                ("metadata", "name", "name"),
                ("metadata", "version", "version"),
                ("options", "python_requires", "requires_python"),
            ):
                value = parser.get(section, key, fallback="").strip()
                if value and attr not in fields and not value.startswith(("attr:", "file:")):
                    fields[attr] = value
            if parser.has_section("options.extras_require"):
                extras += list(parser["options.extras_require"])
            entry_points = parser.get("options.entry_points", "console_scripts", fallback="")
            for name, target in _entry_lines(entry_points):
                scripts.setdefault(name, target)
            entry_points = parser.get("options.entry_points", "gui_scripts", fallback="")
            for name, target in _entry_lines(entry_points):
                gui_scripts.setdefault(name, target)

        setup_py = source.get("setup.py")
        return cls(
            name=fields.get("name", ""),
            version=fields.get("version", ""),
            requires_python=fields.get("requires_python", ""),
            extras=tuple(sorted({canonicalize_name(e) for e in extras if e})),
            scripts={str(k): str(v) for k, v in scripts.items()},
            gui_scripts={str(k): str(v) for k, v in gui_scripts.items()},
            setup_py=setup_py.decode("utf-8", "replace") if setup_py is not None else "",
        )


def _entry_lines(text: str) -> Iterable[tuple[str, str]]:
    for line in text.splitlines():
        name, sep, target = line.partition("=")
        if sep and name.strip():
            yield name.strip(), target.strip()
