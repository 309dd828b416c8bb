"""The pathway service (assess → work-up → plan) and the import layering it exists for."""

from __future__ import annotations

import ast
from pathlib import Path

import myoscope
from myoscope.assess import Assessment
from myoscope.assess import assess as assess_definitions
from myoscope.pathway import PathwayResult, plan_of, run_pathway, workup_of

SRC = Path(myoscope.__file__).parent
RECORD = {"id": "p1", "sex": "female", "age": 81, "grip_strength": 12, "asm": 12, "asm_method": "dxa",
          "height": 160, "weight": 50, "gait_speed": 0.6}


def _imported(path: Path) -> set[str]:
    """Every myoscope module a source file imports, at any depth of the file (lazy imports too)."""
    pkg = ".".join(path.relative_to(SRC.parent).with_suffix("").parts)
    if path.name == "__init__.py":
        pkg += ".__init__"
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = pkg.split(".")[: -node.level] if node.level else []
            mod = ".".join([*base, *(node.module.split(".") if node.module else [])])
            out.add(mod)
            out.update(f"{mod}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return {m for m in out if m.startswith("myoscope")}


def test_assess_knows_only_definitions() -> None:
    imported = _imported(SRC / "assess.py")
    for above in ("myoscope.plan", "myoscope.workup", "myoscope.pathway"):
        assert not any(m == above or m.startswith(above + ".") for m in imported), (above, imported)


def test_no_service_imports_the_pathway() -> None:
    files = [SRC / "assess.py", *(SRC / "plan").rglob("*.py"), *(SRC / "workup").rglob("*.py"),
             *(SRC / "simulate").rglob("*.py"), *(SRC / "registry").rglob("*.py")]
    for f in files:
        if f.name == "assessing.py":  # the registry stores whole pathway results
            continue
        assert "myoscope.pathway" not in _imported(f), f


def test_pathway_adds_workup_and_plan_to_the_assessment() -> None:
    a = assess_definitions(RECORD)
    p = run_pathway(RECORD)
    assert isinstance(p, PathwayResult) and isinstance(p, Assessment)
    assert "workup" not in a.to_dict() and "plan" not in a.to_dict()
    d = p.to_dict()
    assert {k: v for k, v in d.items() if k not in ("workup", "plan")} == a.to_dict()
    assert p.workup is not None and d["workup"] == p.workup.to_dict()
    assert p.plan is not None and d["plan"] == p.plan.to_dict()
    assert p.detail().startswith(a.detail()) and len(p.detail()) > len(a.detail())
    assert str(p) != p.detail() and str(a).splitlines()[0] == str(p).splitlines()[0]  # summaries


def test_switches_and_shortcuts() -> None:
    off = run_pathway(RECORD, plan=False, cause_workup=False)
    assert off.workup is None and off.plan is None
    assert off.to_dict() == assess_definitions(RECORD).to_dict()
    assert workup_of(RECORD).to_dict() == run_pathway(RECORD).to_dict()["workup"]
    assert plan_of(RECORD).to_dict() == run_pathway(RECORD).to_dict()["plan"]
    assert myoscope.assess is run_pathway
