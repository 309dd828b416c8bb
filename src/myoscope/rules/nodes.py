"""Rule-tree nodes. Each node evaluates to a three-valued truth and writes its own trace entry.

Nodes are built once from the knowledge files (``knowledge/schema.py``) and hold no clinical
number of their own: every cut-off, comparator and citation comes from the YAML entry.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .logic import Truth, all3, alternatives3, any3, at_least3, not3
from .words import conditions_in_words

COMPARATORS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
}
_OPS = {"lt": "<", "le": "<=", "gt": ">", "ge": ">=", "eq": "=="}


class Context:
    """What a node can see for one record: canonical values plus derived measures.

    ``inputs`` maps a derived measure to the measurements a user takes to obtain it, so that an
    unknown verdict names "asm" rather than "asmi" as what to measure next.
    """

    __slots__ = (
        "caveats",
        "inputs",
        "missing",
        "missing_cache",
        "objects",
        "results",
        "totals",
        "trace",
        "unknown",
        "values",
    )

    def __init__(
        self,
        values: dict[str, Any],
        inputs: dict[str, tuple[str, ...]] | None = None,
        objects: dict[str, Any] | None = None,
        missing_cache: dict[str, list[str]] | None = None,
    ):
        self.values = values
        self.objects = values if objects is None else objects  # record objects for "a.b" paths
        self.inputs = inputs or {}
        self.results: dict[int, Truth] = {}
        self.missing: dict[int, list[str]] = {}
        self.totals: dict[int, float | None] = {}
        self.trace: list[dict[str, Any]] = []
        self.caveats: list[str] = []
        self.unknown: dict[int, list[str]] = {}  # memo of unknown_measures per node
        # missing inputs depend on the record only, so one cache may serve every definition
        self.missing_cache: dict[str, list[str]] = {} if missing_cache is None else missing_cache

    def get(self, measure: str) -> Any:
        if "." in measure:
            head, _, item = measure.partition(".")
            obj = self.objects.get(head)
            return obj.get(item) if isinstance(obj, dict) else None
        return self.values.get(measure)

    def missing_inputs(self, measure: str) -> list[str]:
        cached = self.missing_cache.get(measure)
        if cached is None:
            raw = self.inputs.get(measure, (measure,))
            cached = [m for m in raw if self.get(m) in (None, [], {})] or [measure]
            self.missing_cache[measure] = cached
        return list(cached)


@dataclass(frozen=True)
class Condition:
    """``measure op value``: selects a cut-off by sex, method, population, BMI or age band.

    ``unsettled`` marks a band boundary the sources disagree on (GLIM's "< 70 y" vs "> 70 y"):
    a value exactly at the boundary makes the condition unknown rather than guessed.
    """

    measure: str
    op: str
    value: Any
    unsettled: bool = False

    def test(self, ctx: Context) -> Truth:
        v = ctx.get(self.measure)
        if v is None:
            return None
        if self.op == "in":
            return bool(v in self.value)
        if self.op == "includes":  # a list field (conditions) names at least one of the values
            return any(x in v for x in self.value) if isinstance(v, list) else None
        if self.unsettled and v == self.value:
            return None
        return bool(COMPARATORS[self.op](v, self.value))

    def __str__(self) -> str:
        return f"{self.measure} {self.op} {self.value}"


def conditions_from(spec: dict[str, Any]) -> tuple[Condition, ...]:
    """``{sex: male, bmi: {lt: 25}, age: {ge: 70, unsettled: true}}`` -> conditions (all must hold)."""
    out: list[Condition] = []
    for measure, want in spec.items():
        if isinstance(want, dict):
            unsettled = bool(want.get("unsettled", False))
            for op, val in want.items():
                if op == "unsettled":
                    continue
                if op in ("in", "includes"):
                    out.append(Condition(measure, op, tuple(val)))
                elif op in _OPS:
                    out.append(Condition(measure, _OPS[op], val, unsettled))
                else:
                    raise ValueError(f"unknown condition operator {op!r} for {measure}")
        else:
            out.append(Condition(measure, "==", want))
    return tuple(out)


@dataclass(frozen=True)
class Cutoff:
    value: Any
    when: tuple[Condition, ...] = ()
    caveat: str | None = None

    def describe(self) -> str:
        return _describe_when(self.when)


def _describe_when(when: tuple[Condition, ...]) -> str:
    """The group a cut-off applies to, in words (``women, DXA or BIA``; ``all`` for everyone)."""
    return conditions_in_words(when)


class Node:
    """Base class. ``key`` is a unique id used to memoise results within one evaluation."""

    label: str
    name: str | None
    _count = 0

    def __init__(self, label: str, name: str | None = None) -> None:
        self.label = label
        self.name = name
        Node._count += 1
        self.key = Node._count

    def evaluate(self, ctx: Context) -> Truth:
        if self.key in ctx.results:
            return ctx.results[self.key]
        result = self._evaluate(ctx)
        ctx.results[self.key] = result
        return result

    def _evaluate(self, ctx: Context) -> Truth:
        raise NotImplementedError

    def children(self) -> Sequence[Node]:
        return ()

    def measures(self) -> list[str]:
        """Every measure this node (and its subtree) reads."""
        out: list[str] = []
        for c in self.children():
            out += [m for m in c.measures() if m not in out]
        return out

    def unknown_measures(self, ctx: Context) -> list[str]:
        """Missing measurements that keep this node unknown (empty when it is decided)."""
        if ctx.results.get(self.key, False) is not None:
            return []
        memo = ctx.unknown.get(self.key)
        if memo is None:
            memo = []
            for c in self.children():
                for m in c.unknown_measures(ctx):
                    if m not in memo:
                        memo.append(m)
            ctx.unknown[self.key] = memo
        return memo


@dataclass
class Source:
    """A citation of one knowledge item: the reference and the table or page used."""

    ref: str
    text: str  # formatted citation
    locator: str | None = None

    def __str__(self) -> str:
        return f"{self.text}, {self.locator}" if self.locator else self.text


class Compare(Node):
    """One measure against a cut-off; the cut-off may depend on sex, method, population or band.

    When the cut-off cannot be selected (e.g. BMI band with BMI missing) every candidate that
    could apply is tried: if they all agree the result is decided anyway. A comparator marked
    unconfirmed (``<`` vs ``<=`` unsettled in the sources) makes a value exactly at the cut-off
    unknown rather than guessed. A cut-off whose value is ``None`` says that the source
    publishes no cut-off for that group (GLIM gives no Asian FFMI threshold): the comparison is
    unknown for that group, and a record that might belong to it is undecided, not compared
    with another group's cut-off.
    """

    def __init__(
        self,
        label: str,
        measure: str,
        comparator: str,
        cutoffs: Sequence[Cutoff],
        source: Source,
        unit: str | None = None,
        unconfirmed_comparator: str | None = None,
        note: str | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(label, name)
        self.measure = measure
        self.comparator = comparator
        self.cutoffs = tuple(cutoffs)
        self.source = source
        self.unit = unit
        self.unconfirmed_comparator = unconfirmed_comparator
        self.note = note
        self._cmp = COMPARATORS[comparator]
        self._alt = COMPARATORS[unconfirmed_comparator] if unconfirmed_comparator else None
        self._citation = str(source)

    def measures(self) -> list[str]:
        out = [self.measure]
        for c in self.cutoffs:
            out += [cond.measure for cond in c.when if cond.measure not in out]
        return out

    def candidates(self, ctx: Context) -> tuple[list[Cutoff], list[str]]:
        """Cut-offs that could apply, and the condition measures whose absence makes it ambiguous."""
        possible: list[Cutoff] = []
        unknown_conditions: list[str] = []
        for c in self.cutoffs:
            if not c.when:
                possible.append(c)
                break
            tests = [cond.test(ctx) for cond in c.when]
            match = all3(tests)
            if match is False:
                continue
            possible.append(c)
            if match is True:
                break
            unknown_conditions += [cond.measure for cond, t in zip(c.when, tests, strict=True) if t is None]
        return possible, unknown_conditions

    def unsettled_boundaries(self, ctx: Context) -> list[str]:
        """Band boundaries that this record sits exactly on and the sources disagree about."""
        return [
            str(cond)
            for c in self.cutoffs
            for cond in c.when
            if cond.unsettled and ctx.get(cond.measure) == cond.value
        ]

    def _evaluate(self, ctx: Context) -> Truth:
        value = ctx.get(self.measure)
        possible, ambiguous = self.candidates(ctx)
        notes: list[str] = []
        missing: list[str] = []
        result: Truth = None
        if not possible:
            notes.append(
                "no cut-off applies to this record "
                f"(cut-offs exist for: {'; '.join(c.describe() for c in self.cutoffs)})"
            )
        elif all(c.value is None for c in possible):
            notes.append(
                f"the source publishes no cut-off for this group "
                f"({'; '.join(c.describe() for c in possible)})"
            )
        elif value is None:
            missing = ctx.missing_inputs(self.measure)
        else:
            results = [self._compare(value, c.value) for c in possible]
            unpublished = [c for c in possible if c.value is None]
            if unpublished:  # the record may belong to a group without a published cut-off
                groups = "; ".join(c.describe() for c in unpublished)
                notes.append(f"the source publishes no cut-off for {groups}")
                for m in dict.fromkeys(ambiguous):
                    if ctx.get(m) is None:
                        missing += [x for x in ctx.missing_inputs(m) if x not in missing]
            elif None in results:
                notes.append(
                    f"the published comparator is unsettled ({self.comparator} or "
                    f"{self.unconfirmed_comparator}) and the value is exactly at the cut-off"
                )
            elif all(results) or not any(results):
                result = results[0]
            else:  # candidates disagree: the band that selects the cut-off is missing or unsettled
                for m in dict.fromkeys(ambiguous):
                    if ctx.get(m) is None:
                        missing += [x for x in ctx.missing_inputs(m) if x not in missing]
                for b in self.unsettled_boundaries(ctx):
                    notes.append(f"the published band boundary is unsettled and the value is on it ({b})")
        if missing:
            ctx.missing[self.key] = missing
        chosen = possible[0] if len(possible) == 1 else None
        entry: dict[str, Any] = {
            "node": self.name,
            "type": "compare",
            "label": self.label,
            "measure": self.measure,
            "value": value,
            "unit": self.unit,
            "comparator": self.comparator,
            "cutoff": chosen.value if chosen else ([c.value for c in possible] or None),
            "cutoff_applies_to": chosen.describe() if chosen else None,
            "result": result,
            "citation": self._citation,
        }
        if self.unconfirmed_comparator:
            entry["unconfirmed_comparator"] = self.unconfirmed_comparator
        if chosen and chosen.caveat and value is not None:
            notes.append(chosen.caveat)
            ctx.caveats.append(chosen.caveat)
        if self.note:
            notes.append(self.note)
        if notes:
            entry["notes"] = notes
        if missing:
            entry["missing"] = missing
        ctx.trace.append(entry)
        return result

    def _compare(self, value: Any, cutoff: Any) -> Truth:
        if cutoff is None:  # no published cut-off for this group
            return None
        r = bool(self._cmp(value, cutoff))
        if self._alt is not None and bool(self._alt(value, cutoff)) != r:
            return None
        return r

    def unknown_measures(self, ctx: Context) -> list[str]:
        if ctx.results.get(self.key, False) is not None:
            return []
        return list(ctx.missing.get(self.key, []))


@dataclass
class ScoreItem:
    """One item of a questionnaire: a measured item (``min``..``max`` points) or a node worth
    ``max`` points when true."""

    measure: str | None = None
    node: Node | None = None
    min: float = 0
    max: float = 0


class Score(Node):
    """A questionnaire total against a cut-off, decided from partial answers when possible.

    SARC-F with items summing to 4 is positive whatever the missing items say; with a known
    sum plus the most the missing items could add still below 4 it is negative.
    """

    def __init__(
        self,
        label: str,
        total_measure: str,
        items: Sequence[ScoreItem],
        comparator: str,
        cutoff: float,
        source: Source,
        name: str | None = None,
    ) -> None:
        super().__init__(label, name)
        self.total_measure = total_measure
        self.items = list(items)
        self.comparator = comparator
        self.cutoff = cutoff
        self.source = source
        self._cmp = COMPARATORS[comparator]

    def children(self) -> Sequence[Node]:
        return [i.node for i in self.items if i.node is not None]

    def measures(self) -> list[str]:
        out = [i.measure for i in self.items if i.measure]
        for c in self.children():
            out += [m for m in c.measures() if m not in out]
        return out

    def bounds(self, ctx: Context) -> tuple[float, float, list[str], list[Node]]:
        lo = hi = 0.0
        missing: list[str] = []
        unknown_nodes: list[Node] = []
        for item in self.items:
            if item.node is not None:
                t = item.node.evaluate(ctx)
                if t is True:
                    lo += item.max
                    hi += item.max
                elif t is None:
                    hi += item.max
                    unknown_nodes.append(item.node)
            else:
                assert item.measure is not None
                v = ctx.get(item.measure)
                if v is None:
                    lo += item.min
                    hi += item.max
                    missing.append(item.measure)
                else:
                    lo += v
                    hi += v
        return lo, hi, missing, unknown_nodes

    def _evaluate(self, ctx: Context) -> Truth:
        lo, hi, missing, _ = self.bounds(ctx)
        r_lo, r_hi = bool(self._cmp(lo, self.cutoff)), bool(self._cmp(hi, self.cutoff))
        result: Truth = r_lo if r_lo == r_hi else None
        total = lo if lo == hi else None
        ctx.totals[self.key] = total
        ctx.trace.append(
            {
                "node": self.name,
                "type": "score",
                "label": self.label,
                "measure": self.total_measure,
                "value": total,
                "range": None if total is not None else [lo, hi],
                "unit": "points",
                "comparator": self.comparator,
                "cutoff": self.cutoff,
                "result": result,
                "citation": str(self.source),
                **({"missing": missing} if missing and result is None else {}),
            }
        )
        return result

    def unknown_measures(self, ctx: Context) -> list[str]:
        if ctx.results.get(self.key, False) is not None:
            return []
        _, _, missing, unknown_nodes = self.bounds(ctx)
        out = list(missing)
        for n in unknown_nodes:
            out += [m for m in n.unknown_measures(ctx) if m not in out]
        return out


class Composite(Node):
    """``alternatives``, ``all``, ``any``, ``not`` and ``at_least(n)`` over child nodes."""

    KINDS = ("alternatives", "all", "any", "not", "at_least")

    def __init__(
        self, kind: str, parts: Sequence[Node], label: str = "", n: int | None = None, name: str | None = None
    ) -> None:
        if kind not in self.KINDS:
            raise ValueError(f"unknown node type {kind!r}")
        if kind == "not" and len(parts) != 1:
            raise ValueError("'not' takes exactly one node")
        if kind == "at_least" and n is None:
            raise ValueError("'at_least' needs n")
        super().__init__(label or kind, name)
        self.kind = kind
        self.parts = list(parts)
        self.n = n

    def children(self) -> Sequence[Node]:
        return self.parts

    def _evaluate(self, ctx: Context) -> Truth:
        vals = [p.evaluate(ctx) for p in self.parts]
        if self.kind == "alternatives":
            result = alternatives3(vals)
        elif self.kind == "all":
            result = all3(vals)
        elif self.kind == "any":
            result = any3(vals)
        elif self.kind == "not":
            result = not3(vals[0])
        else:
            assert self.n is not None
            result = at_least3(self.n, vals)
        if self.name:
            ctx.trace.append(
                {
                    "node": self.name,
                    "type": self.kind,
                    "label": self.label,
                    "parts": [p.name or p.label for p in self.parts],
                    **({"n": self.n} if self.kind == "at_least" else {}),
                    "result": result,
                }
            )
        return result


class Ref(Node):
    """A reference to a named component, so each component is evaluated once per record."""

    def __init__(self, target: Node) -> None:
        super().__init__(target.label, target.name)
        self.target = target

    def evaluate(self, ctx: Context) -> Truth:
        return self.target.evaluate(ctx)

    def children(self) -> Sequence[Node]:
        return (self.target,)

    def unknown_measures(self, ctx: Context) -> list[str]:
        return self.target.unknown_measures(ctx)


__all__ = [
    "COMPARATORS",
    "Compare",
    "Composite",
    "Condition",
    "Context",
    "Cutoff",
    "Node",
    "Ref",
    "Score",
    "ScoreItem",
    "Source",
    "conditions_from",
]
