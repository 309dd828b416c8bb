"""The timeline chart's data: values as assessed, the latest trace's cut-offs, the MCID band."""

from __future__ import annotations

from myoscope.registry.knowledge import load_change_rules
from myoscope.web.accounts import SignedIn
from myoscope.web.patients import Where
from myoscope.web.timeline import timeline, timeline_chart

from .conftest import VISIT, World


def test_cutoffs_come_from_the_latest_trace_and_the_band_from_the_mcid(world: World) -> None:
    from myoscope.pathway import run_pathway

    who = SignedIn(0, "alice", "alice", "clinician", 1, "Clinic A", "x", "x")
    with world.app.state.sessions() as s:
        t = timeline(s, Where(who, None, "r"), world.patient_a)
    result = run_pathway({"sex": "female", "age": 82, **VISIT})
    expected = {(t_["measure"], float(t_["cutoff"]))
                for r in result.results.values() for t_ in r.trace
                if t_.get("measure") == "grip_strength" and isinstance(t_.get("cutoff"), int | float)}
    shown = {c["value"] for c in t.cutoffs if c["measure"].startswith("Grip")}
    assert expected and {v for _, v in expected} == shown
    grip_band = next(b for b in t.bands if b["measure"].startswith("Grip"))
    d = load_change_rules().mcid["grip_strength"].levels[0].value
    assert (grip_band["low"], grip_band["high"]) == (12 - d, 12 + d)
    assert [r["value"] for r in t.values if r["measure"].startswith("Grip")] == [12.0]
    spec = timeline_chart(t).to_dict()
    assert spec["vconcat"] and "MCID" in spec["title"]["subtitle"]
