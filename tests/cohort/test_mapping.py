"""Mapping files: UK Biobank and NHANES columns with their units and codes give the same verdicts
as ``assess`` on the equivalent record."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from myoscope import assess
from myoscope.cohort import classify
from myoscope.cohort.mapping import load_mapping
from myoscope.errors import InputFileError

DEFS = ["ewgsop2", "fnih2014", "iwgs2011"]


def test_shipped_mappings_load_and_document_every_field() -> None:
    for name in ("ukb", "nhanes"):
        m = load_mapping(name)
        assert m.release and m.source
        assert all(f.doc for f in m.columns.values()), name


def test_nhanes_units_codes_and_combined_columns() -> None:
    df = pl.DataFrame(
        {
            "SEQN": [101, 102],
            "RIAGENDR": [1, 2],
            "RIDAGEYR": [72.0, 80.0],
            "BMXHT": [170.0, 158.0],
            "BMXWT": [70.0, 53.1],
            "MGXH1T1": [25.0, 14.0],
            "MGXH1T2": [26.5, None],
            "MGXH1T3": [None, 13.0],
            "MGXH2T1": [24.0, 12.0],
            "MGXH2T2": [None, None],
            "MGXH2T3": [None, None],
            "DXDLALE": [2500.0, 1700.0],
            "DXDRALE": [2600.0, 1800.0],
            "DXDLLLE": [7000.0, 5000.0],
            "DXDRLLE": [7100.0, 5100.0],
            "MSXWTIME": [5.0, 10.0],
        }
    )
    r = classify(df, DEFS, mapping="nhanes")
    assert r.rows_rejected == 0 and r.table["SEQN"].to_list() == [101, 102]
    records = [
        {
            "sex": "male",
            "age": 72,
            "height": 170,
            "weight": 70,
            "grip_strength": [25, 26.5, 24],
            "asm": {"value": 19200, "unit": "g"},
            "asm_method": "dxa",
            "gait_distance": {"value": 20, "unit": "ft"},
            "gait_time": 5,
        },
        {
            "sex": "female",
            "age": 80,
            "height": 158,
            "weight": 53.1,
            "grip_strength": [14, 13, 12],
            "asm": {"value": 13600, "unit": "g"},
            "asm_method": "dxa",
            "gait_distance": {"value": 20, "unit": "ft"},
            "gait_time": 10,
        },
    ]
    for i, rec in enumerate(records):
        a = assess(rec, DEFS)
        for d in DEFS:
            got = (r.table[d][i], r.table[f"{d}_decided"][i], r.table[f"{d}_decisive"][i].to_list())
            assert got == (a.results[d].outcome, a.results[d].decided, a.results[d].decisive_measures)


def test_ukb_picks_the_export_format_present_and_reports_codes_outside_the_coding() -> None:
    df = pl.DataFrame(
        {
            "eid": [1, 2, 3],
            "31-0.0": [0, 1, 7],
            "21003-0.0": [66.0, 61.0, 50.0],
            "50-0.0": [160.0, 180.0, 170.0],
            "46-0.0": [14.0, 40.0, 30.0],
            "47-0.0": [15.0, 38.0, 31.0],
        }
    )
    r = classify(df, ["ewgsop2"], mapping="ukb")
    assert r.table["eid"].to_list() == [1, 2]
    assert r.table["ewgsop2"].to_list() == ["probable_sarcopenia", "no_sarcopenia"]
    assert r.rejects.select("row", "column", "value").rows() == [(3, "31-0.0", "7")]


def test_a_bad_mapping_file_is_named(tmp_path: Path) -> None:
    p = tmp_path / "m.yaml"
    p.write_text("name: x\ncolumns:\n  grip_strength: {from: g, max_of: [a, b]}\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="give exactly one of from, max_of, sum_of, value"):
        load_mapping(p)
    p.write_text("name: x\ncolumns:\n  grip: {from: g}\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="grip: not a table column"):
        classify(pl.DataFrame({"g": [1.0]}), ["ewgsop2"], mapping=p)


def test_a_mapping_none_of_whose_columns_is_in_the_input_is_named(tmp_path: Path) -> None:
    # every row was rejected with "sex: required", naming neither the mapping nor its columns
    frame = pl.DataFrame({"id": [1], "sex": ["male"], "age": [70], "grip_strength": [30.0]})
    with pytest.raises(InputFileError, match=r"none of its source columns is in the input \(it reads p31"):
        classify(frame, ["ewgsop2"], mapping="ukb")
    # a file that is not a mapping: the problem is the file's, named so (it was "  - : ...")
    (tmp_path / "m.yaml").write_text("- a\n", "utf-8")
    with pytest.raises(InputFileError, match=r"- \(the file\): Input should be a valid dictionary"):
        classify(frame, ["ewgsop2"], mapping=tmp_path / "m.yaml")
