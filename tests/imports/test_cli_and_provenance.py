"""The command-line face and the provenance that reaches the record and the assessment trace."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from myoscope.assess import assess
from myoscope.cli import app
from myoscope.errors import RecordValidationError
from myoscope.record import parse_record

from .helpers import COMP2COMP_HEADER, comp2comp_rows, write_csv

runner = CliRunner()


def test_cli_writes_the_record_and_assess_traces_its_provenance(tmp_path: Path) -> None:
    f = write_csv(tmp_path / "metrics.csv", COMP2COMP_HEADER, comp2comp_rows(l3_area=92.16, l3_hu=30.0))
    out = tmp_path / "rec.yaml"
    r = runner.invoke(app, ["import-measures", str(f), "--patient", "P1", "-o", str(out)])
    assert r.exit_code == 0, r.stderr
    assert "Note: Comp2Comp: only the muscle columns are read" in r.stderr
    assert "Wrote 1 record from comp2comp" in r.stderr
    doc = yaml.safe_load(out.read_text())
    assert doc["provenance"]["l3_muscle_area"]["row"] == 3
    rec = parse_record({**doc, "sex": "female", "height": 160, "weight": 60, "age": 70, "conditions": ["cancer"]})
    a = assess(rec, ["ct_martin2013"])
    [smi] = [e for e in a.results["ct_martin2013"].trace if e.get("measure") == "l3_smi"]
    assert smi["provenance"] == [{"measure": "l3_muscle_area", "tool": "comp2comp", "file": "metrics.csv",
                                  "row": 3, "level": "L3", "column": "Muscle CSA (cm^2)"}]
    text = a.detail()
    assert "note: l3_muscle_area from comp2comp (metrics.csv, row 3, level L3, column Muscle CSA (cm^2))" in text
    assert a.results["ct_martin2013"].outcome == "low_muscle"  # 92.16 / 1.6² = 36.0 < 41


def test_cli_bad_rows_exit_2_and_write_nothing(tmp_path: Path) -> None:
    f = write_csv(tmp_path / "bc.csv", ["file", "muscle_area", "muscle_ra"],
                  [["A", 131.5, 35.0], ["B", 5000, 35.0], ["C", 120, 500]], sep=";")
    out = tmp_path / "out.yaml"
    r = runner.invoke(app, ["import-measures", str(f), "-o", str(out)])
    assert r.exit_code == 2
    assert r.stderr.startswith(f"Error: invalid import {f} (2 problems):\n")
    assert "  - row 3, muscle_area: 5000 cm2 is implausible (expected 30–400 cm2)\n" in r.stderr
    assert "  - row 4, muscle_ra: 500 HU is implausible (expected -50–120 HU)\n" in r.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == [f]
    r = runner.invoke(app, ["import-measures", str(f), "-o", str(out), "--partial"])
    assert r.exit_code == 0
    assert "Warning: skipped row 3, muscle_area" in r.stderr
    assert yaml.safe_load(out.read_text())["id"] == "A"


def test_cli_unknown_format_and_missing_file(tmp_path: Path) -> None:
    r = runner.invoke(app, ["import-measures", str(tmp_path / "nope.csv")])
    assert r.exit_code == 2 and "no such file" in r.stderr
    f = write_csv(tmp_path / "x.csv", ["a"], [[1]])
    r = runner.invoke(app, ["import-measures", str(f), "--format", "dexa"])
    assert r.exit_code == 2 and "unknown format 'dexa'" in r.stderr
    r = runner.invoke(app, ["import-measures", str(f)])
    assert r.exit_code == 2 and "not recognised from its header" in r.stderr


def test_cli_json_output(tmp_path: Path) -> None:
    f = write_csv(tmp_path / "bc.csv", ["file", "muscle_area", "muscle_ra"], [["A", 131.5, 35.0]], sep=";")
    r = runner.invoke(app, ["import-measures", str(f), "--json"])
    assert r.exit_code == 0
    assert '"l3_muscle_area": {\n    "value": 131.5,\n    "unit": "cm2"\n  }' in r.stdout


def test_provenance_block_is_validated_with_the_record() -> None:
    with pytest.raises(RecordValidationError) as e:
        parse_record({"sex": "male", "l3_muscle_area": 120,
                      "provenance": {"l3_muscle_area": {"file": "a.csv", "row": 0, "colour": "red"},
                                     "grip_strength": {"tool": "x"}, "nonsense": {"tool": "x"}}})
    text = str(e.value)
    assert "provenance.l3_muscle_area.row: expected a row number (1 or more), got 0" in text
    assert "provenance.l3_muscle_area.colour: unknown key" in text
    assert "provenance.nonsense: not a record field" in text
    with pytest.raises(RecordValidationError, match=r"provenance\.grip_strength: the record has no value of grip_strength"):
        parse_record({"sex": "male", "provenance": {"grip_strength": {"tool": "jamar"}}})
    with pytest.raises(RecordValidationError, match=r"provenance\.grip_strength\.tool: required"):
        parse_record({"sex": "male", "grip_strength": 30, "provenance": {"grip_strength": {"row": 2}}})
    ok = parse_record({"sex": "male", "asm": 20, "asm_method": "bia",
                       "provenance": {"asm": {"tool": "inbody", "row": 2, "raw": {"20kHz-RA Impedance": 380}}}})
    assert ok.values["provenance"]["asm"]["raw"] == {"20kHz-RA Impedance": 380.0}
