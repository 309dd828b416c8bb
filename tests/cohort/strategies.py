"""Hypothesis strategies for random records: nulls, values exactly at every published cut-off,
mixed DXA/BIA. Built from the measures catalog and the knowledge base, so new fields and new
definitions are covered without editing this file."""

from __future__ import annotations

from functools import cache
from typing import Any

import polars as pl
from hypothesis import strategies as st

from myoscope import load_knowledge
from myoscope.cohort.synth import cut_points
from myoscope.cohort.tables import history_names

HISTORY = 3  # weight-history pairs in generated tables


def _quantity(mid: str) -> st.SearchStrategy[Any]:
    m = load_knowledge().catalog.measures[mid]
    assert m.range is not None
    lo, hi = m.range
    cuts = [c for c in cut_points().get(mid, []) if lo <= c <= hi]
    if m.integer:
        values: st.SearchStrategy[Any] = st.integers(int(lo), int(hi)).map(float)
    else:
        decimals = max(m.precision or 0, 1) + 1
        values = st.one_of(
            st.floats(lo, hi, allow_nan=False).map(lambda x: round(x, decimals)),
            st.floats(lo, hi, allow_nan=False),
        )
    choices = [values, st.sampled_from([lo, hi])]
    if cuts:
        choices.insert(0, st.sampled_from(cuts))
    return st.one_of(*choices)


def _usual(mid: str, lo: float, hi: float, decimals: int) -> st.SearchStrategy[float]:
    """Values in a realistic span so that derived measures land near their cut-offs."""
    return st.floats(lo, hi, allow_nan=False).map(lambda x: round(x, decimals))


@st.composite
def records(draw: st.DrawFn) -> dict[str, Any]:
    """One valid record (canonical values) with a random subset of fields missing."""
    kb = load_knowledge()
    cat = kb.catalog
    rec: dict[str, Any] = {"sex": draw(st.sampled_from(["male", "female"]))}
    present = st.booleans()
    for mid, m in cat.measures.items():
        if mid in ("sex", "id") or not draw(present):
            continue
        if m.kind == "quantity":
            if mid == "height":
                rec[mid] = draw(st.one_of(_usual(mid, 140, 200, 1), _quantity(mid)))
            elif mid in ("asm", "weight"):
                rec[mid] = draw(
                    st.one_of(
                        _usual(mid, 10, 35, 2) if mid == "asm" else _usual(mid, 40, 110, 1), _quantity(mid)
                    )
                )
            else:
                rec[mid] = draw(_quantity(mid))
        elif m.kind == "enum":
            rec[mid] = draw(st.sampled_from(list(m.values)))
        elif m.kind == "bool":
            rec[mid] = draw(st.booleans())
        elif m.kind == "sarc_f":
            items = {i: draw(st.integers(0, 2)) for i in cat.sarc_f.items if draw(st.booleans())}
            if items:
                rec[mid] = items
        elif m.kind == "weight_history":
            n = draw(st.integers(0, HISTORY))
            hist = [
                {
                    "months_ago": draw(st.sampled_from([0.0, 1.0, 3.0, 6.0, 6.5, 12.0, 13.0, 24.0])),
                    "weight": draw(st.one_of(_usual("weight", 40, 110, 1), _quantity("weight"))),
                }
                for _ in range(n)
            ]
            if hist:
                rec[mid] = hist
    if rec.get("asm") is not None and rec.get("asm_method") is None:
        rec["asm_method"] = draw(st.sampled_from(["dxa", "bia"]))
    grades = cat.derived["mrc_sum_score"].inputs if "mrc_sum_score" in cat.derived else ()
    if "mrc_sum_score" in rec and grades and all(g in rec for g in grades):
        # a sum given beside all twelve grades must equal them (record.py refuses otherwise); the
        # fields are drawn independently, so make the pair consistent as a valid record is
        rec["mrc_sum_score"] = sum(rec[g] for g in grades)
    return rec


@cache
def table_schema() -> dict[str, Any]:
    """A fixed raw schema holding every table column, so one compiled kernel serves all tests."""
    cat = load_knowledge().catalog
    schema: dict[str, Any] = {"id": pl.String}
    for mid, m in cat.measures.items():
        if mid == "id":
            continue
        if m.kind == "quantity":
            schema[mid] = pl.Float64
        elif m.kind == "enum":
            schema[mid] = pl.String
        elif m.kind == "bool":
            schema[mid] = pl.Boolean
        elif m.kind == "sarc_f":
            for item in cat.sarc_f.items:
                schema[f"sarc_f_{item}"] = pl.Float64
        elif m.kind == "weight_history":
            for i in range(1, HISTORY + 1):
                w, mo = history_names(i)
                schema[w] = pl.Float64
                schema[mo] = pl.Float64
    return schema


def frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    schema = table_schema()
    data = {c: [r.get(c) for r in rows] for c in schema}
    return pl.DataFrame(data, schema=schema)
