"""Tables as the measuring tools write them: CSV (any delimiter) and Excel sheets.

One shape for both (:class:`Table`): the header, then each row's cells with the row number a
spreadsheet shows (the header is row 1), so that every problem names the row a person can find.
CSV goes through the project's one input reader (UTF-8 only; a named line if not); Excel needs
openpyxl (the ``excel`` extra).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputFileError, MissingDependencyError
from ..inputs import decode, read_bytes

#: rows beyond this are refused: an export of one clinic's measurements is far smaller, and every
#: row is held in memory while all of them are checked (use `myoscope cohort` for big tables)
MAX_ROWS = 200_000


@dataclass
class Table:
    header: list[str]
    rows: list[tuple[int, list[Any]]]  # (row number as a spreadsheet shows it, cells)
    sheet: str | None = None
    notes: list[str] = field(default_factory=list)


def read_csv(path: str | Path, delimiter: str | None = None) -> Table:
    """A CSV file; ``delimiter`` None sniffs comma, semicolon or tab from the header line."""
    p = Path(path)
    text = decode(read_bytes(p), str(p))
    first = text.split("\n", 1)[0]
    if not first.strip():
        raise InputFileError(f"{p}: empty file (expected a header row)")
    sep = delimiter or max((",", ";", "\t"), key=first.count)
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
        header = [h.strip() for h in next(reader)]
        rows: list[tuple[int, list[Any]]] = []
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            if len(rows) >= MAX_ROWS:
                raise InputFileError(f"{p}: more than {MAX_ROWS:,} rows; split the file")
            rows.append((reader.line_num, cells))
    except csv.Error as exc:
        raise InputFileError(f"cannot parse {p}: line {reader.line_num}: {exc}") from None
    return Table(header, rows)


def read_xlsx(path: str | Path, sheet: str | None = None) -> Table:
    """The first sheet of an Excel workbook (or ``sheet``): its first row is the header."""
    try:
        import openpyxl  # type: ignore[import-untyped]
    except ImportError:
        raise MissingDependencyError(
            "reading Excel files needs openpyxl: pip install 'myoscope[excel]'"
        ) from None
    p = Path(path)
    try:
        wb = openpyxl.load_workbook(p, read_only=True, data_only=True)
    except FileNotFoundError:
        raise InputFileError(f"{p}: no such file") from None
    except Exception as exc:  # a corrupt or non-Excel file: openpyxl raises many kinds
        raise InputFileError(
            f"cannot read {p} as an Excel workbook (.xlsx): {type(exc).__name__}"
        ) from None
    try:
        if sheet is not None and sheet not in wb.sheetnames:
            raise InputFileError(f"{p}: no sheet {sheet!r} (sheets: {', '.join(wb.sheetnames)})")
        ws = wb[sheet] if sheet is not None else wb.worksheets[0]
        it = ws.iter_rows(values_only=True)
        first = next(it, None)
        if first is None:
            raise InputFileError(f"{p}: sheet {ws.title!r} is empty (expected a header row)")
        header = [("" if h is None else str(h)).strip() for h in first]
        rows: list[tuple[int, list[Any]]] = []
        for n, cells in enumerate(it, start=2):
            if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
                continue
            if len(rows) >= MAX_ROWS:
                raise InputFileError(f"{p}: more than {MAX_ROWS:,} rows; split the file")
            rows.append((n, list(cells)))
        title = ws.title
    finally:
        wb.close()
    return Table(header, rows, sheet=title)


def read_table(path: str | Path, *, delimiter: str | None = None, sheet: str | None = None) -> Table:
    """CSV or Excel by the file's suffix."""
    if Path(path).suffix.lower() in (".xlsx", ".xlsm"):
        return read_xlsx(path, sheet)
    if sheet is not None:
        raise InputFileError(f"{path}: --sheet applies to Excel workbooks (.xlsx) only")
    return read_csv(path, delimiter)


__all__ = ["MAX_ROWS", "Table", "read_csv", "read_table", "read_xlsx"]
