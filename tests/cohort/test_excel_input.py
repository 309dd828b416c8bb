"""Excel workbooks as cohort input: the first sheet, read as text cells like a CSV, with --map."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from myoscope.cohort import classify
from myoscope.errors import InputFileError

DEFS = ["ewgsop2", "fnih2014"]
HEADER = ["SEQN", "RIAGENDR", "RIDAGEYR", "BMXHT", "BMXWT", "MGXH1T1", "DXDLALE", "DXDRALE", "DXDLLLE", "DXDRLLE"]
ROWS = [[101, 1, 72, 170, 70, 25, 2500, 2600, 7000, 7100],
        [102, 2, 80, 158, 53.1, 14, 1700, 1800, 5000, 5100],
        [103, 2, 80, 158, 53.1, 14, 1700, 1800, 5000, 510000]]  # a typo: ASM 518.5 kg, rejected


def test_xlsx_cohort_with_a_mapping_equals_the_csv(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    wb.active.append(HEADER)
    for r in ROWS:
        wb.active.append(r)
    wb.save(tmp_path / "nhanes.xlsx")
    (tmp_path / "nhanes.csv").write_text(
        "\n".join(",".join(str(c) for c in r) for r in [HEADER, *ROWS]) + "\n", "utf-8")
    x = classify(tmp_path / "nhanes.xlsx", DEFS, mapping="nhanes")
    c = classify(tmp_path / "nhanes.csv", DEFS, mapping="nhanes")
    assert x.rows_rejected == c.rows_rejected == 1
    for d in DEFS:
        assert x.table[d].to_list() == c.table[d].to_list()
    assert x.rejects.select("row", "column").rows() == c.rejects.select("row", "column").rows()


def test_xlsx_date_cells_are_days(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    from myoscope.cohort.io import scan

    wb = openpyxl.Workbook()
    wb.active.append(["id", "date", "grip_strength"])
    wb.active.append(["a", datetime(2025, 3, 4), 22.5])
    wb.save(tmp_path / "d.xlsx")
    df = scan(tmp_path / "d.xlsx").collect()
    assert df.rows() == [("a", "2025-03-04", "22.5")]


def test_not_a_workbook(tmp_path: Path) -> None:
    (tmp_path / "bad.xlsx").write_bytes(b"not a zip")
    with pytest.raises(InputFileError, match=r"cannot read .* as an Excel workbook"):
        classify(tmp_path / "bad.xlsx", DEFS)
