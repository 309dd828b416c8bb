"""The visit form, generated from the measures catalog, and its posted fields turned into a record.

Each catalog measure becomes a field (label, unit selector where the catalog accepts several
units, the plausible range as a hint); a new measure in the catalog appears here with no code.
An empty field is unknown and is left out of the record (never 0); an unticked box is unknown
too. Validation is the record parser's: its problems come back keyed by the field they name, so
the page shows every bad field at once with what was typed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from ..errors import Problem
from ..measures import Catalog, Measure, load_catalog

#: fields the page sets itself (the patient row holds sex and birth date)
PATIENT_FIELDS = ("id", "sex", "birth_date", "date")
#: fields shown first; the rest of the catalog follows under "further measures"
MAIN_FIELDS = (
    "setting",
    "height",
    "weight",
    "grip_strength",
    "chair_stand_time",
    "gait_speed",
    "sppb",
    "tug_time",
    "asm",
    "asm_method",
    "calf_circumference",
)
BOOL_CHOICES = (("", "unknown"), ("yes", "yes"), ("no", "no"))
KINDS_SHOWN = ("quantity", "enum", "bool", "sarc_f", "conditions")
#: the history block's top-level fields the work-up's red flags ask first, shown first
HISTORY_FIRST = ("tempo", "course", "onset_age", "distribution")
#: the checkbox that says "asked, and none" (an empty list), where nothing ticked stays unknown
NONE_CHOICE = ("none", "none")
#: signs in body regions: present, with the regions not recorded (true)
PRESENT_CHOICE = ("yes", "present, regions not recorded")


@dataclass(frozen=True)
class Field:
    """One form control: ``name`` is the posted name, ``measure`` the catalog id."""

    name: str
    measure: str
    label: str
    kind: str  # quantity | enum | bool | sarc_f_item | conditions
    unit: str | None = None
    units: tuple[str, ...] = ()
    choices: tuple[tuple[str, str], ...] = ()
    hint: str = ""
    main: bool = False
    #: the history group the field belongs to ("" for a measure; "symptoms", "signs", ...)
    group: str = ""


def _field(m: Measure, catalog: Catalog) -> list[Field]:
    main = m.id in MAIN_FIELDS
    if m.kind == "quantity":
        return [
            Field(
                m.id,
                m.id,
                m.label,
                "quantity",
                m.unit,
                tuple(m.accepted_units()),
                hint=(f"plausible {m.describe_range()}" if m.range else ""),
                main=main,
            )
        ]
    if m.kind == "enum":
        return [
            Field(
                m.id,
                m.id,
                m.label,
                "enum",
                choices=(("", "unknown"), *((v, v.replace("_", " ")) for v in m.values)),
                main=main,
            )
        ]
    if m.kind == "bool":
        return [Field(m.id, m.id, m.label, "bool", choices=BOOL_CHOICES, main=main)]
    if m.kind == "sarc_f":
        lo, hi = catalog.sarc_f.item_range
        out = []
        for item_id in catalog.sarc_f.items:
            item = catalog.sarc_f.item(item_id)  # the instrument's own wording (measures.yaml)
            answers = ((str(i), f"{i} — {item.answer(i)}") for i in range(lo, hi + 1))
            out.append(
                Field(
                    f"sarc_f.{item_id}",
                    m.id,
                    f"SARC-F {item.label.lower()}: {item.question}",
                    "sarc_f_item",
                    choices=(("", "unknown"), *answers),
                    hint=f"points {lo}–{hi}",
                    main=True,
                )
            )
        return out
    if m.kind == "conditions":
        return [
            Field(
                "conditions",
                m.id,
                m.label,
                "conditions",
                choices=tuple((c, c.replace("_", " ")) for c in catalog.conditions),
            )
        ]
    return []


@cache
def visit_fields(include_patient: bool = False, include_age: bool = False) -> tuple[Field, ...]:
    """Every field of the visit form, in catalog order (main fields first).

    ``include_patient`` adds sex and age, for the quick assessment that has no patient row;
    ``include_age`` adds the age, for a patient whose birth date is not recorded (the age is then
    stored with each visit: without it the ageing rates and most definitions cannot apply)."""
    catalog = load_catalog()
    out: list[Field] = []
    for m in catalog.measures.values():
        if m.kind not in KINDS_SHOWN:
            continue
        if m.id in PATIENT_FIELDS and not (include_patient and m.id == "sex"):
            continue
        if m.id == "age" and not (include_patient or include_age):
            continue
        out += _field(m, catalog)
    if include_patient or include_age:
        out = [f if f.measure not in ("sex", "age") else Field(**{**f.__dict__, "main": True}) for f in out]
    return (*sorted(out, key=lambda f: not f.main), *history_fields())


def multi_names(fields: tuple[Field, ...]) -> frozenset[str]:
    """The posted names that carry several values (tick boxes)."""
    return frozenset(f.name for f in fields if f.kind in ("conditions", "multi"))


@cache
def history_fields() -> tuple[Field, ...]:
    """The record's ``history`` block (knowledge/history.yaml) as form fields named by their path
    (``history.symptoms.breathing_difficulty``): what the cause work-up and its red flags read.
    A new history question appears here with no code. Every choice starts at "unknown": a field
    left alone is not asked, never "no"."""
    from ..units import accepted_units, canonical_unit
    from ..workup.history import load_history_schema

    schema = load_history_schema()
    out: list[Field] = []
    for path, spec in schema.paths().items():
        hf = spec.model_copy(update={"label": spec.form_label or spec.label})
        name, group = f"history.{path}", path.split(".")[0] if "." in path else ""
        main = path in HISTORY_FIRST
        if hf.kind == "bool":
            out.append(Field(name, "history", hf.label, "bool", choices=BOOL_CHOICES, main=main, group=group))
        elif hf.kind == "enum":
            choices = (("", "unknown"), *((v, v.replace("_", " ")) for v in hf.values))
            out.append(Field(name, "history", hf.label, "enum", choices=choices, main=main, group=group))
        elif hf.kind in ("enum_list", "conditions"):
            values = hf.values if hf.kind == "enum_list" else list(load_catalog().conditions)
            choices = (NONE_CHOICE, *((v, v.replace("_", " ")) for v in values))
            out.append(Field(name, "history", hf.label, "multi", choices=choices, main=main, group=group))
        elif hf.kind == "regions":
            choices = (NONE_CHOICE, *((r, r) for r in schema.regions), PRESENT_CHOICE)
            out.append(Field(name, "history", hf.label, "multi", choices=choices, main=main, group=group))
        elif hf.kind == "quantity" and hf.dimension:
            unit = canonical_unit(hf.dimension)
            hint = f"plausible {_num(hf.range[0])}–{_num(hf.range[1])} {unit}" if hf.range else ""
            out.append(Field(name, "history", hf.label, "quantity", unit, tuple(accepted_units(hf.dimension)),
                             hint=hint, main=main, group=group))
        elif hf.kind == "text":
            out.append(Field(name, "history", hf.label, "text", main=main, group=group))
    return tuple(sorted(out, key=lambda f: (not f.main, f.group != "symptoms", f.group != "signs")))


def record_data(form: Mapping[str, str | list[str]], fields: tuple[Field, ...]) -> dict[str, Any]:
    """The record a posted form describes: empty fields are left out (unknown); the history
    fields (``history.*``) become the nested ``history`` block."""

    def one(name: str) -> str:
        v = form.get(name, "")
        return (v[0] if v else "") if isinstance(v, list) else str(v)

    data: dict[str, Any] = {}
    sarc_f: dict[str, Any] = {}
    history: dict[str, Any] = {}
    for f in fields:
        value: Any = None
        if f.kind in ("conditions", "multi"):
            got = form.get(f.name, [])
            picked = [c for c in ([got] if isinstance(got, str) else list(got)) if c]
            if f.kind == "multi":
                value = _multi(picked)
            elif picked:
                value = picked
        else:
            raw = one(f.name).strip()
            if not raw:
                continue
            if f.kind == "quantity":
                unit = one(f"unit.{f.name}").strip() or f.unit
                value = f"{raw} {unit}" if unit else raw
            elif f.kind == "bool":
                value = {"yes": True, "no": False}.get(raw, raw)
            elif f.kind == "sarc_f_item":
                sarc_f[f.name.split(".", 1)[1]] = _score(raw)
                continue
            else:
                value = raw
        if value is None:
            continue
        if f.measure == "history":
            _put(history, f.name.split(".")[1:], value)
        else:
            data[f.measure] = value
    if sarc_f:
        data["sarc_f"] = sarc_f
    if history:
        data["history"] = history
    return data


def _num(x: float) -> str:
    """A range bound as people write it: 1,000,000, not 1e+06."""
    return f"{int(x):,}" if float(x).is_integer() else f"{x:g}"


def _multi(picked: list[str]) -> Any:
    """Ticked boxes of a list field: none ticked is unknown (None); "none" alone is an answer of
    none ([], which history.yaml reads as asked and not present); "yes" alone is present without
    the regions (true). Anything else goes to the parser as ticked, which names a contradiction
    ("none" and a value)."""
    if not picked:
        return None
    if picked == ["none"]:
        return []
    if picked == ["yes"]:
        return True
    return picked


def _put(into: dict[str, Any], path: list[str], value: Any) -> None:
    for key in path[:-1]:
        into = into.setdefault(key, {})
    into[path[-1]] = value


def _score(raw: str) -> int | str:
    """A SARC-F answer typed as a number, when it is one in ASCII digits; anything else stays text
    for the record parser to name as an unknown answer (a 422 with the form filled in).

    ``str.isdigit`` alone is not enough: it is true for '²', which ``int`` refuses, and ``int``
    refuses more than 4,300 digits too; either ``ValueError`` was a 500."""
    if raw.isascii() and raw.isdigit():
        try:
            return int(raw)
        except ValueError:  # beyond int's digit limit: the parser names it, quoted short
            return raw
    return raw


def problems_by_field(
    problems: list[Problem], fields: tuple[Field, ...], extra: tuple[str, ...] = ()
) -> tuple[dict[str, list[str]], list[str]]:
    """Each problem under the field it names (``sarc_f.falls`` or ``grip_strength``); the rest apart."""
    names = {f.name for f in fields} | set(extra) | {
        "date",
        "pseudonym",
        "sex",
        "birth_date",
        "reason",
        "username",
        "display_name",
        "password",
        "role",
        "organisation",
    }
    by: dict[str, list[str]] = {}
    other: list[str] = []
    for p in problems:
        path = p.path.replace("[", ".").replace("]", "")
        parts = path.split(".")
        # the longest prefix that is a field: history.labs.ck, sarc_f.falls, grip_strength
        name = next((n for n in (".".join(parts[:k]) for k in range(len(parts), 0, -1)) if n in names), None)
        if name is None:
            other.append(str(p))
        else:
            by.setdefault(name, []).append(p.message)
    return by, other


def form_values(form: Mapping[str, str | list[str]]) -> dict[str, Any]:
    """What was typed, to fill the form again (nothing typed is lost on an error)."""
    return {k: v for k, v in form.items() if k != "csrf_token"}
