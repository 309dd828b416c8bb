"""A unit written in a table cell (``150 lb``): one rule for ``cohort`` and ``import`` (issue 12).

A cell may carry its own unit where the column has none declared; it is converted with the exact
factor a record's ``weight: 150 lb`` gets, and the run says how many cells it converted. Where a
mapping declares the column's unit, a cell may repeat it but not contradict it.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from myoscope import assess, load_knowledge, parse_record
from myoscope.cohort import classify, run_cohort
from myoscope.cohort.cells import read_cells
from myoscope.cohort.run import Classifier
from myoscope.cohort.tables import row_to_record
from myoscope.errors import RecordValidationError

ROWS = {
    "id": ["a", "b", "c", "d", "e"],
    "sex": ["female", "male", "male", "female", "male"],
    "age": ["70", "72 years", "80", "75", "66"],
    "weight": ["60 kg", "150 lb", "70", "60 stone", "900 lb"],
    "height": ["160", "5.9 ft", "70 in", "1.6 m", "175"],
    "grip_strength": ["15", "25 kg", "60 lbf", "14", "30"],
}


def test_cells_with_units_are_converted_as_a_record_would_be() -> None:
    kb = load_knowledge()
    r = classify(pl.DataFrame(ROWS), ["ewgsop2", "fnih2014"], id_column="id")
    assert sorted(r.table["id"].to_list()) == ["a", "b", "c"]
    for row in pl.DataFrame(ROWS).iter_rows(named=True):
        if row["id"] not in ("a", "b", "c"):
            continue
        record = parse_record(row_to_record({k: v for k, v in row.items() if k != "id"}, kb.catalog))
        got = r.table.filter(pl.col("id") == row["id"]).row(0, named=True)
        want = assess(record.values, definitions=["ewgsop2", "fnih2014"])
        for d in ("ewgsop2", "fnih2014"):
            assert got[d] == want.results[d].outcome, (row["id"], d)


def test_unknown_or_implausible_units_are_rejected_with_the_record_parsers_words() -> None:
    rej = classify(pl.DataFrame(ROWS), ["ewgsop2"], id_column="id").rejects
    reasons = {(r["row"], r["column"]): r["reason"] for r in rej.iter_rows(named=True)}
    assert reasons[(4, "weight")] == "unknown unit 'stone' (accepted: kg, g, lb, lbs)"
    assert reasons[(5, "weight")] == "900 lb is implausible (expected 15–350 kg)"
    assert set(reasons) == {(4, "weight"), (5, "weight")}


def test_the_run_says_which_cells_it_converted(tmp_path: Path) -> None:
    run = run_cohort(pl.DataFrame(ROWS), tmp_path / "out.csv", ["ewgsop2"], id_column="id", summary=False)
    counts = {(r["column"], r["unit"]): r["cells"] for r in run.converted.to_dicts()}
    # a unit equal to the column's (60 kg, 25 kg, 72 years) is no conversion; rejected rows count
    assert counts == {("weight", "lb"): 2, ("height", "ft"): 1, ("height", "in"): 1, ("height", "m"): 1,
                      ("grip_strength", "lbf"): 1}
    assert "units written in cells, converted: grip_strength 1 cell in lbf; height 1 cell in ft" in str(run)
    assert run.to_dict()["converted"][0] == {"column": "grip_strength", "unit": "lbf", "cells": 1}


def test_a_declared_unit_may_be_repeated_not_contradicted(tmp_path: Path) -> None:
    mapping = tmp_path / "map.yaml"
    mapping.write_text("name: test\ncolumns:\n  sex: {from: SEX}\n  weight: {from: WT, unit: lb}\n", encoding="utf-8")
    df = pl.DataFrame({"SEX": ["male", "male", "male"], "WT": ["150", "150 lb", "68 kg"]})
    r = classify(df, ["ewgsop2"], mapping=mapping)
    assert r.rows_classified == 2
    (line,) = r.rejects.to_dicts()
    assert line["row"] == 3 and line["reason"] == "unit 'kg' contradicts the unit the mapping declares for WT (lb)"


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["", " kg", "kg", " lb", " LBS", " g", " stone", " kg kg", "e"]),
            st.sampled_from([0.5, 15, 60, 68.5, 150, 351, 99999, -3]),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_rejected_iff_the_record_parser_refuses_and_values_agree(cells: list[tuple[str, float]]) -> None:
    kb = load_knowledge()
    texts = [f"{v:g}{u}" for u, v in cells]
    df = pl.DataFrame({"sex": ["male"] * len(texts), "weight": texts})
    r = classify(df, ["glim2019"])  # a definition that reads weight (through BMI)
    rejected = set(r.rejects["row"].to_list()) if r.rejects.height else set()
    # the typed canonical column the kernel classifies from (its validation step's output)
    kernel = Classifier(dict(df.schema), ["glim2019"]).kernel
    frame, _ = read_cells(df.with_row_index("row", offset=1), kernel.cells)
    typed = kernel._flagged(frame.lazy()).collect()["__t_weight"].to_list()
    for i, text in enumerate(texts, start=1):
        try:
            record = parse_record(row_to_record({"sex": "male", "weight": text}, kb.catalog))
        except RecordValidationError:
            assert i in rejected, text
            continue
        assert i not in rejected, text
        assert typed[i - 1] == record.values["weight"], text



def test_combined_columns_read_cell_units_too(tmp_path: Path) -> None:
    """The best of six grip trials: each trial cell may carry its unit (this plan once took
    polars minutes to build; it is read per batch now, outside the plan)."""
    mapping = tmp_path / "map.yaml"
    trials = [f"G{i}" for i in range(1, 7)]
    mapping.write_text(
        "name: test\ncolumns:\n  sex: {from: SEX}\n"
        f"  grip_strength: {{max_of: [{', '.join(trials)}]}}\n"
        "  asm: {sum_of: [LA, RA, LL, RL], unit: g}\n  asm_method: {value: dxa}\n",
        encoding="utf-8",
    )
    row = {"SEX": ["male", "male"], "LA": ["2000", "2000 g"], "RA": ["2000", "2 kg"],
           "LL": ["7000", "7000"], "RL": ["7000", "7000"]}
    grips = {t: ["20", "20"] for t in trials} | {"G6": ["66 lb", "20 stone"]}
    r = classify(pl.DataFrame(row | grips), ["ewgsop2"], mapping=mapping)
    reasons = {(x["row"], x["column"]): x["reason"] for x in r.rejects.to_dicts()}
    assert reasons == {
        (2, "G6"): "unknown unit 'stone' (accepted: kg, kgf, lb, lbs, lbf, N)",
        (2, "RA"): "unit 'kg' contradicts the unit the mapping declares for RA (g)",
    }
    run = run_cohort(pl.DataFrame(row | grips).head(1), tmp_path / "o.csv", ["ewgsop2"], mapping=mapping,
                     summary=False)
    assert run.to_dict()["converted"] == [{"column": "G6", "unit": "lb", "cells": 1}]
