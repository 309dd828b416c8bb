"""Per-record and cohort evaluation give identical results (DESIGN §7, §11).

For random records (nulls, values exactly at every cut-off, mixed DXA/BIA, partial SARC-F,
weight histories), the cohort output equals ``assess`` on each record for EVERY definition in the
knowledge base: outcome, decided and the decisive measures in the same order. The definitions
are read from the knowledge base, so a new definition is covered without editing this test.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from myoscope import assess, load_knowledge, parse_record
from myoscope.cohort.run import Classifier
from myoscope.cohort.tables import record_to_row, row_to_record
from myoscope.errors import RecordValidationError

from .strategies import frame, records, table_schema


@cache
def classifier() -> Classifier:
    return Classifier(table_schema(), list(load_knowledge().definitions))


def expected(rec: dict[str, Any]) -> dict[str, tuple[str, bool, list[str]]]:
    a = assess(rec, list(load_knowledge().definitions))
    return {d: (r.outcome, r.decided, r.decisive_measures) for d, r in a.results.items()}


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
            assert (got[c.id], got[f"{c.id}_decided"], got[f"{c.id}_decisive"]) == want[c.id], (c.id, rec)
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
