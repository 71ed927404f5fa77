"""docs/architecture.md draws the modules and their imports: the picture must match the code."""

import ast
import re
from pathlib import Path

import pytest

SOURCE = Path(__file__).parent.parent / "src" / "kg"
DOCUMENT = Path(__file__).parent.parent / "docs" / "architecture.md"
_NODE = re.compile(r'^\s*(\w+)\["([\w.]+)"\]\s*$', re.MULTILINE)
_EDGE = re.compile(r"^\s*(\w+)\s*-->\s*(\w+)\s*$", re.MULTILINE)


def _modules() -> dict[str, Path]:
    """Every module of the package by its name under kg ("web.sparql"), packages left out."""
    return {
        ".".join(path.relative_to(SOURCE).with_suffix("").parts): path
        for path in SOURCE.rglob("*.py")
        if path.name != "__init__.py"
    }


def _imports(path: Path) -> set[str]:
    """The kg modules a module imports, by name under kg, at any place in the module."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("kg."):
            found.add(node.module.removeprefix("kg."))
            found.update(f"{node.module.removeprefix('kg.')}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name.removeprefix("kg.") for a in node.names if a.name.startswith("kg."))
    return found


def _diagram() -> str:
    text = DOCUMENT.read_text(encoding="utf-8")
    (block,) = re.findall(r"```mermaid\n(.*?)```", text, re.DOTALL)
    return block


def test_every_module_is_drawn_once() -> None:
    drawn = [label for _, label in _NODE.findall(_diagram())]
    assert sorted(drawn) == sorted(_modules())


EDGES = [(a, b) for a, b in _EDGE.findall(_diagram())]


@pytest.mark.parametrize(("importer", "imported"), EDGES, ids=[f"{a}->{b}" for a, b in EDGES])
def test_each_arrow_is_an_import(importer: str, imported: str) -> None:
    labels = dict(_NODE.findall(_diagram()))
    module, target = labels[importer], labels[imported]
    assert target in _imports(_modules()[module]), f"{module} does not import kg.{target}"


def test_no_module_imports_itself_in_a_circle() -> None:
    modules = _modules()
    graph = {name: _imports(path) & set(modules) for name, path in modules.items()}
    seen: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(name: str, path: list[str]) -> None:
        seen[name] = 1
        for other in sorted(graph[name]):
            assert seen.get(other) != 1, " -> ".join([*path, name, other])
            if other not in seen:
                visit(other, [*path, name])
        seen[name] = 2

    for name in sorted(graph):
        if name not in seen:
            visit(name, [])
