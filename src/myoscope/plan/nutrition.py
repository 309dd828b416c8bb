"""Nutrition targets computed from the record: protein g/day, energy kcal/day, protein per meal,
and the refeeding starting rate.

The factors (g/kg, kcal/kg, the per-meal amount, the refeeding rate) are data in
``interventions.yaml``; this module only multiplies. Arithmetic is decimal with half-up rounding
to whole grams and kilocalories, so 70 kg × 0.55 g/kg is 38.5 -> 39 g and never a binary artefact
(38.50000000000001). A missing weight leaves the target undetermined with ``weight`` as the
decisive measure; it is never filled in.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .constraints import Flags
from .loader import Citation, PlanKnowledge
from .schema import EvidenceSpec, Range, RuleSpec
from .selection import holds


def times(factor: float, weight: float) -> int:
    """factor x weight rounded half up to a whole number (grams or kilocalories)."""
    product = Decimal(str(factor)) * Decimal(str(weight))
    return int(product.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def divide(total: int, parts: int) -> int:
    return int((Decimal(total) / Decimal(parts)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _fmt(x: float) -> str:
    return f"{x:g}"


def fmt_range(r: tuple[float, float | None], unit: str) -> str:
    lo, hi = r
    if hi is None:
        return f"at least {_fmt(lo)} {unit}"
    return f"{_fmt(lo)} {unit}" if lo == hi else f"{_fmt(lo)}–{_fmt(hi)} {unit}"


@dataclass
class Target:
    """One computed (or deliberately not computed) nutrition target."""

    kind: str  # protein | energy | refeeding_start
    rule: str
    status: str  # computed | not_computed | undetermined
    text: str
    citation: Citation
    evidence: EvidenceSpec
    per_kg: tuple[float, float | None] | None = None
    per_kg_unit: str = ""
    weight_kg: float | None = None
    per_day: tuple[int, int | None] | None = None
    unit: str = ""
    per_meal: tuple[int, int | None] | None = None
    meals: int | None = None
    calculation: str = ""
    caveats: list[str] = field(default_factory=list)
    decisive: list[str] = field(default_factory=list)
    qualifier: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "rule": self.rule, "status": self.status, "text": self.text,
            "per_kg": list(self.per_kg) if self.per_kg else None, "per_kg_unit": self.per_kg_unit or None,
            "weight_kg": self.weight_kg, "per_day": list(self.per_day) if self.per_day else None,
            "unit": self.unit or None, "per_meal": list(self.per_meal) if self.per_meal else None,
            "meals_per_day": self.meals, "calculation": self.calculation or None,
            "caveats": self.caveats, "decisive_measures": self.decisive, "qualifier": self.qualifier,
            "citation": self.citation.to_dict(), "evidence": self.evidence.model_dump(exclude_none=True),
        }

    @property
    def summary(self) -> str:
        if self.status != "computed" or self.per_day is None:
            return self.text
        out = f"{fmt_range(self.per_day, self.unit)}/day"
        if self.per_meal:
            approx = "" if self.per_meal[1] is None else "about "
            out += f" ({approx}{fmt_range(self.per_meal, 'g')} at each of {self.meals} meals)"
        return f"{out}, {self.qualifier}" if self.qualifier else out


def select(rules: list[RuleSpec], flags: Flags, causes: Collection[str]) -> RuleSpec:
    for rule in rules:
        if holds(rule.when, flags, causes)[0]:
            return rule
    raise AssertionError("the last rule applies always (checked by the loader)")  # pragma: no cover


def population_note(text: str, flag: str, flags: Flags) -> list[str]:
    """Say when guidance is applied outside the population it was written for (``flag`` false),
    or to someone not known to be in it (unknown: the flag's basis, e.g. "age not recorded")."""
    value = flags.get(flag)
    if value is True:
        return []
    if value is False:
        return [f"{text[0].upper()}{text[1:]}; applied here outside that population."]
    basis = flags.basis.get(flag) or f"{flag} not recorded"
    return [f"{basis[0].upper()}{basis[1:]}: {text}."]


def _population_caveat(rule: RuleSpec, flags: Flags) -> list[str]:
    if rule.population is None:
        return []
    return population_note(rule.population.text, rule.population.flag, flags)


def _target(kind: str, rule: RuleSpec, factor: Range | None, unit: str, per_kg_unit: str,
            weight: float | None, pk: PlanKnowledge, flags: Flags) -> Target:
    base = Target(kind=kind, rule=rule.id, status="not_computed", text=rule.text,
                  citation=pk.cite(rule.citation), evidence=rule.evidence, unit=unit,
                  per_kg_unit=per_kg_unit, caveats=_population_caveat(rule, flags), qualifier=rule.qualifier)
    if rule.undetermined:
        base.status, base.decisive = "undetermined", list(rule.decisive)
        return base
    if not rule.computed or factor is None:
        return base
    base.per_kg = factor
    if weight is None:
        base.status, base.decisive = "undetermined", ["weight"]
        base.calculation = f"{fmt_range(factor, per_kg_unit)} × weight (weight not recorded)"
        return base
    lo, hi = factor
    base.weight_kg = weight
    base.per_day = (times(lo, weight), None if hi is None else times(hi, weight))
    base.status = "computed"
    shown = fmt_range(factor, per_kg_unit)
    base.calculation = f"{shown} × {_fmt(weight)} kg = {fmt_range(base.per_day, unit)}/day"
    return base


def protein_target(weight: float | None, flags: Flags, causes: Collection[str], pk: PlanKnowledge,
                   meals: int | None = None) -> Target:
    """Protein g/day from body weight with the rule that applies (PROT-AGE, KDOQI, ESPEN)."""
    rule = select(pk.spec.protein_rules, flags, causes)
    t = _target("protein", rule, rule.g_per_kg, "g", "g/kg", weight, pk, flags)
    if t.status == "computed" and rule.per_meal and t.per_day is not None:
        pm = pk.spec.protein_per_meal
        n = meals or 3
        t.meals = n
        lo, hi = t.per_day
        t.per_meal = (divide(lo, n), None if hi is None else divide(hi, n))
        t.calculation += f"; ÷ {n} meals = {fmt_range(t.per_meal, 'g')} per meal"
        t.caveats.append(f"Aim for {fmt_range(pm.g, 'g')} of high-quality protein at each main meal "
                         f"({pk.cite(pm.citation).short}).")
        if meals is None:
            t.caveats.append("Three main meals assumed (the number of main meals a day is not recorded).")
    return t


def energy_target(weight: float | None, flags: Flags, causes: Collection[str], pk: PlanKnowledge) -> Target:
    """Energy kcal/day from body weight with the rule that applies (ESPEN geriatrics, KDOQI...)."""
    rule = select(pk.spec.energy_rules, flags, causes)
    return _target("energy", rule, rule.kcal_per_kg, "kcal", "kcal/kg", weight, pk, flags)


def refeeding_start(weight: float | None, flags: Flags, pk: PlanKnowledge) -> Target | None:
    """NICE CG32 starting rate when the record establishes a high refeeding risk (not in anorexia
    nervosa, where the specialist team prescribes refeeding)."""
    if not flags.true("refeeding_high_risk") or flags.true("anorexia_nervosa"):
        return None
    r = pk.spec.refeeding
    extreme = flags.true("refeeding_extreme")
    rate = r.extreme_start_kcal_per_kg if extreme else r.start_kcal_per_kg
    days = fmt_range(r.build_up_days, "days")
    text = (f"High risk of refeeding problems ({flags.basis['refeeding_high_risk']}): start nutrition "
            f"support at no more than {_fmt(rate)} kcal/kg/day"
            f"{' (extreme risk: ' + flags.basis['refeeding_extreme'] + ')' if extreme else ''}, "
            f"and increase slowly to meet full needs in {days}.")
    t = Target(kind="refeeding_start", rule="refeeding_extreme" if extreme else "refeeding",
               status="not_computed", text=text, citation=pk.cite(r.citation), evidence=r.evidence,
               per_kg=(rate, rate), per_kg_unit="kcal/kg", unit="kcal")
    if weight is None:
        t.status, t.decisive = "undetermined", ["weight"]
        return t
    kcal = times(rate, weight)
    t.status, t.weight_kg, t.per_day = "computed", weight, (kcal, kcal)
    t.calculation = f"at most {_fmt(rate)} kcal/kg × {_fmt(weight)} kg = {kcal} kcal/day on day 1"
    t.caveats.append("Not assessable from the record: " + "; ".join(r.not_in_record) + ".")
    return t
