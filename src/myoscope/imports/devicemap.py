"""Device maps: how one tool's table (its column names, units, codes) becomes record fields.

A device map is data (YAML), like the cohort mappings: the shipped ones (``imports/mappings/``:
Comp2Comp, mosamatic2, Hologic APEX, NHANES DXX, InBody LookinBody) document where each column
name was verified; ``--format mapping --map FILE.yaml`` reads any other device's export the same
way. A quantity's unit is declared (``unit: g``), or read from the header (``unit: header`` for a
column named ``Muscle CSA (cm^2)``); a value with neither is refused, never assumed.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..errors import InputFileError
from ..inputs import read_document

SHIPPED = {
    "comp2comp": "comp2comp.yaml",
    "mosamatic2": "mosamatic2.yaml",
    "dxa-hologic": "hologic_apex.yaml",
    "dxa-nhanes": "nhanes_dxx.yaml",
    "inbody": "inbody_lookinbody.yaml",
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class ColumnSpec(_Strict):
    """One record field: from a column (or the first of several names present), the sum of
    several columns (all needed), or a constant ``value``."""

    from_: str | list[str] | None = Field(default=None, alias="from")
    sum_of: list[str] | None = None
    value: float | bool | str | None = None
    unit: str | None = None  # unit of the values, or "header": the "(unit)" that ends the column name
    codes: dict[str | int, Any] = Field(default_factory=dict)  # cell text -> value
    optional: bool = False  # a missing column is not an error (not every device model writes it)
    doc: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> ColumnSpec:
        given = [k for k in ("from_", "sum_of", "value") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of from, sum_of, value (got {given or 'none'})")
        return self

    def names(self) -> list[str]:
        if self.from_ is not None:
            return [self.from_] if isinstance(self.from_, str) else list(self.from_)
        return list(self.sum_of or [])


class Select(_Strict):
    """Keep only the rows whose ``column`` equals ``value`` (Comp2Comp: the L3 row)."""

    column: str
    value: str


class DeviceMap(_Strict):
    name: str
    tool: str
    source: str | None = None
    notes: list[str] = Field(default_factory=list)
    delimiter: str | None = None
    header_match: Literal["exact", "without_number_prefix"] = "exact"
    case_insensitive: bool = False  # column names matched whatever their letter case
    missing: list[str] = Field(default_factory=lambda: [""])
    id: str | list[str] | None = None
    select: Select | None = None
    level: str | None = None  # the level every row is at, when the tool fixes it (mosamatic2: L3)
    columns: dict[str, ColumnSpec]
    raw: list[str] = Field(default_factory=list)  # columns kept as read in the provenance
    raw_pattern: str | None = None  # a regular expression for such columns
    raw_for: str | None = None  # the measure whose provenance holds them
    not_mapped: dict[str, str] = Field(default_factory=dict)  # column or field -> why not read


@cache
def shipped(fmt: str) -> DeviceMap:
    text = (
        resources.files("myoscope.imports").joinpath("mappings").joinpath(SHIPPED[fmt]).read_text("utf-8")
    )
    return parse(yaml.safe_load(text), SHIPPED[fmt])


def load(spec: str | Path) -> DeviceMap:
    """A shipped format name or the path of a device map YAML file. :raises InputFileError:"""
    if str(spec) in SHIPPED:
        return shipped(str(spec))
    return parse(read_document(Path(spec)), str(spec))


def parse(raw: Any, where: str) -> DeviceMap:
    try:
        return DeviceMap.model_validate(raw)
    except ValidationError as exc:
        lines = [f"device map {where}: {len(exc.errors())} problem(s):"]
        lines += [f"  - {'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise InputFileError("\n".join(lines)) from None


__all__ = ["SHIPPED", "ColumnSpec", "DeviceMap", "Select", "load", "parse", "shipped"]
