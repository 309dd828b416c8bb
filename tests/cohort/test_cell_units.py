"""A unit written in a table cell (``150 lb``): one rule for ``cohort`` and ``import`` (issue 12).

A cell may carry its own unit where the column has none declared; it is converted with the exact
factor a record's ``weight: 150 lb`` gets, and the run says how many cells it converted. Where a
mapping declares the column's unit, a cell may repeat it but not contradict it.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
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


# --- two units in a cell: feet and inches, stone and pounds ----------------------------------------

#: height and weight cells as US and UK clinicians write them, good and bad, beside single units
COMPOUND_CELLS = [
    ("5 ft 4 in", "11 st 4 lb"),
    ("5'4\"", "11 st"),
    ("5′4″", "11st 4"),
    ("5 ft 4", "11 st 4 lbs"),
    ("5’4”", "11.5 st"),
    ("  5 FT 4 IN ", "158 lb"),
    ("5' 11.5\"", "70"),
    ("5 ft .5 in", "0011 st 04 lb"),
    ("6'", "70 kg"),
    ("64 in", "10 ST 13 LB"),
    ("5.9 ft", "70"),
    ("5 ft 13 in", "70"),  # inches must be below 12
    ("5 ft 12 in", "11 st 14 lb"),  # pounds must be below 14
    ("4 in 5 ft", "4 lb 11 st"),  # the larger unit first
    ("5.5 ft 4 in", "10.5 st 2 lb"),  # a whole number of the larger unit beside the smaller
    ("9 ft 2 in", "60 st"),  # implausible, shown as written
    ("-5 ft 4 in", "70"),
    ("5 ft 4 lb", "5 ft 4 in"),  # no compound of the dimension: an unknown unit
    ("170", "11 stone"),  # the word: an unknown unit, as before
    ("4 ft 2 in", "2 st"),  # unusual (a record's warning): accepted
]


def _record_side(sex: str, cells: dict[str, str]) -> tuple[dict[str, float], dict[str, str]]:
    """The record parser's values, or its problems by field, for one row of cells."""
    kb = load_knowledge()
    try:
        record = parse_record(row_to_record({"sex": sex, **cells}, kb.catalog))
    except RecordValidationError as exc:
        return {}, {p.path: p.message for p in exc.problems}
    return {k: record.values[k] for k in cells}, {}


def _polars_side(df: pl.DataFrame) -> tuple[pl.DataFrame, dict[tuple[int, str], str], pl.DataFrame]:
    """The typed canonical columns the polars kernel classifies from, its reject reasons by row
    and column, and the cells it converted."""
    kernel = Classifier(dict(df.schema), ["glim2019"]).kernel
    frame, converted = read_cells(df.with_row_index("row", offset=1), kernel.cells)
    typed = kernel._flagged(frame.lazy()).collect()
    rej = classify(df, ["glim2019"]).rejects
    return typed, {(r["row"], r["column"]): r["reason"] for r in rej.iter_rows(named=True)}, converted


def test_compound_cells_give_the_record_parsers_values_and_rejects() -> None:
    heights, weights = (list(c) for c in zip(*COMPOUND_CELLS, strict=True))
    df = pl.DataFrame({"sex": ["male"] * len(heights), "height": heights, "weight": weights})
    typed, reasons, _ = _polars_side(df)
    for i, (height, weight) in enumerate(COMPOUND_CELLS, start=1):
        values, problems = _record_side("male", {"height": height, "weight": weight})
        got = {c: reasons[(i, c)] for c in ("height", "weight") if (i, c) in reasons}
        assert got == problems, (height, weight)  # the same reject lines, word for word
        if values:
            assert typed["__t_height"][i - 1] == values["height"], height  # bit-identical
            assert typed["__t_weight"][i - 1] == values["weight"], weight
    by_cell = {(c, COMPOUND_CELLS[i - 1][["height", "weight"].index(c)]): r for (i, c), r in reasons.items()}
    assert by_cell[("height", "5 ft 13 in")] == "5 ft 13 in: inches must be below 12"
    assert by_cell[("weight", "11 st 14 lb")] == "11 st 14 lb: pounds must be below 14"
    assert by_cell[("height", "4 in 5 ft")] == "4 in 5 ft: write feet before inches"
    assert by_cell[("weight", "60 st")] == "60 st is implausible (expected 15–350 kg)"
    assert by_cell[("weight", "11 stone")] == "unknown unit 'stone' (accepted: kg, g, lb, lbs)"
    assert typed["__t_height"][0] == 162.56 and typed["__t_weight"][0] == round(158 * 0.45359237, 9)


# numbers as a record shows them ("5", not "05"): a text that falls to the single-unit rule
# ("05 in") is shown by the record parser as read ("5 in") and by polars as written
_FEET = st.sampled_from(["0", "4", "5", "6", "9", "5.5"])
_INCHES = st.sampled_from(["0", "4", "11", "11.9", "12", "13"])
_STONE = st.sampled_from(["0", "2", "11", "11.5", "30", "60"])
_POUNDS = st.sampled_from(["0", "4", "13", "13.5", "14", "20"])


@st.composite
def _compound_text(draw: st.DrawFn, big: st.SearchStrategy[str], small: st.SearchStrategy[str],
                   big_units: list[str], small_units: list[str]) -> str:
    a, b = draw(big), draw(small)
    ua, ub = draw(st.sampled_from(big_units)), draw(st.sampled_from(small_units))
    gap = st.sampled_from(["", " "])
    sign = draw(st.sampled_from(["", "", "", "-"]))
    if draw(st.integers(0, 5)) == 0:  # the smaller unit first
        a, b, ua, ub = b, a, ub, ua
    if draw(st.booleans()):  # the larger part alone (a blank before a single unit, as above:
        # "5ft" is "5 ft" to the record parser), or without the smaller's unit
        return f"{sign}{a} {ua}" if draw(st.booleans()) else f"{sign}{a}{draw(gap)}{ua} {b}"
    return f"{sign}{a}{draw(gap)}{ua}{draw(gap)}{b}{draw(gap)}{ub}"


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            _compound_text(_FEET, _INCHES, ["ft", "'", "′", "’", "FT", "in"], ["in", '"', "″", "”", "''", "lb"]),
            _compound_text(_STONE, _POUNDS, ["st", "ST", "lb", "stone"], ["lb", "lbs", "LB", "st", "in"]),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_record_and_polars_agree_on_random_compound_cells(cells: list[tuple[str, str]]) -> None:
    df = pl.DataFrame({"sex": ["female"] * len(cells), "height": [c[0] for c in cells],
                       "weight": [c[1] for c in cells]})
    typed, reasons, _ = _polars_side(df)
    for i, (height, weight) in enumerate(cells, start=1):
        values, problems = _record_side("female", {"height": height, "weight": weight})
        assert {c: reasons[(i, c)] for c in ("height", "weight") if (i, c) in reasons} == problems, (height, weight)
        if values:
            assert (typed["__t_height"][i - 1], typed["__t_weight"][i - 1]) == (values["height"], values["weight"])


def test_the_run_counts_compound_cells_under_the_compounds_name(tmp_path: Path) -> None:
    df = pl.DataFrame({
        "sex": ["male", "female", "male", "female"],
        "height": ["5 ft 10 in", "5'4\"", "170", "5 ft 13 in"],
        "weight": ["11 st 4 lb", "9 st", "150 lb", "60"],
    })
    run = run_cohort(df, tmp_path / "out.csv", ["glim2019"], summary=False)
    counts = {(r["column"], r["unit"]): r["cells"] for r in run.converted.to_dicts()}
    # a refused compound (5 ft 13 in) is no conversion
    assert counts == {("height", "ft+in"): 2, ("weight", "st+lb"): 2, ("weight", "lb"): 1}
    assert "units written in cells, converted: height 2 cells in ft+in; weight 1 cell in lb; weight 2 cells in st+lb" \
        in str(run)


def test_a_compound_contradicts_a_declared_unit(tmp_path: Path) -> None:
    mapping = tmp_path / "map.yaml"
    mapping.write_text("name: test\ncolumns:\n  sex: {from: SEX}\n  height: {from: HT, unit: in}\n"
                       "  weight: {from: WT, unit: lb}\n", encoding="utf-8")
    df = pl.DataFrame({"SEX": ["male"] * 3, "HT": ["64", "5 ft 4 in", "5 ft 13 in"],
                       "WT": ["158 lb", "11 st 4 lb", "158"]})
    r = classify(df, ["glim2019"], mapping=mapping)
    reasons = {(x["row"], x["column"]): x["reason"] for x in r.rejects.to_dicts()}
    assert reasons == {
        (2, "HT"): "unit 'ft+in' contradicts the unit the mapping declares for HT (in)",
        (2, "WT"): "unit 'st+lb' contradicts the unit the mapping declares for WT (lb)",
        (3, "HT"): "5 ft 13 in: inches must be below 12",
    }
    assert r.rows_classified == 1


def test_compound_cells_in_combined_columns(tmp_path: Path) -> None:
    """A mapping's ``sum_of`` parts may be written in stone and pounds too (each part read as a
    record reads it, the total converted once); a grip is no mass: stone is an unknown unit there."""
    mapping = tmp_path / "map.yaml"
    mapping.write_text(
        "name: test\ncolumns:\n  sex: {from: SEX}\n  grip_strength: {max_of: [G1, G2]}\n"
        "  asm: {sum_of: [ARMS, LEGS]}\n  asm_method: {value: dxa}\n",
        encoding="utf-8",
    )
    df = pl.DataFrame({"SEX": ["male", "male"], "ARMS": ["1 st 1 lb", "1 st 1 lb"], "LEGS": ["2 st", "2 st"],
                       "G1": ["20", "20"], "G2": ["30", "4 st 2 lb"]})
    r = classify(df, ["ewgsop2"], mapping=mapping)
    reasons = {(x["row"], x["column"]): x["reason"] for x in r.rejects.to_dicts()}
    assert reasons == {(2, "G2"): "unknown unit 'st 2 lb' (accepted: kg, kgf, lb, lbs, lbf, N)"}
    record = parse_record({"sex": "male", "asm": "43 lb", "asm_method": "dxa", "grip_strength": [20, 30]})
    assert r.rows_classified == 1
    kernel = Classifier(dict(df.schema), ["ewgsop2"], mapping=mapping).kernel
    frame, _ = read_cells(df.with_row_index("row", offset=1), kernel.cells)
    typed = kernel._flagged(frame.lazy()).collect()
    assert typed["__t_asm"][0] == pytest.approx(record.values["asm"], abs=1e-9)


def test_spark_native_refuses_compound_units_and_arrow_reads_them(spark: object, tmp_path: Path) -> None:
    """``--spark-mode arrow`` runs the polars kernel: the same values, reject lines and counts as
    the polars engine. The native engine reads no unit in a cell, two no more than one: each such
    cell is rejected with the message a ``150 lb`` cell gets."""
    from myoscope.cohort.spark import run_spark

    cells = [("5 ft 4 in", "11 st 4 lb"), ("5'4\"", "11 st"), ("5 ft 13 in", "70"), ("170", "11 st 14 lb"),
             ("165", "150 lb"), ("160", "60")]
    src = tmp_path / "in.csv"
    pl.DataFrame({"id": [f"p{i}" for i in range(len(cells))], "sex": ["female"] * len(cells),
                  "height": [h for h, _ in cells], "weight": [w for _, w in cells]}).write_csv(src)
    polars_run = run_cohort(src, tmp_path / "polars.csv", ["glim2019"], id_column="id", summary=False)
    polars_rejects = pl.read_csv(polars_run.rejects_path, infer_schema=False)
    for mode in ("native", "arrow"):
        out = tmp_path / f"{mode}.parquet"
        run = run_spark(str(src), out, ["glim2019"], id_column="id", mode=mode, spark=spark)  # type: ignore[arg-type]
        # read back as polars (or a spreadsheet) reads a CSV: a quote in a cell (5'4") is doubled
        # (RFC 4180), where Spark's writer used to escape it with a backslash
        rejects = pl.read_csv(next(Path(run.rejects_path).glob("part-*.csv")), infer_schema=False)
        lines = sorted((int(r["row"]), r["column"], r["value"], r["reason"]) for r in rejects.to_dicts())
        if mode == "arrow":
            assert lines == sorted((int(r["row"]), r["column"], r["value"], r["reason"])
                                   for r in polars_rejects.to_dicts())
            assert run.converted.to_dicts() == polars_run.converted.to_dicts()
            assert {(r["column"], r["unit"]) for r in run.converted.to_dicts()} >= {("height", "ft+in"),
                                                                                    ("weight", "st+lb")}
            continue
        refused = {(c, v): reason for _, c, v, reason in lines}
        assert ("height", "5'4\"") in refused  # the quote read back as written
        assert set(refused) == {(c, v) for h, w in cells for c, v in (("height", h), ("weight", w))
                                if not v.isdigit()}
        assert refused[("height", "5 ft 4 in")] == (
            "5 ft 4 in: a unit written in a cell is read by the polars engine and --spark-mode arrow, "
            "not by --spark-mode native (give bare numbers in cm)")
        assert refused[("weight", "11 st 14 lb")] == (
            "11 st 14 lb: a unit written in a cell is read by the polars engine and --spark-mode arrow, "
            "not by --spark-mode native (give bare numbers in kg)")
        assert refused[("weight", "150 lb")].startswith("150 lb: a unit written in a cell is read by the polars")
