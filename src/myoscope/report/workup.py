"""Render a work-up as text: a clinician view (every weight and citation) and a plain-language view.

The clinician view is the explanation: it shows each finding with its stated weight and source,
what is unknown, the published criteria as far as the record allows, and the questions to ask.
"""

from __future__ import annotations

from ..workup.result import Candidate, CriteriaResult, FindingHit, Workup

#: How many questions the text views show (all are in the JSON). A display choice, not clinical.
TEXT_QUESTIONS = 12

_REVERSIBLE = {"yes": "reversible", "partly": "partly reversible", "no": "not reversible",
               "uncertain": "reversibility uncertain"}

#: said of a cause the record holds as a diagnosis (its ``diagnosed_by`` finding): why its
#: confirming tests are missing
DIAGNOSED = "recorded diagnosis: the tests that would make it are not listed"


def _title(w: Workup) -> str:
    title = w.source or "record"
    return title + (f" (id {w.record_id})" if w.record_id else "")


def _hit(h: FindingHit, sign: str) -> str:
    return f"{sign}{h.weight} {h.text}  [{h.citation}]"


def _criteria(c: CriteriaResult, indent: str) -> list[str]:
    if c.kind == "score":
        state = "decided" if c.decided else f"not decided: could reach {c.max_score:g} with the unknown items"
        lines = [f"{indent}{c.title}: {c.score:g} points, {c.outcome} ({state})  [{c.citation}]"]
        met = [f"{p['label']} ({p['points']:g})" for p in c.parts if p["result"] == "met"]
        unknown = [p["label"] for p in c.parts if p["result"] == "unknown"]
        lines.append(f"{indent}  items met: {'; '.join(met) if met else 'none'}")
        if unknown:
            lines.append(f"{indent}  items unknown: {'; '.join(unknown)}")
        return lines
    lines = [f"{indent}{c.title}: {c.outcome.replace('_', ' ')}  [{c.citation}]"]
    lines += [f"{indent}  {p['label']}: {p['result']}" for p in c.parts]
    if c.note:
        lines.append(f"{indent}  note: {c.note}")
    return lines


def certainty(c: Candidate) -> str:
    """How sure the work-up is of a cause: a recorded diagnosis is not a hypothesis with a
    confidence (its score still says how much of the record points to it)."""
    return "recorded diagnosis" if c.diagnosed else f"confidence {c.confidence}"


def _candidate(i: int, c: Candidate) -> list[str]:
    lo, hi = c.score_range
    rng = "" if lo == hi else f", could range {lo} to {hi} once unknowns are answered"
    lines = [f"  {i}. {c.label}: score {c.score}{rng}; {certainty(c)} "
             f"({round(c.known_fraction * 100)}% of the stated weight known)"]
    lines += [f"     for:     {_hit(h, '+')}" for h in c.findings_for] or ["     for:     none recorded"]
    lines += [f"     against: {_hit(h, '-')}" for h in c.findings_against]
    if c.unknown_findings:
        unknown = ", ".join(f"{h.text} ({'+' if h.direction == 'for' else '-'}{h.weight})"
                            for h in c.unknown_findings)
        lines.append(f"     unknown: {unknown}")
    lines.append(f"     course:  {c.course}")
    lines.append(f"     {_REVERSIBLE[c.reversible]}: {c.reversible_note}")
    for crit in c.criteria:
        lines += _criteria(crit, "     criteria: ")
    for t in c.next_tests:
        lines.append(f"     next test: {t.label} - {t.why}  [{t.citation}]")
    if c.diagnosed:
        lines.append(f"     {DIAGNOSED}")
    return lines


def render_clinician(w: Workup) -> str:
    lines = [f"Cause work-up: {_title(w)}", w.disclaimer]
    lines += [f"Note: {n}" for n in w.notes]
    lines.append("")
    if w.red_flags:
        lines.append("Red flags (most urgent first):")
        for r in w.red_flags:
            lines.append(f"  [{r.urgency.upper()}] {r.text}")
            lines.append(f"      action: {r.action}  [{r.citation}]")
    else:
        lines.append("Red flags: none found in what is recorded (unanswered questions below may reveal one).")
    lines.append("")
    if w.candidates:
        lines.append("Possible causes, ranked (score = stated weights of findings for minus against):")
        for i, c in enumerate(w.candidates, 1):
            lines += _candidate(i, c)
    else:
        lines.append("Possible causes: none supported by what is recorded.")
    for s in w.set_aside:
        lines.append(f"  set aside: {s['label']} (score {s['score']}: {s['reason']})")
    lines.append("")
    if w.questions:
        lines.append("Questions to ask (most informative first; red-flag questions weigh more):")
        for q in w.questions[:TEXT_QUESTIONS]:
            flag = " [red flag]" if q.red_flag else ""
            lines.append(f"  - {q.text}{flag} (bears on: {', '.join(q.because)})")
        if len(w.questions) > TEXT_QUESTIONS:
            lines.append(f"  ... and {len(w.questions) - TEXT_QUESTIONS} more (see --format json)")
    lines.append("")
    lines.append(f"Method: {w.weights_note}")
    if w.references:
        lines += ["", "References:"]
        lines += [f"  - {text}" for text in w.references.values()]
    return "\n".join(lines)


#: How many candidates and questions the short section in ``myoscope assess`` shows.
SECTION_CANDIDATES = 3
SECTION_QUESTIONS = 5


def render_section(w: Workup) -> list[str]:
    """The short work-up section of the assessment report (the full view is ``myoscope workup``)."""
    lines = ["Cause work-up (supports, does not replace, clinical diagnosis; "
             "`myoscope workup FILE` shows every finding, weight and citation)"]
    lines += [f"  Note: {n}" for n in w.notes]
    for r in w.red_flags:
        lines.append(f"  Red flag [{r.urgency.upper()}]: {r.text}. {r.action}  [{r.citation}]")
    for i, c in enumerate(w.candidates[:SECTION_CANDIDATES], 1):
        lo, hi = c.score_range
        rng = "" if lo == hi else f" (range {lo} to {hi})"
        found = ", ".join(h.text for h in c.findings_for) or "none recorded"
        lines.append(f"  {i}. {c.label}: score {c.score}{rng}, {certainty(c)}; for: {found}")
        tests = "; ".join(t.label for t in c.next_tests) or "none"
        lines.append(f"     next: {tests}")
    if len(w.candidates) > SECTION_CANDIDATES:
        rest = ", ".join(c.label for c in w.candidates[SECTION_CANDIDATES:])
        lines.append(f"  Also possible: {rest}")
    if not w.candidates:
        lines.append("  No cause is supported by what is recorded.")
    if w.questions:
        asked = "; ".join(q.text.rstrip(".?") + ("?" if q.text.endswith("?") else "")
                          for q in w.questions[:SECTION_QUESTIONS])
        lines.append(f"  Ask next ({len(w.questions)} questions in total): {asked}")
    return lines


def render_patient(w: Workup) -> str:
    lines = ["What might be causing the muscle loss", w.patient_disclaimer, ""]
    if w.red_flags:
        lines.append("Please act on this:")
        for r in w.red_flags:
            lines.append(f"  - {r.patient_text}. {r.patient_action}")
        lines.append("")
    if w.candidates:
        lines.append("Possible reasons, most likely first:")
        for i, c in enumerate(w.candidates, 1):
            lines.append(f"  {i}. {c.patient_label}")
            lines.append(f"     {c.patient_summary}")
            pointers = [h.patient_text for h in c.findings_for]
            if pointers:
                lines.append(f"     What points to it: {', '.join(pointers)}.")
            tests = [t.patient_label for t in c.next_tests]
            if tests:
                lines.append(f"     Tests that may help: {'; '.join(tests)}.")
    else:
        lines.append("The answers recorded so far do not point to a particular reason.")
    if w.questions:
        lines += ["", "Questions your clinician may ask you:"]
        lines += [f"  - {q.patient_text}" for q in w.questions[:TEXT_QUESTIONS]]
    return "\n".join(lines)



def red_flags_markdown() -> str:
    """The red-flag table of docs/workup.md, generated from causes.yaml so that the documented
    urgencies and exercise gates cannot drift from what the engine does (tests/test_docs.py)."""
    from ..workup.loader import workup_knowledge

    k = workup_knowledge()
    rows = ["| red flag | urgency | raised when | possible when (not ruled out) | defers exercise | action "
            "| source |", "|---|---|---|---|---|---|---|"]
    for f in sorted(k.flags, key=lambda f: f.rank):
        cells = [f"`{f.id}`", f.spec.urgency, f.when.describe(), f.possible.describe() if f.possible else "",
                 "yes" if f.spec.defers_exercise else "no", f.spec.action, f.citation]
        rows.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    return "\n".join(rows) + "\n"
