"""Which of the project's modules a module really imports, read from the source.

One answer for three questions that used to be answered by hand, and drifted: the code
files a DVC stage depends on (``tests/unit/test_architecture.py`` checks dvc.yaml against
:func:`stage_files`), the modules whose code keys the per-document cache
(:func:`pipeline.run.runner.version_key`), and whether the modules import each other in a
circle or a stage reaches training code (the same test).

Static: every ``import pipeline…`` / ``from pipeline… import`` / relative import in a
module's source counts, at any depth (a function-level import runs when the function
does), so nothing is imported to answer. Pure; standard library only.
"""

from __future__ import annotations

import ast
from functools import cache, lru_cache
from pathlib import Path

__all__ = ["closure", "cycles", "imports_of", "module_file", "modules", "stage_files"]

PACKAGE = "pipeline"
ROOT = Path(__file__).resolve().parent


@lru_cache(maxsize=1)
def modules() -> dict[str, Path]:
    """Every module of the package: dotted name → source file (``pipeline.views`` →
    ``pipeline/views/__init__.py``)."""
    out: dict[str, Path] = {}
    for f in sorted(ROOT.rglob("*.py")):
        parts = (PACKAGE, *f.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = f
    return out


def module_file(name: str) -> Path:
    return modules()[name]


@cache
def imports_of(name: str) -> frozenset[str]:
    """The project modules ``name``'s source imports (itself excluded)."""
    mods = modules()
    path = mods[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names)  # "from pipeline import contract"
    # a submodule's import runs its packages' __init__ too
    with_parents = {".".join(m.split(".")[:i]) for m in found for i in range(1, m.count(".") + 2)}
    return frozenset(m for m in with_parents if m in mods and m != name)


def closure(names: list[str] | tuple[str, ...]) -> list[str]:
    """``names`` and every project module they import, directly or not, sorted."""
    seen: set[str] = set()
    stack = list(names)
    while stack:
        m = stack.pop()
        if m not in seen:
            seen.add(m)
            stack.extend(imports_of(m))
    return sorted(seen)


def stage_files(module: str) -> list[Path]:
    """The source files a stage's module runs: its own and those it imports."""
    return [module_file(m) for m in closure([module])]


def cycles() -> list[list[str]]:
    """The import cycles among the project's modules (each a strongly connected group of
    more than one module, sorted), by Tarjan's algorithm."""
    mods = sorted(modules())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(imports_of(v)):
            if v.startswith(w + "."):
                continue  # a submodule and its own package: Python runs the package first, no circle
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    for v in mods:
        if v not in index:
            visit(v)
    return sorted(out)
