"""What a report shows, and leaves out, for this person: read from the plan's flags and the
work-up's own ranking and confidence, never from a threshold of the report's own.

The plan decides the clinical situation (``refractory_cachexia``, ``bed_bound``: its constraints,
each with the basis it was derived from); the work-up ranks its hypotheses by score and says how
much of each one's stated weight is known (``confidence``, bands in ``causes.yaml``). The reports
only choose what to say from those:

- refractory cachexia: no projection of muscle loss and what would change it, no work-up tests
  (a full work-up is no longer the aim; the plan's own follow-up is what is still done), and no
  reason for the patient that blames eating (EPCRC 2010, Fearon 2011: no pressure around eating);
- bed-bound: a finding's meaning is said in the knowledge file's wording for a person confined to
  bed or chair (``means_bed_bound``), without walking and falls (see :func:`meaning`);
- a cause item of the plan that has plain words (``patient_text``) is told to the patient, with
  its urgency, even when the cause is not named (:func:`patient_actions`);
- tests offered to a patient come only from the hypotheses the work-up ranks first or holds with
  more than its lowest confidence (:func:`supported`); the clinician report lists every one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from ..workup.schema import URGENCY_ORDER

if TYPE_CHECKING:
    from ..plan.result import Plan, PlanItem
    from ..workup.result import Candidate, Workup

#: the work-up's cause groups (``group`` in causes.yaml) whose patient reason is about eating too
#: little; not told to a patient in refractory cachexia, where it feeds eating-related distress
EATING_GROUPS = ("nutrition",)


def plan_flag(plan: Plan | None, name: str) -> bool | None:
    """The plan's constraint ``name`` (None when there is no plan, or the plan does not show it or
    does not know it)."""
    if plan is None:
        return None
    return next((c.value for c in plan.constraints if c.id == name), None)


def flag_basis(plan: Plan | None, name: str) -> str:
    """Why the plan holds ``name`` (its constraint's basis), or an empty string."""
    if plan is None:
        return ""
    return next((c.basis for c in plan.constraints if c.id == name), "")


def refractory(plan: Plan | None) -> bool:
    """A decided refractory cachexia, as the plan says it (its comfort-focused path)."""
    return plan_flag(plan, "refractory_cachexia") is True


def bed_bound(plan: Plan | None) -> bool:
    """Bed-bound as the plan says it (recorded, or ECOG/WHO performance status 4); unknown is not."""
    return plan_flag(plan, "bed_bound") is True


def meaning(texts: Mapping[str, str], plan: Plan | None) -> str:
    """A finding's meaning for this person: ``means``, or for a bed-bound person
    ``means_bed_bound`` where the knowledge file gives one (``means`` says what the finding does
    to a person who is up and about: "harder to walk", "the risk of falls")."""
    if bed_bound(plan) and texts.get("means_bed_bound"):
        return texts["means_bed_bound"]
    return texts["means"]


def unsupported(c: Candidate) -> bool:
    """The record shows that what the cause's source needs does not hold (``support`` in
    causes.yaml, e.g. Guillain-Barré with a course recorded as improving): the plan does not
    treat it, and a patient is not told of it."""
    return c.support is not None and c.support.outcome == "not_supported"


def supported(workup: Workup | None) -> list[Candidate]:
    """The hypotheses a patient may be told the tests of: the work-up's leading one (ranked first)
    and every other whose confidence is above the lowest band of ``causes.yaml``
    (``confidence_bands``: "moderate" or "high" today), in the work-up's order; none that is
    :func:`unsupported`."""
    if workup is None or not workup.candidates:
        return []
    from ..workup.loader import workup_knowledge

    lowest = workup_knowledge().spec.confidence_bands[-1].label
    return [c for i, c in enumerate(workup.candidates)
            if (i == 0 or c.confidence != lowest) and not unsupported(c)]


def patient_causes(workup: Workup | None, plan: Plan | None, limit: int) -> list[Candidate]:
    """The possible reasons told to the patient: the work-up's first ``limit``, without the
    eating reasons in refractory cachexia and without a hypothesis the record does not support
    (:func:`unsupported`: the plan does not treat it either)."""
    if workup is None:
        return []
    told = [c for c in workup.candidates
            if not (refractory(plan) and c.group in EATING_GROUPS) and not unsupported(c)]
    return told[:limit]


def patient_actions(plan: Plan | None) -> list[PlanItem]:
    """The plan's cause items that carry plain words for the patient, most urgent first (the
    plan's order). One may stand for a cause the report does not name (:func:`unsupported`), such
    as the safety net of an unconfirmed Guillain-Barré syndrome: when to go to hospital the same
    day is told without the diagnosis."""
    if plan is None:
        return []
    return [i for i in plan.sections.get("treat_cause", []) if i.patient_text and i.source == "knowledge"]


@dataclass(frozen=True)
class Help:
    """One instruction to the patient: a red flag (``action`` its patient action) or a plan item
    (its text holds the instruction), with its urgency and status, its id, and the clinician's
    words (what the person can tell the doctor)."""

    text: str
    action: str
    urgency: str
    status: str = "active"  # or "possible": a red flag not yet ruled out
    kind: str = "red-flag"  # or "plan": an item of the plan
    id: str = ""
    clinician: str = ""

    @property
    def rank(self) -> int:
        return URGENCY_ORDER.index(self.urgency) if self.urgency in URGENCY_ORDER else len(URGENCY_ORDER)

    @property
    def order(self) -> tuple[int, bool]:
        """Most urgent first; at one urgency, what is known before what is possible."""
        return self.rank, self.status != "active"


@dataclass(frozen=True)
class PatientHelp:
    """What the patient is told to do about the red flags and the plan's cause items, one voice:

    - ``now``: the red flags (active and possible) and the plan's emergency and urgent items, most
      urgent first. The most urgent active instruction sets the visit: a red flag less urgent than
      it keeps its words but says to tell that visit about it too (``also_tell``), where its own
      action ("within days") would contradict an emergency (:func:`one_voice` says which plan
      items speak).
    - ``later``: the plan's soon and routine items, under "What to do".
    - ``level``: the most urgent of ``now`` (its heading), or None.
    """

    now: list[Help]
    later: list[Help]

    @property
    def level(self) -> str | None:
        return min(self.now, key=lambda h: h.rank).urgency if self.now else None


def helps_of(workup: Workup | None, plan: Plan | None) -> list[Help]:
    """The red flags of ``workup`` and the plan's cause items with plain words, as :class:`Help`."""
    flags = [Help(f.patient_text, f.patient_action, f.urgency, f.status, id=f.id, clinician=f.text)
             for f in (workup.red_flags if workup is not None else ())]
    items = [Help(i.patient_text or "", "", i.urgency or "routine", kind="plan", id=i.id, clinician=i.text)
             for i in patient_actions(plan)]
    return [*flags, *items]


def one_voice(helps: Sequence[Help], also_tell: str) -> PatientHelp:
    """``helps`` said with one voice (:class:`PatientHelp`); ``also_tell`` is the plain words a
    less urgent red flag says instead of its own action. Shared by the patient report and the
    public self-check.

    The most urgent active instruction sets the visit. A red flag less urgent than it says to
    tell that visit about it too. A plan item speaks where it says more than the red flags: one
    as urgent as an active emergency or urgent red flag is left out (the flag's words say when,
    and more exactly: "call an ambulance" against "today"), and under an active emergency every
    less urgent plan item is left out (the hospital visit covers it). Under a less urgent visit a
    "soon" item keeps its safety net (when to go to hospital the same day)."""
    active = [h.rank for h in helps if h.status == "active"]
    top = min(active, default=len(URGENCY_ORDER))
    flagged = {h.rank for h in helps if h.status == "active" and h.kind != "plan"}
    urgent = URGENCY_ORDER.index("urgent")

    def speaks(h: Help) -> bool:
        if h.kind != "plan":
            return True
        if top == URGENCY_ORDER.index("emergency") and h.rank > top:
            return False
        return not (h.rank in flagged and h.rank <= urgent)

    told = [h if h.kind == "plan" or h.rank <= top else replace(h, action=also_tell)
            for h in helps if speaks(h)]
    now = sorted([h for h in told if h.kind != "plan" or h.rank <= urgent], key=lambda h: h.order)
    return PatientHelp(now, [h for h in told if h.kind == "plan" and h.rank > urgent])


def patient_help(workup: Workup | None, plan: Plan | None, also_tell: str,
                 in_hospital: Mapping[str, str] | None = None) -> PatientHelp:
    """The patient report's instructions: :func:`one_voice` over :func:`helps_of`. A person the
    plan knows to be in hospital (or intensive care) is not told to go to hospital: a red flag's
    action of an urgency in ``in_hospital`` becomes its words (tell the nurse or doctor)."""
    helps = helps_of(workup, plan)
    if in_hospital and plan_flag(plan, "hospital") is True:
        helps = [replace(h, action=in_hospital[h.urgency])
                 if h.kind != "plan" and h.urgency in in_hospital else h for h in helps]
    return one_voice(helps, also_tell)


def patient_tests(causes: Sequence[Candidate], workup: Workup | None, plan: Plan | None) -> list[str]:
    """The tests a patient may be offered, in plain words, once each: those of the reasons told
    that the work-up supports (:func:`supported`); none in refractory cachexia (the plan lists no
    routine re-measurement in that stage; the patient report says the care team will talk about it)."""
    if workup is None or refractory(plan):
        return []
    backed = {c.id for c in supported(workup)}
    tests: list[str] = []
    for c in causes:
        if c.id in backed:
            tests += [t.patient_label for t in c.next_tests
                      if t.patient_label and t.patient_label not in tests]
    return tests
