"""The package layout's import rules (docs/architecture.md), checked over the source tree."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

KG = Path(__file__).resolve().parents[1] / "kg"

#: What each part of kg may import from kg (itself always).
ALLOWED: dict[str, set[str]] = {
    "model": set(),
    "sources": {"model"},
    "extract": {"model", "sources", "config"},
    "store": {"model", "isolation", "files"},
    "pipeline": {"model", "sources", "extract", "store", "config", "files"},
    "web": {"model", "sources", "extract", "store", "pipeline", "config", "files", "isolation",
            "docs"},
    "docs": {"model"},
    "config": {"model"},
    "files": set(),
    "isolation": set(),
}


def _part(path: Path) -> str:
    relative = path.relative_to(KG)
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def _imports(path: Path) -> set[str]:
    """The parts of kg a module imports (top-level and inside functions)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "kg" and len(parts) > 1:
                found.add(parts[1])
    return found


MODULES = sorted(p for p in KG.rglob("*.py") if _part(p) in ALLOWED)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(KG)))
def test_each_package_imports_only_what_the_layout_allows(path: Path) -> None:
    part = _part(path)
    modules = {p.stem for p in KG.glob("*.py")} | {p.name for p in KG.iterdir() if p.is_dir()}
    imported = {name for name in _imports(path) if name in modules}
    assert imported - ALLOWED[part] - {part} == set()


def test_every_part_of_kg_has_a_rule() -> None:
    parts = {_part(p) for p in KG.rglob("*.py")} - {"__init__", "__main__", "cli"}
    assert parts - set(ALLOWED) == set(), "a new part of kg needs its rule here and in " \
        "docs/architecture.md"


def test_the_rules_catch_an_import_against_the_flow(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("from kg.web.state import get_kg\nimport kg.store.base\n")
    assert _imports(module) == {"web", "store"}
