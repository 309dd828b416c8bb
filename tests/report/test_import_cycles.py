"""No import circle among myoscope's modules (module-level imports; lazy imports inside functions
are how results reach their renderers in :mod:`myoscope.report`, and are allowed)."""

from __future__ import annotations

import ast
from pathlib import Path

import myoscope

ROOT = Path(myoscope.__file__).parent


def _modules() -> dict[str, tuple[Path, bool]]:
    out = {}
    for p in ROOT.rglob("*.py"):
        parts = list(p.relative_to(ROOT.parent).with_suffix("").parts)
        is_pkg = parts[-1] == "__init__"
        out[".".join(parts[:-1] if is_pkg else parts)] = (p, is_pkg)
    return out


def _top_level_imports(name: str, path: Path, is_pkg: bool, known: set[str]) -> set[str]:
    pkg = name if is_pkg else name.rsplit(".", 1)[0]
    deps: set[str] = set()

    def visit(node: ast.AST) -> None:
        for ch in ast.iter_child_nodes(node):
            if isinstance(ch, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                continue  # lazy: runs when called, not when imported
            if isinstance(ch, ast.If) and "TYPE_CHECKING" in ast.unparse(ch.test):
                continue
            if isinstance(ch, ast.ImportFrom):
                base = pkg.split(".")[: len(pkg.split(".")) - (ch.level - 1)] if ch.level else []
                mod = ".".join([*base, *([ch.module] if ch.module else [])])
                for a in ch.names:
                    sub = f"{mod}.{a.name}"
                    deps.add(sub if sub in known else mod)
            elif isinstance(ch, ast.Import):
                deps.update(a.name for a in ch.names)
            visit(ch)

    visit(ast.parse(path.read_text("utf-8")))
    return {d for d in deps if d in known and d != name}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def strong(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            strong(v)
    return found


def test_no_import_cycles() -> None:
    mods = _modules()
    graph = {n: _top_level_imports(n, p, pkg, set(mods)) for n, (p, pkg) in mods.items()}
    assert graph["myoscope.report.plan"] >= {"myoscope.plan.result"}  # the walk sees real edges
    assert _cycles(graph) == []


def test_the_detector_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_results_do_not_import_their_renderers_at_module_level() -> None:
    mods = _modules()
    for result in ("myoscope.plan.result", "myoscope.workup.result", "myoscope.simulate.projection",
                   "myoscope.assess", "myoscope.pathway"):
        path, pkg = mods[result]
        deps = _top_level_imports(result, path, pkg, set(mods))
        assert not any(d.startswith("myoscope.report") for d in deps), result
