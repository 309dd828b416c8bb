"""The record's ``history`` block: schema, parsing and validation (DESIGN §5, docs/workup.md).

The block is described as data in ``knowledge/history.yaml`` so that a new question needs no
code. Parsing follows the record's rules: every bad field is reported at once, with a path such
as ``history.signs.reflexes``; quantities accept the record's three forms and leave in canonical
units; nothing is half-applied. Absent means "not asked" and is kept absent, never defaulted.

This module sits low in the import graph (record parsing calls it), so it reads only the
measures catalog, units and its own schema file, never the work-up engine.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .. import units
from ..errors import KnowledgeError, Problem, RecordValidationError
from ..measures import Catalog, Measure, load_catalog
from ..yamlio import load_yaml

# the C loader when libyaml is present (10x faster on the large knowledge files)

FieldKind = Literal["bool", "enum", "enum_list", "quantity", "regions", "conditions", "text", "group"]


class HistoryField(BaseModel):
    """One field of the history block (or a group of fields)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: FieldKind
    label: str
    #: the label on a form, where ``label`` also says how to write the value in a file
    form_label: str | None = None
    values: list[str] = Field(default_factory=list)
    aliases: dict[str, str] = Field(default_factory=dict)
    dimension: str | None = None
    range: tuple[float, float] | None = None
    fields: dict[str, HistoryField] = Field(default_factory=dict)


class HistorySchema(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    regions: list[str]
    fields: dict[str, HistoryField]

    def paths(self) -> dict[str, HistoryField]:
        """Every leaf field by its dotted path under ``history`` (e.g. ``signs.reflexes``)."""
        out: dict[str, HistoryField] = {}

        def walk(prefix: str, fields: dict[str, HistoryField]) -> None:
            for name, f in fields.items():
                path = f"{prefix}{name}"
                if f.kind == "group":
                    walk(path + ".", f.fields)
                else:
                    out[path] = f

        walk("", self.fields)
        return out


HistoryField.model_rebuild()


@cache
def load_history_schema() -> HistorySchema:
    """The history block schema (cached: it is immutable)."""
    text = resources.files("myoscope.knowledge").joinpath("history.yaml").read_text("utf-8")
    try:
        schema = HistorySchema.model_validate(load_yaml(text))
    except ValidationError as exc:
        raise KnowledgeError(f"history.yaml: {exc}") from exc
    for path, f in schema.paths().items():
        if f.kind == "quantity" and (f.dimension not in units.FACTORS or f.range is None):
            raise KnowledgeError(f"history.yaml: {path}: a quantity needs a known dimension and a range")
        if f.kind in ("enum", "enum_list") and not f.values:
            raise KnowledgeError(f"history.yaml: {path}: an enum needs values")
    return schema


def validate_history(raw: Any, source: str | None = None) -> dict[str, Any]:
    """Validate a history block on its own; return it in canonical form.

    :raises RecordValidationError: naming every bad field (paths start with ``history.``).
    """
    problems: list[Problem] = []
    warnings: list[Problem] = []
    out = parse_history(raw, problems, warnings)
    if problems or out is None:
        raise RecordValidationError(problems or [Problem("history", "expected an object")], source)
    return out


def parse_block(raw: Any, problems: list[Problem], warnings: list[Problem], catalog: Catalog) -> Any:
    """The record's ``history`` block (named as its parser in measures.yaml)."""
    return parse_history(raw, problems, warnings, catalog.conditions)


def parse_history(
    raw: Any, problems: list[Problem], warnings: list[Problem], conditions: tuple[str, ...] | None = None
) -> dict[str, Any] | None:
    """Parse ``raw`` into canonical form, appending every problem found (record parsing calls this)."""
    schema = load_history_schema()
    known = conditions if conditions is not None else load_catalog().conditions
    before = len(problems)
    out = _group("history", raw, schema.fields, schema, known, problems, warnings)
    return out if len(problems) == before else None


def _group(
    path: str, raw: Any, fields: dict[str, HistoryField], schema: HistorySchema,
    conditions: tuple[str, ...], problems: list[Problem], warnings: list[Problem],
) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        problems.append(Problem(path, f"expected an object with fields {', '.join(fields)}"))
        return {}
    out: dict[str, Any] = {}
    for key, value in raw.items():
        spec = fields.get(str(key))
        sub = f"{path}.{key}"
        if spec is None:
            problems.append(Problem(sub, f"unknown field (expected one of {', '.join(fields)})"))
            continue
        if value is None:
            continue  # not asked: unknown, never a default
        if spec.kind == "group":
            group = _group(sub, value, spec.fields, schema, conditions, problems, warnings)
            if group:
                out[str(key)] = group
            continue
        parsed = _leaf(sub, value, spec, schema, conditions, problems, warnings)
        if parsed is not None:
            out[str(key)] = parsed
    return out


def _word(text: str, spec: HistoryField) -> str:
    word = text.strip().lower().replace("-", "_").replace(" ", "_")
    return spec.aliases.get(word, spec.aliases.get(text.strip(), word))


def _leaf(
    path: str, value: Any, spec: HistoryField, schema: HistorySchema, conditions: tuple[str, ...],
    problems: list[Problem], warnings: list[Problem],
) -> Any:
    kind = spec.kind
    if kind == "bool":
        return _bool(path, value, problems)
    if kind == "text":
        return str(value)
    if kind == "enum":
        if not isinstance(value, str) or _word(value, spec) not in spec.values:
            problems.append(Problem(path, f"{value!r} is not one of {', '.join(spec.values)}"))
            return None
        return _word(value, spec)
    if kind == "enum_list":
        return _choices(path, value, spec.values, lambda v: _word(v, spec), problems)
    if kind == "conditions":
        return _choices(path, value, list(conditions), lambda v: v.strip(), problems, what="condition id")
    if kind == "regions":
        if isinstance(value, bool):
            return [] if value is False else True  # true: present, regions not recorded
        return _choices(path, value, schema.regions, lambda v: v.strip().lower(), problems, what="region")
    return _quantity(path, value, spec, problems, warnings)


def _bool(path: str, value: Any, problems: list[Problem]) -> bool | None:
    from ..record import parse_bool  # record imports this module lazily; import back lazily too

    return parse_bool(path, value, problems)


def _choices(
    path: str, value: Any, allowed: list[str], norm: Any, problems: list[Problem], what: str = "value"
) -> list[str] | None:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
        problems.append(Problem(path, f"expected a list of {what}s from {', '.join(allowed)}"))
        return None
    words = [norm(v) for v in items]
    bad = [v for v, w in zip(items, words, strict=True) if w not in allowed]
    if bad:
        problems.append(Problem(path, f"unknown {what}(s) {', '.join(bad)} (expected {', '.join(allowed)})"))
        return None
    return sorted(set(words), key=allowed.index)


def _quantity(
    path: str, value: Any, spec: HistoryField, problems: list[Problem], warnings: list[Problem]
) -> float | None:
    from ..record import parse_quantity  # the record's quantity rules, one implementation

    assert spec.dimension is not None
    measure = Measure(id=path, label=spec.label, kind="quantity", dimension=spec.dimension,
                      range=spec.range)
    parsed = parse_quantity(measure, value, path, problems, warnings)
    return None if parsed is None else parsed[0]
