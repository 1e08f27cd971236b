"""Documentation text: documents (``.rst``, ``.md``, ``.txt``) and docstrings.

Three sets of rules, applied to the original text together:

1. Python code shown in it (doctests, code blocks) through the Python codemod
   (:mod:`forktool.codemods.docs.code_blocks`);
2. references in the prose around it (:mod:`forktool.codemods.docs.prose`): qualified names,
   imports, Sphinx roles and directives;
3. command lines (:mod:`forktool.codemods.docs.command_lines`): console scripts, ``pip install``.

Prose rules never touch a line of code the codemod analysed. A reStructuredText title
that changes length gets its underline fixed (``flask.app`` / ``~~~~~~~~~``), and a
docstring titled with its own module's bare name (``flask`` / ``~~~~~``) is renamed too.
"""

from __future__ import annotations

from collections.abc import Mapping

from forktool.codemods.docs.code_blocks import CodeRenamer, code_edits
from forktool.codemods.docs.command_lines import script_edits
from forktool.codemods.docs.prose import Edit, apply_edits, reference_edits
from forktool.codemods.names import old_name_needles, rename_module
from forktool.model import RenameMap


def rename_doc(
    text: str,
    rename: RenameMap,
    renamers: Mapping[str, CodeRenamer],
    *,
    module: str | None = None,
) -> str:
    """Rename references in documentation text.

    Args:
        text: a document or a docstring's value.
        rename: the rename map.
        renamers: language -> codemod for code shown in the text (see
            :func:`forktool.codemods.python.codemod.doc_code_renamers`).
        module: for a docstring, its module's dotted name (old namespace); Sphinx roles
            naming a symbol without its module are resolved against it.

    Returns:
        The renamed text; ``text`` itself when nothing changed. Never raises.
    """
    lowered = text.lower()
    if not any(needle in lowered for needle in old_name_needles(rename)):
        return text
    edits, regions = code_edits(text, renamers)
    edits.extend(reference_edits(text, rename, module=module, protected=regions))
    edits.extend(script_edits(text, rename, protected=regions))
    if module is not None:
        edits.extend(_module_title_edits(text, module, rename))
    new = _fix_underlines(text, apply_edits(text, edits))
    return text if new == text else new


_UNDERLINE_CHARS = frozenset("=-~^\"'`#*+:.")


def _is_underline(line: str, title: str) -> bool:
    mark = line.strip()
    return (
        bool(mark and title.strip())
        and mark[0] in _UNDERLINE_CHARS
        and mark == mark[0] * len(mark)
        and len(mark) >= len(title.strip())
    )


def _module_title_edits(text: str, module: str, rename: RenameMap) -> list[Edit]:
    """``flask`` / ``~~~~~`` at the top of the ``flask`` module's docstring."""
    new = rename_module(module, rename)
    if new is None:
        return []
    edits: list[Edit] = []
    offset = 0
    lines = text.split("\n")
    for line, following in zip(lines, lines[1:], strict=False):
        if line.strip() == module and _is_underline(following, line):
            start = offset + line.index(module)
            edits.append((start, start + len(module), new))
        offset += len(line) + 1
    return edits


def _fix_underlines(old: str, new: str) -> str:
    """Resize the underline of every title the rename made longer or shorter."""
    old_lines, new_lines = old.split("\n"), new.split("\n")
    if len(old_lines) != len(new_lines):
        return new
    for index in range(len(new_lines) - 1):
        title, underline = old_lines[index], old_lines[index + 1]
        if new_lines[index] == title or not _is_underline(underline, title):
            continue
        if len(underline.strip()) != len(title.strip()):
            continue  # an underline longer than its title was not measured to fit it
        indent = underline[: len(underline) - len(underline.lstrip())]
        new_lines[index + 1] = indent + underline.strip()[0] * len(new_lines[index].strip())
    return "\n".join(new_lines)
