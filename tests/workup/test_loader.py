"""The causes loader refuses uncited, unknown or dangling knowledge (non-negotiable 1)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from myoscope.errors import KnowledgeError
from myoscope.workup.loader import REQUIRED_CAUSES, workup_knowledge

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
REAL: dict[str, Any] = yaml.load(
    resources.files("myoscope.knowledge").joinpath("causes.yaml").read_text("utf-8"), Loader=_LOADER)


def load_with(tmp_path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    doc = copy.deepcopy(REAL)
    change(doc)
    path = tmp_path / "causes.yaml"
    path.write_text(yaml.dump(doc, Dumper=_DUMPER, allow_unicode=True), "utf-8")
    workup_knowledge(path)


def test_the_embedded_knowledge_loads_with_every_required_cause() -> None:
    wk = workup_knowledge()
    assert set(REQUIRED_CAUSES) <= set(wk.spec.causes)
    assert all(c.supports and c.tests for c in wk.spec.causes.values())


def test_every_item_cites_a_known_reference() -> None:
    wk = workup_knowledge()
    spec = wk.spec
    cited = [f.source.ref for f in spec.findings.values()] + [t.source.ref for t in spec.tests.values()]
    cited += [r.source.ref for r in spec.red_flags.values()] + [c.source.ref for c in spec.criteria.values()]
    for cause in spec.causes.values():
        cited += [cause.source.ref, cause.course_source.ref, cause.reversible_source.ref]
        cited += [link.ref for link in (*cause.supports, *cause.against)] + [t.ref for t in cause.tests]
        cited += [cause.support_rule.source.ref] if cause.support_rule else []
    assert cited and set(cited) <= set(wk.references)


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["findings"]["fasciculations"].pop("source"), "findings.fasciculations.source: Field required"),
    (lambda d: d["causes"]["als"]["for"][0].pop("ref"), "causes.als.for.0.ref: Field required"),
    (lambda d: d["causes"]["als"]["for"][0].update(at=""), "causes.als.for.0.at: String should have at least 1"),
    (lambda d: d["red_flags"]["bulbar_symptoms"].pop("source"), "red_flags.bulbar_symptoms.source: Field required"),
    (lambda d: d["tests"]["ck"].pop("source"), "tests.ck.source: Field required"),
    (lambda d: d["causes"]["als"].pop("reversible_source"), "causes.als.reversible_source: Field required"),
    (lambda d: d["causes"]["als"]["for"][0].update(ref="nobody_2099"), "unknown reference 'nobody_2099'"),
    (lambda d: d["causes"]["als"]["support"].pop("source"), "causes.als.support.source: Field required"),
    (lambda d: d["causes"]["als"]["support"]["source"].update(ref="nobody_2099"),
     "causes.als.support.source: unknown reference 'nobody_2099'"),
])
def test_refuses_an_uncited_item(tmp_path: Path, change: Callable[[dict[str, Any]], None], message: str) -> None:
    with pytest.raises(KnowledgeError, match=r"causes\.yaml") as err:
        load_with(tmp_path, change)
    assert message in str(err.value)


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["findings"]["fasciculations"].update(colour="red"), "findings.fasciculations.colour: Extra inputs"),
    (lambda d: d["causes"]["als"].update(probability=0.3), "causes.als.probability: Extra inputs"),
    (lambda d: d.update(extra_section=1), "extra_section: Extra inputs"),
    (lambda d: d["causes"]["als"]["for"][0].update(weight=9), "less than or equal to 4"),
    (lambda d: d["red_flags"]["bulbar_symptoms"].update(urgency="whenever"), "red_flags.bulbar_symptoms.urgency"),
])
def test_refuses_unknown_keys_and_values(tmp_path: Path, change: Callable[[dict[str, Any]], None],
                                         message: str) -> None:
    with pytest.raises(KnowledgeError) as err:
        load_with(tmp_path, change)
    assert message in str(err.value)


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["causes"].pop("als"), "missing required cause(s) ['als']"),
    (lambda d: d["causes"]["als"]["for"][0].update(finding="telepathy"), "unknown finding 'telepathy'"),
    (lambda d: d["causes"]["als"]["tests"][0].update(test="x_ray_vision"), "unknown test 'x_ray_vision'"),
    (lambda d: d["causes"]["als"]["support"].update(when={"finding": "telepathy"}),
     "causes.als.support: unknown finding 'telepathy'"),
    (lambda d: d["findings"]["fasciculations"].update(when={"fact": "history.symptoms.hiccups", "is": True}),
     "unknown history field 'history.symptoms.hiccups'"),
    (lambda d: d["findings"]["fasciculations"].update(when={"fact": "shoe_size", "gt": 40}),
     "unknown fact 'shoe_size'"),
    (lambda d: d["findings"]["fasciculations"].update(when={"fact": "age", "between": [1, 2]}),
     "a fact test needs exactly one of"),
    (lambda d: d["findings"]["ewgsop2_low_strength"].update(when={"fact": "result.ewgsop2", "is": "mild"}),
     "unknown outcome(s) ['mild']"),
    (lambda d: d["questions"].pop("history.symptoms.cramps"), "no question for 'history.symptoms.cramps'"),
    (lambda d: d["findings"].update(orphan={"text": "x", "patient": "x", "when": {"fact": "age", "gt": 1},
                                            "source": {"ref": "janssen_2000", "locator": "abstract"}}),
     "defined but never used: ['orphan']"),
])
def test_refuses_dangling_references(tmp_path: Path, change: Callable[[dict[str, Any]], None],
                                     message: str) -> None:
    with pytest.raises(KnowledgeError) as err:
        load_with(tmp_path, change)
    assert message in str(err.value)


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["causes"]["als"].update(diagnosed_by="has_nothing"),
     "causes.als.diagnosed_by: unknown finding 'has_nothing'"),
    (lambda d: d["causes"]["als"].pop("diagnosed_by"),
     "causes.als.tests: a test that confirms the diagnosis needs diagnosed_by"),
])
def test_refuses_a_confirming_test_without_a_known_diagnosis_finding(
        tmp_path: Path, change: Callable[[dict[str, Any]], None], message: str) -> None:
    with pytest.raises(KnowledgeError) as err:
        load_with(tmp_path, change)
    assert message in str(err.value)


def test_emergencies_that_say_now_are_listed_before_those_that_say_today() -> None:
    """The work-up sorts flags by urgency only, so within one urgency the file's order is the
    order a patient reads: "call an ambulance now" was printed after "get help today"
    (review 2026-12-07)."""
    flags = workup_knowledge().spec.red_flags.values()
    actions = [f.patient_action or "" for f in flags if f.urgency == "emergency"]
    now = [i for i, a in enumerate(actions) if " now" in a]
    today = [i for i, a in enumerate(actions) if " today" in a]
    assert now and today and max(now) < min(today), actions
