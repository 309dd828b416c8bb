"""Every numeric cut-off of the nutrition, cachexia, frailty, ICU and CT definitions: pinned by an
independent transcription (cutoffs_nutrition.yaml) and tested below, at and above."""

from __future__ import annotations

import operator
from pathlib import Path
from typing import Any

import pytest
import yaml

from myoscope import load_knowledge
from myoscope.rules.nodes import Compare, Context, Score

PINS = yaml.safe_load((Path(__file__).parent / "cutoffs_nutrition.yaml").read_text())
OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
KB = load_knowledge()


def _ids(pin: dict[str, Any]) -> str:
    return f"{pin['definition']}.{pin['component']}.{pin['when']}"


def _applies(when: dict[str, Any], cutoff: Any) -> bool:
    ctx = Context(dict(when))
    return all(c.test(ctx) is True for c in cutoff.when)


def _node(pin: dict[str, Any]) -> Compare:
    node = KB.definition(pin["definition"]).components[pin["component"]]
    assert isinstance(node, Compare)
    return node


@pytest.mark.parametrize("pin", PINS["cutoffs"], ids=_ids)
def test_pinned_cutoff_matches_knowledge(pin: dict[str, Any]) -> None:
    node = _node(pin)
    selected = [c for c in node.cutoffs if _applies(pin["when"], c)]
    assert len(selected) == 1, f"{len(selected)} cut-offs apply to {pin['when']}"
    assert selected[0].value == pin["value"]
    assert node.comparator == pin["comparator"]
    assert node.unconfirmed_comparator == pin.get("unsettled")
    assert node.source.ref and str(node.source)


@pytest.mark.parametrize("pin", PINS["cutoffs"], ids=_ids)
@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_below_at_above(pin: dict[str, Any], offset: int) -> None:
    node = _node(pin)
    if pin["value"] is None:  # no published cut-off for this group: never decided
        ctx = Context({**pin["when"], node.measure: 10.0 + offset})
        assert node.evaluate(ctx) is None
        assert "publishes no cut-off" in " ".join(ctx.trace[-1]["notes"])
        return
    precision = KB.catalog.precision_of(node.measure) or 0
    step = 10 ** -max(precision, 2)
    value = round(pin["value"] + offset * step, 9)
    ctx = Context({**pin["when"], node.measure: value})
    expected: bool | None = OPS[pin["comparator"]](value, pin["value"])
    if offset == 0 and pin.get("unsettled"):
        expected = None  # the sources disagree on the comparator: undecided, never guessed
    assert node.evaluate(ctx) is expected


def test_every_numeric_cutoff_is_pinned() -> None:
    for def_id in PINS["definitions"]:
        for name, node in KB.definition(def_id).components.items():
            if not isinstance(node, Compare) or node.comparator == "==":
                continue
            pins = [p for p in PINS["cutoffs"] if p["definition"] == def_id and p["component"] == name]
            for cut in node.cutoffs:
                ok = any(_applies(p["when"], cut) and p["value"] == cut.value for p in pins)
                assert ok, f"{def_id}.{name} cut-off {cut.describe()} {cut.value} is not pinned"


@pytest.mark.parametrize("pin", PINS["scores"], ids=lambda p: f"{p['definition']}.{p['component']}")
def test_score_thresholds(pin: dict[str, Any]) -> None:
    node = KB.definition(pin["definition"]).components[pin["component"]]
    assert isinstance(node, Score)
    assert (node.comparator, node.cutoff) == (pin["comparator"], pin["value"])


def test_every_compare_and_score_is_cited() -> None:
    for def_id in [*PINS["definitions"], "espen_easo2022"]:
        d = KB.definition(def_id)
        assert d.source.ref in KB.references
        for node in d.components.values():
            if isinstance(node, Compare | Score):
                assert node.source.ref in KB.references, f"{def_id}: {node.label}"
                assert node.source.locator, f"{def_id}: {node.label} has no locator"
