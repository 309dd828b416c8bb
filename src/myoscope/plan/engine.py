"""Build a plan from an assessment, a work-up result and the person's constraints.

The engine is a selector: which cited items of ``interventions.yaml`` apply, given three-valued
flags (from the record and its constraints) and the causes being treated (from the work-up, or
from recorded conditions when there is no work-up). It computes only the nutrition numbers. The
core, :func:`build_plan`, takes plain inputs so that it can be tested without a record; the
adapters turn an :class:`~myoscope.assess.Assessment` and a work-up result into those inputs.

Cheap when nothing is needed: a record without a finding, a cause or a bed-bound/ICU constraint
gets a plan with its status and (for older adults) the screening interval, and nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from .constraints import Flags, ckd_unknowns, derive_flags
from .loader import PlanKnowledge, load_plan_knowledge
from .nutrition import energy_target, population_note, protein_target, refeeding_start
from .result import CauseView, ConstraintView, Plan, PlanItem
from .schema import SECTIONS, ItemSpec
from .selection import holds

URGENCY_ORDER = ("emergency", "urgent", "soon", "routine")
#: The constraints shown with every plan (flags a reader should see even when unknown).
SHOWN_CONSTRAINTS = ("bed_bound", "icu", "hospital", "frail", "falls_risk", "sedentary", "older_adult",
                     "child", "obese", "ckd", "ckd_severe_no_dialysis", "dialysis", "nyha_iv",
                     "cancer_active_treatment", "refeeding_high_risk", "low_intake")
#: Constraints shown only when they are true or unknown (they change the plan when they hold).
SHOWN_WHEN_NOT_FALSE = ("refractory_cachexia",)
#: How the work-up's `reversible` maps onto the plan's course of a cause.
REVERSIBLE_TO_COURSE = {"yes": "reversible", "partly": "variable", "no": "progressive"}


@dataclass(frozen=True)
class CauseInput:
    """A cause to treat, as the work-up (or a recorded condition) gives it."""

    id: str
    label: str | None = None
    source: str = "work-up"
    confidence: str | None = None
    reversible: str | None = None
    citation: str | None = None
    #: the work-up's support outcome (supported | not_supported | undecided); None: no rule
    support: str | None = None
    #: what the source needs, with its citation, for saying why a cause is not treated
    support_needs: str | None = None
    #: the work-up's word that the record holds this diagnosis (its ``diagnosed_by`` finding in
    #: causes.yaml); None: not said (a work-up result from before the field)
    diagnosed: bool | None = None


class CauseSets(NamedTuple):
    """The causes an item's ``when`` is tested against (schema.WhenSpec)."""

    treated: list[str]
    supported: list[str]
    weak: list[str]
    #: the treated causes recorded as a condition (the diagnosis is made), and the others
    diagnosed: list[str]
    suspected: list[str]


@dataclass(frozen=True)
class RedFlagInput:
    id: str
    text: str
    urgency: str
    action: str | None = None
    citation: str | None = None
    defers_exercise: bool = False  # the work-up's gate: no standard exercise while it is active
    status: str = "active"  # or "possible": not ruled out, a fact missing (it gates all the same)

    @property
    def label(self) -> str:
        # named in words, not by its id: it is read in the plan's reason and its exercise caution
        return f"{'possible ' if self.status == 'possible' else ''}red flag {self.id.replace('_', ' ')}"


@dataclass
class PlanInputs:
    """Everything the engine needs, as plain data."""

    values: Mapping[str, Any]
    outcomes: Mapping[str, str] = field(default_factory=dict)
    decided: Mapping[str, bool] = field(default_factory=dict)
    decisive_measures: list[str] = field(default_factory=list)
    causes: list[CauseInput] | None = None  # None: no work-up was run (use recorded conditions)
    red_flags: list[RedFlagInput] = field(default_factory=list)
    constraints: Mapping[str, Any] = field(default_factory=dict)
    record_id: str | None = None
    source: str | None = None
    #: definitions whose population the record is outside (a child under adult definitions)
    not_applicable: list[str] = field(default_factory=list)
    #: definitions with a verdict whose population the record neither shows nor rules out (no
    #: age recorded under an adult definition), and the fields that would establish it: the plan
    #: does not rest on these verdicts, so an undetermined plan names them before what to measure
    population_unknown: list[str] = field(default_factory=list)
    population_fields: list[str] = field(default_factory=list)


def build_plan(inp: PlanInputs, knowledge: PlanKnowledge | None = None) -> Plan:
    """The plan for ``inp`` (see the module docstring)."""
    pk = knowledge or load_plan_knowledge()
    spec = pk.spec
    flags = derive_flags(inp.values, inp.constraints, inp.outcomes, pk, inp.decided)
    _exercise_gate(inp, flags)
    # a finding whose verdict is not decided is one of several findings still possible (else it
    # would not count): said as such, not as the final stage
    found = [f"{d} {o}" + ("" if inp.decided.get(d) else " (not decided)")
             for d, o in inp.outcomes.items() if o in spec.findings.get(d, ())]
    flags.set("finding", bool(found), ", ".join(found) or "no finding under any definition")
    glim = inp.outcomes.get("glim2019")
    if glim in spec.findings.get("glim2019", ()):
        flags.set("malnutrition", True, f"glim2019 outcome {glim}")
    causes = _causes(inp, flags, pk)
    weak = [c for c in inp.causes or [] if c.support == "not_supported"]
    # A work-up candidate (e.g. age-related sarcopenia, proposed for anyone over 50) or a condition
    # such as cancer shapes a plan but does not call for one: a finding does, and so do a cause that
    # is itself muscle-wasting, a bed-bound/ICU constraint and a work-up red flag.
    why = [*found, *[f"{c.label} ({c.source})" for c in causes if _calls_for_plan(c, pk)],
           *[r.label for r in inp.red_flags]]
    indicated = bool(why)
    if not indicated:
        causes = []
    _cause_flags(causes, flags, pk)
    # an undecided support (a fact missing), or none known (a stored result from before the rule),
    # is unknown, not absent: the cause keeps its items for a supported hypothesis while it is asked
    diagnosed = _diagnosed(causes, inp, pk)
    sets = CauseSets([c.id for c in causes], [c.id for c in causes if c.support != "not_supported"],
                     [c.id for c in weak], diagnosed, [c.id for c in causes if c.id not in diagnosed])
    flags.set("indicated", indicated, "; ".join(why) or "no finding, muscle-wasting cause or red flag")

    plan = Plan(status="indicated", reason="", causes=causes, constraints=_shown(flags),
                sections={s: [] for s in SECTIONS}, nutrition={}, assumptions=_not_treated(weak),
                knowledge_version=pk.version, record_id=inp.record_id, source=inp.source)
    if not indicated:
        decided_negative = any(inp.decided.get(d) and o != "indeterminate"
                               and o not in spec.findings.get(d, ()) for d, o in inp.outcomes.items())
        plan.status = "not_indicated" if decided_negative else "undetermined"
        plan.reason = ("no muscle-wasting finding under any decided definition, no muscle-wasting "
                       "cause, red flag or bed-bound/ICU constraint") if decided_negative else \
            "no definition could be decided: measure first"
        # outside every definition (a child), not merely unmeasured: an adult of 45 with nothing
        # measured is outside AWGS 2025 (from 50) but inside the others, which wait for measures
        if inp.not_applicable and not inp.outcomes:
            plan.status = "not_applicable"
            plan.reason = ("the person is outside the population of every definition that could apply ("
                           + ", ".join(inp.not_applicable) + "): a specialist (paediatric) assessment, "
                           "not an adult plan")
            return plan  # adult follow-up rules (refeeding by adult BMI, screening) do not apply
        plan.decisive_measures = list(inp.decisive_measures)
        if not decided_negative and inp.population_unknown:
            _population_reason(plan, inp)
        _select(plan, flags, sets, pk, only=("follow_up",))
        # what to ask about a hypothesis the record does not support, and when to seek help, is
        # said whatever the plan's status: it treats nothing
        _select(plan, flags, sets, pk, only=("treat_cause",), weak_only=True)
        return plan

    plan.reason = "; ".join(filter(None, [
        ", ".join(found), ", ".join(f"{c.label} ({c.source})" for c in causes),
        ", ".join(r.label for r in inp.red_flags)]))
    for rf in sorted(inp.red_flags, key=lambda r: URGENCY_ORDER.index(r.urgency)
                     if r.urgency in URGENCY_ORDER else len(URGENCY_ORDER)):
        text = rf.text.rstrip() + ("" if rf.text.rstrip().endswith((".", "!", "?")) else ".")
        text += f" Action: {rf.action}" if rf.action else ""
        plan.sections["treat_cause"].append(PlanItem(
            id=f"red_flag_{rf.id}", section="treat_cause", kind="red_flag", text=text, citation=None,
            evidence={"strength": "not_graded", "grade": "work-up red flag"}, urgency=rf.urgency,
            source="work-up", cited_as=rf.citation))
    known = set(spec.causes)
    cited = {i.id: i.citation for i in inp.causes or []}
    for c in causes:
        if c.id not in known:
            plan.sections["treat_cause"].append(PlanItem(
                id=f"cause_{c.id}", section="treat_cause", kind="referral",
                text=f"{c.label}: confirm with the work-up's next tests and treat; myoscope holds no "
                     "cause-specific plan for it.", citation=None,
                evidence={"strength": "not_graded", "grade": "work-up candidate"}, urgency="routine",
                source="work-up", cited_as=cited.get(c.id)))
    # exercise first: whether the standard resistance programme is prescribed changes protein
    _select(plan, flags, sets, pk, only=("exercise",))
    rt = plan.item("ex_resistance") is not None
    flags.set("rt_prescribed", rt, "standard resistance programme in the plan" if rt else "not prescribed")
    _nutrition(plan, inp, flags, sets.treated, pk)
    _select(plan, flags, sets, pk, skip=("exercise",))
    # most urgent first; at one urgency, a red flag not yet ruled out after what is known (a
    # same-day referral of a supported cause heads the section, and the report's first lines,
    # before a possible flag's questions)
    possible = {f"red_flag_{r.id}" for r in inp.red_flags if r.status == "possible"}
    rank = {u: n for n, u in enumerate(URGENCY_ORDER)}
    # then in the order of the causes they treat (the work-up's: a recorded ALS before sarcopenia
    # of ageing); an item tied to no cause (a red flag's) keeps its place before them
    order = {c.id: n for n, c in enumerate(causes)}

    def cause_rank(iid: str) -> int:
        spec_i = spec.items.get(iid)
        ranks = [order[c] for c in spec_i.when.causes() if c in order] if spec_i else []
        return min(ranks, default=-1)

    plan.sections["treat_cause"].sort(key=lambda i: (rank.get(i.urgency or "", len(rank)), i.id in possible,
                                                     cause_rank(i.id)))
    return plan


def _population_reason(plan: Plan, inp: PlanInputs) -> None:
    """Verdicts were reached but their population is not established: "measure first" would send
    the reader to the definitions' measures when what is missing is what establishes the
    population (the age), so the reason names it and it comes first in what to record."""
    fields = inp.population_fields
    missing = f" ({', '.join(fields)} not recorded)" if fields else ""
    todo = f": record {' and '.join(fields)} first" if fields else ""
    plan.reason = (f"the population of {', '.join(inp.population_unknown)} is not established{missing}, "
                   f"so the plan does not rest on their verdicts{todo}")
    plan.decisive_measures = [*fields, *(m for m in plan.decisive_measures if m not in fields)]


def _not_treated(weak: list[CauseInput]) -> list[str]:
    """Why a work-up candidate whose support is known not to hold gets none of its items."""
    return [f"{c.label or c.id}: listed by the work-up, but the record does not show "
            f"{c.support_needs or 'what its source needs before acting on it'}; the plan does not treat it."
            for c in weak]


def _exercise_gate(inp: PlanInputs, flags: Flags) -> None:
    """Safety outranks the programme (DESIGN §13): while a red flag that defers exercise is active,
    or the record says the heart is unstable, the plan holds standard exercise back and says why."""
    why = [f"{r.label} ({r.urgency})" for r in inp.red_flags if r.defers_exercise]
    if flags.true("cardiac_unstable"):
        why.append("an unstable cardiac condition (plan_constraints.cardiac_unstable)")
    flags.set("exercise_deferred", bool(why), "; ".join(why) or "no red flag or unstable condition defers it")


def _causes(inp: PlanInputs, flags: Flags, pk: PlanKnowledge) -> list[CauseView]:
    spec = pk.spec
    out: dict[str, CauseView] = {}
    for c in inp.causes or []:
        if c.support == "not_supported":
            continue  # a hypothesis the record does not support is not treated (causes.yaml support)
        spec_c = spec.causes.get(c.id)
        # the plan's own course (cited for its goals) wins for a cause it knows; the work-up's
        # `reversible` is kept on the cause and decides the course of a cause the plan does not know
        course = spec_c.course if spec_c else REVERSIBLE_TO_COURSE.get(c.reversible or "", "variable")
        out[c.id] = CauseView(c.id, c.label or (spec_c.label if spec_c else c.id), "work-up", course,
                              c.confidence, c.reversible, c.support)
    conditions = set(inp.values.get("conditions") or [])
    for cid, cause in spec.causes.items():
        named = [cond for cond in cause.conditions if cond in conditions]
        if named and cid not in out and (cause.intrinsic or flags.true("finding")):
            out[cid] = CauseView(cid, cause.label, f"condition {named[0]}", cause.course)
    for flag, cid in (("icu", "icu_acquired_weakness"), ("bed_bound", "disuse_atrophy")):
        if flags.true(flag) and cid not in out:
            risk = spec.causes[cid]
            out[cid] = CauseView(cid, f"{risk.label}: at risk", f"constraint {flag}", risk.course)
    return list(out.values())


def _diagnosed(causes: list[CauseView], inp: PlanInputs, pk: PlanKnowledge) -> list[str]:
    """The treated causes whose diagnosis the record holds (a hypothesis that is already a known
    diagnosis is followed, not referred "without delay if suspected"): a cause that comes from a
    recorded condition, and a work-up candidate the work-up says is diagnosed. The work-up's word is
    the one declaration (causes.yaml ``diagnosed_by``); only when a work-up result does not say
    (from before the field) is a cause diagnosed when one of its plan ``conditions`` is recorded."""
    said = {c.id: c.diagnosed for c in inp.causes or []}
    recorded = set(inp.values.get("conditions") or [])

    def diagnosed(c: CauseView) -> bool:
        if c.source.startswith("condition"):
            return True
        if said.get(c.id) is not None:
            return bool(said[c.id])
        return c.id in pk.spec.causes and bool(recorded & set(pk.spec.causes[c.id].conditions))

    return [c.id for c in causes if diagnosed(c)]


def _calls_for_plan(c: CauseView, pk: PlanKnowledge) -> bool:
    known = pk.spec.causes.get(c.id)
    return c.source.startswith("constraint") or bool(known and known.intrinsic)


def _cause_flags(causes: list[CauseView], flags: Flags, pk: PlanKnowledge) -> None:
    spec = pk.spec
    for name in ("disease", "cancer", "malnutrition", "anorexia_nervosa", "no_standard_rt",
                 "no_standard_aerobic", "reversible_cause", "progressive_cause", "variable_cause"):
        if name not in flags.values:
            flags.set(name, False, "no cause sets it")
    for c in causes:
        known = spec.causes.get(c.id)
        named = list(known.flags) if known else []
        if known and known.disease:
            named.append("disease")
        named.append(f"{c.course}_cause")
        for name in named:
            if name == "malnutrition" and flags.true("malnutrition"):
                continue
            flags.set(name, True, f"cause {c.id}")
        if known and "ckd" in known.flags and not flags.true("ckd"):
            flags.set("ckd", True, f"cause {c.id}")
    ckd_unknowns(flags)


def _shown(flags: Flags) -> list[ConstraintView]:
    names = [*SHOWN_CONSTRAINTS, *(n for n in SHOWN_WHEN_NOT_FALSE if flags.get(n) is not False)]
    return [ConstraintView(n, flags.get(n), flags.basis.get(n, "not recorded")) for n in names]


Static = tuple[dict[str, list[float | None]], dict[str, Any]]


def _static(iid: str, it: ItemSpec, pk: PlanKnowledge) -> Static:
    """An item's dose and evidence as plain dicts, built once per knowledge item."""
    hit: Static | None = pk.memo.get(iid)
    if hit is None:
        dumped = {} if it.dose is None else it.dose.model_dump(exclude_none=True)
        hit = pk.memo[iid] = ({k: list(v) for k, v in dumped.items()},
                              it.evidence.model_dump(exclude_none=True))
    return hit


def _item(iid: str, it: ItemSpec, pk: PlanKnowledge, notes: list[str]) -> PlanItem:
    dose, evidence = _static(iid, it, pk)
    return PlanItem(
        id=iid, section=it.section, kind=it.kind, text=it.text, citation=pk.cite(it.citation),
        evidence=dict(evidence), dose={k: list(v) for k, v in dose.items()}, refer_to=it.refer_to,
        urgency=it.urgency, repeat=list(it.repeat), repeat_other=list(it.repeat_other),
        interval=it.interval, interval_weeks=list(it.interval_weeks) if it.interval_weeks else None,
        assumptions=notes, patient_text=it.patient_text)


def _select(plan: Plan, flags: Flags, causes: CauseSets, pk: PlanKnowledge,
            only: tuple[str, ...] = (), skip: tuple[str, ...] = (), weak_only: bool = False) -> None:
    for iid, it in pk.spec.items.items():
        if (only and it.section not in only) or it.section in skip or (weak_only and not it.when.causes_weak):
            continue
        ok, notes = holds(it.when, flags, *causes)
        if ok:
            # evidence from another population (a ventilated-ICU trial for a bed-bound person at
            # home) is said beside the item, as for nutrition guidance written for over-65s
            pop = [] if it.population is None else \
                population_note(it.population.text, it.population.flag, flags)
            plan.sections[it.section].append(_item(iid, it, pk, [*notes, *pop]))
            plan.assumptions += [n for n in notes if n not in plan.assumptions]
    deferred = plan.item("ex_deferred")
    if deferred is not None and not deferred.text.endswith(")"):
        deferred.text += f" (Active: {flags.basis['exercise_deferred']}.)"
    basis = flags.basis.get("start_low", "")
    if "exercise" in only and plan.item("ex_resistance_start_low") and "not recorded" in basis:
        note = basis[0].upper() + basis[1:] + "."
        if note not in plan.assumptions:
            plan.assumptions.append(note)


def _nutrition(plan: Plan, inp: PlanInputs, flags: Flags, causes: list[str], pk: PlanKnowledge) -> None:
    weight = inp.values.get("weight")
    meals = inp.constraints.get("meals_per_day")
    targets = [protein_target(weight, flags, causes, pk, meals), energy_target(weight, flags, causes, pk)]
    start = refeeding_start(weight, flags, pk)
    if start is not None:
        targets.append(start)
    for t in targets:
        plan.nutrition[t.kind] = t
        title = _target_title(t.kind)
        if t.status == "computed":
            text = f"{title}: {t.summary}. {t.text}"
            if t.kind == "refeeding_start" and flags.true("refractory_cachexia"):
                text = f"If nutritional support is started: {text}"
        elif t.status == "undetermined":
            text = f"{title}: undetermined, record {', '.join(t.decisive)}. {t.text}"
        else:
            text = t.text
        plan.sections["nutrition"].append(PlanItem(
            id=f"nut_{t.kind}", section="nutrition", kind="target", text=text, citation=t.citation,
            evidence=t.evidence.model_dump(exclude_none=True), assumptions=list(t.caveats), target=t))
        plan.assumptions += [c for c in t.caveats if c not in plan.assumptions and "assumed" in c]


def _target_title(kind: str) -> str:
    return {"protein": "Protein", "energy": "Energy", "refeeding_start": "Refeeding start"}[kind]
