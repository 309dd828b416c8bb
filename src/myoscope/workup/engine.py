"""Score causes from findings, three-valued, and turn what is missing into questions.

A finding whose input is missing is unknown: it neither adds nor subtracts, it lowers the cause's
confidence, widens its score range and yields a question. Nothing here holds a clinical number:
every weight, threshold and citation is read from ``knowledge/causes.yaml``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..rules.logic import all3, any3
from .compiled import CompiledCause, CompiledRedFlag
from .loader import WorkupKnowledge, workup_knowledge
from .predicates import Outcome, Predicate
from .result import Candidate, CriteriaResult, FindingHit, Question, RedFlag, Support, Workup
from .schema import URGENCY_ORDER, CriteriaSpec

if TYPE_CHECKING:
    from ..record import Record

_NO_HISTORY_NOTE = (
    "No history was recorded: only age, weight, conditions and the assessment were used. "
    "Ask the questions below to complete the work-up."
)


def build_facts(values: Mapping[str, Any], derived: Mapping[str, Any],
                outcomes: Mapping[str, str]) -> dict[str, Any]:
    """Flat facts: record fields, derived measures, ``history.*`` paths and ``result.*`` outcomes."""
    facts: dict[str, Any] = {k: v for k, v in values.items() if v is not None}
    for k, v in derived.items():
        if v is not None and not isinstance(facts.get(k), dict):
            facts[k] = v
    history = values.get("history")
    if isinstance(history, Mapping):
        _flatten("history", history, facts)
    for rid, outcome in outcomes.items():
        if outcome != "indeterminate":
            facts[f"result.{rid}"] = outcome
    return facts


def _flatten(prefix: str, obj: Mapping[str, Any], out: dict[str, Any]) -> None:
    for k, v in obj.items():
        path = f"{prefix}.{k}"
        if isinstance(v, Mapping):
            _flatten(path, v, out)
        elif v is not None:
            out[path] = v


class _Evaluation:
    """One record's evaluation: findings are memoised so each is computed once."""

    def __init__(self, wk: WorkupKnowledge, facts: Mapping[str, Any], history: bool) -> None:
        self.wk, self.facts = wk, facts
        # without a history block, history-only findings have one known outcome (unknown)
        self.memo: dict[str, Outcome] = {} if history else dict(wk.history_only)

    def finding(self, fid: str) -> Outcome:
        out = self.memo.get(fid)
        if out is None:
            out = self.wk.findings[fid].evaluate(self.facts, self.finding)
            self.memo[fid] = out
        return out

    def pred(self, p: Predicate) -> Outcome:
        return p.evaluate(self.facts, self.finding)


class _Questions:
    """Records which missing facts would decide what, cheaply; the ranked questions are built
    only when asked for (``Workup.questions``), so an assessment that never shows them pays little.
    """

    def __init__(self) -> None:
        self.pending: list[tuple[tuple[str, ...], int, str, int | None]] = []

    def add(self, facts: tuple[str, ...], weight: int, because: str, urgency_rank: int | None = None) -> None:
        if facts:
            self.pending.append((facts, weight, because, urgency_rank))


def run_workup(
    record: Record, derived: Mapping[str, Any], outcomes: Mapping[str, str],
    wk: WorkupKnowledge | None = None,
) -> Workup:
    """The work-up of one validated record given its derived measures and definition outcomes."""
    k = wk or workup_knowledge()
    spec = k.spec
    history = record.values.get("history")
    ev = _Evaluation(k, build_facts(record.values, derived, outcomes), bool(history))
    questions = _Questions()
    refs: list[str] = []

    red_flags: list[RedFlag] = []
    for flag in k.flags:
        truth, missing = ev.pred(flag.when)
        rf = flag.spec
        if truth is True:
            red_flags.append(RedFlag(flag.id, rf.text, rf.urgency, rf.action, flag.citation,
                                     rf.patient, rf.patient_action, rf.defers_exercise))
        elif truth is None:
            questions.add(missing, 1, flag.id, flag.rank)
            if flag.possible is None or ev.pred(flag.possible)[0] is not True:
                continue
            red_flags.append(_possible(k, flag, missing))
        else:
            continue
        if rf.source.ref not in refs:
            refs.append(rf.source.ref)
    # by urgency; at one urgency a flag that holds before one not yet ruled out
    red_flags.sort(key=lambda r: (URGENCY_ORDER.index(r.urgency), r.status != "active"))

    candidates: list[tuple[tuple[float, ...], Candidate]] = []
    set_aside: list[dict[str, Any]] = []
    for cause in k.causes.values():
        gate = any3(ev.finding(f)[0] for f in cause.gate)
        if gate is not True:
            if gate is None:
                for fid in cause.gate:
                    truth, missing = ev.finding(fid)
                    if truth is None:
                        questions.add(missing, cause.gate_weight[fid], cause.id)
            continue
        cand = _candidate(k, ev, cause, questions)
        if cand.score > 0:
            candidates.append(((-cand.score, -cand.known_fraction, cause.order), cand))
            refs += [r for r in cause.refs if r not in refs]
        else:
            set_aside.append({"id": cause.id, "label": cause.spec.label, "score": cand.score,
                              "reason": "findings against outweigh findings for"})

    # sarcopenia is primary (age-related) only when no other cause is evident (EWGSOP2, the
    # ageing cause's source): with a diagnosis recorded, ageing comes after the other causes
    secondary = any(c.diagnosed for _, c in candidates)
    candidates.sort(key=lambda t: (secondary and t[1].group == "ageing", t[0]))
    return Workup(
        candidates=[c for _, c in candidates],
        red_flags=red_flags,
        question_builder=lambda: _question_list(k, questions, acute=any(
            r.urgency in ("emergency", "urgent") for r in red_flags)),
        set_aside=set_aside,
        disclaimer=spec.disclaimer,
        patient_disclaimer=spec.patient_disclaimer,
        knowledge_version=k.version,
        history_recorded=bool(history),
        weights_note=spec.weights_note,
        confidence_note=spec.confidence_note,
        support_note=spec.support_note,
        record_id=record.id,
        source=record.source,
        notes=[] if history else [_NO_HISTORY_NOTE],
        references={r: k.full_references[r] for r in refs},
    )


def _candidate(k: WorkupKnowledge, ev: _Evaluation, cause: CompiledCause, q: _Questions) -> Candidate:
    hits_for: list[FindingHit] = []
    hits_against: list[FindingHit] = []
    unknown: list[FindingHit] = []
    score = lo = hi = known = 0
    citations = list(cause.static_citations)
    for link in cause.links:
        truth, missing = ev.finding(link.finding)
        if truth is None:
            unknown.append(FindingHit(link.finding, link.text, link.direction, link.weight, None,
                                      link.citation, link.source, link.patient, missing))
            q.add(missing, link.weight, cause.id)
            if link.direction == "for":
                hi += link.weight
            else:
                lo -= link.weight
            continue
        known += link.weight
        if truth:
            h = FindingHit(link.finding, link.text, link.direction, link.weight, True, link.citation,
                           link.source, link.patient)
            if link.direction == "for":
                score += link.weight
                hits_for.append(h)
            else:
                score -= link.weight
                hits_against.append(h)
            if link.citation not in citations:
                citations.append(link.citation)
    fraction = round(known / cause.total_weight, 2) if cause.total_weight else 0.0
    spec = cause.spec
    label = next(b.label for b in k.spec.confidence_bands if fraction >= b.min)
    crit = tuple(_criteria(k, ev, c, k.spec.criteria[c]) for c in spec.criteria)
    diagnosed = spec.diagnosed_by is not None and ev.finding(spec.diagnosed_by)[0] is True
    return Candidate(
        id=cause.id, label=spec.label, patient_label=spec.patient_label,
        patient_summary=spec.patient_summary, group=spec.group, score=score,
        score_range=(score + lo, score + hi), confidence=label, known_fraction=fraction,
        findings_for=tuple(hits_for), findings_against=tuple(hits_against), unknown_findings=tuple(unknown),
        course=spec.course, reversible=spec.reversible, reversible_note=spec.reversible_note,
        next_tests=tuple(t for t in cause.tests if not _recorded(k, ev.facts, t.id)
                         and not (diagnosed and t.id in cause.confirming)),
        diagnosed=diagnosed,
        criteria=crit, citations=tuple(citations), source=cause.source, support=_support(ev, cause, q),
    )


_SUPPORT = {True: "supported", False: "not_supported", None: "undecided"}


def _support(ev: _Evaluation, cause: CompiledCause, q: _Questions) -> Support | None:
    """Whether the record shows what the cause's source needs before acting on it; what is
    missing is asked (its weight is that of the findings that read it, already counted)."""
    rule = cause.support
    if rule is None:
        return None
    truth, missing = ev.pred(rule.when)
    q.add(missing, 0, cause.id)
    return Support(_SUPPORT[truth], rule.needs, rule.citation, missing)


def _recorded(k: WorkupKnowledge, facts: Mapping[str, Any], test_id: str) -> bool:
    """Whether the record already holds this test's result (then it is not offered again)."""
    spec = k.spec.tests[test_id]
    held = [facts.get(f) not in (None, [], {}) for f in spec.recorded_by]
    return bool(held) and (any(held) if spec.recorded_by_any else all(held))


def _criteria(k: WorkupKnowledge, ev: _Evaluation, cid: str, c: CriteriaSpec) -> CriteriaResult:
    preds = k.criteria[cid]
    results = [ev.pred(p) for p in preds]
    cite = k.cite_source(c.source)
    mark = {True: "met", False: "not met", None: "unknown"}
    if c.kind == "all":
        truth = all3(t for t, _ in results)
        parts: tuple[dict[str, Any], ...] = tuple(
            {"label": p.label, "result": mark[t], "missing": list(m)}
            for p, (t, m) in zip(c.parts, results, strict=True))
        outcome = {True: "met", False: "not_met", None: "undecided"}[truth]
        return CriteriaResult(cid, c.title, c.kind, outcome, truth is not None, parts, cite, c.note)
    known = 0.0
    group_true: set[str] = set()
    for item, (t, _) in zip(c.items, results, strict=True):
        if t is True:
            known += item.points
            if item.group:
                group_true.add(item.group)
    extra: dict[str, float] = {}
    for i, (item, (t, _)) in enumerate(zip(c.items, results, strict=True)):
        if t is None and not (item.group and item.group in group_true):
            key = item.group or f"#{i}"
            extra[key] = max(extra.get(key, 0.0), item.points)
    score, best = round(known, 1), round(known + sum(extra.values()), 1)
    band_now = next(b.label for b in c.bands if score >= b.min)
    band_best = next(b.label for b in c.bands if best >= b.min)
    items: tuple[dict[str, Any], ...] = tuple(
        {"label": it.label, "points": it.points, "result": mark[t], "missing": list(m)}
        for it, (t, m) in zip(c.items, results, strict=True))
    return CriteriaResult(cid, c.title, c.kind, band_now, band_now == band_best, items, cite, c.note,
                          score=score, max_score=best)


def _asks(k: WorkupKnowledge, facts: tuple[str, ...]) -> dict[str, tuple[str, str]]:
    """The questions that ask for ``facts``: {clinician's question: (fact asked, patient's)}.

    A missing derived fact is asked through its inputs (BMI: weight and height); facts sharing one
    question (CK and its reference limit) are asked once."""
    out: dict[str, tuple[str, str]] = {}
    for fact in facts:
        for f in k.ask_map.get(fact, (fact,)):
            spec = k.spec.questions.get(f)
            if spec is not None and spec.ask not in out:  # a result.* fact is asked through its raw one
                out[spec.ask] = (f, spec.patient)
    return out


def _possible(k: WorkupKnowledge, flag: CompiledRedFlag, missing: tuple[str, ...]) -> RedFlag:
    """A flag that cannot be ruled out: its urgency and gate stand, and every face reads first
    that it is possible and what to ask (the questions come first in the work-up too)."""
    rf, asks = flag.spec, _asks(k, missing)
    clinician = "; ".join(a.rstrip("?") for a in asks) or "the missing history"
    patient = "; ".join(p.rstrip("?.") for _, p in asks.values()) or "the missing history"
    return RedFlag(
        flag.id, f"Possible, not yet ruled out — {rf.text.rstrip('.')}. Ask now: {clinician}.", rf.urgency,
        f"If it is present: {rf.action}", flag.citation,
        f"Possibly: {rf.patient} (still to find out: {patient})",
        f"If this is so: {rf.patient_action}", rf.defers_exercise, "possible", tuple(asks))


def _question_list(k: WorkupKnowledge, q: _Questions, acute: bool = False) -> list[Question]:
    """Ordered by the weight each question would decide plus the red-flag bonus of causes.yaml.

    When an emergency or urgent red flag is already active (``acute``), every question that could
    reveal an emergency flag (breathing, swallowing, bladder...) comes first: in acute weakness
    those answers decide where the person must be within hours.

    A missing derived fact is asked through its inputs (BMI: weight and height); facts sharing one
    question (CK and its reference limit) are asked once.
    """
    none = len(URGENCY_ORDER)
    merged: dict[str, dict[str, Any]] = {}
    for facts, weight, because, rank in q.pending:
        for ask, (f, patient) in _asks(k, facts).items():
            m = merged.get(ask)
            if m is None:
                m = merged[ask] = {"id": f, "patient": patient, "weight": 0, "rank": none, "because": []}
            m["weight"] += weight
            if rank is not None and rank < m["rank"]:
                m["rank"] = rank
            if because not in m["because"]:
                m["because"].append(because)
    bonus = [k.spec.question_bonus.get(u, 0) for u in URGENCY_ORDER] + [0]  # type: ignore[call-overload]
    first = URGENCY_ORDER.index("emergency") if acute else -1
    ranked = sorted(merged.items(), key=lambda kv: (kv[1]["rank"] != first,
                                                    -(kv[1]["weight"] + bonus[kv[1]["rank"]]), kv[1]["id"]))
    return [Question(m["id"], ask, m["patient"], m["weight"], m["rank"] < none, tuple(m["because"]))
            for ask, m in ranked]
