"""Derived measures of this area (weight-loss windows, FFMI, MRC sum, equation estimates), the
guarantee that an estimate is never compared with a cut-off made for another quantity, and the
engine's 'no published cut-off for this group' (a cut-off whose value is null)."""

from __future__ import annotations

from typing import Any

import pytest

from myoscope import assess, load_knowledge, parse_record
from myoscope.derive import derive
from myoscope.equations import estimate_note, load_equations
from myoscope.rules.nodes import Compare, Context, Cutoff, Source, conditions_from


def d(**fields: Any) -> dict[str, Any]:
    return derive(parse_record({"sex": "male", **fields}))


def test_weight_loss_beyond_6_months_uses_the_highest_older_weight() -> None:
    out = d(weight=70, weight_history=[{"months_ago": 6, "weight": 72}, {"months_ago": 9, "weight": 78},
                                       {"months_ago": 24, "weight": 80}])
    assert out["weight_loss_percent_beyond_6m"] == 12.5  # from 80 kg, 24 months ago
    assert out["weight_loss_percent_6m"] == 2.78
    assert d(weight=70, weight_history=[{"months_ago": 6, "weight": 72}])["weight_loss_percent_beyond_6m"] is None


def test_weight_loss_documentation_flag() -> None:
    assert d(weight=70)["weight_loss_12m_documented"] is False
    assert d(weight=70, weight_history=[{"months_ago": 13, "weight": 75}])["weight_loss_12m_documented"] is False
    assert d(weight=70, weight_history=[{"months_ago": 12, "weight": 75}])["weight_loss_12m_documented"] is True
    assert d(height=170)["weight_loss_12m_documented"] is None  # no current weight: nothing to say


def test_ffmi_rounded_before_comparison() -> None:
    assert d(height=150, fat_free_mass=38.25)["ffmi"] == 17.0


def test_kyle_estimate_only_without_measured_asm_and_within_the_ages_studied() -> None:
    bia = {"height": 175, "weight": 75, "bia_resistance": 450, "bia_reactance": 55}
    out = d(age=40, **bia)
    assert out["asm_kyle2003"] == 25.7 and out["asmi_kyle2003"] == 8.39
    assert d(age=40, asm=24, asm_method="dxa", **bia)["asm_kyle2003"] is None
    assert d(age=95, **bia)["asm_kyle2003"] is None  # Kyle 2003 studied ages 22-94
    assert d(age=21, **bia)["asm_kyle2003"] is None
    assert d(age=94, **bia)["asm_kyle2003"] is not None


def test_whole_body_estimates_are_reported() -> None:
    out = d(age=40, height=175, weight=75, bia_resistance=450, l3_muscle_area=150, l3_adipose_area=300)
    assert out["smm_janssen2000"] == 33.38
    assert out["smm_percent_weight_janssen2000"] == 44.5
    assert out["ffm_mourtzakis2008"] == 51.06
    assert out["fm_mourtzakis2008"] == 23.8


def test_every_estimate_measure_is_catalogued_and_flagged() -> None:
    kb = load_knowledge()
    for spec in load_equations().values():
        assert spec.source.ref in kb.references
        for measure in spec.feeds:
            assert measure in kb.catalog.derived
            note = estimate_note(measure)
            assert note is not None and spec.scope.replace("_", "-") in note
    assert estimate_note("asm") is None  # a measurement is not an estimate


def _compares(node: Any) -> list[Compare]:
    out = [node] if isinstance(node, Compare) else []
    for child in node.children():
        out += _compares(child)
    return out


def test_an_estimate_is_never_compared_with_a_cutoff_for_another_quantity() -> None:
    """Whole-body estimates are never compared with any cut-off; appendicular estimates only with
    cut-offs whose component is about appendicular muscle mass (ASM or ASM/height²)."""
    kb = load_knowledge()
    scope = {m: spec.scope for spec in load_equations().values() for m in spec.feeds}
    used = 0
    for d_ in kb.definitions.values():
        for node in d_.components.values():
            for cmp_ in _compares(node):
                if cmp_.measure not in scope:
                    continue
                used += 1
                assert scope[cmp_.measure] == "appendicular", f"{d_.id}: {cmp_.label}"
                assert "ASM" in cmp_.label, f"{d_.id}: {cmp_.label} compares an appendicular estimate"
    assert used >= 1  # Evans uses the Kyle estimate


def test_trace_says_when_an_estimate_was_used() -> None:
    a = assess({"sex": "female", "age": 70, "height": 160, "weight": 60, "bia_resistance": 650,
                "bia_reactance": 60}, ["evans2008"])
    entries = [e for e in a.results["evans2008"].trace if e.get("estimate")]
    assert [e["measure"] for e in entries] == ["asmi_kyle2003"]
    assert "is an estimate" in a.detail()  # the full text report shows it as a note


def test_assessment_json_and_text_show_every_instrument() -> None:
    a = assess({"sex": "male", "age": 50, "height": 180, "weight": 80, "bia_resistance": 500,
                "bia_reactance": 60})
    doc, text = a.to_dict(), a.detail()
    assert doc["derived"]["smm_janssen2000"] is not None and doc["derived"]["asm_kyle2003"] is not None
    kb = load_knowledge()
    for def_id in ("glim2019", "fearon2011", "evans2008", "espen_easo2022", "fried2001", "mrc_icuaw",
                   "ct_martin2013", "ct_prado2008"):
        assert doc["results"][def_id]["outcome"] in kb.definition(def_id).vocabulary
        assert kb.definition(def_id).title in text


# --- the engine: a cut-off whose value is null ------------------------------------------------

SRC = Source(ref="test", text="Test 2024")


def ffmi_node() -> Compare:
    return Compare("low FFMI", "ffmi", "<", [
        Cutoff(17, conditions_from({"sex": "male", "asian": False})),
        Cutoff(15, conditions_from({"sex": "female", "asian": False})),
        Cutoff(None, conditions_from({"asian": True})),
    ], SRC, name="low_ffmi")


@pytest.mark.parametrize(("values", "expected", "missing"), [
    ({"sex": "male", "asian": False, "ffmi": 16.9}, True, []),
    ({"sex": "male", "asian": False, "ffmi": 17.0}, False, []),
    ({"sex": "male", "asian": True, "ffmi": 12.0}, None, []),      # no published cut-off
    ({"sex": "male", "ffmi": 18.0}, None, ["asian"]),              # might be Asian: not decided
    ({"sex": "male", "ffmi": 12.0}, None, ["asian"]),
    ({"sex": "male", "asian": True}, None, []),                    # nothing to measure would help
    ({"sex": "male", "asian": False}, None, ["ffmi"]),
])
def test_null_cutoff(values: dict[str, Any], expected: bool | None, missing: list[str]) -> None:
    node = ffmi_node()
    ctx = Context(values)
    assert node.evaluate(ctx) is expected
    assert node.unknown_measures(ctx) == missing
    if values.get("asian") is not False:
        assert any("publishes no cut-off" in n for n in ctx.trace[-1].get("notes", []))
