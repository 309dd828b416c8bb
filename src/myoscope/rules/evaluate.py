"""Evaluate a definition's ordered outcomes for one record (DESIGN §7).

The reported outcome is the first label whose condition is true; it is ``decided`` when every
label before it is false. Labels still unknown are ``possible_outcomes``, and the missing
measurements that keep them unknown are ``decisive_measures``: exactly what to measure next.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .logic import Truth, all3, any3
from .nodes import Condition, Context, Node, Source

INDETERMINATE = "indeterminate"
#: The outcome of a definition for a record outside the population it was made for (a child under
#: an adult definition): no verdict is given, and nothing downstream rests on one (DESIGN §13).
NOT_APPLICABLE = "not_applicable"


@dataclass(frozen=True)
class Population:
    """Who a definition was made for, as its source says (DESIGN §13).

    ``excludes`` (all must be true) puts a record outside the population: the outcome is
    ``not_applicable``. Unknown is not outside: a record without an age still gets the verdict.
    ``established_by`` lists alternatives (each a set of conditions that must all be true), any
    one of which shows that the record belongs to the population (cancer for Fearon 2011). When
    none is shown, the verdict stands with a caveat, and the plan and alerts do not rest on it.
    A population bounded by age names the age in every alternative (``age >= 18`` for adults), so
    that a record without an age gets the verdict with that caveat, not a usable verdict.
    """

    text: str
    source: Source
    excludes: tuple[Condition, ...] = ()
    exclusion_text: str = ""
    established_by: tuple[tuple[Condition, ...], ...] = ()
    not_established_text: str = ""

    def excluded(self, ctx: Context) -> bool:
        return bool(self.excludes) and all(c.test(ctx) is True for c in self.excludes)

    def established(self, ctx: Context) -> Truth:
        """True when the record shows membership, False when it rules every alternative out."""
        if not self.established_by:
            return True
        truths = [all3(c.test(ctx) for c in alt) for alt in self.established_by]
        return any3(truths)

    def unknown_fields(self, ctx: Context) -> list[str]:
        """What would establish it when :meth:`established` is unknown: the fields left unknown
        in each alternative not already ruled out (the age; Asian ancestry for AWGS)."""
        out: list[str] = []
        for alt in self.established_by:
            truths = [(c.measure, c.test(ctx)) for c in alt]
            if all(t is not False for _, t in truths):
                out += [m for m, t in truths if t is None and m not in out]
        return out


@dataclass(frozen=True)
class Caveat:
    """A caveat shown when its conditions hold (e.g. AWGS 2019 applied to a non-Asian person)."""

    when: tuple[Condition, ...]
    text: str
    source: Source | None = None

    def applies(self, ctx: Context) -> bool:
        return all(c.test(ctx) is True for c in self.when)


@dataclass
class Definition:
    """One consensus definition, compiled from its knowledge file."""

    id: str
    title: str
    version: str
    source: Source
    population: Population
    vocabulary: list[str]
    components: dict[str, Node]
    outcomes: list[tuple[str, Node]]
    caveats: list[Caveat] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    variant_of: str | None = None
    kind: str = "diagnosis"
    order: int = 100

    def measures(self) -> list[str]:
        out: list[str] = []
        for node in self.components.values():
            out += [m for m in node.measures() if m not in out]
        return out

    def evaluate(self, ctx: Context) -> DefinitionResult:
        if self.population.excluded(ctx):
            return self._not_applicable(ctx)
        components: dict[str, Truth] = {name: node.evaluate(ctx) for name, node in self.components.items()}
        results = [(label, cond.evaluate(ctx), cond) for label, cond in self.outcomes]
        chosen = next((i for i, (_, t, _) in enumerate(results) if t is True), None)
        considered = results if chosen is None else results[: chosen + 1]
        unknown = [(label, cond) for label, t, cond in considered if t is None]
        decisive: list[str] = []
        for _, cond in unknown:
            decisive += [m for m in cond.unknown_measures(ctx) if m not in decisive]
        if chosen is None:
            outcome, decided = INDETERMINATE, False
            possible = [label for label, _ in unknown]
        else:
            outcome = results[chosen][0]
            decided = not unknown
            possible = [] if decided else [label for label, _ in unknown] + [outcome]
        in_population = self.population.established(ctx)
        caveats = list(
            dict.fromkeys(
                ([] if in_population or outcome == INDETERMINATE else [self.population.not_established_text])
                + [c.text for c in self.caveats if c.applies(ctx)]
                + ctx.caveats
            )
        )
        return DefinitionResult(
            id=self.id,
            title=self.title,
            outcome=outcome,
            decided=decided,
            possible_outcomes=possible,
            decisive_measures=decisive if not decided else [],
            components=components,
            trace=ctx.trace,
            citation=str(self.source),
            caveats=caveats,
            in_population=in_population,
        )

    def _not_applicable(self, ctx: Context) -> DefinitionResult:
        p = self.population
        ctx.trace.append(
            {
                "type": "population",
                "label": f"Population: {p.text}",
                "conditions": [str(c) for c in p.excludes],
                "values": {c.measure: ctx.get(c.measure) for c in p.excludes},
                "result": False,
                "citation": str(p.source),
            }
        )
        return DefinitionResult(
            id=self.id,
            title=self.title,
            outcome=NOT_APPLICABLE,
            decided=True,
            possible_outcomes=[],
            decisive_measures=[],
            components={},
            trace=ctx.trace,
            citation=str(self.source),
            caveats=[p.exclusion_text],
            in_population=False,
        )


@dataclass
class DefinitionResult:
    """The verdict of one definition for one record, with its explanation (the trace)."""

    id: str
    title: str
    outcome: str
    decided: bool
    possible_outcomes: list[str]
    decisive_measures: list[str]
    components: dict[str, Truth]
    trace: list[dict[str, Any]]
    citation: str
    caveats: list[str]
    #: whether the record establishes the definition's population (DESIGN §13); the plan and the
    #: alerts rest only on results for which this is true
    in_population: Truth = True

    @property
    def usable(self) -> bool:
        """Whether the plan, the work-up and the alerts may rest on this verdict."""
        return self.in_population is True and self.outcome != NOT_APPLICABLE

    def to_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "decided": self.decided,
            "possible_outcomes": self.possible_outcomes,
            "decisive_measures": self.decisive_measures,
            "components": self.components,
            "trace": self.trace,
            "citation": self.citation,
            "caveats": self.caveats,
            "in_population": self.in_population,
        }

    @property
    def summary(self) -> str:
        state = "" if self.decided else " (not decided)"
        return f"{self.id}: {self.outcome}{state}"

    def __str__(self) -> str:
        return self.summary
