"""Reading cohort inputs (CSV, Parquet, Arrow, pandas or polars frames) and writing outputs.

Files are scanned lazily so that a table larger than memory streams through in batches. CSV
cells are read as text and parsed by the validator, so that an unreadable cell becomes a reject
naming its row and column instead of failing the whole file or silently becoming missing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import polars as pl

from ..errors import CohortInputError, InputFileError
from ..measures import Catalog
from .mapping import Mapping, first_present
from .tables import TableColumn, history_pairs, table_columns
from .validate import Source, per_distinct

#: Cell texts that mean "missing" in CSV input (R, pandas, SQL exports); a cell of blanks alone
#: is missing too (``blank_cells_missing``), as it is in an Excel sheet.
CSV_NULLS = ["", "NA", "N/A", "NaN", "nan", "null", "NULL"]
#: the same rule for Spark's regular expressions (a cell of whitespace only)
BLANK_CELL = r"^\s*$"
ROW = "row"  # 1-based position of the row in the input
#: the prefix of the engines' own working columns (``__bad``, ``__t_age``, ``__sex``): an input
#: column named so would collide with them. None of them ends with it, so pandas' index column
#: (``__index_level_0__``, written to Parquet from a filtered frame) is not refused.
RESERVED = "__"
FrameT = TypeVar("FrameT", pl.DataFrame, pl.LazyFrame)
_CSV = {".csv", ".tsv", ".txt"}
_PARQUET = {".parquet", ".pq"}
_ARROW = {".arrow", ".ipc", ".feather"}
_EXCEL = {".xlsx", ".xlsm"}


def scan(data: Any) -> pl.LazyFrame:
    """A lazy frame over a path (CSV/TSV, Parquet, Arrow IPC; a directory of Parquet files) or an
    in-memory frame (polars, pandas, pyarrow). :raises InputFileError:"""
    return as_text(_scan(data))


def _scan(data: Any) -> pl.LazyFrame:
    if isinstance(data, pl.LazyFrame):
        return data
    if isinstance(data, pl.DataFrame):
        return data.lazy()
    if isinstance(data, str | Path):
        return _scan_path(Path(data))
    module = type(data).__module__.split(".")[0]
    if module == "pandas":
        return pl.from_pandas(data, nan_to_null=True).lazy()
    if module == "pyarrow":
        frame = pl.from_arrow(data)
        return (frame if isinstance(frame, pl.DataFrame) else frame.to_frame()).lazy()
    raise InputFileError(f"cannot read input of type {type(data).__name__}")


def as_text(lf: pl.LazyFrame) -> pl.LazyFrame:
    """Binary, dictionary-encoded and duration columns read as text.

    Some writers store text as bytes (Parquet ``binary`` without the string annotation); read as
    bytes, every cell was rejected (``b'male'`` is not a sex). An invalid sequence becomes U+FFFD,
    as Spark's ``make_valid_utf8`` makes it (``validate_spark.as_text``), so the cell is rejected
    in every engine with the same text instead of turning into a missing value. pandas'
    ``category`` columns and R's factors are written as dictionaries, which polars reads as
    ``Categorical``: read as such, a number in them (``"0.7"``) was rejected as unreadable, where
    the same text in a plain column, or in Spark, is read. A duration (a time span, such as a
    visit date minus a birth date in pandas) is no number in a measure's unit and has no cast to
    text in polars, which stopped the run with polars' own message: as ISO 8601 text
    (``P25567D``), each cell is rejected, named."""
    schema = lf.collect_schema()
    binary = [name for name, dtype in schema.items() if dtype == pl.Binary]
    coded = [name for name, dtype in schema.items() if isinstance(dtype, pl.Categorical | pl.Enum)]
    spans = [name for name, dtype in schema.items() if isinstance(dtype, pl.Duration)]
    if not binary and not coded and not spans:
        return lf
    # polars has no lossy cast from bytes: decoded in Python, once per distinct value (a rare
    # input type, and mostly a handful of values: sex, yes/no)
    return lf.with_columns(
        [per_distinct(pl.col(c), lambda v: v.decode("utf-8", "replace"), pl.String) for c in binary]
        + [pl.col(c).cast(pl.String) for c in coded]
        + [pl.col(c).dt.to_string("iso") for c in spans]
    )


def _scan_path(path: Path) -> pl.LazyFrame:
    if path.is_dir():
        files = sorted(path.glob("*.parquet"))
        if not files:
            raise InputFileError(f"{path}: no .parquet files in this directory")
        _same_schema(path, files)
        return pl.scan_parquet(files)
    if not path.exists():
        raise InputFileError(f"cannot read {path}: no such file")
    suffix = path.suffix.lower()
    if path.is_file() and path.stat().st_size == 0:
        raise CohortInputError(f"{path}: empty file")
    if suffix in _CSV:
        sep = "\t" if suffix == ".tsv" else ","
        with path.open("rb") as f:
            _header(f.readline(), sep, path)  # encoding and column names, before polars sees them
        scanned = pl.scan_csv(path, separator=sep, infer_schema=False, null_values=CSV_NULLS)
        return blank_cells_missing(scanned)
    if suffix in _PARQUET:
        return pl.scan_parquet(path)
    if suffix in _ARROW:
        return pl.scan_ipc(path)
    if suffix in _EXCEL:
        return _excel(path).lazy()
    raise InputFileError(
        f"{path}: unknown input format {suffix!r} (expected .csv, .tsv, .parquet, .arrow or .xlsx)"
    )


def _same_schema(path: Path, files: list[Path]) -> None:
    """The Parquet files of a directory are one table: the same columns of the same types. Read
    from each file's footer (no data), so that a difference is named before anything runs."""
    first: dict[str, Any] | None = None
    for f in files:
        try:
            schema = dict(pl.read_parquet_schema(f))
        except Exception as exc:  # polars raises several types for a damaged footer
            raise InputFileError(f"cannot read {f}: {str(exc).splitlines()[0][:200]}") from None
        if first is None:
            first = schema
            continue
        if schema != first:
            extra = [c for c in schema if c not in first]
            missing = [c for c in first if c not in schema]
            typed = [c for c in schema if c in first and schema[c] != first[c]]
            said = "; ".join(
                part
                for part in (
                    f"columns not in {files[0].name}: {', '.join(extra)}" if extra else "",
                    f"lacks {', '.join(missing)}" if missing else "",
                    "other types for " + ", ".join(f"{c} ({schema[c]}, not {first[c]})" for c in typed)
                    if typed
                    else "",
                )
                if part
            )
            raise InputFileError(
                f"{path}: the Parquet files differ in their columns ({f.name}: {said}); a directory "
                "must hold one table"
            )


def _excel(path: Path) -> pl.DataFrame:
    """The first sheet of a workbook as text columns, like a CSV read without type inference (a
    spreadsheet is small enough to hold; the cells are then validated as CSV cells are)."""
    from ..imports.table import read_xlsx

    table = read_xlsx(path)
    names = [h for h in table.header if h]
    if len(set(names)) != len(names):
        raise CohortInputError(f"{path}: duplicate column names in the first row")
    columns: dict[str, list[str | None]] = {h: [] for h in names}
    for _, cells in table.rows:
        for i, h in enumerate(table.header):
            if not h:
                continue
            c = cells[i] if i < len(cells) else None
            columns[h].append(None if c is None or (isinstance(c, str) and not c.strip()) else _excel_text(c))
    return pl.DataFrame(columns, schema={h: pl.String for h in names})


def _excel_text(c: Any) -> str:
    if hasattr(c, "isoformat"):
        return str(c.isoformat())[:10]  # a date cell: the record's dates are days
    if isinstance(c, float) and c.is_integer():
        return str(int(c))
    return str(c)


def count_rows(data: Any) -> int | None:
    """Row count when it is cheap to know (Parquet/Arrow metadata, in-memory frames); else ``None``."""
    if isinstance(data, pl.DataFrame):
        return data.height
    if isinstance(data, str | Path):
        p = Path(data)
        if p.is_dir() or p.suffix.lower() in _PARQUET | _ARROW:
            return int(scan(p).select(pl.len()).collect().item())
    return None


def batches(data: Any, rows: int, row_column: str, csv_bytes: int = 64 * 2**20) -> Iterator[pl.DataFrame]:
    """The input in batches of about ``rows`` rows, each with its 1-based row number.

    Memory stays bounded by one batch whatever the input size: Parquet and Arrow files are read
    slice by slice (polars reads only the row groups a slice touches) and CSV in chunks of lines.
    (polars' own streaming readers run ahead of a slow consumer and buffer the whole input.)
    """
    offset = 0
    for frame in _raw_batches(data, rows, csv_bytes):
        if frame.height == 0:
            continue
        yield frame.with_row_index(row_column, offset=offset + 1).with_columns(
            pl.col(row_column).cast(pl.Int64)
        )
        offset += frame.height


def _raw_batches(data: Any, rows: int, csv_bytes: int) -> Iterator[pl.DataFrame]:
    if isinstance(data, str | Path) and Path(data).suffix.lower() in _CSV and Path(data).is_file():
        yield from _csv_chunks(Path(data), csv_bytes)
        return
    lf = scan(data)
    total = count_rows(data)
    if total is None:
        frame = lf.collect()
        total, lf = frame.height, frame.lazy()
    for start in range(0, total, rows):
        yield lf.slice(start, rows).collect()


def _csv_chunks(path: Path, size: int) -> Iterator[pl.DataFrame]:
    """Parse a CSV in chunks of whole records (a quoted field may hold newlines).

    Every record must have as many cells as the header: polars pads a short row with nulls and
    fails late on a long one, so the cells are counted here first and a malformed row stops the
    run, named by its data row (header excluded, from 1), before anything is classified.
    """
    sep = "\t" if path.suffix.lower() == ".tsv" else ","
    with path.open("rb") as f:
        header = f.readline()
        if not header.strip():
            raise CohortInputError(f"{path}: empty file (expected a header row naming the columns)")
        names = _header(header, sep, path)
        rest = b""
        first_row = 1
        while True:
            block = f.read(size)
            data = rest + block
            if not block:
                data = data.rstrip(b"\r\n")  # trailing blank lines would become rows of nulls
                if data.strip():
                    _check_cells(data + b"\n", len(names), sep, path, first_row, final=True)
                    yield _parse_csv(data + b"\n", names, sep)
                return
            cut = _record_end(data)
            if cut < 0:
                rest = data
                continue
            rest = data[cut + 1 :]
            rows = _check_cells(data[: cut + 1], len(names), sep, path, first_row, final=False)
            yield _parse_csv(data[: cut + 1], names, sep)
            first_row += rows


def _header(line: bytes, sep: str, path: Path) -> list[str]:
    for bom, enc in ((b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16")):
        if line.startswith(bom):
            raise CohortInputError(f"{path} is {enc} text; save it as UTF-8")
    if b"\x00" in line:
        raise CohortInputError(f"{path} holds NUL bytes: it is UTF-16 or binary, not UTF-8 text")
    if not line.strip():
        raise CohortInputError(f"{path}: empty file (expected a header row naming the columns)")
    try:
        text = line.decode("utf-8-sig").rstrip("\r\n")
    except UnicodeDecodeError:
        raise CohortInputError(f"{path} is not UTF-8 text (in the header row); save it as UTF-8") from None
    names = next(csv.reader([text], delimiter=sep))
    check_header(names, path)
    return names


def check_header(names: list[str], path: Path | str) -> None:
    """Refuse a header that names a column twice or leaves one unnamed (the Spark engine reads
    CSV headers with Spark, which would rename such columns silently: it checks them here too).
    :raises CohortInputError:"""
    seen: set[str] = set()
    dupes = [n for n in names if n in seen or seen.add(n)]  # type: ignore[func-returns-value]
    if dupes:
        raise CohortInputError(f"{path}: column(s) named twice in the header: {', '.join(dupes)}")
    if any(not n.strip() for n in names):
        raise CohortInputError(f"{path}: the header has an empty column name")


def _check_cells(data: bytes, n: int, sep: str, path: Path, first_row: int, final: bool) -> int:
    """Count the cells of every record in a chunk; return the number of records.

    :raises CohortInputError: naming up to five malformed rows (too few or too many cells), a
        byte that is not UTF-8, or a quote left open at the end of the file.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        row = first_row + data.count(b"\n", 0, exc.start)
        raise CohortInputError(
            f"{path} is not UTF-8 text (byte 0x{data[exc.start]:02x} in data row {row}); save it as UTF-8"
        ) from None
    if '"' not in text:  # the common case, vectorised: cells = separators + 1
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        series = pl.Series(lines, dtype=pl.String).str.strip_suffix("\r")
        cells = (series.str.count_matches(sep, literal=True) + 1).to_list()
        blank = series.str.len_chars().to_list()
        counts = [0 if b == 0 else c for c, b in zip(cells, blank, strict=True)]
    else:
        try:
            counts = [len(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True)]
        except csv.Error as exc:
            raise CohortInputError(
                f"{path}: malformed CSV at or after data row {first_row} ({exc}); a quote may be left open"
            ) from None
        if final and text.count('"') % 2:
            raise CohortInputError(f"{path}: a quote opened near the end of the file is never closed")
    bad = [(first_row + i, c) for i, c in enumerate(counts) if c != n]
    if bad:
        raise malformed_rows(path, n, bad[:SHOWN_ROWS], len(bad))
    return len(counts)


#: how many malformed rows a refusal names
SHOWN_ROWS = 5


def malformed_rows(path: Path | str, n: int, first: list[tuple[int, int]], total: int) -> CohortInputError:
    """The refusal of a CSV whose rows do not all have the header's ``n`` cells, naming the
    ``first`` (data row, cells) pairs of ``total`` such rows (the Spark engine's too)."""
    shown = "; ".join(f"data row {r}: {_cells(c)}" for r, c in first)
    more = f" (and {total - len(first)} more)" if total > len(first) else ""
    return CohortInputError(
        f"{path}: malformed row(s), the header has {n} cells: {shown}{more} (rows counted from 1 "
        "after the header)"
    )


def _cells(c: int) -> str:
    return "blank" if c == 0 else f"{c} cell{'s' if c != 1 else ''}"


def _record_end(data: bytes) -> int:
    """Index of the last newline that ends a record (outside quotes), or -1."""
    end = data.rfind(b"\n")
    while end >= 0 and data.count(b'"', 0, end) % 2:
        end = data.rfind(b"\n", 0, end)
    return end


def blank_cells_missing(frame: FrameT) -> FrameT:
    """A CSV cell of blanks alone (``" "``) is missing, never a value to reject or read: what a
    person left empty is unknown, whatever spaces the export put there."""
    return frame.with_columns(  # type: ignore[return-value]
        pl.when(pl.col(pl.String).str.strip_chars() != "").then(pl.col(pl.String))
    )


def _parse_csv(data: bytes, names: list[str], sep: str) -> pl.DataFrame:
    return blank_cells_missing(
        pl.read_csv(
            io.BytesIO(data),
            has_header=False,
            new_columns=names,
            separator=sep,
            infer_schema=False,
            null_values=CSV_NULLS,
            schema_overrides=dict.fromkeys(names, pl.String),
        )
    )


@dataclass
class Layout:
    """How an input table maps to table columns: the sources, the id and survey columns."""

    sources: list[Source]
    history: int
    id_column: str | None
    weight: str | None = None
    strata: str | None = None
    psu: str | None = None
    ignored: list[str] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)  # mapped fields whose source is absent


def check_flat(nested: list[str]) -> None:
    """Refuse columns that hold lists, maps or structures (named in ``nested``), used or not: every
    engine refuses them alike. :raises CohortInputError:"""
    if nested:
        raise CohortInputError(
            f"column(s) {', '.join(nested)} hold lists or structures; a cell must hold one value"
        )


def check_names(columns: Iterable[str]) -> None:
    """Refuse input columns named like the engines' own (``row``, and ``__name``), which would
    collide with them. :raises InputFileError:"""
    names = list(columns)
    if ROW in names:
        raise InputFileError(f"the input has a column named {ROW!r}, which the engine uses for row numbers")
    reserved = [n for n in names if n.startswith(RESERVED) and not n.endswith(RESERVED)]
    if reserved:
        raise InputFileError(
            f"column(s) {', '.join(reserved)}: names of the form {RESERVED}name are reserved for the "
            "engine's own columns; rename them"
        )


def layout(
    schema: dict[str, Any],
    catalog: Catalog,
    mapping: Mapping | None = None,
    id_column: str | None = None,
    extra: str = "error",
    weight: str | None = None,
    strata: str | None = None,
    psu: str | None = None,
) -> Layout:
    """Work out the sources of every table column. :raises InputFileError: for unknown columns."""
    check_names(schema)
    names = set(schema)
    if mapping is not None:
        return _mapped(schema, catalog, mapping, id_column, weight, strata, psu)
    history = history_pairs(names)
    columns = table_columns(catalog, history)
    id_col = id_column or ("id" if "id" in names else None)
    if id_column and id_column not in names:
        raise InputFileError(f"id column {id_column!r} is not in the input (columns: {', '.join(schema)})")
    special = {c for c in (id_col, weight, strata, psu) if c}
    for c in (weight, strata, psu):
        if c and c not in names:
            raise InputFileError(f"survey column {c!r} is not in the input")
    unknown = [n for n in schema if n not in columns and n not in special]
    if unknown and extra == "error":
        raise InputFileError(
            f"unknown column(s) {', '.join(unknown)}: name columns as in docs/cohort.md, "
            "use a mapping file (--map), or ignore them (--ignore-extra-columns)"
        )
    sources = [Source(columns[n], (n,)) for n in schema if n in columns and n != id_col]
    return Layout(sources, history, id_col, weight, strata, psu, ignored=unknown)


def _mapped(
    schema: dict[str, Any],
    catalog: Catalog,
    mapping: Mapping,
    id_column: str | None,
    weight: str | None,
    strata: str | None,
    psu: str | None,
) -> Layout:
    names = set(schema)
    targets = [t for t in mapping.columns if t not in ("id",)]
    history = history_pairs(targets)
    columns = table_columns(catalog, history)
    problems = [f"{t}: not a table column" for t in targets if t not in columns]
    if problems:
        raise InputFileError(f"mapping {mapping.name}: " + "; ".join(problems))
    sources: list[Source] = []
    unmapped: list[str] = []
    for target, fm in mapping.columns.items():
        if target == "id":
            continue
        col: TableColumn = columns[target]
        if fm.value is not None:
            sources.append(Source(col, (), "constant", fm.unit, dict(fm.codes), fm.value))
            continue
        if fm.from_ is not None:
            found = first_present(fm.from_, names)
            if found is None:
                unmapped.append(target)
                continue
            sources.append(Source(col, (found,), "one", fm.unit, dict(fm.codes)))
            continue
        parts = [n for n in fm.names() if n in names]
        if not parts or (fm.sum_of is not None and len(parts) != len(fm.sum_of)):
            unmapped.append(target)
            continue
        sources.append(Source(col, tuple(parts), "max" if fm.max_of else "sum", fm.unit, dict(fm.codes)))
    if unmapped and all(src.combine == "constant" for src in sources):
        # every row would be rejected with "sex: required", which names neither the mapping nor
        # the columns: most likely the wrong mapping for this file
        wanted = [n for t in unmapped[:3] for n in mapping.columns[t].names()[:1]]
        raise InputFileError(
            f"mapping {mapping.name}: none of its source columns is in the input (it reads "
            f"{', '.join(wanted)}, ...; the input has {', '.join(sorted(names)[:5])}"
            f"{', ...' if len(names) > 5 else ''})"
        )
    id_col = id_column or first_present(mapping.id, names)
    if id_column and id_column not in names:
        raise InputFileError(f"id column {id_column!r} is not in the input")
    survey = mapping.survey
    return Layout(
        sources,
        history,
        id_col,
        weight=weight or (first_present(survey.weight, names) if survey else None),
        strata=strata or (first_present(survey.strata, names) if survey else None),
        psu=psu or (first_present(survey.psu, names) if survey else None),
        unmapped=unmapped,
    )


def output_format(path: str | Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix in _PARQUET:
        return "parquet"
    if suffix in _CSV:
        return "csv"
    raise InputFileError(f"{path}: unknown output format {suffix!r} (expected .parquet, .csv or .tsv)")


def csv_separator(path: str | Path) -> str:
    """A tab for a ``.tsv`` file, as it is read (``.tsv`` outputs were written with commas, and
    read back as one column), a comma otherwise."""
    return "\t" if str(path).lower().rstrip("/").endswith(".tsv") else ","


def for_csv(df: pl.DataFrame) -> pl.DataFrame:
    """CSV has no lists: decisive measures are written joined with ``;``."""
    lists = [c for c, t in df.schema.items() if isinstance(t, pl.List)]
    return (
        df.with_columns([pl.col(c).cast(pl.List(pl.String)).list.join(";") for c in lists]) if lists else df
    )


__all__ = [
    "BLANK_CELL",
    "CSV_NULLS",
    "RESERVED",
    "ROW",
    "SHOWN_ROWS",
    "Layout",
    "as_text",
    "batches",
    "blank_cells_missing",
    "check_flat",
    "check_header",
    "check_names",
    "count_rows",
    "csv_separator",
    "for_csv",
    "layout",
    "malformed_rows",
    "output_format",
    "scan",
]
