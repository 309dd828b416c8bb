"""``cohort --map redcap:DICT.csv``: a REDCap export read through its data dictionary (field names
to record fields, units from the Field Note/Label/name, coded answers by their labels) gives the
verdicts ``assess`` gives on the equivalent records; the same plan as ``import-measures``."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from myoscope import assess
from myoscope.cli import app
from myoscope.cohort import classify
from myoscope.cohort.mapping import load_mapping
from myoscope.errors import InputFileError
from myoscope.imports import import_measures

from ..redcap_helpers import FIELDS, write_dictionary, write_export

DEFS = ["ewgsop2", "fnih2014", "awgs2019"]
RECORDS = [
    {"sex": "female", "age": 78, "height": 158, "weight": 52.5, "grip_strength": 14, "gait_speed": 0.7,
     "date": "2026-03-02"},
    {"sex": "male", "age": 70, "height": 176, "weight": 80, "grip_strength": 38, "gait_speed": 1.2,
     "date": "2026-03-03"},
    {"sex": "female", "age": 81, "height": 160, "gait_speed": 0.6, "date": "2026-03-04"},
]


def test_redcap_dictionary_as_a_cohort_mapping(tmp_path: Path) -> None:
    d = write_dictionary(tmp_path / "dict.csv")
    m = load_mapping(f"redcap:{d}")
    assert m.id == "record_id"
    assert (m.columns["height"].from_, m.columns["height"].unit) == ("height_cm", "cm")
    assert m.columns["sex"].codes == {"1": "Male", "2": "Female"}
    assert "comorbid" in m.not_mapped
    r = classify(write_export(tmp_path / "export.csv"), DEFS, mapping=f"redcap:{d}")
    assert r.rows_rejected == 0 and r.table["record_id"].cast(pl.String).to_list() == ["101", "102", "103"]
    for i, rec in enumerate(RECORDS):
        a = assess(rec, DEFS)
        for name in DEFS:
            got = (r.table[name][i], r.table[f"{name}_decided"][i], r.table[f"{name}_decisive"][i].to_list())
            assert got == (a.results[name].outcome, a.results[name].decided, a.results[name].decisive_measures)


def test_import_reads_the_same_plan_without_a_map(tmp_path: Path) -> None:
    d = write_dictionary(tmp_path / "dict.csv")
    res = import_measures(write_export(tmp_path / "export.csv"), "redcap", dictionary=d)
    first = res.records[0]
    assert first.values["sex"] == "female" and first.values["height"] == {"value": 158.0, "unit": "cm"}
    assert first.provenance["height"]["column"] == "height_cm" and first.provenance["height"]["tool"] == "redcap"
    # the cohort mapping and the import's device map read the same fields with the same units
    cohort = load_mapping(f"redcap:{d}")
    from myoscope.imports import redcap_device_map
    from myoscope.redcap import read_dictionary

    device = redcap_device_map(read_dictionary(d))
    assert {k: (v.from_, v.unit) for k, v in cohort.columns.items()} == {
        k: (v.from_, v.unit) for k, v in device.columns.items()}


def test_a_unit_mix_up_in_the_dictionary_stops_both(tmp_path: Path) -> None:
    fields = [f if f[0] != "height_cm" else ("height_cm", "b", "text", "Height", "", "", "number", "1.2", "2.2")
              for f in FIELDS]
    fields = [f if f[0] != "weight" else ("weight", "b", "text", "Weight", "", "", "number", "", "") for f in fields]
    d = write_dictionary(tmp_path / "dict.csv", fields)
    with pytest.raises(InputFileError) as info:
        load_mapping(f"redcap:{d}")
    assert "height_cm: the validation range 1.2 to 2.2 cm" in str(info.value)
    assert "weight: weight has no unit" in str(info.value)
    with pytest.raises(InputFileError, match="weight: weight has no unit"):
        import_measures(write_export(tmp_path / "e.csv"), "redcap", dictionary=d)
    r = CliRunner().invoke(app, ["cohort", str(write_export(tmp_path / "e.csv")), "--map", f"redcap:{d}",
                                 "-o", str(tmp_path / "o.csv"), "-q"])
    assert r.exit_code == 2 and "height_cm: the validation range" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "o.csv").exists()


def test_cli_cohort_with_a_redcap_dictionary(tmp_path: Path) -> None:
    d = write_dictionary(tmp_path / "dict.csv")
    out = tmp_path / "o.csv"
    r = CliRunner().invoke(app, ["cohort", str(write_export(tmp_path / "e.csv")), "--map", f"redcap:{d}",
                                 "-o", str(out), "-d", "ewgsop2", "-q"])
    assert r.exit_code == 0, r.stderr
    table = pl.read_csv(out)
    assert table["ewgsop2"].to_list() == [assess(rec, ["ewgsop2"]).results["ewgsop2"].outcome for rec in RECORDS]
    r = CliRunner().invoke(app, ["cohort", str(tmp_path / "e.csv"), "--map", "redcap:", "-o", str(out)])
    assert r.exit_code == 2 and "redcap:DICT.csv" in r.stderr
    r = CliRunner().invoke(app, ["cohort", str(tmp_path / "e.csv"), "--map", f"redcap:{tmp_path}/none.csv",
                                 "-o", str(out)])
    assert r.exit_code == 2 and "none.csv" in r.stderr and "Traceback" not in r.stderr
