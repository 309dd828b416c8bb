"""Conditions in words: the group a cut-off applies to, as a clinician would write it."""

from __future__ import annotations

import pytest

from myoscope.knowledge import load_knowledge
from myoscope.rules.nodes import Compare, Condition, conditions_from
from myoscope.rules.words import conditions_in_words, join_words


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({}, "all"),
        ({"sex": "female"}, "women"),
        ({"sex": "male", "asm_method": {"in": ["dxa", "bia"]}}, "men, DXA or BIA"),
        ({"bmi": {"ge": 23, "le": 26}}, "BMI 23–26"),
        ({"bmi": {"lt": 25}}, "BMI under 25"),
        ({"age": {"ge": 65}}, "age 65 or over"),
        ({"age": {"ge": 50, "lt": 65}}, "age 50 to under 65"),
        ({"height": {"le": 159}}, "height 159 cm or less"),
        ({"asian": True}, "Asian"),
        ({"asian": False, "age": {"ge": 70}}, "not Asian, age 70 or over"),
        ({"conditions": {"includes": ["cancer"]}}, "with cancer"),
        ({"setting": "icu"}, "ICU"),
    ],
)
def test_conditions_in_words(spec: dict[str, object], expected: str) -> None:
    assert conditions_in_words(conditions_from(spec)) == expected


def test_no_cutoff_group_of_any_definition_is_engine_syntax() -> None:
    kb = load_knowledge()
    seen = 0
    for d in kb.definitions.values():
        for node in d.components.values():
            if isinstance(node, Compare):
                for c in node.cutoffs:
                    text = c.describe()
                    seen += 1
                    assert not any(s in text for s in ("==", "<", ">", " in (", "None", "True", "False", "'")), text
    assert seen > 50


def test_join_words() -> None:
    assert join_words(["a"]) == "a" and join_words(["a", "b", "c"]) == "a, b and c" and join_words([]) == ""


def test_condition_str_keeps_the_engine_form_for_debugging() -> None:
    assert str(Condition("sex", "==", "female")) == "sex == female"
