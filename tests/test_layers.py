"""The layer order (docs/design.md "Layers"): no module imports a package above its own.

Imports are read with :mod:`ast` (top-level and inside functions alike), so a lazy
``import`` inside a function counts: it is still a dependency. The package map in
``docs/design.md`` must list exactly the packages that exist, in the same layers as here.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

#: lowest first; a module may import its own layer and any layer below, never above
LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"errors", "sql", "checks", "period", "catalogue", "geo"}),
    frozenset({"hub", "registry", "engine"}),
    frozenset({"privacy"}),
    frozenset({"analysis", "viz"}),
    frozenset({"products"}),
    frozenset({"dashboard_data", "notify"}),
    frozenset({"commands", "portal", "demo", "dashboards"}),
    frozenset({"cli", "__main__"}),
)


def layer_of(package: str) -> int:
    for i, layer in enumerate(LAYERS):
        if package in layer:
            return i
    raise KeyError(package)


def package_of(path: Path, root: Path) -> str:
    """``workbench/hub/ingest.py`` → ``hub``; ``workbench/cli.py`` → ``cli``; ``dashboards/x.py`` → ``dashboards``."""
    rel = path.relative_to(root)
    if rel.parts[0] == "dashboards":
        return "dashboards"
    return rel.parts[1] if len(rel.parts) > 2 else rel.with_suffix("").parts[1]


def imported_packages(path: Path, root: Path) -> set[tuple[str, int]]:
    """The workbench packages a file imports, with the line, resolving relative imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    rel = path.relative_to(root).with_suffix("")
    here = list(rel.parts[:-1]) if rel.name != "__init__" else list(rel.parts[:-1])
    found = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - (node.level - 1)]
                names = [".".join(base + ([node.module] if node.module else []))]
            else:
                names = [node.module or ""]
            if names == ["workbench"]:
                names = [f"workbench.{a.name}" for a in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "workbench" and len(parts) > 1:
                found.add((parts[1], node.lineno))
            elif parts[0] == "dashboards":
                found.add(("dashboards", node.lineno))
    return found


def upward_imports(root: Path) -> list[str]:
    """Every import of a higher layer under ``root`` (a repository: workbench/, dashboards/)."""
    bad = []
    files = sorted((root / "workbench").rglob("*.py")) + sorted((root / "dashboards").rglob("*.py"))
    for path in files:
        if path == root / "workbench" / "__init__.py":
            continue
        mine = package_of(path, root)
        for target, line in sorted(imported_packages(path, root)):
            if target == mine:
                continue
            if layer_of(target) > layer_of(mine):
                bad.append(f"{path.relative_to(root)}:{line}: {mine} (layer {layer_of(mine)}) imports "
                           f"{target} (layer {layer_of(target)})")
    return bad


def existing_packages(root: Path = REPO) -> set[str]:
    wb = root / "workbench"
    found = {p.name for p in wb.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    found |= {p.stem for p in wb.glob("*.py") if p.stem != "__init__"}
    return found | {"dashboards"}


def test_every_package_has_a_layer():
    missing = sorted(existing_packages() - set().union(*LAYERS))
    assert not missing, f"add these to LAYERS here and to docs/design.md: {missing}"


def test_no_module_imports_upward():
    bad = upward_imports(REPO)
    assert not bad, "upward imports (move the code down, or the caller up):\n" + "\n".join(bad)


def test_the_check_finds_a_planted_upward_import(tmp_path):
    """The checker itself: a library module importing the CLI (lazily, inside a function) is found."""
    for pkg in ("workbench", "workbench/hub", "dashboards"):
        (tmp_path / pkg).mkdir(parents=True, exist_ok=True)
        (tmp_path / pkg / "__init__.py").write_text("")
    (tmp_path / "workbench" / "cli.py").write_text("from workbench.hub import ingest\n")
    (tmp_path / "workbench" / "hub" / "ingest.py").write_text(
        "def f():\n    from workbench.cli import main\n    from .. import commands\n")
    bad = upward_imports(tmp_path)
    assert bad == ["workbench/hub/ingest.py:2: hub (layer 1) imports cli (layer 7)",
                   "workbench/hub/ingest.py:3: hub (layer 1) imports commands (layer 6)"]


def _design_map() -> dict[str, int]:
    """``docs/design.md``'s package map: package → layer number (the table's "layer" column)."""
    text = (REPO / "docs" / "design.md").read_text(encoding="utf-8")
    section = text.split("## Package map", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\|\s*(\d+)\s*\|\s*`([^`]+)`", section, flags=re.M)
    assert rows, "docs/design.md has no package map table"
    return {name.strip("/").removesuffix(".py"): int(layer) for layer, name in rows}


def test_design_package_map_lists_the_packages_that_exist():
    listed = set(_design_map())
    assert listed == existing_packages(), (
        f"docs/design.md package map: missing {sorted(existing_packages() - listed)}, "
        f"lists what is gone {sorted(listed - existing_packages())}")


@pytest.mark.parametrize("package", sorted(existing_packages()))
def test_design_package_map_gives_each_package_its_layer(package):
    assert _design_map().get(package) == layer_of(package)
