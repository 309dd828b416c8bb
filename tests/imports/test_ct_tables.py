"""Comp2Comp and mosamatic2 outputs: exact layout, reordered and missing columns, bad values,
unit mix-ups, the L3-not-found case, the swapped-column note, partial import."""

from __future__ import annotations

from pathlib import Path

import pytest

from myoscope.errors import InputFileError, MeasuresImportError, NothingToImportError
from myoscope.imports import detect, import_measures
from myoscope.record import parse_record

from .helpers import COMP2COMP_HEADER, comp2comp_rows, write_csv

MOSA_HEADER = ["file", "muscle_area", "muscle_idx", "muscle_ra", "vat_area", "vat_idx", "vat_ra",
               "sat_area", "sat_idx", "sat_ra"]


def test_comp2comp_exact_header_reads_the_l3_row_with_provenance(tmp_path: Path) -> None:
    f = write_csv(tmp_path / "muscle_adipose_tissue_metrics.csv", COMP2COMP_HEADER, comp2comp_rows())
    assert detect(f) == "comp2comp"
    res = import_measures(f, patient="P1")
    [rec] = res.records
    assert rec.values["l3_muscle_area"] == {"value": 142.25, "unit": "cm2"}
    assert rec.values["l3_muscle_attenuation"] == {"value": 41.57, "unit": "HU"}
    prov = rec.provenance["l3_muscle_area"]
    assert prov == {"tool": "comp2comp", "file": f.name, "row": 3, "level": "L3", "column": "Muscle CSA (cm^2)"}
    # the fragment with a sex is a valid record, provenance included
    r = parse_record({**rec.to_dict(), "sex": "male"})
    assert r.values["provenance"]["l3_muscle_attenuation"]["column"] == "Muscle HU"


def test_comp2comp_swapped_columns_are_not_read_and_the_note_says_why(tmp_path: Path) -> None:
    f = write_csv(tmp_path / "m.csv", COMP2COMP_HEADER, comp2comp_rows())
    res = import_measures(f, "comp2comp")
    assert any("abCT_v0.0.1" in n and "SAT and IMAT" in n for n in res.notes)
    fields = set(res.records[0].values)
    assert fields == {"l3_muscle_area", "l3_muscle_attenuation"}  # no adipose field from swapped columns


def test_comp2comp_reordered_columns(tmp_path: Path) -> None:
    order = [3, 0, 9, 2, 1, 4, 5, 6, 7, 8]
    header = [COMP2COMP_HEADER[i] for i in order]
    rows = [[r[i] for i in order] for r in comp2comp_rows(130.5, 33.0)]
    res = import_measures(write_csv(tmp_path / "m.csv", header, rows), "comp2comp")
    assert res.records[0].values["l3_muscle_area"]["value"] == 130.5
    assert res.records[0].values["l3_muscle_attenuation"]["value"] == 33.0


def test_comp2comp_missing_columns_are_all_named(tmp_path: Path) -> None:
    header = [h for h in COMP2COMP_HEADER if h not in ("Muscle HU", "Muscle CSA (cm^2)")]
    rows = [[c for i, c in enumerate(r) if i not in (2, 3)] for r in comp2comp_rows()]
    with pytest.raises(InputFileError) as e:
        import_measures(write_csv(tmp_path / "m.csv", header, rows), "comp2comp")
    assert "missing column(s) Muscle CSA, Muscle HU" in str(e.value)
    assert "columns found: Level, Index" in str(e.value)


def test_comp2comp_without_l3_row_names_the_levels_found(tmp_path: Path) -> None:
    rows = [r for r in comp2comp_rows() if r[0] != "L3"]
    with pytest.raises(NothingToImportError) as e:
        import_measures(write_csv(tmp_path / "m.csv", COMP2COMP_HEADER, rows), "comp2comp")
    assert "no row with Level L3 (Level found: T12, L5)" in str(e.value)


def test_comp2comp_bad_values_are_all_reported_with_row_and_column(tmp_path: Path) -> None:
    f = write_csv(tmp_path / "m.csv", COMP2COMP_HEADER, comp2comp_rows(l3_area=900, l3_hu="n/a"))
    with pytest.raises(MeasuresImportError) as e:
        import_measures(f, "comp2comp")
    text = str(e.value)
    assert "row 3, Muscle HU: expected a number, got 'n/a'" in text
    assert "row 3, Muscle CSA (cm^2): 900 cm2 is implausible (expected 30–400 cm2)" in text


def test_comp2comp_area_unit_from_the_header_is_converted(tmp_path: Path) -> None:
    header = [h.replace("(cm^2)", "(mm^2)") for h in COMP2COMP_HEADER]
    res = import_measures(write_csv(tmp_path / "m.csv", header, comp2comp_rows(l3_area=14225)), "comp2comp")
    assert res.records[0].values["l3_muscle_area"] == {"value": 142.25, "unit": "cm2"}


def test_comp2comp_area_column_without_a_unit_is_refused(tmp_path: Path) -> None:
    header = [h.replace(" (cm^2)", "") for h in COMP2COMP_HEADER]
    with pytest.raises(InputFileError) as e:
        import_measures(write_csv(tmp_path / "m.csv", header, comp2comp_rows()), "comp2comp")
    assert "Muscle CSA name no unit" in str(e.value)


def test_mosamatic2_semicolon_file_one_record_per_row(tmp_path: Path) -> None:
    rows = [["P1.dcm", 131.5, 0, 35.2, 100.1, 0, -90.1, 150.0, 0, -95.0],
            ["P2.dcm", 98.25, 0, 28.0, 80.0, 0, -88.0, 140.0, 0, -96.0]]
    f = write_csv(tmp_path / "bc_scores.csv", MOSA_HEADER, rows, sep=";")
    assert detect(f) == "mosamatic2"
    res = import_measures(f)
    assert [r.id for r in res.records] == ["P1.dcm", "P2.dcm"]
    assert res.records[1].values["l3_muscle_area"]["value"] == 98.25
    assert res.records[1].provenance["l3_muscle_attenuation"]["row"] == 3
    assert res.records[1].provenance["l3_muscle_attenuation"]["level"] == "L3"
    # --patient selects that patient's row by the id column
    only = import_measures(f, patient="P2.dcm")
    assert [r.id for r in only.records] == ["P2.dcm"]
    with pytest.raises(NothingToImportError, match="no row of patient P9"):
        import_measures(f, patient="P9")


def test_mosamatic2_reordered_with_the_later_lama_column(tmp_path: Path) -> None:
    header = ["muscle_ra", "file", "muscle_lama_perc", "muscle_area", "muscle_idx"]
    f = write_csv(tmp_path / "bc.csv", header, [[36.5, "A.dcm", 12, 150.0, 0]], sep=";")
    res = import_measures(f, "mosamatic2")
    assert res.records[0].values["l3_muscle_attenuation"]["value"] == 36.5


def test_mosamatic2_area_in_mm2_is_refused_as_implausible_and_partial_keeps_good_rows(tmp_path: Path) -> None:
    rows = [["P1.dcm", 131.5, 0, 35.2, 100.1, 0, -90.1, 150.0, 0, -95.0],
            ["P2.dcm", 13150, 0, 35.2, 100.1, 0, -90.1, 150.0, 0, -95.0],  # mm² written as cm²
            ["P3.dcm", 120.0, 0, -80, 100.1, 0, -90.1, 150.0, 0, -95.0]]
    f = write_csv(tmp_path / "bc.csv", MOSA_HEADER, rows, sep=";")
    with pytest.raises(MeasuresImportError) as e:
        import_measures(f, "mosamatic2")
    assert len(e.value.problems) == 2  # every bad row at once
    assert "row 3, muscle_area: 13150 cm2 is implausible" in str(e.value)
    assert "row 4, muscle_ra: -80 HU is implausible" in str(e.value)
    res = import_measures(f, "mosamatic2", partial=True)
    assert [r.id for r in res.records] == ["P1.dcm"]
    assert [p.path for p in res.skipped] == ["row 3, muscle_area", "row 4, muscle_ra"]


def test_totalsegmentator_statistics_import_nothing_and_say_why(tmp_path: Path) -> None:
    f = tmp_path / "statistics.json"
    f.write_text('{"spleen": {"volume": 180000.5, "intensity": 51.2},'
                 ' "autochthon_left": {"volume": 0.0, "intensity": 0.0},'
                 ' "vertebrae_L3": {"volume": 0.0, "intensity": 0.0}}', "utf-8")
    with pytest.raises(NothingToImportError) as e:
        import_measures(f)
    text = str(e.value)
    assert "3 classes" in text and "2 of them are incomplete" in text
    assert "autochthon_left, vertebrae_L3" in text and "--mask" in text


def test_totalsegmentator_other_json_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "statistics.json"
    f.write_text('{"spleen": {"mean": 3}}', "utf-8")
    with pytest.raises(InputFileError, match="not a TotalSegmentator statistics file"):
        import_measures(f, "totalsegmentator")


def test_mosamatic2_excel_twin_is_recognised(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    wb.active.append(MOSA_HEADER)
    wb.active.append(["P1.dcm", 131.5, 0, 35.2, 100.1, 0, -90.1, 150.0, 0, -95.0])
    wb.save(tmp_path / "bc_scores.xlsx")
    assert detect(tmp_path / "bc_scores.xlsx") == "mosamatic2"
    rec = import_measures(tmp_path / "bc_scores.xlsx").records[0]
    assert rec.id == "P1.dcm" and rec.provenance["l3_muscle_area"]["sheet"] == "Sheet"


def test_partial_with_no_good_row_still_names_every_problem(tmp_path: Path) -> None:
    f = write_csv(tmp_path / "bc.csv", MOSA_HEADER[:4], [["A", 5000, 0, 35], ["B", 120, 0, 900]], sep=";")
    with pytest.raises(MeasuresImportError) as e:
        import_measures(f, "mosamatic2", partial=True)
    assert len(e.value.problems) == 2
