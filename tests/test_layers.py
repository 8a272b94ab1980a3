"""The tree is the architecture: layers import downwards only, no loops, one engine seam.

Read from the source with ``ast`` (nothing is imported), so a violation fails here with
the file and the import that breaks the rule, whether or not the code path ever runs.
Imports under ``if TYPE_CHECKING:`` count too: a loop of types is still a loop.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SERVER = Path(__file__).resolve().parent.parent / "server"
LEAVES = {"config", "errors", "formats", "urls", "namespaces"}
LAYERS = ("kg", "engine", "views", "web", "cli")
ALLOWED = {  # layer → the layers it may import (besides itself and the leaves)
    "leaf": set(),
    "engine": set(),
    "kg": {"engine"},
    "views": {"engine"},
    "web": {"views", "engine", "kg"},
    "cli": {"kg", "web", "engine"},
    "face": {"cli"},
}
ENGINE_ONLY = ("pyoxigraph",)
"""Backend libraries only the engine (and formats.py, for the engine's format constants) may import."""


def module_name(path: Path) -> str:
    parts = path.relative_to(SERVER.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(SERVER.rglob("*.py"))}


def layer_of(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1 or parts[1] == "__main__":
        return "face"
    if parts[1] in LEAVES:
        return "leaf"
    if parts[1] in LAYERS:
        return parts[1]
    raise AssertionError(f"{module} is in no layer: put it in one of {LAYERS} or make it a leaf")


def imports(module: str) -> list[tuple[str, int]]:
    """(imported module, line) for every import in a module, relative ones resolved."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            found.append((base, node.lineno))
            found += [
                (f"{base}.{alias.name}", node.lineno) for alias in node.names if f"{base}.{alias.name}" in MODULES
            ]
    return found


def internal_imports(module: str) -> set[str]:
    """The project modules a module imports (a package import counts as its __init__)."""
    return {name for name, _ in imports(module) if name in MODULES and name != module}


def is_blueprint(module: str) -> bool:
    return "blueprint = Blueprint(" in MODULES[module].read_text(encoding="utf-8")


def test_only_leaves_and_the_face_sit_at_the_top() -> None:
    top = sorted(path.stem for path in SERVER.glob("*.py"))
    assert set(top) == LEAVES | {"__init__", "__main__"}, "a module at server/ that is no leaf belongs in a layer"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_go_downwards_only(module: str) -> None:
    own = layer_of(module)
    upward = [
        (name, line)
        for name, line in imports(module)
        if name in MODULES
        and layer_of(name) not in (own, "leaf")
        and layer_of(name) not in ALLOWED[own]
        and not (own == "leaf" and layer_of(name) == "leaf")
    ]
    assert not upward, f"{module} ({own}) imports above or across its layer: {upward}"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if layer_of(m) == "leaf"))
def test_leaves_import_only_leaves(module: str) -> None:
    others = [name for name in internal_imports(module) if layer_of(name) != "leaf"]
    assert not others, f"{module} is a leaf and may import only other leaves: {others}"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.startswith("server.web.") and is_blueprint(m)))
def test_no_blueprint_imports_another(module: str) -> None:
    others = [name for name in internal_imports(module) if is_blueprint(name)]
    assert not others, f"blueprint {module} imports blueprint(s) {others}: share code through a web helper"


def test_no_import_loops() -> None:
    graph = {module: internal_imports(module) for module in MODULES}
    loops = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                loops.append(path[path.index(target) :] + [target])
            elif target not in state:
                visit(target, [*path, target])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert not loops, "import loops: " + "; ".join(" → ".join(loop) for loop in loops)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_only_the_engine_imports_its_backend(module: str) -> None:
    if layer_of(module) == "engine" or module == "server.formats":
        return
    backend = [(name, line) for name, line in imports(module) if name.split(".")[0] in ENGINE_ONLY]
    assert not backend, f"{module} imports the engine's backend directly: {backend}; go through server.engine"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if layer_of(m) != "cli"))
def test_only_the_command_line_prints_or_exits(module: str) -> None:
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    calls = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Name) and node.func.id in ("print", "exit"))
            or (isinstance(node.func, ast.Attribute) and ast.unparse(node.func) == "sys.exit")
        )
    ]
    assert not calls, f"{module} prints or exits at line(s) {calls}: only server.cli may"


def test_the_rules_are_checked_on_something() -> None:
    """Guard: the walk finds every layer, so the rules above cannot pass on an empty tree."""
    assert {layer_of(module) for module in MODULES} == {"leaf", "face", *LAYERS}
    assert len(MODULES) > 40


def documented_modules() -> dict[str, set[str]]:
    """Module file names listed in docs/architecture.md, per package section ('' for the top)."""
    text = (SERVER.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    sections: dict[str, set[str]] = {}
    package = None
    for line in text.splitlines():
        heading = re.match(r"^`(\w+)/`:", line)
        if heading or line.startswith("Top ("):
            package = heading.group(1) if heading else ""
        elif line.startswith("## "):
            package = None
        elif package is not None and line.startswith("| `"):
            sections.setdefault(package, set()).add(line.split("`")[1])
    return sections


@pytest.mark.parametrize("module", sorted(m for m in MODULES if MODULES[m].name != "__init__.py" or m == "server"))
def test_architecture_page_names_every_module(module: str) -> None:
    path = MODULES[module].relative_to(SERVER)
    package = path.parent.as_posix() if path.parent.as_posix() != "." else ""
    assert path.name in documented_modules().get(package, set()), f"docs/architecture.md does not describe {path}"
