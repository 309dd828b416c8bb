"""Units written in table cells (``150 lb`` in a weight column): one rule for ``cohort`` and records.

A record's ``weight: 150 lb`` is read by ``record.parse_quantity``: the number and unit of
``units.QUANTITY_TEXT``, the exact factor of ``units.FACTORS``, rounded as ``units.to_canonical``
rounds. A text column of a quantity whose unit no mapping declares is read the same way here,
once per batch and eagerly, into plain columns (the number in the canonical unit, the cell as
written, the reason its unit is unknown) that the validation plan only references. A cell written
in two units (``5 ft 4 in``, ``11 st 4 lb``) has a unit none of the single units is; those
cells, a distinct text at a time, are read by the record parser's ``units.read_compound`` itself
and counted under the compound's name (``ft+in``). That costs a Python call per distinct text
(some 7 µs): heights to a tenth of an inch, weights to the pound add little to a batch; a million
distinct texts add some 8 s.

Why eagerly, and only where needed: a CSV is read as text, so every quantity column is a text
column. Putting the per-cell parse (regex, unit lookup, exact rounding) into the lazy validation
plan of every such column made polars spend minutes planning. Here a column costs one cast (the
same cast validation needs anyway); only the cells that are not plain numbers, in the columns and
batches that have any, are parsed.
"""

from __future__ import annotations

import polars as pl

from .. import units
from ..errors import UnknownUnitError, quote
from .derive_polars import round_to
from .validate import CELL_BAD, CELL_NUM, CELL_SAID, _factor

CONVERTED_SCHEMA = {"column": pl.String, "unit": pl.String, "cells": pl.UInt32}
_COMPOUND_SCHEMA = {"text": pl.String, "c_num": pl.Float64, "c_said": pl.String, "c_bad": pl.String,
                    "c_unit": pl.String}


def read_cells(
    raw: pl.DataFrame, cells: dict[str, tuple[str, str | None]]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``raw`` with the cell columns of every text quantity column in ``cells`` (input column ->
    dimension and the unit a mapping declares), and the cells converted from a unit of their own
    (column, unit in the catalog's spelling, cells).

    Where a mapping declares the column's unit, a cell may repeat it (``150 lb`` in a column
    declared ``lb``) but not contradict it; elsewhere a cell's unit is converted to the canonical
    unit. The numbers are in the column's unit either way: validation converts them as it does a
    bare number."""
    added: list[pl.Series] = []
    counts: list[pl.DataFrame] = []
    for name, (dimension, declared) in cells.items():
        text = raw.get_column(name).str.strip_chars()
        plain = text.cast(pl.Float64, strict=False)
        odd = text.is_not_null() & plain.is_null()
        if not odd.any():  # bare numbers only: the cast is the whole reading
            said = pl.Series(CELL_SAID + name, [None] * raw.height, dtype=pl.String)
            added += [plain.alias(CELL_NUM + name), said, said.alias(CELL_BAD + name)]
            continue
        num, said, bad, converted = _with_units(text, plain, odd, dimension, (name, declared))
        added += [num.alias(CELL_NUM + name), said.alias(CELL_SAID + name), bad.alias(CELL_BAD + name)]
        if converted.height:
            counts.append(converted.with_columns(pl.lit(name).alias("column")).select(list(CONVERTED_SCHEMA)))
    out = raw.with_columns(added) if added else raw
    return out, sum_converted(counts)


def _with_units(
    text: pl.Series, plain: pl.Series, odd: pl.Series, dimension: str, column: tuple[str, str | None]
) -> tuple[pl.Series, pl.Series, pl.Series, pl.DataFrame]:
    """Numbers (in the column's unit), text as written, reasons a cell's unit is refused and
    conversion counts of a column whose ``odd`` cells are not bare numbers."""
    name, declared = column
    groups = text.str.extract_groups(units.QUANTITY_TEXT.pattern).struct.unnest()
    number = groups.get_column("1").cast(pl.Float64, strict=False)
    written = groups.get_column("2")
    written = pl.select(pl.when(odd & (written != "")).then(written)).to_series()
    canonical = units.canonical_unit(dimension)
    single = {k.lower() for k in units.FACTORS[dimension]}
    distinct = written.drop_nulls().unique().to_list()
    # a unit none of the single units is ("ft 4 in", "'4\"", "st"): perhaps a compound, read a
    # distinct text at a time as a record reads it, before any did-you-mean is looked for
    unknown = [u for u in distinct if u.lower() not in single]
    compound = None
    if unknown:
        compound = _compounds(text.filter(written.is_in(unknown)).unique().to_list(), dimension, column)
    if compound is not None:  # the units of the other cells only
        others = ~text.is_in(compound.get_column("text").implode())
        distinct = written.filter(others).drop_nulls().unique().to_list()
    factor: dict[str, float] = {}  # the factor into the column's unit
    spelling: dict[str, str] = {}  # converted units only, in the catalog's spelling
    reason: dict[str, str] = {}
    for u in distinct:
        try:
            f = _factor(u, dimension)
        except UnknownUnitError as exc:
            reason[u] = str(exc)  # the record parser's words, with its did-you-mean
            continue
        if declared is None:
            factor[u] = f
            unit = next(k for k in units.FACTORS[dimension] if k == u or k.lower() == u.lower())
            if unit != canonical:
                spelling[u] = unit
        elif f == _factor(declared, dimension):
            factor[u] = 1.0  # repeats the declared unit: the number is in the column's unit
        else:
            reason[u] = f"unit {quote(u)} contradicts the unit the mapping declares for {name} ({declared})"
    frame = pl.DataFrame({
        "plain": plain,
        "n": number,
        "f": written.replace_strict(factor, default=None, return_dtype=pl.Float64),
        "w": written,
        "text": text,
    })
    num = pl.coalesce(
        pl.col("plain"),
        pl.when(pl.col("f") == 1.0)
        .then(pl.col("n"))
        .otherwise(round_to(pl.col("n") * pl.col("f"), units.CONVERSION_DECIMALS)),
    )
    said: pl.Expr = pl.when(pl.col("w").is_not_null()).then(pl.col("text"))
    bad = pl.col("w").replace_strict(reason, default=None, return_dtype=pl.String)
    in_unit = pl.col("w").replace_strict(spelling, default=None, return_dtype=pl.String)
    if compound is not None:
        frame = frame.join(compound, on="text", how="left", maintain_order="left")
        hit = pl.col("c_said").is_not_null()
        num = pl.coalesce(num, pl.col("c_num"))
        said = pl.when(hit).then(pl.col("c_said")).otherwise(said)
        bad = pl.when(hit).then(pl.col("c_bad")).otherwise(bad)
        in_unit = pl.when(hit).then(pl.col("c_unit")).otherwise(in_unit)
    out = frame.select(num.alias("num"), said.alias("said"), bad.alias("bad"), in_unit.alias("unit"))
    converted = (
        out.filter(pl.col("unit").is_not_null()).group_by("unit").agg(pl.len().cast(pl.UInt32).alias("cells"))
    )
    return out.get_column("num"), out.get_column("said"), out.get_column("bad"), converted


def _compounds(texts: list[str], dimension: str, column: tuple[str, str | None]) -> pl.DataFrame | None:
    """The cells among ``texts`` written in two units (``5 ft 4 in``, ``11 st 4 lb``), each read
    once by the record parser's ``units.read_compound``: per text, its value in the canonical
    unit (``c_num``), the text as a message shows it (``c_said``), why it is refused (``c_bad``)
    or the compound's name when converted (``c_unit``); None when there is none.

    Where a mapping declares the column's unit, a compound contradicts it as another unit would:
    the number would not be in the declared unit."""
    name, declared = column
    rows: list[tuple[str, float | None, str, str | None, str | None]] = []
    for t in texts:
        r = units.read_compound(t, dimension)
        if r is None:
            continue  # an unknown unit: its reason is looked up with the others
        if r.value is None:
            rows.append((t, None, r.text, r.problem, None))
        elif declared is not None:
            why = f"unit {quote(r.unit)} contradicts the unit the mapping declares for {name} ({declared})"
            rows.append((t, None, r.text, why, None))
        else:
            rows.append((t, r.value, r.text, None, r.unit))
    if not rows:
        return None
    return pl.DataFrame(rows, schema=_COMPOUND_SCHEMA, orient="row")


def sum_converted(parts: list[pl.DataFrame]) -> pl.DataFrame:
    """Converted-cell counts of several columns or batches, added up per column and unit."""
    if not parts:
        return pl.DataFrame(schema=CONVERTED_SCHEMA)
    return (
        pl.concat(parts)
        .group_by("column", "unit")
        .agg(pl.col("cells").sum().cast(pl.UInt32))
        .sort("column", "unit")
    )


def converted_lines(converted: pl.DataFrame) -> list[str]:
    """``units written in cells, converted: weight 12 cells in lb`` (nothing when none was)."""
    if not converted.height:
        return []
    rows = converted.sort("column", "unit").to_dicts()
    shown = "; ".join(
        f"{r['column']} {r['cells']:,} cell{'s' if r['cells'] != 1 else ''} in {r['unit']}" for r in rows
    )
    return [f"units written in cells, converted: {shown}"]


__all__ = ["CONVERTED_SCHEMA", "converted_lines", "read_cells", "sum_converted"]
