"""`myoscope plan FILE... [--format text|json|html] [--out FILE]` and the plan in `myoscope assess`."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from myoscope import assess
from myoscope.cli import app

runner = CliRunner()
GOLDEN = Path(__file__).parent / "golden"
RECORD = ("id: cli-1\nsex: female\nage: 78\nheight: 160 cm\nweight: 70 kg\ngrip_strength: 14\n"
          "gait_speed: 0.7\nplan_constraints: {sedentary: true, bed_bound: false, frail: false}\n")


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, "utf-8")
    return p


def test_text(tmp_path: Path) -> None:
    p = write(tmp_path, "r.yaml", RECORD)
    r = runner.invoke(app, ["plan", str(p), "--detail"])
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines[0] == f"myoscope plan: {p} (id cli-1)"
    assert lines[1].startswith("Status: indicated (ewgsop2 probable_sarcopenia")
    assert "  - bed bound: no (plan_constraints.bed_bound = False)" in lines
    assert "  - Protein: at least 84 g/day (at least 28 g at each of 3 meals). Exercising: at least 1.2 g " \
           "protein/kg/day (PROT-AGE); ICFSR conditionally recommends protein supplementation or a " \
           "protein-rich diet for sarcopenia." in lines
    assert "    Calculation: at least 1.2 g/kg × 70 kg = at least 84 g/day; ÷ 3 meals = at least 28 g per meal" in lines
    assert "    Dose: 2–3 times a week; 2–3 sets; 8–12 repetitions; intensity 70–85% of 1RM; effort 7–8 of 10" \
        in lines
    assert "    Source: Dent et al. 2018, abstract: strong recommendation for resistance-based physical " \
           "activity. Evidence: GRADE strong (ICFSR); read: abstract" in lines
    for title in ("Exercise", "Nutrition", "Physiotherapy", "Not recommended (weak or animal-only evidence)",
                  "Goals", "Follow-up"):
        assert title in lines


def test_json(tmp_path: Path) -> None:
    p = write(tmp_path, "r.yaml", RECORD)
    r = runner.invoke(app, ["plan", str(p), "--format", "json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["status"] == "indicated"
    assert d["nutrition"]["protein"]["per_day"] == [84, None] and d["nutrition"]["energy"]["per_day"] == [2100, 2100]
    assert list(d["sections"]) == ["treat_cause", "exercise", "nutrition", "physiotherapy", "not_recommended",
                                   "goals", "follow_up"]
    target = next(i for i in d["sections"]["exercise"] if i["id"] == "ex_resistance_target")
    assert target["dose"]["intensity_pct_1rm"] == [70, 85]
    assert target["citation"]["ref"] == "fragala_2019" and target["evidence"]["read"] == "secondary"
    us = d["sections"]["not_recommended"][0]
    assert us["id"] == "nr_ultrasound" and us["evidence"]["strength"] == "animal_only"


def test_several_files_give_a_list_and_html_to_a_file(tmp_path: Path) -> None:
    a = write(tmp_path, "a.yaml", RECORD)
    b = write(tmp_path, "b.yaml", "- {id: '<b>x</b>', sex: male, age: 40, grip_strength: 45}\n")
    r = runner.invoke(app, ["plan", str(a), str(b), "-f", "json"])
    assert r.exit_code == 0 and [p["status"] for p in json.loads(r.stdout)] == ["indicated", "not_indicated"]
    out = tmp_path / "plan.html"
    r = runner.invoke(app, ["plan", str(a), str(b), "-f", "html", "--out", str(out)])
    assert r.exit_code == 0 and r.stdout == ""
    html = out.read_text("utf-8")
    assert html.startswith("<!DOCTYPE html>") and html.count("<article class=\"plan\"") == 2
    assert '<section id="exercise">' in html and "Calculation: at least 1.2 g/kg × 70 kg = at least 84 g/day" in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html  # autoescaped


def test_errors(tmp_path: Path) -> None:
    p = write(tmp_path, "r.yaml", RECORD)
    r = runner.invoke(app, ["plan", str(p), "-f", "xml"])
    assert r.exit_code == 2 and r.stderr == "Error: unknown format 'xml' (expected text, json, html)\n"
    bad = write(tmp_path, "bad.yaml", "sex: male\nplan_constraints: {egfr: 500, nyha_class: V}\n")
    r = runner.invoke(app, ["plan", str(bad)])
    assert r.exit_code == 2
    assert r.stderr == (f"Error: invalid record {bad} (2 problems):\n"
                        "  - plan_constraints.egfr: 500 is implausible (expected 0–200 mL/min/1.73m2)\n"
                        "  - plan_constraints.nyha_class: 'V' is not one of I, II, III, IV\n")
    r = runner.invoke(app, ["plan", str(p), "--out", str(tmp_path / "missing" / "x.txt")])
    assert r.exit_code == 2 and r.stderr.startswith("Error: --output ") and "does not exist" in r.stderr


def test_golden_records_run_through_the_cli(tmp_path: Path) -> None:
    """Each golden record, as a file, through `myoscope plan -f json` (with the real work-up)."""
    goldens = [yaml.safe_load(p.read_text("utf-8")) for p in sorted(GOLDEN.glob("*.yaml"))]
    files = [write(tmp_path, f"{g['id']}.json", json.dumps(g["record"])) for g in goldens]
    r = runner.invoke(app, ["plan", *map(str, files), "-f", "json"])
    assert r.exit_code == 0, r.output
    plans = json.loads(r.stdout)
    assert len(plans) == 8
    for g, plan in zip(goldens, plans, strict=True):
        assert plan["status"] == g["expect"]["status"]
        for kind, e in g["expect"].get("nutrition", {}).items():
            assert (plan["nutrition"].get(kind) or {}).get("rule") == (e or {}).get("rule"), (g["id"], kind)


def test_assess_carries_the_plan() -> None:
    rec = {"id": "x", "sex": "female", "age": 78, "height": 160, "weight": 70, "grip_strength": 14, "gait_speed": 0.7}
    a = assess(rec)
    assert a.plan is not None and a.to_dict()["plan"]["status"] == "indicated"
    text = a.detail()
    assert "\nPlan: indicated (" in text
    assert "    - Progressive resistance training of the major muscle groups. [Dent et al. 2018; GRADE strong (ICFSR)]" \
        in text
    assert "  Full plan with doses, calculations, sources and assumptions: myoscope plan FILE" in text
    assert "plan" not in assess(rec, plan=False).to_dict()
