"""The measures catalog: what can be measured, in which units, with what precision and range.

The catalog is data (``knowledge/measures.yaml``) so that a new field needs no code; this module
only gives it types. Ranges there are data-entry guards, not clinical thresholds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from . import units
from .errors import KnowledgeError
from .yamlio import load_yaml

KINDS = {"text", "enum", "bool", "quantity", "date", "sarc_f", "weight_history", "conditions", "object"}


@dataclass(frozen=True)
class Measure:
    """One field of the record contract."""

    id: str
    label: str
    kind: str
    dimension: str | None = None
    precision: int | None = None
    range: tuple[float, float] | None = None
    usual: tuple[float, float] | None = None
    values: tuple[str, ...] = ()
    aliases: dict[str, str] = field(default_factory=dict)
    required: bool = False
    integer: bool = False
    list_reduce: str | None = None
    next: str | None = None
    parser: str | None = None  # "module:function" validating an object block (see record.py)

    @property
    def unit(self) -> str | None:
        return units.canonical_unit(self.dimension) if self.dimension else None

    def accepted_units(self) -> list[str]:
        return units.accepted_units(self.dimension) if self.dimension else []

    def describe_range(self) -> str:
        if self.range is None:
            return ""
        lo, hi = self.range
        return f"{_fmt(lo)}–{_fmt(hi)} {self.unit}"


@dataclass(frozen=True)
class DerivedMeasure:
    """A measure computed from others (BMI, ASMI...). ``inputs`` are what a user must measure."""

    id: str
    label: str
    unit: str
    precision: int
    inputs: tuple[str, ...]


@dataclass(frozen=True)
class SarcFItem:
    """One SARC-F item as the instrument words it: its name, its question, each score's answer."""

    id: str
    label: str
    question: str
    answers: dict[int, str]  # points -> the answer that scores them

    def answer(self, points: int) -> str:
        return self.answers.get(points, str(points))


@dataclass(frozen=True)
class SarcFScoring:
    """How SARC-F answers become points (cited in measures.yaml), and how its items read."""

    items: tuple[str, ...]
    item_range: tuple[int, int]
    answers: dict[str, int]
    falls_points: tuple[tuple[int, int | None, int], ...]  # (min, max or None, points)
    wording: dict[str, SarcFItem] = field(default_factory=dict)

    def item(self, item_id: str) -> SarcFItem:
        """The item's wording (an unknown id reads as itself, so a page never fails on it)."""
        return self.wording.get(item_id) or SarcFItem(item_id, item_id.replace("_", " "), "", {})

    def points_for_falls(self, falls: int) -> int:
        for lo, hi, pts in self.falls_points:
            if falls >= lo and (hi is None or falls <= hi):
                return pts
        raise ValueError(f"no SARC-F band for {falls} falls")


@dataclass(frozen=True)
class Catalog:
    version: str
    measures: dict[str, Measure]
    derived: dict[str, DerivedMeasure]
    sarc_f: SarcFScoring
    conditions: tuple[str, ...]

    def unit_of(self, measure_id: str) -> str | None:
        if measure_id in self.derived:
            return self.derived[measure_id].unit
        m = self.measures.get(measure_id)
        return m.unit if m else None

    def label_of(self, measure_id: str) -> str:
        """How a measure is named to people; a SARC-F item (``sarc_f.strength``) by its wording."""
        if measure_id.startswith("sarc_f.") and measure_id[len("sarc_f."):] in self.sarc_f.wording:
            return f"SARC-F {self.sarc_f.item(measure_id[len('sarc_f.'):]).label.lower()}"
        if measure_id in self.derived:
            return self.derived[measure_id].label
        m = self.measures.get(measure_id)
        return m.label if m else measure_id

    def precision_of(self, measure_id: str) -> int | None:
        if measure_id in self.derived:
            return self.derived[measure_id].precision
        m = self.measures.get(measure_id)
        return m.precision if m else None

    def next_step(self, measure_id: str) -> str:
        m = self.measures.get(measure_id)
        if m and m.next:
            return m.next
        return f"Obtain {self.label_of(measure_id).lower()}."

    def raw_inputs(self, measure_id: str) -> tuple[str, ...]:
        """The measurements a user takes to obtain ``measure_id`` (itself, if it is measured)."""
        if measure_id in self.measures:
            return (measure_id,)
        d = self.derived.get(measure_id)
        return d.inputs if d else (measure_id,)


def _fmt(x: float) -> str:
    return f"{x:g}"


def fmt_value(v: Any) -> str:
    """A recorded value as plain text (booleans as true/false, floats without trailing zeros)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


@cache
def load_catalog() -> Catalog:
    """Load and check ``knowledge/measures.yaml`` (cached: the catalog is immutable)."""
    text = resources.files("myoscope.knowledge").joinpath("measures.yaml").read_text("utf-8")
    raw = load_yaml(text)
    return parse_catalog(raw)


def parse_catalog(raw: dict[str, Any]) -> Catalog:
    measures: dict[str, Measure] = {}
    for mid, spec in raw["measures"].items():
        kind = spec.get("kind")
        if kind not in KINDS:
            raise KnowledgeError(f"measures.yaml: {mid}: unknown kind {kind!r}")
        dim = spec.get("dimension")
        if dim is not None and dim not in units.FACTORS:
            raise KnowledgeError(f"measures.yaml: {mid}: unknown dimension {dim!r}")
        if kind == "quantity" and dim is None:
            raise KnowledgeError(f"measures.yaml: {mid}: a quantity needs a dimension")
        measures[mid] = Measure(
            id=mid,
            label=spec["label"],
            kind=kind,
            dimension=dim,
            precision=spec.get("precision"),
            range=tuple(spec["range"]) if "range" in spec else None,  # type: ignore[arg-type]
            usual=tuple(spec["usual"]) if "usual" in spec else None,  # type: ignore[arg-type]
            values=tuple(spec.get("values", ())),
            aliases=dict(spec.get("aliases", {})),
            required=bool(spec.get("required", False)),
            integer=bool(spec.get("integer", False)),
            list_reduce=spec.get("list"),
            next=spec.get("next"),
            parser=spec.get("parser"),
        )
    derived = {
        did: DerivedMeasure(
            id=did,
            label=spec["label"],
            unit=spec["unit"],
            precision=int(spec["precision"]),
            inputs=tuple(spec["inputs"]),
        )
        for did, spec in raw["derived"].items()
    }
    for d in derived.values():
        for i in d.inputs:
            if i not in measures:
                raise KnowledgeError(f"measures.yaml: derived {d.id}: unknown input {i!r}")
    sf = raw["sarc_f"]
    if not sf.get("source"):
        raise KnowledgeError("measures.yaml: sarc_f scoring has no source")
    item_range = (int(sf["item_range"][0]), int(sf["item_range"][1]))
    wording = {
        iid: SarcFItem(iid, str(w["label"]), str(w["question"]),
                       {int(k): str(v) for k, v in w["answers"].items()})
        for iid, w in (sf.get("wording") or {}).items()
    }
    for iid in sf["items"]:
        w = wording.get(iid)
        if w is None:
            raise KnowledgeError(f"measures.yaml: sarc_f item {iid!r} has no wording")
        if set(w.answers) != set(range(item_range[0], item_range[1] + 1)):
            raise KnowledgeError(f"measures.yaml: sarc_f item {iid!r}: answers must cover points "
                                 f"{item_range[0]}-{item_range[1]}")
    unknown = sorted(set(wording) - set(sf["items"]))
    if unknown:
        raise KnowledgeError(f"measures.yaml: sarc_f wording of unknown items {unknown}")
    scoring = SarcFScoring(
        items=tuple(sf["items"]),
        item_range=item_range,
        answers={str(k): int(v) for k, v in sf["answers"].items()},
        falls_points=tuple((int(b["min"]), b.get("max"), int(b["points"])) for b in sf["falls_points"]),
        wording=wording,
    )
    return Catalog(
        version=str(raw["version"]),
        measures=measures,
        derived=derived,
        sarc_f=scoring,
        conditions=tuple(raw["conditions"]),
    )


def catalog_markdown(catalog: Catalog | None = None) -> str:
    """The record fields and derived measures as Markdown tables (docs/fields.md is this text)."""
    cat = catalog or load_catalog()
    lines = [
        "# Record fields and derived measures",
        "",
        "Generated from `src/myoscope/knowledge/measures.yaml` by `myoscope measures`; a test keeps",
        "this page in step with the catalog. Ranges are data-entry guards, not diagnostic thresholds.",
        "",
        "| field | label | kind | canonical unit | accepted units | plausible range |",
        "|---|---|---|---|---|---|",
    ]
    for m in cat.measures.values():
        kind = m.kind + (f" ({', '.join(m.values)})" if m.values else "")
        units_ = ", ".join(m.accepted_units()) if m.dimension else ""
        lines.append(f"| `{m.id}` | {m.label} | {kind} | {m.unit or ''} | {units_} | {m.describe_range()} |")
    lines += ["", "| derived measure | label | unit | decimals | computed from |", "|---|---|---|---|---|"]
    for d in cat.derived.values():
        lines.append(f"| `{d.id}` | {d.label} | {d.unit} | {d.precision} | {', '.join(d.inputs)} |")
    return "\n".join(lines) + "\n"
