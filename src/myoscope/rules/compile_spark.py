"""Compile a rules tree to Spark SQL ``Column`` expressions: the native Spark engine.

A node-by-node mirror of :mod:`myoscope.rules.compile_polars`, so that a definition runs inside
Spark's JVM (Catalyst plans it, whole-stage code generation compiles it) with no Python worker.
Spark SQL's ``AND``/``OR`` are Kleene, like ``all3``/``any3``, and ``CASE WHEN NULL`` takes the
``ELSE`` branch like polars' ``when``; so the same three-valued helpers carry over unchanged, and
``alternatives`` and ``at_least`` are again built from counts of true, false and null.

Two things differ from the polars compiler, both for Spark's sake:

* Stages are ``select`` projections of named temporary columns. Catalyst does not inline a
  projection whose non-trivial expressions are read more than once, so the expressions stay small
  however deep the tree is.
* The decisive measures come in one of two forms: a list built in the plan (the slots, in
  order, become ``CASE WHEN active THEN measure END``, joined, split and deduplicated, which
  keeps first occurrences: the ordered union that the per-record engine reports), or signature
  words, one bit per slot as in ``compile_polars``, which ``cohort.spark`` turns into lists once
  per distinct signature (far cheaper over millions of rows).

:mod:`pyspark` is imported by this module only; nothing else in the core needs it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from pyspark.sql import functions as F

from .compile_polars import WORD_BITS, column_name, decisive_measures, word_count
from .evaluate import INDETERMINATE, NOT_APPLICABLE, Definition
from .nodes import Compare, Composite, Condition, Cutoff, Node, Ref, Score

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame


class SparkColumns(Protocol):
    """How the compiler finds a measure in the Spark table (the cohort layer supplies one)."""

    def value(self, measure: str) -> Column:
        """The value the per-record ``Context.get(measure)`` would see."""
        ...

    def missing(self, measure: str) -> Column:
        """Non-null Boolean: ``Context.get(measure) in (None, [], {})`` (used for raw inputs)."""
        ...

    def plain(self, measure: str) -> bool:
        """Whether :meth:`missing` is just ``value(measure) IS NULL``."""
        ...

    def inputs(self, measure: str) -> tuple[str, ...]:
        """What ``Context.missing_inputs`` expands ``measure`` to (itself for a raw measure)."""
        ...

    def categories(self, measure: str) -> tuple[str, ...] | None:
        """Allowed values of a categorical column (held as text), or ``None``."""
        ...


@dataclass(frozen=True)
class SimpleSparkColumns:
    """Columns named after the measures (``sarc_f.strength`` -> ``sarc_f_strength``)."""

    derived_inputs: dict[str, tuple[str, ...]] = field(default_factory=dict)
    enums: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def value(self, measure: str) -> Column:
        return F.col(column_name(measure))

    def missing(self, measure: str) -> Column:
        return self.value(measure).isNull()

    def plain(self, measure: str) -> bool:
        return True

    def inputs(self, measure: str) -> tuple[str, ...]:
        return self.derived_inputs.get(measure, (measure,))

    def categories(self, measure: str) -> tuple[str, ...] | None:
        return self.enums.get(measure)


@dataclass(frozen=True)
class Slot:
    """One place where ``measure`` can enter the decisive measures, active when every condition
    of ``gates`` holds: the "unknown" conditions on the path from an outcome down to it, outermost
    first. Slots under the same node share the very same ``Column`` objects for their common
    prefix, which :func:`_signature` uses to test each prefix once."""

    measure: str
    gates: tuple[Column, ...]

    @property
    def active(self) -> Column:
        return _all(self.gates)


@dataclass
class CompiledSparkDefinition:
    """A definition as Spark columns, applied in stages by :meth:`apply`.

    Output columns: ``{id}`` (outcome text), ``{id}_decided`` (Boolean), ``{id}_in_population``
    (nullable Boolean: ``Population.established``, false when excluded) and ``{id}_decisive``
    (array of measure ids, in the order ``assess`` reports them), or instead of the list the
    signature words ``{id}__sig{w}`` (the active slots' bits, as in ``compile_polars``), which
    :meth:`decisive_of` turns into the list.
    """

    id: str
    vocabulary: list[str]
    stages: list[tuple[int, list[Column]]]  # (level, temporary columns computed at that level)
    outputs: dict[str, Column]  # replace a column of the same name (a derived measure "sarc_f")
    components: dict[str, str]  # component name -> temporary truth column
    temporaries: list[str]
    slots: list[Slot]  # where measures enter the decisive measures, in the order assess lists them
    code: Column  # outcome, decided and in_population as one integer (:meth:`decoded`)

    def signature_columns(self) -> list[str]:
        return [f"{self.id}__sig{w}" for w in range(word_count(len(self.slots)))]

    @property
    def code_column(self) -> str:
        return f"{self.id}__code"

    def finals(self, signature: bool = False) -> dict[str, Column]:
        """The output columns: outcome, decided, in_population and the decisive measures (a list
        per row); or, with ``signature``, the first three as one small code and the signature
        words (built here, so a plan holds one of the two, never both). The code is what a staged
        table stores and groups by: an integer is cheaper than text to write, read and hash, and
        one column is cheaper than three."""
        if signature:
            words = _signature(self.slots)
            return {self.code_column: self.code, **dict(zip(self.signature_columns(), words, strict=True))}
        return {**self.outputs, f"{self.id}_decisive": _ordered_union(self.slots)}

    def decoded(self, code: Column) -> dict[str, Column]:
        """The outcome, decided and in_population columns of ``code`` (:meth:`finals` with
        ``signature``): ``8 x place of the outcome in the vocabulary + 2 x population + decided``,
        the population 0 when false, 1 when true, 2 when unknown."""
        labels = F.array(*[F.lit(x) for x in self.vocabulary])
        population = F.shiftright(code, 1).bitwiseAND(F.lit(3))
        return {
            self.id: F.element_at(labels, F.shiftright(code, 3) + 1),
            f"{self.id}_decided": code.bitwiseAND(F.lit(1)) == F.lit(1),
            f"{self.id}_in_population": F.when(population != F.lit(2), population == F.lit(1)),
        }

    def decisive_of(self, words: Sequence[int]) -> list[str]:
        """The decisive measures of a signature (a tuple of its words)."""
        measures = tuple(s.measure for s in self.slots)
        return decisive_measures(measures, tuple(int(w) for w in words))

    def apply(self, frame: DataFrame, keep: Sequence[str] = ()) -> DataFrame:
        """Add the outputs (and any component truths named in ``keep``) to ``frame``."""
        for _, stage in self.stages:
            frame = frame.select("*", *stage)
        frame = frame.withColumns(self.finals())
        kept = {self.components[k] for k in keep}
        return frame.drop(*[t for t in self.temporaries if t not in kept])


def apply_all(
    frame: DataFrame,
    compiled: Sequence[CompiledSparkDefinition],
    keep: Iterable[str],
    signature: bool = False,
) -> DataFrame:
    """Add every definition's outputs with one projection per level, shared by all definitions.

    One projection per stage of each definition in turn would make a plan as deep as the sum of
    their depths; Spark analyses a plan again at each step, so that costs time quadratic in the
    number of definitions. Levels are independent across definitions, so they merge; the outputs
    come last, so a definition named like a derived measure (``sarc_f``) replaces that column only
    after every definition has read it. With ``signature`` the decisive measures are left as
    signature words (a list per distinct signature is far cheaper than one per row).

    The result has the columns of ``frame`` named in ``keep``, then the outputs. Each level
    carries forward only those and the columns that a later level or an output reads. Spark leaves a
    projection of more than ``spark.sql.codegen.maxFields`` (100) columns out of whole-stage
    code and copies every row it passes: the table has about a hundred columns, most of which no
    definition reads, and many temporaries die a level or two after they are made. Pruned, the
    first classification in a fresh JVM took 16 s instead of 35 s (docs/cohort.md)."""
    levels: dict[int, list[Column]] = {}
    for c in compiled:
        for lvl, stage in c.stages:
            levels.setdefault(lvl, []).extend(stage)
    outputs: dict[str, Column] = {}
    for c in compiled:
        outputs.update(c.finals(signature))
    order = sorted(levels)
    kept = [c for c in frame.columns if c in set(keep) and c not in outputs]
    live = set(kept).union(*[_names(o) for o in outputs.values()])
    after: dict[int, set[str]] = {}  # the columns read after each level
    for lvl in reversed(order):
        after[lvl] = live
        live = live.union(*[_names(e) for e in levels[lvl]])
    frame = frame.select(*[c for c in frame.columns if c in live])
    for lvl in order:
        frame = frame.select(*[c for c in frame.columns if c in after[lvl]], *levels[lvl])
    return frame.select(*kept, *[e.alias(n) for n, e in outputs.items()])


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _names(column: Column) -> set[str]:
    """The words of ``column``'s text, a superset of the column names it reads (the names the
    compiler makes, and the table's, are such words); a name missed would fail the query's
    analysis, never its results."""
    return set(_NAME.findall(str(column)))


def compile_definition(definition: Definition, columns: SparkColumns) -> CompiledSparkDefinition:
    """Compile ``definition`` against ``columns``. :raises ValueError: for an unknown node type."""
    return _Compiler(definition, columns).compile()


def compile_definitions(
    definitions: Iterable[Definition], columns: SparkColumns
) -> list[CompiledSparkDefinition]:
    return [compile_definition(d, columns) for d in definitions]


# --- three-valued helpers (as in compile_polars) ------------------------------------------------

# functions, not constants: a Column can only be built once a Spark session exists


def _true() -> Column:
    return F.lit(True)


def _false() -> Column:
    return F.lit(False)


def is_true(t: Column) -> Column:
    return F.coalesce(t, _false())


def not_false(t: Column) -> Column:
    return F.coalesce(t, _true())


def tri(true: Column, false: Column) -> Column:
    """A nullable Boolean from two non-null Booleans that are never both true."""
    return F.when(true, _true()).when(false, _false())


def balanced(op: Callable[[Column, Column], Column], cols: Sequence[Column]) -> Column:
    """``cols`` (at least one) joined by the associative ``op`` as a balanced tree. A chain of n
    operands nests n levels deep, and a Spark Connect client refuses an expression nested about
    50 levels deep (protobuf's limit of 100 levels, two per call); a balanced tree nests log2(n).
    Only for operators that give the same value in any grouping: Kleene ``&`` and ``|``, sums of
    integers, bitwise OR (never a sum of doubles)."""
    if not cols:
        raise ValueError("balanced() needs at least one operand")
    if len(cols) == 1:
        return cols[0]
    half = len(cols) // 2
    return op(balanced(op, cols[:half]), balanced(op, cols[half:]))


def _all(cols: Sequence[Column]) -> Column:
    return balanced(lambda a, b: a & b, cols) if cols else _true()


def _any(cols: Sequence[Column]) -> Column:
    return balanced(lambda a, b: a | b, cols) if cols else _false()


def _count(cols: Sequence[Column]) -> Column:
    return balanced(lambda a, b: a + b, [c.cast("int") for c in cols])


_CMP: dict[str, Callable[[Column, Any], Column]] = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "==": lambda a, b: a == b,
}


class _Compiler:
    def __init__(self, definition: Definition, columns: SparkColumns) -> None:
        self.d = definition
        self.cols = columns
        self.exprs: dict[int, Column] = {}  # node key -> truth expression (before staging)
        self.level: dict[int, int] = {}
        self.local_slots: dict[int, list[Slot]] = {}
        self.helpers: list[tuple[int, str, Column]] = []  # (stage, name, expression)

    # -- truth ------------------------------------------------------------------------------

    @staticmethod
    def target(node: Node) -> Node:
        while isinstance(node, Ref):
            node = node.target
        return node

    def col(self, node: Node) -> Column:
        return F.col(self.name(node))

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

    def condition(self, c: Condition) -> Column:
        v = self.cols.value(c.measure)
        cats = self.cols.categories(c.measure)
        if c.op == "includes":  # a list (conditions) naming one of the values; a null list: unknown
            return F.arrays_overlap(v, F.array(*[F.lit(x) for x in c.value]))
        if c.op == "in":
            wanted = list(c.value)
            if cats is not None:
                wanted = [w for w in wanted if w in cats]
                if not wanted:
                    return F.when(v.isNotNull(), _false())
            return v.isin(wanted)
        if cats is not None and c.value not in cats:
            if c.op != "==":
                raise ValueError(f"{self.d.id}: cannot compare categorical {c.measure} with {c.op}")
            return F.when(v.isNotNull(), _false())
        r = _CMP[c.op](v, F.lit(c.value))
        if c.unsettled:
            return F.when(v != F.lit(c.value), r)  # exactly on the boundary: unknown
        return r

    def candidate(self, node: Compare, value: Column, cut: Cutoff) -> Column:
        if cut.value is None:  # the source publishes no cut-off for this group
            return F.lit(None).cast("boolean")
        r = _CMP[node.comparator](value, F.lit(cut.value))
        if node.unconfirmed_comparator is None:
            return r
        alt = _CMP[node.unconfirmed_comparator](value, F.lit(cut.value))
        return F.when(r == alt, r)  # the two published comparators disagree: unknown

    def helper(self, name: str, expr: Column, level: int) -> Column:
        """A temporary column computed in stage ``level``; returns a reference to it."""
        self.helpers.append((level, name, expr.alias(name)))
        return F.col(name)

    def compare(self, node: Compare) -> Column:
        """Mirror of ``Compare._evaluate`` (see ``compile_polars._Compiler.compare``)."""
        name = self.name(node)
        v = self.cols.value(node.measure)
        cuts = node.cutoffs
        results = [self.candidate(node, v, cut) for cut in cuts]
        unpublished = [cut.value is None for cut in cuts]
        matches: list[Column] = []
        possible: list[Column] = []
        if len(cuts) == 1 and not cuts[0].when:
            matches, possible = [_true()], [_true()]
        else:
            for i, cut in enumerate(cuts):
                m = _all([self.condition(c) for c in cut.when]) if cut.when else _true()
                matches.append(self.helper(f"{name}_m{i}", m, 0))
            earlier_true: list[Column] = []
            for i, m in enumerate(matches):
                p = not_false(m) & ~_any(earlier_true) if earlier_true else not_false(m)
                possible.append(self.helper(f"{name}_p{i}", p, 1))
                earlier_true.append(is_true(m))
        pairs = list(zip(possible, results, unpublished, strict=True))
        any_possible = _any(possible)
        all_unpublished = ~_any([p for p, _, u in pairs if not u])
        some_unpublished = _any([p for p, _, u in pairs if u])
        cand_null = _any([p & r.isNull() for p, r, _ in pairs])
        all_true = _all([~p | is_true(r) for p, r, _ in pairs])
        all_false = _all([~p | ~not_false(r) for p, r, _ in pairs])
        present = v.isNotNull() & any_possible & ~all_unpublished
        known = present & ~cand_null
        truth = tri(known & all_true, known & all_false)
        vm = self.helper(f"{name}_vm", v.isNull() & any_possible & ~all_unpublished, 2)
        slots = self.missing_inputs(node.measure, (vm,))
        if any(cut.when for cut in cuts):
            amb = self.helper(
                f"{name}_amb", present & (some_unpublished | (~cand_null & ~all_true & ~all_false)), 2
            )
            for i, (p, m, cut) in enumerate(zip(possible, matches, cuts, strict=True)):
                if not cut.when:
                    continue
                gate = self.helper(f"{name}_a{i}", amb & p & m.isNull(), 3)
                for c in cut.when:
                    slots += self.missing_inputs(c.measure, (gate, self.cols.value(c.measure).isNull()))
        self.local_slots[node.key] = slots
        return truth

    def missing_inputs(self, measure: str, gates: tuple[Column, ...]) -> list[Slot]:
        """Slots of ``Context.missing_inputs(measure)`` under ``gates``."""
        raw = self.cols.inputs(measure)
        if raw == (measure,) and self.cols.plain(measure):
            return [Slot(measure, gates)]
        slots = [Slot(r, (*gates, self.cols.missing(r))) for r in raw]
        slots.append(Slot(measure, (*gates, _all([~self.cols.missing(r) for r in raw]))))
        return slots

    def score(self, node: Score) -> Column:
        lo: Column = F.lit(0.0)
        hi: Column = F.lit(0.0)
        for item in node.items:
            if item.node is not None:
                t = self.col(item.node)
                lo = lo + is_true(t).cast("double") * float(item.max)
                hi = hi + not_false(t).cast("double") * float(item.max)
            else:
                assert item.measure is not None
                v = self.cols.value(item.measure).cast("double")
                lo = lo + F.coalesce(v, F.lit(float(item.min)))
                hi = hi + F.coalesce(v, F.lit(float(item.max)))
        r_lo = _CMP[node.comparator](lo, F.lit(float(node.cutoff)))
        r_hi = _CMP[node.comparator](hi, F.lit(float(node.cutoff)))
        return tri(r_lo & r_hi, ~r_lo & ~r_hi)

    def composite(self, node: Composite) -> Column:
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
        n_null = _count([p.isNull() for p in parts])
        return tri(n_true >= node.n, n_true + n_null < node.n)

    # -- decisive measures ------------------------------------------------------------------

    def unknown_slots(self, node: Node, gates: tuple[Column, ...]) -> list[Slot]:
        """Mirror of ``Node.unknown_measures``: slots reached through ``node`` under ``gates``.

        The gates are the "unknown" conditions along the path from an outcome to ``node``, kept
        as expressions (no columns): they only feed the decisive measures of the final
        projection, where :func:`_signature` tests each shared prefix once. As columns they made
        one more stage per depth of the tree and widened the rows that every stage copies
        (docs/cohort.md: the classification takes markedly less CPU without them)."""
        node = self.target(node)
        g = (*gates, self.col(node).isNull())
        if isinstance(node, Compare):
            return [Slot(s.measure, (*g, *s.gates)) for s in self.local_slots[node.key]]
        out: list[Slot] = []
        if isinstance(node, Score):
            for item in node.items:
                if item.measure is not None:
                    out.append(Slot(item.measure, (*g, self.cols.value(item.measure).isNull())))
            for item in node.items:
                if item.node is not None:
                    out += self.unknown_slots(item.node, g)
            return out
        for child in node.children():
            out += self.unknown_slots(child, g)
        return out

    def in_population(self, excluded: Column | None) -> Column:
        """Mirror of ``Population.established`` as the result reports it (see
        ``compile_polars._Compiler.in_population``): false when excluded, else Kleene OR over
        the alternatives of Kleene AND of their conditions; true with no alternatives."""
        alternatives = self.d.population.established_by
        established = (
            _any([_all([self.condition(c) for c in alt]) for alt in alternatives])
            if alternatives
            else _true()
        )
        return established if excluded is None else ~excluded & established

    def compile(self) -> CompiledSparkDefinition:
        d = self.d
        for node in d.components.values():
            self.visit(node)
        for _, cond in d.outcomes:
            self.visit(cond)
        truths = [self.col(cond) for _, cond in d.outcomes]
        # outside the definition's population (all exclusion conditions true): not_applicable,
        # decided, nothing to measure; unknown is not outside (rules/evaluate.py Population)
        pop = d.population.excludes
        excluded = _all([is_true(self.condition(c)) for c in pop]) if pop else None
        in_population = self.in_population(excluded)
        slots: list[Slot] = []
        earlier: list[Column] = [] if excluded is None else [excluded]
        for (_, cond), t in zip(d.outcomes, truths, strict=True):
            considered = (~_any(earlier),) if earlier else ()
            slots += self.unknown_slots(cond, considered)
            earlier.append(is_true(t))

        by_level: dict[int, list[Column]] = {}
        for key, expr in self.exprs.items():
            by_level.setdefault(self.level[key], []).append(expr)
        for lvl, _, expr in self.helpers:
            by_level.setdefault(lvl, []).append(expr)
        stages = [(lvl, by_level[lvl]) for lvl in sorted(by_level)]
        temporaries = [f"_{d.id}__n{key}" for key in self.exprs] + [n for _, n, _ in self.helpers]

        def first_true(value: Callable[[str], Column]) -> Column:
            """The outcome: the first whose condition is true, as ``value(label)``."""
            out: Any = F
            if excluded is not None:
                out = out.when(excluded, value(NOT_APPLICABLE))
            for (label, _), t in zip(d.outcomes, truths, strict=True):
                out = out.when(is_true(t), value(label))
            result: Column = out.otherwise(value(INDETERMINATE))
            return result

        decided: Any = F
        if excluded is not None:
            decided = decided.when(excluded, _true())
        for t in truths:
            decided = decided.when(is_true(t), _true()).when(t.isNull(), _false())
        decided = decided.otherwise(_false())
        outputs = {
            d.id: first_true(F.lit),
            f"{d.id}_decided": decided,
            f"{d.id}_in_population": in_population,
        }
        # the vocabulary holds every outcome first_true gives (knowledge/loader.py); the layout
        # is the one decoded() reads
        population = F.coalesce(in_population.cast("int"), F.lit(2))
        code = (
            first_true(lambda label: F.lit(8 * d.vocabulary.index(label)))
            + population * F.lit(2)
            + decided.cast("int")
        )
        return CompiledSparkDefinition(
            id=d.id,
            vocabulary=list(d.vocabulary),
            stages=stages,
            outputs=outputs,
            components={name: self.name(node) for name, node in d.components.items()},
            temporaries=temporaries,
            slots=slots,
            code=code,
        )


def _ordered_union(slots: Sequence[Slot]) -> Column:
    """The measures of the active slots, first occurrence first, no repeats (``_decisive``).

    ``concat_ws`` skips the inactive (null) slots in compiled code; splitting its text and
    ``array_distinct`` (which keeps first occurrences) give the ordered union. A lambda over an
    array (``filter``) would be evaluated interpreted, row by row (measured twice as slow). Per
    row, the splitting and deduplicating cost about as much as the gates (docs/cohort.md):
    ``cohort.spark`` classifies to :func:`_signature` instead."""
    if not slots:
        return F.array().cast("array<string>")
    joined = F.concat_ws(",", *[F.when(s.active, F.lit(s.measure)) for s in slots])
    return F.when(joined == F.lit(""), F.array().cast("array<string>")).otherwise(
        F.array_distinct(F.split(joined, ","))
    )


def _signature(slots: Sequence[Slot]) -> list[Column]:
    """The active slots as bits, ``WORD_BITS`` to a ``long`` (the polars engine's words).

    A word is a tree of ``CASE WHEN gate THEN ... ELSE 0 END`` along the gates that its slots
    share (:class:`Slot`), so a row tests each gate once and skips every slot below one that
    fails. Most rows have a known outcome, whose first gate fails. One conjunction per slot
    made every row test every slot's whole path (docs/cohort.md, "What a sixth profile
    showed")."""
    words: list[Column] = []
    for w in range(word_count(len(slots))):
        chunk = slots[w * WORD_BITS : (w + 1) * WORD_BITS]
        words.append(_bits([(s.gates, 1 << b) for b, s in enumerate(chunk)], 0))
    return words


def _bits(entries: Sequence[tuple[tuple[Column, ...], int]], depth: int) -> Column:
    """The bits of ``entries`` (gates, bit) whose gates from position ``depth`` on all hold.

    Entries are grouped by their gate at ``depth``, the same ``Column`` object for slots below
    one node; an entry with no gate left is set."""
    fixed = 0
    groups: dict[int, tuple[Column, list[tuple[tuple[Column, ...], int]]]] = {}
    for gates, bit in entries:
        if len(gates) == depth:
            fixed |= bit
        else:
            groups.setdefault(id(gates[depth]), (gates[depth], []))[1].append((gates, bit))
    zero = F.lit(0).cast("long")
    terms = [F.when(gate, _bits(below, depth + 1)).otherwise(zero) for gate, below in groups.values()]
    if fixed or not terms:
        terms.insert(0, F.lit(fixed).cast("long"))
    return balanced(lambda a, b: a.bitwiseOR(b), terms)


__all__ = [
    "CompiledSparkDefinition",
    "SimpleSparkColumns",
    "Slot",
    "SparkColumns",
    "apply_all",
    "balanced",
    "compile_definition",
    "compile_definitions",
]
