"""Who each definition was made for (DESIGN §13): children are outside every definition made for
adults, and a record without an age does not establish an age-bounded population (the verdict
stays, with a caveat, and the plan and the alerts do not rest on it)."""

from __future__ import annotations

import pytest

from myoscope import assess, load_knowledge

KB = load_knowledge()
ALL = sorted(KB.definitions)
#: a record that establishes every definition's population except by its age
MEMBER = {"sex": "male", "asian": True, "conditions": ["cancer", "critical_illness"], "setting": "icu"}


def age_bound(def_id: str) -> float | None:
    """The age below which the definition gives no verdict (its ``excludes: {age: {lt: N}}``)."""
    bounds = [c.value for c in KB.definitions[def_id].population.excludes if c.measure == "age" and c.op == "<"]
    return bounds[0] if bounds else None


@pytest.mark.parametrize("def_id", ALL)
def test_every_definition_excludes_children(def_id: str) -> None:
    # every definition in the knowledge base was made for adults or older adults (Evans 2008 too:
    # in children its sign of cachexia is growth failure, which myoscope does not assess)
    bound = age_bound(def_id)
    assert bound is not None and bound >= 18, f"{def_id}: no exclusion of children (population.excludes age < 18)"
    assert assess({**MEMBER, "age": 10}, [def_id]).results[def_id].outcome == "not_applicable"


@pytest.mark.parametrize("def_id", ALL)
def test_every_way_into_the_population_needs_the_age(def_id: str) -> None:
    pop = KB.definitions[def_id].population
    assert pop.established_by, f"{def_id}: an unrecorded age would establish the population"
    for alt in pop.established_by:
        ages = [c for c in alt if c.measure == "age" and c.op == ">="]
        assert ages and ages[0].value >= age_bound(def_id), f"{def_id}: {[str(c) for c in alt]} does not need the age"
    assert "age" in pop.not_established_text, f"{def_id}: the caveat does not name the age"


@pytest.mark.parametrize("def_id", ALL)
def test_an_unrecorded_age_leaves_membership_unknown(def_id: str) -> None:
    known = assess({**MEMBER, "age": 70}, [def_id]).results[def_id]
    unknown = assess(MEMBER, [def_id]).results[def_id]
    assert known.in_population is True
    assert unknown.in_population is None and not unknown.usable
    assert unknown.outcome != "not_applicable"  # unknown is not outside: the verdict stays
