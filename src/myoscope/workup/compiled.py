"""Per-cause data prepared once at load time, so that a record's work-up only evaluates findings.

Citations are formatted, weights totalled and questions mapped here: the per-record path
(``engine.run_workup``) then does dictionary look-ups, which keeps ``assess`` cheap over large
batches (benchmarks/workup.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .predicates import Predicate
from .result import TestItem
from .schema import URGENCY_ORDER, CauseSpec, RedFlagSpec

if TYPE_CHECKING:
    from .loader import WorkupKnowledge


@dataclass(frozen=True)
class CompiledLink:
    finding: str
    direction: str  # "for" | "against"
    weight: int
    text: str
    patient: str
    citation: str  # why the finding counts for / against this cause
    source: str  # where the finding's definition comes from


@dataclass(frozen=True)
class CompiledSupport:
    """A cause's ``support``: what its source needs before the plan acts on it."""

    when: Predicate
    needs: str
    citation: str


@dataclass(frozen=True)
class CompiledCause:
    id: str
    order: int
    spec: CauseSpec
    gate: tuple[str, ...]
    gate_weight: dict[str, int]  # a gate finding's weight in this cause (1 if it is gate-only)
    links: tuple[CompiledLink, ...]
    total_weight: int
    tests: tuple[TestItem, ...]
    #: the ids of the tests that make the diagnosis (not offered once ``spec.diagnosed_by`` holds)
    confirming: frozenset[str]
    static_citations: tuple[str, ...]  # source, course, reversibility, tests, criteria
    source: str
    refs: tuple[str, ...]  # every reference the cause can cite, for the reference list
    support: CompiledSupport | None = None


@dataclass(frozen=True)
class CompiledRedFlag:
    id: str
    spec: RedFlagSpec
    when: Predicate
    rank: int  # position in URGENCY_ORDER
    citation: str
    possible: Predicate | None = None  # its possible_when


def compile_causes(wk: WorkupKnowledge) -> dict[str, CompiledCause]:
    spec = wk.spec
    out: dict[str, CompiledCause] = {}
    for order, (cid, cause) in enumerate(spec.causes.items()):
        refs: list[str] = []

        def cite(ref: str, locator: str, refs: list[str] = refs) -> str:
            if ref not in refs:
                refs.append(ref)
            return wk.cite(ref, locator)

        links: list[CompiledLink] = []
        for direction, group in (("for", cause.supports), ("against", cause.against)):
            for link in group:
                f = spec.findings[link.finding]
                links.append(CompiledLink(link.finding, direction, link.weight, f.text, f.patient,
                                          cite(link.ref, link.at), cite(f.source.ref, f.source.locator)))
        tests = tuple(TestItem(t.test, spec.tests[t.test].label, spec.tests[t.test].patient, t.why,
                               cite(t.ref, t.at)) for t in cause.tests)
        source = cite(cause.source.ref, cause.source.locator)
        static = [source, cite(cause.course_source.ref, cause.course_source.locator),
                  cite(cause.reversible_source.ref, cause.reversible_source.locator),
                  *(t.citation for t in tests),
                  *(cite(spec.criteria[c].source.ref, spec.criteria[c].source.locator)
                    for c in cause.criteria)]
        weights = {link.finding: link.weight for link in links}
        rule = cause.support_rule
        support = None if rule is None else CompiledSupport(
            wk.supports[cid], rule.needs, cite(rule.source.ref, rule.source.locator))
        out[cid] = CompiledCause(
            id=cid, order=order, spec=cause, gate=tuple(cause.gate),
            gate_weight={g: weights.get(g, 1) for g in cause.gate}, links=tuple(links),
            total_weight=sum(link.weight for link in links), tests=tests,
            confirming=frozenset(t.test for t in cause.tests if t.confirms),
            static_citations=tuple(dict.fromkeys(static)), source=source, refs=tuple(refs),
            support=support)
    return out


def compile_red_flags(wk: WorkupKnowledge) -> tuple[CompiledRedFlag, ...]:
    return tuple(CompiledRedFlag(rid, rf, wk.red_flags[rid], URGENCY_ORDER.index(rf.urgency),
                                 wk.cite(rf.source.ref, rf.source.locator), wk.possible.get(rid))
                 for rid, rf in wk.spec.red_flags.items())
