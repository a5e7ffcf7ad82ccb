"""No module of `scic` imports itself back through another: the graph of every import a
module's source makes (read from the source: module and class level, and inside
functions too — an import put off until a call is still a dependency, and hiding a cycle
in a function is how one creeps back in; only those under `if TYPE_CHECKING:` are left
out, as they never run) has no cycle."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).parent.parent
PACKAGE = ROOT / "scic"


def _module_of(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_of(p): p for p in PACKAGE.rglob("*.py")}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(module: str) -> set[str]:
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for branch in node.orelse:
                visit(branch)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.add(submodule if submodule in MODULES else base)
        for inner in ast.iter_child_nodes(node):
            visit(inner)

    visit(tree)
    return {name for name in found if name in MODULES and name != module}


def cycles() -> list[list[str]]:
    """Every cycle found by a depth-first walk (one per back edge)."""
    graph = {module: sorted(_imports(module)) for module in MODULES}
    found: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def walk(module: str) -> None:
        state[module] = 1
        path.append(module)
        for target in graph[module]:
            if state.get(target) == 1:
                found.append([*path[path.index(target) :], target])
            elif target not in state:
                walk(target)
        path.pop()
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            walk(module)
    return found


def test_the_walk_sees_the_write_side() -> None:
    assert "scic.write.pipeline" in _imports("scic.write.shares")
    assert "scic.write.store" in _imports("scic.write.pipeline")


def test_the_walk_sees_imports_made_inside_a_function() -> None:
    # scic/web/self_service.py imports the statuses of refusals inside one handler
    assert "scic.api.problems" in _imports("scic.web.self_service")


def test_no_module_of_scic_imports_itself_back() -> None:
    found = cycles()
    assert found == [], "\n".join(" → ".join(c) for c in found)
