"""Registry import of tool outputs through a device map and of Excel sheets: the same file twice
adds nothing, provenance is stored with the visit, bad rows stop the whole file."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from myoscope.errors import InputFileError, MeasuresImportError
from myoscope.registry import repo
from myoscope.registry.imports import import_csv
from myoscope.registry.models import Measurement, Visit

INBODY = ["2. ID", "3. Height", "5. Gender", "6. Age", "14. Test Date / Time", "15. Weight",
          "51. Lean Mass of Right Arm", "55. Lean Mass of Left Arm", "63. Lean Mass of Right Leg",
          "67. Lean Mass of Left Leg", "75. 20kHz-RA Impedance"]


def write(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def test_inbody_export_imported_twice_adds_once_with_provenance(factory: sessionmaker[Session],
                                                                tmp_path: Path) -> None:
    f = write(tmp_path / "lookinbody.csv", INBODY, [
        ["IB1", 160, "F", 72, "2025.03.04 10:22:33", 58.4, 1.9, 1.85, 6.1, 6.0, 380.2],
        ["IB1", 160, "F", 72, "2025.06.04 09:00:00", 57.0, 1.8, 1.8, 5.9, 5.9, 390.0],
        ["IB2", 175, "M", 68, "2025.03.05 11:00:00", 80, 3.1, 3.0, 8.9, 8.8, "-"]])
    with factory() as s:
        first = import_csv(s, path=f, actor="importer", mapping="inbody")
    assert (first.created, first.skipped, first.patients_created) == (3, 0, 2)
    with factory() as s:
        again = import_csv(s, path=f, actor="importer", mapping="inbody")
    assert (again.created, again.skipped) == (0, 3)
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(Visit)) == 3
        prov = s.scalars(select(Measurement).where(Measurement.measure_id == "provenance")
                         .order_by(Measurement.id)).first()
        assert prov is not None and prov.value_json["asm"]["tool"] == "inbody"
        assert prov.value_json["asm"]["row"] == 2
        assert prov.value_json["asm"]["raw"] == {"75. 20kHz-RA Impedance": 380.2}
        view = repo.show_patient(s, pseudonym="IB1", actor="t")
        assert [v.source for v in view.visits] == ["lookinbody.csv:2", "lookinbody.csv:3"]
        s.rollback()


def test_a_bad_row_stops_the_whole_file(factory: sessionmaker[Session], tmp_path: Path) -> None:
    f = write(tmp_path / "ib.csv", INBODY, [
        ["IB1", 160, "F", 72, "2025.03.04", 58.4, 1.9, 1.85, 6.1, 6.0, 380.2],
        ["IB2", 175, "M", 68, "2025.03.05", 800, 3.1, 3.0, 8.9, 8.8, "-"]])
    with factory() as s, pytest.raises(MeasuresImportError, match=r"row 3, 15\. Weight: 800 kg is implausible"):
        import_csv(s, path=f, actor="importer", mapping="inbody")
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(Visit)) == 0


def test_visits_sheet_of_an_excel_workbook(factory: sessionmaker[Session], tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["patient", "sex", "birth_date", "date", "weight", "grip_strength"])
    ws.append(["X1", "F", "1944-05-01", "2025-01-10", 60, 22.5])
    ws.append(["X1", "F", "1944-05-01", "2025-05-10", "132 lb", 20])
    wb.save(tmp_path / "visits.xlsx")
    with factory() as s:
        r = import_csv(s, path=tmp_path / "visits.xlsx", actor="importer")
    assert (r.created, r.patients_created) == (2, 1)
    with factory() as s:
        r2 = import_csv(s, path=tmp_path / "visits.xlsx", actor="importer")
    assert r2.skipped == 2


def test_excel_rows_with_values_beyond_the_header_are_named_together_and_nothing_is_written(
        factory: sessionmaker[Session], tmp_path: Path) -> None:
    """As a CSV line with more cells than the header: such a value was dropped without a word.
    Empty cells past the header (a spreadsheet pads every row to its widest) are not extra."""
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["patient", "sex", "birth_date", "date", "grip_strength"])
    ws.append(["X1", "F", "1944-05-01", "2025-01-10", 22, "stray"])
    ws.append(["X2", "F", "1944-05-01", "2025-01-10", 22, None, "  "])
    ws.append(["X3", "M", "1950-01-01", "2025-01-10", 30, None, 7])
    ws.append(["X4", "M", "1950-01-01", "2025-01-10", 31])
    path = tmp_path / "visits.xlsx"
    wb.save(path)
    with factory() as s, pytest.raises(InputFileError) as err:
        import_csv(s, path=path, actor="importer")
    assert str(err.value) == f"{path}: more cells than header columns on row(s) 2, 4"
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(Visit)) == 0
    ws.delete_rows(4)
    ws.delete_rows(2)
    wb.save(path)  # the rest, padded with empty cells past the header, is imported
    with factory() as s:
        assert import_csv(s, path=path, actor="importer").created == 2


def test_redcap_export_with_only_its_dictionary(factory: sessionmaker[Session], tmp_path: Path) -> None:
    from ..redcap_helpers import write_dictionary, write_export

    d = write_dictionary(tmp_path / "dict.csv")
    f = write_export(tmp_path / "export.csv")
    with factory() as s:
        first = import_csv(s, path=f, actor="importer", dictionary=d)
    assert (first.created, first.patients_created) == (3, 3)
    with factory() as s:
        assert import_csv(s, path=f, actor="importer", dictionary=d).created == 0  # idempotent
        v = s.scalars(select(Visit)
                      .order_by(Visit.id)).first()
        assert v is not None
        height = s.scalars(select(Measurement).where(Measurement.visit_id == v.id,
                                                     Measurement.measure_id == "height")).one()
        assert height.value_num == 158.0
        prov = s.scalars(select(Measurement).where(Measurement.visit_id == v.id,
                                                   Measurement.measure_id == "provenance")).one()
        assert prov.value_json["height"]["column"] == "height_cm"
