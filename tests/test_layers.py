"""Imports run one way, bottom to top (see ARCHITECTURE in the developers' docs).

Each module of the package has a layer; a module may import only from its own layer or
below. A cycle dodged by an import inside a function is caught too: function-level
imports of the package are checked against the same order.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "yibao_rules"

# Lower number = lower layer. A module not listed fails the test, so a new module gets a place.
LAYERS: dict[str, int] = {
    "errors": 0,
    "yaml_source": 1,
    "json_source": 1,
    "schema": 1,
    "resources": 1,
    "validation": 2,
    "schema_export": 2,
    "scaffold": 2,
    "calendar": 3,
    "expr": 3,
    "vocabulary": 4,
    "results": 4,
    "compiled": 5,
    "loader": 6,
    "engine": 7,
    "deadlines": 7,
    "screen": 8,
    "notice": 8,
    "render": 9,
    "serialise": 9,
    "fact_reference": 9,
    "rulebook": 10,
    "consistency": 11,
    "diff": 11,
    "cases": 11,
    "engines": 11,
    "batch": 11,
    "testing": 12,
    "cli": 13,
    "server": 13,
    "__init__": 13,
}


def _layer(module: str) -> int:
    top = module.split(".")[0]
    if top not in LAYERS:
        pytest.fail(f"module yibao_rules.{module} has no layer in tests/test_layers.py")
    return LAYERS[top]


def _modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).with_suffix("")
        parts = [p for p in rel.parts if p != "__init__"] or ["__init__"]
        out.append((".".join(parts), path))
    return out


def _imports(tree: ast.Module) -> list[tuple[str, int, bool]]:
    """(imported yibao_rules module, line, inside a function?) for every import."""
    found: list[tuple[str, int, bool]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if isinstance(child, ast.ImportFrom) and child.module and child.module.startswith("yibao_rules"):
                base = child.module.removeprefix("yibao_rules").lstrip(".")
                targets = [f"{base}.{a.name}".strip(".") for a in child.names] if not base else [base]
                found.extend((t, child.lineno, in_function) for t in targets)
            elif isinstance(child, ast.Import):
                for alias in child.names:
                    if alias.name.startswith("yibao_rules."):
                        found.append((alias.name.removeprefix("yibao_rules."), child.lineno, in_function))
            visit(child, inner)

    visit(tree, False)
    return found


@pytest.mark.parametrize(("module", "path"), _modules(), ids=[m for m, _ in _modules()])
def test_imports_run_downward(module: str, path: Path) -> None:
    own = _layer(module)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for target, line, _ in _imports(tree):
        if target.split(".")[0] == module.split(".")[0]:
            continue  # within one package (expr/, engines/, testing/, render/)
        assert _layer(target) <= own, (
            f"{path.name}:{line}: yibao_rules.{module} (layer {own}) imports yibao_rules.{target} "
            f"(layer {_layer(target)}): imports must run downward"
        )


def test_the_layer_order_has_no_cycle_between_engine_and_its_data() -> None:
    """The three modules that used to stand in a circle: loader, engine, rulebook."""
    assert LAYERS["compiled"] < LAYERS["loader"] < LAYERS["engine"] < LAYERS["rulebook"]
    assert LAYERS["calendar"] < LAYERS["loader"]
