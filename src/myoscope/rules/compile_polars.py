"""Compile a rules tree to polars expressions, so a definition runs over a whole table.

The compiler walks the same :class:`~myoscope.rules.evaluate.Definition` objects that
``load_knowledge()`` returns, so a definition added to the knowledge files is compiled without code
changes. Every node becomes a nullable Boolean column: polars' ``&``/``|`` are Kleene, exactly like
``all3``/``any3``; ``alternatives`` and ``at_least`` are built from counts of true, false and
null, never from ``when(...)`` on a tri-state (``when(null)`` silently takes ``otherwise``).

What the per-record engine reports as ``decisive_measures`` is an ordered union over the unknown
labels and their unknown subtrees. Here each place where a measure can enter that union is a
*slot* with a Boolean "active" expression; the slots' bits form a signature per row, and
:meth:`CompiledDefinition.decisive` turns a signature into the ordered list (first active slot of
each measure wins, exactly as the Python union does). Signatures are few in any real table, so the
lists are built once per distinct signature instead of once per row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Protocol

import polars as pl

from .evaluate import INDETERMINATE, NOT_APPLICABLE, Definition
from .nodes import Compare, Composite, Condition, Cutoff, Node, Ref, Score

WORD_BITS = 63  # bits per signature word (Int64 keeps every engine, Spark included, happy)


def word_count(slots: int) -> int:
    """How many signature words hold ``slots`` bits (at least one, so a definition without
    slots still has a column)."""
    return max(1, -(-slots // WORD_BITS))


class Columns(Protocol):
    """How the compiler finds a measure in the table (the cohort layer supplies one)."""

    def value(self, measure: str) -> pl.Expr:
        """The value the per-record ``Context.get(measure)`` would see."""
        ...

    def missing(self, measure: str) -> pl.Expr:
        """Non-null Boolean: ``Context.get(measure) in (None, [], {})`` (used for raw inputs)."""
        ...

    def inputs(self, measure: str) -> tuple[str, ...]:
        """What ``Context.missing_inputs`` expands ``measure`` to (itself for a raw measure)."""
        ...

    def categories(self, measure: str) -> tuple[str, ...] | None:
        """Allowed values of a categorical (Enum) column, or ``None``."""
        ...


@dataclass(frozen=True)
class SimpleColumns:
    """Columns named after the measures (``sarc_f.strength`` -> ``sarc_f_strength``)."""

    derived_inputs: dict[str, tuple[str, ...]] = field(default_factory=dict)
    enums: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def value(self, measure: str) -> pl.Expr:
        return pl.col(column_name(measure))

    def missing(self, measure: str) -> pl.Expr:
        return self.value(measure).is_null()

    def inputs(self, measure: str) -> tuple[str, ...]:
        return self.derived_inputs.get(measure, (measure,))

    def categories(self, measure: str) -> tuple[str, ...] | None:
        return self.enums.get(measure)


def column_name(measure: str) -> str:
    """Table column of a measure path: nested objects flatten with ``_`` (DESIGN §6 Tables)."""
    return measure.replace(".", "_")


@dataclass(frozen=True)
class Slot:
    """One place where ``measure`` can enter the decisive measures, active when ``active`` holds."""

    measure: str
    active: pl.Expr


@dataclass
class CompiledDefinition:
    """A definition as polars expressions, applied in stages by :meth:`apply`.

    Output columns: ``{id}`` (Enum outcome), ``{id}_decided`` (Boolean), ``{id}_in_population``
    (nullable Boolean: ``Population.established``, false when excluded) and the signature words
    ``{id}__sig{w}`` (Int64) that :meth:`decisive` turns into the decisive measures.
    """

    id: str
    vocabulary: list[str]
    stages: list[list[pl.Expr]]
    outputs: list[pl.Expr]
    components: dict[str, str]  # component name -> temporary truth column
    slot_measures: list[str]
    temporaries: list[str]

    @property
    def signature_columns(self) -> list[str]:
        n = word_count(len(self.slot_measures))
        return [f"{self.id}__sig{w}" for w in range(n)]

    @property
    def dtype(self) -> pl.Enum:
        return pl.Enum(self.vocabulary)

    def apply(self, lf: pl.LazyFrame, keep: Sequence[str] = ()) -> pl.LazyFrame:
        """Add the outputs (and any component truths named in ``keep``) to ``lf``."""
        for stage in self.stages:
            lf = lf.with_columns(stage)
        lf = lf.with_columns(self.outputs)
        kept = {self.components[k] for k in keep}
        return lf.drop([t for t in self.temporaries if t not in kept])

    def decisive(self, signature: Sequence[int]) -> list[str]:
        """The ordered decisive measures of one signature (a tuple of signature words)."""
        return decisive_measures(tuple(self.slot_measures), tuple(int(w) for w in signature))


@cache
def decisive_measures(measures: tuple[str, ...], words: tuple[int, ...]) -> list[str]:
    """The measures of the set bits of a signature, first slot first, no repeats."""
    out: list[str] = []
    for k, m in enumerate(measures):
        if (words[k // WORD_BITS] >> (k % WORD_BITS)) & 1 and m not in out:
            out.append(m)
    return out


def compile_definition(definition: Definition, columns: Columns) -> CompiledDefinition:
    """Compile ``definition`` against ``columns``. :raises ValueError: for an unknown node type."""
    return _Compiler(definition, columns).compile()


def compile_definitions(definitions: Iterable[Definition], columns: Columns) -> list[CompiledDefinition]:
    return [compile_definition(d, columns) for d in definitions]


# --- three-valued helpers --------------------------------------------------------------------


def is_true(t: pl.Expr) -> pl.Expr:
    return t.fill_null(False)


def not_false(t: pl.Expr) -> pl.Expr:
    return t.fill_null(True)


def tri(true: pl.Expr, false: pl.Expr) -> pl.Expr:
    """A nullable Boolean from two non-null Booleans that are never both true."""
    return (
        pl.when(true).then(pl.lit(True)).when(false).then(pl.lit(False)).otherwise(pl.lit(None, pl.Boolean))
    )


def _all(exprs: Sequence[pl.Expr]) -> pl.Expr:
    if not exprs:
        return pl.lit(True)
    out = exprs[0]
    for e in exprs[1:]:
        out = out & e
    return out


def _any(exprs: Sequence[pl.Expr]) -> pl.Expr:
    if not exprs:
        return pl.lit(False)
    out = exprs[0]
    for e in exprs[1:]:
        out = out | e
    return out


def _count(exprs: Sequence[pl.Expr]) -> pl.Expr:
    return pl.sum_horizontal([e.cast(pl.Int32) for e in exprs])


_CMP: dict[str, Callable[[pl.Expr, Any], pl.Expr]] = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "==": lambda a, b: a == b,
}


class _Compiler:
    def __init__(self, definition: Definition, columns: Columns) -> None:
        self.d = definition
        self.cols = columns
        self.exprs: dict[int, pl.Expr] = {}  # node key -> truth expression (before staging)
        self.level: dict[int, int] = {}
        self.local_slots: dict[int, list[Slot]] = {}  # compare key -> slots inside the compare
        self.helpers: list[tuple[int, pl.Expr]] = []  # (stage, temporary column)
        self.gates = 0
        self.base = 0

    # -- truth ------------------------------------------------------------------------------

    @staticmethod
    def target(node: Node) -> Node:
        while isinstance(node, Ref):
            node = node.target
        return node

    def col(self, node: Node) -> pl.Expr:
        return pl.col(self.name(node))

    def name(self, node: Node) -> str:
        return f"_{self.d.id}__n{self.target(node).key}"

    def visit(self, node: Node) -> int:
        """Build the truth expression of ``node`` (memoised); return its stage level."""
        node = self.target(node)
        if node.key in self.level:
            return self.level[node.key]
        if isinstance(node, Compare):
            expr, lvl = self.compare(node), 2
        elif isinstance(node, Score):
            lvl = 1 + max([self.visit(i.node) for i in node.items if i.node is not None], default=-1)
            expr = self.score(node)
        elif isinstance(node, Composite):
            lvl = 1 + max(self.visit(p) for p in node.parts)
            expr = self.composite(node)
        else:
            raise ValueError(f"{self.d.id}: cannot compile node type {type(node).__name__}")
        self.exprs[node.key] = expr.alias(self.name(node))
        self.level[node.key] = lvl
        return lvl

    def condition(self, c: Condition) -> pl.Expr:
        v = self.cols.value(c.measure)
        cats = self.cols.categories(c.measure)
        if c.op == "includes":  # a list (conditions) naming one of the values; a null list: unknown
            return _any([v.list.contains(pl.lit(x, pl.String)) for x in c.value])
        if c.op == "in":
            wanted = list(c.value)
            if cats is not None:
                wanted = [w for w in wanted if w in cats]
                if not wanted:
                    return pl.when(v.is_not_null()).then(pl.lit(False))
            return v.is_in(wanted)
        if cats is not None and c.value not in cats:
            # an Enum never equals a value outside its categories; order comparisons are not
            # defined for categories, so refuse them rather than guess
            if c.op != "==":
                raise ValueError(f"{self.d.id}: cannot compare categorical {c.measure} with {c.op}")
            return pl.when(v.is_not_null()).then(pl.lit(False))
        r = _CMP[c.op](v, pl.lit(c.value))
        if c.unsettled:
            return pl.when(v != pl.lit(c.value)).then(r)  # exactly on the boundary: unknown
        return r

    def candidate(self, node: Compare, value: pl.Expr, cut: Cutoff) -> pl.Expr:
        if cut.value is None:  # the source publishes no cut-off for this group
            return pl.lit(None, pl.Boolean)
        r = _CMP[node.comparator](value, pl.lit(cut.value))
        if node.unconfirmed_comparator is None:
            return r
        alt = _CMP[node.unconfirmed_comparator](value, pl.lit(cut.value))
        return pl.when(r == alt).then(r)  # the two published comparators disagree: unknown

    def helper(self, name: str, expr: pl.Expr, level: int) -> pl.Expr:
        """A temporary column computed in stage ``level``; returns a reference to it."""
        self.helpers.append((level, expr.alias(name)))
        return pl.col(name)

    def compare(self, node: Compare) -> pl.Expr:
        """Mirror of ``Compare._evaluate``: candidates, unpublished cut-offs, unsettled
        comparators, and the slots of its missing measures. Matches, candidates and the gates of
        the slots are columns of their own (stages 0-2), so the expressions stay small."""
        name = self.name(node)
        v = self.cols.value(node.measure)
        cuts = node.cutoffs
        results = [self.candidate(node, v, cut) for cut in cuts]
        unpublished = [cut.value is None for cut in cuts]
        matches: list[pl.Expr] = []
        possible: list[pl.Expr] = []
        if len(cuts) == 1 and not cuts[0].when:
            matches, possible = [pl.lit(True)], [pl.lit(True)]
        else:
            for i, cut in enumerate(cuts):
                m = _all([self.condition(c) for c in cut.when]) if cut.when else pl.lit(True)
                matches.append(self.helper(f"{name}_m{i}", m, 0))
            earlier_true: list[pl.Expr] = []
            for i, m in enumerate(matches):
                p = not_false(m) & ~_any(earlier_true) if earlier_true else not_false(m)
                possible.append(self.helper(f"{name}_p{i}", p, 1))
                earlier_true.append(is_true(m))
        pairs = list(zip(possible, results, unpublished, strict=True))
        any_possible = _any(possible)
        all_unpublished = ~_any([p for p, _, u in pairs if not u])
        some_unpublished = _any([p for p, _, u in pairs if u])
        cand_null = _any([p & r.is_null() for p, r, _ in pairs])
        all_true = _all([~p | is_true(r) for p, r, _ in pairs])
        all_false = _all([~p | ~not_false(r) for p, r, _ in pairs])
        present = v.is_not_null() & any_possible & ~all_unpublished
        known = present & ~cand_null
        truth = tri(known & all_true, known & all_false)
        # value missing: the inputs that would give it (Context.missing_inputs)
        vm = self.helper(f"{name}_vm", v.is_null() & any_possible & ~all_unpublished, 2)
        slots = self.missing_inputs(node.measure, vm)
        # the cut-off cannot be selected: the missing measures that select it
        if any(cut.when for cut in cuts):
            amb = self.helper(
                f"{name}_amb", present & (some_unpublished | (~cand_null & ~all_true & ~all_false)), 2
            )
            for i, (p, m, cut) in enumerate(zip(possible, matches, cuts, strict=True)):
                if not cut.when:
                    continue
                gate = self.helper(f"{name}_a{i}", amb & p & m.is_null(), 3)
                for c in cut.when:
                    slots += self.missing_inputs(c.measure, gate & self.cols.value(c.measure).is_null())
        self.local_slots[node.key] = slots
        return truth

    def missing_inputs(self, measure: str, gate: pl.Expr, value_missing: bool = True) -> list[Slot]:
        """Slots of ``Context.missing_inputs(measure)`` under ``gate`` (which implies the value is
        missing when ``value_missing``): the missing raw inputs, else the measure itself."""
        raw = self.cols.inputs(measure)
        plain = (
            value_missing
            and raw == (measure,)
            and str(self.cols.missing(measure)) == str(self.cols.value(measure).is_null())
        )
        if plain:  # a measured value that is missing is itself what to measure: one slot, no test
            return [Slot(measure, gate)]
        slots = [Slot(r, gate & self.cols.missing(r)) for r in raw]
        slots.append(Slot(measure, gate & _all([~self.cols.missing(r) for r in raw])))
        return slots

    def score(self, node: Score) -> pl.Expr:
        lo: pl.Expr = pl.lit(0.0)
        hi: pl.Expr = pl.lit(0.0)
        for item in node.items:
            if item.node is not None:
                t = self.col(item.node)
                lo = lo + is_true(t).cast(pl.Float64) * float(item.max)
                hi = hi + not_false(t).cast(pl.Float64) * float(item.max)
            else:
                assert item.measure is not None
                v = self.cols.value(item.measure).cast(pl.Float64)
                lo = lo + v.fill_null(float(item.min))
                hi = hi + v.fill_null(float(item.max))
        r_lo = _CMP[node.comparator](lo, pl.lit(float(node.cutoff)))
        r_hi = _CMP[node.comparator](hi, pl.lit(float(node.cutoff)))
        return tri(r_lo & r_hi, ~r_lo & ~r_hi)

    def composite(self, node: Composite) -> pl.Expr:
        parts = [self.col(p) for p in node.parts]
        if node.kind == "all":
            return _all(parts)
        if node.kind == "any":
            return _any(parts)
        if node.kind == "not":
            return ~parts[0]
        n_true = _count([is_true(p) for p in parts])
        if node.kind == "alternatives":
            n_false = _count([~not_false(p) for p in parts])
            return tri(n_true > 0, (n_true == 0) & (n_false > 0))
        assert node.n is not None
        n_null = _count([p.is_null() for p in parts])
        return tri(n_true >= node.n, n_true + n_null < node.n)

    # -- decisive measures ------------------------------------------------------------------

    def unknown_slots(self, node: Node, gate: pl.Expr, depth: int = 0) -> list[Slot]:
        """Mirror of ``Node.unknown_measures``: slots reached through ``node`` under ``gate``.

        The gate of each node on the path is a column of its own (one stage per depth), so a
        slot is the AND of two columns however deep it sits."""
        node = self.target(node)
        self.gates += 1
        g = self.helper(f"_{self.d.id}__g{self.gates}", gate & self.col(node).is_null(), self.base + depth)
        if isinstance(node, Compare):
            return [Slot(s.measure, g & s.active) for s in self.local_slots[node.key]]
        out: list[Slot] = []
        if isinstance(node, Score):
            for item in node.items:
                if item.measure is not None:
                    out.append(Slot(item.measure, g & self.cols.value(item.measure).is_null()))
            for item in node.items:
                if item.node is not None:
                    out += self.unknown_slots(item.node, g, depth + 1)
            return out
        for child in node.children():
            out += self.unknown_slots(child, g, depth + 1)
        return out

    def in_population(self, excluded: pl.Expr | None) -> pl.Expr:
        """Mirror of ``Population.established`` as the result reports it: false outside the
        population (``excluded``, non-null), else any alternative of ``established_by`` whose
        conditions all hold, in Kleene logic (``any3`` of ``all3``); true with no alternatives."""
        alternatives = self.d.population.established_by
        established = (
            _any([_all([self.condition(c) for c in alt]) for alt in alternatives])
            if alternatives
            else pl.lit(True)
        )
        # false & unknown is false: an excluded row is out whatever its alternatives say
        return established if excluded is None else ~excluded & established

    def compile(self) -> CompiledDefinition:
        d = self.d
        for node in d.components.values():
            self.visit(node)
        for _, cond in d.outcomes:
            self.visit(cond)
        self.base = 1 + max([*self.level.values(), *(lvl for lvl, _ in self.helpers)])
        truths = [self.col(cond) for _, cond in d.outcomes]
        # outside the definition's population (all exclusion conditions true): not_applicable,
        # decided, nothing to measure; unknown is not outside (rules/evaluate.py Population)
        pop = d.population.excludes
        excluded = _all([is_true(self.condition(c)) for c in pop]) if pop else None
        in_population = self.in_population(excluded)
        slots: list[Slot] = []
        earlier: list[pl.Expr] = [] if excluded is None else [excluded]
        for (_, cond), t in zip(d.outcomes, truths, strict=True):
            considered = ~_any(earlier) if earlier else pl.lit(True)
            slots += self.unknown_slots(cond, considered)
            earlier.append(is_true(t))

        by_level: dict[int, list[pl.Expr]] = {}
        for key, expr in self.exprs.items():
            by_level.setdefault(self.level[key], []).append(expr)
        for lvl, expr in self.helpers:
            by_level.setdefault(lvl, []).append(expr)
        stages = [by_level[lvl] for lvl in sorted(by_level)]
        temporaries = [f"_{d.id}__n{key}" for key in self.exprs] + [
            e.meta.output_name() for _, e in self.helpers
        ]

        vocab = pl.Enum(d.vocabulary)
        outcome: Any = pl
        decided: Any = pl
        if excluded is not None:
            outcome = outcome.when(excluded).then(pl.lit(NOT_APPLICABLE, dtype=vocab))
            decided = decided.when(excluded).then(pl.lit(True))
        for (label, _), t in zip(d.outcomes, truths, strict=True):
            outcome = outcome.when(is_true(t)).then(pl.lit(label, dtype=vocab))
            decided = decided.when(is_true(t)).then(pl.lit(True)).when(t.is_null()).then(pl.lit(False))
        outcome = outcome.otherwise(pl.lit(INDETERMINATE, dtype=vocab))
        decided = decided.otherwise(pl.lit(False))

        words: list[pl.Expr] = []
        for w in range(word_count(len(slots))):
            chunk = slots[w * WORD_BITS : (w + 1) * WORD_BITS]
            bits = [
                pl.when(s.active).then(pl.lit(1 << b, pl.Int64)).otherwise(pl.lit(0, pl.Int64))
                for b, s in enumerate(chunk)
            ]
            words.append((pl.sum_horizontal(bits) if bits else pl.lit(0, pl.Int64)).alias(f"{d.id}__sig{w}"))
        outputs = [
            outcome.alias(d.id),
            decided.alias(f"{d.id}_decided"),
            in_population.alias(f"{d.id}_in_population"),
            *words,
        ]
        return CompiledDefinition(
            id=d.id,
            vocabulary=list(d.vocabulary),
            stages=stages,
            outputs=outputs,
            components={name: self.name(node) for name, node in d.components.items()},
            slot_measures=[s.measure for s in slots],
            temporaries=temporaries,
        )


__all__ = [
    "WORD_BITS",
    "Columns",
    "CompiledDefinition",
    "SimpleColumns",
    "Slot",
    "column_name",
    "compile_definition",
    "compile_definitions",
    "decisive_measures",
    "word_count",
]
