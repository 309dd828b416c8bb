"""A FHIR Bundle (or a Patient plus Observations) → a record dict and a report of what was read.

Pure functions, no network. What is read, what is unknown and what is dropped is reported with
its reason, never silently (docs/fhir.md):

- Observations are matched by the codes of ``knowledge/interop/fhir.yaml`` (LOINC) or by a
  measure id in the myoscope measure CodeSystem; any other code is *unknown* and listed.
- Statuses ``entered-in-error`` and ``cancelled`` (and ``registered``: no result yet) are ignored,
  with a note; ``preliminary`` is used with a note.
- Units are UCUM, converted exactly by :mod:`myoscope.units`; a unit that cannot be converted
  drops that value, named.
- The latest value per measure within the window (before the assessment date) is used; an absent
  value or a ``dataAbsentReason`` leaves the measure unknown (never 0); older body weights become
  the weight history. Right and left grip are both passed: the record uses the best.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from ..errors import Problem, ProblemsError, UnknownUnitError
from ..measures import Catalog, Measure, load_catalog
from ..units import from_ucum, to_canonical
from . import r4b
from .codes import FhirCodes, ObservationCode, load_codes

USED_STATUSES = ("final", "amended", "corrected", "preliminary")
IGNORED_STATUSES = {
    "entered-in-error": "marked entered-in-error by the source",
    "cancelled": "cancelled by the source",
    "registered": "registered only: no result yet",
}
GENDERS = {"male": "male", "female": "female"}


class FhirInputError(ProblemsError):
    """A FHIR input that cannot be read at all (not a Bundle, Patient or list of resources)."""

    what = "FHIR input"


@dataclass(frozen=True)
class ReadValue:
    """One Observation value as it entered (or did not enter) the record."""

    ref: str  # "Observation/<id>" (or "entry[3]" when the resource has no id)
    measure: str
    code: str  # system|code that matched
    when: date
    value: float | bool | str | None
    unit: str | None  # the record's canonical unit
    given: str  # the value and unit as the source gave them
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "measure": self.measure,
            "code": self.code,
            "date": self.when.isoformat(),
            "value": self.value,
            "unit": self.unit,
            "given": self.given,
            "note": self.note,
        }


@dataclass(frozen=True)
class Skipped:
    """An entry that was not used, with why."""

    ref: str
    reason: str
    codes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"ref": self.ref, "reason": self.reason, "codes": list(self.codes)}


@dataclass
class ImportResult:
    """The record built from FHIR and everything that was read, left unknown or dropped."""

    record: dict[str, Any]
    as_of: date
    used: list[ReadValue] = field(default_factory=list)
    history: list[ReadValue] = field(default_factory=list)
    unknown: list[Skipped] = field(default_factory=list)
    dropped: list[Skipped] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    patient_ref: str | None = None

    @property
    def input_refs(self) -> dict[str, list[str]]:
        """measure -> the Observation references it was read from (for ``derivedFrom``)."""
        out: dict[str, list[str]] = {}
        for v in [*self.used, *self.history]:
            out.setdefault(v.measure, []).append(v.ref)
        return out

    @property
    def summary(self) -> list[dict[str, Any]]:
        """One row per entry looked at: what happened to it."""
        rows: list[dict[str, Any]] = [
            {"ref": v.ref, "outcome": "used", "measure": v.measure, "detail": v.given} for v in self.used
        ]
        rows += [
            {"ref": v.ref, "outcome": "weight history", "measure": v.measure, "detail": v.given}
            for v in self.history
        ]
        rows += [
            {"ref": s.ref, "outcome": "unknown code", "measure": None, "detail": ", ".join(s.codes)}
            for s in self.unknown
        ]
        rows += [
            {"ref": s.ref, "outcome": "dropped", "measure": None, "detail": s.reason} for s in self.dropped
        ]
        return rows

    def to_dict(self) -> dict[str, Any]:
        return {
            "record": self.record,
            "as_of": self.as_of.isoformat(),
            "patient": self.patient_ref,
            "used": [v.to_dict() for v in self.used],
            "weight_history": [v.to_dict() for v in self.history],
            "unknown": [s.to_dict() for s in self.unknown],
            "dropped": [s.to_dict() for s in self.dropped],
            "notes": self.notes,
        }

    def __str__(self) -> str:
        lines = [
            f"FHIR import as of {self.as_of.isoformat()}"
            + (f" for {self.patient_ref}" if self.patient_ref else "")
        ]
        lines.append(f"Used ({len(self.used)}):")
        lines += [
            f"  {v.measure} = {v.value} {v.unit or ''} from {v.ref} ({v.given}, {v.when})"
            + (f" - {v.note}" if v.note else "")
            for v in self.used
        ]
        if self.history:
            lines.append(
                f"Weight history ({len(self.history)}): "
                + ", ".join(f"{v.value} kg on {v.when}" for v in self.history)
            )
        if self.unknown:
            lines.append(f"Unknown codes ({len(self.unknown)}):")
            lines += [f"  {s.ref}: {', '.join(s.codes) or 'no code'}" for s in self.unknown]
        if self.dropped:
            lines.append(f"Dropped ({len(self.dropped)}):")
            lines += [f"  {s.ref}: {s.reason}" for s in self.dropped]
        lines += [f"Note: {n}" for n in self.notes]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(str(r['ref']))}</td><td>{html.escape(str(r['outcome']))}</td>"
            f"<td>{html.escape(str(r['measure'] or ''))}</td><td>{html.escape(str(r['detail']))}</td></tr>"
            for r in self.summary
        )
        return (
            "<table><thead><tr><th>entry</th><th>outcome</th><th>measure</th><th>detail</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>"
        )


# --- reading the input ---------------------------------------------------------------------------


def resources_of(data: Any) -> list[dict[str, Any]]:
    """The resources of a Bundle, a Parameters resource (``$assess`` input), a single resource, or
    a list of resources (as dicts).

    :raises FhirInputError: for anything else.
    """
    if isinstance(data, list):
        items = data
    elif isinstance(data, Mapping) and data.get("resourceType") == "Parameters":
        # an operation's input: each parameter's resource (a Bundle in one is opened)
        items = []
        for p in data.get("parameter") or []:
            res = p.get("resource") if isinstance(p, Mapping) else None
            items += (
                resources_of(res)
                if isinstance(res, Mapping) and res.get("resourceType") == "Bundle"
                else [res]
            )
    elif isinstance(data, Mapping) and data.get("resourceType") == "Bundle":
        entries = data.get("entry") or []
        if not isinstance(entries, list):
            raise FhirInputError([Problem("entry", "expected a list of entries")])
        items = [e.get("resource") if isinstance(e, Mapping) else None for e in entries]
    elif isinstance(data, Mapping) and isinstance(data.get("resourceType"), str):
        items = [data]
    else:
        raise FhirInputError(
            [Problem("(input)", "expected a FHIR Bundle, a resource or a list of resources")]
        )
    bad = [
        Problem(f"entry[{i}]", "expected a resource (an object with resourceType)")
        for i, r in enumerate(items)
        if not (isinstance(r, Mapping) and isinstance(r.get("resourceType"), str))
    ]
    if bad:
        raise FhirInputError(bad)
    return [dict(r) for r in items]


def import_bundle(
    data: Any,
    as_of: date | None = None,
    catalog: Catalog | None = None,
    codes: FhirCodes | None = None,
) -> ImportResult:
    """Build a record from ``data`` (Bundle / resource / list), as of ``as_of``.

    ``as_of`` is the assessment date; by default the newest date of a usable Observation (so that
    importing a file twice gives the same record), or today when there is none.

    :raises FhirInputError: when ``data`` is not FHIR at all, or holds more than one Patient.
    """
    cat = catalog or load_catalog()
    table = codes or load_codes()
    items = resources_of(data)
    patients: list[tuple[str, Any]] = []
    observations: list[tuple[str, Any]] = []
    dropped: list[Skipped] = []
    ignored_kinds: dict[str, int] = {}
    for i, raw in enumerate(items):
        kind = str(raw["resourceType"])
        ref = f"{kind}/{raw['id']}" if isinstance(raw.get("id"), str) else f"entry[{i}]"
        if kind not in ("Patient", "Observation"):
            ignored_kinds[kind] = ignored_kinds.get(kind, 0) + 1
            continue
        try:
            resource = r4b.parse_resource(raw)
        except ValueError as exc:
            if kind == "Patient":
                # dropped, its valid gender went too, and the only error was "sex: required"
                raise FhirInputError([Problem(ref, f"not a valid R4 Patient: {_first_error(exc)}")]) from None
            dropped.append(Skipped(ref, f"not a valid R4 {kind}: {_first_error(exc)}"))
            continue
        (patients if kind == "Patient" else observations).append((ref, resource))
    if len(patients) > 1:
        raise FhirInputError(
            [Problem(ref, "a second Patient: one input describes one person") for ref, _ in patients[1:]]
        )
    result = ImportResult(record={}, as_of=as_of or date.today(), dropped=dropped)
    for kind, n in sorted(ignored_kinds.items()):
        result.notes.append(f"{n} {kind} resource(s) not read (myoscope reads Patient and Observation)")
    patient_id = None
    if patients:
        ref, patient = patients[0]
        result.patient_ref = ref
        patient_id = ref.split("/", 1)[1] if ref.startswith("Patient/") else None
        _read_patient(patient, result)
    if patient_id is None:
        _refuse_several_subjects(observations)
    candidates = _read_observations(observations, patient_id, table, cat, result)
    if as_of is None:
        dates = [c.when for c in candidates]
        result.as_of = max(dates) if dates else date.today()
        if dates:
            result.notes.append(f"assessment date {result.as_of.isoformat()}: the newest Observation's date")
    _choose(candidates, table, cat, result)
    result.record["date"] = result.as_of.isoformat()
    return result


def _first_error(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        try:
            first = errors()[0]
            loc = ".".join(str(p) for p in first.get("loc", ()))
            return f"{loc}: {first.get('msg', 'invalid')}" if loc else str(first.get("msg", "invalid"))
        except (IndexError, TypeError):
            pass
    return str(exc).splitlines()[0]


def _read_patient(patient: Any, result: ImportResult) -> None:
    if patient.id:
        result.record["id"] = str(patient.id)
    gender = GENDERS.get(str(patient.gender or ""))
    if gender:
        result.record["sex"] = gender
    else:
        result.notes.append(
            f"Patient.gender {patient.gender or 'absent'}: sex unknown "
            "(every cut-off is sex-specific, so the record needs it)"
        )
    if patient.birthDate is not None:
        born = patient.birthDate
        try:
            result.record["birth_date"] = (
                born if isinstance(born, date) else date.fromisoformat(str(born))
            ).isoformat()
        except ValueError:
            # FHIR allows a year or a year and month ("1944", "1944-05"): an age from it could be
            # a year off, across an age cut-off, so it stays unknown, said
            result.notes.append(f"Patient.birthDate {born} is not a full date: age unknown")
    else:
        result.notes.append("Patient.birthDate absent: age unknown")


def _codes(obs: Any) -> list[tuple[str, str]]:
    return [(str(c.system or ""), str(c.code or "")) for c in (obs.code.coding or [])]


def _match(obs: Any, table: FhirCodes, cat: Catalog) -> tuple[ObservationCode | None, str | None]:
    """The mapping for an Observation's code, and the system|code that matched."""
    loinc = table.by_loinc()
    for system, code in _codes(obs):
        if system == table.systems.loinc and code in loinc:
            return loinc[code], f"{system}|{code}"
        if system == table.systems.measure and code in cat.measures:
            return ObservationCode(
                code=code, measure=code, display=cat.label_of(code), status="myoscope", source="myoscope"
            ), f"{system}|{code}"
    return None, None


def _effective(obs: Any) -> tuple[datetime, date] | None:
    """When the Observation was made: a naive UTC datetime to order by (a bare date is its
    midnight) and the calendar date where it was made (the date the source wrote, which windows
    and the weight history use: 21:00 on 10 March in New York is 10 March, not 11)."""
    for value in (
        obs.effectiveDateTime,
        obs.effectiveInstant,
        obs.effectivePeriod.start if obs.effectivePeriod is not None else None,
        obs.issued,
    ):
        if value is None:
            continue
        if isinstance(value, datetime):
            return (value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value), value.date()
        if isinstance(value, date):
            return datetime(value.year, value.month, value.day), value
        try:
            day = date.fromisoformat(str(value)[:10])
        except ValueError:
            continue
        return datetime(day.year, day.month, day.day), day
    return None


@dataclass
class _Candidate:
    ref: str
    spec: ObservationCode
    matched: str
    at: datetime
    when: date
    status: str
    obs: Any
    order: int


def _with_components(
    observations: list[tuple[str, Any]], table: FhirCodes, cat: Catalog, result: ImportResult
) -> list[tuple[str, Any]]:
    """Observations as read, with a panel whose own code is unknown opened into its components
    (a grip panel 83145-3 carrying 83174-3 and 83173-5 as components): each component with a code
    myoscope reads becomes an Observation of its own, with the panel's status, subject and time,
    referred to as ``<panel>#component[i]``; its other components are reported as unknown."""
    out: list[tuple[str, Any]] = []
    for ref, obs in observations:
        spec, _ = _match(obs, table, cat)
        parts = (
            []
            if spec is not None
            else [(i, c) for i, c in enumerate(obs.component or []) if _match(c, table, cat)[0] is not None]
        )
        if not parts:
            out.append((ref, obs))
            continue
        opened = {i for i, _ in parts}
        result.unknown += [
            Skipped(
                f"{ref}#component[{i}]", "no code myoscope reads", tuple(f"{s}|{k}" for s, k in _codes(c))
            )
            for i, c in enumerate(obs.component or [])
            if i not in opened
        ]
        for i, comp in parts:
            out.append(
                (
                    f"{ref}#component[{i}]",
                    obs.model_copy(
                        update={
                            "code": comp.code,
                            "valueQuantity": comp.valueQuantity,
                            "valueInteger": comp.valueInteger,
                            "valueBoolean": comp.valueBoolean,
                            "valueString": comp.valueString,
                            "valueCodeableConcept": comp.valueCodeableConcept,
                            "dataAbsentReason": comp.dataAbsentReason,
                            "component": None,
                            "method": None,
                        }
                    ),
                )
            )
    return out


def _subject(obs: Any) -> str | None:
    """An Observation's subject as ``Type/id`` (an absolute reference's last two parts)."""
    reference = obs.subject.reference if obs.subject is not None else None
    return "/".join(str(reference).rsplit("/", 2)[-2:]) if reference else None


def _refuse_several_subjects(observations: list[tuple[str, Any]]) -> None:
    """Without a Patient id to check them against, Observations of two subjects would be merged
    into one person's record (one's weight, another's height): refused, each subject named.
    :raises FhirInputError:"""
    subjects: dict[str, str] = {}
    for ref, obs in observations:
        subject = _subject(obs)
        if subject is not None:
            subjects.setdefault(subject, ref)
    if len(subjects) > 1:
        raise FhirInputError(
            [
                Problem(
                    ref,
                    f"subject {subject}: the Observations are of {len(subjects)} subjects and no "
                    "Patient with an id says which one this is; one input describes one person",
                )
                for subject, ref in subjects.items()
            ]
        )


def _read_observations(
    observations: list[tuple[str, Any]],
    patient_id: str | None,
    table: FhirCodes,
    cat: Catalog,
    result: ImportResult,
) -> list[_Candidate]:
    out: list[_Candidate] = []
    for order, (ref, obs) in enumerate(_with_components(observations, table, cat, result)):
        spec, matched = _match(obs, table, cat)
        if spec is None or matched is None:
            result.unknown.append(
                Skipped(ref, "no code myoscope reads", tuple(f"{s}|{c}" for s, c in _codes(obs)))
            )
            continue
        status = str(obs.status)
        if status in IGNORED_STATUSES:
            result.dropped.append(Skipped(ref, f"{spec.measure}: ignored, {IGNORED_STATUSES[status]}"))
            continue
        if status not in USED_STATUSES:
            result.dropped.append(Skipped(ref, f"{spec.measure}: status {status!r} is not a result"))
            continue
        subject = str(obs.subject.reference) if obs.subject is not None and obs.subject.reference else None
        if patient_id and subject and _subject(obs) != f"Patient/{patient_id}":
            result.dropped.append(
                Skipped(ref, f"{spec.measure}: subject {subject} is not Patient/{patient_id}")
            )
            continue
        effective = _effective(obs)
        if effective is None:
            result.dropped.append(
                Skipped(ref, f"{spec.measure}: no effective date, so it cannot be placed in time")
            )
            continue
        if spec.derived:
            result.dropped.append(
                Skipped(
                    ref,
                    f"{spec.measure}: myoscope computes it from weight and height; "
                    "the sent value is not used",
                )
            )
            continue
        out.append(_Candidate(ref, spec, matched, effective[0], effective[1], status, obs, order))
    return out


def _value(c: _Candidate, cat: Catalog) -> tuple[float | bool | str | None, str | None, str, str | None]:
    """(canonical value or None, canonical unit, as given, why unknown)."""
    obs, measure = c.obs, cat.measures.get(c.spec.measure)
    if obs.dataAbsentReason is not None:
        reason = next((str(x.code) for x in (obs.dataAbsentReason.coding or []) if x.code), None)
        return (
            None,
            None,
            "absent",
            f"value absent ({reason or obs.dataAbsentReason.text or 'no reason'}): unknown",
        )
    if measure is None:
        return None, None, "?", f"{c.spec.measure} is not a record field"
    if measure.kind == "enum":
        text = obs.valueString or (
            next(
                (str(x.code) for x in (obs.valueCodeableConcept.coding or []) if x.code),
                obs.valueCodeableConcept.text,
            )
            if obs.valueCodeableConcept
            else None
        )
        if text is None or str(text).lower() not in measure.values:
            return None, None, str(text), f"expected one of {', '.join(measure.values)}"
        return str(text).lower(), None, str(text), None
    if measure.kind == "bool":
        if obs.valueBoolean is None:
            return None, None, "?", "expected valueBoolean"
        return bool(obs.valueBoolean), None, str(obs.valueBoolean).lower(), None
    raw: Decimal | int | None = None
    unit_code: str | None = None
    if obs.valueQuantity is not None:
        raw = obs.valueQuantity.value
        unit_code = obs.valueQuantity.code or obs.valueQuantity.unit
    elif obs.valueInteger is not None:
        raw = obs.valueInteger
    if raw is None:
        return None, None, "no value", "no value: unknown"
    given = f"{raw} {unit_code or ''}".strip()
    return _convert(float(raw), unit_code, measure, given)


def _convert(
    value: float, unit_code: str | None, measure: Measure, given: str
) -> tuple[float | None, str | None, str, str | None]:
    if measure.dimension is None:
        return value, None, given, None
    if not unit_code:
        return None, None, given, f"no unit (expected one of {', '.join(measure.accepted_units())})"
    try:
        name = from_ucum(unit_code)
        return to_canonical(value, name, measure.dimension), measure.unit, given, None
    except UnknownUnitError as exc:
        return None, None, given, str(exc)


def _choose(candidates: list[_Candidate], table: FhirCodes, cat: Catalog, result: ImportResult) -> None:
    groups: dict[tuple[str, str | None], list[_Candidate]] = {}
    for c in candidates:
        groups.setdefault((c.spec.measure, c.spec.side), []).append(c)
    grips: list[ReadValue] = []
    for (measure, _side), group in groups.items():
        window = table.window.days_for(measure)
        earliest = result.as_of - timedelta(days=window)
        usable: list[tuple[_Candidate, ReadValue]] = []
        for c in sorted(group, key=lambda x: (x.at, -x.order), reverse=True):
            if c.when > result.as_of:
                result.dropped.append(Skipped(c.ref, f"{measure}: dated {c.when} after the assessment date"))
                continue
            value, unit, given, why = _value(c, cat)
            if value is None:
                result.dropped.append(Skipped(c.ref, f"{measure}: {why}"))
                continue
            note = "preliminary result" if c.status == "preliminary" else None
            usable.append((c, ReadValue(c.ref, measure, c.matched, c.when, value, unit, given, note)))
        if not usable:
            continue
        latest_at = usable[0][0].at
        latest_day = usable[0][0].when
        same_time = [rv for c, rv in usable if c.at == latest_at]
        older = [(c, rv) for c, rv in usable if c.at < latest_at]
        chosen = _one_per_time(same_time, measure, result)
        if chosen is not None and latest_day < earliest:
            result.dropped.append(
                Skipped(
                    chosen.ref,
                    f"{measure}: latest value dated {latest_day}, more than "
                    f"{window} days before {result.as_of}: not used",
                )
            )
            chosen = None
        for _, rv in older:
            if measure == "weight" and chosen is not None:
                continue  # handled as history below
            result.dropped.append(
                Skipped(rv.ref, f"{measure}: an older value (a newer one from {latest_day} is used)")
            )
        if chosen is None:
            continue
        if measure == "grip_strength":
            grips.append(chosen)
        else:
            result.used.append(chosen)
            result.record[measure] = chosen.value
        if measure == "weight":
            _weight_history(chosen, older, table, result)
    _asm_method(candidates, cat, result)
    if grips:
        result.used.extend(grips)
        values = [g.value for g in grips]
        result.record["grip_strength"] = values[0] if len(values) == 1 else values
        if len(values) > 1:
            result.notes.append("grip strength: right and left both read; the record uses the best")


def _asm_method(candidates: list[_Candidate], cat: Catalog, result: ImportResult) -> None:
    """ASM needs its method (DXA or BIA): from an ``asm_method`` Observation, else from the ASM
    Observation's ``method``; without one the ASM value cannot be used (the record refuses it)."""
    if "asm" not in result.record or "asm_method" in result.record:
        return
    used = next(v for v in result.used if v.measure == "asm")
    obs = next(c.obs for c in candidates if c.ref == used.ref)
    allowed = cat.measures["asm_method"].values
    words = [str(x.code).lower() for x in (obs.method.coding or []) if x.code] if obs.method else []
    words += [str(obs.method.text).lower()] if obs.method is not None and obs.method.text else []
    method = next((w for w in words if w in allowed), None)
    if method is not None:
        result.record["asm_method"] = method
        return
    del result.record["asm"]
    result.used.remove(used)
    result.dropped.append(
        Skipped(
            used.ref,
            f"asm: no method ({' or '.join(allowed)}) in Observation.method; "
            "a muscle mass without its method cannot be compared",
        )
    )


def _one_per_time(same: list[ReadValue], measure: str, result: ImportResult) -> ReadValue | None:
    """One value for the newest time: duplicates collapse; values that disagree at the same time
    leave the measure unknown (neither is more right than the other)."""
    first = same[0]
    if all(rv.value == first.value for rv in same):
        for dup in same[1:]:
            result.dropped.append(
                Skipped(dup.ref, f"{measure}: duplicate of {first.ref} (same time and value)")
            )
        return first
    for rv in same:
        result.dropped.append(
            Skipped(
                rv.ref,
                f"{measure}: values disagree at the same time on {rv.when} "
                f"({', '.join(str(x.value) for x in same)}): left unknown",
            )
        )
    return None


def _weight_history(
    latest: ReadValue, older: list[tuple[_Candidate, ReadValue]], table: FhirCodes, result: ImportResult
) -> None:
    limit = latest.when - timedelta(days=table.window.weight_history_days)
    seen: set[date] = set()
    kept: list[ReadValue] = []
    for _, rv in older:  # newest first
        if rv.when < limit:
            result.dropped.append(
                Skipped(
                    rv.ref,
                    f"weight: dated {rv.when}, beyond the "
                    f"{table.window.weight_history_days}-day history window",
                )
            )
        elif rv.when in seen:
            result.dropped.append(
                Skipped(rv.ref, f"weight: a second weight on {rv.when} (the later entry is used)")
            )
        elif len(kept) >= table.window.weight_history_max:
            result.dropped.append(
                Skipped(
                    rv.ref,
                    f"weight: more than {table.window.weight_history_max} "
                    "earlier weights (the newest are kept)",
                )
            )
        else:
            seen.add(rv.when)
            kept.append(rv)
    if kept:
        result.history = kept
        result.record["weight_history"] = [{"date": rv.when.isoformat(), "weight": rv.value} for rv in kept]
