"""Per-record and cohort evaluation give identical results (DESIGN §7, §11).

For random records (nulls, values exactly at every cut-off, mixed DXA/BIA, partial SARC-F,
weight histories), the cohort output equals ``assess`` on each record for EVERY definition in the
knowledge base: outcome, decided, the decisive measures in the same order, and whether the
record establishes the definition's population (``in_population``: true, false or unknown). The
definitions are read from the knowledge base, so a new definition is covered without editing
this test.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest
from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st

from myoscope import assess, load_knowledge, parse_record
from myoscope.cohort.run import Classifier
from myoscope.cohort.tables import record_to_row, row_to_record
from myoscope.errors import RecordValidationError

from .strategies import frame, records, table_schema


@cache
def classifier() -> Classifier:
    return Classifier(table_schema(), list(load_knowledge().definitions))


def expected(rec: dict[str, Any]) -> dict[str, tuple[str, bool, list[str], bool | None]]:
    a = assess(rec, list(load_knowledge().definitions))
    return {d: (r.outcome, r.decided, r.decisive_measures, r.in_population) for d, r in a.results.items()}


def outputs(row: dict[str, Any], d: str) -> tuple[Any, ...]:
    """A cohort row's outputs for definition ``d``, as :func:`expected` gives them."""
    return (row[d], row[f"{d}_decided"], list(row[f"{d}_decisive"]), row[f"{d}_in_population"])


def cohort_rows(rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], Any]:
    result = classifier()(frame(rows))
    return result.table.to_dicts(), result


def check(recs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Assert ``assess`` == the polars engine on every row; return the polars rows by id."""
    cat = load_knowledge().catalog
    rows = [{"id": str(i), **record_to_row(r, cat)} for i, r in enumerate(recs)]
    out, result = cohort_rows(rows)
    by_id = {r["id"]: r for r in out}
    rejected = set(result.rejects.get_column("row").to_list())
    assert result.rows_in == len(rows) == result.rows_classified + result.rows_rejected
    ids = classifier().kernel.compiled
    for i, row in enumerate(rows):
        rec = row_to_record({k: v for k, v in row.items() if k != "id"}, cat)
        try:
            parse_record(rec)
        except RecordValidationError:
            assert i + 1 in rejected, f"row {i + 1} should be rejected: {rec}"
            continue
        assert i + 1 not in rejected, f"row {i + 1} rejected: {result.rejects.filter(row=i + 1)}"
        want = expected(rec)
        got = by_id[str(i)]
        for c in ids:
            assert outputs(got, c.id) == want[c.id], (c.id, rec)
    return by_id


@settings(max_examples=60, deadline=None)
@given(st.lists(records(), min_size=1, max_size=25))
def test_cohort_equals_assess_for_every_definition(recs: list[dict[str, Any]]) -> None:
    check(recs)


def test_examples_from_the_engine_tests() -> None:
    check(
        [
            {"sex": "female"},
            {"sex": "female", "grip_strength": 12},
            {"sex": "female", "grip_strength": 12, "asm": 16, "asm_method": "dxa", "height": 160},
            {"sex": "female", "grip_strength": 12, "asm": 13, "asm_method": "dxa", "height": 160},
            {"sex": "male", "height": 170, "asm": 20.23, "asm_method": "dxa", "grip_strength": 20},
            {"sex": "male", "weight": 76, "weight_history": [{"months_ago": 6, "weight": 80}]},
            {
                "sex": "female",
                "gait_speed": 0.8,
                "grip_strength": 15,
                "asm": 12.1,
                "asm_method": "bia",
                "height": 150,
                "weight": 60,
            },
            {"sex": "male", "sarc_f": {"strength": 2, "falls": 2}, "calf_circumference": 31},
        ]
    )


#: no age, a child, each age bound on both sides, Asian ancestry true, false and unrecorded,
#: conditions absent, none recorded, and naming the one that establishes a population
POPULATION_EXAMPLES: list[dict[str, Any]] = [
    {"sex": "female", "grip_strength": 12},
    {"sex": "female", "age": 12, "asian": True, "conditions": ["cancer"]},
    {"sex": "male", "age": 17.9, "asian": False, "setting": "icu"},
    {"sex": "male", "age": 18, "asian": True, "conditions": []},
    {"sex": "male", "age": 18, "conditions": ["critical_illness", "copd"]},
    {"sex": "female", "age": 49.9, "asian": True, "setting": "community"},
    {"sex": "female", "age": 50, "asian": True, "conditions": ["hiv"]},
    {"sex": "female", "age": 64.9, "setting": "icu", "grip_strength": 15},
    {"sex": "male", "age": 65, "asian": False, "conditions": ["cancer"], "grip_strength": 20},
    {"sex": "male", "asian": True, "conditions": ["cancer"], "setting": "icu"},
]


def test_examples_of_every_population_state() -> None:
    by_id = check(POPULATION_EXAMPLES)
    # the examples do reach all three states, and not only through the age
    states = {(d, r[f"{d}_in_population"]) for r in by_id.values() for d in ("awgs2019", "fearon2011")}
    assert states == {(d, s) for d in ("awgs2019", "fearon2011") for s in (True, False, None)}


@pytest.mark.parametrize("state", [True, False, None])
def test_the_generated_records_reach_every_population_state_of_every_definition(state: bool | None) -> None:
    """The property above sees, for every definition, records inside its population, outside it
    and unknown (no age; AWGS without Asian ancestry recorded), so that ``in_population`` is
    compared in all three states."""


    def in_population(rec: dict[str, Any], d: str) -> bool | str | None:
        try:
            return assess(rec, [d]).results[d].in_population
        except RecordValidationError:  # rejected rows are checked by the property, not here
            return "rejected"

    for d in load_knowledge().definitions:
        found = find(
            records(),
            lambda rec, d=d: in_population(rec, d) is state,
            settings=settings(max_examples=2000, database=None, phases=[Phase.generate]),
        )
        assert in_population(found, d) is state, d


def test_the_parity_kernel_holds_every_definition_of_the_knowledge() -> None:
    """The parity property above compares every compiled definition; none may be left out of the
    kernel (a new definition file is compiled and compared the day it is added)."""
    kb = load_knowledge()
    assert [c.id for c in classifier().kernel.compiled] == list(kb.definitions)


def test_golden_cases_of_every_definition_give_the_same_verdicts_in_the_cohort_engine() -> None:
    """Every golden record (values below, at and above each published cut-off, derived ones such as
    ASM/height² and ASM/BMI included) gives the same outcome, decided flag and decisive measures
    per record and in the polars engine, for every definition, not only for its own."""
    from .test_every_definition import golden_frame

    _, recs = golden_frame()
    assert recs
    by_id = check(recs)
    assert len(by_id) == len(recs)
