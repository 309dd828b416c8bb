"""Cards from a pathway result: red flags and the plan's same-day referrals first (their urgency
sets the indicator), then each decided positive verdict with its trace and a suggestion to record
the provisional Condition, then what to measure. Nothing clinical is decided here; the wording
comes from the results.

A caveat about the data read as a whole (only the newest Observations were read) goes on every
card, in its ``Caveats:`` list as a verdict's own caveats do: each card is read on its own, and a
card that did not say it would read as if every Observation had been seen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from ..alarms import of_result
from ..errors import Problem
from ..fhir.codes import load_codes
from ..fhir.exporting import condition_data, is_finding, trace_summary
from ..fhir.service import FhirAssessment
from ..knowledge import load_knowledge
from ..measures import load_catalog
from ..rules.evaluate import DefinitionResult
from .models import SUMMARY_LIMIT, Action, Card, Link, Source, Suggestion

#: red-flag (and plan referral) urgency -> card indicator (DESIGN §13: emergency is critical,
#: urgent a warning)
INDICATOR = {"emergency": "critical", "urgent": "warning"}
#: the measure card lists at most this many measures (those deciding the most verdicts first)
MEASURES_SHOWN = 10
MYOSCOPE_SOURCE = Source(label="myoscope", url="https://myoscope.org/")


@dataclass(frozen=True)
class CardContext:
    """Where the cards link: the app's patient page and, when configured, a SMART launch."""

    base_url: str
    patient_id: str
    smart_launch_url: str | None = None

    def links(self) -> list[Link]:
        out = [
            Link(
                label="Open in myoscope",
                type="absolute",
                url=f"{self.base_url.rstrip('/')}/patients?q={quote(self.patient_id)}",
            )
        ]
        if self.smart_launch_url:
            out.append(Link(label="Launch myoscope (SMART)", type="smart", url=self.smart_launch_url))
        return out


def _summary(text: str) -> str:
    return text if len(text) < SUMMARY_LIMIT else text[: SUMMARY_LIMIT - 2].rstrip() + "…"


def _caveats(caveats: Sequence[str]) -> str:
    """The ``Caveats:`` list that ends a card's detail (nothing when there are none)."""
    return "\n\nCaveats:\n" + "\n".join(f"- {c}" for c in caveats) if caveats else ""


def _source_of(result: DefinitionResult) -> Source:
    kb = load_knowledge()
    d = kb.definitions.get(result.id)
    ref = kb.references.get(d.source.ref) if d is not None else None
    url = f"https://doi.org/{ref.doi}" if ref is not None and ref.doi else (ref.url if ref else None)
    return Source(label=result.title, url=url)


def alarm_cards(done: FhirAssessment, ctx: CardContext, caveats: Sequence[str] = ()) -> list[Card]:
    """A card for each red flag and each of the plan's same-day referrals (:mod:`myoscope.alarms`): a
    supported cause can call for more than any flag raised (weakness getting worse over weeks is
    an urgent flag; Guillain-Barré syndrome supported by the same data a same-day referral)."""
    out = []
    for e in of_result(done.result.workup, done.result.plan):
        if e["kind"] == "referral":
            title = f"Referral ({e['urgency']}): {e['text']}"
            body = f"**{e['text']}**" + (f"\n\nRefer to: {e['refer_to']}" if e.get("refer_to") else "")
        else:
            title = f"Red flag ({e['urgency']}): {e['text']}"
            body = f"**{e['text']}**\n\nAction: {e['action']}"
        out.append(
            Card(
                summary=_summary(title),
                indicator=INDICATOR.get(e["urgency"], "info"),  # type: ignore[arg-type]
                detail=f"{body}\n\nSource: {e['citation']}" + _caveats(caveats),
                source=MYOSCOPE_SOURCE,
                links=ctx.links(),
            )
        )
    return out


def _new(condition: dict[str, Any]) -> dict[str, Any]:
    """The Condition as a resource the EHR creates: no id (the EHR gives one) and no evidence
    references (they name myoscope's verdict Observations, which the EHR does not hold); the note
    keeps which verdicts suggested it."""
    return {k: v for k, v in condition.items() if k not in ("id", "evidence")}


def _coding(condition: dict[str, Any]) -> dict[str, Any]:
    coding: dict[str, Any] = condition["code"]["coding"][0]
    return coding


def verdict_cards(done: FhirAssessment, ctx: CardContext, caveats: Sequence[str] = ()) -> list[Card]:
    suggested = {
        _coding(c)["code"]: c for c in condition_data(done.result, done.patient_ref, done.imported.as_of)
    }
    by_definition: dict[str, list[dict[str, Any]]] = {}
    for spec in load_codes().conditions:
        if spec.code in suggested:
            for d in spec.when:
                by_definition.setdefault(d, []).append(suggested[spec.code])
    out = []
    offered: set[str] = set()  # each Condition is suggested once, on the first card that supports it
    for r in done.result.results.values():
        if not (r.decided and r.usable and is_finding(r.id, r.outcome)):
            continue
        trace = "\n".join(f"- {line}" for line in trace_summary(r))
        detail = f"**{r.title}: {r.outcome.replace('_', ' ')}**\n\nTrace:\n{trace}\n\nSource: {r.citation}"
        detail += _caveats([*r.caveats, *caveats])
        supported = [(c, _coding(c)) for c in by_definition.get(r.id, [])]
        suggestions = [
            Suggestion(
                label=f"Record provisional {coding['display']} ({coding['code']})",
                actions=[
                    Action(type="create", description="Add a provisional Condition", resource=_new(c))
                ],
            )
            for c, coding in supported
            if coding["code"] not in offered
        ]
        offered |= {coding["code"] for _, coding in supported}
        out.append(
            Card(
                summary=_summary(f"{r.title.split(' — ')[0]}: {r.outcome.replace('_', ' ')}"),
                indicator="warning",
                detail=detail,
                source=_source_of(r),
                links=ctx.links(),
                suggestions=suggestions,
                selectionBehavior="at-most-one" if suggestions else None,
            )
        )
    return out


def measure_card(
    missing: list[str],
    ctx: CardContext,
    problems: Sequence[Problem] = (),
    why: str | None = None,
    caveats: Sequence[str] = (),
) -> Card | None:
    """What to measure so that the undecided verdicts can be decided (or why nothing was read)."""
    if not missing and not problems and not why:
        return None
    codes = load_codes()
    lines = []
    if why:
        lines.append(why)
    lines += [f"- {p.path}: {p.message}" for p in problems]
    if len(missing) > MEASURES_SHOWN:
        lines.append(f"The {MEASURES_SHOWN} that decide the most verdicts ({len(missing)} in all):")
    for m in missing[:MEASURES_SHOWN]:
        loinc = codes.loinc_of(m)
        lines.append(f"- {_label(m)}" + (f" (LOINC {loinc.code})" if loinc else ""))
    label = ", ".join(_label(m).lower() for m in missing[:3])
    summary = (
        f"To decide muscle-wasting verdicts, measure: {label}"
        if missing
        else "myoscope could not read enough data for this patient"
    )
    return Card(
        summary=_summary(summary),
        indicator="info",
        detail="\n".join(lines) + _caveats(caveats),
        source=MYOSCOPE_SOURCE,
        links=ctx.links(),
    )


def missing_measures(done: FhirAssessment) -> list[str]:
    """The measures that would decide undecided verdicts, those deciding the most verdicts first
    (ties in the order the definitions are listed)."""
    counts: dict[str, int] = {}
    for r in done.result.results.values():
        if r.outcome == "not_applicable":
            continue
        for m in dict.fromkeys(x.split(".", 1)[0] for x in r.decisive_measures):  # SARC-F items: one line
            counts[m] = counts.get(m, 0) + 1
    return sorted(counts, key=lambda m: -counts[m])


def _label(measure: str) -> str:
    return "SARC-F questionnaire" if measure == "sarc_f" else load_catalog().label_of(measure)


def cards_for(
    done: FhirAssessment | None,
    ctx: CardContext,
    problems: list[Problem] | None = None,
    why: str | None = None,
    caveats: Sequence[str] = (),
) -> list[Card]:
    """Every card for one hook call, most urgent first; ``caveats`` (about the data read as a
    whole) on each of them."""
    cards: list[Card] = []
    if done is not None:
        cards += alarm_cards(done, ctx, caveats)
        cards += verdict_cards(done, ctx, caveats)
        m = measure_card(missing_measures(done), ctx, caveats=caveats)
    else:
        m = measure_card([], ctx, problems or [], why or "No usable data for this patient.", caveats)
    if m is not None:
        cards.append(m)
    if caveats and not cards:  # no card to carry them: no card at all would read as "nothing found"
        cards.append(
            Card(
                summary="No myoscope findings in the data read (see its caveats)",
                indicator="info",
                detail=_caveats(caveats).lstrip(),
                source=MYOSCOPE_SOURCE,
                links=ctx.links(),
            )
        )
    rank = {"critical": 0, "warning": 1, "info": 2}
    return sorted(cards, key=lambda c: rank[c.indicator])
