"""Answers in, plain result out: the self-check's one service (faces hold no logic).

Form fields are named after the record paths they fill (``history.tempo``, ``sarc_f.falls``,
``age``); an empty field is left out of the record, so it is unknown, never 0. The record's
parser validates every value and names every bad field at once (``RecordValidationError``).

Sex is required by the record contract but optional here: when it is skipped, the record is
assessed as female and as male; a verdict that differs between the two is reported undecided with
sex as what would decide it, and the red flags of both runs are shown (the safe union).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from ..errors import Problem, RecordValidationError
from ..measures import load_catalog
from ..pathway import PathwayResult, run_pathway
from ..report.care import Help, helps_of, one_voice, unsupported
from ..report.document import patient_texts
from ..workup.loader import workup_knowledge
from .guide import Citation, cite
from .knowledge import Ask, public_knowledge

Answers = Mapping[str, str]
#: the definitions the self-check reports (its verdict words name them)
YES, NO = "yes", "no"
#: the form's own name for the previous weight's age (months ago)
MONTHS = "weight_before_months"
#: the prefix of the form field that carries a weight question's unit
UNIT = "unit."
SEXES = ("female", "male")


@dataclass(frozen=True)
class Question:
    """One question as a page shows it: ``name`` is the posted field (the record path)."""

    name: str
    kind: str
    text: str
    choices: tuple[tuple[str, str], ...] = ()
    hint: str = ""
    months: tuple[int, ...] = ()
    units: tuple[str, ...] = ()


def _wording(a: Ask) -> str:
    if a.question:
        return a.question
    return workup_knowledge().spec.questions[a.field].patient


def _ask(a: Ask) -> Question:
    words = public_knowledge().check.choice_words
    if a.kind == "yes_no":
        return Question(a.field, "yes_no", _wording(a), ((YES, "Yes"), (NO, "No")))
    if a.kind == "choice":
        choices = tuple((c, words.get(c, c.capitalize())) for c in a.choices)
        return Question(a.field, "choice", _wording(a), choices)
    if a.kind == "weight":
        units = tuple(u for u in load_catalog().measures["weight"].accepted_units() if u in ("kg", "lb"))
        return Question(a.field, "weight", _wording(a), months=tuple(a.months), units=units)
    unit = load_catalog().unit_of(a.field) or ""
    return Question(a.field, "number", _wording(a), hint=unit)


def questions(step: str) -> list[Question]:
    """The questions of one step: ``story``, ``warning_signs``, ``about_you``, ``sarc_f``."""
    k = public_knowledge().check
    if step == "sarc_f":
        return [
            Question(f"sarc_f.{i.id}", "sarc_f", i.question,
                     tuple((str(a.answer), a.text) for a in i.answers), hint=i.hint or "")
            for i in k.sarc_f.items
        ]
    return [_ask(a) for a in getattr(k, step)]


def _truth(raw: str) -> bool | None:
    return {YES: True, NO: False}.get(raw)


def warning_signs_needed(answers: Answers) -> list[str]:
    """The red flags the story points at (ids, knowledge order); only an explicit answer
    triggers: a skipped story question suggests nothing and asks nothing."""
    out: list[str] = []
    for t in public_knowledge().check.ask_warning_signs_when:
        raw = answers.get(t.field, "").strip()
        value: Any = _truth(raw) if raw in (YES, NO) else raw
        if raw and value in t.values and t.looks_for not in out:
            out.append(t.looks_for)
    return out


def _set(tree: dict[str, Any], path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    for p in parents:
        tree = tree.setdefault(p, {})
    tree[leaf] = value


def record_from(answers: Answers) -> dict[str, Any]:
    """The record the answers describe: each answered question fills its field; nothing else."""
    k = public_knowledge().check
    cat = load_catalog()
    rec: dict[str, Any] = {"id": "self-check"}

    def got(name: str) -> str:
        return str(answers.get(name, "")).strip()

    for a in [*k.story, *k.warning_signs]:
        raw = got(a.field)
        if not raw:
            continue
        if a.kind == "weight":  # an amount with the unit chosen beside it (kg or lb)
            _set(rec, a.field, f"{raw} {got(UNIT + a.field) or cat.unit_of('weight')}")
        else:
            _set(rec, a.field, _truth(raw) if a.kind == "yes_no" and raw in (YES, NO) else raw)
    sarc: dict[str, Any] = {}
    for item in k.sarc_f.items:
        raw = got(f"sarc_f.{item.id}")
        if not raw:
            continue
        if item.falls_count:
            sarc["falls_past_year"] = int(raw) if raw.isdigit() else raw
        else:
            sarc[item.id] = raw
    if sarc:
        rec["sarc_f"] = sarc
    if got("calf_circumference"):
        rec["calf_circumference"] = f"{got('calf_circumference')} {cat.unit_of('calf_circumference')}"
    if got("age"):
        rec["age"] = f"{got('age')} {cat.unit_of('age')}"
    if got("sex"):
        rec["sex"] = got("sex")
    if got("weight"):
        rec["weight"] = f"{got('weight')} {got(UNIT + 'weight') or cat.unit_of('weight')}"
    if got("height"):
        rec["height"] = f"{got('height')} {cat.unit_of('height')}"
    if got("weight_before"):
        months = got(MONTHS)
        entry = {"months_ago": int(months) if months.isdigit() else months,
                 "weight": f"{got('weight_before')} {got('unit.weight_before') or cat.unit_of('weight')}"}
        rec["weight_history"] = [entry]
    chair, walk = k.tests_at_home["chair"], k.tests_at_home["walk"]
    if got(chair.field):
        rec[chair.field] = f"{got(chair.field)} {cat.unit_of(chair.field)}"
    if got(walk.field):
        rec[walk.field] = f"{got(walk.field)} {cat.unit_of(walk.field)}"
        rec["gait_distance"] = walk.distance_m
    return rec


#: record paths whose problems belong to another form field
_FIELD_OF = {
    "weight_history": "weight_before",
    "gait_distance": "gait_time",
    "sarc_f.falls_past_year": "sarc_f.falls",
}


def problems_by_field(
    problems: list[Problem], gettext: Callable[..., str] | None = None
) -> dict[str, list[str]]:
    """Each record problem under the form field that caused it, through ``gettext`` (the page's
    language: :meth:`Problem.translated`) when given."""
    out: dict[str, list[str]] = {}
    for p in problems:
        path = p.path.split("[", 1)[0]
        name = _FIELD_OF.get(path, path)
        out.setdefault(name, []).append(p.translated(gettext) if gettext else p.message)
    return out


def _assess(rec: dict[str, Any]) -> list[PathwayResult]:
    if rec.get("sex"):
        return [run_pathway(rec)]
    return [run_pathway(rec | {"sex": s}) for s in SEXES]


def _flags(runs: list[PathwayResult]) -> list[dict[str, Any]]:
    """The red flags of every run and the plan's cause items with plain words, said with the
    patient report's one voice (``report.care.one_voice``: the most urgent known instruction sets
    the visit, a less urgent flag says to tell it too, a plan item speaks where it says more than
    the flags), most urgent first. A red flag keeps its work-up fields; a plan item has the same keys, its
    clinician text as ``text`` (what to tell the doctor) and ``kind`` "plan"."""
    seen: dict[str, Help] = {}
    fields: dict[str, dict[str, Any]] = {}
    for r in runs:
        for f in r.workup.red_flags if r.workup else []:
            if f.id not in fields or f.status == "active":
                fields[f.id] = f.to_dict()
        for h in helps_of(r.workup, r.plan):  # the safe union: the more urgent, then the active
            if h.id not in seen or h.order < seen[h.id].order:
                seen[h.id] = h
    voice = one_voice(list(seen.values()), patient_texts()["also_tell"])
    out = []
    for h in [*voice.now, *voice.later]:
        base = fields.get(h.id) or {"id": h.id, "text": h.clinician, "urgency": h.urgency, "action": "",
                                    "citation": "", "patient_text": h.text, "defers_exercise": False,
                                    "status": h.status, "ask": []}
        out.append(base | {"patient_action": h.action, "kind": h.kind, "status": h.status})
    return out


def flags_for(answers: Answers) -> list[dict[str, Any]]:
    """The red flags and the plan's cause items for the story and warning signs (most urgent
    first; :func:`_flags`).

    :raises RecordValidationError: when an answer is not valid for its field."""
    return _flags(_assess(record_from(answers)))


@dataclass
class Verdict:
    definition: str
    outcome: str
    decided: bool
    text: str
    why: list[dict[str, Any]]
    undecided_by: list[str]
    citation: Citation


#: the plan's dose parts a person can follow by themselves (a % of one-repetition maximum needs a
#: test with a trainer: the effort scale beside it says the same in plain words)
PATIENT_DOSE = (
    "frequency_per_week", "exercises", "sets", "repetitions", "effort_0_10", "minutes_per_session", "weeks",
)


def patient_dose(dose: Mapping[str, list[float | None]]) -> list[dict[str, Any]]:
    """The plan item's dose as parts a page words itself: ``{"key", "amount", "at_least"}``."""
    out = []
    for key in PATIENT_DOSE:
        if key not in dose:
            continue
        lo, hi = dose[key][0], dose[key][1]
        amount = f"{lo:g}" if hi is None or hi == lo else f"{lo:g}–{hi:g}"
        out.append({"key": key, "amount": amount, "at_least": hi is None})
    return out


@dataclass
class SelfCheckResult:
    """The self-check's result: red flags first, then screening verdicts, causes and what helps."""

    answers: dict[str, str]
    flags: list[dict[str, Any]]
    verdicts: list[Verdict]
    undecided: list[str]  # questions (their text) whose answer could change a verdict
    causes: list[dict[str, Any]]
    next_tests: list[dict[str, Any]]
    helps: list[dict[str, Any]]
    protein: dict[str, Any] | None
    exercise_deferred: bool
    answered: list[tuple[str, str]] = field(default_factory=list)
    cause_cite: Citation | None = None
    #: derived measures a person gave the inputs for (weight change %, walking speed m/s)
    measured: dict[str, Any] = field(default_factory=dict)

    @property
    def urgent(self) -> list[dict[str, Any]]:
        return [f for f in self.flags if f["urgency"] in ("emergency", "urgent")]

    @property
    def summary(self) -> str:
        head = "; ".join(f"{v.definition} {v.outcome}" for v in self.verdicts)
        if self.urgent:
            return f"{self.urgent[0]['urgency'].upper()}: {self.urgent[0]['patient_text']}; {head}"
        return head

    def to_dict(self) -> dict[str, Any]:
        return {
            "flags": self.flags,
            "verdicts": [{**v.__dict__, "citation": v.citation.__dict__} for v in self.verdicts],
            "undecided": self.undecided,
            "causes": [{**c, "cite": c["cite"].__dict__} for c in self.causes],
            "next_tests": [{"text": t["text"], "citation": t["cite"].__dict__} for t in self.next_tests],
            "helps": [{**h, "citation": h["citation"].__dict__ if h["citation"] else None}
                      for h in self.helps],
            "protein": {k: v for k, v in self.protein.items() if k != "cite"} if self.protein else None,
            "exercise_deferred": self.exercise_deferred,
        }

    def __str__(self) -> str:
        said = [(f["urgency"], f["patient_text"], f["patient_action"]) for f in self.flags]
        lines = [f"[{u}] {text}" + (f". {action}" if action else "") for u, text, action in said]
        lines += [f"{v.definition}: {v.outcome} - {v.text}" for v in self.verdicts]
        lines += [f"undecided: {u}" for u in self.undecided]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        items = "".join(f"<li>{html.escape(line)}</li>" for line in str(self).splitlines())
        return f"<ul>{items}</ul>"


@cache
def _questions_by_field() -> dict[str, str]:
    by_name = {q.name: q.text for step in ("sarc_f", "about_you") for q in questions(step)}
    k = public_knowledge().check
    by_name["calf_circumference"] = k.calf.question
    by_name[k.tests_at_home["chair"].field] = k.tests_at_home["chair"].question
    return by_name


def _label_of(name: str) -> str:
    """The question text that asks for a record field (for 'what is undecided')."""
    return _questions_by_field().get(name) or load_catalog().label_of(name)


def _combine(runs: list[dict[str, Any]], did: str) -> tuple[str, bool, list[dict[str, Any]], list[str]]:
    results = [r["results"][did] for r in runs]
    first = results[0]
    decisive = list(dict.fromkeys(m for r in results for m in r["decisive_measures"]))
    if len({r["outcome"] for r in results}) > 1:
        return "indeterminate", False, [], ["sex", *decisive]
    trace = first["trace"]
    if len(results) == len(SEXES):  # sex unknown: a sex-specific cut-off is shown for both sexes
        other = {t["node"]: t for t in results[1]["trace"]}
        trace = [t | {"by_sex": dict(zip(SEXES, (t["cutoff"], other[t["node"]]["cutoff"]), strict=True))}
                 if t["node"] in other and other[t["node"]].get("cutoff") != t.get("cutoff") else t
                 for t in trace]
    return first["outcome"], bool(first["decided"]), trace, decisive


def run_check(answers: Answers) -> SelfCheckResult:
    """The whole self-check for ``answers``.

    :raises RecordValidationError: naming every invalid answer (by record path)."""
    k = public_knowledge().check
    rec = record_from(answers)
    runs = _assess(rec)
    dicts = [r.to_dict() for r in runs]
    verdicts: list[Verdict] = []
    undecided: list[str] = []
    for did, words in k.verdicts.items():
        if did == "ewgsop2" and k.tests_at_home["chair"].field not in rec:
            continue  # the only EWGSOP2 input a person can give at home is the chair test
        outcome, decided, trace, decisive = _combine(dicts, did)
        src = k.verdict_sources[did]
        verdicts.append(Verdict(
            did, outcome, decided, words.get(outcome, words.get("indeterminate", "")),
            [t for t in trace if t.get("type") in ("score", "compare") and t.get("value") is not None],
            [_label_of(m) for m in decisive if did != "ewgsop2"],
            cite(src.ref, src.locator),
        ))
        if not decided and did != "ewgsop2":
            undecided += [_label_of(m) for m in decisive]
    plan = dicts[0].get("plan") or {}
    exercise = plan.get("sections", {}).get("exercise", [])
    helps = [
        {"id": it["id"], "text": k.helps[it["id"]], "dose": patient_dose(it.get("dose") or {}),
         "citation": cite(it["citation"]["ref"], it["citation"].get("locator"))
         if it.get("citation") else None}
        for it in exercise if it["id"] in k.helps
    ]
    protein = (plan.get("nutrition") or {}).get("protein")
    if protein and protein.get("citation"):
        protein = protein | {"cite": cite(protein["citation"]["ref"], protein["citation"].get("locator"))}
    causes = []
    wk = workup_knowledge().spec.causes
    common = set.intersection(*({c.id for c in r.workup.candidates} for r in runs if r.workup))
    for c in (runs[0].workup.candidates if runs[0].workup else []):
        # a hypothesis the record does not support is not told, as in the patient report
        if c.id in common and not unsupported(c):
            causes.append({"id": c.id, "label": wk[c.id].patient_label, "summary": wk[c.id].patient_summary,
                           "pointers": [h.patient_text for h in c.findings_for],
                           "cite": cite(wk[c.id].source.ref, wk[c.id].source.locator)})
    answered = _answered(answers)
    return SelfCheckResult(
        answers={key: str(v) for key, v in answers.items() if key != "csrf_token"},
        flags=_flags(runs),
        verdicts=verdicts,
        undecided=list(dict.fromkeys(undecided)),
        causes=causes,
        next_tests=[{"text": p.text, "cite": cite(p.source.ref, p.source.locator)} for p in k.next_tests],
        helps=helps,
        protein=protein,
        exercise_deferred=any(it["id"] == "ex_deferred" for it in exercise),
        answered=answered,
        cause_cite=cite(k.helps_cause_source.ref, k.helps_cause_source.locator),
        measured=_measured(dicts[0], rec),
    )


def _measured(result: Mapping[str, Any], rec: Mapping[str, Any]) -> dict[str, Any]:
    """Weight change over the window given and walking speed, as the record derived them."""
    derived = result.get("derived") or {}
    out: dict[str, Any] = {}
    if derived.get("weight_loss_percent") is not None and rec.get("weight_history"):
        out["weight_loss_percent"] = derived["weight_loss_percent"]
        out["months"] = rec["weight_history"][0]["months_ago"]
    if derived.get("gait_speed") is not None:
        out["gait_speed"] = derived["gait_speed"]
    return out


def _answered(answers: Answers) -> list[tuple[str, str]]:
    """Question and answer text of every answered question (for the printed summary)."""
    out: list[tuple[str, str]] = []
    for step in ("story", "warning_signs", "sarc_f", "about_you"):
        for q in questions(step):
            raw = str(answers.get(q.name, "")).strip()
            if not raw:
                continue
            text = dict(q.choices).get(raw, raw)
            if q.kind == "weight":
                text = f"{raw} {answers.get('unit.' + q.name) or 'kg'}"
            out.append((q.text, text))
    k = public_knowledge().check
    cat = load_catalog()
    for name, text in (("calf_circumference", k.calf.question),
                       (k.tests_at_home["chair"].field, k.tests_at_home["chair"].question),
                       (k.tests_at_home["walk"].field, k.tests_at_home["walk"].question)):
        raw = str(answers.get(name, "")).strip()
        if raw:
            out.append((text, f"{raw} {cat.unit_of(name) or ''}".strip()))
    return out


__all__ = ["Question", "RecordValidationError", "SelfCheckResult", "flags_for", "problems_by_field",
           "questions", "record_from", "run_check", "warning_signs_needed"]
