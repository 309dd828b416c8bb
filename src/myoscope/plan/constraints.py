"""The person's constraints on a plan: the record's ``plan_constraints`` block, and what the rest
of the record says (setting, age, BMI, conditions, a Fried result, SARC-F falls).

Two halves. ``parse_constraints`` validates the block like the record validates its fields: every
bad field at once, with its path (``plan_constraints.egfr``) and the expected unit or values, and
nothing half-applied. ``derive_flags`` turns the record into three-valued flags, each with the
reason it has the value it has, so that the plan can say what it assumed. Absent is unknown: an
unrecorded constraint is never read as "no".
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import Problem, RecordValidationError
from ..measures import Catalog
from ..rules.logic import Truth, any3, at_least3
from .loader import PlanKnowledge, load_plan_knowledge
from .schema import ConstraintFieldSpec, IncludesCriterionSpec, RefeedingCriterion, ThresholdSpec

_NUMBER_UNIT = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+))\s*(.*?)\s*$")


def parse_block(raw: Any, problems: list[Problem], warnings: list[Problem], catalog: Catalog) -> Any:
    """The record's ``plan_constraints`` block (named as its parser in measures.yaml)."""
    return parse_constraints(raw, problems)


def parse_constraints(
    raw: Any, problems: list[Problem], knowledge: PlanKnowledge | None = None
) -> dict[str, Any] | None:
    """Parse a ``plan_constraints`` block, appending every problem; None when any was found."""
    pk = knowledge or load_plan_knowledge()
    fields = pk.spec.constraint_fields
    if not isinstance(raw, Mapping):
        problems.append(Problem("plan_constraints", f"expected an object with fields {', '.join(fields)}"))
        return None
    before = len(problems)
    out: dict[str, Any] = {}
    for key, value in raw.items():
        path = f"plan_constraints.{key}"
        spec = fields.get(str(key))
        if spec is None:
            problems.append(Problem(path, f"unknown field (expected one of {', '.join(fields)})"))
            continue
        if value is None:
            continue  # not recorded: unknown
        parsed = _field(path, value, spec, problems)
        if parsed is not None:
            out[str(key)] = parsed
    return out if len(problems) == before else None


def validate_constraints(raw: Any, source: str | None = None,
                         knowledge: PlanKnowledge | None = None) -> dict[str, Any]:
    """Validate a ``plan_constraints`` block on its own.

    :raises RecordValidationError: naming every bad field, with the expected unit or values.
    """
    problems: list[Problem] = []
    out = parse_constraints(raw, problems, knowledge)
    if problems or out is None:
        raise RecordValidationError(problems, source)
    return out


def _field(path: str, value: Any, spec: ConstraintFieldSpec, problems: list[Problem]) -> Any:
    if spec.kind == "bool":
        from ..record import parse_bool  # record imports this module lazily; import back lazily too

        return parse_bool(path, value, problems)
    if spec.kind in ("enum", "enum_list"):
        items = value if spec.kind == "enum_list" and isinstance(value, list) else [value]
        words = [spec.aliases.get(str(v).strip(), str(v).strip()) for v in items]
        bad = [str(v) for v, w in zip(items, words, strict=True) if w not in spec.values]
        if bad or isinstance(value, bool) or not items:
            problems.append(Problem(path, f"{value!r} is not one of {', '.join(spec.values)}"))
            return None
        return sorted(set(words), key=spec.values.index) if spec.kind == "enum_list" else words[0]
    return _number(path, value, spec, problems)


def _number(path: str, value: Any, spec: ConstraintFieldSpec, problems: list[Problem]) -> float | int | None:
    unit = spec.unit or ""
    number: Any = value
    given = unit
    if isinstance(value, Mapping):
        number, given = value.get("value"), str(value.get("unit") or unit)
        if set(value) - {"value", "unit"}:
            problems.append(Problem(path, 'expected a number or {"value": number, "unit": text}'))
            return None
    elif isinstance(value, str):
        m = _NUMBER_UNIT.match(value)
        if not m:
            in_unit = f" in {unit}" if unit else ""
            problems.append(Problem(path, f"cannot read {value!r} as a number{in_unit}"))
            return None
        number, given = float(m.group(1)), (m.group(2) or unit)
    if isinstance(number, bool) or not isinstance(number, int | float):
        problems.append(Problem(path, f"expected a number{' in ' + unit if unit else ''}, got {value!r}"))
        return None
    if not math.isfinite(number):
        problems.append(Problem(path, f"expected a finite number, got {value!r}"))
        return None
    if given != unit:
        problems.append(Problem(path, f"unknown unit {given!r} (accepted: {unit})"))
        return None
    if spec.kind == "integer" and number != int(number):
        problems.append(Problem(path, f"{number:g} is not a whole number"))
        return None
    if spec.range and not spec.range[0] <= number <= spec.range[1]:
        lo, hi = spec.range
        shown = f"{lo:g}–{hi:g}" + (f" {unit}" if unit else "")
        problems.append(Problem(path, f"{number:g} is implausible (expected {shown})"))
        return None
    return int(number) if spec.kind == "integer" else float(number)


# --- flags from the record -----------------------------------------------------------------


@dataclass
class Flags:
    """Three-valued flags with the reason for each value (shown in the plan's constraints)."""

    values: dict[str, Truth] = field(default_factory=dict)
    basis: dict[str, str] = field(default_factory=dict)

    def set(self, name: str, value: Truth, basis: str) -> None:
        self.values[name] = value
        self.basis[name] = basis

    def get(self, name: str) -> Truth:
        return self.values.get(name)

    def true(self, name: str) -> bool:
        return self.values.get(name) is True


def compare(value: float | None, t: ThresholdSpec) -> Truth:
    if value is None:
        return None
    return {"<": value < t.value, "<=": value <= t.value, ">": value > t.value,
            ">=": value >= t.value}[t.comparator]


def _describe(t: ThresholdSpec, value: float | None) -> str:
    if value is None:
        return f"{t.measure} not recorded"
    return f"{t.measure} {value:g} (threshold {t.comparator} {t.value:g})"


def derive_flags(values: Mapping[str, Any], constraints: Mapping[str, Any],
                 outcomes: Mapping[str, str], pk: PlanKnowledge,
                 decided: Mapping[str, bool] | None = None) -> Flags:
    """Record-derived flags (cause-derived flags are added by the engine).

    ``values`` holds the record's canonical values and derived measures; ``outcomes`` maps a
    definition id to its outcome.
    """
    f = Flags()
    th = pk.spec.thresholds
    setting = values.get("setting")
    conditions = set(values.get("conditions") or [])

    def constraint_or(name: str, fallback: Truth, fallback_basis: str) -> None:
        if name in constraints:
            f.set(name, bool(constraints[name]), f"plan_constraints.{name} = {constraints[name]}")
        else:
            f.set(name, fallback, fallback_basis)

    icu_setting: Truth = None if setting is None else setting == "icu"
    constraint_or("icu", icu_setting, "setting not recorded" if setting is None else f"setting = {setting}")
    f.set("hospital", None if setting is None else setting in ("hospital", "icu"),
          "setting not recorded" if setting is None else f"setting = {setting}")
    _bed_bound(f, values, constraints, pk)
    _refractory(f, outcomes, decided or {}, pk)
    fried = outcomes.get("fried2001")
    # an undecided Fried result (prefrail that could still be frail) leaves frailty unknown
    verdict = fried not in (None, "indeterminate")
    fried_known = fried == "frail" or (verdict and bool((decided or {}).get("fried2001")))
    frail_basis = (f"fried2001 outcome {fried}" if fried_known else
                   f"fried2001 {fried} not decided" if verdict else "not recorded")
    constraint_or("frail", fried == "frail" if fried_known else None, frail_basis)
    items = values.get("sarc_f")
    falls = items.get("falls") if isinstance(items, Mapping) else None
    history = values.get("history")
    symptoms = history.get("symptoms") if isinstance(history, Mapping) else None
    reported = symptoms.get("falls") if isinstance(symptoms, Mapping) else None
    if falls is not None:
        constraint_or("falls_risk", falls >= 1,
                      f"SARC-F falls item {falls} ({'a fall' if falls else 'no fall'} in the past year)")
    else:
        constraint_or("falls_risk", reported, "not recorded" if reported is None else
                      f"history.symptoms.falls = {reported}")
    # a swallowing difficulty asks for a swallowing assessment; an unrecorded answer stays unknown
    swallowing = symptoms.get("swallowing_difficulty") if isinstance(symptoms, Mapping) else None
    f.set("swallowing_difficulty", swallowing,
          "not recorded (history.symptoms.swallowing_difficulty)" if swallowing is None else
          f"history.symptoms.swallowing_difficulty = {swallowing}")
    constraint_or("sedentary", None, "not recorded (plan_constraints.sedentary)")
    start_low = any3([f.get("frail"), f.get("sedentary")])
    unknown = [n for n in ("frail", "sedentary") if f.get(n) is None]
    if start_low is None:  # safety first: the lower start, and the plan says why
        what = " and ".join("frailty" if n == "frail" else "training history" for n in unknown)
        f.set("start_low", True, f"{what} not recorded: the programme starts low")
    else:
        f.set("start_low", start_low, "frail or sedentary" if start_low else "neither frail nor sedentary")

    age = values.get("age")
    f.set("older_adult", compare(age, th["older_adult"]), _describe(th["older_adult"], age))
    adult = compare(age, th["adult"])
    f.set("child", None if adult is None else not adult, _describe(th["adult"], age))
    bmi = values.get("bmi")
    obese_bmi = compare(bmi, th["obesity_bmi"])
    if "obesity" in conditions:
        f.set("obese", True, "condition obesity")
    else:
        f.set("obese", obese_bmi, _describe(th["obesity_bmi"], bmi))
    # a rule that changes with obesity asks for the BMI rather than assume none (ICU protein)
    f.set("obesity_unknown", f.get("obese") is None, f.basis.get("obese") or "BMI not recorded")
    f.set("diabetes", True if "diabetes" in conditions else None,
          "condition diabetes" if "diabetes" in conditions else "not recorded")
    diseases = [c for c in pk.spec.disease_conditions.conditions if c in conditions]
    recorded = values.get("conditions") is not None
    f.set("disease", True if diseases else (False if recorded else None),
          f"condition {', '.join(diseases)}" if diseases else
          ("no recorded condition is an acute or chronic disease" if recorded else "conditions not recorded"))

    _kidney(f, constraints, conditions, pk)
    cardiac = constraints.get("cardiac_unstable")
    f.set("cardiac_unstable", cardiac, "not recorded (plan_constraints.cardiac_unstable)" if cardiac is None
          else f"plan_constraints.cardiac_unstable = {cardiac}")
    nyha = constraints.get("nyha_class")
    f.set("nyha_iv", None if nyha is None else nyha == "IV",
          "not recorded" if nyha is None else f"NYHA class {nyha}")
    treatment = constraints.get("cancer_treatment")
    f.set("cancer_active_treatment",
          None if treatment is None else bool(set(treatment) - {"none", "palliative"}),
          "not recorded" if treatment is None else f"cancer treatment: {', '.join(treatment)}")
    _refeeding(f, values, constraints, pk)
    _low_intake(f, values, outcomes, pk)
    return f


def _bed_bound(f: Flags, values: Mapping[str, Any], constraints: Mapping[str, Any],
               pk: PlanKnowledge) -> None:
    """Recorded bed-bound wins; else the performance status (ECOG/WHO) says it: at the cited grade
    the person is totally confined to bed or chair, below it not. No status recorded: unknown."""
    if constraints.get("bed_bound") is not None:  # a null is not recorded (missing is unknown)
        recorded = constraints["bed_bound"]
        f.set("bed_bound", bool(recorded), f"plan_constraints.bed_bound = {recorded}")
        return
    t = pk.spec.thresholds["bed_or_chair_bound"]
    ps = values.get(t.measure)
    confined = compare(ps, t)
    if confined is None:
        f.set("bed_bound", None, "not recorded (plan_constraints.bed_bound)")
    elif confined:
        f.set("bed_bound", True, f"performance status {ps:g}: totally confined to bed or chair "
              f"(threshold {t.comparator} {t.value:g})")
    else:
        f.set("bed_bound", False, f"performance status {ps:g}: not totally confined to bed or chair "
              f"(threshold {t.comparator} {t.value:g}); plan_constraints.bed_bound not recorded")


def _refractory(f: Flags, outcomes: Mapping[str, str], decided: Mapping[str, bool],
                pk: PlanKnowledge) -> None:
    """A decided refractory stage (Fearon 2011 refractory cachexia) is true; a verdict of the same
    definition that is not decided leaves it unknown; a decided other stage, or no verdict of a
    staging definition (no cancer established), is false."""
    unknown: list[str] = []
    known: list[str] = []
    for def_id, stages in pk.spec.refractory.outcomes.items():
        outcome = outcomes.get(def_id)
        if outcome is None:
            continue
        if decided.get(def_id) and outcome in stages:
            f.set("refractory_cachexia", True, f"{def_id} outcome {outcome}, decided")
            return
        if decided.get(def_id) and outcome != "indeterminate":
            known.append(f"{def_id} outcome {outcome}, decided")
        else:
            unknown.append(f"{def_id} {outcome} not decided: a refractory stage is not excluded")
    if unknown:
        f.set("refractory_cachexia", None, "; ".join(unknown))
    else:
        f.set("refractory_cachexia", False, "; ".join(known) or "no verdict of a cachexia staging definition")


def _kidney(f: Flags, constraints: Mapping[str, Any], conditions: set[str], pk: PlanKnowledge) -> None:
    egfr = constraints.get("egfr")
    stage = constraints.get("ckd_stage")
    dialysis = constraints.get("dialysis")
    ckd_named = "ckd" in conditions or stage is not None or dialysis is True \
        or (egfr is not None and compare(egfr, pk.spec.thresholds["ckd_severe_egfr"]) is True)
    f.set("ckd", True if ckd_named else None,
          "condition ckd or a CKD constraint" if ckd_named else "not recorded")
    f.set("dialysis", dialysis,
          "not recorded" if dialysis is None else f"plan_constraints.dialysis = {dialysis}")
    severe: Truth = compare(egfr, pk.spec.thresholds["ckd_severe_egfr"])
    basis = _describe(pk.spec.thresholds["ckd_severe_egfr"], egfr)
    if severe is None and stage is not None:
        severe = stage in pk.spec.ckd_severe_stages
        basis = f"CKD stage {stage}"
    f.set("ckd_severe", severe, basis)
    if severe is True and dialysis is None:
        f.set("ckd_severe_no_dialysis", None, basis + "; dialysis status not recorded")
    else:
        f.set("ckd_severe_no_dialysis", None if severe is None else (severe and not dialysis),
              basis + ("" if dialysis is None else f"; dialysis {dialysis}"))
    ckd_unknowns(f)
    # CKD 3-5 not on dialysis: KDOQI's low-protein advice, which PROT-AGE's disease target contradicts
    moderate: Truth = compare(egfr, pk.spec.thresholds["ckd_low_protein_egfr"])
    if moderate is None and stage is not None:
        moderate = stage in pk.spec.ckd_low_protein_stages
    f.set("ckd_3_to_5_no_dialysis", None if moderate is None else (moderate and dialysis is not True),
          _describe(pk.spec.thresholds["ckd_low_protein_egfr"], egfr) if egfr is not None
          else (f"CKD stage {stage}" if stage is not None else "eGFR and stage not recorded"))
    stable = constraints.get("metabolically_stable")
    f.set("metabolically_stable", stable, "not recorded (plan_constraints.metabolically_stable)"
          if stable is None else f"plan_constraints.metabolically_stable = {stable}")


def ckd_unknowns(f: Flags) -> None:
    """What the protein target still needs to know about the kidneys, each fact on its own: the
    severity (no eGFR or stage, not on dialysis) and the dialysis status (severe or of unknown
    severity). An eGFR of 22 with the dialysis status not recorded asks for the dialysis status
    only. Called again by the engine when a cause (not the record) says CKD."""
    ckd, dialysis, severe = f.true("ckd"), f.get("dialysis"), f.get("ckd_severe")
    what = f.basis.get("ckd_severe", "eGFR and stage not recorded")
    severity = ckd and dialysis is not True and severe is None
    f.set("ckd_severity_unknown", severity, f"CKD; severity unknown ({what})" if severity else what)
    no_dialysis = ckd and dialysis is None and severe is not False
    f.set("ckd_dialysis_unknown", no_dialysis, "CKD; dialysis status not recorded" if no_dialysis else
          ("no CKD recorded" if not ckd else "dialysis recorded or CKD not severe"))


def _refeeding(f: Flags, values: Mapping[str, Any], constraints: Mapping[str, Any],
               pk: PlanKnowledge) -> None:
    """NICE CG32's criteria of a high refeeding risk, from the record. They are written for
    adults (a BMI under 16 is normal for a young child), so for a child the risk is unknown: no
    adult refeeding start is computed, and the basis says why."""
    if f.true("child"):
        why = f"not assessed: NICE CG32's criteria are for adults ({f.basis['child']})"
        f.set("refeeding_high_risk", None, why)
        f.set("refeeding_extreme", None, why)
        return
    r = pk.spec.refeeding
    major = [_criterion(c, values, constraints, r.full_intake_percent) for c in r.major]
    minor = [_criterion(c, values, constraints, r.full_intake_percent) for c in r.minor]
    extreme = [_criterion(c, values, constraints, r.full_intake_percent) for c in r.extreme]
    # the criteria that make it high: a major one, else the minor ones (two or more)
    met = [text for v, text in major if v is True] or [text for v, text in minor if v is True]
    # criteria the record cannot hold (electrolytes, most drugs, alcohol) stay unknown, so the
    # risk can be established as high but never ruled out from the record alone
    high = any3([v for v, _ in major] + [at_least3(2, [v for v, _ in minor]), None])
    f.set("refeeding_high_risk", high,
          ("NICE CG32: " + "; ".join(met)) if high else
          "not established from the record (electrolytes and most of the drug and intake history "
          "are not recorded)")
    ext = any3([v for v, _ in extreme] + [None])
    f.set("refeeding_extreme", ext, "; ".join(text for v, text in extreme if v)
          or "not established from the record")


def _criterion(c: RefeedingCriterion, values: Mapping[str, Any], constraints: Mapping[str, Any],
               full_intake: float) -> tuple[Truth, str]:
    """One refeeding criterion's truth and how it is named (schema.RefeedingSpec)."""
    if isinstance(c, ThresholdSpec):
        return compare(values.get(c.measure), c), _describe(c, values.get(c.measure))
    if isinstance(c, IncludesCriterionSpec):
        held = constraints.get(c.constraint)
        return (True if held and c.includes in held else None), f"{c.constraint} includes {c.includes}"
    pct, days = values.get("food_intake_percent"), values.get("reduced_intake_days")
    limit = c.little_or_no_intake_days
    if (pct is not None and pct >= full_intake) or (days is not None and days <= limit):
        return False, f"intake not little or none for more than {limit:g} days"
    if pct is not None and pct <= 0 and days is not None:
        return True, f"no food intake for {days:g} days (more than {limit:g})"
    return None, f"little or no intake for more than {limit:g} days not established"


def _low_intake(f: Flags, values: Mapping[str, Any], outcomes: Mapping[str, str], pk: PlanKnowledge) -> None:
    glim = outcomes.get("glim2019")
    groups = [all(compare(values.get(t.measure), t) is True for t in g) for g in pk.spec.low_intake.any_of]
    known = [[compare(values.get(t.measure), t) for t in g] for g in pk.spec.low_intake.any_of]
    if glim in pk.spec.findings.get("glim2019", []):
        f.set("low_intake", True, f"glim2019 outcome {glim}")
    elif any(groups):
        f.set("low_intake", True, "GLIM reduced intake: food_intake_percent "
              f"{values.get('food_intake_percent'):g}% for {values.get('reduced_intake_days'):g} days")
    elif all(any(v is False for v in g) for g in known):
        f.set("low_intake", False, "intake not reduced by the GLIM criterion")
    else:
        f.set("low_intake", None, "food intake or its duration not recorded")
