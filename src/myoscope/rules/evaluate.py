"""Evaluate a definition's ordered outcomes for one record (DESIGN §7).

The reported outcome is the first label whose condition is true; it is ``decided`` when every
label before it is false. Labels still unknown are ``possible_outcomes``, and the missing
measurements that keep them unknown are ``decisive_measures``: exactly what to measure next.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .logic import Truth
from .nodes import Condition, Context, Node, Source

INDETERMINATE = "indeterminate"


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
    population: str
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
        components: dict[str, Truth] = {
            name: node.evaluate(ctx) for name, node in self.components.items()
        }
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
        caveats = list(dict.fromkeys(
            [c.text for c in self.caveats if c.applies(ctx)] + ctx.caveats
        ))
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
        }

    @property
    def summary(self) -> str:
        state = "" if self.decided else " (not decided)"
        return f"{self.id}: {self.outcome}{state}"

    def __str__(self) -> str:
        return self.summary
