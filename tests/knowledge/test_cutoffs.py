"""Every cut-off pinned by an independent transcription, and tested below, at and above it."""

from __future__ import annotations

import operator
from pathlib import Path
from typing import Any

import pytest
import yaml

from myoscope import load_knowledge
from myoscope.rules.nodes import Compare, Context, Score

PINS = yaml.safe_load((Path(__file__).parent.parent / "golden" / "cutoffs.yaml").read_text())
OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
KB = load_knowledge()


def _matches(cond_when: dict[str, Any], cutoff: Any) -> bool:
    """Does the knowledge cut-off apply to a record with the pinned ``when`` values?"""
    ctx = Context(dict(cond_when))
    return all(c.test(ctx) is True for c in cutoff.when)


def _node(pin: dict[str, Any]) -> Compare:
    node = KB.definition(pin["definition"]).components[pin["component"]]
    assert isinstance(node, Compare)
    return node


@pytest.mark.parametrize("pin", PINS["cutoffs"], ids=lambda p: f"{p['definition']}.{p['component']}.{p['when']}")
def test_pinned_cutoff_matches_knowledge(pin: dict[str, Any]) -> None:
    node = _node(pin)
    selected = next(c for c in node.cutoffs if _matches(pin["when"], c))
    assert selected.value == pin["value"]
    assert node.comparator == pin["comparator"]
    assert node.unconfirmed_comparator == pin.get("unsettled")
    assert node.source.ref and str(node.source)


@pytest.mark.parametrize("pin", PINS["cutoffs"], ids=lambda p: f"{p['definition']}.{p['component']}.{p['when']}")
@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_below_at_above(pin: dict[str, Any], offset: int) -> None:
    node = _node(pin)
    if pin["value"] is None:  # no verified cut-off for this group: unknown at any value
        assert node.evaluate(Context({**pin["when"], node.measure: 0.5})) is None
        return
    precision = KB.catalog.precision_of(node.measure) or 0
    step = 10 ** -max(precision, 2)
    value = round(pin["value"] + offset * step, 6)
    ctx = Context({**pin["when"], node.measure: value})
    expected: bool | None = OPS[pin["comparator"]](value, pin["value"])
    if offset == 0 and pin.get("unsettled"):
        expected = None  # the sources disagree on < vs <=: undecided, never guessed
    assert node.evaluate(ctx) is expected


def test_every_cutoff_of_a_pinned_definition_is_pinned() -> None:
    for def_id in PINS["definitions"]:
        d = KB.definition(def_id)
        for name, node in d.components.items():
            if not isinstance(node, Compare) or node.measure == "walk_400m_completed":
                continue
            pins = [p for p in PINS["cutoffs"] if p["definition"] == def_id and p["component"] == name]
            for cut in node.cutoffs:
                ok = any(_matches(p["when"], cut) and p["value"] == cut.value for p in pins)
                assert ok, f"{def_id}.{name} cut-off {cut.describe()} {cut.value} is not pinned"


@pytest.mark.parametrize("pin", PINS["scores"], ids=lambda p: p["definition"])
def test_score_thresholds(pin: dict[str, Any]) -> None:
    node = KB.definition(pin["definition"]).components[pin["component"]]
    assert isinstance(node, Score)
    assert (node.comparator, node.cutoff) == (pin["comparator"], pin["value"])


@pytest.mark.parametrize("total", [3, 4, 5])
def test_sarc_f_total_below_at_above(total: int) -> None:
    from myoscope import assess
    items = ["strength", "assistance_walking", "rise_from_chair", "climb_stairs", "falls"]
    answers = {i: 0 for i in items}
    for k in range(total):
        answers[items[k % 5]] += 1
    r = assess({"sex": "male", "sarc_f": answers}, ["sarc_f"]).results["sarc_f"]
    assert r.outcome == ("positive" if total >= 4 else "negative") and r.decided
