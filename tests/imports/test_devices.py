"""DXA (Hologic APEX, NHANES DXX), BIA (InBody LookinBody), a device map of one's own, Excel and
REDCap: every value through the record contract, units declared, every bad row named at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from myoscope.errors import InputFileError, MeasuresImportError
from myoscope.imports import detect, import_measures

from .helpers import write_csv

HOLOGIC = ["PATIENT_ID", "SCAN_DATE", "LARM_LEAN", "RARM_LEAN", "L_LEG_LEAN", "R_LEG_LEAN",
           "APPENDAGE_LEAN_MASS_HEIGHT_2"]


def test_hologic_apex_limbs_in_grams_sum_to_asm_in_kg(tmp_path: Path) -> None:
    f = write_csv(tmp_path / "apex.csv", HOLOGIC, [["H1", "2025-01-02", 2100.5, 2200.0, 6800.25, 6900.0, 6.61],
                                                   ["H2", "2025-01-03", 1500, 1550, 5000, 5100, 5.2]])
    assert detect(f) == "dxa-hologic"
    res = import_measures(f)
    h1 = res.records[0]
    assert h1.id == "H1"
    assert h1.values["asm"] == {"value": 18.00075, "unit": "kg"}
    assert h1.values["asm_method"] == "dxa"
    assert h1.provenance["asm"]["column"] == "LARM_LEAN + RARM_LEAN + L_LEG_LEAN + R_LEG_LEAN"
    assert h1.provenance["asm"]["raw"] == {"APPENDAGE_LEAN_MASS_HEIGHT_2": 6.61}
    assert "asm_method" not in h1.provenance
    assert any("excluding bone mineral content" in n for n in res.notes)


def test_hologic_limb_missing_or_values_in_kg_under_a_gram_map(tmp_path: Path) -> None:
    f = write_csv(tmp_path / "apex.csv", HOLOGIC, [["H1", "", 2100, "", 6800, 6900, ""],
                                                   ["H2", "", 2.1, 2.2, 6.8, 6.9, ""]])  # kg, not g
    with pytest.raises(MeasuresImportError) as e:
        import_measures(f, "dxa-hologic")
    text = str(e.value)
    assert "row 2, LARM_LEAN + RARM_LEAN + L_LEG_LEAN + R_LEG_LEAN: asm is the sum of 4 columns; missing: RARM_LEAN" in text
    assert "row 3, LARM_LEAN + RARM_LEAN + L_LEG_LEAN + R_LEG_LEAN: 18 g is implausible (expected 3–60 kg)" in text


def test_hologic_field_names_in_lower_case(tmp_path: Path) -> None:
    header = [h.lower() for h in HOLOGIC]
    f = write_csv(tmp_path / "apex.csv", header, [["H1", "", 2100, 2200, 6800, 6900, 6.61]])
    assert detect(f) == "dxa-hologic"
    rec = import_measures(f).records[0]
    assert rec.values["asm"]["value"] == 18.0
    assert rec.provenance["asm"]["column"] == "larm_lean + rarm_lean + l_leg_lean + r_leg_lean"


def test_nhanes_dxx_variables(tmp_path: Path) -> None:
    f = write_csv(tmp_path / "dxx.csv", ["SEQN", "DXDRLLE", "DXDLALE", "DXDRALE", "DXDLLLE"],
                  [[62161, 7000, 2500, 2600, 7100]])
    assert detect(f) == "dxa-nhanes"
    rec = import_measures(f).records[0]
    assert rec.id == "62161" and rec.values["asm"]["value"] == 19.2
    assert rec.provenance["asm"]["tool"] == "nhanes-dxx"


INBODY = ["2. ID", "3. Height", "5. Gender", "6. Age", "14. Test Date / Time", "15. Weight",
          "39. FFM (Fat Free Mass)", "48. PBF (Percent Body Fat)", "51. Lean Mass of Right Arm",
          "55. Lean Mass of Left Arm", "63. Lean Mass of Right Leg", "67. Lean Mass of Left Leg",
          "75. 20kHz-RA Impedance", "80. 100kHz-RA Impedance"]


def test_inbody_columns_matched_without_their_numbers(tmp_path: Path) -> None:
    rows = [["B1", 162.5, "F", 71, "2025.03.04 10:22:33", 58.4, 40.1, 31.3, 1.9, 1.85, 6.1, 6.0, 380.2, 340.0],
            ["B2", 175, "M", 68, "20250305102233", 80, "-", "-", 3.1, 3.0, 8.9, 8.8, "-", "-"]]
    f = write_csv(tmp_path / "lookinbody.csv", INBODY, rows)
    assert detect(f) == "inbody"
    res = import_measures(f)
    b1, b2 = res.records
    assert b1.values["asm"] == {"value": 15.85, "unit": "kg"} and b1.values["asm_method"] == "bia"
    assert b1.values["sex"] == "female" and b1.values["date"] == "2025-03-04"
    assert b1.values["height"] == {"value": 162.5, "unit": "cm"}
    assert b1.values["fat_mass_percent"]["value"] == 31.3
    assert b1.provenance["asm"]["raw"] == {"75. 20kHz-RA Impedance": 380.2, "80. 100kHz-RA Impedance": 340.0}
    assert "bia_resistance" not in b1.values  # segmental impedance is not whole-body resistance
    assert "fat_free_mass" not in b2.values and b2.values["date"] == "2025-03-05"  # '-' is missing
    assert "raw" not in b2.provenance["asm"]


def test_inbody_row_without_limbs_has_no_asm_method_and_an_empty_row_is_noted(tmp_path: Path) -> None:
    header = ["2. ID", "15. Weight", "51. Lean Mass of Right Arm", "55. Lean Mass of Left Arm",
              "63. Lean Mass of Right Leg", "67. Lean Mass of Left Leg"]
    f = write_csv(tmp_path / "ib.csv", header, [["B1", 60, "-", "-", "-", "-"], ["B2", "-", "-", "-", "-", "-"]])
    res = import_measures(f, "inbody")
    [b1] = res.records
    assert b1.values == {"id": "B1", "weight": {"value": 60.0, "unit": "kg"}}
    assert "row 3: no value to import (every mapped cell is empty or missing)" in res.notes


def test_inbody_reordered_other_numbering_and_bad_rows(tmp_path: Path) -> None:
    header = ["20. Lean Mass of Left Leg", "1. ID", "8. Lean Mass of Right Leg", "9. Lean Mass of Left Arm",
              "10. Lean Mass of Right Arm", "11. Gender", "12. Weight"]
    rows = [["6.0", "B1", "6.1", "1.85", "1.9", "F", "58.4"],
            ["6.0", "B2", "6.1", "1.85", "1.9", "X", "584"]]
    f = write_csv(tmp_path / "ib.csv", header, rows)
    with pytest.raises(MeasuresImportError) as e:
        import_measures(f, "inbody")
    text = str(e.value)
    assert "row 3, 11. Gender: unknown code 'X'" in text
    assert "row 3, 12. Weight: 584 kg is implausible (expected 15–350 kg)" in text
    assert len(e.value.problems) == 2


def test_inbody_missing_limb_column_is_named(tmp_path: Path) -> None:
    f = write_csv(tmp_path / "ib.csv", ["2. ID", "51. Lean Mass of Right Arm"], [["B1", 1.9]])
    with pytest.raises(InputFileError, match="missing column\\(s\\) Lean Mass of Left Arm, Lean Mass of Right Leg"):
        import_measures(f, "inbody")


MAP = """
name: Clinic BIA
tool: acme-bia
id: subject
columns:
  bia_resistance: {from: R50, unit: ohm}
  bia_reactance: {from: Xc50, unit: ohm}
  weight: {from: wt_lb, unit: lb}
  grip_strength: {from: grip}
"""


def test_device_map_of_ones_own_and_a_value_without_unit(tmp_path: Path) -> None:
    m = tmp_path / "acme.yaml"
    m.write_text(MAP, "utf-8")
    f = write_csv(tmp_path / "acme.csv", ["subject", "R50", "Xc50", "wt_lb", "grip"], [["S1", 520, 55, 154, ""]])
    rec = import_measures(f, "mapping", mapping=m).records[0]
    assert rec.values["bia_resistance"] == {"value": 520.0, "unit": "ohm"}
    assert rec.values["weight"]["value"] == pytest.approx(69.853225, abs=1e-6)  # 154 lb exactly
    f2 = write_csv(tmp_path / "acme2.csv", ["subject", "R50", "Xc50", "wt_lb", "grip"], [["S1", 520, 55, 154, 30]])
    with pytest.raises(MeasuresImportError, match="row 2, grip: no unit for grip_strength"):
        import_measures(f2, "mapping", mapping=m)
    # a unit written in the cell is honoured
    f3 = write_csv(tmp_path / "acme3.csv", ["subject", "R50", "Xc50", "wt_lb", "grip"], [["S1", 520, 55, 154, "66 lb"]])
    assert import_measures(f3, "mapping", mapping=m).records[0].values["grip_strength"]["value"] == pytest.approx(66 * 0.45359237)


def test_xlsx_first_sheet_or_named_sheet(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    m = tmp_path / "acme.yaml"
    m.write_text(MAP, "utf-8")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "notes"
    ws.append(["subject", "R50", "Xc50", "wt_lb", "grip"])
    ws.append(["S1", 500, 50, 150, None])
    ws2 = wb.create_sheet("visit2")
    ws2.append(["grip", "subject", "R50", "Xc50", "wt_lb"])
    ws2.append([None, "S1", 480.5, 48, 148])
    ws2.append([None, "S2", 9999, 48, 148])
    wb.save(tmp_path / "bia.xlsx")
    res = import_measures(tmp_path / "bia.xlsx", "xlsx", mapping=m)
    assert res.records[0].values["bia_resistance"]["value"] == 500.0
    assert res.records[0].provenance["bia_resistance"]["sheet"] == "notes"
    with pytest.raises(MeasuresImportError, match="row 3, R50: 9999 ohm is implausible"):
        import_measures(tmp_path / "bia.xlsx", "xlsx", mapping=m, sheet="visit2")
    part = import_measures(tmp_path / "bia.xlsx", "xlsx", mapping=m, sheet="visit2", partial=True)
    assert part.records[0].values["bia_resistance"]["value"] == 480.5
    assert part.records[0].provenance["bia_resistance"] == {
        "tool": "acme-bia", "file": "bia.xlsx", "row": 2, "sheet": "visit2", "column": "R50"}
    with pytest.raises(InputFileError, match="no sheet 'v3'"):
        import_measures(tmp_path / "bia.xlsx", "xlsx", mapping=m, sheet="v3")


REDCAP_MAP = """
name: Trial REDCap project
tool: redcap
id: record_id
columns:
  sex: {from: sex, codes: {Male: male, Female: female}}
  grip_strength: {from: grip_kg, unit: kg}
  gait_speed: {from: gait, unit: m/s}
"""
DICT_HEADER = ["Variable / Field Name", "Form Name", "Section Header", "Field Type", "Field Label",
               "Choices, Calculations, OR Slider Labels", "Field Note"]


def test_redcap_export_with_its_data_dictionary(tmp_path: Path) -> None:
    m = tmp_path / "map.yaml"
    m.write_text(REDCAP_MAP, "utf-8")
    d = write_csv(tmp_path / "dict.csv", DICT_HEADER, [
        ["record_id", "baseline", "", "text", "Record ID", "", ""],
        ["sex", "baseline", "", "radio", "Sex", "1, Male | 2, Female", ""],
        ["grip_kg", "baseline", "", "text", "Grip (kg)", "", ""],
        ["gait", "baseline", "", "text", "Gait speed", "", ""]])
    data = write_csv(tmp_path / "export.csv", ["record_id", "redcap_event_name", "sex", "grip_kg", "gait"],
                     [["101", "baseline_arm_1", 2, 18.5, 0.7], ["102", "baseline_arm_1", 1, 35, ""]])
    res = import_measures(data, "redcap", mapping=m, dictionary=d)
    assert [r.values["sex"] for r in res.records] == ["female", "male"]
    assert res.records[0].values["grip_strength"]["value"] == 18.5
    bad_map = tmp_path / "bad.yaml"
    bad_map.write_text(REDCAP_MAP.replace("gait, unit", "gait_ms, unit"), "utf-8")
    with pytest.raises(InputFileError, match="data dictionary has no field\\(s\\) gait_ms"):
        import_measures(data, "redcap", mapping=bad_map, dictionary=d)


def test_a_bad_device_map_is_named(tmp_path: Path) -> None:
    m = tmp_path / "bad.yaml"
    m.write_text("name: x\ntool: y\ncolumns:\n  asm: {from: a, sum_of: [b, c]}\n", "utf-8")
    f = write_csv(tmp_path / "f.csv", ["a"], [[1]])
    with pytest.raises(InputFileError, match="give exactly one of from, sum_of, value"):
        import_measures(f, "mapping", mapping=m)
