"""Every definition the plan can see says which of its outcomes is a finding.

A definition missing from ``findings`` (knowledge/interventions.yaml) would have its positive
verdicts read as decided negatives, and a plan could be called not indicated: so a new
definition file must come with its findings line (AWGS 2025 did).
"""

from __future__ import annotations

from myoscope import load_knowledge
from myoscope.plan import PlanInputs, build_plan, load_plan_knowledge


def test_every_definition_has_a_findings_entry_within_its_vocabulary() -> None:
    findings = load_plan_knowledge().spec.findings
    for d in load_knowledge().definitions.values():
        if d.variant_of:
            continue  # variants are assessed on request only
        assert d.id in findings, f"interventions.yaml findings lacks {d.id}"
        assert set(findings[d.id]) <= set(d.vocabulary), d.id


def test_intermediate_outcomes_are_in_their_vocabulary_and_not_findings() -> None:
    spec = load_plan_knowledge().spec
    definitions = load_knowledge().definitions
    assert spec.intermediate["fried2001"] == ["prefrail"]
    for d, outs in spec.intermediate.items():
        assert set(outs) <= set(definitions[d].vocabulary), d
        assert not set(outs) & set(spec.findings[d]), d


def test_awgs2025_sarcopenia_alone_indicates_a_plan_and_at_risk_does_not() -> None:
    base = {"sex": "male", "age": 70}
    sick = build_plan(PlanInputs(values=base, outcomes={"awgs2025": "sarcopenia"},
                                 decided={"awgs2025": True}))
    assert sick.status == "indicated" and "awgs2025 sarcopenia" in sick.reason
    well = build_plan(PlanInputs(values=base, outcomes={"awgs2025": "at_risk"}, decided={"awgs2025": True}))
    assert well.status == "not_indicated"
