"""Mapping files: how a source table's columns (UK Biobank fields, NHANES variables, a trial's
own names) become the table columns of DESIGN §6, with their units and codes declared.

A mapping is data (YAML); ``--map ukb`` and ``--map nhanes`` name the ones shipped in
``cohort/mappings/``, each field documented with its release and source; ``--map redcap:DICT.csv``
builds one from a REDCap data dictionary (the import's reader, :mod:`myoscope.redcap`).
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..errors import InputFileError
from ..inputs import read_document

if TYPE_CHECKING:
    from ..redcap import Dictionary

SHIPPED = ("ukb", "nhanes")
#: ``--map redcap:DICT.csv``: a mapping built from a REDCap data dictionary
REDCAP_PREFIX = "redcap:"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class FieldMap(_Strict):
    """One target column: from one source column (or the first of several names that exists),
    the best of several (``max_of``), their sum (``sum_of``), or a constant ``value``."""

    from_: str | list[str] | None = Field(default=None, alias="from")
    max_of: list[str] | None = None
    sum_of: list[str] | None = None
    value: float | bool | str | None = None
    unit: str | None = None
    codes: dict[str | int, Any] = Field(default_factory=dict)  # input code -> value
    doc: str | None = None  # field label, release and where it was verified

    @model_validator(mode="after")
    def _one_source(self) -> FieldMap:
        given = [k for k in ("from_", "max_of", "sum_of", "value") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of from, max_of, sum_of, value (got {given or 'none'})")
        return self

    def names(self) -> list[str]:
        if self.from_ is not None:
            return [self.from_] if isinstance(self.from_, str) else list(self.from_)
        return list(self.max_of or self.sum_of or [])


class SurveyMap(_Strict):
    weight: str | list[str] | None = None
    strata: str | list[str] | None = None
    psu: str | list[str] | None = None
    doc: str | None = None


class Mapping(_Strict):
    name: str
    release: str | None = None
    source: str | None = None
    notes: list[str] = Field(default_factory=list)
    id: str | list[str] | None = None
    columns: dict[str, FieldMap]
    survey: SurveyMap | None = None
    not_mapped: dict[str, str] = Field(default_factory=dict)  # field -> why it is left out


def first_present(names: str | list[str] | None, available: set[str]) -> str | None:
    """The first of ``names`` that is a column of the input (names may list alternatives)."""
    if names is None:
        return None
    for n in [names] if isinstance(names, str) else names:
        if n in available:
            return n
    return None


@cache
def _shipped(name: str) -> Mapping:
    text = resources.files("myoscope.cohort").joinpath("mappings").joinpath(f"{name}.yaml").read_text("utf-8")
    return _parse(yaml.safe_load(text), f"{name}.yaml")


def load_mapping(spec: str | Path) -> Mapping:
    """``ukb``, ``nhanes``, ``redcap:DICT.csv`` (a REDCap data dictionary) or the path of a
    mapping YAML file.

    :raises InputFileError: when the file cannot be read or is not a valid mapping.
    """
    if str(spec) in SHIPPED:
        return _shipped(str(spec))
    if str(spec).startswith(REDCAP_PREFIX):
        return from_redcap(str(spec)[len(REDCAP_PREFIX):])
    path = Path(spec)
    if not path.suffix and not path.exists():
        shipped = ", ".join(SHIPPED)
        raise InputFileError(f"unknown mapping {str(spec)!r} (shipped: {shipped}; or a .yaml file)")
    return _parse(read_document(path), str(path))  # the one input reader: no aliases, no duplicate keys


def redcap_dictionary_path(spec: str | Path | None) -> Path | None:
    """The dictionary file of a ``redcap:DICT.csv`` spec (None for any other spec)."""
    text = str(spec) if spec is not None else ""
    return Path(text[len(REDCAP_PREFIX):]) if text.startswith(REDCAP_PREFIX) else None


def from_redcap(path: str | Path) -> Mapping:
    """The mapping a REDCap data dictionary file implies (:func:`from_dictionary`).

    :raises InputFileError: naming every field that cannot be read honestly."""
    from ..redcap import read_dictionary

    if not str(path):
        raise InputFileError("--map redcap: needs the data dictionary's path (redcap:DICT.csv)")
    return from_dictionary(read_dictionary(path))


def from_dictionary(d: Dictionary) -> Mapping:
    """The mapping a REDCap data dictionary implies: each field named as a record field (or with a
    unit suffix) read with the unit of its Field Note or Label, coded answers by their labels,
    checkbox choices into the yes/no fields they name. The same plan as ``import-measures
    --format redcap`` (:func:`myoscope.redcap.plan_fields`), for the CLI and the web form alike.

    :raises DictionaryError: naming every field that cannot be read honestly."""
    from ..measures import load_catalog
    from ..redcap import DictionaryError, plan_fields

    plan = plan_fields(d, load_catalog())
    if plan.problems:
        raise DictionaryError(d.path, plan.problems)
    if not plan.fields:
        raise DictionaryError(d.path, ["no field of the data dictionary is a record field (name fields "
                                       "as the catalog does, or write a mapping file)"])
    columns = {m: FieldMap.model_validate({
        "from": p.column, "unit": p.unit, "codes": p.codes,
        "doc": f"REDCap field {p.column}" + (f", unit from the {p.unit_from}" if p.unit else "")})
        for m, p in plan.fields.items()}
    return Mapping(name=f"REDCap data dictionary {Path(d.path).name}", source=str(Path(d.path).name),
                   id=plan.record_id, columns=columns, not_mapped=plan.not_mapped,
                   notes=["coded answers are read by their labels in the data dictionary"])


def _parse(raw: Any, where: str) -> Mapping:
    try:
        return Mapping.model_validate(raw)
    except ValidationError as exc:
        lines = [f"mapping {where}: {len(exc.errors())} problem(s):"]
        # a problem of the whole file (a list or a number where the mapping belongs) has no field
        for e in exc.errors():
            lines.append(f"  - {'.'.join(str(x) for x in e['loc']) or '(the file)'}: {e['msg']}")
        raise InputFileError("\n".join(lines)) from exc


__all__ = ["REDCAP_PREFIX", "SHIPPED", "FieldMap", "Mapping", "SurveyMap", "first_present", "from_dictionary",
           "from_redcap", "load_mapping", "redcap_dictionary_path"]
