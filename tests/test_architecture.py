"""docs/architecture.md's import rules hold in the code: every layer imports only the
layers its table row allows."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import forktool

DOC = Path(__file__).resolve().parent.parent / "docs" / "architecture.md"
PACKAGE = Path(forktool.__file__).parent


def _rules() -> dict[str, set[str]]:
    """layer -> the layers it may import, from the table (rows listed bottom to top)."""
    rows = re.findall(r"^\| `(\w+)` \| .* \| (.+) \|$", DOC.read_text(encoding="utf-8"), re.M)
    order = [layer for layer, _ in rows]
    rules: dict[str, set[str]] = {}
    for index, (layer, allowed) in enumerate(rows):
        below = set(order[:index])
        if allowed == "—":
            rules[layer] = set()
        elif allowed == "everything":
            rules[layer] = set(order)
        elif allowed.startswith("everything above"):
            rules[layer] = below - set(re.findall(r"`(\w+)`", allowed))
        else:
            rules[layer] = set(re.findall(r"`(\w+)`", allowed))
            assert rules[layer] <= below, f"{layer} may only import layers listed before it"
    return rules


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "forktool"


def _imports(path: Path) -> set[str]:
    """Every forktool module ``path`` imports, at any depth of its code."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("forktool.")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "forktool":
                found |= {f"forktool.{a.name}" for a in node.names if a.name != "__version__"}
            elif node.module.startswith("forktool."):
                found.add(node.module)
    return found


def test_the_table_names_every_layer_of_the_package() -> None:
    rules = _rules()
    on_disk = {p.stem if p.is_file() else p.name for p in PACKAGE.iterdir()} - {
        "__init__",
        "__main__",
        "__pycache__",
        "patchapi",  # the users' import path, a re-export of patches/api.py
        "py",
    }
    on_disk = {name for name in on_disk if not name.endswith((".typed", ".pyc"))}
    assert on_disk == set(rules)


def test_every_import_points_the_way_the_table_says() -> None:
    rules = _rules()
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        source = _layer(module)
        if source not in rules:
            continue
        for target in sorted(_imports(path)):
            layer = _layer(target)
            if layer != source and layer not in rules[source]:
                wrong.append(f"{module} imports {target}")
    assert not wrong, "\n".join(wrong)
