"""The shim distribution's own files: ``pyproject.toml``, ``README.md``, METADATA, entry points."""

from __future__ import annotations

import tomlkit

from forktool.shims.model import GENERATED, ShimPlan


def source_files(shim: ShimPlan) -> dict[str, bytes]:
    """The source tree's files: ``pyproject.toml``, ``README.md`` and the packages."""
    return {
        "pyproject.toml": _pyproject(shim).encode(),
        "README.md": _readme(shim).encode(),
        **shim.files,
    }


def _requirement(shim: ShimPlan, extra: str = "") -> str:
    base = shim.fork_distribution + (f"[{extra}]" if extra else "")
    return f"{base}=={shim.fork_version}"


def _description(shim: ShimPlan) -> str:
    names = ", ".join(f"`{old}` is `{new}`" for old, new in shim.packages.items())
    return (
        f"# {shim.distribution} (compatibility shim)\n\n"
        f"{GENERATED}. This is not {shim.distribution}: it makes code written for "
        f"{shim.distribution} run on its fork {shim.fork_distribution} {shim.fork_version} "
        f"({names}). Every old module is the very same module object as the fork's; "
        "nothing is copied. Stubs re-export the fork's types under the old names.\n"
    )


def metadata(shim: ShimPlan) -> str:
    """The wheel's METADATA: name, version, the pinned fork, extras, the description."""
    headers = [
        "Metadata-Version: 2.1",
        f"Name: {shim.distribution}",
        f"Version: {shim.version}",
        f"Summary: Compatibility shim: {shim.distribution} code runs on "
        f"{shim.fork_distribution} {shim.fork_version}",
    ]
    if shim.requires_python:
        headers.append(f"Requires-Python: {shim.requires_python}")
    headers.append(f"Requires-Dist: {_requirement(shim)}")
    for extra in shim.extras:
        headers.append(f"Provides-Extra: {extra}")
        headers.append(f'Requires-Dist: {_requirement(shim, extra)}; extra == "{extra}"')
    headers.append("Description-Content-Type: text/markdown")
    return "\n".join(headers) + "\n\n" + _description(shim)


def entry_points(shim: ShimPlan) -> str:
    """The wheel's ``entry_points.txt`` (console and GUI scripts); "" when there are none."""
    sections = []
    for group, scripts in (("console_scripts", shim.scripts), ("gui_scripts", shim.gui_scripts)):
        if scripts:
            body = "".join(f"{name} = {target}\n" for name, target in sorted(scripts.items()))
            sections.append(f"[{group}]\n{body}")
    return "\n".join(sections)


def _pyproject(shim: ShimPlan) -> str:
    doc = tomlkit.document()
    doc.add(tomlkit.comment(f"{GENERATED}; do not edit. Regenerate it with forktool."))
    doc.add(tomlkit.nl())
    doc["build-system"] = {
        "requires": ["setuptools>=61"],
        "build-backend": "setuptools.build_meta",
    }
    project = tomlkit.table()
    project["name"] = shim.distribution
    project["version"] = shim.version
    project["description"] = (
        f"Compatibility shim: {shim.distribution} code runs on "
        f"{shim.fork_distribution} {shim.fork_version}"
    )
    project["readme"] = "README.md"
    if shim.requires_python:
        project["requires-python"] = shim.requires_python
    project["dependencies"] = [_requirement(shim)]
    if shim.extras:
        project["optional-dependencies"] = {e: [_requirement(shim, e)] for e in shim.extras}
    if shim.scripts:
        project["scripts"] = dict(sorted(shim.scripts.items()))
    if shim.gui_scripts:
        project["gui-scripts"] = dict(sorted(shim.gui_scripts.items()))
    doc["project"] = project
    # the parent folder of each file (str.rpartition: PurePosixPath is slow on 50,000 files)
    packages = sorted({(path.rpartition("/")[0] or ".").replace("/", ".") for path in shim.files})
    doc["tool"] = {
        "setuptools": {
            "packages": packages,
            "include-package-data": False,
            "package-data": {"*": ["*.pyi", "py.typed"]},
        }
    }
    return tomlkit.dumps(doc)


def _readme(shim: ShimPlan) -> str:
    return _description(shim) + (
        "\nInstall it with the fork, and keep the real distribution out (a constraints file "
        f"pinning `{shim.distribution}=={shim.version}`, or a private index): see forktool's "
        "docs/shims.md.\n"
    )
