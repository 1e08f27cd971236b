"""The codemod for documentation files: ``.rst``, ``.md``, ``.txt``.

Prose rules, Sphinx roles and directives, command lines, and the Python code shown in the
document (doctests, code blocks) through the Python codemod; see
:mod:`forktool.codemods.docs.rules`.
"""

from __future__ import annotations

from forktool.codemods.docs.rules import rename_doc
from forktool.codemods.python.codemod import doc_code_renamers
from forktool.model import RenameMap


def rename_document(source: str, rename: RenameMap) -> str:
    """Rename a documentation file's text.

    Args:
        source: the document.
        rename: the rename map.

    Returns:
        The renamed text; ``source`` itself when nothing changed or ``rename.docs`` is
        False. Never raises.
    """
    if not rename.docs:
        return source
    return rename_doc(source, rename, doc_code_renamers(rename, None))
