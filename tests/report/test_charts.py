"""The charts: what each spec draws (the PNGs were looked at; these pin what makes them honest)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest

pytest.importorskip("altair")

import myoscope
from myoscope.registry.changes import PatientSeries, VisitValues, patient_changes
from myoscope.report.cohort_chart import prevalence_chart
from myoscope.report.registry_chart import changes_timeline, timeline_chart
from myoscope.simulate import simulate

EXAMPLES = Path(__file__).parents[2] / "examples"


def _marks(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Every layer (with its mark and data values) of a vconcat/layer/facet spec."""
    out = []
    stack = [spec]
    datasets = spec.get("datasets", {})
    while stack:
        s = stack.pop()
        for key in ("vconcat", "layer", "hconcat"):
            stack += s.get(key, [])
        if "spec" in s:
            stack.append(s["spec"])
        if "mark" in s:
            data = s.get("data", {})
            values = data.get("values") or datasets.get(data.get("name", ""), [])
            out.append({**s, "_values": values})
    return out


def test_prevalence_has_bars_for_indeterminate_and_not_applicable(tmp_path: Path) -> None:
    n = 60
    pl.DataFrame({
        "sex": ["male", "female"] * (n // 2),
        "age": [float(15 + (i * 7) % 80) for i in range(n)],  # some under 18: not applicable
        "grip_strength": [None if i % 3 == 0 else float(10 + i % 30) for i in range(n)],  # some undecided
    }).write_parquet(tmp_path / "c.parquet")
    from myoscope.cohort import run_cohort

    run = run_cohort(tmp_path / "c.parquet", tmp_path / "o.parquet", ["ewgsop2"])
    assert run.summary is not None
    spec = prevalence_chart(run.summary).to_dict()
    values = spec["datasets"][spec["data"]["name"]] if "name" in spec["data"] else spec["data"]["values"]
    shown = {v["outcome"]: v for v in values}
    assert shown["indeterminate"]["count"] > 0 and shown["not applicable"]["count"] > 0
    assert shown["indeterminate"]["kind"] == "indeterminate" and shown["probable sarcopenia"]["kind"] == "verdict"
    assert sum(v["count"] for v in values) == n  # nothing hidden: the bars add up to every row
    assert "<table>" in run._repr_html_() and "indeterminate" in run.summary._repr_html_()


def test_projection_shades_periods_names_the_patient_and_keeps_old_history_out() -> None:
    rec = myoscope.load_records(str(EXAMPLES / "maria_severe.yaml"))[0]
    p = simulate(rec, str(EXAMPLES / "scenarios" / "hospital_bed_rest_then_rehab.yaml"), years=1, draws=50)
    spec = p.chart(max_points=60, patient="example-maria").to_dict()
    assert spec["title"]["text"].startswith("example-maria: ")
    rects = [m for m in _marks(spec) if (m["mark"] if isinstance(m["mark"], str) else m["mark"]["type"]) == "rect"]
    assert rects
    periods = rects[0]["_values"]
    assert {(v["label"], v["kind"]) for v in periods} >= {("bed rest", "state"), ("resistance training", "intervention")}
    old = [h for h in p.history if h.day < -365 / 4]
    assert old and any("not drawn" in line for line in spec["title"]["subtitle"])
    drawn = [v for m in _marks(spec) for v in m["_values"] if "value" in v and ("day" in v or "date" in v)]
    assert all((v.get("day", 0) or 0) >= -365 / 4 for v in drawn)


def test_projection_cutoffs_are_labelled_in_words_one_label_per_line() -> None:
    rec = myoscope.load_records(str(EXAMPLES / "maria_severe.yaml"))[0]
    p = simulate(rec, None, years=1, draws=50,
                 definitions=["ewgsop2", "ewgsop1", "sdoc2020", "fnih2014", "awgs2019"])
    spec = p.chart(max_points=60).to_dict()
    labels = [v["label"] for m in _marks(spec) for v in m["_values"] if "cutoff" in v and "label" in v]
    assert "EWGSOP2, FNIH Sarcopenia Project: under 16 kg (women)" in labels  # same line: one label
    assert "EWGSOP2 (women, DXA or BIA), EWGSOP1 (women, DXA): under 5.5 kg/m2" in labels
    assert "AWGS 2019: under 5.4 kg/m2 (women, DXA)" in labels
    for label in labels:  # never the engine's form
        assert not any(s in label for s in ("==", "None", " < ", "sex", "asm_method", "ewgsop2")), label
    cutoffs = [(v["cutoff"], v["label"]) for m in _marks(spec) for v in m["_values"] if "cutoff" in v]
    assert len({c for c, _ in cutoffs}) == len(set(cutoffs))  # one label per drawn line
    # ageing only: no shaded period, so the legend does not explain one; days end at the horizon
    assert not any("shaded" in line for line in spec["title"]["subtitle"])
    x_scales = [m["encoding"]["x"].get("scale", {}) for m in _marks(spec)
                if m.get("encoding", {}).get("x", {}).get("field") == "day"]
    assert x_scales and all(sc.get("nice") is False for sc in x_scales)


def test_registry_timeline_has_years_cutoffs_mcid_and_alerts() -> None:
    series = PatientSeries(1, "P-9", "female", date(1944, 1, 1), [
        VisitValues(1, date(2025, 1, 10), {"weight": 60.0, "grip_strength": 22.0}),
        VisitValues(2, date(2025, 5, 10), {"weight": 55.8, "grip_strength": 16.0}),
    ])
    changes = patient_changes(series)
    t = changes_timeline(changes)
    grip = [c for c in t.cutoffs if c["measure"].startswith("Grip")]
    assert {c["value"] for c in grip} >= {16.0, 20.0}  # EWGSOP2 and SDOC lines for women
    assert any(b["measure"].startswith("Grip") for b in t.bands)
    assert t.alerts
    spec = timeline_chart(changes).to_dict()
    axes = [m["encoding"]["x"].get("axis", {}).get("format") for m in _marks(spec)
            if m.get("encoding", {}).get("x", {}).get("field") == "date"]
    assert "%b %Y" in axes
