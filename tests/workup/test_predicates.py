"""Three-valued predicates: truth tables, and which missing facts keep a predicate unknown."""

from __future__ import annotations

from typing import Any

import pytest

from myoscope.workup.predicates import Outcome, PredicateError, compile_predicate


def ev(spec: dict[str, Any], facts: dict[str, Any]) -> Outcome:
    def no_findings(fid: str) -> Outcome:
        raise AssertionError(fid)

    return compile_predicate(spec).evaluate(facts, no_findings)


@pytest.mark.parametrize(("facts", "expected"), [
    ({"age": 50}, (True, ())), ({"age": 49.9}, (False, ())), ({}, (None, ("age",))),
])
def test_numeric_comparison_missing_is_unknown_never_false(facts: dict[str, Any], expected: Outcome) -> None:
    assert ev({"fact": "age", "ge": 50}, facts) == expected


@pytest.mark.parametrize(("value", "present", "absent"), [
    (True, True, False), (["cervical"], True, False), ([], False, True), (None, None, None),
])
def test_present_on_regions(value: Any, present: bool | None, absent: bool | None) -> None:
    facts = {} if value is None else {"r": value}
    assert ev({"fact": "r", "present": True}, facts)[0] is present
    assert ev({"fact": "r", "present": False}, facts)[0] is absent


@pytest.mark.parametrize(("value", "expected"), [
    (["bulbar", "cervical"], True), (["cervical"], False), ([], False), (True, None), (None, None),
])
def test_count_ge_two_regions(value: Any, expected: bool | None) -> None:
    assert ev({"fact": "r", "count_ge": 2}, {} if value is None else {"r": value})[0] is expected


@pytest.mark.parametrize(("a", "b", "expected"), [
    (["cervical"], ["cervical", "bulbar"], True), (["cervical"], ["bulbar"], False), ([], True, False),
    (True, ["bulbar"], None), (None, [], False), (None, ["bulbar"], None),
])
def test_overlaps(a: Any, b: Any, expected: bool | None) -> None:
    facts = {k: v for k, v in (("a", a), ("b", b)) if v is not None}
    assert ev({"overlaps": ["a", "b"]}, facts)[0] is expected


def test_above_a_reference_limit_names_every_missing_fact() -> None:
    spec = {"fact": "ck", "above": "uln"}
    assert ev(spec, {"ck": 300, "uln": 200}) == (True, ())
    assert ev(spec, {"ck": 200, "uln": 200}) == (False, ())
    assert ev(spec, {"ck": 300}) == (None, ("uln",))
    assert ev(spec, {}) == (None, ("ck", "uln"))


@pytest.mark.parametrize(("x", "y", "all_", "any_", "alt"), [
    (True, True, True, True, True), (True, False, False, True, True), (False, False, False, False, False),
    (True, None, None, True, True), (False, None, False, None, False), (None, None, None, None, None),
])
def test_combinators_truth_table(x: bool | None, y: bool | None, all_: bool | None, any_: bool | None,
                                 alt: bool | None) -> None:
    facts = {k: v for k, v in (("x", x), ("y", y)) if v is not None}
    parts = [{"fact": "x", "is": True}, {"fact": "y", "is": True}]
    assert ev({"all": parts}, facts)[0] is all_
    assert ev({"any": parts}, facts)[0] is any_
    assert ev({"alternatives": parts}, facts)[0] is alt
    assert ev({"not": parts[0]}, facts)[0] is (None if x is None else not x)


def test_unknown_combination_asks_only_for_what_could_decide_it() -> None:
    spec = {"any": [{"fact": "x", "is": True}, {"fact": "y", "is": True}]}
    assert ev(spec, {"x": False}) == (None, ("y",))
    assert ev(spec, {"x": True}) == (True, ())


def test_not_recorded_is_always_unknown_and_asks_nothing() -> None:
    assert ev({"not_recorded": "investigations"}, {"anything": 1}) == (None, ())


@pytest.mark.parametrize("spec", [
    {"fact": "age", "gt": "old"}, {"fact": "age"}, {"fact": "age", "gt": 1, "lt": 2}, {"all": [{"fact": "a",
     "is": 1}]}, {"overlaps": ["a"]}, {"fact": "r", "count_ge": 1.5}, {"fact": "a", "in": "x"}, {"wat": 1},
])
def test_malformed_predicates_are_refused(spec: dict[str, Any]) -> None:
    with pytest.raises(PredicateError):
        compile_predicate(spec)
